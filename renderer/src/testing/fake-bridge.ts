/**
 * A bridge for tests: the test accepts, refuses and drops its sessions by
 * hand, sees every envelope sent, and plays main's part.
 */
import type { SessionPort } from '../../../shared/bridge';
import type { ClientEnvelope, ServerEnvelope, ServerMessage } from '../../../shared/protocol';
import type { Bridge, BridgeHandlers } from '../bridge/bridge';

export const welcome: ServerMessage = { type: 'welcome', sessionId: 's1', protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } };

export class FakeBridge implements Bridge {
  readonly transport = 'websocket' as const;
  opens = 0;
  handlers: BridgeHandlers | null = null;
  sent: ClientEnvelope[] = [];
  audio: ArrayBuffer[] = [];
  closed = 0;
  private serverSeq = 0;
  private pending: { resolve(port: SessionPort): void; reject(error: Error): void } | null = null;

  open(handlers: BridgeHandlers): Promise<SessionPort> {
    this.opens++;
    this.handlers = handlers;
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  accept(): void {
    this.take().resolve({
      send: (envelope) => this.sent.push(envelope),
      sendAudio: (frame) => this.audio.push(frame),
      close: () => this.closed++,
    });
  }

  refuse(): void {
    this.take().reject(new Error('Could not connect to the app.'));
  }

  /** Main sends a message (with the traceparent of the span it belongs to, if given). */
  reply(message: ServerMessage, traceparent?: string): void {
    this.handlers!.onMessage({ v: 1, seq: this.serverSeq++, message, ...(traceparent ? { traceparent } : {}) } as ServerEnvelope);
  }

  /** The seq of the last envelope sent with a message of this type. */
  seqOf(type: ClientEnvelope['message']['type']): number {
    const envelope = this.sent.findLast((e) => e.message.type === type);
    if (!envelope) throw new Error(`nothing of type ${type} was sent`);
    return envelope.seq;
  }

  lose(reason = 'connection lost (code 1006)'): void {
    this.handlers!.onClose(reason);
  }

  private take() {
    const pending = this.pending;
    if (!pending) throw new Error('no open() is waiting');
    this.pending = null;
    return pending;
  }
}
