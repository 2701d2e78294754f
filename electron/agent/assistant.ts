/**
 * The assistant side of a session: listens (VAD + turn-taking), runs turns
 * through the pipeline, streams the reply's audio, and handles barge-in. The
 * session gives it frames, typed text and playback reports; it answers
 * through `AssistantOutput`.
 */
import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { MAX_OUTPUT_CHUNK_SAMPLES } from '../../shared/audio-format';
import type { SessionState } from '../../shared/protocol';
import { ATTR, EVENT, SPAN } from '../../shared/telemetry';
import { sampledTraceparent } from '../../shared/trace-context';
import type { Logger } from './logger';
import { ConversationContext } from './pipeline/conversation-context';
import type { PipelineConfig } from './pipeline/pipeline-config';
import { spokenText, type SpokenSegment } from './pipeline/spoken-text';
import { StageError } from './pipeline/stage-error';
import type { VoiceActivity } from './pipeline/stages';
import { TurnDetector } from './pipeline/turn-detector';
import { runTurn, type PipelineStages, type TurnInput, type TurnResult } from './pipeline/voice-pipeline';

export interface AssistantDeps {
  config: PipelineConfig;
  /** The providers for the next turn, or why there are none. */
  stages(): PipelineStages | StageError;
  createVad(): Promise<VoiceActivity>;
  /** Loads the local models of the stages in force ahead of the first turn. */
  warmUp?(): void;
  /** Tracing; without it spans go to the global (by default no-op) provider. */
  telemetry?: AssistantTelemetry;
}

export interface AssistantTelemetry {
  readonly tracer: Tracer;
  readonly captureContent: boolean;
}

export interface AssistantOutput {
  state(state: SessionState, detail?: string): void;
  transcript(entry: { id: string; role: 'user' | 'assistant'; text: string; final: boolean; interrupted?: boolean }): void;
  notice(level: 'error' | 'info', text: string): void;
  audio(stream: number, seq: number, samples: Int16Array, sampleRate: number): void;
  /** Stop playback in the client now. */
  flush(): void;
  allocateStream(): number;
  /** A turn began or ended; `traceparent` is its span's context, for the client's playback span. */
  turn(phase: 'start' | 'end', number: number, stream: number, traceparent: string | undefined): void;
}

/** Frames waiting for the VAD beyond this (one second) are dropped. */
const MAX_PENDING_FRAMES = 50;

interface ActiveTurn {
  span: Span;
  context: Context;
  number: number;
  input: TurnInput['kind'];
  stream: number;
  controller: AbortController;
  userEntryId: string;
  replyEntryId: string;
  segments: SpokenSegment[];
  sampleRate: number;
  audioSeq: number;
  sentSamples: number;
  startedAt: number;
  playbackStartedAt: number | null;
  reportedPlayedMs: number;
  drained: boolean;
  pipelineDone: boolean;
  replyText: string;
  /** When the user stopped speaking (voice turns), for voice-to-voice latency. */
  userStoppedAt: number | null;
}

/** A voice turn from the moment speech starts until its utterance is complete. */
interface ListeningTurn {
  span: Span;
  vadSpan: Span;
  number: number;
}

export class Assistant {
  private readonly context: ConversationContext;
  private detector: TurnDetector;
  private vad: Promise<VoiceActivity> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pendingFrames = 0;
  private listening = false;
  private turn: ActiveTurn | null = null;
  private turnCount = 0;
  private lastInterrupted: {
    stream: number;
    segments: SpokenSegment[];
    sampleRate: number;
    replyEntryId: string;
    contextLength: number;
  } | null = null;
  private disposed = false;
  /** Frames dropped because the VAD fell behind. */
  droppedFrames = 0;
  private readonly tracer: Tracer;
  private conversationSpan: Span | null = null;
  private conversationContext: Context = ROOT_CONTEXT;
  private listeningTurn: ListeningTurn | null = null;
  private interruptions = 0;
  private maxPendingFrames = 0;
  /** Trace ids this assistant started, for accepting the client's spans. */
  private readonly traceIds = new Set<string>();
  /** Push-to-talk audio while the key is held. */
  private pttFrames: Int16Array[] | null = null;

  constructor(
    private readonly deps: AssistantDeps,
    private readonly output: AssistantOutput,
    private readonly logger: Logger,
    /** Used when `deps` brings no telemetry of its own (deps may have getters: it is not copied). */
    private readonly fallbackTelemetry?: AssistantTelemetry,
  ) {
    const { config } = deps;
    this.context = new ConversationContext(config.systemPrompt, config.context);
    this.detector = new TurnDetector({ minSpeechMs: config.vad.minSpeechMs, silenceMs: config.vad.silenceMs });
    this.tracer = (deps.telemetry ?? fallbackTelemetry)?.tracer ?? trace.getTracer('voice-agent-stack');
  }

  /** The conversation span's context as a traceparent (when sampled). */
  get conversationTraceparent(): string | undefined {
    return this.conversationSpan ? sampledTraceparent(this.conversationSpan.spanContext()) : undefined;
  }

  /** Whether a trace was started here (the client may only add spans to those). */
  isKnownTrace(traceId: string): boolean {
    return this.traceIds.has(traceId);
  }

  private remember(span: Span): Span {
    const { traceId } = span.spanContext();
    this.traceIds.add(traceId);
    if (this.traceIds.size > 64) this.traceIds.delete(this.traceIds.values().next().value!);
    return span;
  }

  get isListening(): boolean {
    return this.listening;
  }

  get activeTurn(): Readonly<ActiveTurn> | null {
    return this.turn;
  }

  startConversation(conversationId: string = randomUUID()): void {
    this.endConversationSpan();
    this.listening = true;
    this.interruptions = 0;
    this.context.clear();
    this.conversationSpan = this.remember(
      this.tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: conversationId } }),
    );
    this.conversationContext = trace.setSpan(ROOT_CONTEXT, this.conversationSpan);
    // Turn-taking settings apply from the next conversation on.
    const { vad } = this.deps.config;
    this.detector = new TurnDetector({ minSpeechMs: vad.minSpeechMs, silenceMs: vad.silenceMs });
    this.vad ??= this.deps.createVad();
    this.vad.then(
      (vad) => vad.reset(),
      (error: unknown) => {
        this.vad = null; // retried at the next Start
        this.logger.error('voice activity detector failed to load', { error: String(error) });
        this.output.notice('error', `Voice detection could not start (${String(error)}); typed messages still work.`);
      },
    );
  }

  endConversation(): void {
    this.listening = false;
    this.pttFrames = null;
    this.interrupt('conversation ended');
    this.abandonListeningTurn();
    this.detector.reset();
    this.endConversationSpan();
  }

  private endConversationSpan(): void {
    const span = this.conversationSpan;
    if (!span) return;
    span.setAttributes({
      'conversation.turns': this.turnCount,
      'conversation.interruptions': this.interruptions,
      [ATTR.framesDropped]: this.droppedFrames,
      [ATTR.vadQueueMax]: this.maxPendingFrames,
    });
    span.end();
    this.conversationSpan = null;
    this.conversationContext = ROOT_CONTEXT;
  }

  /**
   * Push-to-talk: pressing starts the user's turn (interrupting any reply),
   * releasing ends it; voice detection is not used.
   */
  pushToTalk(pressed: boolean): void {
    if (!this.listening || !this.deps.config.vad.pushToTalk) return;
    if (pressed) {
      if (this.pttFrames) return;
      if (this.turn) this.interrupt('push-to-talk');
      this.pttFrames = [];
      this.beginListeningTurn(Date.now());
      this.output.state('listening');
      return;
    }
    const frames = this.pttFrames;
    this.pttFrames = null;
    if (!frames) return;
    const audio = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
    let offset = 0;
    for (const frame of frames) {
      audio.set(frame, offset);
      offset += frame.length;
    }
    if (audio.length < (this.deps.config.vad.minSpeechMs * 16_000) / 1000) {
      this.abandonListeningTurn();
      this.output.state('listening');
      return; // a tap, not speech
    }
    this.endListeningTurn(audio, (audio.length / 16_000) * 1000, Date.now());
  }

  /** A microphone frame (20 ms, 16 kHz) while the conversation runs. */
  pushFrame(frame: Int16Array): void {
    if (this.listening && this.deps.config.vad.pushToTalk) {
      this.pttFrames?.push(frame);
      return;
    }
    if (!this.listening || !this.vad) return;
    if (this.pendingFrames >= MAX_PENDING_FRAMES) {
      this.droppedFrames++;
      return;
    }
    this.pendingFrames++;
    if (this.pendingFrames > this.maxPendingFrames) this.maxPendingFrames = this.pendingFrames;
    const vad = this.vad;
    // Frames are decided strictly in order, one after the other.
    this.chain = this.chain.then(() => this.decide(vad, frame));
  }

  private async decide(vad: Promise<VoiceActivity>, frame: Int16Array): Promise<void> {
    try {
      const voiced = await (await vad).isSpeech(frame);
      if (this.listening && !this.disposed) this.onVoiceDecision(frame, voiced);
    } catch (error) {
      this.logger.warn('voice detection failed for a frame', { error: String(error) });
    } finally {
      this.pendingFrames--;
    }
  }

  /** A typed message: interrupts any reply and starts a text turn. */
  sendText(text: string): void {
    this.interrupt('new message');
    this.startTurn({ kind: 'text', text });
  }

  /** Playback progress reported by the client. */
  onPlayback(event: 'started' | 'drained' | 'flushed', stream: number, playedMs: number): void {
    const turn = this.turn;
    if (turn && stream === turn.stream) {
      turn.reportedPlayedMs = playedMs;
      if (event === 'started' && turn.playbackStartedAt === null) {
        turn.playbackStartedAt = Date.now();
        this.output.state('speaking');
        const voiceToVoiceMs = turn.userStoppedAt === null ? null : turn.playbackStartedAt - turn.userStoppedAt;
        if (voiceToVoiceMs !== null) turn.span.setAttribute(ATTR.voiceToVoiceMs, voiceToVoiceMs);
        this.logger.info('assistant audio playing', { turn: turn.number, latencyMs: turn.playbackStartedAt - turn.startedAt, voiceToVoiceMs });
      } else if (event === 'drained') {
        turn.drained = true;
        if (turn.pipelineDone) this.endTurn(turn);
      }
      return;
    }
    const interrupted = this.lastInterrupted;
    if (interrupted && stream === interrupted.stream && event === 'flushed') {
      // Now the exact played length of the interrupted reply is known.
      this.lastInterrupted = null;
      const heard = spokenText(interrupted.segments, (playedMs * interrupted.sampleRate) / 1000);
      if (this.context.reviseLastAssistant(heard, interrupted.contextLength))
        this.output.transcript({ id: interrupted.replyEntryId, role: 'assistant', text: heard, final: true, interrupted: true });
    }
  }

  /** Stops the reply in progress, keeping in context only what was heard. */
  interrupt(reason: string): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = null;
    turn.controller.abort(new Error(reason));
    if (turn.sentSamples > 0) this.output.flush();
    const sentMs = (turn.sentSamples / turn.sampleRate) * 1000;
    const elapsedMs = turn.playbackStartedAt === null ? 0 : Date.now() - turn.playbackStartedAt;
    const playedMs = Math.min(sentMs, Math.max(elapsedMs, turn.reportedPlayedMs));
    const heard = spokenText(turn.segments, (playedMs * turn.sampleRate) / 1000);
    if (turn.replyText) {
      this.context.addAssistant(heard);
      this.output.transcript({ id: turn.replyEntryId, role: 'assistant', text: heard, final: true, interrupted: true });
      this.lastInterrupted = {
        stream: turn.stream,
        segments: turn.segments,
        sampleRate: turn.sampleRate,
        replyEntryId: turn.replyEntryId,
        contextLength: this.context.length,
      };
    }
    this.logger.info('turn interrupted', { turn: turn.number, reason, playedMs: Math.round(playedMs) });
    this.interruptions++;
    turn.span.addEvent(EVENT.bargeIn, { reason });
    this.closeTurnSpan(turn, { interrupted: true, playedMs });
  }

  private closeTurnSpan(turn: ActiveTurn, outcome: { interrupted: boolean; playedMs?: number; error?: StageError }): void {
    turn.span.setAttributes({
      [ATTR.turnInterrupted]: outcome.interrupted,
      [ATTR.turnAudioChunks]: turn.audioSeq,
      [ATTR.turnAudioMs]: Math.round((turn.sentSamples / turn.sampleRate) * 1000),
      [ATTR.turnPlayedMs]: Math.round(outcome.playedMs ?? turn.reportedPlayedMs),
    });
    if (outcome.error) {
      turn.span.recordException(outcome.error);
      turn.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
      turn.span.setAttribute(ATTR.errorType, outcome.error.kind);
    }
    turn.span.end();
    this.output.turn('end', turn.number, turn.stream, undefined);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listening = false;
    this.interrupt('session closed');
    this.abandonListeningTurn();
    this.endConversationSpan();
    const vad = this.vad;
    this.vad = null;
    if (vad) await vad.then((v) => v.dispose()).catch(() => {});
  }

  private onVoiceDecision(frame: Int16Array, voiced: boolean): void {
    const event = this.detector.push(frame, voiced);
    if (!event) return;
    if (event.type === 'speech.start') {
      if (this.turn) this.interrupt('barge-in');
      this.output.state('listening');
      // The turn starts when the user starts speaking (which was minSpeechMs ago).
      this.beginListeningTurn(Date.now() - this.deps.config.vad.minSpeechMs);
      return;
    }
    this.endListeningTurn(event.audio, event.speechMs, Date.now() - this.deps.config.vad.silenceMs);
  }

  private beginListeningTurn(startedAt: number): void {
    this.abandonListeningTurn();
    const number = ++this.turnCount;
    const span = this.tracer.startSpan(
      SPAN.turn,
      { startTime: startedAt, attributes: { [ATTR.turnNumber]: number, [ATTR.turnInput]: 'voice' } },
      this.conversationContext,
    );
    const model = this.deps.config.vad.pushToTalk ? 'push-to-talk' : 'silero';
    const vadSpan = this.tracer.startSpan(SPAN.vad, { startTime: startedAt, attributes: { [ATTR.vadModel]: model } }, trace.setSpan(this.conversationContext, span));
    vadSpan.addEvent(EVENT.speechStart, undefined, startedAt);
    this.listeningTurn = { span, vadSpan, number };
  }

  private endListeningTurn(audio: Int16Array, speechMs: number, stoppedAt: number): void {
    const listening = this.listeningTurn;
    this.listeningTurn = null;
    if (listening) {
      listening.vadSpan.addEvent(EVENT.speechStop, undefined, stoppedAt);
      listening.vadSpan.setAttribute(ATTR.vadSpeechMs, speechMs);
      listening.vadSpan.end();
    }
    this.startTurn({ kind: 'voice', audio }, listening, stoppedAt);
  }

  /** Speech started but the conversation ended before it did: close its spans. */
  private abandonListeningTurn(): void {
    const listening = this.listeningTurn;
    if (!listening) return;
    this.listeningTurn = null;
    listening.vadSpan.end();
    listening.span.setAttribute('turn.abandoned', true);
    listening.span.end();
  }

  private startTurn(input: TurnInput, listening: ListeningTurn | null = null, userStoppedAt: number | null = null): void {
    const stages = this.deps.stages();
    this.context.setSystemPrompt(this.deps.config.systemPrompt);
    const userEntryId = randomUUID();
    if (input.kind === 'text') this.output.transcript({ id: userEntryId, role: 'user', text: input.text, final: true });
    const number = listening?.number ?? ++this.turnCount;
    const span =
      listening?.span ??
      this.tracer.startSpan(
        SPAN.turn,
        { root: !this.conversationSpan, attributes: { [ATTR.turnNumber]: number, [ATTR.turnInput]: input.kind } },
        this.conversationContext,
      );
    this.remember(span);
    if (stages instanceof StageError) {
      span.recordException(stages);
      span.setStatus({ code: SpanStatusCode.ERROR, message: stages.message });
      span.end();
      this.fail(stages);
      return;
    }
    const turn: ActiveTurn = {
      span,
      context: trace.setSpan(this.conversationContext, span),
      userStoppedAt,
      number,
      input: input.kind,
      stream: this.output.allocateStream(),
      controller: new AbortController(),
      userEntryId,
      replyEntryId: randomUUID(),
      segments: [],
      sampleRate: stages.tts.sampleRate,
      audioSeq: 0,
      sentSamples: 0,
      startedAt: Date.now(),
      playbackStartedAt: null,
      reportedPlayedMs: 0,
      drained: false,
      pipelineDone: false,
      replyText: '',
    };
    this.turn = turn;
    this.output.turn('start', turn.number, turn.stream, sampledTraceparent(span.spanContext()));
    this.output.state('thinking');
    const sink = {
      userText: (text: string) => {
        if (this.turn === turn) this.output.transcript({ id: turn.userEntryId, role: 'user', text, final: true });
      },
      replyText: (text: string) => {
        if (this.turn !== turn) return;
        turn.replyText = text;
        this.output.transcript({ id: turn.replyEntryId, role: 'assistant', text, final: false });
      },
      audio: (samples: Int16Array, sampleRate: number) => this.sendAudio(turn, samples, sampleRate),
    };
    const tracing = { tracer: this.tracer, parent: turn.context, captureContent: (this.deps.telemetry ?? this.fallbackTelemetry)?.captureContent ?? false };
    void runTurn(input, stages, this.context, sink, turn.controller.signal, turn.segments, tracing).then((result) => this.finishTurn(turn, result));
  }

  private sendAudio(turn: ActiveTurn, samples: Int16Array, sampleRate: number): void {
    if (this.turn !== turn || turn.controller.signal.aborted) return;
    turn.sampleRate = sampleRate;
    if (turn.audioSeq === 0) turn.span.addEvent(EVENT.firstAudio);
    for (let offset = 0; offset < samples.length; offset += MAX_OUTPUT_CHUNK_SAMPLES) {
      const chunk = samples.subarray(offset, offset + MAX_OUTPUT_CHUNK_SAMPLES);
      this.output.audio(turn.stream, turn.audioSeq++, chunk, sampleRate);
      turn.sentSamples += chunk.length;
    }
    turn.drained = false;
  }

  private finishTurn(turn: ActiveTurn, result: TurnResult): void {
    if (result.status === 'cancelled' || this.turn !== turn) return; // interrupt() dealt with it
    turn.pipelineDone = true;
    if (result.status === 'failed' && result.error) {
      const heard = spokenText(result.segments, turn.sentSamples);
      if (result.userText !== null) this.context.addAssistant(heard);
      if (turn.replyText) this.output.transcript({ id: turn.replyEntryId, role: 'assistant', text: heard || turn.replyText, final: true, interrupted: true });
      this.turn = null;
      this.closeTurnSpan(turn, { interrupted: false, error: result.error });
      this.fail(result.error);
      return;
    }
    this.context.addAssistant(result.replyText);
    this.output.transcript({ id: turn.replyEntryId, role: 'assistant', text: result.replyText, final: true });
    this.logger.info('turn completed', {
      turn: turn.number,
      input: turn.input,
      ms: Date.now() - turn.startedAt,
      sentences: result.segments.length,
      ...(result.usage ?? {}),
    });
    if (turn.sentSamples === 0 || turn.drained) this.endTurn(turn);
  }

  private endTurn(turn: ActiveTurn): void {
    if (this.turn === turn) this.turn = null;
    this.closeTurnSpan(turn, { interrupted: false });
    this.output.state(this.listening ? 'listening' : 'idle');
  }

  private fail(error: StageError): void {
    this.logger.warn('turn failed', { stage: error.stage, kind: error.kind, message: error.message });
    this.output.notice('error', error.message);
    this.output.state('error', error.message);
  }
}
