/**
 * The renderer's side of a session: owns the bridge connection (with
 * reconnection), the microphone and the speaker, and exposes an immutable
 * snapshot for the UI (React reads it with useSyncExternalStore).
 */
import { INPUT_SAMPLE_RATE, SILENCE_DBFS, rmsDbfs } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame, encodeAudioFrame } from '../../../shared/audio-frame';
import type { SessionPort } from '../../../shared/bridge';
import {
  EnvelopeWriter,
  type AudioStats,
  type ClientMessage,
  type HistorySummary,
  type ServerEnvelope,
  type SessionState,
} from '../../../shared/protocol';
import type { ModelStageName, ModelsView } from '../../../shared/models';
import type { SettingsView } from '../../../shared/settings';
import { ATTR, EVENT, SPAN, type TracingState } from '../../../shared/telemetry';
import { sampledTraceparent } from '../../../shared/trace-context';
import type { Context, Span } from '@opentelemetry/api';
import { startMicrophone, type Microphone } from '../audio/microphone';
import { Speaker, type PlaybackEvent } from '../audio/speaker';
import { createBridge, type Bridge, type TransportKind } from '../bridge/bridge';
import { RendererTelemetry } from '../telemetry/renderer-telemetry';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface TranscriptEntry {
  id: string;
  role: 'user' | 'assistant' | 'notice';
  text: string;
  final: boolean;
  interrupted?: boolean;
  level?: 'error' | 'info';
}

export interface SessionSnapshot {
  connection: ConnectionState;
  transport: TransportKind;
  sessionId: string | null;
  state: SessionState;
  stateDetail: string | null;
  conversationId: string | null;
  /** True from the Start press until the End press (or a lost connection). */
  conversationRequested: boolean;
  microphoneLabel: string | null;
  micLevelDbfs: number;
  framesSent: number;
  stats: AudioStats | null;
  transcript: TranscriptEntry[];
  alert: string | null;
  /** Tracing as main runs it; null until main has said (or when the host has none). */
  tracing: TracingState | null;
  /** The settings main uses (secrets only as set / not set); null when the host keeps none. */
  settings: SettingsView | null;
  /** The last save: pending, saved, or refused with messages per field. */
  settingsSave: { state: 'idle' | 'saving' | 'saved' } | { state: 'refused'; errors: Record<string, string> };
  /** Saved conversations (after listHistory), and the one being read. */
  history: HistorySummary[] | null;
  openConversation: { summary: HistorySummary; entries: { role: 'user' | 'assistant'; text: string; interrupted?: boolean }[] } | null;
  /** The on-device engines and their models; null when the host has none. */
  models: ModelsView | null;
  /** The answer to the last model request that can fail at once (a picked file). */
  modelsResult: { ok: boolean; message: string } | null;
}

interface PlaybackTrace {
  span: Span;
  chunks: number;
  open: boolean;
}

const UI_UPDATE_MS = 66;
const MAX_TRANSCRIPT = 500;
const RECONNECT_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

export class SessionClient {
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly bridge: Bridge;
  private readonly writer = new EnvelopeWriter<ClientMessage>();
  private port: SessionPort | null = null;
  private microphone: Microphone | null = null;
  private readonly speaker = new Speaker((event) => this.onPlayback(event));
  private frameSeq = 0;
  private framesSent = 0;
  private lastFrame: Int16Array | null = null;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pendingUiUpdate: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private noticeCount = 0;
  private readonly telemetry = new RendererTelemetry((spans) => this.send({ type: 'telemetry.spans', spans }));
  private captureSpan: Span | null = null;
  private captureConversationId: string | null = null;
  /** Turn span contexts by audio stream, and the playback span of each stream. */
  private readonly streamContexts = new Map<number, Context>();
  private readonly playbackTraces = new Map<number, PlaybackTrace>();

  constructor(bridge: Bridge = createBridge()) {
    this.bridge = bridge;
    this.snapshot = {
      connection: 'connecting',
      transport: bridge.transport,
      sessionId: null,
      state: 'connecting',
      stateDetail: null,
      conversationId: null,
      conversationRequested: false,
      microphoneLabel: null,
      micLevelDbfs: SILENCE_DBFS,
      framesSent: 0,
      stats: null,
      transcript: [],
      alert: null,
      tracing: null,
      settings: null,
      settingsSave: { state: 'idle' },
      history: null,
      openConversation: null,
      models: null,
      modelsResult: null,
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  connect(): void {
    if (this.disposed || this.port) return;
    this.bridge
      .open({
        onMessage: (envelope) => this.onMessage(envelope),
        onAudio: (frame) => this.onAudio(frame),
        onClose: (reason) => this.onClose(reason),
        onInvalid: (error) => console.warn('Ignored an invalid message from main:', error),
      })
      .then(
        (port) => {
          if (this.disposed) return port.close();
          this.port = port;
          this.reconnectAttempt = 0;
          this.update({ connection: 'connected' });
        },
        () => this.scheduleReconnect(),
      );
  }

  async startConversation(): Promise<void> {
    if (this.snapshot.conversationRequested) return;
    if (!this.port) {
      this.update({ alert: 'Not connected to the app yet; try again in a moment.' });
      return;
    }
    this.update({ conversationRequested: true, alert: null });
    void this.speaker.prepare().catch(() => {});
    try {
      const deviceId = this.snapshot.settings?.values.audio.inputDeviceId || undefined;
      this.microphone = await startMicrophone((samples) => this.onMicrophoneFrame(samples), deviceId);
    } catch (error) {
      this.update({ conversationRequested: false, alert: (error as Error).message });
      return;
    }
    if (!this.snapshot.conversationRequested) {
      // End was pressed while the microphone was opening.
      await this.stopMicrophone();
      return;
    }
    this.frameSeq = 0;
    this.framesSent = 0;
    this.update({ microphoneLabel: this.microphone.deviceLabel, framesSent: 0 });
    this.send({ type: 'conversation.start' });
  }

  async endConversation(): Promise<void> {
    if (!this.snapshot.conversationRequested) return;
    this.update({ conversationRequested: false });
    this.speaker.flush();
    this.endCaptureSpan();
    await this.stopMicrophone();
    if (this.snapshot.conversationId) this.send({ type: 'conversation.end' });
  }

  /** Sends a typed message; returns false (and keeps nothing lost) when it cannot be sent. */
  sendText(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed) return false;
    if (!this.port) {
      this.update({ alert: 'Not connected to the app; your message was kept. Send it again once connected.' });
      return false;
    }
    void this.speaker.prepare().catch(() => {});
    this.send({ type: 'user.text', text: trimmed });
    return true;
  }

  playTestSound(): void {
    if (!this.port) {
      this.update({ alert: 'Not connected to the app yet.' });
      return;
    }
    void this.speaker.prepare().then(() => this.send({ type: 'audio.test' }), (error: unknown) => this.update({ alert: `Audio output could not start: ${String(error)}` }));
  }

  /** Push-to-talk: the key or button went down (true) or up (false). */
  pushToTalk(pressed: boolean): void {
    if (!this.snapshot.conversationId) return;
    if (pressed) this.speaker.flush();
    this.send({ type: 'ptt', pressed });
  }

  listHistory(): void {
    this.update({ openConversation: null });
    this.send({ type: 'history.list' });
  }

  openHistory(id: string): void {
    this.send({ type: 'history.open', id });
  }

  closeHistoryConversation(): void {
    this.update({ openConversation: null });
  }

  deleteHistory(id: string): void {
    this.update({ openConversation: null });
    this.send({ type: 'history.delete', id });
  }

  /** Fetches a catalogue model (resuming a partial one); progress arrives in `models`. */
  downloadModel(id: string): void {
    this.update({ modelsResult: null });
    if (!this.send({ type: 'models.download', id })) this.update({ alert: 'Not connected to the app; the download did not start.' });
  }

  cancelModelDownload(id: string): void {
    this.send({ type: 'models.cancel', id });
  }

  removeModel(id: string): void {
    this.send({ type: 'models.remove', id });
  }

  /** Uses a model file on the host's disk for a stage; the answer arrives as `modelsResult`. */
  pickModelFile(stage: ModelStageName, path: string): void {
    this.update({ modelsResult: null });
    if (!this.send({ type: 'models.pick', stage, path })) this.update({ modelsResult: { ok: false, message: 'Not connected to the app.' } });
  }

  unpickModelFile(stage: ModelStageName): void {
    this.send({ type: 'models.unpick', stage });
  }

  /** Saves settings in main; the answer arrives as `settingsSave`. */
  saveSettings(patch: Record<string, unknown>): void {
    if (!this.send({ type: 'settings.update', patch })) {
      this.update({ settingsSave: { state: 'refused', errors: { settings: 'Not connected to the app; nothing was saved.' } } });
      return;
    }
    this.update({ settingsSave: { state: 'saving' } });
  }

  /** Switches tracing in main (for both processes); applies to the next span. */
  configureTracing(change: { enabled?: boolean; consoleExport?: boolean }): void {
    this.send({ type: 'telemetry.configure', ...change });
  }

  dismissAlert(): void {
    this.update({ alert: null });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pendingUiUpdate) clearTimeout(this.pendingUiUpdate);
    await this.stopMicrophone();
    await this.speaker.close();
    this.endCaptureSpan();
    await this.telemetry.flush().catch(() => {});
    this.port?.close();
    this.port = null;
  }

  // ---- incoming -------------------------------------------------------------

  private onMessage(envelope: ServerEnvelope): void {
    const message = envelope.message;
    switch (message.type) {
      case 'welcome':
        this.forgetStreams();
        this.update({ sessionId: message.sessionId });
        return;
      case 'state':
        this.update({ state: message.state, stateDetail: message.detail ?? null, conversationId: message.conversationId });
        this.traceCapture(message.conversationId, envelope.traceparent);
        return;
      case 'telemetry':
        this.telemetry.setState(message.state);
        this.update({ tracing: message.state });
        return;
      case 'turn':
        this.traceTurn(message.phase, message.stream, envelope.traceparent);
        return;
      case 'settings':
        this.update({ settings: message.view });
        void this.speaker.setOutputDevice(message.view.values.audio.outputDeviceId).catch((error: unknown) => {
          this.update({ alert: `The chosen speaker could not be used (${String(error)}); playing on the default one.` });
        });
        return;
      case 'history':
        this.update({ history: message.items });
        return;
      case 'history.conversation':
        this.update({ openConversation: { summary: message.summary, entries: message.entries } });
        return;
      case 'models':
        this.update({ models: message.view });
        return;
      case 'models.result':
        this.update({ modelsResult: { ok: message.ok, message: message.message } });
        return;
      case 'settings.result':
        this.update({ settingsSave: message.ok ? { state: 'saved' } : { state: 'refused', errors: message.errors } });
        return;
      case 'audio.stats':
        this.update({ stats: message.stats });
        return;
      case 'transcript':
        this.upsertTranscript({
          id: message.id,
          role: message.role,
          text: message.text,
          final: message.final,
          ...(message.interrupted ? { interrupted: true } : {}),
        });
        return;
      case 'notice':
        this.addNotice(message.text, message.level);
        return;
      case 'audio.flush':
        this.speaker.flush();
        return;
      case 'error':
        this.update({ alert: message.message });
        return;
    }
  }

  private onAudio(data: ArrayBuffer): void {
    const decoded = decodeAudioFrame(data, FrameKind.AssistantAudio);
    if (!decoded.ok) {
      console.warn('Ignored an invalid audio chunk from main:', decoded.error);
      return;
    }
    const { stream, sampleRate, samples } = decoded.frame;
    this.tracePlaybackChunk(stream);
    void this.speaker.play(stream, sampleRate, samples).catch((error: unknown) => {
      this.update({ alert: `Audio output failed: ${String(error)}` });
    });
  }

  private onPlayback(event: PlaybackEvent): void {
    const playback = this.playbackTraces.get(event.stream);
    if (playback?.open) {
      playback.span.setAttribute(ATTR.playbackPlayedMs, event.playedMs);
      if (event.event === 'started') playback.span.addEvent(EVENT.playbackStarted);
      if (event.event === 'flushed') {
        playback.span.setAttribute(ATTR.playbackFlushed, true);
        this.endPlaybackSpan(event.stream);
      }
    }
    const traceparent = playback ? sampledTraceparent(playback.span.spanContext()) : undefined;
    this.send({ type: 'playback', event: event.event, stream: event.stream, playedMs: event.playedMs }, traceparent);
  }

  // ---- tracing ----------------------------------------------------------------

  /** audio.capture: the microphone's part of the conversation, under its span in main. */
  private traceCapture(conversationId: string | null, traceparent: string | undefined): void {
    if (conversationId === this.captureConversationId) return;
    this.endCaptureSpan();
    this.captureConversationId = conversationId;
    const parent = conversationId ? this.telemetry.contextFrom(traceparent) : null;
    if (!parent || !this.telemetry.enabled) return;
    this.captureSpan = this.telemetry.tracer.startSpan(
      SPAN.audioCapture,
      { attributes: { [ATTR.captureSampleRate]: INPUT_SAMPLE_RATE, 'audio.capture.device': this.snapshot.microphoneLabel ?? 'unknown' } },
      parent,
    );
  }

  private endCaptureSpan(): void {
    this.captureSpan?.setAttribute(ATTR.captureFramesSent, this.framesSent);
    this.captureSpan?.end();
    this.captureSpan = null;
  }

  private traceTurn(phase: 'start' | 'end', stream: number, traceparent: string | undefined): void {
    if (phase === 'start') {
      const context = this.telemetry.contextFrom(traceparent);
      if (context) this.streamContexts.set(stream, context);
      for (const old of [...this.streamContexts.keys()].filter((s) => s < stream - 4)) this.streamContexts.delete(old);
      return;
    }
    this.endPlaybackSpan(stream);
    this.streamContexts.delete(stream);
  }

  /** audio.playback: from the first chunk of a stream until it drains or is flushed. */
  private tracePlaybackChunk(stream: number): void {
    const existing = this.playbackTraces.get(stream);
    if (existing) {
      existing.chunks++;
      return;
    }
    const parent = this.streamContexts.get(stream);
    if (!parent || !this.telemetry.enabled) return;
    const span = this.telemetry.tracer.startSpan(SPAN.audioPlayback, { attributes: { 'audio.playback.stream': stream } }, parent);
    this.playbackTraces.set(stream, { span, chunks: 1, open: true });
    for (const old of [...this.playbackTraces.keys()].filter((s) => s < stream - 4)) this.endPlaybackSpan(old, true);
  }

  /**
   * A new session numbers its audio streams from the start again: what is
   * known by stream id (the speaker's, the turns' trace contexts, playback
   * spans) belongs to the old one.
   */
  private forgetStreams(): void {
    this.speaker.reset();
    for (const stream of [...this.playbackTraces.keys()]) this.endPlaybackSpan(stream, true);
    this.streamContexts.clear();
  }

  private endPlaybackSpan(stream: number, forget = false): void {
    const playback = this.playbackTraces.get(stream);
    if (playback?.open) {
      playback.open = false;
      playback.span.setAttribute(ATTR.playbackChunks, playback.chunks);
      playback.span.end();
    }
    if (forget || playback) this.playbackTraces.delete(stream);
  }

  private onClose(reason: string): void {
    this.port = null;
    if (this.disposed) return;
    const wasInConversation = this.snapshot.conversationRequested;
    this.speaker.flush();
    void this.stopMicrophone();
    this.update({
      conversationRequested: false,
      conversationId: null,
      state: 'connecting',
      sessionId: null,
    });
    this.addNotice(
      wasInConversation
        ? `Connection to the app lost (${reason}); the conversation was ended. Reconnecting…`
        : `Connection to the app lost (${reason}). Reconnecting…`,
    );
    this.scheduleReconnect();
  }

  // ---- helpers --------------------------------------------------------------

  private onMicrophoneFrame(samples: Int16Array): void {
    if (!this.port || !this.snapshot.conversationRequested) return;
    const frame = encodeAudioFrame({ kind: FrameKind.Microphone, seq: this.frameSeq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples });
    this.port.sendAudio(frame);
    // The meter redraws at most every UI_UPDATE_MS: measure only the frame it will show.
    this.framesSent++;
    this.lastFrame = samples;
    this.pendingUiUpdate ??= setTimeout(() => {
      this.pendingUiUpdate = null;
      if (!this.lastFrame) return;
      this.update({ micLevelDbfs: rmsDbfs(this.lastFrame), framesSent: this.framesSent });
    }, UI_UPDATE_MS);
  }

  private async stopMicrophone(): Promise<void> {
    const microphone = this.microphone;
    this.microphone = null;
    if (microphone) await microphone.stop();
    this.lastFrame = null;
    this.update({ micLevelDbfs: SILENCE_DBFS, microphoneLabel: null });
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt, RECONNECT_DELAYS_MS.length - 1)] ?? 8_000;
    this.reconnectAttempt++;
    this.update({ connection: 'reconnecting' });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private send(message: ClientMessage, traceparent?: string): boolean {
    if (!this.port) return false;
    this.port.send(this.writer.wrap(message, traceparent ? { traceparent } : undefined));
    return true;
  }

  private upsertTranscript(entry: TranscriptEntry): void {
    const list = this.snapshot.transcript;
    const index = list.findIndex((e) => e.id === entry.id);
    const next = index >= 0 ? list.map((e, i) => (i === index ? entry : e)) : [...list, entry].slice(-MAX_TRANSCRIPT);
    this.update({ transcript: next });
  }

  private addNotice(text: string, level: 'error' | 'info' = 'info'): void {
    this.upsertTranscript({ id: `notice-${++this.noticeCount}`, role: 'notice', text, final: true, level });
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
