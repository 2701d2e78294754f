/**
 * The conversation's side of preemptive replies: at most one reply prepared
 * at a time (a new pause replaces it), the one the ending utterance may take
 * over, and the ordering rule that a thrown-away reply winds down before the
 * next pipeline starts (so that a turn has one stage request of a kind at a
 * time, and its spans end in order).
 */
import type { ConversationContext } from './conversation-context';
import type { Utterance } from './listener';
import type { PipelineConfig } from '../pipeline/pipeline-config';
import { PreemptiveReply } from './preemptive-reply';
import { StageError } from '../pipeline/stage-error';
import type { TurnTools } from '../pipeline/tool-calls';
import { eventTime, type ConversationEvent, type StageEvent, type StageScope } from '../pipeline/turn-events';
import { runTurn, type PipelineStages } from '../pipeline/turn-run';

/** A reply prepared for an utterance, with the settings and providers it runs on (the turn's). */
export interface PreparedReply {
  reply: PreemptiveReply;
  stages: PipelineStages;
  config: PipelineConfig;
}

export interface ReplyPreparationDeps {
  config(): PipelineConfig;
  stages(): PipelineStages | StageError;
  /** The conversation's context; the preparation works on a copy. */
  context: ConversationContext;
  /** Turn `turn`'s tools. */
  tools(config: PipelineConfig, turn: number): TurnTools;
  emit(event: ConversationEvent): void;
  /** Where turn `turn`'s stage calls run (the trace's scope). */
  scope(turn: number): StageScope;
}

export class ReplyPreparation {
  private prepared: PreparedReply | null = null;
  /** A thrown-away reply still winding down. */
  private settling: Promise<void> | null = null;

  constructor(private readonly deps: ReplyPreparationDeps) {}

  /** Prepares the reply to the utterance so far, held until the utterance is confirmed. */
  prepare(utterance: Utterance): void {
    this.cancel('paused again');
    const config = this.deps.config(); // this turn's settings
    const stages = this.deps.stages();
    if (stages instanceof StageError) return; // the turn says so when it starts
    const { context: conversation, emit } = this.deps;
    conversation.setSystemPrompt(config.systemPrompt);
    const context = conversation.fork(); // nothing reaches the conversation's context before confirmation
    const number = utterance.turn;
    const settling = this.settling;
    emit({ type: 'preemption.started', at: eventTime(), turn: number, stoppedAt: utterance.stoppedAt });
    const reply = new PreemptiveReply(utterance, async (reply) => {
      if (settling) await settling;
      if (reply.signal.aborted) return { status: 'cancelled', userText: null, replyText: '', segments: reply.segments, usage: null, toolCalls: [] };
      const withTools: PipelineStages = { ...stages, tools: reply.holdTools(this.deps.tools(config, number)) };
      const emitStage = (event: StageEvent) => {
        const ahead = event.type === 'stage.started' && !reply.isConfirmed;
        if (ahead) reply.requests++;
        emit({ ...event, turn: number, ...(ahead ? { preemptive: true } : {}) });
      };
      return runTurn({ input: { kind: 'voice', audio: utterance.audio }, stages: withTools, context, sink: reply.sink, signal: reply.signal, segments: reply.segments, observer: { emit: emitStage, scope: this.deps.scope(number) } });
    });
    this.prepared = { reply, stages, config };
  }

  /** The reply being prepared is not wanted: everything it started stops. */
  cancel(reason: string): void {
    const prepared = this.prepared;
    this.prepared = null;
    if (prepared) this.discard(prepared, reason);
  }

  /**
   * The utterance is over: the reply prepared for exactly its audio, if
   * there is one (to confirm now); one prepared for other audio is thrown away.
   */
  take(utterance: Utterance): PreparedReply | null {
    const prepared = this.prepared;
    this.prepared = null;
    if (!prepared) return null;
    const { reply } = prepared;
    if (reply.utterance.turn === utterance.turn && reply.matches(utterance.audio) && !reply.signal.aborted) return prepared;
    this.discard(prepared, 'the utterance differs from the one prepared');
    return null;
  }

  /** Runs a turn's pipeline once any thrown-away reply has wound down (at once when none is). */
  afterSettled<T>(run: () => Promise<T>): Promise<T> {
    return this.settling ? this.settling.then(run) : run();
  }

  private discard({ reply }: PreparedReply, reason: string): void {
    // The requests it started by now: once cancelled, it starts no more.
    this.deps.emit({ type: 'preemption.cancelled', at: eventTime(), turn: reply.utterance.turn, reason, requests: reply.requests });
    reply.cancel(reason);
    const settled = reply.result.then(() => undefined);
    this.settling = settled;
    void settled.then(() => {
      if (this.settling === settled) this.settling = null;
    });
  }
}
