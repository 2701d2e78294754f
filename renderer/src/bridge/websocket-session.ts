import type { SessionHandlers, SessionPort } from '../../../shared/bridge';

const CONNECT_TIMEOUT_MS = 5_000;
/** Above this much unsent data, microphone frames are dropped rather than queued. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/** Opens a session over a WebSocket; resolves once the socket is open. */
export function openWebSocketSession(url: string, handlers: SessionHandlers): Promise<SessionPort> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    let opened = false;
    let closedByUs = false;
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('The connection to the app timed out.'));
    }, CONNECT_TIMEOUT_MS);

    socket.onopen = () => {
      opened = true;
      clearTimeout(timer);
      resolve({
        send(envelope) {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(envelope));
        },
        sendAudio(frame) {
          if (socket.readyState === WebSocket.OPEN && socket.bufferedAmount < MAX_BUFFERED_BYTES) socket.send(frame);
        },
        close() {
          closedByUs = true;
          socket.close(1000, 'closed by the page');
        },
      });
    };
    socket.onmessage = (event: MessageEvent<string | ArrayBuffer>) => {
      if (typeof event.data === 'string') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch {
          parsed = event.data;
        }
        handlers.onMessage(parsed as never);
      } else {
        handlers.onAudio(event.data);
      }
    };
    socket.onclose = (event) => {
      clearTimeout(timer);
      if (!opened) {
        reject(new Error('Could not connect to the app.'));
        return;
      }
      handlers.onClose(closedByUs ? 'closed by the page' : event.reason || `connection lost (code ${event.code})`);
    };
  });
}
