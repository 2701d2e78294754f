import type { WebSocket } from 'ws';
import type { ServerEnvelope } from '../../shared/protocol';
import type { SessionCarrier } from '../agent/session/session';
import { MAX_SEND_BUFFER_BYTES } from '../agent/session/connection-limits';

/**
 * Carries a session over a WebSocket: JSON envelopes as text, audio as
 * binary. A client that stops reading is dropped once more than
 * `maxBuffered` bytes wait for it, rather than growing the host's memory.
 */
export class WebSocketCarrier implements SessionCarrier {
  readonly kind = 'websocket' as const;
  constructor(
    private readonly socket: WebSocket,
    private readonly maxBuffered = MAX_SEND_BUFFER_BYTES,
    private readonly onDropped: (buffered: number) => void = () => {},
  ) {}

  send(envelope: ServerEnvelope): void {
    if (this.writable()) this.socket.send(JSON.stringify(envelope));
  }

  sendAudio(frame: ArrayBuffer): void {
    if (this.writable()) this.socket.send(new Uint8Array(frame), { binary: true });
  }

  private writable(): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    const buffered = this.socket.bufferedAmount;
    if (buffered <= this.maxBuffered) return true;
    // A close frame would wait behind what the client does not read: the connection just ends.
    this.socket.terminate();
    this.onDropped(buffered);
    return false;
  }
}
