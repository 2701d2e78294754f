/**
 * The renderer's link to main. Over IPC when the preload API exists (desktop),
 * else over the WebSocket of the page's own origin (headless host). Both give
 * the same SessionPort; incoming messages are validated before use.
 */
import { PRELOAD_API_KEY, type DesktopApi, type PreloadApi, type SessionHandlers, type SessionPort } from '../../../shared/bridge';
import { parseServerEnvelope } from '../../../shared/protocol';
import { openWebSocketSession } from './websocket-session';

export type TransportKind = 'ipc' | 'websocket';

export interface Bridge {
  readonly transport: TransportKind;
  open(handlers: BridgeHandlers): Promise<SessionPort>;
  /** Hands an http(s) address to the system browser (desktop only; main checks it). */
  readonly openExternal?: (url: string) => void;
  /** The desktop shell (tray, global shortcuts, native dialogs); absent in the headless host. */
  readonly desktop?: DesktopApi;
}

export interface BridgeHandlers extends SessionHandlers {
  /** A message from main that failed validation (reported, then ignored). */
  onInvalid(error: string): void;
}

function preloadApi(): PreloadApi | undefined {
  return (window as unknown as Record<string, PreloadApi | undefined>)[PRELOAD_API_KEY];
}

export function createBridge(): Bridge {
  const api = preloadApi();
  if (api) {
    return {
      transport: 'ipc',
      open: async (handlers) => api.openSession(validating(handlers)),
      openExternal: (url) => api.openExternal(url),
      desktop: api.desktop,
    };
  }
  return {
    transport: 'websocket',
    open: (handlers) => openWebSocketSession(webSocketUrl(), validating(handlers)),
  };
}

export function webSocketUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws${location.search}`;
}

function validating(handlers: BridgeHandlers): SessionHandlers {
  return {
    onMessage(raw) {
      const parsed = parseServerEnvelope(raw);
      if (parsed.ok) handlers.onMessage(parsed.value);
      else handlers.onInvalid(parsed.error);
    },
    onAudio: (frame) => handlers.onAudio(frame),
    onClose: (reason) => handlers.onClose(reason),
  };
}
