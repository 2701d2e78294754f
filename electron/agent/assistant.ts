/**
 * The assistant side of a session: listens (VAD + turn-taking), runs turns
 * through the pipeline, streams the reply's audio, and handles barge-in. The
 * session gives it frames, typed text and playback reports; it answers
 * through `AssistantOutput`.
 */
import { randomUUID } from 'node:crypto';
import { MAX_OUTPUT_CHUNK_SAMPLES } from '../../shared/audio-format';
import type { SessionState } from '../../shared/protocol';
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
}

export interface AssistantOutput {
  state(state: SessionState, detail?: string): void;
  transcript(entry: { id: string; role: 'user' | 'assistant'; text: string; final: boolean; interrupted?: boolean }): void;
  notice(level: 'error' | 'info', text: string): void;
  audio(stream: number, seq: number, samples: Int16Array, sampleRate: number): void;
  /** Stop playback in the client now. */
  flush(): void;
  allocateStream(): number;
}

/** Frames waiting for the VAD beyond this (one second) are dropped. */
const MAX_PENDING_FRAMES = 50;

interface ActiveTurn {
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
}

export class Assistant {
  private readonly context: ConversationContext;
  private readonly detector: TurnDetector;
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

  constructor(
    private readonly deps: AssistantDeps,
    private readonly output: AssistantOutput,
    private readonly logger: Logger,
  ) {
    const { config } = deps;
    this.context = new ConversationContext(config.systemPrompt, config.context);
    this.detector = new TurnDetector({ minSpeechMs: config.vad.minSpeechMs, silenceMs: config.vad.silenceMs });
  }

  get isListening(): boolean {
    return this.listening;
  }

  get activeTurn(): Readonly<ActiveTurn> | null {
    return this.turn;
  }

  startConversation(): void {
    this.listening = true;
    this.detector.reset();
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
    this.interrupt('conversation ended');
    this.detector.reset();
  }

  /** A microphone frame (20 ms, 16 kHz) while the conversation runs. */
  pushFrame(frame: Int16Array): void {
    if (!this.listening || !this.vad) return;
    if (this.pendingFrames >= MAX_PENDING_FRAMES) {
      this.droppedFrames++;
      return;
    }
    this.pendingFrames++;
    const vad = this.vad;
    this.chain = this.chain
      .then(async () => {
        const voiced = await (await vad).isSpeech(frame);
        if (this.listening && !this.disposed) this.onVoiceDecision(frame, voiced);
      })
      .catch((error: unknown) => this.logger.warn('voice detection failed for a frame', { error: String(error) }))
      .finally(() => this.pendingFrames--);
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
        this.logger.info('assistant audio playing', { turn: turn.number, latencyMs: turn.playbackStartedAt - turn.startedAt });
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
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.listening = false;
    this.interrupt('session closed');
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
      return;
    }
    this.startTurn({ kind: 'voice', audio: event.audio });
  }

  private startTurn(input: TurnInput): void {
    const stages = this.deps.stages();
    const userEntryId = randomUUID();
    if (input.kind === 'text') this.output.transcript({ id: userEntryId, role: 'user', text: input.text, final: true });
    if (stages instanceof StageError) {
      this.fail(stages);
      return;
    }
    const turn: ActiveTurn = {
      number: ++this.turnCount,
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
    void runTurn(input, stages, this.context, sink, turn.controller.signal, turn.segments).then((result) => this.finishTurn(turn, result));
  }

  private sendAudio(turn: ActiveTurn, samples: Int16Array, sampleRate: number): void {
    if (this.turn !== turn || turn.controller.signal.aborted) return;
    turn.sampleRate = sampleRate;
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
    this.output.state(this.listening ? 'listening' : 'idle');
  }

  private fail(error: StageError): void {
    this.logger.warn('turn failed', { stage: error.stage, kind: error.kind, message: error.message });
    this.output.notice('error', error.message);
    this.output.state('error', error.message);
  }
}
