import { describe, expect, it } from 'vitest';
import { rmsDbfs } from '../../../shared/audio-format';
import { concatSamples, silence, synthesizeSpeech } from './synthetic-speech';

describe('synthesizeSpeech', () => {
  it('speaks at the voice rate, and at any other rate for the same length of time', () => {
    const native = synthesizeSpeech('Hello there.');
    expect(native.sampleRate).toBe(16_000);
    expect(native.samples.length / 16_000).toBeGreaterThan(0.5);
    expect(rmsDbfs(native.samples)).toBeGreaterThan(-30);
    const high = synthesizeSpeech('Hello there.', { sampleRate: 48_000 });
    expect(high.sampleRate).toBe(48_000);
    expect(high.samples.length / 48_000).toBeCloseTo(native.samples.length / 16_000, 2);
    expect(rmsDbfs(high.samples)).toBeCloseTo(rmsDbfs(native.samples), 0);
  });

  it('refuses a voice Flite does not have', () => {
    expect(() => synthesizeSpeech('Hello.', { voice: 'nobody' })).toThrow(/Unknown Flite voice/);
  });
});

describe('silence and concatSamples', () => {
  it('put pieces one after the other', () => {
    const joined = concatSamples(Int16Array.of(1, 2), silence(0.001, 3_000), Int16Array.of(3));
    expect([...joined]).toEqual([1, 2, 0, 0, 0, 3]);
  });
});
