/**
 * The envelope every JSON message of the session protocol travels in: the
 * protocol version, the sender's sequence number and the W3C trace context
 * of the span the message belongs to. Parsing bounds the size first, then
 * checks the whole envelope against its message schema (see ./protocol.ts).
 */
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;
/** Largest JSON message accepted, in bytes (UTF-8). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** W3C trace context `traceparent`: version-traceid-parentid-flags. */
export const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function envelopeOf<T extends z.ZodType>(message: T) {
  return z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    /** Sender's sequence number, increasing by one per message. */
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    /** W3C trace context of the span the message belongs to. */
    traceparent: z.string().regex(TRACEPARENT_PATTERN).optional(),
    tracestate: z.string().max(512).optional(),
    message,
  });
}

export type Envelope<M> = {
  v: typeof PROTOCOL_VERSION;
  seq: number;
  traceparent?: string;
  tracestate?: string;
  message: M;
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string; seq?: number };

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'message'}: ${issue.message}`)
    .join('; ');
}

/** Validates an envelope given as JSON text or as a structured-cloned object; a failure keeps the seq when it can. */
export function parseEnvelope<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  let value = raw;
  if (typeof raw === 'string') {
    if (utf8Length(raw) > MAX_MESSAGE_BYTES) return { ok: false, error: `message larger than ${MAX_MESSAGE_BYTES} bytes` };
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, error: 'message is not valid JSON' };
    }
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const seq = (value as { seq?: unknown } | null)?.seq;
  return {
    ok: false,
    error: describe(result.error),
    ...(typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? { seq } : {}),
  };
}

function utf8Length(text: string): number {
  // Upper bound without allocating: at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 <= MAX_MESSAGE_BYTES) return text.length;
  return new TextEncoder().encode(text).length;
}

/** Numbers outgoing envelopes for one sender. */
export class EnvelopeWriter<M> {
  private seq = 0;
  wrap(message: M, trace?: { traceparent?: string; tracestate?: string }): Envelope<M> {
    const envelope: Envelope<M> = { v: PROTOCOL_VERSION, seq: this.seq++, message };
    if (trace?.traceparent) envelope.traceparent = trace.traceparent;
    if (trace?.tracestate) envelope.tracestate = trace.tracestate;
    return envelope;
  }
}
