/**
 * Binary audio frames, identical on both carriers (WebSocket binary message,
 * or an ArrayBuffer over a MessagePort). Header, little-endian:
 *
 *   byte 0     kind: 1 = microphone frame (client -> main),
 *                    2 = assistant audio chunk (main -> client)
 *   byte 1     format version (1)
 *   bytes 2-3  reserved (0)
 *   bytes 4-7  uint32 sequence number of the frame in its stream
 *   bytes 8-11 uint32 stream id (the turn or test sound the audio belongs to; 0 for the microphone)
 *   bytes 12-15 uint32 sample rate in Hz
 *   then PCM16 mono little-endian samples
 *
 * Microphone frames are exactly FRAME_SAMPLES samples at INPUT_SAMPLE_RATE.
 */
import {
  BYTES_PER_SAMPLE,
  FRAME_SAMPLES,
  INPUT_SAMPLE_RATE,
  MAX_OUTPUT_CHUNK_SAMPLES,
  MAX_OUTPUT_SAMPLE_RATE,
  MIN_OUTPUT_SAMPLE_RATE,
} from './audio-format';

export const FRAME_HEADER_BYTES = 16;
export const FRAME_FORMAT_VERSION = 1;
export const MIC_FRAME_BYTES = FRAME_HEADER_BYTES + FRAME_SAMPLES * BYTES_PER_SAMPLE;

export const FrameKind = { Microphone: 1, AssistantAudio: 2 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface AudioFrame {
  kind: FrameKind;
  seq: number;
  stream: number;
  sampleRate: number;
  samples: Int16Array;
}

export function encodeAudioFrame(frame: AudioFrame): ArrayBuffer {
  const buffer = new ArrayBuffer(FRAME_HEADER_BYTES + frame.samples.length * BYTES_PER_SAMPLE);
  const view = new DataView(buffer);
  view.setUint8(0, frame.kind);
  view.setUint8(1, FRAME_FORMAT_VERSION);
  view.setUint16(2, 0, true);
  view.setUint32(4, frame.seq >>> 0, true);
  view.setUint32(8, frame.stream >>> 0, true);
  view.setUint32(12, frame.sampleRate >>> 0, true);
  const out = new Int16Array(buffer, FRAME_HEADER_BYTES, frame.samples.length);
  if (isLittleEndian) out.set(frame.samples);
  else for (let i = 0; i < frame.samples.length; i++) view.setInt16(FRAME_HEADER_BYTES + i * 2, frame.samples[i] ?? 0, true);
  return buffer;
}

export type FrameResult = { ok: true; frame: AudioFrame } | { ok: false; error: string };

/** Decodes and validates a frame of the expected kind. Never throws. */
export function decodeAudioFrame(data: ArrayBuffer | ArrayBufferView, expected: FrameKind): FrameResult {
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  if (bytes.byteLength < FRAME_HEADER_BYTES) return { ok: false, error: 'audio frame shorter than its header' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (kind !== expected) return { ok: false, error: `unexpected audio frame kind ${kind}` };
  if (view.getUint8(1) !== FRAME_FORMAT_VERSION) return { ok: false, error: 'unsupported audio frame version' };
  const seq = view.getUint32(4, true);
  const stream = view.getUint32(8, true);
  const sampleRate = view.getUint32(12, true);
  const payload = bytes.byteLength - FRAME_HEADER_BYTES;
  if (payload % BYTES_PER_SAMPLE !== 0) return { ok: false, error: 'audio frame has an odd number of bytes' };
  const count = payload / BYTES_PER_SAMPLE;
  if (kind === FrameKind.Microphone) {
    if (sampleRate !== INPUT_SAMPLE_RATE) return { ok: false, error: `microphone frames must be ${INPUT_SAMPLE_RATE} Hz` };
    if (count !== FRAME_SAMPLES) return { ok: false, error: `microphone frames must hold ${FRAME_SAMPLES} samples` };
  } else {
    if (sampleRate < MIN_OUTPUT_SAMPLE_RATE || sampleRate > MAX_OUTPUT_SAMPLE_RATE)
      return { ok: false, error: 'audio chunk sample rate out of range' };
    if (count === 0 || count > MAX_OUTPUT_CHUNK_SAMPLES) return { ok: false, error: 'audio chunk size out of range' };
  }
  // Copy into an aligned buffer owned by the frame.
  const samples = new Int16Array(count);
  if (isLittleEndian) new Uint8Array(samples.buffer).set(bytes.subarray(FRAME_HEADER_BYTES));
  else for (let i = 0; i < count; i++) samples[i] = view.getInt16(FRAME_HEADER_BYTES + i * 2, true);
  return { ok: true, frame: { kind, seq, stream, sampleRate, samples } };
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
