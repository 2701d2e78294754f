import type { MessagePortMain } from 'electron';
import type { PortPayload } from '../../shared/bridge';
import type { ServerEnvelope, ServerMessage } from '../../shared/protocol';
import type { ConnectionRates } from '../agent/session/connection-limits';
import type { Session, SessionCarrier } from '../agent/session/session';

/**
 * Carries a session over the MessagePort the renderer handed to main. The
 * observer sees each message sent (the desktop shell learns the session's
 * state from them).
 */
export class PortCarrier implements SessionCarrier {
  readonly kind = 'ipc' as const;
  constructor(
    private readonly port: MessagePortMain,
    private readonly observe?: (message: ServerMessage) => void,
  ) {}

  send(envelope: ServerEnvelope): void {
    const payload: PortPayload = { kind: 'message', envelope };
    this.port.postMessage(payload);
    this.observe?.(envelope.message);
  }

  sendAudio(frame: ArrayBuffer): void {
    this.port.postMessage(frame);
  }
}

/** What arrives on the port: an audio frame, or anything else (an envelope, or junk the session refuses). */
export function portMessageKind(data: unknown): 'audio' | 'message' {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? 'audio' : 'message';
}

/** Routes what arrives on the port into the session: audio frames or envelopes. */
export function routePortMessage(session: Session, data: unknown): void {
  if (portMessageKind(data) === 'audio') {
    session.receiveAudio(data as ArrayBuffer | ArrayBufferView);
  } else if (typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'message') {
    session.receiveMessage((data as { envelope?: unknown }).envelope);
  } else {
    session.receiveMessage(data);
  }
}

/**
 * The port's own bounds (the renderer is untrusted, as every client of the
 * headless host is): what arrives faster than its rates lets the session say
 * why, then `close` it; nothing after that is looked at.
 */
export function rateLimitedRoute(session: Session, rates: ConnectionRates, close: (reason: string) => void): (data: unknown) => void {
  let closed = false;
  return (data) => {
    if (closed) return;
    const refused = rates.admit(portMessageKind(data));
    if (!refused) return routePortMessage(session, data);
    closed = true;
    session.send({ type: 'error', code: 'bad_message', message: refused });
    close(refused);
  };
}
