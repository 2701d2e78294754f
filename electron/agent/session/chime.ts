/**
 * A short two-note chime used by "Play test sound": it goes through exactly
 * the path assistant speech takes (chunks -> carrier -> client jitter buffer ->
 * speaker), so hearing it proves the output side works.
 */
export const CHIME_SAMPLE_RATE = 24_000;

export function chime(sampleRate = CHIME_SAMPLE_RATE): Int16Array {
  const notes = [
    { hz: 659.25, seconds: 0.22 },
    { hz: 987.77, seconds: 0.38 },
  ];
  const total = Math.round(notes.reduce((s, n) => s + n.seconds, 0) * sampleRate);
  const out = new Int16Array(total);
  let offset = 0;
  for (const note of notes) {
    const length = Math.round(note.seconds * sampleRate);
    for (let i = 0; i < length && offset + i < total; i++) {
      const t = i / sampleRate;
      const attack = Math.min(1, t / 0.008);
      const decay = Math.exp(-t * 6);
      const tone = Math.sin(2 * Math.PI * note.hz * t) + 0.25 * Math.sin(4 * Math.PI * note.hz * t);
      out[offset + i] = Math.round(0.3 * 32767 * attack * decay * tone * 0.8);
    }
    offset += length;
  }
  return out;
}

/** Splits samples into chunks of at most `chunkMs`. */
export function* chunked(samples: Int16Array, sampleRate: number, chunkMs: number): Generator<Int16Array> {
  const size = Math.max(1, Math.round((sampleRate * chunkMs) / 1000));
  for (let i = 0; i < samples.length; i += size) yield samples.subarray(i, i + size);
}
