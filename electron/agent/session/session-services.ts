/**
 * What the app gives every session, as one object: `startAppServices`
 * returns it and both hosts hand it on unchanged, so a new service is added
 * here and where it is made, and nowhere in between. Each part is optional:
 * a session without one refuses its messages (tests use only what they need).
 */
import type { ModelStageName, ModelsView } from '../../../shared/models';
import type { SettingsView } from '../../../shared/settings';
import type { ToolsView } from '../../../shared/tools-view';
import type { SerializedSpan, TracingState } from '../../../shared/telemetry';
import type { TraceConversation, TraceResources, ViewerLog, ViewerSpan } from '../../../shared/trace-viewer';
import type { AssistantDeps } from '../conversation/assistant';
import type { SessionTracer } from '../telemetry/conversation/transport-trace';
import type { TracingObserver } from '../telemetry/conversation/tracing-observer';
import type { ConversationHistory } from '../history/conversation-history';
import type { SessionTurnAudioStore } from './turn-audio-feed';

/** What a session needs of the app's tracing (see telemetry/sdk/telemetry.ts). */
export interface SessionTelemetry {
  /** Where the session's transport span is made. */
  readonly tracer: SessionTracer;
  /** A new observer for one conversation (its spans and metrics). */
  conversationObserver(): TracingObserver;
  readonly tracingState: TracingState;
  onChange(listener: (state: TracingState) => void): () => void;
  importSpans(spans: readonly SerializedSpan[]): void;
  /** The trace viewer's span store; absent in hosts without one. */
  readonly traces?: SessionTraceStore;
}

/** What a session needs of the span store behind the trace viewer (see telemetry/viewer/span-store.ts). */
export interface SessionTraceStore {
  readonly resources: TraceResources;
  list(): TraceConversation[];
  page(key: string, from: number): { spans: ViewerSpan[]; logs?: ViewerLog[]; next: number | null } | null;
  onChange(listener: () => void): () => void;
}

/** What a session needs of the settings store (see settings/settings-store.ts). */
export interface SessionSettings {
  readonly view: SettingsView;
  update(patch: unknown): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }>;
  onChange(listener: () => void): () => void;
}

/** What a session needs of the on-device engines (see on-device-models/models-service.ts). */
export interface SessionModels {
  view(): ModelsView;
  onChange(listener: () => void): () => void;
  download(id: string): { ok: true } | { ok: false; message: string };
  cancel(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  pick(stage: ModelStageName, path: string): Promise<{ ok: true } | { ok: false; message: string }>;
  unpick(stage: ModelStageName): Promise<void>;
}

/** What a session needs of the tools (see tools/mcp/mcp-servers.ts). */
export interface SessionTools {
  view(): ToolsView;
  subscribe(listener: () => void): () => void;
  setServerEnabled(name: string, enabled: boolean): Promise<void>;
  setToolEnabled(server: string, tool: string, enabled: boolean): Promise<void>;
  setBuiltinEnabled(name: string, enabled: boolean): Promise<void>;
  /** Answers what the user should know of a save that succeeded (secrets left out), or ''. */
  saveServer(name: string, server: unknown, previous: string | null): Promise<string>;
  removeServer(name: string): Promise<void>;
}

export interface SessionServices {
  /** The conversation's providers; without them the session only carries audio. */
  assistant?: AssistantDeps;
  telemetry?: SessionTelemetry;
  settings?: SessionSettings;
  /** Where conversations are kept; without it nothing is recorded. */
  history?: ConversationHistory;
  /** The on-device engines; without them models.* messages are refused. */
  models?: SessionModels;
  /** The MCP servers and tool switches; without them tools.* messages are refused. */
  tools?: SessionTools;
  /** The turn audio kept on this computer; without it audio.* requests are refused. */
  turnAudio?: SessionTurnAudioStore;
}
