/**
 * The renderer's side of a session, as the UI uses it: the commands, and an
 * immutable snapshot (React reads it with useSyncExternalStore). The parts do
 * the work: the connection (./connection.ts), the reducer from main's messages
 * to the snapshot (./reducer.ts), the microphone and the speaker (../audio),
 * and the conversation's spans (../telemetry).
 */
import { SILENCE_DBFS } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame } from '../../../shared/audio-frame';
import type { ModelStageName } from '../../../shared/models';
import type { ServerEnvelope, ServerMessage } from '../../../shared/protocol';
import { MicrophoneFeed } from '../audio/microphone-feed';
import { Speaker, type PlaybackEvent } from '../audio/speaker';
import { createBridge, type Bridge } from '../bridge/bridge';
import { ConversationSpans } from '../telemetry/conversation-spans';
import { RendererTelemetry } from '../telemetry/renderer-telemetry';
import { parseTraceparent } from '../../../shared/trace-context';
import { TraceFollower } from '../traces/trace-follower';
import { withReply, type ReplyTurn } from '../traces/traces-state';
import { Connection } from './connection';
import { DesktopLink } from './desktop-link';
import { RequestError, type RequestMessage } from './pending-requests';
import { toolRequests, type ToolActions } from './tool-requests';
import { connectionLost, initialSnapshot, reduce, type SessionSnapshot } from './reducer';

export type { ConnectionState, SessionSnapshot, TranscriptEntry } from './reducer';

export class SessionClient {
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly connection: Connection;
  private readonly speaker = new Speaker((event) => this.onPlayback(event));
  private readonly microphone = new MicrophoneFeed({
    accepting: () => this.connection.connected && this.snapshot.conversationRequested,
    sendFrame: (frame) => this.connection.sendAudio(frame),
    onMeter: ({ levelDbfs, framesSent }) => this.update({ micLevelDbfs: levelDbfs, framesSent }),
  });
  private readonly telemetry = new RendererTelemetry((spans) => this.connection.send({ type: 'telemetry.spans', spans }));
  private readonly spans = new ConversationSpans(this.telemetry, () => ({ device: this.snapshot.microphoneLabel, framesSent: this.microphone.framesSent }));
  private readonly traces = new TraceFollower({
    list: () => this.connection.request({ type: 'traces.list' }),
    page: (key, from) => this.connection.request({ type: 'traces.spans', key, from }),
    watch: (on) => this.connection.send({ type: 'traces.watch', on }),
    state: () => this.snapshot.traces,
    apply: (reply) => this.apply(reply),
    shown: () => new Set(Object.values(this.snapshot.traces.replies).map((r) => r.key)),
  });
  /** The turn running now, while main traces it: its replies are shown with its latency. */
  private runningTurn: ReplyTurn | null = null;
  private readonly openExternalLink: ((url: string) => void) | undefined;
  private readonly desktop: DesktopLink | null;
  /** Settings -> Tools' requests; applied from the next turn. */
  readonly tools: ToolActions = toolRequests({
    connected: () => this.connection.connected,
    ask: (message, onFailure) => this.ask(message, onFailure),
    update: (patch) => this.update(patch),
  });
  private disposed = false;

  constructor(bridge: Bridge = createBridge()) {
    this.openExternalLink = bridge.openExternal;
    const api = bridge.desktop;
    this.snapshot = { ...initialSnapshot(bridge.transport), desktop: api ? { platform: api.platform, status: null } : null };
    this.desktop = api
      ? new DesktopLink(api, {
          startConversation: () => void this.startConversation(),
          endConversation: () => void this.endConversation(),
          pushToTalk: (pressed) => this.pushToTalk(pressed),
          status: (status) => this.update({ desktop: { platform: api.platform, status } }),
        })
      : null;
    this.connection = new Connection(bridge, {
      onState: (connection) => this.update({ connection }),
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
      this.update({ alert: 'Not connected to the app yet; try again in a moment.' });
      return;
    }
    this.update({ conversationRequested: true, alert: null });
    this.prepareSpeaker();
    let label: string;
    try {
      label = await this.microphone.start(this.snapshot.settings?.values.audio.inputDeviceId || undefined);
    } catch (error) {
      this.update({ conversationRequested: false, alert: (error as Error).message });
      return;
    }
    if (!this.snapshot.conversationRequested) {
      // End was pressed while the microphone was opening.
      await this.stopMicrophone();
      return;
    }
    this.update({ microphoneLabel: label, framesSent: 0 });
    this.connection.send({ type: 'conversation.start' });
  }

  async endConversation(): Promise<void> {
    if (!this.snapshot.conversationRequested) return;
    this.update({ conversationRequested: false });
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
      this.update({ alert: 'Not connected to the app; your message was kept. Send it again once connected.' });
      return false;
    }
    this.prepareSpeaker();
    this.connection.send({ type: 'user.text', text: trimmed });
    return true;
  }

  playTestSound(): void {
    if (!this.connection.connected) {
      this.update({ alert: 'Not connected to the app yet.' });
      return;
    }
    void this.speaker.prepare().then(
      () => this.connection.send({ type: 'audio.test' }),
      (error: unknown) => this.update({ alert: `Audio output could not start: ${String(error)}` }),
    );
  }

  /** Push-to-talk: the key or button went down (true) or up (false). */
  pushToTalk(pressed: boolean): void {
    if (!this.snapshot.conversationId) return;
    if (pressed) this.speaker.flush();
    this.connection.send({ type: 'ptt', pressed });
  }

  listHistory(): void {
    this.update({ openConversation: null });
    this.ask({ type: 'history.list' });
  }

  openHistory(id: string): void {
    this.ask({ type: 'history.open', id });
  }

  /** The next page of the saved conversations, older ones. */
  moreHistoryList(): void {
    const next = this.snapshot.historyMore?.next;
    if (next != null) this.ask({ type: 'history.list', from: next });
  }

  /** The next page of the conversation being read. */
  moreHistory(): void {
    const open = this.snapshot.openConversation;
    if (open && open.next !== null) this.ask({ type: 'history.open', id: open.summary.id, from: open.next });
  }

  closeHistoryConversation(): void {
    this.update({ openConversation: null });
  }

  deleteHistory(id: string): void {
    this.update({ openConversation: null });
    this.ask({ type: 'history.delete', id });
  }

  /** Fetches a catalogue model (resuming a partial one); progress arrives in `models`. */
  downloadModel(id: string): void {
    this.update({ modelsResult: null });
    if (!this.connection.connected) {
      this.update({ alert: 'Not connected to the app; the download did not start.' });
      return;
    }
    this.ask({ type: 'models.download', id });
  }

  cancelModelDownload(id: string): void {
    this.ask({ type: 'models.cancel', id });
  }

  removeModel(id: string): void {
    this.ask({ type: 'models.remove', id });
  }

  /** Uses a model file on the host's disk for a stage; the answer arrives as `modelsResult`. */
  pickModelFile(stage: ModelStageName, path: string): void {
    this.update({ modelsResult: null });
    this.ask({ type: 'models.pick', stage, path }, (error) =>
      this.update({ modelsResult: { ok: false, message: error.failure === 'disconnected' ? 'Not connected to the app.' : error.message } }),
    );
  }

  /** Whether the system's file picker chooses model files (the desktop); else the page asks for a path. */
  get choosesModelFiles(): boolean {
    return this.desktop !== null;
  }

  /** Opens the system's file picker for a model file, and uses the file chosen. */
  async chooseModelFile(stage: ModelStageName): Promise<void> {
    if (!this.desktop) return;
    let path: string | null;
    try {
      path = await this.desktop.pickModelFile(stage);
    } catch (error) {
      this.update({ modelsResult: { ok: false, message: `The file picker could not open (${String(error)}).` } });
      return;
    }
    if (path) this.pickModelFile(stage, path);
  }

  /** Runs `listener` whenever the shell (tray, menu) asks for the settings pane; returns the unsubscribe. */
  onSettingsRequested(listener: () => void): () => void {
    return this.desktop?.onSettingsRequested(listener) ?? (() => {});
  }

  unpickModelFile(stage: ModelStageName): void {
    this.ask({ type: 'models.unpick', stage });
  }

  /** Saves settings in main; the answer arrives as `settingsSave`. */
  saveSettings(patch: Record<string, unknown>): void {
    if (!this.connection.connected) {
      this.update({ settingsSave: { state: 'refused', errors: { settings: 'Not connected to the app; nothing was saved.' } } });
      return;
    }
    this.update({ settingsSave: { state: 'saving' } });
    this.ask({ type: 'settings.update', patch }, (error) => {
      const message = error.failure === 'disconnected' ? 'The connection to the app was lost before it answered; check whether the change was kept.' : error.message;
      this.update({ settingsSave: { state: 'refused', errors: { settings: message } } });
    });
  }

  /** The trace viewer opens: the latest list of conversations. */
  refreshTraces(): void {
    this.traces.refresh();
  }

  /** The trace viewer shows this conversation: its spans are fetched and kept up to date. */
  selectTraceConversation(key: string | null): void {
    this.traces.select(key);
  }

  /**
   * Opens a trace UI's address outside the app: the system browser on the
   * desktop (main checks it first); false where the page opens it itself (a new tab).
   */
  openExternal(url: string): boolean {
    if (!this.openExternalLink) return false;
    this.openExternalLink(url);
    return true;
  }

  /** Switches tracing in main (for both processes), saved like any setting; applies to the next span. */
  configureTracing(change: { enabled?: boolean; consoleExport?: boolean }): void {
    this.saveSettings({ values: { tracing: change } });
  }

  dismissAlert(): void {
    this.update({ alert: null });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.desktop?.dispose();
    this.microphone.dispose();
    await this.connection.dispose(async () => {
      await this.stopMicrophone();
      await this.speaker.close();
      this.spans.endCapture();
      await this.telemetry.flush().catch((error: unknown) => console.warn('The last spans could not be sent to main:', error));
    });
  }

  // ---- incoming -------------------------------------------------------------

  /** A message main sent on its own (replies to requests settle their request instead). */
  private onMessage(envelope: ServerEnvelope): void {
    const message = envelope.message;
    switch (message.type) {
      case 'welcome':
        this.forgetStreams();
        this.traces.sessionChanged();
        break;
      case 'telemetry':
        this.telemetry.setState(message.state);
        this.traces.setTracing(message.state.enabled);
        break;
      case 'turn':
        this.spans.traceTurn(message.phase, message.stream, envelope.traceparent);
        this.runningTurn = message.phase === 'start' ? this.replyTurn(envelope.traceparent) : null;
        break;
      case 'traces':
        // A change in the store: the list, then the spans the page lacks.
        this.traces.listed(message);
        return;
      case 'transcript':
        if (message.role === 'assistant' && this.runningTurn) this.update({ traces: withReply(this.snapshot.traces, message.id, this.runningTurn) });
        break;
      case 'settings':
        void this.speaker.setOutputDevice(message.view.values.audio.outputDeviceId).catch((error: unknown) => {
          this.update({ alert: `The chosen speaker could not be used (${String(error)}); playing on the default one.` });
        });
        break;
      case 'audio.flush':
        this.speaker.flush();
        break;
      case 'audio.pause':
        this.speaker.pause(message.paused);
        break;
    }
    this.apply(message);
    if (message.type === 'state') this.spans.traceCapture(message.conversationId, envelope.traceparent);
  }

  private replyTurn(traceparent: string | undefined): ReplyTurn | null {
    const parent = parseTraceparent(traceparent);
    return parent ? { key: this.snapshot.conversationId ?? parent.traceId, traceId: parent.traceId, spanId: parent.spanId } : null;
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
      this.update({ alert: `Audio output failed: ${String(error)}` });
    });
  }

  private onPlayback(event: PlaybackEvent): void {
    const traceparent = this.spans.tracePlayback(event);
    this.connection.send({ type: 'playback', event: event.event, stream: event.stream, playedMs: event.playedMs }, traceparent);
  }

  /**
   * A new session numbers its audio streams from the start again: what is
   * known by stream id (the speaker's queue, the streams' spans) belongs to the old one.
   */
  private forgetStreams(): void {
    this.speaker.reset();
    this.spans.forgetStreams();
  }

  private onLost(reason: string): void {
    this.speaker.flush();
    void this.stopMicrophone();
    this.set(connectionLost(this.snapshot, reason));
  }

  // ---- helpers --------------------------------------------------------------

  /**
   * Sends a request; its reply goes through the reducer like any message.
   * A failure is shown as an alert unless `onFailure` says otherwise; a lost
   * link is not, since the conversation already says so.
   */
  private ask(message: RequestMessage, onFailure?: (error: RequestError) => void): void {
    this.connection.request(message).then(
      (reply) => this.apply(reply),
      (error: unknown) => {
        const failure = error instanceof RequestError ? error : new RequestError(String(error), 'refused');
        if (onFailure) onFailure(failure);
        else if (failure.failure !== 'disconnected') this.update({ alert: failure.message });
      },
    );
  }

  /** Starts the audio output ahead of the reply; only a head start, since play() starts it again and reports a failure. */
  private prepareSpeaker(): void {
    void this.speaker.prepare().catch((error: unknown) => console.warn('Audio output did not start yet:', error));
  }

  private async stopMicrophone(): Promise<void> {
    await this.microphone.stop();
    this.update({ micLevelDbfs: SILENCE_DBFS, microphoneLabel: null });
  }

  private apply(message: ServerMessage): void {
    this.set(reduce(this.snapshot, message));
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.set({ ...this.snapshot, ...patch });
  }

  private set(next: SessionSnapshot): void {
    if (next === this.snapshot) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}
