/**
 * What a client's microphone sends a session whose voice detector is
 * `scriptedVad` (test-stages.ts): numbered frames, speech or silence by the
 * sign of their samples, and an utterance the detector hears whole when the
 * pipeline runs with `SCRIPTED_VAD_ENV`'s timings.
 */
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../../shared/audio-frame';

/** The detector's timings an utterance is made for: its speech is long enough, its silence ends the turn. */
export const SCRIPTED_VAD_ENV = { VAD_SILENCE_MS: '100', VAD_MIN_SPEECH_MS: '60' } as const;

/** 200 ms of speech, then 160 ms of silence (20 ms frames). */
const SPEECH_FRAMES = 10;
const SILENCE_FRAMES = 8;

/** Anything that takes microphone frames as they come off the wire. */
export interface AudioReceiver {
  receiveAudio(frame: ArrayBuffer): void;
}

export class ScriptedMicrophone {
  private seq = 0;

  /** The frames sent so far. */
  get sent(): number {
    return this.seq;
  }

  /** The next frame, every sample `value`: speech to the scripted detector when positive. */
  frame(value: number): ArrayBuffer {
    return encodeAudioFrame({ kind: FrameKind.Microphone, seq: this.seq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples: new Int16Array(FRAME_SAMPLES).fill(value) });
  }

  /** One utterance: speech, then the silence that ends the turn. */
  speakTo(receiver: AudioReceiver): void {
    for (let i = 0; i < SPEECH_FRAMES; i++) receiver.receiveAudio(this.frame(1000));
    for (let i = 0; i < SILENCE_FRAMES; i++) receiver.receiveAudio(this.frame(0));
  }
}
