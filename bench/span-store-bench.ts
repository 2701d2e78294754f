/**
 * The trace viewer's span store: what keeping a turn's spans costs, and the
 * memory it holds once full. The spans are the app's own: one text turn is
 * recorded through the real pipeline and tracing, and turns of that shape
 * (names, kinds, nesting, attributes, events) are then made with the SDK and
 * fed to a store, as the gated processor feeds it.
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR } from '../shared/telemetry';
import { TRACE_STORE_LIMITS } from '../shared/trace-viewer';
import { SPAN_STORE_MAX_BYTES, SpanStore } from '../electron/agent/telemetry/viewer/span-store';
import { inMemoryTelemetry } from '../electron/agent/testing/in-memory-telemetry';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

const MB = 1024 * 1024;
const TURNS_PER_CONVERSATION = 25;

/** One recorded turn: its spans in end order, each with the index of its parent in the list. */
interface TurnShape {
  spans: { span: ReadableSpan; parent: number }[];
}

async function recordTurn(providers: FakeProviders): Promise<TurnShape> {
  await providers.configure({ reply: 'Fine. Thanks, and you?', ttsMsPerChar: 2 });
  const memory = inMemoryTelemetry();
  const client = new BenchClient(stagesFor(providers.url), benchConfig(providers.url), memory.telemetry);
  client.send({ type: 'conversation.start' });
  for (let i = 0; i < 2; i++) await completeTurn(client, () => client.send({ type: 'user.text', text: `message number ${i}` }));
  client.send({ type: 'conversation.end' });
  await client.session.close();
  const ended = await memory.finishedSpans();
  await memory.telemetry.shutdown();
  const turn = ended.filter((s) => s.name === 'turn').at(-1)!;
  const ids = new Set([turn.spanContext().spanId]);
  // Descendants of the last turn (children end before their parents: walk until nothing is added).
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of ended) {
      const parent = span.parentSpanContext?.spanId;
      if (parent && ids.has(parent) && !ids.has(span.spanContext().spanId)) {
        ids.add(span.spanContext().spanId);
        grew = true;
      }
    }
  }
  const inTurn = ended.filter((s) => ids.has(s.spanContext().spanId));
  const index = new Map(inTurn.map((s, i) => [s.spanContext().spanId, i]));
  return { spans: inTurn.map((span) => ({ span, parent: index.get(span.parentSpanContext?.spanId ?? '') ?? -1 })) };
}

/** Makes turns of the recorded shape with the SDK; each turn's finished spans, in end order. */
class TurnFactory {
  private readonly ended: ReadableSpan[] = [];
  private readonly provider: TracerProvider;
  private conversation: { span: Span; context: Context; id: string } | null = null;
  private turns = 0;

  constructor(
    private readonly shape: TurnShape,
    private readonly turnsPerConversation = TURNS_PER_CONVERSATION,
  ) {
    const collect: SpanProcessor = {
      onStart: () => {},
      onEnd: (span) => this.ended.push(span),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    this.provider = new TracerProvider({ spanProcessors: [collect] });
  }

  /** The next turn's spans; every TURNS_PER_CONVERSATION turns the conversation ends (its span included) and a new one starts. */
  turn(): ReadableSpan[] {
    const tracer = this.provider.getTracer('voice-agent-stack');
    this.ended.length = 0;
    if (!this.conversation) {
      const id = crypto.randomUUID();
      const span = tracer.startSpan('conversation', { root: true, attributes: { [ATTR.conversationId]: id } });
      this.conversation = { span, context: trace.setSpan(ROOT_CONTEXT, span), id };
    }
    const { context, id } = this.conversation;
    // Parents start before their children: start in reverse end order, end in end order.
    const made = new Map<number, Span>();
    const open = (i: number): Span => {
      const existing = made.get(i);
      if (existing) return existing;
      const { span, parent } = this.shape.spans[i]!;
      const parentContext = parent < 0 ? context : trace.setSpan(ROOT_CONTEXT, open(parent));
      const attributes = { ...span.attributes, ...(span.attributes[ATTR.conversationId] ? { [ATTR.conversationId]: id } : {}) };
      const started = tracer.startSpan(span.name, { kind: span.kind, attributes }, parentContext);
      for (const event of span.events) started.addEvent(event.name, event.attributes);
      made.set(i, started);
      return started;
    };
    for (let i = 0; i < this.shape.spans.length; i++) open(i);
    for (let i = 0; i < this.shape.spans.length; i++) made.get(i)!.end();
    if (++this.turns % this.turnsPerConversation === 0) {
      this.conversation.span.end();
      this.conversation = null;
    }
    return [...this.ended];
  }
}

async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the bench with node --expose-gc (npm run bench does)');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed / MB;
}

export async function spanStoreBench(providers: FakeProviders, turns: number): Promise<Figure[]> {
  const shape = await recordTurn(providers);
  const factory = new TurnFactory(shape);

  // Cost: the store's own work for each turn's spans (onEnd as the gated processor calls it).
  const store = new SpanStore();
  const cost: number[] = [];
  for (let i = 0; i < turns; i++) {
    const spans = factory.turn();
    const started = performance.now();
    for (const span of spans) store.onEnd(span);
    cost.push((performance.now() - started) * 1_000);
  }
  const full = store.list().length === TRACE_STORE_LIMITS.conversations;

  // Memory: what the store holds after `turns` turns (it is full), against the same turns with it cleared.
  const held = await settledHeap();
  const spansHeld = store.size;
  store.clear();
  const empty = await settledHeap();
  // Bounded: as many turns again change nothing.
  for (let i = 0; i < turns; i++) for (const span of factory.turn()) store.onEnd(span);
  const again = await settledHeap();
  const afterTwice = again - empty;

  // The span bound: long conversations until the store holds its 20,000 spans, and as many turns again.
  store.clear();
  const long = new TurnFactory(shape, 1_000);
  const floor = await settledHeap();
  const made = 2 * Math.ceil(TRACE_STORE_LIMITS.spans / shape.spans.length);
  for (let i = 0; i < made; i++) for (const span of long.turn()) store.onEnd(span);
  const atSpanBound = (await settledHeap()) - floor;
  const boundSpans = store.size;
  store.clear();

  // The byte bound: spans as large as a client may import (about 64 KB: a message's worth), each its own text.
  const largest = await largestSpans(store);

  const note = `${shape.spans.length} spans per turn (the app's text turn), conversations of ${TURNS_PER_CONVERSATION} turns`;
  return [
    figure('span_store_cost_per_turn_us', 'µs', cost, null, { note: `${note}; the store's work as the turn's spans end` }),
    figure('span_store_memory_full_mb', 'MB', [held - empty], null, {
      note: `after ${turns} turns, store ${full ? 'full' : 'not full'}: ${spansHeld} spans of the last ${TRACE_STORE_LIMITS.conversations} conversations (heap, after GC)`,
    }),
    figure('span_store_memory_after_twice_the_turns_mb', 'MB', [afterTwice], null, { note: `after ${turns * 2} turns: the bound holds (${spansHeld} spans)` }),
    figure('span_store_memory_span_bound_mb', 'MB', [atSpanBound], null, { note: `${made} turns in conversations of 1,000 turns: ${boundSpans} spans held (the span bound)` }),
    largest,
  ];
}

/** Text a span carries so that it is as large as one imported span can be: 30,000 UTF-16 code units (~60 KB), fresh for each span. */
const LARGE_SPAN_CHARS = 30_000;

async function largestSpans(store: SpanStore): Promise<Figure> {
  store.clear();
  const collect: SpanProcessor = { onStart: () => {}, onEnd: (span) => store.onEnd(span), forceFlush: async () => {}, shutdown: async () => {} };
  const tracer = new TracerProvider({ spanProcessors: [collect] }).getTracer('imported');
  const floor = await settledHeap();
  // Twice as many as the byte bound holds, in conversations of 50 spans.
  const made = 2 * Math.ceil(SPAN_STORE_MAX_BYTES / (2 * LARGE_SPAN_CHARS));
  for (let i = 0; i < made; i++) {
    const payload = randomBytes(2 * LARGE_SPAN_CHARS).toString('utf16le');
    tracer.startSpan('imported', { root: true, attributes: { [ATTR.conversationId]: `large-${Math.floor(i / 50)}`, 'app.payload': payload } }).end();
  }
  const held = (await settledHeap()) - floor;
  const { size, bytes } = store;
  store.clear();
  return figure('span_store_memory_largest_spans_mb', 'MB', [held], null, {
    note: `${made} spans of ${LARGE_SPAN_CHARS.toLocaleString('en')} characters: ${size} held at the ${SPAN_STORE_MAX_BYTES / MB} MiB bound (estimated ${(bytes / MB).toFixed(1)} MB; heap after GC)`,
  });
}
