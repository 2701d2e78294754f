import { describe, expect, it } from 'vitest';
import type { TraceConversation, ViewerSpan } from '../../../shared/trace-viewer';
import { viewerSpan } from '../testing/viewer-span';
import { behind, initialTraces, reduceTraces, withReply } from './traces-state';

const resources = { main: { 'service.name': 's' }, renderer: { 'service.name': 's' } };
const conversation = (key: string, nextSeq: number): TraceConversation => ({ key, conversationId: key, traceId: 'a'.repeat(32), startedAt: 1, turns: 1, spans: nextSeq, firstWords: null, nextSeq });
const span = (seq: number): ViewerSpan => viewerSpan({ seq, spanId: seq.toString(16).padStart(16, '0'), name: 'chat m', scope: { name: 's' } });
const key = '0'.repeat(32);

describe('reduceTraces', () => {
  it('appends pages after the cursor, once each, and knows when a conversation has more to fetch', () => {
    let state = reduceTraces(initialTraces(), { type: 'traces', conversations: [conversation(key, 3)], resources });
    expect(behind(state, key)).toBe(true);
    state = reduceTraces(state, { type: 'traces.page', key, spans: [span(0), span(1)], next: 2 });
    state = reduceTraces(state, { type: 'traces.page', key, spans: [span(1), span(2)], next: null });
    expect(state.spans[key]!.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(state.cursors[key]).toBe(3);
    expect(behind(state, key)).toBe(false);
    state = reduceTraces(state, { type: 'traces', conversations: [conversation(key, 5)], resources });
    expect(behind(state, key)).toBe(true);
  });

  it('forgets the spans of a conversation main no longer lists, and ignores a late page of it', () => {
    let state = reduceTraces(initialTraces(), { type: 'traces', conversations: [conversation(key, 1)], resources });
    state = reduceTraces(state, { type: 'traces.page', key, spans: [span(0)], next: null });
    state = reduceTraces(state, { type: 'traces', conversations: [], resources });
    expect(state.spans).toEqual({});
    expect(reduceTraces(state, { type: 'traces.page', key, spans: [span(1)], next: null })).toBe(state);
  });

  it('remembers the turn of a reply once, from when it was first seen', () => {
    const first = { key, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    const state = withReply(initialTraces(), 'entry-1', first);
    expect(withReply(state, 'entry-1', { ...first, spanId: 'c'.repeat(16) })).toBe(state);
    expect(state.replies['entry-1']).toEqual(first);
  });
});
