import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from './audio-format';
import { FRAME_HEADER_BYTES, FrameKind, MIC_FRAME_BYTES, decodeAudioFrame, encodeAudioFrame } from './audio-frame';

function micFrame(seq = 7): ArrayBuffer {
  const samples = new Int16Array(FRAME_SAMPLES).map((_, i) => (i * 97) % 30_000 - 15_000);
  return encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples });
}

describe('audio frames', () => {
  it('round-trips a microphone frame', () => {
    const buffer = micFrame();
    expect(buffer.byteLength).toBe(MIC_FRAME_BYTES);
    const decoded = decodeAudioFrame(buffer, FrameKind.Microphone);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.frame.seq).toBe(7);
    expect(decoded.frame.samples[1]).toBe(97 - 15_000);
    expect(decoded.frame.samples.length).toBe(FRAME_SAMPLES);
  });

  it('decodes from a Node Buffer at an unaligned offset', () => {
    const bytes = new Uint8Array(micFrame());
    const backing = new Uint8Array(bytes.length + 1);
    backing.set(bytes, 1);
    const view = new Uint8Array(backing.buffer, 1, bytes.length);
    const decoded = decodeAudioFrame(view, FrameKind.Microphone);
    expect(decoded.ok && decoded.frame.samples[2]).toBe(194 - 15_000);
  });

  it('round-trips an assistant chunk with its sample rate and stream', () => {
    const samples = new Int16Array([1, -1, 32767, -32768]);
    const buffer = encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq: 2, stream: 9, sampleRate: 24_000, samples });
    const decoded = decodeAudioFrame(buffer, FrameKind.AssistantAudio);
    expect(decoded).toMatchObject({ ok: true, frame: { stream: 9, sampleRate: 24_000, seq: 2 } });
    expect(decoded.ok && Array.from(decoded.frame.samples)).toEqual([1, -1, 32767, -32768]);
  });

  it.each([
    ['shorter than a header', new ArrayBuffer(3), /header/],
    ['of the wrong kind', encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq: 0, stream: 1, sampleRate: 16_000, samples: new Int16Array(320) }), /kind/],
    ['with a wrong sample rate', encodeAudioFrame({ kind: FrameKind.Microphone, seq: 0, stream: 0, sampleRate: 48_000, samples: new Int16Array(320) }), /16000 Hz/],
    ['with a wrong length', encodeAudioFrame({ kind: FrameKind.Microphone, seq: 0, stream: 0, sampleRate: 16_000, samples: new Int16Array(100) }), /320 samples/],
    ['with an odd byte count', micFrame().slice(0, MIC_FRAME_BYTES - 1), /odd/],
  ])('refuses a microphone frame %s', (_name, buffer, pattern) => {
    const decoded = decodeAudioFrame(buffer, FrameKind.Microphone);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toMatch(pattern);
  });

  it('refuses a frame with an unknown format version', () => {
    const buffer = micFrame();
    new DataView(buffer).setUint8(1, 9);
    expect(decodeAudioFrame(buffer, FrameKind.Microphone)).toMatchObject({ ok: false, error: expect.stringMatching(/version/) });
  });

  it('refuses assistant chunks that are empty or out of range', () => {
    const empty = encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq: 0, stream: 1, sampleRate: 24_000, samples: new Int16Array(0) });
    expect(decodeAudioFrame(empty, FrameKind.AssistantAudio).ok).toBe(false);
    const slow = encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq: 0, stream: 1, sampleRate: 100, samples: new Int16Array(8) });
    expect(decodeAudioFrame(slow, FrameKind.AssistantAudio).ok).toBe(false);
    expect(FRAME_HEADER_BYTES).toBe(16);
  });
});
