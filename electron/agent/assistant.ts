/**
 * The assistant side of a session, as wiring: the `Listener` hears the user,
 * each reply is a `Turn` run through the pipeline, the conversation's context
 * keeps what was said and heard, and the `ConversationTrace` makes spans of
 * what happens. The session gives it frames, typed text and playback
 * reports; it answers through `AssistantOutput`.
 *
 * With preemptive replies on, a pause in speech starts a `PreemptiveReply`:
 * the turn's pipeline runs on the utterance so far, held, and becomes the
 * turn when the silence window confirms that utterance (or is cancelled when
 * the user goes on).
 *
 * Configuration is read twice: turn-taking when a conversation starts, the
 * system prompt and providers when a turn starts (or its reply is prepared);
 * never under a running turn.
 */
import { randomUUID } from 'node:crypto';
import { INPUT_SAMPLE_RATE } from '../../shared/audio-format';
import { trace, type Tracer } from '@opentelemetry/api';
import type { SessionState } from '../../shared/protocol';
import type { Logger } from './logger';
import { ConversationContext } from './pipeline/conversation-context';
import { HeldReply } from './pipeline/held-reply';
import { Listener, type Utterance } from './pipeline/listener';
import type { PipelineConfig } from './pipeline/pipeline-config';
import { ReplyPreparation, type PreparedReply } from './pipeline/reply-preparation';
import { StageError } from './pipeline/stage-error';
import type { VoiceActivity } from './pipeline/stages';
import { Turn, type PlaybackEvent, type TurnHooks, type TurnOutcome } from './pipeline/turn';
import { TurnTranscript, type TranscriptEntry } from './pipeline/turn-transcript';
import { eventTime, type ConversationEvent, type StageEvent, type StageScope } from './pipeline/turn-events';
import { runTurn, type PipelineStages, type TurnInput } from './pipeline/voice-pipeline';
import { ConversationTrace } from './telemetry/conversation-trace';
import type { TurnTools } from './pipeline/tool-calls';
import { BuiltinTools } from './tools/builtin/builtin-tools';
import { recentTurnsSource, type TracingView } from './tools/builtin/recent-turns';
import type { ToolProvider } from './tools/tool';
import { turnSink } from './turn-sink';

export interface AssistantDeps {
  config: PipelineConfig;
  /** The providers for the next turn, or why there are none. */
  stages(): PipelineStages | StageError;
  createVad(): Promise<VoiceActivity>;
  /** Loads the local models of the stages in force ahead of the first turn. */
  warmUp?(): void;
  /** Tracing; without it spans go to the global (by default no-op) provider. */
  telemetry?: AssistantTelemetry;
  /**
   * The tools the model may call, given this session's built-in ones (whose
   * timers speak in this session); without it, the built-in tools alone.
   */
  tools?(builtins: ToolProvider): ToolProvider;
}

/** With `tracingState` and `traceStore` (the app's Telemetry has them), the built-in describe_recent_turns is offered while tracing is on. */
export interface AssistantTelemetry extends Partial<Pick<TracingView, 'tracingState' | 'traceStore'>> {
  readonly tracer: Tracer;
  readonly captureContent: boolean;
  /** Each turn the root of its own trace, linked to the conversation's span (read when a turn starts). */
  readonly traceEachTurn?: boolean;
  /** An observer that records the conversation's metrics (unsampled); made once per assistant. */
  createConversationMetrics?(): (event: ConversationEvent) => void;
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
  private readonly listener: Listener;
  private readonly traceObserver: ConversationTrace;
  private readonly metricsObserver: ((event: ConversationEvent) => void) | undefined;
  private readonly builtins: BuiltinTools;
  private readonly toolProvider: ToolProvider;
  private readonly captureContent: () => boolean;
  /** Announcements (a timer that ended) waiting for the reply in progress to end. */
  private readonly announcements: string[] = [];
  private disposed = false;
  private readonly emit = (event: ConversationEvent): void => {
    this.traceObserver.observe(event);
    this.metricsObserver?.(event);
  };
  private turn: Turn | null = null;
  private conversationId: string | null = null;
  private turnCount = 0;
  private interruptions = 0;
  private conversationRunning = false;
  /** A playing reply held by a sound that may be the user barging in, until that is decided. */
  private readonly heldReply: HeldReply;
  /** The last interrupted reply, until the client reports how much of it played. */
  private lastInterrupted: { turn: Turn; transcript: TurnTranscript } | null = null;
  /** The reply prepared while the user pauses. */
  private readonly preparation: ReplyPreparation;

  constructor(
    private readonly deps: AssistantDeps,
    private readonly output: AssistantOutput,
    private readonly logger: Logger,
    /** Used when `deps` brings no telemetry of its own (deps may have getters: it is not copied). */
    fallbackTelemetry?: AssistantTelemetry,
  ) {
    const { config } = deps;
    this.context = new ConversationContext(config.systemPrompt, config.context);
    const telemetry = () => deps.telemetry ?? fallbackTelemetry;
    this.traceObserver = new ConversationTrace(telemetry()?.tracer ?? trace.getTracer('voice-agent-stack'), {
      captureContent: () => telemetry()?.captureContent ?? false,
      traceEachTurn: () => telemetry()?.traceEachTurn ?? false,
    });
    this.metricsObserver = telemetry()?.createConversationMetrics?.();
    this.captureContent = () => telemetry()?.captureContent ?? false;
    const recentTurns = recentTurnsSource(telemetry, { conversationId: () => this.conversationId, isOwnTrace: (traceId) => this.traceObserver.isKnownTrace(traceId) });
    this.builtins = new BuiltinTools({ announce: (text) => this.announce(text), recentTurns });
    this.toolProvider = deps.tools ? deps.tools(this.builtins) : this.builtins;
    this.heldReply = new HeldReply({
      transcribe: async (audio, signal) => {
        const stages = this.deps.stages();
        return stages instanceof StageError ? '' : (await stages.stt.transcribe(audio, INPUT_SAMPLE_RATE, signal)).text;
      },
      bargeIn: (reply) => {
        if (this.turn === reply) this.interrupt('barge-in');
      },
      startTurn: (utterance) => this.startVoiceTurn(utterance),
      emit: this.emit,
      logger,
    });
    this.preparation = new ReplyPreparation({
      config: () => this.deps.config,
      stages: () => this.deps.stages(),
      context: this.context,
      tools: (config, turn) => this.turnTools(config, turn),
      emit: this.emit,
      scope: (turn) => (stage, run) => this.traceObserver.within(turn, stage, run),
    });
    this.listener = new Listener({
      createVad: () => deps.createVad(),
      nextTurn: () => ++this.turnCount,
      emit: this.emit,
      logger,
      hooks: {
        speechStarted: (_, by) => {
          this.preparation.cancel('speech started');
          // Playing: only a real interruption stops the reply; until it is known, playback is held.
          if (by === 'voice' && this.heldReply.hold(this.turn)) return;
          this.interrupt(by === 'voice' ? 'barge-in' : 'push-to-talk');
          this.output.state('listening');
        },
        speechProgress: (voicedMs) => {
          if (this.heldReply.progress(voicedMs)) this.output.state('listening');
        },
        speechPaused: (utterance) => {
          if (!this.heldReply.active && this.turn === null) this.preparation.prepare(utterance);
        },
        speechResumed: () => this.preparation.cancel('the user went on speaking'),
        utterance: (utterance) => {
          // The prepared work stands only for exactly the audio it was prepared from.
          const prepared = this.preparation.take(utterance);
          if (this.heldReply.active) void this.heldReply.decide(utterance);
          else this.startTurn({ kind: 'voice', audio: utterance.audio }, utterance.turn, utterance.stoppedAt, prepared);
        },
        speechDiscarded: () => this.output.state('listening'),
        detectorFailed: (error) => {
          this.logger.error('voice activity detector failed to load', { error: String(error) });
          this.output.notice('error', `Voice detection could not start (${String(error)}); typed messages still work.`);
        },
      },
    });
  }

  /** The conversation span's context as a traceparent (when sampled). */
  get conversationTraceparent(): string | undefined {
    return this.traceObserver.conversationTraceparent;
  }

  /** Whether a trace was started here (the client may only add spans to those). */
  isKnownTrace(traceId: string): boolean {
    return this.traceObserver.isKnownTrace(traceId);
  }

  /** Frames dropped because the voice detector fell behind. */
  get droppedFrames(): number {
    return this.listener.droppedFrames;
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
    this.emit({ type: 'conversation.started', at: eventTime(), conversationId });
    // Turn-taking settings apply from the next conversation on.
    const { vad } = this.deps.config;
    this.listener.start({ pushToTalk: vad.pushToTalk ?? false, minSpeechMs: vad.minSpeechMs, silenceMs: vad.silenceMs, preemptiveReply: vad.preemptiveReply ?? false });
  }

  endConversation(): void {
    this.listener.stop();
    this.interrupt('conversation ended');
    this.endConversationTrace();
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
  sendText(text: string): void {
    this.interrupt('new message');
    this.startTurn({ kind: 'text', text }, null, null);
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
    if (this.disposed) return;
    if (this.turn) {
      this.announcements.push(text);
      return;
    }
    this.startTurn({ kind: 'announcement', text }, null, null);
  }

  /** Stops the reply in progress, keeping in context only what was heard. */
  interrupt(reason: string): void {
    this.preparation.cancel(reason);
    this.heldReply.release();
    this.turn?.interrupt(reason);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.builtins.dispose();
    this.announcements.length = 0;
    this.listener.stop();
    this.interrupt('session closed');
    this.endConversationTrace();
    await this.listener.dispose();
  }

  private endConversationTrace(): void {
    if (!this.conversationRunning) return;
    this.conversationRunning = false;
    this.conversationId = null;
    const { droppedFrames, maxPendingFrames } = this.listener;
    this.emit({
      type: 'conversation.ended',
      at: eventTime(),
      turns: this.turnCount,
      interruptions: this.interruptions,
      framesDropped: droppedFrames,
      vadQueueMax: maxPendingFrames,
    });
  }

  private startVoiceTurn(utterance: Utterance): void {
    this.startTurn({ kind: 'voice', audio: utterance.audio }, utterance.turn, utterance.stoppedAt);
  }

  /** The tools of turn `turn`, each call run in its execute_tool span's scope (so an MCP request is its child). */
  private turnTools(config: PipelineConfig, turn: number): TurnTools {
    return {
      tools: this.toolProvider.tools(),
      callTimeoutMs: config.timeouts.toolCallSeconds * 1000,
      scope: (callId, run) => this.traceObserver.withinTool(turn, callId, run),
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
      this.emit({ type: 'turn.unavailable', at: eventTime(), turn: number, input: input.kind, error: stages });
      this.fail(stages, number);
      return;
    }
    this.emit({ type: 'turn.started', at: eventTime(), turn: number, input: input.kind, ...(input.kind === 'voice' ? { preemptive: prepared !== null } : {}) });
    const turn = new Turn({
      number,
      stream: this.output.allocateStream(),
      sampleRate: stages.tts.sampleRate,
      userStoppedAt,
      output: this.output,
      emit: this.emit,
      hooks: this.turnHooks(input.kind, transcript),
      ...(prepared ? { segments: prepared.reply.segments } : {}),
    });
    this.turn = turn;
    this.output.turn('start', number, turn.stream, this.traceObserver.turnTraceparent(number));
    this.output.state('thinking');
    const sink = turnSink(turn, input.kind, transcript, this.output, this.captureContent());
    if (prepared) {
      // The prepared pipeline put the transcript in its own copy of the context; now it is the conversation's.
      prepared.reply.confirm({ ...sink, userText: (text) => (this.context.addUser(text), sink.userText(text)) }, turn.signal);
      void prepared.reply.result.then((result) => turn.pipelineFinished(result));
      return;
    }
    const withTools: PipelineStages = { ...stages, tools: this.turnTools(config, number) };
    const emitStage = (event: StageEvent) => this.emit({ ...event, turn: number });
    const scope: StageScope = (stage, run) => this.traceObserver.within(number, stage, run);
    const run = () => runTurn(input, withTools, this.context, sink, turn.signal, turn.segments, emitStage, scope);
    // After a thrown-away prepared reply has wound down, so that its stage requests end first.
    void this.preparation.afterSettled(run).then((result) => turn.pipelineFinished(result));
  }

  private turnHooks(input: TurnInput['kind'], transcript: TurnTranscript): TurnHooks {
    return {
      replied: (turn, result) => {
        transcript.replyCompleted(result.replyText);
        const ms = Math.round(eventTime() - turn.startedAt);
        this.traceObserver.inTurn(turn.number, () =>
          this.logger.info('turn completed', { turn: turn.number, input, ms, sentences: result.segments.length, ...(result.usage ?? {}) }),
        );
      },
      playing: (turn) => {
        this.output.state('speaking');
        const latencyMs = Math.round((turn.playbackStarted ?? turn.startedAt) - turn.startedAt);
        this.traceObserver.inTurn(turn.number, () => this.logger.info('assistant audio playing', { turn: turn.number, latencyMs, voiceToVoiceMs: turn.voiceToVoiceMs }));
      },
      ended: (turn, outcome) => this.turnEnded(turn, outcome, transcript),
    };
  }

  private turnEnded(turn: Turn, outcome: TurnOutcome, transcript: TurnTranscript): void {
    if (this.turn === turn) this.turn = null;
    if (outcome.status === 'interrupted') {
      if (transcript.replyInterrupted(outcome.heard)) this.lastInterrupted = { turn, transcript };
      this.traceObserver.inTurn(turn.number, () => this.logger.info('turn interrupted', { turn: turn.number, reason: outcome.reason, playedMs: Math.round(outcome.playedMs) }));
      this.interruptions++;
    } else if (outcome.status === 'failed') {
      transcript.replyFailed(outcome.heard, outcome.result.userText !== null);
    }
    this.output.turn('end', turn.number, turn.stream, undefined);
    if (outcome.status === 'completed') this.output.state(this.conversationRunning ? 'listening' : 'idle');
    if (outcome.status === 'failed') this.fail(outcome.error, turn.number);
    const next = this.announcements.shift();
    // After this turn's hooks have all run: a new turn must not start inside them.
    if (next !== undefined) queueMicrotask(() => this.announce(next));
  }

  private fail(error: StageError, turn: number): void {
    // In the turn's trace, on the stage that failed: a backend shows the line inside the failed turn.
    this.traceObserver.inTurn(turn, () => this.logger.warn('turn failed', { turn, stage: error.stage, kind: error.kind, message: error.message }));
    this.output.notice('error', error.message);
    this.output.state('error', error.message);
  }
}
