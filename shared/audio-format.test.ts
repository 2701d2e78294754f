import { describe, expect, it } from 'vitest';
import { SILENCE_DBFS, floatToPcm16, frameLevels, pcm16ToFloat, rmsDbfs } from './audio-format';

describe('levels', () => {
  it('gives a full-scale sine about -3 dBFS RMS and 0 dBFS peak', () => {
    const sine = floatToPcm16(Float32Array.from({ length: 1600 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 16_000)));
    expect(rmsDbfs(sine)).toBeCloseTo(-3.01, 1);
    expect(frameLevels(sine).peakDbfs).toBeCloseTo(0, 1);
  });

  it('measures RMS and peak in one pass', () => {
    const noise = Int16Array.from({ length: 320 }, (_, i) => ((i * 7919) % 20_001) - 10_000);
    const peak = Math.max(...Array.from(noise, (s) => Math.abs(s)));
    expect(frameLevels(noise)).toEqual({ rmsDbfs: rmsDbfs(noise), peakDbfs: 20 * Math.log10(peak / 32768) });
    expect(frameLevels(new Int16Array(320))).toEqual({ rmsDbfs: SILENCE_DBFS, peakDbfs: SILENCE_DBFS });
  });

  it('reports silence as the floor', () => {
    expect(rmsDbfs(new Int16Array(320))).toBe(SILENCE_DBFS);
    expect(frameLevels(new Int16Array(0))).toEqual({ rmsDbfs: SILENCE_DBFS, peakDbfs: SILENCE_DBFS });
    expect(rmsDbfs(new Int16Array(0))).toBe(SILENCE_DBFS);
  });
});

describe('sample conversion', () => {
  it('clips and round-trips', () => {
    const pcm = floatToPcm16(new Float32Array([2, -2, 0.5, -0.5, 0]));
    expect(Array.from(pcm)).toEqual([32767, -32768, 16384, -16384, 0]);
    const back = pcm16ToFloat(pcm);
    expect(back[2]).toBeCloseTo(0.5, 3);
    expect(back[1]).toBe(-1);
  });
});
