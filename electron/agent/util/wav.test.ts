import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from './wav';

describe('WAV', () => {
  it('round-trips PCM16 mono with a standard 44-byte header', () => {
    const samples = new Int16Array([0, 1, -1, 32767, -32768]);
    const bytes = encodeWav(samples, 16_000);
    expect(bytes.byteLength).toBe(44 + 10);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('RIFF');
    const decoded = decodeWav(bytes);
    expect(decoded.sampleRate).toBe(16_000);
    expect(Array.from(decoded.samples)).toEqual(Array.from(samples));
  });

  it('refuses what is not a 16-bit mono WAV', () => {
    expect(() => decodeWav(new Uint8Array(10))).toThrow(/not a WAV/);
    const stereo = encodeWav(new Int16Array(4), 16_000);
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(() => decodeWav(stereo)).toThrow(/mono/);
  });
});
