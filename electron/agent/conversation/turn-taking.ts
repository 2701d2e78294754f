/**
 * The turn-taking policy of a conversation: when a turn starts (an utterance
 * ends, a message is typed, an announcement is due), when its reply is
 * prepared ahead (a pause in speech), when it is interrupted (barge-in,
 * push-to-talk, a new message) and when a held reply resumes. It decides;
 * the conversation (`Assistant`) runs the turns it starts.
 *
 * With preemptive replies on, a pause in speech starts a `PreemptiveReply`:
 * the turn's pipeline runs on the utterance so far, held, and becomes the
 * turn when the silence window confirms that utterance (or is cancelled when
 * the user goes on).
 *
 * It tells the observer what it decided: when a user's turn was taken as
 * finished and why (`turn.confirmed`), and whether a prepared reply became
 * the turn (`preemption.used`).
 */
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import type { SessionState } from '../../../shared/protocol';
import { INTERRUPTED_BY, type InterruptedBy } from '../../../shared/telemetry';
import type { PipelineConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import type { VoiceActivity } from '../pipeline/stages';
import type { TurnTools } from '../pipeline/tool-calls';
import { eventTime } from '../pipeline/turn-events';
import type { PipelineStages, TurnInput } from '../pipeline/turn-run';
import type { Logger } from '../util/logger';
import type { ConversationContext } from './conversation-context';
import type { ConversationObserver } from './conversation-observer';
import { HeldReply } from './held-reply';
import { Listener, type Utterance } from './listener';
import { ReplyPreparation, type PreparedReply } from './reply-preparation';
import type { Turn } from './turn';

/** The causes of an interruption, by the reasons this conversation gives; other reasons (a test sound) name none. */
const CAUSES: Readonly<Record<string, InterruptedBy>> = {
  'barge-in': INTERRUPTED_BY.userSpeech,
  'push-to-talk': INTERRUPTED_BY.userSpeech,
  'new message': INTERRUPTED_BY.newMessage,
  'conversation ended': INTERRUPTED_BY.end,
  'session closed': INTERRUPTED_BY.end,
};

/** What `turn.interrupted_by` says of an interruption for `reason`, if anything. */
export function interruptedBy(reason: string): InterruptedBy | undefined {
  return Object.hasOwn(CAUSES, reason) ? CAUSES[reason] : undefined;
}

/** The conversation whose turns the policy starts and stops. */
export interface TurnHost {
  activeTurn(): Turn | null;
  nextTurnNumber(): number;
  /** Starts a turn: its pipeline now, or the reply prepared for it goes on (`prepared`, a voice turn). */
  startTurn(input: TurnInput, listened: number | null, userStoppedAt: number | null, prepared?: PreparedReply | null): void;
  state(state: SessionState): void;
  notice(level: 'error' | 'info', text: string): void;
}

export interface TurnTakingDeps {
  createVad(): Promise<VoiceActivity>;
  config(): PipelineConfig;
  stages(): PipelineStages | StageError;
  context: ConversationContext;
  /** Turn `turn`'s tools. */
  tools(config: PipelineConfig, turn: number): TurnTools;
  observer: ConversationObserver;
  logger: Logger;
  host: TurnHost;
}

export class TurnTaking {
  private readonly listener: Listener;
  /** A playing reply held by a sound that may be the user barging in, until that is decided. */
  private readonly heldReply: HeldReply;
  /** The reply prepared while the user pauses. */
  private readonly preparation: ReplyPreparation;
  /** Announcements (a timer that ended) waiting for the reply in progress to end. */
  private readonly announcements: string[] = [];
  private closed = false;

  constructor(private readonly deps: TurnTakingDeps) {
    const { host, observer, logger } = deps;
    const emit = (event: Parameters<ConversationObserver['observe']>[0]) => observer.observe(event);
    this.heldReply = new HeldReply({
      transcribe: async (audio, signal) => {
        const stages = deps.stages();
        return stages instanceof StageError ? '' : (await stages.stt.transcribe(audio, INPUT_SAMPLE_RATE, signal)).text;
      },
      bargeIn: (reply) => {
        if (host.activeTurn() === reply) this.interrupt('barge-in');
      },
      startTurn: (utterance) => this.startVoiceTurn(utterance),
      emit,
      logger,
    });
    this.preparation = new ReplyPreparation({
      config: () => deps.config(),
      stages: () => deps.stages(),
      context: deps.context,
      tools: (config, turn) => deps.tools(config, turn),
      emit,
      scope: (turn) => (stage, run) => observer.within(turn, stage, run),
    });
    this.listener = new Listener({
      createVad: () => deps.createVad(),
      nextTurn: () => host.nextTurnNumber(),
      emit,
      logger,
      hooks: {
        speechStarted: (at, by) => {
          this.preparation.cancel('speech started');
          // Playing: only a real interruption stops the reply; until it is known, playback is held.
          if (by === 'voice' && this.heldReply.hold(host.activeTurn(), at)) return;
          this.interrupt(by === 'voice' ? 'barge-in' : 'push-to-talk');
          host.state('listening');
        },
        speechProgress: (voicedMs) => {
          if (this.heldReply.progress(voicedMs)) host.state('listening');
        },
        speechPaused: (utterance) => {
          if (!this.heldReply.active && host.activeTurn() === null) this.preparation.prepare(utterance);
        },
        speechResumed: () => this.preparation.cancel('the user went on speaking'),
        utterance: (utterance) => {
          // The prepared work stands only for exactly the audio it was prepared from.
          const prepared = this.preparation.take(utterance);
          if (this.heldReply.active) void this.heldReply.decide(utterance);
          else this.startVoiceTurn(utterance, prepared);
        },
        speechDiscarded: () => host.state('listening'),
        detectorFailed: (error) => {
          logger.error('voice activity detector failed to load', { error: String(error) });
          host.notice('error', `Voice detection could not start (${String(error)}); typed messages still work.`);
        },
      },
    });
  }

  /** Frames dropped because the voice detector fell behind. */
  get droppedFrames(): number {
    return this.listener.droppedFrames;
  }

  get maxPendingFrames(): number {
    return this.listener.maxPendingFrames;
  }

  /** Listens with the turn-taking settings of `vad` (a conversation's, fixed when it starts). */
  listen(vad: PipelineConfig['vad']): void {
    this.listener.start({ pushToTalk: vad.pushToTalk ?? false, minSpeechMs: vad.minSpeechMs, silenceMs: vad.silenceMs, preemptiveReply: vad.preemptiveReply ?? false });
  }

  stopListening(): void {
    this.listener.stop();
  }

  /** Push-to-talk: pressing starts the user's turn (interrupting any reply), releasing ends it. */
  pushToTalk(pressed: boolean): void {
    this.listener.pushToTalk(pressed);
  }

  /** A microphone frame (20 ms, 16 kHz) while the conversation runs. */
  pushFrame(frame: Int16Array): void {
    this.listener.pushFrame(frame);
  }

  /** A typed message: interrupts any reply and starts a text turn. */
  typed(text: string): void {
    this.interrupt('new message');
    const turn = this.deps.host.nextTurnNumber();
    this.deps.observer.observe({ type: 'turn.confirmed', at: eventTime(), turn, reason: 'text' });
    this.deps.host.startTurn({ kind: 'text', text }, turn, null);
  }

  /** The assistant's own words: a turn as soon as no reply is in progress. */
  announce(text: string): void {
    if (this.closed) return;
    if (this.deps.host.activeTurn()) {
      this.announcements.push(text);
      return;
    }
    this.deps.host.startTurn({ kind: 'announcement', text }, null, null);
  }

  /** Stops the reply in progress (and any prepared or held one). */
  interrupt(reason: string): void {
    this.preparation.cancel(reason);
    this.heldReply.release();
    this.deps.host.activeTurn()?.interrupt(reason, interruptedBy(reason));
  }

  /** A turn ended: the next announcement waiting for it, if any, is due. */
  turnEnded(): void {
    const next = this.announcements.shift();
    // After this turn's hooks have all run: a new turn must not start inside them.
    if (next !== undefined) queueMicrotask(() => this.announce(next));
  }

  /** Runs a turn's pipeline once any thrown-away prepared reply has wound down, so that its stage requests end first. */
  afterSettled<T>(run: () => Promise<T>): Promise<T> {
    return this.preparation.afterSettled(run);
  }

  /** No more turns: nothing waits, nothing is heard, the reply in progress stops. */
  close(): void {
    this.closed = true;
    this.announcements.length = 0;
    this.listener.stop();
    this.interrupt('session closed');
  }

  async dispose(): Promise<void> {
    await this.listener.dispose();
  }

  /** The utterance is the user's turn, taken as finished now; `prepared`, the reply prepared for exactly it. */
  private startVoiceTurn(utterance: Utterance, prepared: PreparedReply | null = null): void {
    const { observer, host } = this.deps;
    const at = eventTime();
    observer.observe({ type: 'turn.confirmed', at, turn: utterance.turn, reason: utterance.endedBy, endOfSpeechAt: utterance.stoppedAt });
    if (prepared) observer.observe({ type: 'preemption.used', at, turn: utterance.turn, savedMs: prepared.reply.savedMsAt(at) });
    host.startTurn({ kind: 'voice', audio: utterance.audio }, utterance.turn, utterance.stoppedAt, prepared);
  }
}
