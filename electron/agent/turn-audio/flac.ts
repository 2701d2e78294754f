/**
 * Turn audio's codec: FLAC, lossless (what is kept is exactly what was heard)
 * and about half the size of PCM for speech, a tiny fraction of it for
 * silence. Encoding runs in a worker thread (Mediabunny's libFLAC build), so
 * the audio path never waits for it; decoding (for a file the viewer plays
 * or downloads) uses the WebAssembly libFLAC decoder of wasm-audio-decoders.
 */
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { registerFlacEncoder } from '@mediabunny/flac-encoder';
import { AudioSample, AudioSampleSource, BufferTarget, FlacOutputFormat, Output } from 'mediabunny';

let registered = false;

/** Samples given to the encoder at once: 10 s at 48 kHz. */
const ENCODE_CHUNK_FRAMES = 480_000;

/** One FLAC file of 16-bit `channels` (all of one length) at `sampleRate`. */
export async function encodeFlac(channels: readonly Int16Array[], sampleRate: number): Promise<Uint8Array> {
  if (!registered) {
    registerFlacEncoder();
    registered = true;
  }
  const frames = channels[0]?.length ?? 0;
  if (!channels.length || !frames || channels.some((c) => c.length !== frames)) throw new RangeError('channels must be one or more, all of one length, not empty');
  const output = new Output({ format: new FlacOutputFormat(), target: new BufferTarget() });
  const source = new AudioSampleSource({ codec: 'flac' });
  output.addAudioTrack(source);
  await output.start();
  for (let from = 0; from < frames; from += ENCODE_CHUNK_FRAMES) {
    const count = Math.min(ENCODE_CHUNK_FRAMES, frames - from);
    const planar = new Int16Array(count * channels.length);
    channels.forEach((channel, i) => planar.set(channel.subarray(from, from + count), i * count));
    const sample = new AudioSample({ data: planar, format: 's16-planar', numberOfChannels: channels.length, sampleRate, timestamp: from / sampleRate });
    try {
      await source.add(sample);
    } finally {
      sample.close();
    }
  }
  await output.finalize();
  const buffer = output.target.buffer;
  if (!buffer) throw new Error('the FLAC encoder wrote nothing');
  return new Uint8Array(buffer);
}

export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

/** The samples of a FLAC file. */
export async function decodeFlac(bytes: Uint8Array): Promise<DecodedAudio> {
  const decoder = new FLACDecoder();
  try {
    await decoder.ready;
    const decoded = await decoder.decodeFile(bytes);
    if (decoded.errors.length && !decoded.samplesDecoded) throw new Error(`not a FLAC file: ${decoded.errors[0]!.message}`);
    return { sampleRate: decoded.sampleRate, channels: decoded.channelData.map((c) => c.subarray(0, decoded.samplesDecoded)) };
  } finally {
    decoder.free();
  }
}
