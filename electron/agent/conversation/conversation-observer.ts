/**
 * What the conversation needs of whoever watches it: every event goes to
 * `observe`; each stage call and tool call runs inside `within`/`withinTool`
 * (so what a provider starts belongs to that stage); the trace's context
 * travels to the client as a traceparent. The app's tracing implements it
 * (telemetry/conversation/); the conversation imports no tracing library.
 */
import type { ConversationEvent, StageKind } from '../pipeline/turn-events';
import type { TracingView } from '../tools/builtin/recent-turns';

export interface ConversationObserver {
  observe(event: ConversationEvent): void;
  within<T>(turn: number, stage: StageKind, run: () => Promise<T>): Promise<T>;
  withinTool<T>(turn: number, callId: string, run: () => Promise<T>): Promise<T>;
  /** Runs `run` in turn `turn`'s context, so that what it logs belongs to the turn (on the stage that failed, else the turn). */
  inTurn<T>(turn: number, run: () => T): T;
  /** A running turn's context as a traceparent (when sampled), for the client's playback span. */
  turnTraceparent(turn: number): string | undefined;
  /** The conversation's context as a traceparent (when sampled). */
  readonly conversationTraceparent: string | undefined;
  /** Whether a trace was started here (the client may only add spans to those). */
  isKnownTrace(traceId: string): boolean;
  /** Whether content (what was said, tool arguments and results) is recorded; the view follows it. */
  readonly captureContent: boolean;
  /** Tracing's state and the viewer's store, for describe_recent_turns (offered while tracing is on); absent without them. */
  readonly tracing?: TracingView;
  /** Where each turn's audio goes when the user keeps it; absent: none is kept. */
  readonly turnAudio?: TurnAudioTap;
}

/**
 * The audio of a turn, handed over as it is final: what speech-to-text
 * received, and the reply's audio as it is sent to be played (what of it was
 * heard, the turn's events say). Called off the microphone's path: an
 * utterance arrives whole, a reply a chunk at a time.
 */
export interface TurnAudioTap {
  /** The user's utterance of turn `turn`, exactly as speech-to-text receives it. */
  heard(turn: number, audio: Int16Array, sampleRate: number): void;
  /** A chunk of turn `turn`'s reply, sent to be played (never written to afterwards: it may be kept as it is). */
  replyAudio(turn: number, samples: Int16Array, sampleRate: number): void;
}

/** Watches nothing: the conversation runs the same without an observer. */
export const unobserved: ConversationObserver = {
  observe: () => {},
  within: (_turn, _stage, run) => run(),
  withinTool: (_turn, _callId, run) => run(),
  inTurn: (_turn, run) => run(),
  turnTraceparent: () => undefined,
  conversationTraceparent: undefined,
  isKnownTrace: () => false,
  captureContent: false,
};
