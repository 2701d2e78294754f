/** A turn's log records in the waterfall: kept from the pages, put on their spans, marked on the rows, shown on select. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ServerMessageSchema } from '../../../shared/protocol';
import { SPAN } from '../../../shared/telemetry';
import type { TraceConversation, ViewerLog } from '../../../shared/trace-viewer';
import { viewerSpan } from '../testing/viewer-span';
import { logsBySpan, waterfall } from './trace-view';
import { initialTraces, reduceTraces } from './traces-state';
import { SpanDetails, SpanWaterfall } from './SpanWaterfall';

const key = '0'.repeat(32);
const sid = (n: number) => n.toString(16).padStart(16, '0');
const turn = viewerSpan({ seq: 0, spanId: sid(1), name: SPAN.turn, startTime: [100, 0], endTime: [102, 0] });
const chat = viewerSpan({ seq: 1, spanId: sid(2), parentSpanId: sid(1), name: 'chat m', startTime: [100, 100_000_000], endTime: [100, 900_000_000], status: { code: 2, message: 'refused' } });
const tts = viewerSpan({ seq: 2, spanId: sid(3), parentSpanId: sid(1), name: 'text_to_speech m', startTime: [101, 0], endTime: [101, 500_000_000] });

function log(seq: number, spanId: string, body: string, severity = 9, ms = 0): ViewerLog {
  return {
    seq,
    traceId: 'a'.repeat(32),
    spanId,
    time: [100, ms * 1_000_000],
    severity,
    severityText: severity >= 17 ? 'ERROR' : severity >= 13 ? 'WARN' : 'INFO',
    body,
    attributes: { stage: 'llm' },
    scope: 'main',
  };
}

const conversation = (nextSeq: number): TraceConversation => ({ key, conversationId: key, traceId: 'a'.repeat(32), startedAt: 1, turns: 1, spans: 3, firstWords: null, nextSeq });
const resources = { main: {}, renderer: {} };

describe('the log records of a turn in the viewer', () => {
  it('keeps the records of each page once, beside the spans, and moves the cursor past both', () => {
    let state = reduceTraces(initialTraces(), { type: 'traces', conversations: [conversation(5)], resources });
    const page = { type: 'traces.page' as const, ref: 1, key, spans: [turn, chat], logs: [log(2, sid(2), 'turn failed', 13)], next: 3 };
    expect(ServerMessageSchema.safeParse(page).success).toBe(true);
    state = reduceTraces(state, page);
    // A page repeated from an older cursor adds nothing twice; a last page of records alone moves the cursor too.
    state = reduceTraces(state, { ...page, next: 3 });
    state = reduceTraces(state, { type: 'traces.page', key, spans: [], logs: [log(3, sid(1), 'turn completed'), log(4, sid(1), 'audio playing')], next: null });
    expect(state.logs[key]!.map((l) => l.seq)).toEqual([2, 3, 4]);
    expect(state.cursors[key]).toBe(5);
    // A conversation main no longer lists takes its records with it.
    expect(reduceTraces(state, { type: 'traces', conversations: [], resources }).logs).toEqual({});
  });

  it('puts each record on the span it was made in, by time', () => {
    const logs = logsBySpan([log(5, sid(2), 'later', 9, 500), log(4, sid(2), 'turn failed', 13, 300), log(6, sid(1), 'turn completed')]);
    const { rows } = waterfall([turn, chat, tts], sid(1), undefined, logs);
    expect(rows.map((r) => [r.span.name, r.logs.map((l) => l.body)])).toEqual([
      [SPAN.turn, ['turn completed']],
      ['chat m', ['turn failed', 'later']],
      ['text_to_speech m', []],
    ]);
  });

  it('marks the rows of spans with records, by their most severe, and no other row', () => {
    const logs = logsBySpan([log(4, sid(2), 'turn failed', 13), log(5, sid(2), 'retrying', 9), log(6, sid(1), 'boom', 17)]);
    const { rows, totalMs } = waterfall([turn, chat, tts], sid(1), undefined, logs);
    const html = renderToStaticMarkup(createElement(SpanWaterfall, { rows, totalMs, selected: null, onSelect: () => {} }));
    const marks = [...html.matchAll(/class="span-logs span-logs-(\w+)" title="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    expect(marks).toEqual([
      ['error', '1 log record: boom'],
      ['warn', '2 log records: turn failed'],
    ]);
    expect(html).toContain('(2 log records, warn)');
    const without = waterfall([turn, chat, tts], sid(1));
    expect(renderToStaticMarkup(createElement(SpanWaterfall, { rows: without.rows, totalMs, selected: null, onSelect: () => {} }))).not.toContain('span-logs');
  });

  it("shows a selected span's records: when, severity, message and fields", () => {
    const html = renderToStaticMarkup(createElement(SpanDetails, { span: chat, logs: [log(4, sid(2), 'turn failed', 13, 300)] }));
    expect(html).toContain('<h5>Logs</h5>');
    expect(html).toMatch(/\+200 ms<\/span> <strong>WARN<\/strong> turn failed/);
    expect(html).toContain('stage=llm');
    expect(renderToStaticMarkup(createElement(SpanDetails, { span: tts }))).not.toContain('Logs');
  });
});
