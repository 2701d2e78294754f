/**
 * The spans behind the built-in trace viewer: a span processor that keeps,
 * in memory, the finished spans of both processes (renderer spans join it
 * when main imports them) for the most recent conversations. It sits behind
 * a gate beside OTLP and console export, so it is fed only while tracing is
 * on, and is cleared when tracing goes off.
 *
 * Bounded: at most `conversations` conversations, `spans` spans and `bytes`
 * bytes of spans (each span's size estimated once, as it is kept: see
 * ./span-size.ts); the oldest conversation is dropped first (and, should one
 * conversation alone pass a bound, its oldest spans). Keeping a span is a few map and
 * array operations; nothing here waits, so export never waits on it.
 *
 * A span belongs to the conversation its trace belongs to: a trace learns
 * its conversation from the first of its spans that names one
 * (`gen_ai.conversation.id`: the conversation span, every stage span, a
 * turn of its own trace). Until then, and for a turn outside any
 * conversation, the trace is a conversation of its own, keyed by trace id,
 * which merges into the conversation once the trace names it.
 *
 * It keeps the log records made in those traces too (`addLog`, fed by
 * ViewerLogProcessor behind the same gate), in the same order of arrival as
 * the spans; a record whose trace has no span here yet waits for one.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { firstWords } from '../../../../shared/first-words';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import { TRACE_STORE_LIMITS, type TraceConversation, type ViewerLog, type ViewerSpan } from '../../../../shared/trace-viewer';
import { estimateSpanBytes } from './span-size';
import { pageWithLogs, type UnplacedLog } from './viewer-log';
import { toViewerSpan } from './viewer-span';

/**
 * Most log records kept, all conversations together (the oldest go first):
 * a viewer's record is at most a few kilobytes, so a few megabytes at worst.
 */
export const TRACE_STORE_LOGS = 2_000;
/** Most records waiting for a span of their trace (a record made in a span that never reaches the store is forgotten). */
const PENDING_LOGS = 256;

/**
 * Most bytes of spans kept (estimated). The app's own spans take well under
 * 1 KB each, so its 20,000 spans stay far below this and the span bound is
 * the one that applies; a client importing spans as large as a message lets
 * through (about 64 KB each) could otherwise hold about 1.3 GB with 20,000 of
 * them. 32 MiB caps that at some 500 such spans: a few megabytes more than the
 * app's own full store, a small part of the memory of a desktop app.
 */
export const SPAN_STORE_MAX_BYTES = 32 * 1024 * 1024;

export interface SpanStoreLimits {
  conversations: number;
  spans: number;
  /** Default SPAN_STORE_MAX_BYTES. */
  bytes?: number;
}

interface StoredSpan {
  seq: number;
  span: ReadableSpan;
  /** Its estimated size, counted when it was kept. */
  bytes: number;
}

interface StoredConversation {
  key: string;
  conversationId: string | null;
  /** Spans in arrival order; `head` of them have been dropped (the array is compacted now and then). */
  spans: StoredSpan[];
  head: number;
  /** Estimated bytes of the spans kept (from `head` on). */
  bytes: number;
  nextSeq: number;
  traces: Set<string>;
  /** The conversation span's trace, once known (a turn of its own trace links to it). */
  ownTrace: string | null;
  startedAt: number;
  turns: number;
  firstWords: { text: string; at: number } | null;
  /** Log records made in its traces, in arrival order. */
  logs: ViewerLog[];
}

export class SpanStore implements SpanProcessor {
  /** Oldest first (a Map keeps insertion order). */
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly traceToKey = new Map<string, string>();
  private spanCount = 0;
  private byteCount = 0;
  private readonly listeners = new Set<() => void>();
  private readonly maxBytes: number;
  private logCount = 0;
  /** Records of traces no span of which is here yet, by trace (the oldest trace first). */
  private readonly pendingLogs = new Map<string, UnplacedLog[]>();
  private pendingCount = 0;

  constructor(private readonly limits: SpanStoreLimits = TRACE_STORE_LIMITS) {
    this.maxBytes = limits.bytes ?? SPAN_STORE_MAX_BYTES;
  }

  /** Spans kept now. */
  get size(): number {
    return this.spanCount;
  }

  /** Estimated bytes of the spans kept now. */
  get bytes(): number {
    return this.byteCount;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (span.name === SPAN.transportSession) return; // the connection's own trace is no conversation
    if (span.name === SPAN.modelLoad && !span.parentSpanContext) return; // nor a model loaded outside any turn
    const traceId = span.spanContext().traceId;
    const named = conversationIdOf(span);
    let conversation = this.conversationOfTrace(traceId, named);
    if (!conversation) {
      const key = named ?? traceId;
      conversation = this.conversations.get(key) ?? this.create(key, named);
      conversation.traces.add(traceId);
      this.traceToKey.set(traceId, key);
    }
    this.add(conversation, span, estimateSpanBytes(span));
    this.placePendingLogs(traceId, conversation);
    this.enforceLimits(conversation);
    for (const listener of this.listeners) listener();
  }

  /** A log record made in a span: kept with its trace's conversation (or until a span of its trace arrives). */
  addLog(log: UnplacedLog): void {
    const key = this.traceToKey.get(log.traceId);
    const conversation = key === undefined ? undefined : this.conversations.get(key);
    if (!conversation) {
      const waiting = this.pendingLogs.get(log.traceId);
      if (waiting) waiting.push(log);
      else this.pendingLogs.set(log.traceId, [log]);
      if (++this.pendingCount > PENDING_LOGS) {
        const [oldest, records] = this.pendingLogs.entries().next().value!;
        records.shift();
        if (records.length === 0) this.pendingLogs.delete(oldest);
        this.pendingCount--;
      }
      return;
    }
    this.placeLog(conversation, log);
    this.enforceLogLimit();
    for (const listener of this.listeners) listener();
  }

  /** Forgets everything (tracing went off). */
  clear(): void {
    this.pendingLogs.clear();
    this.pendingCount = 0;
    if (this.conversations.size === 0) return;
    this.conversations.clear();
    this.traceToKey.clear();
    this.spanCount = 0;
    this.byteCount = 0;
    this.logCount = 0;
    for (const listener of this.listeners) listener();
  }

  /** Called after each change; keep it cheap (it runs as a span ends). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The conversations, newest first. */
  list(): TraceConversation[] {
    return [...this.conversations.values()].reverse().map((c) => ({
      key: c.key,
      conversationId: c.conversationId,
      traceId: c.ownTrace ?? c.traces.values().next().value!,
      startedAt: c.startedAt,
      turns: c.turns,
      spans: c.spans.length - c.head,
      firstWords: c.firstWords?.text ?? null,
      nextSeq: c.nextSeq,
    }));
  }

  /**
   * The conversation's spans from seq `from` on, as many as fit in a page,
   * and the seq the next page starts at (null when there is none yet).
   * Null when the store holds no such conversation.
   */
  page(key: string, from: number): { spans: ViewerSpan[]; logs: ViewerLog[]; next: number | null } | null {
    const conversation = this.conversations.get(key);
    if (!conversation) return null;
    const start = this.indexOf(conversation, from);
    const candidates: ViewerSpan[] = [];
    // A page holds at most a few hundred spans: convert only what can go in it.
    for (let i = start; i < conversation.spans.length && candidates.length < 500; i++) {
      const stored = conversation.spans[i]!;
      candidates.push(toViewerSpan(stored.span, stored.seq));
    }
    const complete = start + candidates.length >= conversation.spans.length;
    return pageWithLogs(candidates, conversation.logs.filter((l) => l.seq >= from), complete, conversation.nextSeq);
  }

  /** Every span kept of the conversation, oldest first, as the viewer sees them; null when the store holds no such conversation. */
  spansOf(key: string): ViewerSpan[] | null {
    const conversation = this.conversations.get(key);
    return conversation ? conversation.spans.slice(conversation.head).map((stored) => toViewerSpan(stored.span, stored.seq)) : null;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.clear();
    return Promise.resolve();
  }

  // ---- keeping ----------------------------------------------------------------

  private create(key: string, conversationId: string | null): StoredConversation {
    const conversation: StoredConversation = {
      key,
      conversationId,
      spans: [],
      head: 0,
      bytes: 0,
      nextSeq: 0,
      traces: new Set(),
      ownTrace: null,
      startedAt: Number.POSITIVE_INFINITY,
      turns: 0,
      firstWords: null,
      logs: [],
    };
    this.conversations.set(key, conversation);
    return conversation;
  }

  /** The conversation a trace is in; a trace that names its conversation now moves into it. */
  private conversationOfTrace(traceId: string, named: string | null): StoredConversation | undefined {
    const key = this.traceToKey.get(traceId);
    if (key === undefined) return undefined;
    const current = this.conversations.get(key);
    if (!current || !named || current.conversationId !== null) return current;
    // The trace was kept on its own until now: its spans join the conversation it names.
    const target = this.conversations.get(named) ?? this.create(named, named);
    this.conversations.delete(key);
    for (const trace of current.traces) {
      target.traces.add(trace);
      this.traceToKey.set(trace, named);
    }
    this.spanCount -= current.spans.length - current.head;
    this.byteCount -= current.bytes;
    for (const stored of current.spans.slice(current.head)) this.add(target, stored.span, stored.bytes);
    this.logCount -= current.logs.length;
    for (const log of current.logs) this.placeLog(target, log);
    return target;
  }

  private add(conversation: StoredConversation, span: ReadableSpan, bytes: number): void {
    conversation.spans.push({ seq: conversation.nextSeq++, span, bytes });
    conversation.bytes += bytes;
    this.spanCount++;
    this.byteCount += bytes;
    const start = span.startTime[0] * 1_000 + span.startTime[1] / 1_000_000;
    if (start < conversation.startedAt) conversation.startedAt = start;
    if (span.name === SPAN.conversation) conversation.ownTrace = span.spanContext().traceId;
    else if (span.name === SPAN.turn) {
      if (!span.attributes[ATTR.turnAbandoned]) conversation.turns++;
      const linked = span.links[0]?.context.traceId;
      if (linked && conversation.ownTrace === null && span.attributes[ATTR.conversationId]) conversation.ownTrace = linked;
    }
    const words = firstWordsOf(span);
    if (words && (!conversation.firstWords || start < conversation.firstWords.at)) conversation.firstWords = { text: words, at: start };
  }

  private enforceLimits(current: StoredConversation): void {
    while (this.conversations.size > this.limits.conversations || this.spanCount > this.limits.spans || this.byteCount > this.maxBytes) {
      const oldest = this.conversations.values().next().value!;
      if (oldest === current && this.conversations.size === 1) {
        this.dropOldestSpans(current, this.spanCount - this.limits.spans);
        while (this.byteCount > this.maxBytes && current.head < current.spans.length - 1) this.dropOldestSpans(current, 1);
        return;
      }
      this.drop(oldest === current ? [...this.conversations.values()][1]! : oldest);
    }
  }

  private drop(conversation: StoredConversation): void {
    this.conversations.delete(conversation.key);
    for (const trace of conversation.traces) if (this.traceToKey.get(trace) === conversation.key) this.traceToKey.delete(trace);
    this.spanCount -= conversation.spans.length - conversation.head;
    this.byteCount -= conversation.bytes;
    this.logCount -= conversation.logs.length;
  }

  private placeLog(conversation: StoredConversation, log: UnplacedLog): void {
    conversation.logs.push({ ...log, seq: conversation.nextSeq++ });
    this.logCount++;
  }

  /** The records that waited for this trace join its conversation. */
  private placePendingLogs(traceId: string, conversation: StoredConversation): void {
    const waiting = this.pendingLogs.get(traceId);
    if (!waiting) return;
    this.pendingLogs.delete(traceId);
    this.pendingCount -= waiting.length;
    for (const log of waiting) this.placeLog(conversation, log);
    this.enforceLogLimit();
  }

  private enforceLogLimit(): void {
    for (const conversation of this.conversations.values()) {
      if (this.logCount <= TRACE_STORE_LOGS) return;
      const excess = Math.min(conversation.logs.length, this.logCount - TRACE_STORE_LOGS);
      conversation.logs.splice(0, excess);
      this.logCount -= excess;
    }
  }

  private dropOldestSpans(conversation: StoredConversation, count: number): void {
    if (count <= 0) return;
    for (const dropped of conversation.spans.slice(conversation.head, conversation.head + count)) {
      conversation.bytes -= dropped.bytes;
      this.byteCount -= dropped.bytes;
    }
    conversation.head += count;
    this.spanCount -= count;
    if (conversation.head > 1_024 && conversation.head * 2 > conversation.spans.length) {
      conversation.spans = conversation.spans.slice(conversation.head);
      conversation.head = 0;
    }
  }

  /** Index of the first kept span whose seq is `from` or later (seqs increase along the array). */
  private indexOf(conversation: StoredConversation, from: number): number {
    let low = conversation.head;
    let high = conversation.spans.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (conversation.spans[middle]!.seq < from) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function conversationIdOf(span: ReadableSpan): string | null {
  const id = span.attributes[ATTR.conversationId];
  return typeof id === 'string' && id ? id : null;
}

/** What the user said or typed, from the content a span captured (only with content capture on). */
export function firstWordsOf(span: ReadableSpan): string | null {
  return firstWords(span.attributes);
}
