/**
 * One reply's lifecycle, from the moment the pipeline starts on it until it
 * has been heard, was interrupted, or failed. It owns the reply's abort
 * signal, its audio stream (sequence numbers, samples sent), the sentences
 * spoken and the client's playback reports, and it alone decides when the
 * turn is over:
 *
 *   - the pipeline finished and (no audio was sent, or playback drained), or
 *   - it was interrupted (barge-in, a new message, End), or
 *   - the pipeline failed.
 *
 * The outcome is given to `ended` at that moment and resolves `done`.
 */
import { MAX_OUTPUT_CHUNK_SAMPLES } from '../../../shared/audio-format';
import type { StageError } from '../pipeline/stage-error';
import { spokenText, type SpokenSegment } from '../pipeline/spoken-text';
import type { InterruptedBy } from '../../../shared/telemetry';
import { eventTime, type AudioTotals, type TurnLifecycleEvent } from '../pipeline/turn-events';
import type { TurnResult } from '../pipeline/turn-run';

export type TurnOutcome =
  | { status: 'completed'; result: TurnResult }
  | { status: 'interrupted'; reason: string; playedMs: number; heard: string }
  | { status: 'failed'; error: StageError; result: TurnResult; heard: string };

export type PlaybackEvent = 'started' | 'drained' | 'flushed';

/** Where the reply's audio goes: the client's player. */
export interface TurnAudioOutput {
  audio(stream: number, seq: number, samples: Int16Array, sampleRate: number): void;
  /** Stop playback in the client now. */
  flush(): void;
  /** Hold playback in the client (keeping what is queued), or go on with it. */
  pause(paused: boolean): void;
}

export interface TurnHooks {
  /** The pipeline completed the reply (its audio may still be playing). */
  replied(turn: Turn, result: TurnResult): void;
  /** The client started playing the reply. */
  playing(turn: Turn): void;
  /** The turn is over; called once, before `done` resolves. */
  ended(turn: Turn, outcome: TurnOutcome): void;
}

export interface TurnOptions {
  number: number;
  stream: number;
  /** The TTS's sample rate until its audio says otherwise. */
  sampleRate: number;
  /** When the user stopped speaking (voice turns), for voice-to-voice latency. */
  userStoppedAt: number | null;
  output: TurnAudioOutput;
  emit(event: TurnLifecycleEvent): void;
  hooks: TurnHooks;
  /** The segments a pipeline already fills (a reply prepared ahead of the turn). */
  segments?: SpokenSegment[];
  /** Each chunk of the reply as it is sent to be played (the turn's audio, when it is kept). */
  audioSent?(samples: Int16Array, sampleRate: number): void;
}

export class Turn {
  readonly number: number;
  readonly stream: number;
  /** Sentences and their audio, filled by the pipeline as it synthesises. */
  readonly segments: SpokenSegment[];
  readonly startedAt = eventTime();
  readonly done: Promise<TurnOutcome>;
  private readonly controller = new AbortController();
  private readonly userStoppedAt: number | null;
  private sampleRate: number;
  private audioSeq = 0;
  private sentSamples = 0;
  private playbackStartedAt: number | null = null;
  private reportedPlayedMs = 0;
  /** Since when playback is held, and how long it was held before. */
  private pausedAt: number | null = null;
  private pausedMs = 0;
  private drained = false;
  private pipelineResult: TurnResult | null = null;
  private outcome: TurnOutcome | null = null;
  private resolveDone!: (outcome: TurnOutcome) => void;

  constructor(private readonly options: TurnOptions) {
    this.number = options.number;
    this.stream = options.stream;
    this.sampleRate = options.sampleRate;
    this.userStoppedAt = options.userStoppedAt;
    this.segments = options.segments ?? [];
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Fires when the turn is interrupted: every stage stops. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isOver(): boolean {
    return this.outcome !== null;
  }

  /** When the client started playing the reply, if it has. */
  get playbackStarted(): number | null {
    return this.playbackStartedAt;
  }

  /** Milliseconds from the user's last word to the reply's first sound (voice turns that played). */
  get voiceToVoiceMs(): number | null {
    return this.userStoppedAt === null || this.playbackStartedAt === null ? null : this.playbackStartedAt - this.userStoppedAt;
  }

  /** What the user heard of the reply when `playedMs` of it had played. */
  heardAfter(playedMs: number): string {
    return spokenText(this.segments, (playedMs * this.sampleRate) / 1000);
  }

  /** Sends synthesised audio to the client in chunks it accepts; nothing once the turn is over. */
  sendAudio(samples: Int16Array, sampleRate: number): void {
    if (this.isOver || this.signal.aborted) return;
    this.sampleRate = sampleRate;
    if (this.audioSeq === 0) this.options.emit({ type: 'turn.audio_sent', at: eventTime(), turn: this.number });
    this.options.audioSent?.(samples, sampleRate);
    for (let offset = 0; offset < samples.length; offset += MAX_OUTPUT_CHUNK_SAMPLES) {
      const chunk = samples.subarray(offset, offset + MAX_OUTPUT_CHUNK_SAMPLES);
      this.options.output.audio(this.stream, this.audioSeq++, chunk, sampleRate);
      this.sentSamples += chunk.length;
    }
    this.drained = false;
  }

  /** The client's report on this turn's stream. */
  onPlayback(event: PlaybackEvent, playedMs: number): void {
    if (this.isOver) return;
    this.reportedPlayedMs = playedMs;
    if (event === 'started' && this.playbackStartedAt === null) {
      this.playbackStartedAt = eventTime();
      this.options.emit({ type: 'turn.playback_started', at: this.playbackStartedAt, turn: this.number, voiceToVoiceMs: this.voiceToVoiceMs });
      this.options.hooks.playing(this);
    } else if (event === 'drained') {
      this.drained = true;
      if (this.pipelineResult) this.end({ status: 'completed', result: this.pipelineResult });
    }
  }

  /** The pipeline's result; the turn ends now unless its audio is still playing. */
  pipelineFinished(result: TurnResult): void {
    if (this.isOver || result.status === 'cancelled') return; // interrupted: that ended it
    if (result.status === 'failed' && result.error) {
      this.end({ status: 'failed', error: result.error, result, heard: spokenText(result.segments, this.sentSamples) });
      return;
    }
    this.pipelineResult = result;
    this.options.hooks.replied(this, result);
    if (this.sentSamples === 0 || this.drained) this.end({ status: 'completed', result });
  }

  get isPaused(): boolean {
    return this.pausedAt !== null;
  }

  /** Holds the reply's playback (a sound that may be the user barging in); the stages go on. */
  pausePlayback(): void {
    if (this.isOver || this.pausedAt !== null) return;
    this.pausedAt = eventTime();
    this.options.output.pause(true);
  }

  /** Goes on with the reply's playback after a false interruption. */
  resumePlayback(): void {
    if (this.isOver || this.pausedAt === null) return;
    const at = eventTime();
    const heldMs = at - this.pausedAt;
    this.pausedMs += heldMs;
    this.pausedAt = null;
    this.options.output.pause(false);
    this.options.emit({ type: 'turn.false_interruption', at, turn: this.number, pausedMs: Math.round(heldMs) });
  }

  /** Stops the reply now: the stages are cancelled and the client's playback flushed; `by`, the cause when known. */
  interrupt(reason: string, by?: InterruptedBy): void {
    if (this.isOver) return;
    const at = eventTime();
    const outcome: TurnOutcome = { status: 'interrupted', reason, playedMs: this.playedMsAt(at), heard: '' };
    outcome.heard = this.heardAfter(outcome.playedMs);
    this.outcome = outcome; // before aborting: nothing more is sent from here on
    this.controller.abort(new Error(reason));
    if (this.sentSamples > 0) this.options.output.flush();
    this.options.emit({ type: 'turn.interrupted', at, turn: this.number, reason, ...(by ? { by } : {}) });
    this.finish(outcome, at);
  }

  private get sentMs(): number {
    return (this.sentSamples / this.sampleRate) * 1000;
  }

  /** Played so far: the client's last report, or the time since playback started, at most what was sent. */
  private playedMsAt(at: number): number {
    const held = this.pausedMs + (this.pausedAt === null ? 0 : at - this.pausedAt);
    const elapsedMs = this.playbackStartedAt === null ? 0 : at - this.playbackStartedAt - held;
    return Math.min(this.sentMs, Math.max(elapsedMs, this.reportedPlayedMs));
  }

  private end(outcome: TurnOutcome): void {
    this.outcome = outcome;
    this.finish(outcome, eventTime());
  }

  private finish(outcome: TurnOutcome, at: number): void {
    const audio: AudioTotals = {
      chunks: this.audioSeq,
      sentMs: this.sentMs,
      playedMs: outcome.status === 'interrupted' ? outcome.playedMs : this.reportedPlayedMs,
    };
    const error = outcome.status === 'failed' ? { error: outcome.error, errorType: outcome.error.kind } : {};
    this.options.emit({ type: 'turn.ended', at, turn: this.number, outcome: outcome.status, audio, ...error });
    this.options.hooks.ended(this, outcome);
    this.resolveDone(outcome);
  }
}
