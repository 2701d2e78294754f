/**
 * The conversation: its turns, its context and what was heard of each reply
 * (handed to the view and the history through `AssistantOutput`). Each reply
 * is a `Turn` run through the pipeline (`runTurn`); when turns start, are
 * prepared ahead or are interrupted is the `TurnTaking` policy's decision.
 * What happens is reported to a `ConversationObserver` (the app's tracing
 * and metrics), which the conversation gets from outside.
 *
 * Configuration is read twice: turn-taking when a conversation starts, the
 * system prompt and providers when a turn starts (or its reply is prepared);
 * never under a running turn.
 */
import { randomUUID } from 'node:crypto';
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import type { SessionState } from '../../../shared/protocol';
import type { Logger } from '../util/logger';
import { ConversationContext } from './conversation-context';
import { unobserved, type ConversationObserver } from './conversation-observer';
import type { PipelineConfig } from '../pipeline/pipeline-config';
import type { PreparedReply } from './reply-preparation';
import { StageError } from '../pipeline/stage-error';
import type { VoiceActivity } from '../pipeline/stages';
import { Turn, type PlaybackEvent, type TurnHooks, type TurnOutcome } from './turn';
import { TurnTaking } from './turn-taking';
import { TurnTranscript, type TranscriptEntry } from './turn-transcript';
import { eventTime, type StageEvent, type StageScope } from '../pipeline/turn-events';
import { runTurn, type PipelineStages, type TurnInput } from '../pipeline/turn-run';
import type { TurnTools } from '../pipeline/tool-calls';
import { BuiltinTools } from '../tools/builtin/builtin-tools';
import { recentTurnsSource } from '../tools/builtin/recent-turns';
import type { ToolProvider } from '../tools/tool';
import { turnSink } from './turn-sink';

export interface AssistantDeps {
  config: PipelineConfig;
  /** The providers for the next turn, or why there are none. */
  stages(): PipelineStages | StageError;
  createVad(): Promise<VoiceActivity>;
  /** Loads the local models of the stages in force ahead of the first turn. */
  warmUp?(): void;
  /**
   * The tools the model may call, given this session's built-in ones (whose
   * timers speak in this session); without it, the built-in tools alone.
   */
  tools?(builtins: ToolProvider): ToolProvider;
}

export interface AssistantOutput {
  state(state: SessionState, detail?: string): void;
  transcript(entry: TranscriptEntry): void;
  notice(level: 'error' | 'info', text: string): void;
  audio(stream: number, seq: number, samples: Int16Array, sampleRate: number): void;
  /** Stop playback in the client now. */
  flush(): void;
  /** Hold playback in the client, keeping what is queued, or go on with it. */
  pause(paused: boolean): void;
  allocateStream(): number;
  /** A turn began or ended; `traceparent` is its span's context, for the client's playback span. */
  turn(phase: 'start' | 'end', number: number, stream: number, traceparent: string | undefined): void;
}

export class Assistant {
  private readonly context: ConversationContext;
  private readonly turnTaking: TurnTaking;
  private readonly builtins: BuiltinTools;
  private readonly toolProvider: ToolProvider;
  private turn: Turn | null = null;
  private conversationId: string | null = null;
  private turnCount = 0;
  private interruptions = 0;
  private conversationRunning = false;
  /** The last interrupted reply, until the client reports how much of it played. */
  private lastInterrupted: { turn: Turn; transcript: TurnTranscript } | null = null;

  constructor(
    private readonly deps: AssistantDeps,
    private readonly output: AssistantOutput,
    private readonly logger: Logger,
    /** Watches the conversation (the app's tracing and metrics); one per assistant. */
    private readonly observer: ConversationObserver = unobserved,
  ) {
    const { config } = deps;
    this.context = new ConversationContext(config.systemPrompt, config.context);
    const recentTurns = recentTurnsSource(() => observer.tracing, { conversationId: () => this.conversationId, isOwnTrace: (traceId) => observer.isKnownTrace(traceId) });
    this.builtins = new BuiltinTools({ announce: (text) => this.announce(text), recentTurns });
    this.toolProvider = deps.tools ? deps.tools(this.builtins) : this.builtins;
    this.turnTaking = new TurnTaking({
      createVad: () => deps.createVad(),
      config: () => this.deps.config,
      stages: () => this.deps.stages(),
      context: this.context,
      tools: (config, turn) => this.turnTools(config, turn),
      observer,
      logger,
      host: {
        activeTurn: () => this.turn,
        nextTurnNumber: () => ++this.turnCount,
        startTurn: (input, listened, userStoppedAt, prepared) => this.startTurn(input, listened, userStoppedAt, prepared ?? null),
        state: (state) => this.output.state(state),
        notice: (level, text) => this.output.notice(level, text),
      },
    });
  }

  /** The conversation span's context as a traceparent (when sampled). */
  get conversationTraceparent(): string | undefined {
    return this.observer.conversationTraceparent;
  }

  /** Whether a trace was started here (the client may only add spans to those). */
  isKnownTrace(traceId: string): boolean {
    return this.observer.isKnownTrace(traceId);
  }

  /** Frames dropped because the voice detector fell behind. */
  get droppedFrames(): number {
    return this.turnTaking.droppedFrames;
  }

  get activeTurn(): Turn | null {
    return this.turn;
  }

  startConversation(conversationId: string = randomUUID()): void {
    this.endConversationTrace();
    this.conversationRunning = true;
    this.conversationId = conversationId;
    this.interruptions = 0;
    this.context.clear();
    this.observer.observe({ type: 'conversation.started', at: eventTime(), conversationId });
    // Turn-taking settings apply from the next conversation on.
    this.turnTaking.listen(this.deps.config.vad);
  }

  endConversation(): void {
    this.turnTaking.stopListening();
    this.interrupt('conversation ended');
    this.endConversationTrace();
  }

  /** Push-to-talk: pressing starts the user's turn (interrupting any reply), releasing ends it. */
  pushToTalk(pressed: boolean): void {
    this.turnTaking.pushToTalk(pressed);
  }

  /** A microphone frame (20 ms, 16 kHz) while the conversation runs. */
  pushFrame(frame: Int16Array): void {
    this.turnTaking.pushFrame(frame);
  }

  /** A typed message: interrupts any reply and starts a text turn. */
  sendText(text: string): void {
    this.turnTaking.typed(text);
  }

  /** Playback progress reported by the client. */
  onPlayback(event: PlaybackEvent, stream: number, playedMs: number): void {
    if (this.turn?.stream === stream) {
      this.turn.onPlayback(event, playedMs);
      return;
    }
    const interrupted = this.lastInterrupted;
    if (interrupted && stream === interrupted.turn.stream && event === 'flushed') {
      // Now the exact played length of the interrupted reply is known.
      this.lastInterrupted = null;
      interrupted.transcript.reviseHeard(interrupted.turn.heardAfter(playedMs));
    }
  }

  /**
   * Says something of the assistant's own accord (a timer ended): spoken
   * through the text-to-speech stage and shown in the conversation, as soon
   * as no reply is in progress.
   */
  announce(text: string): void {
    this.turnTaking.announce(text);
  }

  /** Stops the reply in progress, keeping in context only what was heard. */
  interrupt(reason: string): void {
    this.turnTaking.interrupt(reason);
  }

  async dispose(): Promise<void> {
    this.builtins.dispose();
    this.turnTaking.close();
    this.endConversationTrace();
    await this.turnTaking.dispose();
  }

  private endConversationTrace(): void {
    if (!this.conversationRunning) return;
    this.conversationRunning = false;
    this.conversationId = null;
    const { droppedFrames, maxPendingFrames } = this.turnTaking;
    this.observer.observe({
      type: 'conversation.ended',
      at: eventTime(),
      turns: this.turnCount,
      interruptions: this.interruptions,
      framesDropped: droppedFrames,
      vadQueueMax: maxPendingFrames,
    });
  }

  /** The tools of turn `turn`, each call run in its execute_tool span's scope (so an MCP request is its child). */
  private turnTools(config: PipelineConfig, turn: number): TurnTools {
    return {
      tools: this.toolProvider.tools(),
      callTimeoutMs: config.timeouts.toolCallSeconds * 1000,
      scope: (callId, run) => this.observer.withinTool(turn, callId, run),
    };
  }

  /** Starts a turn: its pipeline now, or the reply prepared for it goes on (`prepared`, a voice turn). */
  private startTurn(input: TurnInput, listened: number | null, userStoppedAt: number | null, prepared: PreparedReply | null = null): void {
    const config = prepared?.config ?? this.deps.config; // this turn's settings
    const stages = prepared?.stages ?? this.deps.stages();
    this.context.setSystemPrompt(config.systemPrompt);
    const transcript = new TurnTranscript(this.context, (entry) => this.output.transcript(entry));
    if (input.kind === 'text') transcript.user(input.text);
    const number = listened ?? ++this.turnCount;
    if (stages instanceof StageError) {
      this.observer.observe({ type: 'turn.unavailable', at: eventTime(), turn: number, input: input.kind, error: stages });
      this.fail(stages, number);
      return;
    }
    this.observer.observe({ type: 'turn.started', at: eventTime(), turn: number, input: input.kind, ...(input.kind === 'voice' ? { preemptive: prepared !== null } : {}) });
    const audio = this.observer.turnAudio;
    // What speech-to-text receives: this utterance, whether its reply was prepared ahead or starts now.
    if (input.kind === 'voice') audio?.heard(number, input.audio, INPUT_SAMPLE_RATE);
    const turn = new Turn({
      number,
      stream: this.output.allocateStream(),
      sampleRate: stages.tts.sampleRate,
      userStoppedAt,
      output: this.output,
      emit: (event) => this.observer.observe(event),
      hooks: this.turnHooks(input.kind, transcript),
      ...(prepared ? { segments: prepared.reply.segments } : {}),
      ...(audio ? { audioSent: (samples: Int16Array, sampleRate: number) => audio.replyAudio(number, samples, sampleRate) } : {}),
    });
    this.turn = turn;
    this.output.turn('start', number, turn.stream, this.observer.turnTraceparent(number));
    this.output.state('thinking');
    const sink = turnSink(turn, input.kind, transcript, this.output, this.observer.captureContent);
    if (prepared) {
      // The prepared pipeline put the transcript in its own copy of the context; now it is the conversation's.
      prepared.reply.confirm({ ...sink, userText: (text) => (this.context.addUser(text), sink.userText(text)) }, turn.signal);
      void prepared.reply.result.then((result) => turn.pipelineFinished(result));
      return;
    }
    const withTools: PipelineStages = { ...stages, tools: this.turnTools(config, number) };
    const emitStage = (event: StageEvent) => this.observer.observe({ ...event, turn: number });
    const scope: StageScope = (stage, run) => this.observer.within(number, stage, run);
    const run = () => runTurn({ input, stages: withTools, context: this.context, sink, signal: turn.signal, segments: turn.segments, observer: { emit: emitStage, scope } });
    // After a thrown-away prepared reply has wound down, so that its stage requests end first.
    void this.turnTaking.afterSettled(run).then((result) => turn.pipelineFinished(result));
  }

  private turnHooks(input: TurnInput['kind'], transcript: TurnTranscript): TurnHooks {
    return {
      replied: (turn, result) => {
        transcript.replyCompleted(result.replyText);
        const ms = Math.round(eventTime() - turn.startedAt);
        this.observer.inTurn(turn.number, () =>
          this.logger.info('turn completed', { turn: turn.number, input, ms, sentences: result.segments.length, ...(result.usage ?? {}) }),
        );
      },
      playing: (turn) => {
        this.output.state('speaking');
        const latencyMs = Math.round((turn.playbackStarted ?? turn.startedAt) - turn.startedAt);
        this.observer.inTurn(turn.number, () => this.logger.info('assistant audio playing', { turn: turn.number, latencyMs, voiceToVoiceMs: turn.voiceToVoiceMs }));
      },
      ended: (turn, outcome) => this.turnEnded(turn, outcome, transcript),
    };
  }

  private turnEnded(turn: Turn, outcome: TurnOutcome, transcript: TurnTranscript): void {
    if (this.turn === turn) this.turn = null;
    if (outcome.status === 'interrupted') {
      if (transcript.replyInterrupted(outcome.heard)) this.lastInterrupted = { turn, transcript };
      this.observer.inTurn(turn.number, () => this.logger.info('turn interrupted', { turn: turn.number, reason: outcome.reason, playedMs: Math.round(outcome.playedMs) }));
      this.interruptions++;
    } else if (outcome.status === 'failed') {
      transcript.replyFailed(outcome.heard, outcome.result.userText !== null);
    }
    this.output.turn('end', turn.number, turn.stream, undefined);
    if (outcome.status === 'completed') this.output.state(this.conversationRunning ? 'listening' : 'idle');
    if (outcome.status === 'failed') this.fail(outcome.error, turn.number);
    this.turnTaking.turnEnded();
  }

  private fail(error: StageError, turn: number): void {
    // In the turn's trace, on the stage that failed: a backend shows the line inside the failed turn.
    this.observer.inTurn(turn, () => this.logger.warn('turn failed', { turn, stage: error.stage, kind: error.kind, message: error.message }));
    this.output.notice('error', error.message);
    this.output.state('error', error.message);
  }
}
