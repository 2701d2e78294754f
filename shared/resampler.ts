/**
 * Streaming linear-interpolation resampler. Keeps the fractional read position
 * and the last input sample between calls, so a stream cut into arbitrary
 * chunks resamples exactly as the whole stream would.
 *
 * Used for playback (speech at 16-24 kHz up to the output device's rate),
 * where linear interpolation is transparent. Capture relies on the audio
 * context's own band-limited resampler and only falls back to this one.
 */
export class StreamingResampler {
  private readonly step: number;
  private position = 0; // read position relative to the first sample of the pending input
  private previous = 0; // last sample of the previous chunk (index -1)

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError('sample rates must be positive');
    this.step = fromRate / toRate;
  }

  process(input: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) return input.slice();
    if (input.length === 0) return new Float32Array(0);
    // Output positions pos, pos + step, ... up to the last input sample: count them, then fill.
    const last = input.length - 1 + 1e-9;
    const count = this.position > last ? 0 : Math.floor((last - this.position) / this.step) + 1;
    const out = new Float32Array(count);
    let pos = this.position;
    // Samples are addressed with index -1 meaning the previous chunk's last sample.
    for (let n = 0; n < count; n++) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i < 0 ? this.previous : (input[i] ?? 0);
      const b = input[i + 1] ?? input[input.length - 1] ?? 0;
      out[n] = a + (b - a) * frac;
      pos += this.step;
    }
    this.previous = input[input.length - 1] ?? 0;
    this.position = pos - input.length;
    return out;
  }

  reset(): void {
    this.position = 0;
    this.previous = 0;
  }
}
