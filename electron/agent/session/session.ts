/**
 * One client session, independent of the carrier (IPC port or WebSocket):
 * its lifecycle, its carrier, what it sends and its state. Everything the
 * client sends is checked here (size, then schema) and handed to the
 * message's handler (message-handlers.ts); the parts keep the audio
 * statistics (input-meter.ts), the history (history-recorder.ts) and the
 * transport's span (telemetry/conversation/transport-trace.ts). The
 * conversation (conversation/assistant.ts) plugs in here, watched by the
 * observer the app's tracing makes for it.
 */
import { randomUUID } from 'node:crypto';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { FrameKind, decodeAudioFrame, encodeAudioFrame } from '../../../shared/audio-frame';
import {
  EnvelopeWriter,
  PROTOCOL_VERSION,
  parseClientEnvelope,
  type ClientMessage,
  type ErrorCode,
  type ServerEnvelope,
  type ServerMessage,
  type SessionState,
} from '../../../shared/protocol';
import type { SerializedSpan } from '../../../shared/telemetry';
import { Assistant } from '../conversation/assistant';
import { silentLogger, type Logger } from '../util/logger';
import { CHIME_SAMPLE_RATE, chunked, chime } from './chime';
import { HistoryRecorder } from './history-recorder';
import { InputMeter } from './input-meter';
import { MESSAGE_HANDLERS, RequestError, type Outcome, type PlaybackMessage, type SessionContext } from './message-handlers';
import { checkMessageSize } from './message-size';
import type { SessionServices } from './session-services';
import { TraceFeed } from './trace-feed';
import { TurnAudioFeed } from './turn-audio-feed';
import { recordingTurnAudio, TurnAudioRecorder } from './turn-audio-recorder';
import { TransportTrace } from '../telemetry/conversation/transport-trace';
import type { TracingObserver } from '../telemetry/conversation/tracing-observer';

export type { SessionModels, SessionServices, SessionSettings, SessionTelemetry } from './session-services';

/** How a session reaches its client. */
export interface SessionCarrier {
  readonly kind: 'ipc' | 'websocket';
  send(envelope: ServerEnvelope): void;
  sendAudio(frame: ArrayBuffer): void;
}

export interface SessionOptions extends SessionServices {
  logger?: Logger;
  /** Interval between audio statistics updates while a conversation runs. */
  statsIntervalMs?: number;
  /** Frames louder than this (RMS, dBFS) count as voiced. */
  voicedThresholdDbfs?: number;
}

const OUTPUT_CHUNK_MS = 100;
/** A misbehaving client must not flood the log: the first few refusals, then one line per thousand. */
const LOGGED_REFUSALS = 10;

export class Session implements SessionContext {
  readonly id = randomUUID();
  readonly services: SessionServices;
  readonly logger: Logger;
  readonly assistant: Assistant | null;
  private readonly writer = new EnvelopeWriter<ServerMessage>();
  private readonly transport = new TransportTrace();
  private readonly meter: InputMeter;
  private readonly history: HistoryRecorder;
  readonly traces: TraceFeed;
  readonly turnAudio: TurnAudioFeed;
  /** Records the turns' audio for the store, when there is one. */
  private readonly recorder: TurnAudioRecorder | null;
  private state: SessionState = 'idle';
  private stateDetail: string | undefined;
  private conversationId: string | null = null;
  private nextStream = 1;
  /** The test sound's stream while it plays. */
  private playingStream: number | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private modelsViewPending = false;
  /** The conversation's observer, told the client's device latencies beside the conversation. */
  private readonly observer: TracingObserver | undefined;
  private toolsViewPending = false;

  constructor(
    private readonly carrier: SessionCarrier,
    options: SessionOptions = {},
  ) {
    const { logger, statsIntervalMs, voicedThresholdDbfs, ...services } = options;
    this.services = services;
    this.logger = logger ?? silentLogger;
    this.meter = new InputMeter(this.transport.counters, (stats) => this.send({ type: 'audio.stats', stats }), {
      intervalMs: statsIntervalMs ?? 200,
      voicedThresholdDbfs: voicedThresholdDbfs ?? -50,
    });
    this.history = new HistoryRecorder(services.history, this.logger, (level, text) => this.send({ type: 'notice', level, text }));
    this.traces = new TraceFeed(services.telemetry?.traces, (message) => this.send(message));
    this.observer = services.assistant ? services.telemetry?.conversationObserver() : undefined;
    // Turn audio is kept beside the conversation's trace, while tracing is on and the user asks for it.
    this.recorder = this.observer && services.turnAudio ? new TurnAudioRecorder(services.turnAudio) : null;
    const observer = this.observer && this.recorder ? recordingTurnAudio(this.observer, this.recorder) : this.observer;
    this.turnAudio = new TurnAudioFeed(services.turnAudio, (id) => this.recorder?.recording(id) ?? []);
    this.assistant = services.assistant
      ? new Assistant(
          services.assistant,
          {
            state: (state, detail) => this.setState(state, detail),
            transcript: (entry) => {
              this.send({ type: 'transcript', ...entry });
              this.history.transcript(entry);
            },
            notice: (level, text) => this.send({ type: 'notice', level, text }),
            audio: (stream, seq, samples, sampleRate) => this.sendAudio(stream, seq, samples, sampleRate),
            flush: () => this.send({ type: 'audio.flush' }),
            pause: (paused) => this.send({ type: 'audio.pause', paused }),
            allocateStream: () => this.nextStream++,
            turn: (phase, number, stream, traceparent) => this.send({ type: 'turn', phase, number, stream }, traceparent),
          },
          this.logger,
          observer,
        )
      : null;
  }

  get conversationRunning(): boolean {
    return this.conversationId !== null;
  }

  /** Greets the client; call once the carrier is open. */
  open(): void {
    const { telemetry, settings, models, tools } = this.services;
    this.transport.open(telemetry?.tracer, this.id, this.carrier.kind);
    if (telemetry) this.unsubscribe.push(telemetry.onChange((state) => this.send({ type: 'telemetry', state })));
    this.send({
      type: 'welcome',
      sessionId: this.id,
      protocolVersion: PROTOCOL_VERSION,
      audioIn: { sampleRate: INPUT_SAMPLE_RATE, frameSamples: FRAME_SAMPLES },
    });
    if (telemetry) this.send({ type: 'telemetry', state: telemetry.tracingState });
    if (settings) {
      this.send({ type: 'settings', view: settings.view });
      this.unsubscribe.push(settings.onChange(() => this.send({ type: 'settings', view: settings.view })));
    }
    if (models) {
      this.sendModels();
      this.unsubscribe.push(
        models.onChange(() => {
          // Progress can arrive in bursts: at most one view per tick.
          if (this.modelsViewPending) return;
          this.modelsViewPending = true;
          setImmediate(() => {
            this.modelsViewPending = false;
            this.sendModels();
          });
        }),
      );
    }
    if (tools) {
      this.sendTools();
      this.unsubscribe.push(
        tools.subscribe(() => {
          // A restart is several changes at once: at most one view per tick.
          if (this.toolsViewPending) return;
          this.toolsViewPending = true;
          setImmediate(() => {
            this.toolsViewPending = false;
            this.sendTools();
          });
        }),
      );
    }
    this.sendState();
  }

  /**
   * A JSON message from the client: text (WebSocket) or a structured-cloned
   * object (MessagePort). Either is refused past `MAX_MESSAGE_BYTES`.
   */
  receiveMessage(raw: unknown): void {
    if (this.closed) return;
    this.transport.counters.messagesIn++;
    const size = checkMessageSize(raw);
    if (!size.ok) return this.refuse(size.code, size.error, seqOf(raw));
    const parsed = parseClientEnvelope(raw);
    if (!parsed.ok) return this.refuse('bad_message', `Malformed message refused: ${parsed.error}`, parsed.seq);
    this.dispatch(parsed.value.message, parsed.value.seq);
  }

  /** A binary microphone frame from the client. */
  receiveAudio(data: ArrayBuffer | ArrayBufferView): void {
    if (this.closed) return;
    const decoded = decodeAudioFrame(data, FrameKind.Microphone);
    if (!decoded.ok) {
      this.meter.frameDropped();
      this.transport.refused(decoded.error);
      this.sendError('bad_frame', `Audio frame refused: ${decoded.error}`);
      return;
    }
    this.transport.counters.framesIn++;
    if (!this.conversationId) {
      // Frames still in flight after End are expected; drop them quietly.
      this.meter.frameDropped();
      return;
    }
    this.meter.frame(decoded.frame.samples);
    this.assistant?.pushFrame(decoded.frame.samples);
  }

  /**
   * The carrier went away (or the host stops): stop everything this session
   * started. Resolves once what the conversation said is in the history.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.meter.stop();
    this.traces.close();
    this.turnAudio.close();
    const disposed = this.assistant?.dispose() ?? Promise.resolve();
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.transport.close();
    this.conversationId = null;
    this.playingStream = null;
    // The reply cut short by the close is reported by dispose(): it is kept before the history closes.
    this.closing = disposed
      .catch((error: unknown) => this.logger.warn('the assistant did not stop cleanly', { session: this.id, error: String(error) }))
      .then(() => this.history.close());
    return this.closing;
  }

  // ---- what the handlers do with the session (SessionContext) -------------------

  startConversation(): void {
    this.conversationId = randomUUID();
    this.turnAudio.held(this.conversationId);
    this.recorder?.begin(this.conversationId);
    this.meter.start();
    this.assistant?.startConversation(this.conversationId);
    this.history.begin(this.conversationId);
    this.setState('listening');
    this.logger.info('conversation started', { session: this.id, conversation: this.conversationId });
  }

  endConversation(): void {
    this.stopTestSound();
    this.assistant?.endConversation();
    this.recorder?.end();
    this.meter.flush();
    this.meter.stop();
    this.logger.info('conversation ended', { session: this.id, conversation: this.conversationId, ...this.meter.stats });
    void this.history.end();
    this.conversationId = null;
    this.setState('idle');
  }

  playTestSound(): void {
    this.assistant?.interrupt('test sound');
    this.stopTestSound();
    const stream = this.nextStream++;
    this.playingStream = stream;
    this.setState('speaking');
    let seq = 0;
    for (const chunk of chunked(chime(), CHIME_SAMPLE_RATE, OUTPUT_CHUNK_MS)) this.sendAudio(stream, seq++, chunk, CHIME_SAMPLE_RATE);
  }

  playback(message: PlaybackMessage): void {
    if (message.event === 'started')
      this.observer?.deviceLatency?.({
        ...(message.outputLatencyMs !== undefined ? { outputMs: message.outputLatencyMs } : {}),
        ...(message.inputLatencyMs !== undefined ? { inputMs: message.inputLatencyMs } : {}),
      });
    this.assistant?.onPlayback(message.event, message.stream, message.playedMs);
    this.meter.played(message.stream, message.playedMs);
    // Outside a conversation no statistics timer runs: report finished playback at once.
    if (message.event !== 'started' && !this.meter.reporting) this.meter.flushIfChanged();
    if (message.stream !== this.playingStream) return; // not the test sound, or a late report
    if (message.event === 'drained' || message.event === 'flushed') {
      this.playingStream = null;
      this.setState(this.conversationId ? 'listening' : 'idle');
      this.meter.flushIfChanged();
    }
  }

  /** The client's spans join the export only inside traces this session started. */
  importSpans(spans: readonly SerializedSpan[]): void {
    const telemetry = this.services.telemetry;
    const assistant = this.assistant;
    if (!telemetry || !assistant) return;
    const accepted = spans.filter((span) => assistant.isKnownTrace(span.traceId));
    this.transport.counters.spansRefused += spans.length - accepted.length;
    if (accepted.length) telemetry.importSpans(accepted);
  }

  send(message: ServerMessage, traceparent?: string): void {
    if (this.closed) return;
    try {
      this.carrier.send(this.writer.wrap(message, traceparent ? { traceparent } : undefined));
    } catch (error) {
      this.logger.warn('could not send to client', { session: this.id, error: String(error) });
    }
  }

  // ---- the core -------------------------------------------------------------

  /** Runs the message's handler; its reply and its refusal are answered here, with `ref` = the request's seq. */
  private dispatch(message: ClientMessage, seq: number): void {
    const handler = MESSAGE_HANDLERS[message.type] as (message: ClientMessage, session: SessionContext) => Outcome | Promise<Outcome>;
    const answer = (reply: Outcome) => {
      if (reply) this.send({ ...reply, ref: seq } as ServerMessage);
    };
    try {
      const outcome = handler(message, this);
      if (outcome instanceof Promise) outcome.then(answer, (error: unknown) => this.failed(error, seq));
      else answer(outcome);
    } catch (error) {
      this.failed(error, seq);
    }
  }

  private failed(error: unknown, seq: number): void {
    if (error instanceof RequestError) return this.sendError(error.code, error.message, seq);
    this.logger.error('message handler failed', { session: this.id, error: String(error) });
    this.sendError('internal', 'The message could not be handled.', seq);
  }

  /** A message refused before any handler saw it (too large or malformed). */
  private refuse(code: ErrorCode, error: string, seq: number | undefined): void {
    this.transport.refused(error);
    const refused = this.transport.counters.messageErrors;
    if (refused <= LOGGED_REFUSALS || refused % 1_000 === 0) this.logger.warn('refused a message', { session: this.id, code, error, refused });
    this.sendError(code, error, seq);
  }

  private sendAudio(stream: number, seq: number, samples: Int16Array, sampleRate: number): void {
    this.carrier.sendAudio(encodeAudioFrame({ kind: FrameKind.AssistantAudio, seq, stream, sampleRate, samples }));
    this.meter.chunkSent();
  }

  private stopTestSound(): void {
    if (this.playingStream === null) return;
    this.playingStream = null;
    this.send({ type: 'audio.flush' });
  }

  private sendModels(): void {
    const models = this.services.models;
    if (this.closed || !models) return;
    try {
      this.send({ type: 'models', view: models.view() });
    } catch (error) {
      this.logger.error('the models view could not be built', { error: String(error) });
    }
  }

  private sendTools(): void {
    const tools = this.services.tools;
    if (this.closed || !tools) return;
    try {
      this.send({ type: 'tools', view: tools.view() });
    } catch (error) {
      this.logger.error('the tools view could not be built', { error: String(error) });
    }
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

  private sendError(code: ErrorCode, message: string, ref?: number): void {
    this.send({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }) });
  }
}

/** The envelope's seq, when an unparsed message shows one (an object; text is not parsed to find it). */
function seqOf(raw: unknown): number | undefined {
  const seq = typeof raw === 'object' && raw !== null ? (raw as { seq?: unknown }).seq : undefined;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}
