/**
 * Turn-taking from per-frame voice decisions. Speech starts once voiced
 * frames add up to `minSpeechMs` (clicks and coughs shorter than that are
 * ignored) and ends after `silenceMs` without voice. The utterance handed on
 * includes a little audio from before the start, so the first syllable is
 * not clipped, and a short tail after the last voiced frame.
 *
 * With `pauseMs`, a pause in speech is reported too: once that much silence
 * has passed (but not yet the silence window) `speech.pause` carries the
 * utterance as it would be handed on if the user said nothing more, and a
 * voiced frame after it is `speech.resume`. Since the tail is no longer
 * than the pause, an utterance that ends without more voice is exactly the
 * paused one.
 */
import { FRAME_DURATION_MS, FRAME_SAMPLES } from '../../../shared/audio-format';

/** Unvoiced frames kept after the last voiced one (20 ms): the voice detector already lags the sound's end. */
export const TAIL_FRAMES = 1;

export interface TurnDetectorOptions {
  /** Voiced time needed to call it speech. */
  minSpeechMs: number;
  /** Unvoiced time that ends an utterance. */
  silenceMs: number;
  /** Audio kept from before the start. */
  preRollMs?: number;
  /** Longest utterance; longer speech is cut into turns of this length. */
  maxUtteranceMs?: number;
  /** Report a pause after this much silence (at least the tail, less than `silenceMs`); none without it. */
  pauseMs?: number;
}

export type TurnEvent =
  | { type: 'speech.start'; atFrame: number }
  | { type: 'speech.end'; audio: Int16Array; speechMs: number; atFrame: number }
  /** The utterance so far, as `speech.end` would give it if no voice came back. */
  | { type: 'speech.pause'; audio: Int16Array; speechMs: number; atFrame: number }
  | { type: 'speech.resume'; atFrame: number };

export class TurnDetector {
  private readonly minSpeechFrames: number;
  private readonly silenceFrames: number;
  private readonly preRollFrames: number;
  private readonly maxFrames: number;
  private readonly pauseFrames: number | null;
  private pauseReported = false;
  private frameIndex = 0;
  private speaking = false;
  private voicedRun = 0;
  private silentRun = 0;
  private pending: Int16Array[] = []; // candidate start, before it is confirmed
  private preRoll: Int16Array[] = [];
  private utterance: Int16Array[] = [];

  constructor(options: TurnDetectorOptions) {
    this.minSpeechFrames = Math.max(1, Math.round(options.minSpeechMs / FRAME_DURATION_MS));
    this.silenceFrames = Math.max(1, Math.round(options.silenceMs / FRAME_DURATION_MS));
    this.preRollFrames = Math.round((options.preRollMs ?? 200) / FRAME_DURATION_MS);
    this.maxFrames = Math.round((options.maxUtteranceMs ?? 30_000) / FRAME_DURATION_MS);
    const pauseFrames = options.pauseMs === undefined ? null : Math.max(TAIL_FRAMES, Math.round(options.pauseMs / FRAME_DURATION_MS));
    this.pauseFrames = pauseFrames !== null && pauseFrames < this.silenceFrames ? pauseFrames : null;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Feeds one frame and its voice decision; returns what happened, if anything. */
  push(frame: Int16Array, voiced: boolean): TurnEvent | null {
    this.frameIndex++;
    if (!this.speaking) {
      if (voiced) {
        this.pending.push(frame);
        this.voicedRun++;
        if (this.voicedRun >= this.minSpeechFrames) {
          this.speaking = true;
          this.silentRun = 0;
          this.utterance = [...this.preRoll, ...this.pending];
          this.preRoll = [];
          this.pending = [];
          return { type: 'speech.start', atFrame: this.frameIndex };
        }
      } else {
        // A blip too short to be speech: it becomes pre-roll.
        for (const f of this.pending) this.remember(f);
        this.pending = [];
        this.voicedRun = 0;
        this.remember(frame);
      }
      return null;
    }
    this.utterance.push(frame);
    this.silentRun = voiced ? 0 : this.silentRun + 1;
    if (this.silentRun >= this.silenceFrames || this.utterance.length >= this.maxFrames) return this.finish();
    if (voiced && this.pauseReported) {
      this.pauseReported = false;
      return { type: 'speech.resume', atFrame: this.frameIndex };
    }
    if (this.silentRun === this.pauseFrames) {
      this.pauseReported = true;
      return { type: 'speech.pause', ...this.soFar(), atFrame: this.frameIndex };
    }
    return null;
  }

  /** Forgets any utterance in progress (e.g. when the conversation ends). */
  reset(): void {
    this.speaking = false;
    this.voicedRun = 0;
    this.silentRun = 0;
    this.pauseReported = false;
    this.pending = [];
    this.preRoll = [];
    this.utterance = [];
  }

  private finish(): TurnEvent {
    const utterance = this.soFar();
    const atFrame = this.frameIndex;
    this.reset();
    return { type: 'speech.end', ...utterance, atFrame };
  }

  /** The utterance without its trailing silence, but for a short tail. */
  private soFar(): { audio: Int16Array; speechMs: number } {
    const keep = this.utterance.length - Math.max(0, this.silentRun - TAIL_FRAMES);
    const frames = this.utterance.slice(0, keep);
    const audio = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => audio.set(f, i * FRAME_SAMPLES));
    const speechMs = (frames.length - Math.min(this.silentRun, TAIL_FRAMES)) * FRAME_DURATION_MS;
    return { audio, speechMs };
  }

  private remember(frame: Int16Array): void {
    this.preRoll.push(frame);
    if (this.preRoll.length > this.preRollFrames) this.preRoll.shift();
  }
}
