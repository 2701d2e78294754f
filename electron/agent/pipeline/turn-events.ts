/**
 * What happens in a conversation, as plain data with timestamps: the
 * listener, the turn and the pipeline emit these, and observers (the
 * conversation trace, later metrics and a trace viewer) consume them. Nothing
 * here knows about spans.
 *
 * Every `at` is milliseconds since the epoch, with sub-millisecond precision,
 * from one clock (`eventTime`), so durations between events are exact.
 */
import type { EndReason, InterruptedBy } from '../../../shared/telemetry';
import type { ToolSpec, ToolType } from '../tools/tool';
import type { ChatEngineTiming, ChatMessage, ChatRequestSettings, ResponseInfo, ServerAddress, StageName, TokenUsage, ToolCallRequest } from './stages';

/** The stages a turn runs (voice detection belongs to listening). */
export type StageKind = Exclude<StageName, 'vad'>;

/** Events of one stage request within a turn; at most one of each kind runs at a time. */
export type StageEvent =
  | {
      type: 'stage.started';
      at: number;
      stage: 'stt';
      provider: string;
      model: string;
      server?: ServerAddress;
      audioSeconds: number;
    }
  | {
      type: 'stage.started';
      at: number;
      stage: 'llm';
      provider: string;
      model: string;
      server?: ServerAddress;
      request?: ChatRequestSettings;
      messages: readonly ChatMessage[];
      /** The tools offered to the model in this request (none: absent). */
      tools?: readonly ToolSpec[];
    }
  | {
      type: 'stage.started';
      at: number;
      stage: 'tts';
      provider: string;
      model: string;
      server?: ServerAddress;
      voice: string;
      text: string;
    }
  /** The first transcript byte, token or audio chunk. */
  | { type: 'stage.first_output'; at: number; stage: StageKind }
  | ({ type: 'stage.usage'; at: number; stage: 'llm' } & TokenUsage)
  /** What the model said about its response (id, model, finish reason); several may come, later ones add to earlier. */
  | ({ type: 'stage.response'; at: number; stage: 'llm' } & ResponseInfo)
  /** How fast an on-device engine ran the request: its own processing time for the audio heard or made. */
  | { type: 'stage.engine'; at: number; stage: 'stt' | 'tts'; processingMs: number; audioSeconds: number }
  | ({ type: 'stage.engine'; at: number; stage: 'llm' } & ChatEngineTiming)
  /** The stage stopped because the turn did (barge-in, another stage failing): not an error. */
  | { type: 'stage.cancelled'; at: number; stage: StageKind }
  | { type: 'stage.failed'; at: number; stage: StageKind; error: Error; errorType?: string }
  /**
   * Always the stage's last event; `output` is the transcript or reply when
   * complete, `language` the transcript's when known, `audioSeconds` what TTS made.
   */
  | {
      type: 'stage.ended';
      at: number;
      stage: StageKind;
      output?: string;
      language?: string;
      audioSeconds?: number;
      /** The tool calls a chat request asked for. */
      toolCalls?: readonly ToolCallRequest[];
    }
  | { type: 'context.aggregated'; at: number; messages: number; dropped: number; estimatedTokens: number }
  | ToolEvent;

/** One tool call the model asked for; calls of one step run at the same time, told apart by `callId`. */
/** How a tool call ended, as the model is told and spans record (`error.type` for all but "ok"). */
export type ToolCallOutcome = 'ok' | 'tool_error' | 'failed' | 'timeout' | 'cancelled' | 'unknown_tool' | 'bad_arguments';

export type ToolEvent =
  | {
      type: 'tool.started';
      at: number;
      callId: string;
      name: string;
      toolType: ToolType;
      /** Who offers the tool ("built-in", an MCP server's name); absent for a name no tool has. */
      source?: string;
      /** The arguments as the model wrote them (JSON text). */
      arguments: string;
    }
  /** Always the call's last event; `result` is what the model is given back, `error` set unless the outcome is "ok". */
  | { type: 'tool.ended'; at: number; callId: string; outcome: ToolCallOutcome; result: string; error?: Error };

export type AudioTotals = { chunks: number; sentMs: number; playedMs: number };

/** What started a turn: the user's voice or typed text, or an announcement of the assistant's own (a timer that ended). */
export type TurnInputKind = 'voice' | 'text' | 'announcement';

/** Events of a turn's lifecycle, named by the turn's number. */
export type TurnLifecycleEvent =
  | { type: 'listening.started'; at: number; turn: number; detector: 'push-to-talk' | 'silero' }
  | { type: 'listening.stopped'; at: number; turn: number; speechMs: number }
  /** Speech started but no utterance came of it (the conversation ended). */
  | { type: 'listening.abandoned'; at: number; turn: number }
  /** A voice turn's reply is prepared from the utterance as it was when the user stopped speaking at `stoppedAt`. */
  | { type: 'preemption.started'; at: number; turn: number; stoppedAt: number }
  /** The prepared reply was thrown away (the user went on): everything it started was aborted, `requests` stage requests among them. */
  | { type: 'preemption.cancelled'; at: number; turn: number; reason: string; requests: number }
  /**
   * The reply prepared for the turn became it: its first audio was ready `savedMs` earlier than had the
   * work started at confirmation (`PreemptiveReply.savedMsAt`).
   */
  | { type: 'preemption.used'; at: number; turn: number; savedMs: number }
  /** The user stopped speaking at `at` (voice turns); `silenceMs`, the silence window in force (none with push-to-talk). */
  | { type: 'turn.end_of_speech'; at: number; turn: number; silenceMs?: number }
  /** The user's turn was taken as finished, and why; `endOfSpeechAt`, when they stopped speaking (voice turns). */
  | { type: 'turn.confirmed'; at: number; turn: number; reason: EndReason; endOfSpeechAt?: number }
  /**
   * The user spoke over the playing reply of turn `turn` (detected: playback is paused), then the sound
   * was the user taking the floor (confirmed: the reply stops) or was not (resumed: playback goes on);
   * `overlapMs`, how long their sound over the reply was by then (audio time).
   */
  | { type: 'interruption.detected' | 'interruption.confirmed' | 'interruption.resumed'; at: number; turn: number; overlapMs: number }
  /** `preemptive`: a voice turn, whether it goes on from a reply prepared during the silence window. */
  | { type: 'turn.started'; at: number; turn: number; input: TurnInputKind; preemptive?: boolean }
  /** The turn could not start: no provider is configured for a stage. */
  | { type: 'turn.unavailable'; at: number; turn: number; input: TurnInputKind; error: Error }
  | { type: 'turn.audio_sent'; at: number; turn: number }
  | { type: 'turn.playback_started'; at: number; turn: number; voiceToVoiceMs: number | null }
  /** `by`: the cause, when it is one of the user's or the conversation's (not for a test sound). */
  | { type: 'turn.interrupted'; at: number; turn: number; reason: string; by?: InterruptedBy }
  /** A sound paused the reply but was not the user taking the floor: playback went on after `pausedMs`. */
  | { type: 'turn.false_interruption'; at: number; turn: number; pausedMs: number }
  | {
      type: 'turn.ended';
      at: number;
      turn: number;
      outcome: 'completed' | 'interrupted' | 'failed';
      audio: AudioTotals;
      error?: Error;
      errorType?: string;
    };

/** `preemptive`: the stage request was started before the utterance was confirmed. */
export type TurnStageEvent = StageEvent & { turn: number; preemptive?: boolean };

export type ConversationEvent =
  | { type: 'conversation.started'; at: number; conversationId: string }
  | {
      type: 'conversation.ended';
      at: number;
      turns: number;
      interruptions: number;
      framesDropped: number;
      vadQueueMax: number;
    }
  | TurnLifecycleEvent
  | TurnStageEvent;

export type StageEventSink = (event: StageEvent) => void;

/**
 * Runs a stage's provider call inside the stage's scope, so that work the
 * provider starts (an HTTP request) belongs to that stage: an observer makes
 * the stage's span the active one. Called right after the stage's
 * `stage.started` event.
 */
export type StageScope = <T>(stage: StageKind, run: () => Promise<T>) => Promise<T>;

/** No scope: the call just runs. */
export const unscoped: StageScope = (_stage, run) => run();
export type ConversationEventSink = (event: ConversationEvent) => void;

/** The clock of every event: epoch milliseconds, monotonic within the process. */
export function eventTime(): number {
  return performance.timeOrigin + performance.now();
}

/** Milliseconds between two event times, to a tenth. */
export function elapsedMs(from: number, to: number): number {
  return Math.round((to - from) * 10) / 10;
}
