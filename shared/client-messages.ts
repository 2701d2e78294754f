/**
 * The messages a client (the renderer) sends main, as one schema main checks
 * every message against: the client is untrusted. Part of the session
 * protocol (./protocol.ts), which puts them in envelopes.
 */
import { z } from 'zod';
import { MODEL_STAGES } from './models';
import { MAX_SPANS_PER_MESSAGE, SerializedSpanSchema } from './telemetry';
import { AudioTurnNumberSchema } from './turn-audio';

export const MAX_TEXT_CHARS = 4_000;

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

/** A conversation's id (a UUID): its history file's name, its turn audio folder's, its key in the viewer. */
export const CONVERSATION_ID = /^[0-9a-f-]{36}$/;
const ConversationId = z.string().regex(CONVERSATION_ID, 'not a conversation id');
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
