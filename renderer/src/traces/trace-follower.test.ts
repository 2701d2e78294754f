import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../shared/protocol';
import type { TraceConversation, ViewerSpan } from '../../../shared/trace-viewer';
import { TraceFollower } from './trace-follower';
import { initialTraces, reduceTraces, type TracesState } from './traces-state';

type Reply = Extract<ServerMessage, { type: 'traces' | 'traces.page' }>;
const resources = { main: {}, renderer: {} };
const key = '0'.repeat(32);
const listed = (nextSeq: number): Reply => ({ type: 'traces', conversations: [{ key, conversationId: null, traceId: key, startedAt: 1, turns: 1, spans: nextSeq, firstWords: null, nextSeq } satisfies TraceConversation], resources });
const span = (seq: number) => ({ seq }) as ViewerSpan;

function setup() {
  let state: TracesState = initialTraces();
  const calls: string[] = [];
  const pages: { from: number; resolve(reply: Reply): void }[] = [];
  const follower = new TraceFollower({
    list: () => Promise.resolve(listed(3)),
    page: (_key, from) => {
      calls.push(`page ${from}`);
      return new Promise((resolve) => pages.push({ from, resolve }));
    },
    watch: (on) => calls.push(`watch ${on}`),
    state: () => state,
    apply: (reply) => (state = reduceTraces(state, reply)),
    shown: () => [],
  });
  return { follower, calls, pages, state: () => state };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('TraceFollower', () => {
  it('watches while tracing is on, and again in a new session', () => {
    const t = setup();
    t.follower.setTracing(false);
    t.follower.setTracing(true);
    t.follower.setTracing(true);
    t.follower.sessionChanged();
    t.follower.setTracing(true);
    t.follower.setTracing(false);
    expect(t.calls).toEqual(['watch true', 'watch true', 'watch false']);
  });

  it('fetches the selected conversation page by page from its cursor, one request at a time', async () => {
    const t = setup();
    t.follower.setTracing(true);
    await tick();
    t.follower.select(key);
    t.follower.listed(listed(3)); // a change while the first page is on its way: no second request
    expect(t.calls.filter((c) => c.startsWith('page'))).toEqual(['page 0']);
    t.pages.shift()!.resolve({ type: 'traces.page', key, spans: [span(0), span(1)], next: 2 });
    await tick();
    expect(t.calls.filter((c) => c.startsWith('page'))).toEqual(['page 0', 'page 2']);
    t.pages.shift()!.resolve({ type: 'traces.page', key, spans: [span(2)], next: null });
    await tick();
    expect(t.state().spans[key]!.map((s) => s.seq)).toEqual([0, 1, 2]);
    t.follower.listed(listed(3));
    expect(t.pages).toHaveLength(0);
  });
});
