import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../../../shared/protocol';
import { checkMessageSize } from './message-size';

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('checkMessageSize', () => {
  it('measures plain data exactly as its JSON, escapes and UTF-8 included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 0, max: 400 }), (json, limit) => {
        const value = { envelope: json }; // a string alone would be the message's text, not a value
        expect(checkMessageSize(value, limit).ok).toBe(jsonBytes(value) <= limit);
        expect(checkMessageSize(JSON.stringify(value), limit).ok).toBe(jsonBytes(value) <= limit);
      }),
      { numRuns: 2_000 },
    );
    const value = { text: 'é"\n\u0001😀', list: [1, null, true], nested: { a: -0.5 } };
    expect(checkMessageSize(value, jsonBytes(value)).ok).toBe(true);
    expect(checkMessageSize(value, jsonBytes(value) - 1)).toMatchObject({ ok: false, code: 'too_large' });
  });

  it('leaves out of objects what JSON leaves out, and writes null for it in arrays', () => {
    const value = { kept: 1, gone: undefined, list: [undefined] };
    expect(checkMessageSize(value, jsonBytes(value)).ok).toBe(true);
    expect(checkMessageSize(value, jsonBytes(value) - 1).ok).toBe(false);
  });

  it('refuses a huge message without walking or copying it', () => {
    const started = performance.now();
    expect(checkMessageSize(new Array(100_000_000))).toMatchObject({ ok: false, code: 'too_large' });
    expect(checkMessageSize({ envelope: { text: 'x'.repeat(50_000_000) } })).toMatchObject({ ok: false, code: 'too_large' });
    expect(checkMessageSize(new Uint8Array(MAX_MESSAGE_BYTES + 1))).toMatchObject({ ok: false, code: 'too_large' });
    expect(checkMessageSize('é'.repeat(MAX_MESSAGE_BYTES / 2 + 1))).toMatchObject({ ok: false, code: 'too_large' });
    // Generous bound: walking the array or serialising the string would take seconds.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('calls what JSON cannot carry malformed: cycles, BigInt, nesting deeper than any message', () => {
    const cyclic: Record<string, unknown> = { v: 1 };
    cyclic.self = cyclic;
    expect(checkMessageSize(cyclic)).toMatchObject({ ok: false, code: 'bad_message', error: expect.stringContaining('refers to itself') });
    expect(checkMessageSize({ n: 1n })).toMatchObject({ ok: false, code: 'bad_message' });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = { deep };
    expect(checkMessageSize(deep)).toMatchObject({ ok: false, code: 'bad_message', error: expect.stringContaining('nested deeper') });
    // The same object twice, side by side, is no cycle.
    const shared = { a: 1 };
    expect(checkMessageSize({ x: shared, y: shared }).ok).toBe(true);
  });
});
