/**
 * The renderer's link to main: opens a session over the bridge, numbers what
 * it sends, reconnects with backoff when the link goes down, and matches the
 * replies to requests (see pending-requests.ts). Everything else that arrives
 * goes to the listener.
 */
import type { SessionPort } from '../../../shared/bridge';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../../../shared/protocol';
import type { Bridge } from '../bridge/bridge';
import { PendingRequests, RequestError, type ReplyTo, type RequestMessage } from './pending-requests';
import type { ConnectionState } from './reducer';

/** Waits before each reconnection attempt; the last one repeats. */
export const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000] as const;

export interface ConnectionListener {
  onState(state: ConnectionState): void;
  /** A message from main that answers no waiting request. */
  onMessage(envelope: ServerEnvelope): void;
  onAudio(frame: ArrayBuffer): void;
  /** The session ended from the other side (or the link broke); a reconnection follows. */
  onLost(reason: string): void;
}

export class Connection {
  private readonly writer = new EnvelopeWriter<ClientMessage>();
  private readonly requests: PendingRequests;
  private port: SessionPort | null = null;
  private opening = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly bridge: Bridge,
    private readonly listener: ConnectionListener,
    requests: PendingRequests = new PendingRequests(),
  ) {
    this.requests = requests;
  }

  get connected(): boolean {
    return this.port !== null;
  }

  /** Opens the session; failures retry on their own until dispose(). */
  connect(): void {
    if (this.disposed || this.port || this.opening) return;
    this.opening = true;
    this.bridge
      .open({
        onMessage: (envelope) => this.onMessage(envelope),
        onAudio: (frame) => this.listener.onAudio(frame),
        onClose: (reason) => this.onClose(reason),
        onInvalid: (error) => console.warn('Ignored an invalid message from main:', error),
      })
      .then(
        (port) => {
          this.opening = false;
          if (this.disposed) return port.close();
          this.port = port;
          this.listener.onState('connected');
        },
        () => {
          // Not logged: the UI says "Reconnecting…", and the next attempt follows on its own.
          this.opening = false;
          this.scheduleReconnect();
        },
      );
  }

  /** Sends a message that expects no reply; false when there is no link to send it on. */
  send(message: ClientMessage, traceparent?: string): boolean {
    if (!this.port) return false;
    this.port.send(this.writer.wrap(message, traceparent ? { traceparent } : undefined));
    return true;
  }

  /** Sends an encoded microphone frame; false when there is no link. */
  sendAudio(frame: ArrayBuffer): boolean {
    if (!this.port) return false;
    this.port.sendAudio(frame);
    return true;
  }

  /**
   * Sends a request and waits for main's reply to it. Rejects with a
   * RequestError when main refuses it (its `error` reply), when no reply comes
   * in time, or when the link goes down first (or is not up).
   */
  request<M extends RequestMessage>(message: M): Promise<ReplyTo<M>> {
    if (!this.port) return Promise.reject(new RequestError('disconnected', 'disconnected'));
    const envelope = this.writer.wrap(message);
    // Sent before waiting: if sending throws, nothing is left waiting. The reply cannot overtake it, since it arrives as a later event.
    this.port.send(envelope);
    return this.requests.expect(envelope.seq, message);
  }

  /**
   * Stops for good: no more reconnection, no reply awaited. `drain` runs
   * before the port closes, so that it can still send (the last spans).
   */
  async dispose(drain?: () => Promise<void>): Promise<void> {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.requests.rejectAll();
    try {
      await drain?.();
    } finally {
      this.port?.close();
      this.port = null;
    }
  }

  private onMessage(envelope: ServerEnvelope): void {
    // The greeting of a session: the link works, so the next loss starts the backoff afresh.
    if (envelope.message.type === 'welcome') this.attempt = 0;
    if (this.requests.settle(envelope.message)) return;
    this.listener.onMessage(envelope);
  }

  private onClose(reason: string): void {
    this.port = null;
    this.requests.rejectAll();
    if (this.disposed) return;
    this.listener.onLost(reason);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)];
    this.attempt++;
    this.listener.onState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }
}
