/**
 * The messages main sends a client, as one schema the client checks each
 * one against. Part of the session protocol (./protocol.ts), which puts them
 * in envelopes.
 */
import { z } from 'zod';
import { HISTORY_PAGE_ENTRIES } from './history-page';
import { ModelsViewSchema } from './models';
import { ToolsViewSchema } from './tools-view';
import { SettingsViewSchema } from './settings';
import { TracingStateSchema } from './telemetry';
import { TRACE_PAGE_LOGS, TRACE_PAGE_SPANS, TRACE_STORE_LIMITS, TraceConversationSchema, TraceResourcesSchema, ViewerLogSchema, ViewerSpanSchema } from './trace-viewer';
import { AUDIO_MISSING_REASONS, AUDIO_PAGE_BYTES, AudioTurnNumberSchema, MAX_AUDIO_TURNS, TURN_AUDIO_MIME, TurnAudioSchema } from './turn-audio';

export const SESSION_STATES = ['connecting', 'idle', 'listening', 'thinking', 'speaking', 'error'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/**
 * `seq` of the client envelope a reply answers, so that the client can match
 * replies to its requests. Absent when main sends the message on its own
 * (a history list after a conversation ends, say).
 */
const RequestRef = z.number().int().nonnegative().optional();

const Welcome = z.strictObject({
  type: z.literal('welcome'),
  sessionId: z.string().min(1).max(100),
  protocolVersion: z.number().int(),
  audioIn: z.strictObject({ sampleRate: z.number().int(), frameSamples: z.number().int() }),
});
const StateMessage = z.strictObject({
  type: z.literal('state'),
  state: z.enum(SESSION_STATES),
  conversationId: z.string().max(100).nullable(),
  detail: z.string().max(500).optional(),
});
export const AudioStatsSchema = z.strictObject({
  /** Microphone frames received in this conversation. */
  framesReceived: z.number().int().nonnegative(),
  /** Frames refused (malformed, or arriving when no conversation is running). */
  framesDropped: z.number().int().nonnegative(),
  /** RMS level of the latest frame, dBFS. */
  levelDbfs: z.number(),
  /** Highest frame peak in this conversation, dBFS. */
  peakDbfs: z.number(),
  /** Milliseconds of frames loud enough to be voice. */
  voicedMs: z.number().nonnegative(),
  /**
   * Standard deviation of the level of voiced frames, dB: speech rises and
   * falls by syllable (typically 5-12 dB); a steady tone or hum stays near 0.
   */
  dynamicsDb: z.number().nonnegative(),
  /** Longest unbroken run of voiced frames, ms: utterances last hundreds of ms, clicks and beeps a few tens. */
  longestVoicedMs: z.number().nonnegative(),
  /** Assistant audio chunks sent, and milliseconds the client reported played. */
  chunksSent: z.number().int().nonnegative(),
  playedMs: z.number().nonnegative(),
});
export type AudioStats = z.infer<typeof AudioStatsSchema>;
const AudioStatsMessage = z.strictObject({ type: z.literal('audio.stats'), stats: AudioStatsSchema });
/**
 * A tool call a reply made, as the conversation shows it ("Used get-sum
 * (everything)"); arguments and result only while content capture is on.
 */
export const ToolUseSchema = z.strictObject({
  name: z.string().min(1).max(200),
  source: z.string().max(200),
  ok: z.boolean(),
  arguments: z.string().max(4_000).optional(),
  result: z.string().max(8_000).optional(),
});
export type ToolUse = z.infer<typeof ToolUseSchema>;
const Transcript = z.strictObject({
  type: z.literal('transcript'),
  id: z.string().min(1).max(100),
  role: z.enum(['user', 'assistant']),
  text: z.string().max(100_000),
  final: z.boolean(),
  /** The reply was cut short; `text` is the part that was heard. */
  interrupted: z.boolean().optional(),
  /** The tools the reply called, in order. */
  tools: z.array(ToolUseSchema).max(50).optional(),
});
/** Something the user should know about a turn, shown in the conversation. */
const Notice = z.strictObject({
  type: z.literal('notice'),
  level: z.enum(['error', 'info']),
  text: z.string().max(2_000),
});
/** Tracing as main runs it; the renderer records spans only while enabled. */
const TelemetryStateMessage = z.strictObject({ type: z.literal('telemetry'), state: TracingStateSchema });
/**
 * A turn began or ended. Its envelope's traceparent is the turn span, so the
 * client can trace the playback of `stream` under it.
 */
const TurnMessage = z.strictObject({
  type: z.literal('turn'),
  phase: z.enum(['start', 'end']),
  number: z.number().int().nonnegative(),
  stream: z.number().int().nonnegative(),
});
/** The settings as the renderer may see them (secrets only as "set or not"). */
const SettingsMessage = z.strictObject({ type: z.literal('settings'), view: SettingsViewSchema });
/** The outcome of a settings.update: field errors when nothing was saved. */
const SettingsResult = z.strictObject({
  type: z.literal('settings.result'),
  ref: RequestRef,
  ok: z.boolean(),
  errors: z.record(z.string(), z.string().max(500)),
});
const HistorySummarySchema = z.strictObject({
  id: z.string().max(64),
  startedAt: z.string().max(40),
  endedAt: z.string().max(40).nullable(),
  preview: z.string().max(400),
  entries: z.number().int().nonnegative(),
});
export type HistorySummary = z.infer<typeof HistorySummarySchema>;
/**
 * The saved conversations, newest first: a page of them from the `from`th on
 * (0 when absent), where the next page starts (null or absent: none) and how
 * many there are in all.
 */
const HistoryMessage = z.strictObject({
  type: z.literal('history'),
  ref: RequestRef,
  items: z.array(HistorySummarySchema).max(200),
  from: z.number().int().nonnegative().optional(),
  next: z.number().int().nonnegative().nullable().optional(),
  total: z.number().int().nonnegative().optional(),
});
/**
 * A page of one saved conversation, to read: its entries from `from` on, and
 * where the next page starts (null: this page ends it). An entry too long
 * for a page is cut, `truncated`.
 */
const HistoryConversation = z.strictObject({
  type: z.literal('history.conversation'),
  ref: RequestRef,
  summary: HistorySummarySchema,
  entries: z
    .array(z.strictObject({ role: z.enum(['user', 'assistant']), text: z.string().max(100_000), interrupted: z.boolean().optional(), truncated: z.boolean().optional() }))
    .max(HISTORY_PAGE_ENTRIES),
  from: z.number().int().nonnegative(),
  next: z.number().int().nonnegative().nullable(),
});
/** The on-device engines and their models. */
const ModelsMessage = z.strictObject({ type: z.literal('models'), view: ModelsViewSchema });
/** The outcome of a models.* request that can fail before any status changes (a picked file). */
const ModelsResult = z.strictObject({ type: z.literal('models.result'), ref: RequestRef, ok: z.boolean(), message: z.string().max(1_000) });
/** The MCP servers and the built-in tools, with their states and switches. */
const ToolsMessage = z.strictObject({ type: z.literal('tools'), view: ToolsViewSchema });
/** The outcome of a tools.* request: what was wrong when it failed (a server entry's problem, a file that could not be written). */
const ToolsResult = z.strictObject({ type: z.literal('tools.result'), ref: RequestRef, ok: z.boolean(), message: z.string().max(1_000) });
/** The span store's conversations, newest first: the answer to traces.list, and sent on its own while watching. */
const TracesMessage = z.strictObject({
  type: z.literal('traces'),
  ref: RequestRef,
  conversations: z.array(TraceConversationSchema).max(TRACE_STORE_LIMITS.conversations),
  resources: TraceResourcesSchema,
});
/**
 * Spans of one conversation from `from` on, in arrival order, and the log
 * records made in its traces (in the same order); `next` is where the
 * following page starts (null: none yet).
 */
const TracesPage = z.strictObject({
  type: z.literal('traces.page'),
  ref: RequestRef,
  key: z.string().max(64),
  spans: z.array(ViewerSpanSchema).max(TRACE_PAGE_SPANS),
  logs: z.array(ViewerLogSchema).max(TRACE_PAGE_LOGS).optional(),
  next: z.number().int().nonnegative().nullable(),
});
/**
 * What is kept of a conversation's turn audio; `reason`, why none of it
 * plays here when that holds for the whole conversation.
 */
const AudioTurnsMessage = z.strictObject({
  type: z.literal('audio.turns'),
  ref: RequestRef,
  key: z.string().max(64),
  turns: z.array(TurnAudioSchema).max(MAX_AUDIO_TURNS),
  reason: z.enum(AUDIO_MISSING_REASONS).optional(),
});
/**
 * A page of one turn's (or the conversation's) audio file: base64 of the
 * bytes from `from`, `total` bytes in all, `next` where the following page
 * starts (null: this one ends it). The file starts at `startAt` (epoch ms).
 */
const AudioData = z.strictObject({
  type: z.literal('audio.data'),
  ref: RequestRef,
  key: z.string().max(64),
  turn: AudioTurnNumberSchema.nullable(),
  mimeType: z.literal(TURN_AUDIO_MIME),
  startAt: z.number().nonnegative(),
  data: z.string().max(Math.ceil(AUDIO_PAGE_BYTES / 3) * 4),
  from: z.number().int().nonnegative(),
  next: z.number().int().nonnegative().nullable(),
  total: z.number().int().nonnegative(),
});
/** Stop playing now and drop everything queued (barge-in, end of conversation). */
const AudioFlush = z.strictObject({ type: z.literal('audio.flush') });
/** Hold playback, keeping what is queued (a sound that may be the user barging in), or go on with it. */
const AudioPause = z.strictObject({ type: z.literal('audio.pause'), paused: z.boolean() });
const ErrorMessage = z.strictObject({
  type: z.literal('error'),
  code: z.enum(['bad_message', 'bad_frame', 'too_large', 'invalid_state', 'internal']),
  message: z.string().max(2_000),
  /** `seq` of the offending client message, when known. */
  ref: z.number().int().nonnegative().optional(),
});

export const ServerMessageSchema = z.discriminatedUnion('type', [
  Welcome,
  StateMessage,
  AudioStatsMessage,
  Transcript,
  Notice,
  AudioFlush,
  AudioPause,
  ErrorMessage,
  TelemetryStateMessage,
  TurnMessage,
  SettingsMessage,
  SettingsResult,
  HistoryMessage,
  HistoryConversation,
  ModelsMessage,
  ModelsResult,
  ToolsMessage,
  ToolsResult,
  TracesMessage,
  TracesPage,
  AudioTurnsMessage,
  AudioData,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ErrorCode = Extract<ServerMessage, { type: 'error' }>['code'];
