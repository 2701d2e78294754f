/**
 * One client session, independent of the carrier (IPC port or WebSocket).
 * Validates everything the client sends, keeps the conversation state, and
 * reports audio statistics. The voice pipeline plugs in here.
 */
import { randomUUID } from 'node:crypto';
import { FRAME_DURATION_MS, FRAME_SAMPLES, INPUT_SAMPLE_RATE, SILENCE_DBFS, frameLevels } from '../../shared/audio-format';
import { FrameKind, decodeAudioFrame, encodeAudioFrame } from '../../shared/audio-frame';
import {
  EnvelopeWriter,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseClientEnvelope,
  type AudioStats,
  type ClientMessage,
  type ErrorCode,
  type ServerEnvelope,
  type ServerMessage,
  type SessionState,
} from '../../shared/protocol';
import { ROOT_CONTEXT, type Span } from '@opentelemetry/api';
import type { ModelStageName, ModelsView } from '../../shared/models';
import type { SettingsView } from '../../shared/settings';
import { ATTR, EVENT, SPAN, type SerializedSpan, type TracingState } from '../../shared/telemetry';
import { Assistant, type AssistantDeps, type AssistantTelemetry } from './assistant';
import type { ConversationHistory, ConversationRecorder } from './history/conversation-history';
import { silentLogger, type Logger } from './logger';
import { TEST_SOUND_SAMPLE_RATE, chunked, testSound } from './test-sound';

/** How a session reaches its client. */
export interface SessionCarrier {
  readonly kind: 'ipc' | 'websocket';
  send(envelope: ServerEnvelope): void;
  sendAudio(frame: ArrayBuffer): void;
}

/** What a session needs of the app's tracing (see telemetry/telemetry.ts). */
export interface SessionTelemetry extends AssistantTelemetry {
  readonly tracingState: TracingState;
  configure(change: { enabled?: boolean; consoleExport?: boolean }): void;
  onChange(listener: (state: TracingState) => void): () => void;
  importSpans(spans: readonly SerializedSpan[]): void;
}

/** What a session needs of the settings store (see settings/settings-store.ts). */
export interface SessionSettings {
  readonly view: SettingsView;
  update(patch: unknown): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }>;
  onChange(listener: () => void): () => void;
}

/** What a session needs of the on-device engines (see models/models-service.ts). */
export interface SessionModels {
  view(): ModelsView;
  onChange(listener: () => void): () => void;
  download(id: string): { ok: true } | { ok: false; message: string };
  cancel(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  pick(stage: ModelStageName, path: string): Promise<{ ok: true } | { ok: false; message: string }>;
  unpick(stage: ModelStageName): Promise<void>;
}

export interface SessionOptions {
  logger?: Logger;
  /** The on-device engines; without them models.* messages are refused. */
  models?: SessionModels;
  telemetry?: SessionTelemetry;
  settings?: SessionSettings;
  /** Where conversations are kept; without it nothing is recorded. */
  history?: ConversationHistory;
  /** The voice pipeline's providers; without them the session only carries audio. */
  assistant?: AssistantDeps;
  /** Interval between audio statistics updates while a conversation runs. */
  statsIntervalMs?: number;
  /** Frames louder than this (RMS, dBFS) count as voiced. */
  voicedThresholdDbfs?: number;
}

const OUTPUT_CHUNK_MS = 100;

export class Session {
  readonly id = randomUUID();
  private readonly writer = new EnvelopeWriter<ServerMessage>();
  private readonly logger: Logger;
  private readonly statsIntervalMs: number;
  private readonly voicedThresholdDbfs: number;
  private state: SessionState = 'idle';
  private stateDetail: string | undefined;
  private conversationId: string | null = null;
  private stats: AudioStats = emptyStats();
  private statsDirty = false;
  private dynamics = new RunningDeviation();
  private voicedRunMs = 0;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private nextStream = 1;
  private playingStream: number | null = null;
  /** Milliseconds the client reported played, per recent stream. */
  private readonly playedByStream = new Map<number, number>();
  private closed = false;
  private readonly assistant: Assistant | null;
  private readonly telemetry: SessionTelemetry | null;
  private readonly settings: SessionSettings | null;
  private unsubscribeSettings: (() => void) | null = null;
  private unsubscribeModels: (() => void) | null = null;
  private modelsViewPending = false;
  private readonly models: SessionModels | null;
  private readonly history: ConversationHistory | null;
  private recording: Promise<ConversationRecorder | null> | null = null;
  private readonly recorded = new Set<string>();
  private transportSpan: Span | null = null;
  private unsubscribeTelemetry: (() => void) | null = null;
  private readonly counters = { messagesIn: 0, messageErrors: 0, framesIn: 0, framesDropped: 0, chunksOut: 0, spansRefused: 0 };

  constructor(
    private readonly carrier: SessionCarrier,
    options: SessionOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.statsIntervalMs = options.statsIntervalMs ?? 200;
    this.voicedThresholdDbfs = options.voicedThresholdDbfs ?? -50;
    this.telemetry = options.telemetry ?? null;
    this.settings = options.settings ?? null;
    this.history = options.history ?? null;
    this.models = options.models ?? null;
    this.assistant = options.assistant
      ? new Assistant(
          options.assistant,
          {
            state: (state, detail) => this.setState(state, detail),
            transcript: (entry) => {
              this.send({ type: 'transcript', ...entry });
              if (entry.final) this.record(entry);
            },
            notice: (level, text) => this.send({ type: 'notice', level, text }),
            audio: (stream, seq, samples, sampleRate) => {
              this.carrier.sendAudio(encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq, stream, sampleRate, samples }));
              this.stats.chunksSent++;
              this.counters.chunksOut++;
              this.statsDirty = true;
            },
            flush: () => this.send({ type: 'audio.flush' }),
            allocateStream: () => this.nextStream++,
            turn: (phase, number, stream, traceparent) => this.send({ type: 'turn', phase, number, stream }, traceparent),
          },
          this.logger,
          options.telemetry,
        )
      : null;
  }

  /** Greets the client; call once the carrier is open. */
  open(): void {
    if (this.telemetry) {
      this.transportSpan = this.telemetry.tracer.startSpan(
        SPAN.transportSession,
        { root: true, attributes: { [ATTR.sessionId]: this.id, [ATTR.transportKind]: this.carrier.kind } },
        ROOT_CONTEXT,
      );
      this.transportSpan.addEvent(EVENT.connect);
      this.unsubscribeTelemetry = this.telemetry.onChange((state) => this.send({ type: 'telemetry', state }));
    }
    this.send({
      type: 'welcome',
      sessionId: this.id,
      protocolVersion: PROTOCOL_VERSION,
      audioIn: { sampleRate: INPUT_SAMPLE_RATE, frameSamples: FRAME_SAMPLES },
    });
    if (this.telemetry) this.send({ type: 'telemetry', state: this.telemetry.tracingState });
    if (this.settings) {
      const settings = this.settings;
      this.send({ type: 'settings', view: settings.view });
      this.unsubscribeSettings = settings.onChange(() => this.send({ type: 'settings', view: settings.view }));
    }
    if (this.models) {
      this.sendModels();
      this.unsubscribeModels = this.models.onChange(() => {
        // Progress can arrive in bursts: at most one view per tick.
        if (this.modelsViewPending) return;
        this.modelsViewPending = true;
        setImmediate(() => {
          this.modelsViewPending = false;
          this.sendModels();
        });
      });
    }
    this.sendState();
  }

  /** A JSON message from the client: text (WebSocket) or a cloned object (IPC). */
  receiveMessage(raw: unknown): void {
    if (this.closed) return;
    this.counters.messagesIn++;
    const parsed = parseClientEnvelope(raw);
    if (!parsed.ok) {
      this.counters.messageErrors++;
      this.transportSpan?.addEvent(EVENT.messageError, { 'error.message': parsed.error.slice(0, 500) });
      // A misbehaving client must not flood the log: the first few, then one line per thousand.
      const refused = this.counters.messageErrors;
      if (refused <= 10 || refused % 1_000 === 0) this.logger.warn('refused a malformed message', { session: this.id, error: parsed.error, refused });
      this.sendError('bad_message', `Malformed message refused: ${parsed.error}`, parsed.seq);
      return;
    }
    try {
      this.handle(parsed.value.message, parsed.value.seq);
    } catch (error) {
      this.logger.error('message handler failed', { session: this.id, error: String(error) });
      this.sendError('internal', 'The message could not be handled.', parsed.value.seq);
    }
  }

  /** A message too large to parse: refused without reading it. */
  refuseOversized(bytes: number): void {
    if (this.closed) return;
    this.sendError('too_large', `Message of ${bytes} bytes refused: the limit is ${MAX_MESSAGE_BYTES} bytes.`);
  }

  /** A binary microphone frame from the client. */
  receiveAudio(data: ArrayBuffer | ArrayBufferView): void {
    if (this.closed) return;
    const decoded = decodeAudioFrame(data, FrameKind.Microphone);
    if (!decoded.ok) {
      this.countDropped();
      this.counters.messageErrors++;
      this.transportSpan?.addEvent(EVENT.messageError, { 'error.message': decoded.error });
      this.sendError('bad_frame', `Audio frame refused: ${decoded.error}`);
      return;
    }
    this.counters.framesIn++;
    if (!this.conversationId) {
      // Frames still in flight after End are expected; drop them quietly.
      this.countDropped();
      return;
    }
    const samples = decoded.frame.samples;
    const { rmsDbfs: level, peakDbfs: peak } = frameLevels(samples);
    const s = this.stats;
    s.framesReceived++;
    s.levelDbfs = round1(level);
    s.peakDbfs = round1(Math.max(s.peakDbfs, peak));
    this.assistant?.pushFrame(samples);
    if (level > this.voicedThresholdDbfs) {
      s.voicedMs += FRAME_DURATION_MS;
      this.dynamics.add(level);
      s.dynamicsDb = round1(this.dynamics.deviation);
      this.voicedRunMs += FRAME_DURATION_MS;
      if (this.voicedRunMs > s.longestVoicedMs) s.longestVoicedMs = this.voicedRunMs;
    } else {
      this.voicedRunMs = 0;
    }
    this.statsDirty = true;
  }

  /** The carrier went away: stop everything this session started. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopStats();
    void this.assistant?.dispose();
    this.endRecording();
    this.unsubscribeTelemetry?.();
    this.unsubscribeSettings?.();
    this.unsubscribeModels?.();
    const span = this.transportSpan;
    if (span) {
      span.addEvent(EVENT.disconnect);
      span.setAttributes({
        [ATTR.messagesIn]: this.counters.messagesIn,
        [ATTR.messageErrors]: this.counters.messageErrors,
        [ATTR.framesIn]: this.counters.framesIn,
        [ATTR.framesDropped]: this.counters.framesDropped,
        [ATTR.chunksOut]: this.counters.chunksOut,
        'telemetry.spans_refused': this.counters.spansRefused,
      });
      span.end();
    }
    this.conversationId = null;
    this.playingStream = null;
  }

  get currentState(): SessionState {
    return this.state;
  }

  private handle(message: ClientMessage, seq: number): void {
    switch (message.type) {
      case 'conversation.start':
        if (this.conversationId) {
          this.sendError('invalid_state', 'A conversation is already running.', seq);
          return;
        }
        this.conversationId = randomUUID();
        this.stats = emptyStats();
        this.dynamics = new RunningDeviation();
        this.voicedRunMs = 0;
        this.startStats();
        this.assistant?.startConversation(this.conversationId);
        this.endRecording(); // a text-only exchange before it is its own conversation
        this.startRecording();
        this.setState('listening');
        this.logger.info('conversation started', { session: this.id, conversation: this.conversationId });
        return;
      case 'conversation.end':
        if (!this.conversationId) {
          this.sendError('invalid_state', 'No conversation is running.', seq);
          return;
        }
        this.stopPlayback();
        this.assistant?.endConversation();
        this.flushStats();
        this.stopStats();
        this.logger.info('conversation ended', { session: this.id, conversation: this.conversationId, ...this.stats });
        this.endRecording();
        this.conversationId = null;
        this.setState('idle');
        return;
      case 'user.text':
        if (this.assistant) this.assistant.sendText(message.text);
        else this.send({ type: 'transcript', id: randomUUID(), role: 'user', text: message.text, final: true });
        return;
      case 'audio.test':
        this.playTestSound();
        return;
      case 'playback':
        this.onPlayback(message);
        return;
      case 'telemetry.spans':
        this.importSpans(message.spans);
        return;
      case 'telemetry.configure': {
        const change = { ...(message.enabled === undefined ? {} : { enabled: message.enabled }), ...(message.consoleExport === undefined ? {} : { consoleExport: message.consoleExport }) };
        if (this.settings) void this.applySettings({ values: { tracing: change } }, seq);
        else if (this.telemetry) this.telemetry.configure(change);
        else this.sendError('invalid_state', 'Tracing is not available in this host.', seq);
        return;
      }
      case 'ptt':
        if (!this.conversationId) {
          this.sendError('invalid_state', 'Start a conversation before talking.', seq);
          return;
        }
        this.assistant?.pushToTalk(message.pressed);
        return;
      case 'history.list':
        void this.sendHistory(seq);
        return;
      case 'history.open':
        void this.openHistory(message.id, seq);
        return;
      case 'history.delete':
        void this.deleteHistory(message.id, seq);
        return;
      case 'models.download':
      case 'models.cancel':
      case 'models.remove':
      case 'models.pick':
      case 'models.unpick':
        void this.handleModels(message, seq);
        return;
      case 'settings.update':
        if (!this.settings) {
          this.sendError('invalid_state', 'Settings cannot be changed in this host.', seq);
          return;
        }
        void this.applySettings(message.patch, seq);
        return;
    }
  }

  // ---- history ---------------------------------------------------------------

  private startRecording(): void {
    if (!this.history) return;
    this.recorded.clear();
    this.recording = this.history.begin().catch((error: unknown) => {
      this.logger.warn('the conversation will not be kept: history could not be written', { error: String(error) });
      return null;
    });
  }

  private endRecording(): void {
    const recording = this.recording;
    this.recording = null;
    void recording?.then((recorder) => recorder?.end()).catch(() => {});
  }

  private record(entry: { id: string; role: 'user' | 'assistant'; text: string; interrupted?: boolean }): void {
    if (!this.history || this.recorded.has(entry.id) || !entry.text.trim()) return;
    this.recorded.add(entry.id);
    if (!this.recording) this.startRecording(); // typed turns outside a conversation
    void this.recording
      ?.then((recorder) => recorder?.append({ role: entry.role, text: entry.text, ...(entry.interrupted ? { interrupted: true } : {}) }))
      .catch((error: unknown) => this.logger.warn('a turn could not be added to the history', { error: String(error) }));
  }

  private async sendHistory(seq: number): Promise<void> {
    if (!this.history) return this.sendError('invalid_state', 'This host keeps no history.', seq);
    try {
      this.send({ type: 'history', ref: seq, items: await this.history.list() });
    } catch (error) {
      this.sendError('internal', `The history could not be read: ${String(error)}`, seq);
    }
  }

  private async openHistory(id: string, seq: number): Promise<void> {
    const conversation = await this.history?.get(id).catch(() => null);
    if (!conversation) return this.sendError('bad_message', 'That conversation is no longer in the history.', seq);
    this.send({ type: 'history.conversation', ref: seq, summary: conversation.summary, entries: conversation.entries });
  }

  private async deleteHistory(id: string, seq: number): Promise<void> {
    if (!(await this.history?.delete(id))) return this.sendError('bad_message', 'That conversation could not be deleted.', seq);
    await this.sendHistory(seq);
  }

  // ---- on-device models --------------------------------------------------------

  private sendModels(): void {
    if (this.closed || !this.models) return;
    try {
      this.send({ type: 'models', view: this.models.view() });
    } catch (error) {
      this.logger.error('the models view could not be built', { error: String(error) });
    }
  }

  private async handleModels(message: Extract<ClientMessage, { type: `models.${string}` }>, seq: number): Promise<void> {
    const models = this.models;
    if (!models) return this.sendError('invalid_state', 'This host has no on-device models.', seq);
    try {
      let result: { ok: true } | { ok: false; message: string } = { ok: true };
      switch (message.type) {
        case 'models.download':
          result = models.download(message.id);
          break;
        case 'models.cancel':
          await models.cancel(message.id);
          break;
        case 'models.remove':
          await models.remove(message.id);
          break;
        case 'models.pick':
          result = await models.pick(message.stage, message.path);
          break;
        case 'models.unpick':
          await models.unpick(message.stage);
          break;
      }
      this.send({ type: 'models.result', ref: seq, ok: result.ok, message: result.ok ? '' : result.message });
    } catch (error) {
      this.send({ type: 'models.result', ref: seq, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async applySettings(patch: unknown, seq: number): Promise<void> {
    try {
      const result = await this.settings!.update(patch);
      this.send({ type: 'settings.result', ref: seq, ok: result.ok, errors: result.ok ? {} : result.errors });
    } catch (error) {
      this.logger.error('settings could not be saved', { error: String(error) });
      this.sendError('internal', `Settings could not be saved: ${String(error)}`, seq);
    }
  }

  /** The client's spans join the export only inside traces this session started. */
  private importSpans(spans: readonly SerializedSpan[]): void {
    if (!this.telemetry || !this.assistant) return;
    const accepted = spans.filter((span) => this.assistant!.isKnownTrace(span.traceId));
    this.counters.spansRefused += spans.length - accepted.length;
    if (accepted.length) this.telemetry.importSpans(accepted);
  }

  private playTestSound(): void {
    this.assistant?.interrupt('test sound');
    this.stopPlayback();
    const stream = this.nextStream++;
    this.playingStream = stream;
    this.setState('speaking');
    let seq = 0;
    for (const chunk of chunked(testSound(), TEST_SOUND_SAMPLE_RATE, OUTPUT_CHUNK_MS)) {
      this.carrier.sendAudio(
        encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq: seq++, stream, sampleRate: TEST_SOUND_SAMPLE_RATE, samples: chunk }),
      );
      this.stats.chunksSent++;
    }
    this.statsDirty = true;
  }

  private onPlayback(message: Extract<ClientMessage, { type: 'playback' }>): void {
    this.assistant?.onPlayback(message.event, message.stream, message.playedMs);
    this.countPlayed(message.stream, message.playedMs);
    // Outside a conversation no stats timer runs: report finished playback at once.
    if (message.event !== 'started' && !this.statsTimer && this.statsDirty) this.flushStats();
    if (message.stream !== this.playingStream) return; // not the test sound, or a late report
    if (message.event === 'drained' || message.event === 'flushed') {
      this.playingStream = null;
      this.setState(this.conversationId ? 'listening' : 'idle');
      if (this.statsDirty) this.flushStats();
    }
  }

  /** Adds what the client reports played of a stream to the session total. */
  private countPlayed(stream: number, playedMs: number): void {
    const before = this.playedByStream.get(stream) ?? 0;
    if (playedMs <= before) return;
    this.playedByStream.set(stream, playedMs);
    if (this.playedByStream.size > 8) this.playedByStream.delete(this.playedByStream.keys().next().value!);
    this.stats.playedMs = Math.round(this.stats.playedMs + playedMs - before);
    this.statsDirty = true;
  }

  private stopPlayback(): void {
    if (this.playingStream === null) return;
    this.playingStream = null;
    this.send({ type: 'audio.flush' });
  }

  private setState(state: SessionState, detail?: string): void {
    if (this.state === state && this.stateDetail === detail) return;
    this.state = state;
    this.stateDetail = detail;
    this.sendState();
  }

  private sendState(): void {
    this.send(
      {
        type: 'state',
        state: this.state,
        conversationId: this.conversationId,
        ...(this.stateDetail ? { detail: this.stateDetail.slice(0, 500) } : {}),
      },
      this.conversationId ? this.assistant?.conversationTraceparent : undefined,
    );
  }

  private startStats(): void {
    this.stopStats();
    this.statsTimer = setInterval(() => {
      if (this.statsDirty) this.flushStats();
    }, this.statsIntervalMs);
    this.statsTimer.unref?.();
  }

  private stopStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
  }

  private flushStats(): void {
    this.statsDirty = false;
    this.send({ type: 'audio.stats', stats: { ...this.stats } });
  }

  private countDropped(): void {
    this.counters.framesDropped++;
    this.stats.framesDropped++;
    this.statsDirty = true;
  }

  private sendError(code: ErrorCode, message: string, ref?: number): void {
    this.send({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }) });
  }

  private send(message: ServerMessage, traceparent?: string): void {
    if (this.closed) return;
    try {
      this.carrier.send(this.writer.wrap(message, traceparent ? { traceparent } : undefined));
    } catch (error) {
      this.logger.warn('could not send to client', { session: this.id, error: String(error) });
    }
  }
}

function emptyStats(): AudioStats {
  return {
    framesReceived: 0,
    framesDropped: 0,
    levelDbfs: SILENCE_DBFS,
    peakDbfs: SILENCE_DBFS,
    voicedMs: 0,
    dynamicsDb: 0,
    longestVoicedMs: 0,
    chunksSent: 0,
    playedMs: 0,
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Welford's running standard deviation. */
class RunningDeviation {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  add(x: number): void {
    this.n++;
    const delta = x - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (x - this.mean);
  }
  get deviation(): number {
    return this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0;
  }
}
