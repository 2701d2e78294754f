/**
 * Audio formats on the wire. Microphone audio travels from the client to main
 * as PCM16 mono 16 kHz in 20 ms frames; assistant audio travels back as PCM16
 * mono chunks that carry their own sample rate (speech engines differ).
 */
export const INPUT_SAMPLE_RATE = 16_000;
export const FRAME_DURATION_MS = 20;
export const FRAME_SAMPLES = (INPUT_SAMPLE_RATE * FRAME_DURATION_MS) / 1000; // 320
export const BYTES_PER_SAMPLE = 2;

/** Largest output chunk accepted or sent: one second at 48 kHz. */
export const MAX_OUTPUT_CHUNK_SAMPLES = 48_000;
export const MIN_OUTPUT_SAMPLE_RATE = 8_000;
export const MAX_OUTPUT_SAMPLE_RATE = 48_000;

/** Level reported for digital silence, in dBFS. */
export const SILENCE_DBFS = -100;

/** Root-mean-square level of PCM16 samples in dBFS (0 = full scale). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return SILENCE_DBFS;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = (samples[i] ?? 0) / 32768;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples.length);
  return rms > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(rms)) : SILENCE_DBFS;
}

/** RMS and peak level in one pass (the per-frame path in main). */
export function frameLevels(samples: Int16Array): { rmsDbfs: number; peakDbfs: number } {
  let sum = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
    const a = s < 0 ? -s : s;
    if (a > peak) peak = a;
  }
  const toDb = (x: number) => (x > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(x)) : SILENCE_DBFS);
  return { rmsDbfs: samples.length ? toDb(Math.sqrt(sum / samples.length) / 32768) : SILENCE_DBFS, peakDbfs: toDb(peak / 32768) };
}

export function floatToPcm16(input: Float32Array, out = new Int16Array(input.length)): Int16Array {
  for (let i = 0; i < input.length; i++) {
    const s = Math.max(-1, Math.min(1, input[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
  }
  return out;
}

export function pcm16ToFloat(input: Int16Array, out = new Float32Array(input.length)): Float32Array {
  for (let i = 0; i < input.length; i++) out[i] = (input[i] ?? 0) / 32768;
  return out;
}
