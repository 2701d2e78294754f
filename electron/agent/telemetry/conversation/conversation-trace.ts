/**
 * Turns a conversation's events into its spans: the one place that opens
 * them. The tree is
 *
 *   conversation
 *   └─ turn (one per turn; a root of its own when no conversation runs)
 *      ├─ vad                      voice turns: speech.start .. speech.stop
 *      ├─ speech_to_text {model}   (voice agents PROPOSAL)
 *      ├─ context.aggregate
 *      ├─ chat {model}             one per model request (several when tools are called)
 *      ├─ execute_tool {tool}      one per tool call, concurrent ones side by side
 *      └─ text_to_speech {model}   one per sentence (voice agents PROPOSAL)
 *
 * With a trace per turn, each turn is instead the root of its own trace,
 * linked to the conversation's span and carrying the conversation's id.
 * Stage spans follow the GenAI conventions (see stage-attributes.ts), and
 * each is the active context while its provider call runs (`within`), so
 * spans that libraries start there are its children.
 *
 * It also remembers the trace ids it started, so that the client may add its
 * spans (capture, playback) only to those.
 *
 * The parts with a state of their own are apart: each turn's stage spans
 * (TurnStageSpans), tool call spans (TurnToolSpans) and phases (TurnPhases).
 */
import { context as otelContext, ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR, EVENT, SPAN } from '../../../../shared/telemetry';
import { sampledTraceparent } from '../../../../shared/trace-context';
import { type TurnInputKind, type ConversationEvent, type StageKind, type TurnLifecycleEvent, type TurnStageEvent } from '../../pipeline/turn-events';
import { voiceToVoiceAtSpeakerMs, type DeviceLatency } from './speaker-latency';
import { TurnDecisions } from './turn-decisions';
import { TurnPhases } from './turn-phases';
import { markFailed, TurnStageSpans, type StageSpanEvent } from './turn-stage-spans';
import { TurnToolSpans } from './turn-tool-spans';

/** How many trace ids are remembered for accepting the client's spans. */
const KNOWN_TRACES = 64;
/** How many recent turns' contexts are kept for the log lines said about them once they ended. */
const RECENT_TURNS = 8;

interface TracedTurn {
  span: Span;
  context: Context;
  /** Record transcripts, prompts and replies: decided when the turn starts. */
  captureContent: boolean;
  vad: Span | null;
  /** Its stage spans; they may end after the turn (an interrupted turn's stages end cancelled). */
  stages: TurnStageSpans;
  /** Time from the end of speech (or the message sent) to each phase. */
  phases: TurnPhases;
  /** Its tool call spans and tool time. */
  tools: TurnToolSpans;
  /** What the conversation decided about it: preparation, confirmation, interruptions. */
  decisions: TurnDecisions;
  ended: boolean;
}

export interface ConversationTraceOptions {
  /** Record transcripts, prompts and replies; read at the start of each turn. */
  captureContent: () => boolean;
  /** Each turn the root of its own trace; read when a turn's span opens. */
  traceEachTurn?: () => boolean;
}

export class ConversationTrace {
  private conversation: Span | null = null;
  private conversationContext: Context = ROOT_CONTEXT;
  private conversationId: string | undefined;
  private readonly turns = new Map<number, TracedTurn>();
  private readonly traceIds = new Set<string>();
  /** Each recent turn's context for its log records: its failed stage's, else the turn's own. */
  private readonly logContexts = new Map<number, Context>();
  /** What the client's devices add, from its report that playback started; used by the turn that report starts. */
  private latency: DeviceLatency = {};

  private readonly captureContent: () => boolean;
  private readonly traceEachTurn: () => boolean;

  constructor(
    private readonly tracer: Tracer,
    options: ConversationTraceOptions,
  ) {
    this.captureContent = options.captureContent;
    this.traceEachTurn = options.traceEachTurn ?? (() => false);
  }

  /** The conversation span's context as a traceparent (when sampled). */
  get conversationTraceparent(): string | undefined {
    return this.conversation ? sampledTraceparent(this.conversation.spanContext()) : undefined;
  }

  /** A running turn's span context as a traceparent (when sampled), for the client's playback span. */
  turnTraceparent(turn: number): string | undefined {
    const traced = this.running(turn);
    return traced ? sampledTraceparent(traced.span.spanContext()) : undefined;
  }

  /** Whether a trace was started here (the client may only add spans to those). */
  isKnownTrace(traceId: string): boolean {
    return this.traceIds.has(traceId);
  }

  /**
   * Runs a stage's provider call with the stage's span as the active
   * context (when the stage is traced), so that spans started inside it
   * (HTTP client instrumentation) are its children.
   */
  within<T>(turn: number, stage: StageKind, run: () => Promise<T>): Promise<T> {
    const context = this.turns.get(turn)?.stages.contextOf(stage);
    return context ? otelContext.with(context, run) : run();
  }

  /** Runs a tool call's work with its `execute_tool` span as the active context (MCP requests become its children). */
  withinTool<T>(turn: number, callId: string, run: () => Promise<T>): Promise<T> {
    const context = this.turns.get(turn)?.tools.contextOf(callId);
    return context ? otelContext.with(context, run) : run();
  }

  /**
   * Runs `run` (a log line about a turn: completed, interrupted, failed) in
   * that turn's context, even once its spans ended, so that the record is in
   * the turn's trace: on the stage span that failed, else on the turn's span.
   */
  inTurn<T>(turn: number, run: () => T): T {
    const context = this.logContexts.get(turn);
    return context ? otelContext.with(context, run) : run();
  }

  /**
   * The devices' latencies the client's report that playback started carried:
   * call before that report reaches the conversation, whose turn then records
   * its voice-to-voice at the speaker with them.
   */
  deviceLatency(latency: DeviceLatency): void {
    this.latency = latency;
  }

  observe = (event: ConversationEvent): void => {
    this.handle(event);
    if ('turn' in event) this.notePhase(event);
  };

  private handle(event: ConversationEvent): void {
    switch (event.type) {
      case 'conversation.started':
        this.endConversation(undefined);
        this.conversation = this.remember(
          this.tracer.startSpan(SPAN.conversation, { root: true, startTime: event.at, attributes: { [ATTR.conversationId]: event.conversationId } }),
        );
        this.conversationContext = trace.setSpan(ROOT_CONTEXT, this.conversation);
        this.conversationId = event.conversationId;
        return;
      case 'conversation.ended':
        this.endConversation(event);
        return;
      case 'stage.started':
      case 'stage.first_output':
      case 'stage.usage':
      case 'stage.response':
      case 'stage.engine':
      case 'stage.cancelled':
      case 'stage.failed':
      case 'stage.ended':
      case 'context.aggregated':
        this.onStage(event);
        return;
      case 'tool.started':
      case 'tool.ended':
        this.onTool(event);
        return;
      default:
        this.onTurn(event);
    }
  }

  /** Puts a phase the event marks on its turn's span. */
  private notePhase(event: TurnLifecycleEvent | TurnStageEvent): void {
    const turn = this.running(event.turn);
    if (!turn) return;
    // A prepared reply times its phases from the pause it was prepared at; thrown away, they start again.
    if (event.type === 'preemption.started') (turn.phases = new TurnPhases()).setOrigin(event.stoppedAt);
    if (event.type === 'preemption.cancelled') turn.phases = new TurnPhases();
    if (event.type === 'listening.stopped' || event.type === 'turn.started') turn.phases.setOrigin(event.at);
    const phase = turn.phases.record(event);
    if (phase) turn.span.setAttribute(phase.attribute, phase.ms);
  }

  private onTurn(event: TurnLifecycleEvent): void {
    switch (event.type) {
      case 'listening.started': {
        const turn = this.openTurn(event.turn, 'voice', event.at);
        turn.vad = this.tracer.startSpan(SPAN.vad, { startTime: event.at, attributes: { [ATTR.vadModel]: event.detector } }, turn.context);
        turn.vad.addEvent(EVENT.speechStart, undefined, event.at);
        return;
      }
      case 'listening.stopped': {
        const turn = this.running(event.turn);
        if (!turn?.vad) return;
        turn.vad.addEvent(EVENT.speechStop, undefined, event.at);
        turn.vad.setAttribute(ATTR.vadSpeechMs, event.speechMs);
        turn.vad.end(event.at);
        turn.vad = null;
        return;
      }
      case 'listening.abandoned':
        this.abandon(event.turn, event.at);
        return;
      case 'turn.started': {
        const turn = this.startTurn(event.turn, event.input, event.at);
        if (event.preemptive !== undefined) turn.span.setAttribute(ATTR.turnPreemptive, event.preemptive);
        if (event.input === 'voice') turn.decisions.started(event.preemptive === true);
        return;
      }
      case 'preemption.started':
      case 'preemption.cancelled':
      case 'preemption.used':
      case 'turn.end_of_speech':
      case 'interruption.detected':
      case 'interruption.confirmed':
      case 'interruption.resumed':
      case 'turn.interrupted':
      case 'turn.false_interruption':
        this.running(event.turn)?.decisions.record(event);
        return;
      case 'turn.confirmed': {
        // A typed message's turn opens here: it is taken as finished as it is sent.
        const turn = this.running(event.turn) ?? (event.reason === 'text' ? this.startTurn(event.turn, 'text', event.at) : undefined);
        turn?.span.addEvent(EVENT.turnConfirmed, undefined, event.at);
        turn?.span.setAttribute(ATTR.turnEndReason, event.reason);
        return;
      }
      case 'turn.unavailable': {
        markFailed(this.startTurn(event.turn, event.input, event.at).span, event.error, undefined, event.at);
        this.closeTurn(event.turn, event.at);
        return;
      }
      case 'turn.audio_sent':
        this.running(event.turn)?.span.addEvent(EVENT.firstAudio, undefined, event.at);
        return;
      case 'turn.playback_started': {
        const latency = this.latency;
        this.latency = {};
        const span = this.running(event.turn)?.span;
        if (!span || event.voiceToVoiceMs === null) return;
        span.setAttribute(ATTR.voiceToVoiceMs, event.voiceToVoiceMs);
        const atSpeaker = voiceToVoiceAtSpeakerMs(event.voiceToVoiceMs, latency);
        if (atSpeaker !== null) span.setAttribute(ATTR.voiceToVoiceAtSpeakerMs, atSpeaker);
        return;
      }
      case 'turn.ended': {
        const span = this.running(event.turn)?.span;
        if (!span) return;
        span.setAttributes({
          [ATTR.turnInterrupted]: event.outcome === 'interrupted',
          [ATTR.turnAudioChunks]: event.audio.chunks,
          [ATTR.turnAudioMs]: Math.round(event.audio.sentMs),
          [ATTR.turnPlayedMs]: Math.round(event.audio.playedMs),
        });
        const turn = this.running(event.turn)!;
        span.setAttributes(turn.tools.figures(event.at));
        if (event.error) markFailed(span, event.error, event.errorType, event.at);
        this.closeTurn(event.turn, event.at);
      }
    }
  }

  private onTool(event: Extract<TurnStageEvent, { type: 'tool.started' | 'tool.ended' }>): void {
    const turn = this.turns.get(event.turn);
    if (!turn) return;
    if (event.type === 'tool.started') {
      turn.tools.started(event, this.conversationId, turn.captureContent);
      return;
    }
    if (!turn.tools.ended(event, turn.captureContent)) return;
    this.forgetIfDone(event.turn, turn);
  }

  private onStage(event: StageSpanEvent): void {
    const turn = this.turns.get(event.turn);
    if (!turn) return;
    const failed = turn.stages.record(event, this.conversationId, turn.captureContent);
    if (failed) this.noteLogContext(event.turn, failed);
    if (event.type === 'stage.ended') this.forgetIfDone(event.turn, turn);
  }

  /** The turn's span, opened now unless listening opened it already. */
  private startTurn(number: number, input: TurnInputKind, at: number): TracedTurn {
    const turn = this.running(number) ?? this.openTurn(number, input, at, { root: !this.conversation });
    turn.captureContent = this.captureContent();
    this.remember(turn.span);
    return turn;
  }

  private openTurn(number: number, input: TurnInputKind, at: number, options: { root?: boolean } = {}): TracedTurn {
    const attributes = { [ATTR.turnNumber]: number, [ATTR.turnInput]: input };
    const ownTrace = this.conversation !== null && this.traceEachTurn();
    const span = ownTrace
      ? this.tracer.startSpan(
          SPAN.turn,
          {
            root: true,
            startTime: at,
            links: [{ context: this.conversation!.spanContext() }],
            attributes: { ...attributes, [ATTR.conversationId]: this.conversationId! },
          },
          ROOT_CONTEXT,
        )
      : this.tracer.startSpan(SPAN.turn, { ...options, startTime: at, attributes }, this.conversationContext);
    const parent = ownTrace ? ROOT_CONTEXT : this.conversationContext;
    // Read again when the turn starts; a reply prepared before that records content by the setting now.
    const context = trace.setSpan(parent, span);
    const turn: TracedTurn = {
      span,
      context,
      captureContent: this.captureContent(),
      vad: null,
      stages: new TurnStageSpans(this.tracer, context),
      phases: new TurnPhases(),
      tools: new TurnToolSpans(this.tracer, context),
      decisions: new TurnDecisions(span),
      ended: false,
    };
    this.turns.set(number, turn);
    this.noteLogContext(number, context);
    return turn;
  }

  private noteLogContext(turn: number, context: Context): void {
    this.logContexts.delete(turn);
    this.logContexts.set(turn, context);
    if (this.logContexts.size > RECENT_TURNS) this.logContexts.delete(this.logContexts.keys().next().value!);
  }

  /** A turn whose span is still open. */
  private running(number: number): TracedTurn | undefined {
    const turn = this.turns.get(number);
    return turn && !turn.ended ? turn : undefined;
  }

  private closeTurn(number: number, at: number): void {
    const turn = this.running(number);
    if (!turn) return;
    turn.ended = true;
    turn.span.end(at);
    this.forgetIfDone(number, turn);
  }

  private forgetIfDone(number: number, turn: TracedTurn): void {
    if (turn.ended && turn.stages.isEmpty && turn.tools.isEmpty) this.turns.delete(number);
  }

  /** Speech started but no turn came of it: close its spans. */
  private abandon(number: number, at: number): void {
    const turn = this.running(number);
    if (!turn) return;
    turn.vad?.end(at);
    turn.vad = null;
    turn.span.setAttribute(ATTR.turnAbandoned, true);
    this.closeTurn(number, at);
  }

  private endConversation(event: Extract<ConversationEvent, { type: 'conversation.ended' }> | undefined): void {
    const span = this.conversation;
    if (!span) return;
    if (event)
      span.setAttributes({
        [ATTR.conversationTurns]: event.turns,
        [ATTR.conversationInterruptions]: event.interruptions,
        [ATTR.framesDropped]: event.framesDropped,
        [ATTR.vadQueueMax]: event.vadQueueMax,
      });
    span.end(event?.at);
    this.conversation = null;
    this.conversationContext = ROOT_CONTEXT;
    this.conversationId = undefined;
  }

  private remember(span: Span): Span {
    this.traceIds.add(span.spanContext().traceId);
    if (this.traceIds.size > KNOWN_TRACES) this.traceIds.delete(this.traceIds.values().next().value!);
    return span;
  }
}
