/**
 * Records each turn's audio while the user keeps it: the utterance exactly
 * as speech-to-text received it, placed where it was said, and the reply as
 * it played: from when playback started, held where a sound held it, cut
 * where barge-in cut it. What was heard of the reply is read from the turn's
 * own events (the same ones its spans are made of), so the audio and the
 * spans agree. A turn is handed to the store when it ends; nothing is kept
 * of turns that start while keeping is off.
 *
 * The microphone's path (50 frames a second) never comes here: an utterance
 * arrives whole when its turn starts, a reply a chunk at a time.
 */
import type { ConversationObserver, TurnAudioTap } from '../conversation/conversation-observer';
import type { ConversationEvent } from '../pipeline/turn-events';
import { eventTime } from '../pipeline/turn-events';
import type { TurnClip, TurnRecording } from '../turn-audio/turn-audio-store';

/** The longest reply kept of one turn; past it the rest is not kept (about 29 MB of memory at 24 kHz until the turn ends). */
export const MAX_REPLY_SECONDS = 600;
/** Turns recorded at once at most (one speaking, one listening, a few whose events trail). */
const MAX_OPEN_TURNS = 8;

/** Where recorded turns go (the turn audio store), and whether the user keeps turn audio now. */
export interface TurnAudioSink {
  readonly keeping: boolean;
  save(recording: TurnRecording): boolean;
}

interface RecordingTurn {
  conversationId: string;
  startAt: number;
  /** When the user stopped speaking and how much of the utterance was speech (its placement). */
  speech: { stoppedAt: number; speechMs: number } | null;
  user: TurnClip | null;
  reply: { chunks: Int16Array[]; samples: number; sampleRate: number } | null;
  playbackAt: number | null;
  /** Where playback was held (a sound that was not the user taking the floor): from `at` for `ms`. */
  pauses: { at: number; ms: number }[];
}

export class TurnAudioRecorder implements TurnAudioTap {
  private conversationId: string | null = null;
  private readonly turns = new Map<number, RecordingTurn>();

  constructor(private readonly sink: TurnAudioSink) {}

  /** A conversation starts: its turns are recorded (while keeping is on). */
  begin(conversationId: string): void {
    this.conversationId = conversationId;
    this.turns.clear();
  }

  /** The conversation ended: turns still under way finish as their events come; no new ones start. */
  end(): void {
    this.conversationId = null;
  }

  observe(event: ConversationEvent): void {
    if (!('turn' in event)) return;
    switch (event.type) {
      case 'listening.started':
      case 'turn.confirmed':
      case 'turn.started':
        this.open(event.turn, event.at);
        return;
      case 'listening.stopped': {
        const turn = this.turns.get(event.turn);
        if (turn) turn.speech = { stoppedAt: event.at, speechMs: event.speechMs };
        return;
      }
      case 'listening.abandoned':
        this.turns.delete(event.turn);
        return;
      case 'turn.playback_started': {
        const turn = this.turns.get(event.turn);
        if (turn) turn.playbackAt = event.at;
        return;
      }
      case 'turn.false_interruption':
        this.turns.get(event.turn)?.pauses.push({ at: event.at - event.pausedMs, ms: event.pausedMs });
        return;
      case 'turn.unavailable':
        this.finish(event.turn, event.at, 0);
        return;
      case 'turn.ended':
        this.finish(event.turn, event.at, event.outcome === 'interrupted' ? event.audio.playedMs : event.audio.sentMs);
        return;
    }
  }

  /** The turns of a conversation being recorded now (their audio is kept when they end). */
  recording(conversationId: string): number[] {
    return [...this.turns].filter(([, turn]) => turn.conversationId === conversationId).map(([number]) => number);
  }

  heard(turn: number, audio: Int16Array, sampleRate: number): void {
    const recording = this.turns.get(turn);
    if (!recording || !audio.length) return;
    const durationMs = (audio.length / sampleRate) * 1000;
    // The utterance begins with what came before speech was detected and ends a little after it stopped.
    const startAt = recording.speech ? recording.speech.stoppedAt - recording.speech.speechMs : eventTime() - durationMs;
    recording.user = { lane: 'user', startAt, sampleRate, samples: audio };
  }

  replyAudio(turn: number, samples: Int16Array, sampleRate: number): void {
    const recording = this.turns.get(turn);
    if (!recording || !samples.length) return;
    const reply = (recording.reply ??= { chunks: [], samples: 0, sampleRate });
    // One rate per reply (a voice does not change mid-reply); the cap bounds memory.
    if (sampleRate !== reply.sampleRate || reply.samples >= MAX_REPLY_SECONDS * sampleRate) return;
    reply.chunks.push(samples); // kept as sent: no stage writes to audio it has handed on
    reply.samples += samples.length;
  }

  private open(turn: number, at: number): void {
    if (this.turns.has(turn) || this.conversationId === null || !this.sink.keeping) return;
    this.turns.set(turn, { conversationId: this.conversationId, startAt: at, speech: null, user: null, reply: null, playbackAt: null, pauses: [] });
    if (this.turns.size > MAX_OPEN_TURNS) this.turns.delete(this.turns.keys().next().value!);
  }

  /** The turn is over at `at`, `playedMs` of its reply heard: its clips go to the store. */
  private finish(turn: number, at: number, playedMs: number): void {
    const recording = this.turns.get(turn);
    if (!recording) return;
    this.turns.delete(turn);
    const clips: TurnClip[] = [];
    if (recording.user) clips.push(recording.user);
    const played = recording.reply && recording.playbackAt !== null ? playedReply(recording.reply, playedMs, recording.playbackAt, recording.pauses) : null;
    if (played) clips.push({ lane: 'assistant', startAt: recording.playbackAt!, sampleRate: recording.reply!.sampleRate, samples: played });
    this.sink.save({ conversationId: recording.conversationId, turn, startAt: recording.startAt, endAt: at, clips });
  }
}

/**
 * The reply as the user heard it: its first `playedMs` of audio, with
 * silence where playback was held (pauses are wall-clock times from
 * `playbackAt`; what had played by each is where it goes).
 */
export function playedReply(reply: { chunks: readonly Int16Array[]; samples: number; sampleRate: number }, playedMs: number, playbackAt: number, pauses: readonly { at: number; ms: number }[]): Int16Array | null {
  const { sampleRate } = reply;
  const heard = Math.min(reply.samples, Math.round((playedMs * sampleRate) / 1000));
  if (heard <= 0) return null;
  const audio = new Int16Array(heard);
  let filled = 0;
  for (const chunk of reply.chunks) {
    if (filled >= heard) break;
    const part = chunk.subarray(0, heard - filled);
    audio.set(part, filled);
    filled += part.length;
  }
  const holds: { atSample: number; samples: number }[] = [];
  let heldMs = 0;
  for (const pause of [...pauses].sort((a, b) => a.at - b.at)) {
    const atSample = Math.round(((pause.at - playbackAt - heldMs) * sampleRate) / 1000);
    if (atSample >= heard) break;
    holds.push({ atSample: Math.max(0, atSample), samples: Math.round((pause.ms * sampleRate) / 1000) });
    heldMs += pause.ms;
  }
  if (!holds.length) return audio;
  const withHolds = new Int16Array(heard + holds.reduce((sum, h) => sum + h.samples, 0));
  let from = 0;
  let to = 0;
  for (const hold of holds) {
    withHolds.set(audio.subarray(from, hold.atSample), to);
    to += hold.atSample - from + hold.samples; // the hold stays silent (zeros)
    from = hold.atSample;
  }
  withHolds.set(audio.subarray(from), to);
  return withHolds;
}

/** The conversation's observer, also handing its turn audio to `recorder`. */
export function recordingTurnAudio(observer: ConversationObserver, recorder: TurnAudioRecorder): ConversationObserver {
  return {
    observe: (event) => {
      observer.observe(event);
      recorder.observe(event);
    },
    within: (turn, stage, run) => observer.within(turn, stage, run),
    withinTool: (turn, callId, run) => observer.withinTool(turn, callId, run),
    inTurn: (turn, run) => observer.inTurn(turn, run),
    turnTraceparent: (turn) => observer.turnTraceparent(turn),
    get conversationTraceparent() {
      return observer.conversationTraceparent;
    },
    isKnownTrace: (traceId) => observer.isKnownTrace(traceId),
    get captureContent() {
      return observer.captureContent;
    },
    ...(observer.tracing ? { tracing: observer.tracing } : {}),
    turnAudio: recorder,
  };
}
