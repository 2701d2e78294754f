/**
 * The session protocol between a client (the renderer) and main. One protocol,
 * two carriers: Electron IPC (a MessagePort per session) and a WebSocket.
 *
 * JSON messages travel in an {@link Envelope}; audio travels as binary frames
 * (see ./audio-frame.ts). Everything is validated on receipt: the client is
 * untrusted, and main's replies are checked by the client as well.
 */
import { z } from 'zod';
import { envelopeOf, parseEnvelope, type Envelope, type ParseResult } from './envelope';
import { HISTORY_PAGE_ENTRIES } from './history-page';
import { MODEL_STAGES, ModelsViewSchema } from './models';
import { ToolsViewSchema } from './tools-view';
import { SettingsViewSchema } from './settings';
import { MAX_SPANS_PER_MESSAGE, SerializedSpanSchema, TracingStateSchema } from './telemetry';
import { TRACE_PAGE_LOGS, TRACE_PAGE_SPANS, TRACE_STORE_LIMITS, TraceConversationSchema, TraceResourcesSchema, ViewerLogSchema, ViewerSpanSchema } from './trace-viewer';
import { AUDIO_MISSING_REASONS, AUDIO_PAGE_BYTES, AudioTurnNumberSchema, MAX_AUDIO_TURNS, TURN_AUDIO_MIME, TurnAudioSchema } from './turn-audio';

export { EnvelopeWriter, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, TRACEPARENT_PATTERN, type Envelope, type ParseResult } from './envelope';
export const MAX_TEXT_CHARS = 4_000;

export const SESSION_STATES = ['connecting', 'idle', 'listening', 'thinking', 'speaking', 'error'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

// ---- client -> main ---------------------------------------------------------

const ConversationStart = z.strictObject({ type: z.literal('conversation.start') });
const ConversationEnd = z.strictObject({ type: z.literal('conversation.end') });
const UserText = z.strictObject({
  type: z.literal('user.text'),
  text: z.string().trim().min(1, 'message is empty').max(MAX_TEXT_CHARS),
});
/** Ask main to send a short test sound through the normal playback path. */
const AudioTest = z.strictObject({ type: z.literal('audio.test') });
/** Playback progress reported by the client's audio output. */
const PlaybackEvent = z.strictObject({
  type: z.literal('playback'),
  event: z.enum(['started', 'drained', 'flushed']),
  /** Stream whose audio this is about (from the binary chunk header). */
  stream: z.number().int().nonnegative(),
  /** Milliseconds of that stream's audio played so far. */
  playedMs: z.number().nonnegative().max(86_400_000),
  /** On `started`, where the browser reports them: what the audio output and the microphone add, ms. */
  outputLatencyMs: z.number().nonnegative().max(10_000).optional(),
  inputLatencyMs: z.number().nonnegative().max(10_000).optional(),
});

/** Finished renderer spans, for export by main. */
const TelemetrySpans = z.strictObject({
  type: z.literal('telemetry.spans'),
  spans: z.array(SerializedSpanSchema).min(1).max(MAX_SPANS_PER_MESSAGE),
});

/**
 * The shape of a settings patch, bounded: at most two levels of named groups
 * ({ values: { tracing: { enabled } } }, { secrets: { openaiApiKey } },
 * { reset: [...] }), few keys, short strings. What the fields mean and
 * whether each value is valid is checked field by field by the settings
 * store (see SettingsPatchSchema in shared/settings.ts), which answers with
 * a message per field; a patch outside these bounds is a malformed message.
 */
const PatchKey = z.string().max(100);
/** The longest field (the system prompt, a secret) is 8,000 characters. */
const PatchValue = z.union([z.string().max(8_000), z.number(), z.boolean(), z.null()]);
const MAX_PATCH_KEYS = 50;
function boundedRecord<T extends z.ZodType>(value: T) {
  return z.record(PatchKey, value).refine((record) => Object.keys(record).length <= MAX_PATCH_KEYS, `more than ${MAX_PATCH_KEYS} keys`);
}
export const BoundedSettingsPatchSchema = boundedRecord(
  z.union([PatchValue, z.array(PatchValue).max(MAX_PATCH_KEYS), boundedRecord(z.union([PatchValue, boundedRecord(PatchValue)]))]),
);

/** A change from the settings pane (checked field by field in main, see shared/settings.ts). */
const SettingsUpdate = z.strictObject({
  type: z.literal('settings.update'),
  // Typed as a plain record: which fields exist is the settings store's business.
  patch: BoundedSettingsPatchSchema as z.ZodType<Record<string, unknown>>,
});

const ConversationId = z.string().regex(/^[0-9a-f-]{36}$/, 'not a conversation id');
/** Push-to-talk: the key (or button) went down or up. */
const PushToTalk = z.strictObject({ type: z.literal('ptt'), pressed: z.boolean() });
/** The saved conversations, newest first, from the `from`th on (0 when absent), a page at a time. */
const HistoryList = z.strictObject({ type: z.literal('history.list'), from: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional() });
/** A saved conversation's entries from `from` on (0 when absent), a page at a time. */
const HistoryOpen = z.strictObject({ type: z.literal('history.open'), id: ConversationId, from: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional() });
const HistoryDelete = z.strictObject({ type: z.literal('history.delete'), id: ConversationId });

const ModelId = z.string().regex(/^[\w.-]{1,100}$/, 'not a model id');
/** Fetch a catalogue model (resumes a partial download), stop fetching it, or delete it. */
const ModelsDownload = z.strictObject({ type: z.literal('models.download'), id: ModelId });
const ModelsCancel = z.strictObject({ type: z.literal('models.cancel'), id: ModelId });
const ModelsRemove = z.strictObject({ type: z.literal('models.remove'), id: ModelId });
/** Use a model file already on this computer for a stage, or go back to the catalogue's. */
const ModelsPick = z.strictObject({ type: z.literal('models.pick'), stage: z.enum(MODEL_STAGES), path: z.string().trim().min(1, 'path is empty').max(4_096) });
const ModelsUnpick = z.strictObject({ type: z.literal('models.unpick'), stage: z.enum(MODEL_STAGES) });

/**
 * Tools: switch an MCP server, one of its tools or a built-in tool on or
 * off; add (`previous` null), edit or remove an MCP server. A server entry
 * is checked by main with the MCP servers file's schema (shared/mcp-config.ts);
 * an empty `env` / `headers` value keeps the one main has.
 */
const ToolName = z.string().min(1).max(200);
const ServerName = z.string().min(1).max(64);
const ToolsServerEnable = z.strictObject({ type: z.literal('tools.server.enable'), name: ServerName, enabled: z.boolean() });
const ToolsToolEnable = z.strictObject({ type: z.literal('tools.tool.enable'), server: ServerName, tool: ToolName, enabled: z.boolean() });
const ToolsBuiltinEnable = z.strictObject({ type: z.literal('tools.builtin.enable'), name: ToolName, enabled: z.boolean() });
const ToolsServerSave = z.strictObject({
  type: z.literal('tools.server.save'),
  name: z.string().max(64),
  previous: ServerName.nullable(),
  server: z.record(z.string().max(100), z.unknown()),
});
const ToolsServerRemove = z.strictObject({ type: z.literal('tools.server.remove'), name: ServerName });

/** The trace viewer: the store's recent conversations, a page of one's spans, and live news of the store while watching. */
const TraceKey = z.string().regex(/^[0-9a-f-]{32,36}$/, 'not a conversation or trace id');
const TracesList = z.strictObject({ type: z.literal('traces.list') });
const TracesSpans = z.strictObject({ type: z.literal('traces.spans'), key: TraceKey, from: z.number().int().nonnegative() });
const TracesWatch = z.strictObject({ type: z.literal('traces.watch'), on: z.boolean() });

/**
 * Turn audio (shared/turn-audio.ts): what is kept of a conversation's turns,
 * and one turn's file (`turn`), or the whole conversation's (null), from
 * byte `from` on, a page at a time.
 */
const AudioTurns = z.strictObject({ type: z.literal('audio.turns'), key: ConversationId });
const AudioRead = z.strictObject({
  type: z.literal('audio.read'),
  key: ConversationId,
  turn: AudioTurnNumberSchema.nullable(),
  from: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  ConversationStart,
  ConversationEnd,
  UserText,
  AudioTest,
  PlaybackEvent,
  TelemetrySpans,
  SettingsUpdate,
  HistoryList,
  HistoryOpen,
  HistoryDelete,
  PushToTalk,
  ModelsDownload,
  ModelsCancel,
  ModelsRemove,
  ModelsPick,
  ModelsUnpick,
  ToolsServerEnable,
  ToolsToolEnable,
  ToolsBuiltinEnable,
  ToolsServerSave,
  ToolsServerRemove,
  TracesList,
  TracesSpans,
  TracesWatch,
  AudioTurns,
  AudioRead,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

// ---- main -> client ---------------------------------------------------------

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

// ---- envelope ---------------------------------------------------------------

export const ClientEnvelopeSchema = envelopeOf(ClientMessageSchema);
export const ServerEnvelopeSchema = envelopeOf(ServerMessageSchema);
export type ClientEnvelope = Envelope<ClientMessage>;
export type ServerEnvelope = Envelope<ServerMessage>;

/** Validates a client envelope given as JSON text or as a structured-cloned object. */
export function parseClientEnvelope(raw: unknown): ParseResult<ClientEnvelope> {
  return parseEnvelope(ClientEnvelopeSchema as z.ZodType<ClientEnvelope>, raw);
}

export function parseServerEnvelope(raw: unknown): ParseResult<ServerEnvelope> {
  return parseEnvelope(ServerEnvelopeSchema as z.ZodType<ServerEnvelope>, raw);
}
