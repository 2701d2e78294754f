/**
 * A session carrier that keeps what the session sends: the envelopes and the
 * audio frames, with lookups by message type. Shaped like SessionCarrier
 * without importing it, so it stays a plain test double of the wire.
 */
import type { ServerEnvelope, ServerMessage } from '../../../shared/protocol';

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export interface RecordingCarrierOptions {
  /**
   * Keep a structured clone of each envelope, as a MessagePort delivers it:
   * an envelope that cannot cross the port throws at the send, and what is
   * kept is what was sent then, whatever later happens to the original.
   */
  structuredClone?: boolean;
}

export class RecordingCarrier {
  readonly envelopes: ServerEnvelope[] = [];
  readonly audio: ArrayBuffer[] = [];
  private readonly clone: boolean;

  constructor(readonly kind: 'ipc' | 'websocket' = 'websocket', options: RecordingCarrierOptions = {}) {
    this.clone = options.structuredClone ?? false;
  }

  send(envelope: ServerEnvelope): void {
    this.envelopes.push(this.clone ? structuredClone(envelope) : envelope);
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
