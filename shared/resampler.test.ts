import { describe, expect, it } from 'vitest';
import { StreamingResampler } from './resampler';

function sine(hz: number, rate: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('StreamingResampler', () => {
  it('produces the same output whether the stream comes whole or in uneven chunks', () => {
    const input = sine(440, 24_000, 0.5);
    const whole = new StreamingResampler(24_000, 48_000).process(input);
    const chunked = new StreamingResampler(24_000, 48_000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; ) {
      const size = 1 + ((i * 7919) % 613);
      parts.push(chunked.process(input.subarray(i, i + size)));
      i += size;
    }
    const joined = concat(parts);
    expect(joined.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(joined[i]).toBeCloseTo(whole[i]!, 6);
  });

  it.each([
    [24_000, 48_000],
    [16_000, 44_100],
    [48_000, 16_000],
  ])('keeps duration and pitch from %i Hz to %i Hz', (from, to) => {
    const out = new StreamingResampler(from, to).process(sine(300, from, 1));
    expect(Math.abs(out.length - to)).toBeLessThanOrEqual(2);
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if ((out[i - 1]! < 0) !== (out[i]! < 0)) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(598);
    expect(crossings).toBeLessThanOrEqual(602);
  });

  it('passes audio through unchanged at equal rates, and refuses bad rates', () => {
    const input = new Float32Array([0.1, 0.2]);
    expect(Array.from(new StreamingResampler(16_000, 16_000).process(input))).toEqual(Array.from(input));
    expect(() => new StreamingResampler(0, 16_000)).toThrow(RangeError);
  });
});
