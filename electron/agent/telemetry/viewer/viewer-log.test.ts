/** Log records in the trace viewer's store: on the spans they were made in, paged with the spans. */
import { context, ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { EnvelopeWriter, MAX_MESSAGE_BYTES, ServerMessageSchema } from '../../../../shared/protocol';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import { VIEWER_LOG_LIMITS, type ViewerLog, type ViewerSpan } from '../../../../shared/trace-viewer';
import { AppLogger } from '../../util/logger';
import { inMemoryTelemetry } from '../../testing/in-memory-telemetry';
import { registerContextManager } from '../sdk/context-manager';
import { SpanStore, TRACE_STORE_LOGS } from './span-store';
import { ViewerLogProcessor } from './viewer-log';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function setup() {
  registerContextManager();
  const store = new SpanStore();
  const tracer: Tracer = new TracerProvider({ spanProcessors: [store] }).getTracer('test');
  const logger = new LoggerProvider({ processors: [new ViewerLogProcessor(store)] }).getLogger('main');
  const log = (body: string, attributes: Record<string, unknown> = {}) => logger.emit({ body, severityNumber: 13, severityText: 'WARN', attributes });
  return { store, tracer, log };
}

/** Every page of a conversation, as a session would send them, each checked like a message. */
function allPages(store: SpanStore, key: string): { spans: ViewerSpan[]; logs: ViewerLog[] } {
  const writer = new EnvelopeWriter();
  const out = { spans: [] as ViewerSpan[], logs: [] as ViewerLog[] };
  let from: number | null = 0;
  while (from !== null) {
    const page: ReturnType<SpanStore['page']> = store.page(key, from);
    if (!page) throw new Error('no such conversation');
    const message = { type: 'traces.page' as const, ref: 1, key, spans: page.spans, logs: page.logs, next: page.next };
    const parsed = ServerMessageSchema.safeParse(message);
    expect(parsed.success, parsed.error?.message).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(writer.wrap(message)))).toBeLessThan(MAX_MESSAGE_BYTES);
    out.spans.push(...page.spans);
    out.logs.push(...page.logs);
    from = page.next;
  }
  return out;
}

describe('log records in the span store', () => {
  it('keeps a record made in a span with that span, even when it came before any span of its trace ended', () => {
    const { store, tracer, log } = setup();
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(1) } });
    const turn = tracer.startSpan(SPAN.turn, {}, trace.setSpan(ROOT_CONTEXT, root));
    const chat = tracer.startSpan('chat m', { attributes: { [ATTR.conversationId]: id(1) } }, trace.setSpan(ROOT_CONTEXT, turn));
    context.with(trace.setSpan(ROOT_CONTEXT, chat), () => log('turn failed', { stage: 'llm', turn: 1 }));
    log('outside any span');
    expect(store.list()).toEqual([]); // nothing to show it on yet
    chat.end();
    turn.end();
    context.with(trace.setSpan(ROOT_CONTEXT, turn), () => log('turn completed'));
    root.end();
    const [listed] = store.list();
    const { spans, logs } = allPages(store, id(1));
    expect(spans).toHaveLength(3);
    expect(listed!.nextSeq).toBe(5); // three spans and two records
    expect(logs.map((l) => [l.body, l.spanId])).toEqual([
      ['turn failed', chat.spanContext().spanId],
      ['turn completed', turn.spanContext().spanId],
    ]);
    expect(logs[0]).toMatchObject({ traceId: root.spanContext().traceId, severity: 13, severityText: 'WARN', scope: 'main', attributes: { stage: 'llm', turn: 1 } });
  });

  it('moves the records of a trace with its spans when the trace names its conversation', () => {
    const { store, tracer, log } = setup();
    const turn = tracer.startSpan(SPAN.turn, { root: true });
    const context1 = trace.setSpan(ROOT_CONTEXT, turn);
    tracer.startSpan('vad', {}, context1).end(); // kept under the trace id until the trace names a conversation
    context.with(context1, () => log('early'));
    expect(allPages(store, turn.spanContext().traceId).logs.map((l) => l.body)).toEqual(['early']);
    tracer.startSpan('chat m', { attributes: { [ATTR.conversationId]: id(2) } }, context1).end();
    turn.end();
    expect(store.list().map((c) => c.key)).toEqual([id(2)]);
    expect(allPages(store, id(2)).logs.map((l) => l.body)).toEqual(['early']);
  });

  it('pages many long records with the spans, each page within a message, nothing lost or repeated', () => {
    const { store, tracer, log } = setup();
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(3) } });
    const inRoot = trace.setSpan(ROOT_CONTEXT, root);
    tracer.startSpan('first', {}, inRoot).end();
    for (let i = 0; i < 120; i++) {
      context.with(inRoot, () => log(`line ${i} ${'x'.repeat(2_000)}`, { detail: 'y'.repeat(1_000) }));
      tracer.startSpan(`span ${i}`, { attributes: { big: 'z'.repeat(3_000) } }, inRoot).end();
    }
    root.end();
    const { spans, logs } = allPages(store, id(3));
    expect(spans).toHaveLength(122);
    expect(logs).toHaveLength(120);
    expect([...spans, ...logs].map((x) => x.seq).sort((a, b) => a - b)).toEqual([...Array(242).keys()]);
    // The viewer's copy is cut; the exported record is not.
    expect(logs[0]!.body.length).toBe(VIEWER_LOG_LIMITS.body + 1);
    expect(String(logs[0]!.attributes.detail).length).toBe(VIEWER_LOG_LIMITS.value + 1);
  });

  it('keeps a bounded number of records waiting for their trace, the oldest dropped first', () => {
    const { store, tracer, log } = setup();
    const turn = tracer.startSpan(SPAN.turn, { root: true, attributes: { [ATTR.conversationId]: id(7) } });
    for (let i = 0; i < 300; i++) context.with(trace.setSpan(ROOT_CONTEXT, turn), () => log(`waiting ${i}`));
    turn.end();
    const { logs } = allPages(store, id(7));
    expect(logs).toHaveLength(256);
    expect(logs[0]!.body).toBe('waiting 44');
  });

  it('keeps at most TRACE_STORE_LOGS records, the oldest going first, and forgets them all when cleared', () => {
    const { store, tracer, log } = setup();
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(4) } });
    root.end();
    for (let i = 0; i < TRACE_STORE_LOGS + 10; i++) context.with(trace.setSpan(ROOT_CONTEXT, root), () => log(`line ${i}`));
    const { logs } = allPages(store, id(4));
    expect(logs).toHaveLength(TRACE_STORE_LOGS);
    expect(logs[0]!.body).toBe('line 10');
    store.clear();
    expect(store.list()).toEqual([]);
  });
});

describe('the telemetry feeds the viewer its log records', () => {
  it("shows a logger's lines on the span they were made in while tracing is on, and keeps none while it is off", async () => {
    const { telemetry } = inMemoryTelemetry();
    const logger = new AppLogger('main', [telemetry.logSink]);
    const span = telemetry.tracer.startSpan(SPAN.turn, { root: true, attributes: { [ATTR.conversationId]: id(5) } });
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.warn('turn failed', { stage: 'tts' }));
    span.end();
    const page = telemetry.traces.page(id(5), 0)!;
    expect(page.logs?.map((l) => [l.body, l.spanId, l.severityText])).toEqual([['turn failed', span.spanContext().spanId, 'WARN']]);

    telemetry.configure({ enabled: false });
    telemetry.configure({ enabled: true });
    const off = telemetry.tracer.startSpan(SPAN.turn, { root: true, attributes: { [ATTR.conversationId]: id(6) } });
    telemetry.configure({ enabled: false });
    context.with(trace.setSpan(ROOT_CONTEXT, off), () => logger.warn('while off'));
    telemetry.configure({ enabled: true });
    off.end();
    expect(telemetry.traces.page(id(6), 0)?.logs ?? []).toEqual([]);
    await telemetry.shutdown(500);
  });
});
