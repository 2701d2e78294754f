/**
 * A playing reply held by a sound that may be the user barging in, until
 * `decideBargeIn` knows: a long enough voice confirms the barge-in at once;
 * a shorter sound is transcribed when it is over, and its words stop the
 * reply (and become the next turn), while a cough or a click lets it resume.
 * Each step is told as an `interruption.*` event of the held reply's turn,
 * with how long the user's sound over the reply was by then, in audio: the
 * voice that paused it when detected, the voice so far when its length
 * confirms the barge-in, the whole sound when its transcript decides.
 */
import type { Logger } from '../util/logger';
import { decideBargeIn } from './barge-in';
import type { Utterance } from './listener';
import type { Turn } from './turn';
import { eventTime, type ConversationEvent } from '../pipeline/turn-events';

export interface HeldReplyActions {
  /** A quick transcript of the sound ('' when there is no speech-to-text to ask). */
  transcribe(audio: Int16Array, signal: AbortSignal): Promise<string>;
  /** The sound was the user taking the floor: stop the held reply as on any barge-in. */
  bargeIn(reply: Turn): void;
  /** ...and its words are the next turn. */
  startTurn(utterance: Utterance): void;
  emit(event: ConversationEvent): void;
  logger: Logger;
}

export class HeldReply {
  private reply: Turn | null = null;

  constructor(private readonly actions: HeldReplyActions) {}

  get active(): boolean {
    return this.reply !== null;
  }

  /** Speech started over `reply` at `speechStartedAt`: holds its playback when it is playing; false when it should stop now. */
  hold(reply: Turn | null, speechStartedAt: number): boolean {
    if (!reply || reply.isOver || reply.playbackStarted === null) return false;
    this.reply = reply;
    reply.pausePlayback();
    this.tell('interruption.detected', reply, eventTime() - speechStartedAt);
    return true;
  }

  /** Forgets the held reply (it was stopped for another reason). */
  release(): void {
    this.reply = null;
  }

  /** The sound has had `voicedMs` of voice; true when that confirmed the barge-in (and stopped the reply). */
  progress(voicedMs: number): boolean {
    const reply = this.reply;
    if (!reply || decideBargeIn({ voicedMs }) !== 'interrupt') return false;
    this.reply = null;
    this.tell('interruption.confirmed', reply, voicedMs);
    this.actions.bargeIn(reply);
    return true;
  }

  /** The sound is over before it was long enough to be speech for sure: a quick transcript decides. */
  async decide(utterance: Utterance): Promise<void> {
    const reply = this.reply;
    if (!reply) return;
    const { actions } = this;
    let transcript = '';
    try {
      transcript = await actions.transcribe(utterance.audio, reply.signal);
    } catch (error) {
      // Unheard is not spoken to: the reply goes on, as it would for a cough.
      if (!reply.signal.aborted) actions.logger.warn('quick transcript of a possible barge-in failed', { error: String(error) });
    }
    if (this.reply !== reply || reply.isOver) {
      // The reply was stopped meanwhile (a new message, End): the sound is not a turn of its own.
      if (this.reply === reply) this.reply = null;
      actions.emit({ type: 'listening.abandoned', at: eventTime(), turn: utterance.turn });
      return;
    }
    this.reply = null;
    if (decideBargeIn({ voicedMs: utterance.speechMs, transcript }) === 'interrupt') {
      this.tell('interruption.confirmed', reply, utterance.speechMs);
      actions.bargeIn(reply);
      actions.startTurn(utterance);
      return;
    }
    actions.emit({ type: 'listening.abandoned', at: eventTime(), turn: utterance.turn });
    this.tell('interruption.resumed', reply, utterance.speechMs);
    reply.resumePlayback();
    actions.logger.info('false interruption: the reply resumed', { turn: reply.number, speechMs: utterance.speechMs });
  }

  private tell(type: 'interruption.detected' | 'interruption.confirmed' | 'interruption.resumed', reply: Turn, overlapMs: number): void {
    this.actions.emit({ type, at: eventTime(), turn: reply.number, overlapMs: Math.round(overlapMs) });
  }
}
