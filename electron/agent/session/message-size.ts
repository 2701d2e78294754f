/**
 * The size limit of client messages, for both carriers: a WebSocket brings
 * JSON text, the desktop's MessagePort a structured-cloned object. The object
 * is measured as the JSON it stands for (byte for byte, for plain data)
 * without serialising it whole, and the walk stops as soon as the limit is
 * passed, so a huge message costs no more than the limit to refuse. A
 * structured clone may hold what JSON cannot (cycles, BigInt, nesting deeper
 * than any message): such a message is malformed.
 */
import { MAX_MESSAGE_BYTES } from '../../../shared/protocol';

export type SizeCheck = { ok: true } | { ok: false; code: 'too_large' | 'bad_message'; error: string };

/** Deeper than any message of the protocol, far from the stack's limit. */
const MAX_DEPTH = 32;

export function checkMessageSize(raw: unknown, limit = MAX_MESSAGE_BYTES): SizeCheck {
  if (typeof raw === 'string') {
    // At most 3 bytes per UTF-16 code unit; count exactly only near the limit.
    const bytes = raw.length * 3 <= limit ? raw.length : Buffer.byteLength(raw, 'utf8');
    return bytes > limit ? tooLarge(`${bytes} bytes`, limit) : { ok: true };
  }
  const measured = new JsonMeasure(limit);
  try {
    measured.add(raw, 0);
  } catch (error) {
    if (error instanceof OverLimit) return tooLarge('more than that', limit);
    if (error instanceof NotJson) return { ok: false, code: 'bad_message', error: error.message };
    throw error;
  }
  return { ok: true };
}

function tooLarge(size: string, limit: number): SizeCheck {
  return { ok: false, code: 'too_large', error: `Message of ${size} refused: the limit is ${limit} bytes.` };
}

class OverLimit extends Error {}
class NotJson extends Error {}

class JsonMeasure {
  private bytes = 0;
  private readonly ancestors = new Set<object>();

  constructor(private readonly limit: number) {}

  add(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return this.count(Number.isFinite(value) ? String(value).length : 4);
      case 'boolean':
        return this.count(value ? 4 : 5);
      case 'undefined':
      case 'function':
      case 'symbol':
        return this.count(4); // "null" in an array; dropped from objects
      case 'bigint':
        throw new NotJson('message holds a BigInt, which JSON cannot carry');
      case 'object':
        return value === null ? this.count(4) : this.object(value, depth);
    }
  }

  private object(value: object, depth: number): void {
    if (depth >= MAX_DEPTH) throw new NotJson(`message is nested deeper than ${MAX_DEPTH} levels`);
    if (this.ancestors.has(value)) throw new NotJson('message refers to itself, which JSON cannot carry');
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return this.count(value.byteLength + 2); // at least a byte per byte
    this.ancestors.add(value);
    this.count(2); // the brackets
    if (Array.isArray(value)) {
      this.count(Math.max(0, value.length - 1)); // the commas, before walking a huge array
      for (const item of value) this.add(item, depth + 1);
    } else {
      let keys = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue; // JSON leaves these out
        if (keys++ > 0) this.count(1); // the comma
        this.string(key);
        this.count(1); // the colon
        this.add(item, depth + 1);
      }
    }
    this.ancestors.delete(value);
  }

  /** Exactly as JSON writes it, escapes included; a string longer than the limit is not even looked at. */
  private string(value: string): void {
    this.count(value.length + 2);
    this.count(Buffer.byteLength(JSON.stringify(value), 'utf8') - value.length - 2);
  }

  private count(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.limit) throw new OverLimit();
  }
}
