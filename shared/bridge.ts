/**
 * The API the preload script exposes to the renderer (window.voiceAgent), typed
 * from the protocol so that the two cannot drift apart.
 */
import type { ClientEnvelope, ServerEnvelope } from './protocol';

export const PRELOAD_API_KEY = 'voiceAgent';
/** IPC channel on which the renderer hands main the port of a new session. */
export const IPC_OPEN_SESSION = 'session:open';
/** IPC channel on which the renderer asks main to open an http(s) address in the system browser. */
export const IPC_OPEN_EXTERNAL = 'link:open-external';

/** IPC channel on which main tells the page to do what the user asked of the shell (tray, global shortcut, menu). */
export const IPC_DESKTOP_COMMAND = 'desktop:command';
/** IPC channel on which main tells the page how the desktop settings took effect (shortcuts registered or taken). */
export const IPC_DESKTOP_STATUS = 'desktop:status';
/** IPC channel (invoke) on which the page asks main for the system's file picker for a model file. */
export const IPC_PICK_MODEL_FILE = 'desktop:pick-model-file';

/** What the shell asks the page to do, through the same code paths as its own buttons. */
export type DesktopCommand =
  | { type: 'conversation.start' }
  | { type: 'conversation.end' }
  /** Push-to-talk from a global shortcut: a toggle, so main says which way. */
  | { type: 'ptt'; pressed: boolean }
  | { type: 'settings.open' };

export const DESKTOP_SHORTCUT_FIELDS = ['conversationShortcut', 'pushToTalkShortcut'] as const;
export type DesktopShortcutField = (typeof DESKTOP_SHORTCUT_FIELDS)[number];

/** How the desktop settings took effect, for messages beside their fields. */
export interface DesktopStatus {
  /** Per shortcut field: null when registered (or empty), else a sentence saying why it is not active. */
  shortcuts: Record<DesktopShortcutField, string | null>;
  /** A note beside "Launch at login" (e.g. how it works on Linux), or null. */
  launchAtLogin: string | null;
}

/** The desktop shell's part of the preload API; absent in the headless host. */
export interface DesktopApi {
  readonly platform: string;
  /** Runs `listener` for every command from the shell; returns the unsubscribe. */
  onCommand(listener: (command: DesktopCommand) => void): () => void;
  /** Runs `listener` with every status main reports (the first as soon as it is known); returns the unsubscribe. */
  onStatus(listener: (status: DesktopStatus) => void): () => void;
  /** The system's file picker for a model file; resolves to the chosen path, or null when cancelled. */
  pickModelFile(stage: 'stt' | 'llm'): Promise<string | null>;
}

export interface SessionHandlers {
  onMessage(envelope: ServerEnvelope): void;
  onAudio(frame: ArrayBuffer): void;
  onClose(reason: string): void;
}

export interface SessionPort {
  send(envelope: ClientEnvelope): void;
  /** An encoded microphone frame (see audio-frame.ts). */
  sendAudio(frame: ArrayBuffer): void;
  close(): void;
}

export interface PreloadApi {
  readonly transport: 'ipc';
  readonly platform: string;
  /** Opens a session with main over a dedicated MessagePort. */
  openSession(handlers: SessionHandlers): SessionPort;
  /** Opens an http(s) address in the system browser; main refuses anything its allow-list does not take. */
  openExternal(url: string): void;
  /** The desktop shell: tray, global shortcuts and native dialogs. */
  readonly desktop: DesktopApi;
}

/** What travels over a session's MessagePort: an envelope or an encoded audio frame. */
export type PortPayload = { kind: 'message'; envelope: ClientEnvelope | ServerEnvelope } | ArrayBuffer;
