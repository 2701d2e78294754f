/**
 * The turn summaries describe_recent_turns speaks from, read from the spans
 * the trace viewer's store keeps of a conversation: each finished turn span
 * (turn.*), and its stage and tool spans below it (gen_ai.operation.name).
 * Captured content (what the user said or typed) is read only when asked to.
 */
import { firstWords } from '../../../../shared/first-words';
import type { TracingState } from '../../../../shared/telemetry';
import { ATTR, EVENT, GEN_AI_OPERATION, SPAN } from '../../../../shared/telemetry';
import type { ViewerSpan } from '../../../../shared/trace-viewer';
import type { RecentTurnsSource, TurnSummary } from './describe-recent-turns';

/** The part of a span the summaries read (the viewer's spans have it). */
export type SummarySpan = Pick<ViewerSpan, 'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'startTime' | 'endTime' | 'attributes' | 'events'>;

const MAX_WORDS = 80;

/** The conversation's finished turns, oldest first; `captureContent` lets the user's words in. */
export function turnSummaries(spans: readonly SummarySpan[], options: { captureContent: boolean }): TurnSummary[] {
  const byId = new Map(spans.map((span) => [key(span.traceId, span.spanId), span]));
  const turns = spans.filter((span) => span.name === SPAN.turn && span.attributes[ATTR.turnAbandoned] !== true);
  const below = new Map<SummarySpan, SummarySpan[]>(turns.map((turn) => [turn, []]));
  for (const span of spans) {
    const turn = turnOf(span, byId);
    if (turn && turn !== span) below.get(turn)?.push(span);
  }
  return turns
    .sort((a, b) => ms(a.startTime) - ms(b.startTime))
    .map((turn) => summarize(turn, (below.get(turn) ?? []).sort((a, b) => ms(a.startTime) - ms(b.startTime)), options.captureContent));
}

function summarize(turn: SummarySpan, children: readonly SummarySpan[], captureContent: boolean): TurnSummary {
  const attributes = turn.attributes;
  const ofOperation = (operation: string) => children.filter((s) => s.attributes[ATTR.operationName] === operation && !discarded(s));
  const [stt] = ofOperation(GEN_AI_OPERATION.speechToText);
  const chats = ofOperation(GEN_AI_OPERATION.chat);
  const [tts] = ofOperation(GEN_AI_OPERATION.textToSpeech);
  const tools = ofOperation(GEN_AI_OPERATION.executeTool);
  const toolCalls = numberOf(attributes[ATTR.turnToolCalls]) ?? tools.length;
  const summary: TurnSummary = {
    number: numberOf(attributes[ATTR.turnNumber]) ?? 0,
    input: stringOf(attributes[ATTR.turnInput]) ?? 'voice',
    // A typed turn has no voice-to-voice figure; its phases count from the message sent.
    voiceToVoiceMs: numberOf(attributes[ATTR.voiceToVoiceMs]) ?? numberOf(attributes[ATTR.phaseFirstAudioPlayingMs]),
    interrupted: attributes[ATTR.turnInterrupted] === true,
    falseInterruptions: turn.events.filter((e) => e.name === EVENT.falseInterruption).length,
    error: stringOf(attributes[ATTR.errorType]),
  };
  if (stt) summary.stt = { ms: spanMs(stt), firstByteMs: numberOf(stt.attributes[ATTR.ttfbMs]) };
  const chat = chats[0];
  if (chat) {
    const seconds = numberOf(chat.attributes[ATTR.timeToFirstChunk]);
    summary.llm = { ms: spanMs(chat), firstTokenMs: seconds === null ? null : seconds * 1_000, requests: chats.length };
  }
  if (tts) summary.tts = { ms: spanMs(tts), firstAudioMs: numberOf(tts.attributes[ATTR.ttfbMs]) };
  if (toolCalls > 0) {
    const names = tools.map((s) => s.attributes[ATTR.toolName]).filter((n): n is string => typeof n === 'string');
    summary.tools = { calls: toolCalls, ms: numberOf(attributes[ATTR.turnToolMs]) ?? 0, names };
  }
  if (captureContent) {
    const words = userWords(stt, chat);
    if (words) summary.userWords = words;
  }
  return summary;
}

/** The turn span a span is in (itself for a turn), following parents within the store. */
function turnOf(span: SummarySpan, byId: ReadonlyMap<string, SummarySpan>): SummarySpan | null {
  let current: SummarySpan | undefined = span;
  for (let depth = 0; current && depth < 16; depth++) {
    if (current.name === SPAN.turn) return current;
    current = current.parentSpanId ? byId.get(key(current.traceId, current.parentSpanId)) : undefined;
  }
  return null;
}

/** A request prepared during a pause and thrown away when the user went on: not the turn's. */
function discarded(span: SummarySpan): boolean {
  return span.attributes[ATTR.turnPreemptive] === true && span.attributes[ATTR.stageCancelled] === true;
}

/** What the user said (the transcript) or typed (the last user message of the chat request), from captured content. */
function userWords(stt: SummarySpan | undefined, chat: SummarySpan | undefined): string | null {
  const span = stt ?? chat;
  return span ? firstWords(span.attributes, MAX_WORDS) : null;
}

/** What the tool needs of the app's tracing (the app's Telemetry has these). */
export interface TracingView {
  readonly tracingState?: TracingState;
  readonly captureContent: boolean;
  /** The trace viewer's store. */
  readonly traceStore?: {
    list(): readonly { key: string; conversationId: string | null; traceId: string }[];
    spansOf(key: string): readonly SummarySpan[] | null;
  };
}

export interface RecentTurnsScope {
  /** The conversation running in this session, if any. */
  conversationId(): string | null;
  /** Whether this session started the trace: outside a conversation, each turn is a trace of its own. */
  isOwnTrace(traceId: string): boolean;
}

/**
 * describe_recent_turns' view of this session's turns, with tracing as it is
 * when the tool is offered or called: the running conversation's, or else
 * those this session took outside any conversation.
 */
export function recentTurnsSource(tracing: () => TracingView | undefined, scope: RecentTurnsScope): RecentTurnsSource {
  return {
    tracing: () => (tracing()?.tracingState?.enabled ?? false) && tracing()?.traceStore !== undefined,
    turns: () => {
      const store = tracing()?.traceStore;
      if (!store) return [];
      const id = scope.conversationId();
      const spans =
        id !== null
          ? (store.spansOf(id) ?? [])
          : store
              .list()
              .filter((entry) => entry.conversationId === null && scope.isOwnTrace(entry.traceId))
              .flatMap((entry) => store.spansOf(entry.key) ?? []);
      return turnSummaries(spans, { captureContent: tracing()?.captureContent ?? false });
    },
  };
}

function key(traceId: string, spanId: string): string {
  return `${traceId}/${spanId}`;
}

function ms(time: readonly [number, number]): number {
  return time[0] * 1_000 + time[1] / 1_000_000;
}

function spanMs(span: SummarySpan): number {
  return Math.max(0, ms(span.endTime) - ms(span.startTime));
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
