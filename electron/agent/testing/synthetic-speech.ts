/**
 * Real speech for tests, made with the Flite engine the app bundles (no
 * system package): a sentence at any sample rate, and silence to put
 * around it. The e2e suite's fake microphone and the voice-activity and
 * speech-to-text tests all hear this.
 */
import { floatToPcm16, pcm16ToFloat } from '../../../shared/audio-format';
import { StreamingResampler } from '../../../shared/resampler';
import { compileFlite, FliteRun, type FliteModule } from '../providers/flite';

export interface SpeechOptions {
  /** A Flite voice id (see FLITE_VOICES); 'slt' when omitted. */
  voice?: string;
  /** The rate of the samples returned; the voice's own rate (16 kHz) when omitted. */
  sampleRate?: number;
}

let flite: FliteModule | null = null;

/** `text` spoken by Flite, as PCM16 mono samples at `options.sampleRate`. */
export function synthesizeSpeech(text: string, options: SpeechOptions = {}): { samples: Int16Array; sampleRate: number } {
  flite ??= compileFlite();
  const spoken = new FliteRun(flite).synthesize(options.voice ?? 'slt', text);
  const sampleRate = options.sampleRate ?? spoken.sampleRate;
  if (sampleRate === spoken.sampleRate) return { samples: spoken.samples, sampleRate };
  const resampled = new StreamingResampler(spoken.sampleRate, sampleRate).process(pcm16ToFloat(spoken.samples));
  return { samples: floatToPcm16(resampled), sampleRate };
}

/** `seconds` of digital silence at `sampleRate`. */
export function silence(seconds: number, sampleRate: number): Int16Array {
  return new Int16Array(Math.round(seconds * sampleRate));
}

/** The pieces one after the other. */
export function concatSamples(...pieces: Int16Array[]): Int16Array {
  const out = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}
