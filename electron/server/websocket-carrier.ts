import type { WebSocket } from 'ws';
import type { ServerEnvelope } from '../../shared/protocol';
import type { SessionCarrier } from '../agent/session/session';

/** Carries a session over a WebSocket: JSON envelopes as text, audio as binary. */
export class WebSocketCarrier implements SessionCarrier {
  readonly kind = 'websocket' as const;
  constructor(private readonly socket: WebSocket) {}

  send(envelope: ServerEnvelope): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(envelope));
  }

  sendAudio(frame: ArrayBuffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(new Uint8Array(frame), { binary: true });
  }
}
