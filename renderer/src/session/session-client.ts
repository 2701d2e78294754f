/**
 * The renderer's side of a session: owns the bridge connection (with
 * reconnection), the microphone and the speaker, and exposes an immutable
 * snapshot for the UI (React reads it with useSyncExternalStore).
 */
import { INPUT_SAMPLE_RATE, SILENCE_DBFS, rmsDbfs } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame, encodeAudioFrame } from '../../../shared/audio-frame';
import type { SessionPort } from '../../../shared/bridge';
import { EnvelopeWriter, type AudioStats, type ClientMessage, type ServerEnvelope, type SessionState } from '../../../shared/protocol';
import { startMicrophone, type Microphone } from '../audio/microphone';
import { Speaker, type PlaybackEvent } from '../audio/speaker';
import { createBridge, type Bridge, type TransportKind } from '../bridge/bridge';

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
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pendingUiUpdate: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private noticeCount = 0;

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
      this.microphone = await startMicrophone((samples) => this.onMicrophoneFrame(samples));
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
    this.update({ microphoneLabel: this.microphone.deviceLabel, framesSent: 0 });
    this.send({ type: 'conversation.start' });
  }

  async endConversation(): Promise<void> {
    if (!this.snapshot.conversationRequested) return;
    this.update({ conversationRequested: false });
    this.speaker.flush();
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

  dismissAlert(): void {
    this.update({ alert: null });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pendingUiUpdate) clearTimeout(this.pendingUiUpdate);
    await this.stopMicrophone();
    await this.speaker.close();
    this.port?.close();
    this.port = null;
  }

  // ---- incoming -------------------------------------------------------------

  private onMessage(envelope: ServerEnvelope): void {
    const message = envelope.message;
    switch (message.type) {
      case 'welcome':
        this.update({ sessionId: message.sessionId });
        return;
      case 'state':
        this.update({ state: message.state, stateDetail: message.detail ?? null, conversationId: message.conversationId });
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
    void this.speaker.play(stream, sampleRate, samples).catch((error: unknown) => {
      this.update({ alert: `Audio output failed: ${String(error)}` });
    });
  }

  private onPlayback(event: PlaybackEvent): void {
    this.send({ type: 'playback', event: event.event, stream: event.stream, playedMs: event.playedMs });
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
    this.update({ micLevelDbfs: rmsDbfs(samples), framesSent: this.snapshot.framesSent + 1 }, true);
  }

  private async stopMicrophone(): Promise<void> {
    const microphone = this.microphone;
    this.microphone = null;
    if (microphone) await microphone.stop();
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

  private send(message: ClientMessage): void {
    this.port?.send(this.writer.wrap(message));
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

  /** Applies a change; `throttled` changes (meters) reach the UI at most every UI_UPDATE_MS. */
  private update(patch: Partial<SessionSnapshot>, throttled = false): void {
    this.snapshot = { ...this.snapshot, ...patch };
    if (throttled) {
      this.pendingUiUpdate ??= setTimeout(() => {
        this.pendingUiUpdate = null;
        this.emit();
      }, UI_UPDATE_MS);
      return;
    }
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
