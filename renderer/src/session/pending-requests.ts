/**
 * Requests to main that have a reply, matched by reference: a request goes
 * out in an envelope with its `seq`, and main's reply (or its `error`) carries
 * that `seq` as `ref`. Each request waits for its own reply as a promise,
 * whatever order the replies come in, for a bounded time.
 */
import type { ClientMessage, ErrorCode, ServerMessage } from '../../../shared/protocol';

/** The reply main sends to each request that has one. */
export const REPLY_TYPE = {
  'settings.update': 'settings.result',
  'history.list': 'history',
  'history.open': 'history.conversation',
  'history.delete': 'history',
  'models.download': 'models.result',
  'models.cancel': 'models.result',
  'models.remove': 'models.result',
  'models.pick': 'models.result',
  'models.unpick': 'models.result',
  'tools.server.enable': 'tools.result',
  'tools.tool.enable': 'tools.result',
  'tools.builtin.enable': 'tools.result',
  'tools.server.save': 'tools.result',
  'tools.server.remove': 'tools.result',
  'traces.list': 'traces',
  'traces.spans': 'traces.page',
  'audio.turns': 'audio.turns',
  'audio.read': 'audio.data',
} as const satisfies Partial<Record<ClientMessage['type'], ServerMessage['type']>>;

export type RequestMessage = Extract<ClientMessage, { type: keyof typeof REPLY_TYPE }>;
export type ReplyTo<M extends RequestMessage> = Extract<ServerMessage, { type: (typeof REPLY_TYPE)[M['type']] }>;

/** How long a request waits for its reply: main answers these in milliseconds, so far beyond a loaded machine's delays. */
export const REQUEST_TIMEOUT_MS = 30_000;

export type RequestFailure = 'refused' | 'timeout' | 'disconnected';

/** A request that got no reply: main refused it (with its message and code), it timed out, or the link went down. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    message: string,
    readonly failure: RequestFailure,
    readonly code?: ErrorCode,
  ) {
    super(message);
  }
}

interface Pending {
  replyType: ServerMessage['type'];
  resolve(reply: ServerMessage): void;
  reject(error: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs = REQUEST_TIMEOUT_MS) {}

  /** Requests still waiting for their reply. */
  get size(): number {
    return this.pending.size;
  }

  /** Waits for the reply to `message`, sent (or about to be sent) in the envelope numbered `seq`. */
  expect<M extends RequestMessage>(seq: number, message: M): Promise<ReplyTo<M>> {
    if (this.pending.has(seq)) throw new Error(`a request numbered ${seq} is already waiting`);
    return new Promise<ReplyTo<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new RequestError(`The app did not answer (${message.type}) within ${this.timeoutMs / 1000} s.`, 'timeout'));
      }, this.timeoutMs);
      this.pending.set(seq, {
        replyType: REPLY_TYPE[message.type],
        resolve: resolve as (reply: ServerMessage) => void,
        reject,
        timer,
      });
    });
  }

  /**
   * Settles the request that `message` answers. False when it answers none of
   * them: main sent it on its own, or about a message that expects no reply.
   */
  settle(message: ServerMessage): boolean {
    const ref = 'ref' in message ? message.ref : undefined;
    const request = ref === undefined ? undefined : this.pending.get(ref);
    if (ref === undefined || !request) return false;
    this.pending.delete(ref);
    clearTimeout(request.timer);
    if (message.type === 'error') request.reject(new RequestError(message.message, 'refused', message.code));
    else if (message.type === request.replyType) request.resolve(message);
    else request.reject(new RequestError(`The app answered with ${message.type} where ${request.replyType} was expected.`, 'refused'));
    return true;
  }

  /** The link went down: no reply will come to anything still waiting. */
  rejectAll(reason = 'disconnected'): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const request of waiting) {
      clearTimeout(request.timer);
      request.reject(new RequestError(reason, 'disconnected'));
    }
  }
}
