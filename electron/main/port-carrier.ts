import type { MessagePortMain } from 'electron';
import type { PortPayload } from '../../shared/bridge';
import type { ServerEnvelope, ServerMessage } from '../../shared/protocol';
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

/** Routes what arrives on the port into the session: audio frames or envelopes. */
export function routePortMessage(session: Session, data: unknown): void {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    session.receiveAudio(data);
  } else if (typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'message') {
    session.receiveMessage((data as { envelope?: unknown }).envelope);
  } else {
    session.receiveMessage(data);
  }
}
