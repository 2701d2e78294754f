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
}

/** What travels over a session's MessagePort: an envelope or an encoded audio frame. */
export type PortPayload = { kind: 'message'; envelope: ClientEnvelope | ServerEnvelope } | ArrayBuffer;
