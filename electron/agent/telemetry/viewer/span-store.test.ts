import { ROOT_CONTEXT, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { ServerMessageSchema } from '../../../../shared/protocol';
import { ATTR, SPAN, type SerializedSpan } from '../../../../shared/telemetry';
import { MAX_MESSAGE_BYTES, EnvelopeWriter } from '../../../../shared/protocol';
import { inMemoryTelemetry } from '../../testing/in-memory-telemetry';
import type { ViewerSpan } from '../../../../shared/trace-viewer';
import { SPAN_STORE_MAX_BYTES, SpanStore, firstWordsOf, type SpanStoreLimits } from './span-store';

function storeWith(limits: SpanStoreLimits = { conversations: 20, spans: 20_000 }): { store: SpanStore; tracer: Tracer } {
  const store = new SpanStore(limits);
  const provider = new TracerProvider({ spanProcessors: [store] });
  return { store, tracer: provider.getTracer('test') };
}

/** A conversation of `turns` turns, each with a chat stage: 2 + 2 * turns spans. */
function conversation(tracer: Tracer, id: string, turns: number): void {
  const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id } });
  const context = trace.setSpan(ROOT_CONTEXT, root);
  for (let n = 1; n <= turns; n++) {
    const turn = tracer.startSpan(SPAN.turn, { attributes: { [ATTR.turnNumber]: n } }, context);
    tracer.startSpan('chat m', { attributes: { [ATTR.conversationId]: id, [ATTR.operationName]: 'chat' } }, trace.setSpan(context, turn)).end();
    turn.end();
  }
  tracer.startSpan(SPAN.audioCapture, {}, context).end();
  root.end();
}

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('SpanStore', () => {
  it('groups a conversation\'s spans, whatever ends first, and lists conversations newest first', () => {
    const { store, tracer } = storeWith();
    conversation(tracer, id(1), 2);
    conversation(tracer, id(2), 1);
    const list = store.list();
    expect(list.map((c) => c.key)).toEqual([id(2), id(1)]);
    expect(list[1]).toMatchObject({ conversationId: id(1), turns: 2, spans: 6, firstWords: null, nextSeq: 6 });
    expect(store.size).toBe(10);
  });

  it('keeps at most the conversation bound, dropping the oldest first', () => {
    const { store, tracer } = storeWith({ conversations: 3, spans: 1_000 });
    for (let n = 1; n <= 5; n++) conversation(tracer, id(n), 1);
    expect(store.list().map((c) => c.key)).toEqual([id(5), id(4), id(3)]);
    expect(store.size).toBe(12);
    expect(store.page(id(1), 0)).toBeNull();
  });

  it('keeps at most the span bound: whole old conversations go first, then the oldest spans of the only one left', () => {
    const { store, tracer } = storeWith({ conversations: 20, spans: 10 });
    conversation(tracer, id(1), 1); // 4 spans
    conversation(tracer, id(2), 2); // 6 spans: 10 in all
    expect(store.list()).toHaveLength(2);
    conversation(tracer, id(3), 1); // the oldest goes
    expect(store.list().map((c) => c.key)).toEqual([id(3), id(2)]);
    conversation(tracer, id(4), 10); // 22 spans alone: only its newest 10 stay
    expect(store.list().map((c) => c.key)).toEqual([id(4)]);
    expect(store.size).toBe(10);
    const page = store.page(id(4), 0)!;
    expect(page.spans.map((s) => s.seq)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(page.next).toBeNull();
  });

  it('keeps at most the byte bound: whole old conversations go first, then the oldest spans of the only one left', () => {
    const { store, tracer } = storeWith({ conversations: 20, spans: 20_000, bytes: 1_000_000 });
    /** A conversation of `count` spans each carrying about 200 KB (100,000 characters). */
    const large = (n: number, count: number) => {
      for (let i = 0; i < count; i++) tracer.startSpan('imported', { root: true, attributes: { [ATTR.conversationId]: id(n), 'app.payload': 'x'.repeat(100_000) } }).end();
    };
    large(1, 2);
    large(2, 2);
    expect(store.list()).toHaveLength(2);
    expect(store.bytes).toBeGreaterThan(800_000);
    large(3, 1); // past 1 MB: the oldest conversation goes, though the counts are far from their bounds
    expect(store.list().map((c) => c.key)).toEqual([id(3), id(2)]);
    expect(store.bytes).toBeLessThanOrEqual(1_000_000);
    large(4, 8); // alone past the bound: only its newest spans stay
    expect(store.list().map((c) => c.key)).toEqual([id(4)]);
    expect(store.size).toBe(4);
    expect(store.page(id(4), 0)!.spans[0]!.seq).toBe(4); // its first four went
    expect(store.bytes).toBeLessThanOrEqual(1_000_000);
    store.clear();
    expect(store.bytes).toBe(0);
  });

  it('holds no more than its byte bound of spans as large as a client may import', () => {
    const { store, tracer } = storeWith(); // the app's bounds
    const payload = 'y'.repeat(30_000); // ~60 KB a span, what one imported span can carry
    for (let i = 0; i < 1_000; i++) tracer.startSpan('imported', { root: true, attributes: { [ATTR.conversationId]: id(i % 10), 'app.payload': payload } }).end();
    expect(store.bytes).toBeLessThanOrEqual(SPAN_STORE_MAX_BYTES);
    expect(store.size).toBeLessThan(1_000);
    expect(store.size).toBeGreaterThan(400);
  });

  it('a trace kept on its own joins its conversation once a span names it (a turn of its own trace)', () => {
    const { store, tracer } = storeWith();
    const turn = tracer.startSpan(SPAN.turn, { root: true });
    const vad = tracer.startSpan(SPAN.vad, {}, trace.setSpan(ROOT_CONTEXT, turn));
    vad.end();
    expect(store.list()[0]!.key).toBe(turn.spanContext().traceId);
    tracer.startSpan('speech_to_text m', { attributes: { [ATTR.conversationId]: id(7) } }, trace.setSpan(ROOT_CONTEXT, turn)).end();
    turn.end();
    const list = store.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ key: id(7), turns: 1, spans: 3 });
    expect(store.page(id(7), 0)!.spans.map((s) => s.name)).toEqual([SPAN.vad, 'speech_to_text m', SPAN.turn]);
  });

  it('a turn outside any conversation is listed by its trace id; the connection\'s own span is not kept', () => {
    const { store, tracer } = storeWith();
    const turn = tracer.startSpan(SPAN.turn, { root: true });
    turn.end();
    tracer.startSpan(SPAN.transportSession, { root: true }).end();
    expect(store.list()).toEqual([expect.objectContaining({ key: turn.spanContext().traceId, conversationId: null, traceId: turn.spanContext().traceId, turns: 1 })]);
  });

  it('lists no conversation for a model loaded outside any turn, and keeps one loaded under a turn\'s stage', () => {
    const { store, tracer } = storeWith();
    tracer.startSpan(SPAN.modelLoad, { root: true }).end();
    expect(store.list()).toEqual([]);
    const turn = tracer.startSpan(SPAN.turn, { root: true });
    tracer.startSpan(SPAN.modelLoad, {}, trace.setSpan(ROOT_CONTEXT, turn)).end();
    turn.end();
    expect(store.list()).toEqual([expect.objectContaining({ key: turn.spanContext().traceId, spans: 2 })]);
  });

  it('pages from a cursor, each page under the message size limit with its envelope, a huge span shortened', () => {
    const { store, tracer } = storeWith();
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(1) } });
    const context = trace.setSpan(ROOT_CONTEXT, root);
    const big = 'x'.repeat(8_000);
    for (let i = 0; i < 40; i++) tracer.startSpan('chat m', { attributes: { a: big, b: big } }, context).end();
    const huge = tracer.startSpan('huge', {}, context) as Span;
    for (let i = 0; i < 10; i++) huge.setAttribute(`k${i}`, big);
    huge.end();
    root.end();
    const writer = new EnvelopeWriter();
    let from: number | null = 0;
    const seen: number[] = [];
    while (from !== null) {
      const page: { spans: ViewerSpan[]; next: number | null } = store.page(id(1), from)!;
      const message = { type: 'traces.page' as const, ref: 12345, key: id(1), spans: page.spans, next: page.next };
      expect(ServerMessageSchema.safeParse(message).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(writer.wrap(message)))).toBeLessThan(MAX_MESSAGE_BYTES);
      seen.push(...page.spans.map((s) => s.seq));
      from = page.next;
    }
    expect(seen).toEqual([...Array(42).keys()]);
    const shortened = store.page(id(1), 40)!.spans[0]!;
    expect(shortened).toMatchObject({ name: 'huge', shortened: true });
  });

  it('takes the first words from captured content only', () => {
    const { store, tracer } = storeWith();
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(1) } });
    const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'What is the weather' }] }]);
    const stt = tracer.startSpan('speech_to_text m', { attributes: { [ATTR.operationName]: 'speech_to_text', [ATTR.outputMessages]: messages } }, trace.setSpan(ROOT_CONTEXT, root));
    stt.end();
    root.end();
    expect(store.list()[0]!.firstWords).toBe('What is the weather');
    expect(firstWordsOf(stt as unknown as Parameters<typeof firstWordsOf>[0])).toBe('What is the weather');
  });
});

describe('the store in the app\'s telemetry', () => {
  const rendererSpan = (traceId: string, parentSpanId: string): SerializedSpan => {
    const now = Math.floor(Date.now() / 1000);
    return { traceId, spanId: 'ab'.repeat(8), parentSpanId, traceFlags: 1, name: SPAN.audioPlayback, kind: 0, startTime: [now, 0], endTime: [now, 5], attributes: {}, events: [], status: { code: SpanStatusCode.UNSET } };
  };

  it('is fed while tracing is on (renderer spans included, with their own resource), cleared when it goes off, and not fed while off', () => {
    const { telemetry } = inMemoryTelemetry();
    const root = telemetry.tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: id(1) } });
    telemetry.importSpans([rendererSpan(root.spanContext().traceId, root.spanContext().spanId)]);
    root.end();
    const traces = telemetry.traces;
    expect(traces.list()[0]).toMatchObject({ key: id(1), spans: 2 });
    const spans = traces.page(id(1), 0)!.spans;
    expect(spans.map((s) => s.process)).toEqual(['renderer', 'main']);
    expect(spans[0]!.flags & 0x200).toBe(0x200); // its parent is remote: in main
    expect(traces.resources.main['service.name']).toBe(traces.resources.renderer['service.name']);
    expect(traces.resources.renderer[ATTR.processType]).toBe('renderer');
    expect(traces.resources.main['process.pid']).toBe(process.pid);
    expect(traces.resources.renderer['process.pid']).toBeUndefined();

    telemetry.configure({ enabled: false });
    expect(traces.list()).toEqual([]);
    telemetry.tracer.startSpan(SPAN.conversation, { root: true }).end();
    telemetry.importSpans([rendererSpan('c'.repeat(32), 'd'.repeat(16))]);
    expect(telemetry.traceStore.size).toBe(0);
    void telemetry.shutdown();
  });
});
