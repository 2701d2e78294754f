/**
 * A small FLAC writer for the viewer's tests: two 16-bit channels stored
 * verbatim (no prediction: larger than a real encoder's output, but a valid
 * FLAC stream that any decoder plays), so a spec can hand the page a file of
 * known sound without the app's recorder.
 */


/** FLAC's codes for the common sample rates in a frame header. */
const RATE_CODES: Record<number, number> = { 8_000: 0b0100, 16_000: 0b0101, 22_050: 0b0110, 24_000: 0b0111, 32_000: 0b1000, 44_100: 0b1001, 48_000: 0b1010, 96_000: 0b1011 };

class Bits {
  private readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  put(value: number, width: number): void {
    // Above 32 bits (the 36-bit sample count) by halves: JavaScript's bit operators take 32.
    if (width > 32) {
      this.put(Math.floor(value / 2 ** 32), width - 32);
      this.put(value >>> 0, 32);
      return;
    }
    for (let bit = width - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((value >>> bit) & 1);
      if (++this.filled === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.filled = 0;
      }
    }
  }

  take(): number[] {
    if (this.filled !== 0) throw new Error('not byte aligned');
    return this.bytes.splice(0);
  }
}

function crc8(bytes: readonly number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: readonly number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** A stereo FLAC file of `left` and `right` (same length) at `sampleRate`. */
export function encodeStereoFlac(left: Int16Array, right: Int16Array, sampleRate: number, blockSize = 4_096): Buffer {
  const BLOCK = blockSize;
  if (left.length !== right.length) throw new Error('the channels differ in length');
  const frames = Math.ceil(left.length / BLOCK);
  if (frames > 127) throw new Error('at most 127 frames (one-byte frame numbers)');
  const frameBytes: number[][] = [];
  for (let frame = 0; frame < frames; frame++) {
    const from = frame * BLOCK;
    const size = Math.min(BLOCK, left.length - from);
    const bits = new Bits();
    bits.put(0b11111111111110, 14);
    bits.put(0, 1);
    bits.put(0, 1); // fixed block size
    bits.put(0b0111, 4); // the block size - 1 in 16 bits after the header
    // The rate in the frame header too: FFmpeg's parser (Chromium's <audio>) times frames by it.
    bits.put(RATE_CODES[sampleRate] ?? 0b0000, 4);
    bits.put(0b0001, 4); // left, right
    bits.put(0b100, 3); // 16 bits
    bits.put(0, 1);
    bits.put(frame, 8); // frame number, one UTF-8 byte
    bits.put(size - 1, 16);
    const header = bits.take();
    bits.put(crc8(header), 8);
    for (const channel of [left, right]) {
      bits.put(0, 1);
      bits.put(0b000001, 6); // verbatim
      bits.put(0, 1);
      for (let i = 0; i < size; i++) bits.put(channel[from + i]! & 0xffff, 16);
    }
    const body = [...header, ...bits.take()];
    const crc = crc16(body);
    frameBytes.push([...body, crc >> 8, crc & 0xff]);
  }
  const sizes = frameBytes.map((f) => f.length);
  const out = new Bits();
  out.put(0x664c6143, 32); // "fLaC"
  // STREAMINFO, the last metadata block.
  out.put(1, 1);
  out.put(0, 7);
  out.put(34, 24);
  out.put(BLOCK, 16);
  out.put(BLOCK, 16);
  out.put(Math.min(...sizes), 24);
  out.put(Math.max(...sizes), 24);
  out.put(sampleRate, 20);
  out.put(1, 3); // two channels
  out.put(15, 5); // 16 bits a sample
  out.put(left.length, 36);
  for (let i = 0; i < 4; i++) out.put(0, 32); // no MD5
  const bytes = [...out.take(), ...frameBytes.flat()];
  return Buffer.from(bytes);
}
