/**
 * The renderer's side of a session, as the UI uses it: the conversation's
 * commands, an immutable snapshot (React reads it with useSyncExternalStore),
 * and the request modules (history, models, settings, tools, traces,
 * desktop). The parts do the work: the connection (./connection.ts), the
 * reducer from main's messages and the page's own events to the snapshot
 * (./reducer.ts, the only writer of it), the microphone and the speaker
 * (../audio), and the conversation's spans (../telemetry).
 */
import { FrameKind, decodeAudioFrame } from '../../../shared/audio-frame';
import type { ServerEnvelope, ServerMessage } from '../../../shared/protocol';
import { MicrophoneFeed } from '../audio/microphone-feed';
import { Speaker, type PlaybackEvent } from '../audio/speaker';
import { createBridge, type Bridge } from '../bridge/bridge';
import { ConversationSpans } from '../telemetry/conversation-spans';
import { RendererTelemetry } from '../telemetry/renderer-telemetry';
import { Connection } from './connection';
import { DesktopLink, desktopRequests, type DesktopActions } from './desktop-link';
import { historyRequests, type HistoryActions } from './history-requests';
import { modelRequests, type ModelActions } from './model-requests';
import { initialSnapshot, reduce, type LocalEvent, type SessionSnapshot } from './reducer';
import { asking, type RequestLink } from './request-link';
import { settingsRequests, type SettingsActions } from './settings-requests';
import { toolRequests, type ToolActions } from './tool-requests';
import { TraceRequests } from './trace-requests';
import { turnAudioRequests, type TurnAudioActions } from './turn-audio-requests';

export type { ConnectionState, SessionSnapshot, TranscriptEntry } from './reducer';

export class SessionClient {
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly connection: Connection;
  private readonly speaker = new Speaker((event) => this.onPlayback(event));
  private readonly microphone = new MicrophoneFeed({
    accepting: () => this.connection.connected && this.snapshot.conversationRequested,
    sendFrame: (frame) => this.connection.sendAudio(frame),
    onMeter: ({ levelDbfs, framesSent }) => this.dispatch({ type: 'local.meter', levelDbfs, framesSent }),
  });
  private readonly telemetry = new RendererTelemetry((spans) => this.connection.send({ type: 'telemetry.spans', spans }), () => this.snapshot.tracing);
  private readonly spans = new ConversationSpans(this.telemetry, () => ({
    device: this.snapshot.microphoneLabel,
    framesSent: this.microphone.framesSent,
    inputLatencyMs: this.microphone.inputLatencyMs,
  }));
  private readonly desktopLink: DesktopLink | null;
  private readonly link: RequestLink = {
    connected: () => this.connection.connected,
    ask: asking((message) => this.connection.request(message), (event) => this.dispatch(event)),
    dispatch: (event) => this.dispatch(event),
    snapshot: () => this.snapshot,
  };
  readonly history: HistoryActions = historyRequests(this.link);
  readonly settings: SettingsActions = settingsRequests(this.link);
  /** Settings -> Tools' requests; applied from the next turn. */
  readonly tools: ToolActions = toolRequests(this.link);
  /** The trace viewer: `refresh` the list when it opens; `select` a conversation to fetch and follow its spans. */
  readonly traces = new TraceRequests({ ...this.link, request: (message) => this.connection.request(message), send: (message) => this.connection.send(message) });
  /** The trace viewer's turn audio: what is kept of a conversation, and a turn's (or its) file. */
  readonly audio: TurnAudioActions = turnAudioRequests({ request: (message) => this.connection.request(message) });
  readonly models: ModelActions;
  readonly desktop: DesktopActions;
  private disposed = false;

  constructor(bridge: Bridge = createBridge()) {
    const api = bridge.desktop;
    this.snapshot = { ...initialSnapshot(bridge.transport), desktop: api ? { platform: api.platform, status: null } : null };
    this.desktopLink = api
      ? new DesktopLink(api, {
          startConversation: () => void this.startConversation(),
          endConversation: () => void this.endConversation(),
          pushToTalk: (pressed) => this.pushToTalk(pressed),
          status: (status) => this.dispatch({ type: 'local.desktop', status }),
        })
      : null;
    const link = this.desktopLink;
    this.models = modelRequests(this.link, link ? (stage) => link.pickModelFile(stage) : null);
    this.desktop = desktopRequests(link, bridge.openExternal);
    this.connection = new Connection(bridge, {
      onState: (connection) => this.dispatch({ type: 'local.connection', connection }),
      onMessage: (envelope) => this.onMessage(envelope),
      onAudio: (frame) => this.onAudio(frame),
      onLost: (reason) => this.onLost(reason),
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  connect(): void {
    if (!this.disposed) this.connection.connect();
  }

  async startConversation(): Promise<void> {
    if (this.snapshot.conversationRequested) return;
    if (!this.connection.connected) {
      this.dispatch({ type: 'local.alert', alert: 'Not connected to the app yet; try again in a moment.' });
      return;
    }
    this.dispatch({ type: 'local.conversation', requested: true, alert: null });
    this.prepareSpeaker();
    let label: string;
    try {
      label = await this.microphone.start(this.snapshot.settings?.values.audio.inputDeviceId || undefined);
    } catch (error) {
      this.dispatch({ type: 'local.conversation', requested: false, alert: (error as Error).message });
      return;
    }
    if (!this.snapshot.conversationRequested) {
      // End was pressed while the microphone was opening.
      await this.stopMicrophone();
      return;
    }
    this.dispatch({ type: 'local.microphone', label });
    this.connection.send({ type: 'conversation.start' });
  }

  async endConversation(): Promise<void> {
    if (!this.snapshot.conversationRequested) return;
    this.dispatch({ type: 'local.conversation', requested: false });
    this.speaker.flush();
    this.spans.endCapture();
    await this.stopMicrophone();
    if (this.snapshot.conversationId) this.connection.send({ type: 'conversation.end' });
  }

  /** Sends a typed message; returns false (and keeps nothing lost) when it cannot be sent. */
  sendText(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed) return false;
    if (!this.connection.connected) {
      this.dispatch({ type: 'local.alert', alert: 'Not connected to the app; your message was kept. Send it again once connected.' });
      return false;
    }
    this.prepareSpeaker();
    this.connection.send({ type: 'user.text', text: trimmed });
    return true;
  }

  playTestSound(): void {
    if (!this.connection.connected) {
      this.dispatch({ type: 'local.alert', alert: 'Not connected to the app yet.' });
      return;
    }
    void this.speaker.prepare().then(
      () => this.connection.send({ type: 'audio.test' }),
      (error: unknown) => this.dispatch({ type: 'local.alert', alert: `Audio output could not start: ${String(error)}` }),
    );
  }

  /** Push-to-talk: the key or button went down (true) or up (false). */
  pushToTalk(pressed: boolean): void {
    if (!this.snapshot.conversationId) return;
    if (pressed) this.speaker.flush();
    this.connection.send({ type: 'ptt', pressed });
  }

  dismissAlert(): void {
    this.dispatch({ type: 'local.alert', alert: null });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.desktopLink?.dispose();
    this.microphone.dispose();
    await this.connection.dispose(async () => {
      await this.stopMicrophone();
      await this.speaker.close();
      this.spans.endCapture();
      await this.telemetry.flush().catch((error: unknown) => console.warn('The last spans could not be sent to main:', error));
    });
  }

  /** A message main sent on its own (replies to requests settle their request instead). */
  private onMessage(envelope: ServerEnvelope): void {
    const message = envelope.message;
    this.traces.received(message, envelope.traceparent);
    switch (message.type) {
      case 'welcome':
        // A new session numbers its audio streams from the start again: what is known by stream id belongs to the old one.
        this.speaker.reset();
        this.spans.forgetStreams();
        break;
      case 'turn':
        this.spans.traceTurn(message.phase, message.stream, envelope.traceparent);
        break;
      case 'traces':
        return;
      case 'settings':
        void this.speaker.setOutputDevice(message.view.values.audio.outputDeviceId).catch((error: unknown) => {
          this.dispatch({ type: 'local.alert', alert: `The chosen speaker could not be used (${String(error)}); playing on the default one.` });
        });
        break;
      case 'audio.flush':
        this.speaker.flush();
        break;
      case 'audio.pause':
        this.speaker.pause(message.paused);
        break;
    }
    this.dispatch(message);
    if (message.type === 'state') this.spans.traceCapture(message.conversationId, envelope.traceparent);
  }

  private onAudio(data: ArrayBuffer): void {
    const decoded = decodeAudioFrame(data, FrameKind.AssistantAudio);
    if (!decoded.ok) {
      console.warn('Ignored an invalid audio chunk from main:', decoded.error);
      return;
    }
    const { stream, sampleRate, samples } = decoded.frame;
    this.spans.tracePlaybackChunk(stream);
    void this.speaker.play(stream, sampleRate, samples).catch((error: unknown) => {
      this.dispatch({ type: 'local.alert', alert: `Audio output failed: ${String(error)}` });
    });
  }

  private onPlayback(event: PlaybackEvent): void {
    const traceparent = this.spans.tracePlayback(event);
    const input = this.microphone.inputLatencyMs;
    // When playback starts, main adds the devices' latencies to the turn's voice-to-voice.
    const latency = event.event === 'started' ? { ...(event.outputLatencyMs !== undefined ? { outputLatencyMs: event.outputLatencyMs } : {}), ...(input !== null ? { inputLatencyMs: input } : {}) } : {};
    this.connection.send({ type: 'playback', event: event.event, stream: event.stream, playedMs: event.playedMs, ...latency }, traceparent);
  }

  private onLost(reason: string): void {
    this.speaker.flush();
    void this.stopMicrophone();
    this.dispatch({ type: 'local.lost', reason });
  }

  /** Starts the audio output ahead of the reply; only a head start, since play() starts it again and reports a failure. */
  private prepareSpeaker(): void {
    void this.speaker.prepare().catch((error: unknown) => console.warn('Audio output did not start yet:', error));
  }

  private async stopMicrophone(): Promise<void> {
    await this.microphone.stop();
    this.dispatch({ type: 'local.microphone', label: null });
  }

  /** The one way the snapshot changes: through the reducer. */
  private dispatch(event: ServerMessage | LocalEvent): void {
    const next = reduce(this.snapshot, event);
    if (next === this.snapshot) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}
