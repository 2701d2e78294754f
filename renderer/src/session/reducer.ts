/**
 * What the UI shows of a session, and how it changes: a pure function from
 * (snapshot, event) to the next snapshot, where an event is a message from
 * main or one of the page's own (`LocalEvent`: the connection, the
 * microphone, a request's answer decided here). Every change to the snapshot
 * goes through it. Side effects (the speaker, spans) belong to the caller.
 */
import { SILENCE_DBFS } from '../../../shared/audio-format';
import type { DesktopStatus } from '../../../shared/bridge';
import type { ModelsView } from '../../../shared/models';
import type { ToolsView } from '../../../shared/tools-view';
import type { AudioStats, HistorySummary, ServerMessage, SessionState, ToolUse } from '../../../shared/protocol';
import type { SettingsView } from '../../../shared/settings';
import type { TracingState } from '../../../shared/telemetry';
import type { TransportKind } from '../bridge/bridge';
import { initialTraces, reduceTraces, withReply, type ReplyTurn, type TracesState } from '../traces/traces-state';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface TranscriptEntry {
  id: string;
  role: 'user' | 'assistant' | 'notice';
  text: string;
  final: boolean;
  interrupted?: boolean;
  level?: 'error' | 'info';
  /** The tools a reply called. */
  tools?: ToolUse[];
}

export type SettingsSaveState = { state: 'idle' | 'saving' | 'saved' } | { state: 'refused'; errors: Record<string, string> };

export interface OpenConversation {
  summary: HistorySummary;
  /** The entries fetched so far, from the first. */
  entries: { role: 'user' | 'assistant'; text: string; interrupted?: boolean; truncated?: boolean }[];
  /** Where the next page starts; null once every entry is here. */
  next: number | null;
}

export interface SessionSnapshot {
  connection: ConnectionState;
  transport: TransportKind;
  sessionId: string | null;
  /** What the assistant is doing. What went wrong is a notice in the transcript, said there once. */
  state: SessionState;
  conversationId: string | null;
  /** True from the Start press until the End press (or a lost connection). */
  conversationRequested: boolean;
  microphoneLabel: string | null;
  micLevelDbfs: number;
  framesSent: number;
  stats: AudioStats | null;
  transcript: TranscriptEntry[];
  /** Notices added so far; numbers the next one's id. */
  noticeCount: number;
  alert: string | null;
  /** Tracing as main runs it; null until main has said (or when the host has none). */
  tracing: TracingState | null;
  /** The settings main uses (secrets only as set / not set); null when the host keeps none. */
  settings: SettingsView | null;
  /** The last save: pending, saved, or refused with messages per field. */
  settingsSave: SettingsSaveState;
  /** Saved conversations (after listHistory), and the one being read. */
  history: HistorySummary[] | null;
  /** Where the next page of the list starts (null: all listed), and how many conversations there are. */
  historyMore: { next: number | null; total: number } | null;
  openConversation: OpenConversation | null;
  /** The on-device engines and their models; null when the host has none. */
  models: ModelsView | null;
  /** The answer to the last model request that can fail at once (a picked file). */
  modelsResult: { ok: boolean; message: string } | null;
  /** The MCP servers and built-in tools with their switches; null when the host has none. */
  tools: ToolsView | null;
  /** The answer to the last tools.* request (a server entry's problem, say); null while none is pending or after success. */
  toolsResult: { ok: boolean; message: string } | null;
  /** The trace viewer's conversations and the spans fetched of them. */
  traces: TracesState;
  /** The desktop shell: its platform and how its settings took effect; null in the headless host. */
  desktop: DesktopView | null;
}

export interface DesktopView {
  platform: string;
  /** null until main has said. */
  status: DesktopStatus | null;
}

/** What happens on the page itself that the snapshot shows. */
export type LocalEvent =
  | { type: 'local.connection'; connection: ConnectionState }
  | { type: 'local.lost'; reason: string }
  | { type: 'local.alert'; alert: string | null }
  /** Start (true) or End (false) pressed, or the conversation could not start (with the alert saying why). */
  | { type: 'local.conversation'; requested: boolean; alert?: string | null }
  /** The microphone opened (its label) or closed (null). */
  | { type: 'local.microphone'; label: string | null }
  | { type: 'local.meter'; levelDbfs: number; framesSent: number }
  | { type: 'local.desktop'; status: DesktopStatus }
  | { type: 'local.settingsSave'; save: SettingsSaveState }
  | { type: 'local.modelsResult'; result: { ok: boolean; message: string } | null }
  | { type: 'local.toolsResult'; result: { ok: boolean; message: string } | null }
  | { type: 'local.historyClosed' }
  /** A reply of the turn main traces now, for the viewer's latency. */
  | { type: 'local.reply'; id: string; turn: ReplyTurn };

/** Most transcript entries kept; older ones scroll away. */
export const MAX_TRANSCRIPT = 500;

export function initialSnapshot(transport: TransportKind): SessionSnapshot {
  return {
    connection: 'connecting',
    transport,
    sessionId: null,
    state: 'connecting',
    conversationId: null,
    conversationRequested: false,
    microphoneLabel: null,
    micLevelDbfs: SILENCE_DBFS,
    framesSent: 0,
    stats: null,
    transcript: [],
    noticeCount: 0,
    alert: null,
    tracing: null,
    settings: null,
    settingsSave: { state: 'idle' },
    history: null,
    historyMore: null,
    openConversation: null,
    models: null,
    modelsResult: null,
    tools: null,
    toolsResult: null,
    traces: initialTraces(),
    desktop: null,
  };
}

/** The snapshot after one event. Events that change nothing shown return it unchanged. */
export function reduce(snapshot: SessionSnapshot, message: ServerMessage | LocalEvent): SessionSnapshot {
  switch (message.type) {
    case 'local.connection':
      return { ...snapshot, connection: message.connection };
    case 'local.lost':
      return connectionLost(snapshot, message.reason);
    case 'local.alert':
      return { ...snapshot, alert: message.alert };
    case 'local.conversation':
      return { ...snapshot, conversationRequested: message.requested, ...(message.alert === undefined ? {} : { alert: message.alert }) };
    case 'local.microphone':
      return message.label === null ? { ...snapshot, microphoneLabel: null, micLevelDbfs: SILENCE_DBFS } : { ...snapshot, microphoneLabel: message.label, framesSent: 0 };
    case 'local.meter':
      return { ...snapshot, micLevelDbfs: message.levelDbfs, framesSent: message.framesSent };
    case 'local.desktop':
      return snapshot.desktop ? { ...snapshot, desktop: { ...snapshot.desktop, status: message.status } } : snapshot;
    case 'local.settingsSave':
      return { ...snapshot, settingsSave: message.save };
    case 'local.modelsResult':
      return { ...snapshot, modelsResult: message.result };
    case 'local.toolsResult':
      return { ...snapshot, toolsResult: message.result };
    case 'local.historyClosed':
      return { ...snapshot, openConversation: null };
    case 'local.reply':
      return { ...snapshot, traces: withReply(snapshot.traces, message.id, message.turn) };
    case 'welcome':
      return { ...snapshot, sessionId: message.sessionId };
    case 'state':
      return { ...snapshot, state: message.state, conversationId: message.conversationId };
    case 'telemetry':
      // Off: main forgets every span, and so does the viewer.
      return { ...snapshot, tracing: message.state, traces: message.state.enabled ? snapshot.traces : initialTraces() };
    case 'settings':
      return { ...snapshot, settings: message.view };
    case 'settings.result':
      return { ...snapshot, settingsSave: message.ok ? { state: 'saved' } : { state: 'refused', errors: message.errors } };
    case 'history':
      return withHistoryList(snapshot, message);
    case 'history.conversation':
      return { ...snapshot, openConversation: withHistoryPage(snapshot.openConversation, message) };
    case 'models':
      return { ...snapshot, models: message.view };
    case 'models.result':
      return { ...snapshot, modelsResult: { ok: message.ok, message: message.message } };
    case 'tools':
      return { ...snapshot, tools: message.view };
    case 'tools.result':
      return { ...snapshot, toolsResult: { ok: message.ok, message: message.message } };
    case 'audio.stats':
      return { ...snapshot, stats: message.stats };
    case 'transcript':
      return withTranscriptEntry(snapshot, {
        id: message.id,
        role: message.role,
        text: message.text,
        final: message.final,
        ...(message.interrupted ? { interrupted: true } : {}),
        ...(message.tools?.length ? { tools: message.tools } : {}),
      });
    case 'notice':
      return withNotice(snapshot, message.text, message.level);
    case 'error':
      return { ...snapshot, alert: message.message };
    case 'traces':
    case 'traces.page':
      return { ...snapshot, traces: reduceTraces(snapshot.traces, message) };
    // Turn audio (audio.turns, audio.data) is the viewer's to keep, only while it plays a turn, not the snapshot's.
    case 'turn':
    case 'audio.flush':
    case 'audio.pause':
    case 'audio.turns':
    case 'audio.data':
      return snapshot;
  }
}

/** Adds an entry to the conversation, or replaces the one with its id (a partial transcript growing). */
export function withTranscriptEntry(snapshot: SessionSnapshot, entry: TranscriptEntry): SessionSnapshot {
  const list = snapshot.transcript;
  const index = list.findIndex((e) => e.id === entry.id);
  const transcript = index >= 0 ? list.map((e, i) => (i === index ? entry : e)) : [...list, entry].slice(-MAX_TRANSCRIPT);
  return { ...snapshot, transcript };
}

export function withNotice(snapshot: SessionSnapshot, text: string, level: 'error' | 'info' = 'info'): SessionSnapshot {
  const noticeCount = snapshot.noticeCount + 1;
  return withTranscriptEntry({ ...snapshot, noticeCount }, { id: `notice-${noticeCount}`, role: 'notice', text, final: true, level });
}

/** The link to main went down: whatever ran in the old session is over. */
export function connectionLost(snapshot: SessionSnapshot, reason: string): SessionSnapshot {
  const ended = { ...snapshot, conversationRequested: false, conversationId: null, state: 'connecting' as const, sessionId: null };
  return withNotice(
    ended,
    snapshot.conversationRequested
      ? `Connection to the app lost (${reason}); the conversation was ended. Reconnecting…`
      : `Connection to the app lost (${reason}). Reconnecting…`,
  );
}

/**
 * A page of a saved conversation: the first starts it, the next one of the
 * same conversation joins it; a page that does not follow on is ignored.
 */
export function withHistoryPage(open: OpenConversation | null, page: Extract<ServerMessage, { type: 'history.conversation' }>): OpenConversation | null {
  if (page.from === 0) return { summary: page.summary, entries: page.entries, next: page.next };
  if (!open || open.summary.id !== page.summary.id || page.from !== open.entries.length) return open;
  return { summary: page.summary, entries: [...open.entries, ...page.entries], next: page.next };
}

/**
 * A page of the saved conversations: the first replaces the list, a later
 * one adds the conversations not listed yet (the list may have moved on
 * between the two requests).
 */
function withHistoryList(snapshot: SessionSnapshot, page: Extract<ServerMessage, { type: 'history' }>): SessionSnapshot {
  const more = page.total === undefined ? null : { next: page.next ?? null, total: page.total };
  if (!page.from || !snapshot.history) return { ...snapshot, history: page.items, historyMore: more };
  const listed = new Set(snapshot.history.map((item) => item.id));
  return { ...snapshot, history: [...snapshot.history, ...page.items.filter((item) => !listed.has(item.id))], historyMore: more };
}
