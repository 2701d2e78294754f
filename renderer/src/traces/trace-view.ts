/**
 * What the trace viewer shows, from a conversation's spans alone: one row
 * per turn with its latencies (taken from the stage spans), a summary over
 * the turns, and a turn's waterfall with the log records made in each span. Pure functions of the set of spans: the
 * order they arrived in (children before parents, renderer spans late) does
 * not change the result, and a span not there yet is simply missing ("–").
 */
import { ATTR, EVENT, GEN_AI_OPERATION, SPAN } from '../../../shared/telemetry';
import type { SpanProcess, ViewerLog, ViewerSpan } from '../../../shared/trace-viewer';

export type TurnStatus = { kind: 'completed' } | { kind: 'interrupted' } | { kind: 'failed'; message: string };

export interface TurnRow {
  spanId: string;
  traceId: string;
  number: number | null;
  input: 'voice' | 'text' | null;
  /** Unix milliseconds. */
  startedAt: number;
  /** The turn's `turn.voice_to_voice_ms` (voice turns whose reply played). */
  voiceToVoiceMs: number | null;
  /** Voice to voice, or for a typed turn from the message to the reply's first sound. */
  replyMs: number | null;
  /** Time to first byte of each stage: the transcript, the first token, the first audio. */
  sttMs: number | null;
  firstTokenMs: number | null;
  firstAudioMs: number | null;
  status: TurnStatus;
}

export interface WaterfallRow {
  span: ViewerSpan;
  depth: number;
  /** From the turn's start. */
  offsetMs: number;
  durationMs: number;
  process: SpanProcess;
  status: 'ok' | 'error' | 'unset';
  /** The log records made while this span was active, by time. */
  logs: readonly ViewerLog[];
}

export interface Stat {
  median: number;
  p95: number;
  count: number;
}

export interface TurnsSummary {
  voiceToVoice: Stat | null;
  stt: Stat | null;
  firstToken: Stat | null;
  firstAudio: Stat | null;
}

export function hrToMs(time: readonly [number, number]): number {
  return time[0] * 1_000 + time[1] / 1_000_000;
}

export function durationMs(span: ViewerSpan): number {
  return Math.max(0, hrToMs(span.endTime) - hrToMs(span.startTime));
}

/** The spans by id (the later copy wins) and by parent, each list by start time. */
export class SpanIndex {
  readonly byId = new Map<string, ViewerSpan>();
  private readonly children = new Map<string, ViewerSpan[]>();

  constructor(spans: readonly ViewerSpan[]) {
    for (const span of spans) {
      const known = this.byId.get(span.spanId);
      if (!known || known.seq < span.seq) this.byId.set(span.spanId, span);
    }
    for (const span of this.byId.values()) {
      if (!span.parentSpanId) continue;
      const list = this.children.get(span.parentSpanId);
      if (list) list.push(span);
      else this.children.set(span.parentSpanId, [span]);
    }
    for (const list of this.children.values()) list.sort(byStart);
  }

  childrenOf(spanId: string): readonly ViewerSpan[] {
    return this.children.get(spanId) ?? [];
  }
}

function byStart(a: ViewerSpan, b: ViewerSpan): number {
  return hrToMs(a.startTime) - hrToMs(b.startTime) || a.seq - b.seq;
}

const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** One row per turn (abandoned utterances are not turns), oldest first. */
export function turnRows(spans: readonly ViewerSpan[], index = new SpanIndex(spans)): TurnRow[] {
  const turns = [...index.byId.values()].filter((s) => s.name === SPAN.turn && s.attributes[ATTR.turnAbandoned] !== true).sort(byStart);
  return turns.map((turn) => turnRow(turn, index));
}

function turnRow(turn: ViewerSpan, index: SpanIndex): TurnRow {
  const children = index.childrenOf(turn.spanId);
  const stage = (operation: string) => children.filter((c) => c.attributes[ATTR.operationName] === operation);
  const input = turn.attributes[ATTR.turnInput];
  const voiceToVoiceMs = number(turn.attributes[ATTR.voiceToVoiceMs]);
  const chat = stage(GEN_AI_OPERATION.chat)[0];
  const firstChunkSeconds = chat ? number(chat.attributes[ATTR.timeToFirstChunk]) : null;
  const firstTts = stage(GEN_AI_OPERATION.textToSpeech)[0];
  const stt = stage(GEN_AI_OPERATION.speechToText)[0];
  return {
    spanId: turn.spanId,
    traceId: turn.traceId,
    number: number(turn.attributes[ATTR.turnNumber]),
    input: input === 'voice' || input === 'text' ? input : null,
    startedAt: hrToMs(turn.startTime),
    voiceToVoiceMs,
    replyMs: voiceToVoiceMs ?? typedReplyMs(turn, children),
    sttMs: stt ? number(stt.attributes[ATTR.ttfbMs]) : null,
    firstTokenMs: firstChunkSeconds === null ? null : Math.round(firstChunkSeconds * 1_000),
    firstAudioMs: firstTts ? number(firstTts.attributes[ATTR.ttfbMs]) : null,
    status: statusOf(turn),
  };
}

/** From the typed message to the reply's first sound in the renderer, else to its first audio sent. */
function typedReplyMs(turn: ViewerSpan, children: readonly ViewerSpan[]): number | null {
  if (turn.attributes[ATTR.turnInput] !== 'text') return null;
  const start = hrToMs(turn.startTime);
  const played = children.find((c) => c.name === SPAN.audioPlayback)?.events.find((e) => e.name === EVENT.playbackStarted);
  const sent = turn.events.find((e) => e.name === EVENT.firstAudio);
  for (const event of [played, sent]) {
    const ms = event ? hrToMs(event.time) - start : -1;
    if (ms >= 0) return Math.round(ms);
  }
  return null;
}

function statusOf(turn: ViewerSpan): TurnStatus {
  if (turn.status.code === 2) return { kind: 'failed', message: turn.status.message || 'failed' };
  if (turn.attributes[ATTR.turnInterrupted] === true) return { kind: 'interrupted' };
  return { kind: 'completed' };
}

/** The log records of each span, by time. */
export function logsBySpan(logs: readonly ViewerLog[]): Map<string, ViewerLog[]> {
  const out = new Map<string, ViewerLog[]>();
  for (const log of logs) {
    const list = out.get(log.spanId);
    if (list) list.push(log);
    else out.set(log.spanId, [log]);
  }
  for (const list of out.values()) list.sort((a, b) => hrToMs(a.time) - hrToMs(b.time) || a.seq - b.seq);
  return out;
}

/** The most severe of a span's records: what its mark shows. */
export function logsLevel(logs: readonly ViewerLog[]): 'error' | 'warn' | 'info' | null {
  if (logs.length === 0) return null;
  const worst = Math.max(...logs.map((l) => l.severity));
  return worst >= 17 ? 'error' : worst >= 13 ? 'warn' : 'info';
}

/** The turn and everything under it, depth first, children by start time, on the turn's time axis, each with its log records. */
export function waterfall(
  spans: readonly ViewerSpan[],
  turnSpanId: string,
  index = new SpanIndex(spans),
  logs: ReadonlyMap<string, readonly ViewerLog[]> = new Map(),
): { rows: WaterfallRow[]; totalMs: number } {
  const turn = index.byId.get(turnSpanId);
  if (!turn) return { rows: [], totalMs: 0 };
  const origin = hrToMs(turn.startTime);
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (span: ViewerSpan, depth: number) => {
    if (seen.has(span.spanId)) return;
    seen.add(span.spanId);
    rows.push({
      span,
      depth,
      offsetMs: Math.max(0, hrToMs(span.startTime) - origin),
      durationMs: durationMs(span),
      process: span.process,
      status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
      logs: logs.get(span.spanId) ?? [],
    });
    for (const child of index.childrenOf(span.spanId)) visit(child, depth + 1);
  };
  visit(turn, 0);
  const totalMs = Math.max(1, ...rows.map((r) => r.offsetMs + r.durationMs));
  return { rows, totalMs };
}

/** Nearest-rank percentile of values sorted ascending. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function stat(values: readonly (number | null)[]): Stat | null {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (present.length === 0) return null;
  return { median: percentile(present, 50), p95: percentile(present, 95), count: present.length };
}

export function summarize(rows: readonly TurnRow[]): TurnsSummary {
  return {
    voiceToVoice: stat(rows.map((r) => r.voiceToVoiceMs)),
    stt: stat(rows.map((r) => r.sttMs)),
    firstToken: stat(rows.map((r) => r.firstTokenMs)),
    firstAudio: stat(rows.map((r) => r.firstAudioMs)),
  };
}

/** "812 ms", or "–" when there is no value (never 0). */
export function formatMs(value: number | null): string {
  return value === null ? '–' : `${Math.round(value)} ms`;
}

/** "0.81 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1_000).toFixed(2)} s`;
}

export function statusText(status: TurnStatus): string {
  return status.kind === 'failed' ? `error: ${status.message}` : status.kind;
}
