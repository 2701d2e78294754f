/**
 * A session carrier that keeps what the session sends: the envelopes and the
 * audio frames, with lookups by message type. Shaped like SessionCarrier
 * without importing it, so it stays a plain test double of the wire.
 */
import type { ServerEnvelope, ServerMessage } from '../../../shared/protocol';

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export class RecordingCarrier {
  readonly envelopes: ServerEnvelope[] = [];
  readonly audio: ArrayBuffer[] = [];

  constructor(readonly kind: 'ipc' | 'websocket' = 'websocket') {}

  send(envelope: ServerEnvelope): void {
    this.envelopes.push(envelope);
  }

  sendAudio(frame: ArrayBuffer): void {
    this.audio.push(frame);
  }

  /** Every message sent, in order. */
  all(): ServerMessage[] {
    return this.envelopes.map((envelope) => envelope.message);
  }

  /** The messages of one type, in order. */
  messages<T extends ServerMessage['type']>(type: T): MessageOf<T>[] {
    return this.all().filter((message): message is MessageOf<T> => message.type === type);
  }

  /** The last message of one type, if any. */
  last<T extends ServerMessage['type']>(type: T): MessageOf<T> | undefined {
    return this.messages(type).at(-1);
  }

  /**
   * The types sent so far, one line (for a failure's message): a state with
   * its value, a transcript with its role and `!` when it was interrupted.
   */
  summary(): string {
    return this.all().map(describe).join(',');
  }
}

function describe(message: ServerMessage): string {
  if (message.type === 'state') return `state:${message.state}`;
  if (message.type === 'transcript') return `transcript:${message.role}${message.interrupted ? '!' : ''}`;
  return message.type;
}
