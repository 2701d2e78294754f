/**
 * The input side of a conversation: microphone frames go, strictly in order,
 * through a bounded queue to the voice detector and then the turn detector;
 * with push-to-talk, the frames are collected while the key is held instead.
 * It tells its owner when the user started speaking and when an utterance is
 * complete; what to do about it (barge-in, a turn) is the owner's business.
 * Each utterance is the start of a turn: it takes the turn's number when
 * speech starts, and its `listening.*` events carry it.
 *
 * Turn-taking settings are a snapshot taken when listening starts (the
 * conversation's start): they never change under an utterance.
 */
import { FRAME_DURATION_MS, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import type { Logger } from '../util/logger';
import { AsyncQueue } from '../util/async-queue';
import type { VoiceActivity } from '../pipeline/stages';
import { TurnDetector } from './turn-detector';
import { eventTime, type TurnLifecycleEvent } from '../pipeline/turn-events';

/** Frames waiting for the voice detector beyond this (one second) are dropped. */
export const MAX_PENDING_FRAMES = 50;

/**
 * Silence after which a reply is prepared (when preemptive replies are on):
 * one frame, the tail the utterance keeps. Whenever the preparation takes
 * longer than the silence window (with the bench's providers it does: 681
 * ms against 500), every millisecond waited here is added to the answer:
 * the bench measured 744 ms voice-to-voice at 40 ms and 724 ms at 20 ms,
 * against a budget of the floor + 60 ms (741). Waiting longer would save
 * requests only for gaps shorter than the wait, and those are rare: in 60 s
 * of synthesised speech through the Silero detector, 6 unvoiced gaps inside
 * utterances were 20 ms or longer and 4 were 40 ms or longer. The pauses
 * that do cost requests, 300 ms and more mid-sentence, outlast any short
 * delay.
 */
export const PREEMPT_AFTER_MS = 20;

export interface TurnTaking {
  /** A held key takes turns instead of voice detection. */
  pushToTalk: boolean;
  /** Voiced time needed to call it speech (and the shortest key press that counts). */
  minSpeechMs: number;
  /** Unvoiced time that ends an utterance. */
  silenceMs: number;
  /** Report pauses (voice detection only), so that a reply can be prepared during the silence window. */
  preemptiveReply?: boolean;
}

export interface Utterance {
  /** The turn this utterance starts. */
  turn: number;
  audio: Int16Array;
  speechMs: number;
  /** When the user stopped speaking (event time). */
  stoppedAt: number;
  /** What ended it: the silence window, or the push-to-talk key released. */
  endedBy: 'silence' | 'push_to_talk';
}

export interface ListenerHooks {
  /** The user started speaking at `at` (event time), or pressed the key. */
  speechStarted(at: number, by: 'voice' | 'push-to-talk'): void;
  utterance(utterance: Utterance): void;
  /** Voice detection: the utterance under way has had `voicedMs` of voice so far (called on each voiced frame). */
  speechProgress?(voicedMs: number): void;
  /**
   * Voice detection, preemptive replies on: the user paused for PREEMPT_AFTER_MS; `utterance` is
   * what will be handed on if they say nothing more (its `stoppedAt` included).
   */
  speechPaused?(utterance: Utterance): void;
  /** The user went on speaking after a pause: the utterance goes on. */
  speechResumed?(): void;
  /** The key was released after a tap too short to be speech. */
  speechDiscarded(): void;
  /** The voice detector could not be loaded; listening by voice is off until the next start. */
  detectorFailed(error: unknown): void;
}

/** One conversation's frames on their way to the voice detector. */
interface Feed {
  queue: AsyncQueue<Int16Array>;
  /** Frames queued or being decided. */
  pending: number;
  stop: AbortController;
}

export interface ListenerOptions {
  createVad(): Promise<VoiceActivity>;
  /** Numbers the turn that an utterance starts. */
  nextTurn(): number;
  emit(event: TurnLifecycleEvent): void;
  hooks: ListenerHooks;
  logger: Logger;
}

export class Listener {
  /** Frames dropped because the voice detector fell behind. */
  droppedFrames = 0;
  /** The most frames ever waiting for the voice detector. */
  maxPendingFrames = 0;
  private vad: Promise<VoiceActivity> | null = null;
  private turnTaking: TurnTaking | null = null;
  private detector: TurnDetector | null = null;
  private feed: Feed | null = null;
  /** Push-to-talk audio while the key is held. */
  private held: Int16Array[] | null = null;
  /** The turn of the utterance under way (speech started, not yet complete). */
  private utteranceTurn: number | null = null;
  /** Voiced time of the utterance under way. */
  private voicedMs = 0;
  private readonly hooks: ListenerHooks;
  private readonly logger: Logger;

  constructor(private readonly options: ListenerOptions) {
    this.hooks = options.hooks;
    this.logger = options.logger;
  }

  /** What decides when the user speaks, as named on the `vad` span. */
  get detectorName(): 'push-to-talk' | 'silero' {
    return this.turnTaking?.pushToTalk ? 'push-to-talk' : 'silero';
  }

  /** Starts listening with these settings (loading the voice detector the first time). */
  start(turnTaking: TurnTaking): void {
    this.stop();
    this.turnTaking = { ...turnTaking };
    const preempt = turnTaking.preemptiveReply === true && !turnTaking.pushToTalk;
    this.detector = new TurnDetector({
      minSpeechMs: turnTaking.minSpeechMs,
      silenceMs: turnTaking.silenceMs,
      ...(preempt ? { pauseMs: PREEMPT_AFTER_MS } : {}),
    });
    this.vad ??= this.options.createVad();
    const vad = this.vad;
    vad.then(
      (loaded) => loaded.reset(),
      (error: unknown) => {
        if (this.vad === vad) this.vad = null; // retried at the next start
        this.hooks.detectorFailed(error);
      },
    );
    const feed: Feed = { queue: new AsyncQueue(), pending: 0, stop: new AbortController() };
    this.feed = feed;
    void this.decideInOrder(feed, vad);
  }

  /** Stops listening; frames still waiting are dropped, an utterance in progress is forgotten. */
  stop(): void {
    this.abandonUtterance();
    this.turnTaking = null;
    this.held = null;
    this.detector = null;
    this.feed?.stop.abort(new Error('listening stopped'));
    this.feed = null;
  }

  /** A microphone frame (20 ms, 16 kHz). */
  pushFrame(frame: Int16Array): void {
    if (!this.turnTaking) return;
    if (this.turnTaking.pushToTalk) {
      this.held?.push(frame);
      return;
    }
    const feed = this.feed;
    if (!feed || !this.vad) return;
    if (feed.pending >= MAX_PENDING_FRAMES) {
      this.droppedFrames++;
      return;
    }
    feed.pending++;
    this.maxPendingFrames = Math.max(this.maxPendingFrames, feed.pending);
    feed.queue.push(frame);
  }

  /** Push-to-talk: pressing starts an utterance, releasing completes it. */
  pushToTalk(pressed: boolean): void {
    const turnTaking = this.turnTaking;
    if (!turnTaking?.pushToTalk) return;
    if (pressed) {
      if (this.held) return;
      this.held = [];
      this.speechStarted(eventTime(), 'push-to-talk');
      return;
    }
    const frames = this.held;
    this.held = null;
    if (!frames) return;
    const audio = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const frame of frames) {
      audio.set(frame, offset);
      offset += frame.length;
    }
    if (audio.length < (turnTaking.minSpeechMs * INPUT_SAMPLE_RATE) / 1000) {
      this.abandonUtterance();
      this.hooks.speechDiscarded(); // a tap, not speech
      return;
    }
    this.complete(audio, (audio.length / INPUT_SAMPLE_RATE) * 1000, eventTime(), 'push_to_talk');
  }

  async dispose(): Promise<void> {
    this.stop();
    const vad = this.vad;
    this.vad = null;
    if (!vad) return;
    try {
      await (await vad).dispose();
    } catch (error) {
      this.logger.warn('voice activity detector did not close cleanly', { error: String(error) });
    }
  }

  private async decideInOrder(feed: Feed, vad: Promise<VoiceActivity>): Promise<void> {
    for (;;) {
      let frame: Int16Array | null;
      try {
        frame = await feed.queue.next(feed.stop.signal);
      } catch {
        return; // listening stopped: the frames still queued are dropped
      }
      if (frame === null) return;
      try {
        const voiced = await (await vad).isSpeech(frame);
        if (this.feed === feed) this.decide(frame, voiced);
      } catch (error) {
        this.logger.warn('voice detection failed for a frame', { error: String(error) });
      } finally {
        feed.pending--;
      }
    }
  }

  private decide(frame: Int16Array, voiced: boolean): void {
    const { turnTaking, detector } = this;
    if (!turnTaking || !detector) return;
    const event = detector.push(frame, voiced);
    if (!event) {
      if (voiced && detector.isSpeaking) this.hooks.speechProgress?.((this.voicedMs += FRAME_DURATION_MS));
      return;
    }
    switch (event.type) {
      case 'speech.start':
        // Speech was confirmed minSpeechMs after it started.
        this.voicedMs = turnTaking.minSpeechMs;
        this.speechStarted(eventTime() - turnTaking.minSpeechMs, 'voice');
        return;
      case 'speech.pause':
        if (this.utteranceTurn === null) return;
        this.hooks.speechPaused?.({ turn: this.utteranceTurn, audio: event.audio, speechMs: event.speechMs, stoppedAt: eventTime() - PREEMPT_AFTER_MS, endedBy: 'silence' });
        return;
      case 'speech.resume':
        this.hooks.speechProgress?.((this.voicedMs += FRAME_DURATION_MS));
        this.hooks.speechResumed?.();
        return;
      case 'speech.end':
        // It stopped silenceMs before it was called over.
        this.complete(event.audio, event.speechMs, eventTime() - turnTaking.silenceMs, 'silence', turnTaking.silenceMs);
    }
  }

  private speechStarted(at: number, by: 'voice' | 'push-to-talk'): void {
    this.hooks.speechStarted(at, by);
    this.abandonUtterance();
    this.utteranceTurn = this.options.nextTurn();
    this.options.emit({ type: 'listening.started', at, turn: this.utteranceTurn, detector: this.detectorName });
  }

  /** The utterance is over: it ended at `stoppedAt`, by `endedBy` (after `silenceMs` of silence). */
  private complete(audio: Int16Array, speechMs: number, stoppedAt: number, endedBy: Utterance['endedBy'], silenceMs?: number): void {
    const turn = this.utteranceTurn ?? this.options.nextTurn();
    if (this.utteranceTurn !== null) {
      this.options.emit({ type: 'listening.stopped', at: stoppedAt, turn, speechMs });
      this.options.emit({ type: 'turn.end_of_speech', at: stoppedAt, turn, ...(silenceMs === undefined ? {} : { silenceMs }) });
    }
    this.utteranceTurn = null;
    this.hooks.utterance({ turn, audio, speechMs, stoppedAt, endedBy });
  }

  /** Speech started but no utterance came of it. */
  private abandonUtterance(): void {
    if (this.utteranceTurn === null) return;
    this.options.emit({ type: 'listening.abandoned', at: eventTime(), turn: this.utteranceTurn });
    this.utteranceTurn = null;
  }
}
