/**
 * The renderer's spans in a conversation's trace, each under a span of main's:
 * `audio.capture` (the microphone, under the conversation) and one
 * `audio.playback` per audio stream (under the turn that speaks it, from its
 * first chunk until it drains, is flushed or the turn ends).
 *
 * Streams are numbered by main per session; what is kept by stream id is
 * bounded to the most recent few, so a stream whose end never came is let go.
 */
import type { Context, Span } from '@opentelemetry/api';
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import { sampledTraceparent } from '../../../shared/trace-context';
import type { PlaybackEvent } from '../audio/speaker';
import type { RendererTelemetry } from './renderer-telemetry';

/** Streams older than the newest by more than this are forgotten. */
const STREAMS_KEPT = 4;

interface StreamTrace {
  /** The turn span's context in main, the parent of the stream's playback span. */
  turn?: Context;
  playback?: { span: Span; chunks: number };
}

/** What the capture span records about the microphone. */
export interface CaptureInfo {
  device: string | null;
  framesSent: number;
  /** What the input adds, ms, where the browser reports it (audio/device-latency.ts). */
  inputLatencyMs: number | null;
}

export class ConversationSpans {
  private capture: Span | null = null;
  private captureConversationId: string | null = null;
  private readonly streams = new Map<number, StreamTrace>();

  constructor(
    private readonly telemetry: RendererTelemetry,
    private readonly captureInfo: () => CaptureInfo,
  ) {}

  /** audio.capture: the microphone's part of the conversation, under its span in main. */
  traceCapture(conversationId: string | null, traceparent: string | undefined): void {
    if (conversationId === this.captureConversationId) return;
    this.endCapture();
    this.captureConversationId = conversationId;
    const parent = conversationId ? this.telemetry.contextFrom(traceparent) : null;
    if (!parent || !this.telemetry.enabled) return;
    const info = this.captureInfo();
    this.capture = this.telemetry.tracer.startSpan(
      SPAN.audioCapture,
      { attributes: { [ATTR.captureSampleRate]: INPUT_SAMPLE_RATE, 'audio.capture.device': info.device ?? 'unknown' } },
      parent,
    );
    this.noteInputLatency(info);
  }

  endCapture(): void {
    const info = this.captureInfo();
    this.capture?.setAttribute(ATTR.captureFramesSent, info.framesSent);
    this.noteInputLatency(info);
    this.capture?.end();
    this.capture = null;
  }

  /** A turn began (its span is the parent of the stream's playback) or ended (its playback span ends). */
  traceTurn(phase: 'start' | 'end', stream: number, traceparent: string | undefined): void {
    if (phase === 'end') {
      this.endPlayback(stream);
      this.streams.delete(stream);
      return;
    }
    const turn = this.telemetry.contextFrom(traceparent);
    if (turn) this.streams.set(stream, { ...this.streams.get(stream), turn });
    this.keepRecent(stream);
  }

  /** audio.playback starts with the first chunk of a stream whose turn is known. */
  tracePlaybackChunk(stream: number): void {
    const trace = this.streams.get(stream);
    if (trace?.playback) {
      trace.playback.chunks++;
      return;
    }
    if (!trace?.turn || !this.telemetry.enabled) return;
    const span = this.telemetry.tracer.startSpan(SPAN.audioPlayback, { attributes: { 'audio.playback.stream': stream } }, trace.turn);
    trace.playback = { span, chunks: 1 };
    this.keepRecent(stream);
  }

  /**
   * Records the speaker's progress on the stream's playback span; returns
   * that span's traceparent, for the report to main to carry.
   */
  tracePlayback(event: PlaybackEvent): string | undefined {
    const playback = this.streams.get(event.stream)?.playback;
    if (!playback) return undefined;
    playback.span.setAttribute(ATTR.playbackPlayedMs, event.playedMs);
    if (event.event === 'started') {
      playback.span.addEvent(EVENT.playbackStarted);
      if (event.outputLatencyMs !== undefined) playback.span.setAttribute(ATTR.audioOutputLatencyMs, event.outputLatencyMs);
    }
    const traceparent = sampledTraceparent(playback.span.spanContext());
    if (event.event === 'flushed') {
      playback.span.setAttribute(ATTR.playbackFlushed, true);
      this.endPlayback(event.stream);
    }
    return traceparent;
  }

  /**
   * A new session numbers its audio streams from the start again: what is
   * known by stream id belongs to the old one.
   */
  forgetStreams(): void {
    for (const stream of [...this.streams.keys()]) this.endPlayback(stream);
    this.streams.clear();
  }

  /** The microphone may open after the capture span starts: its latency is noted once known. */
  private noteInputLatency(info: CaptureInfo): void {
    if (info.inputLatencyMs !== null) this.capture?.setAttribute(ATTR.audioInputLatencyMs, info.inputLatencyMs);
  }

  private endPlayback(stream: number): void {
    const trace = this.streams.get(stream);
    const playback = trace?.playback;
    if (!trace || !playback) return;
    playback.span.setAttribute(ATTR.playbackChunks, playback.chunks);
    playback.span.end();
    delete trace.playback;
  }

  private keepRecent(newest: number): void {
    for (const stream of [...this.streams.keys()].filter((s) => s < newest - STREAMS_KEPT)) {
      this.endPlayback(stream);
      this.streams.delete(stream);
    }
  }
}
