/** Messages between the audio worklets and the page. */
export const CAPTURE_PROCESSOR = 'voice-capture';
export const PLAYBACK_PROCESSOR = 'voice-playback';

/** Capture -> page: one 20 ms PCM16 frame at 16 kHz. */
export interface CapturedFrame {
  samples: ArrayBuffer;
}

/** Page -> playback worklet. */
export type PlaybackCommand =
  | { type: 'chunk'; stream: number; samples: Float32Array }
  | { type: 'flush' }
  | { type: 'pause'; paused: boolean };

/** Playback worklet -> page. */
export type PlaybackReport =
  | { type: 'started'; stream: number; playedSamples: number }
  | { type: 'drained'; stream: number; playedSamples: number }
  | { type: 'flushed'; stream: number; playedSamples: number };
