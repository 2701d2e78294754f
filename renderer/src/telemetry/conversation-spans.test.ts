import { beforeEach, describe, expect, it } from 'vitest';
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { ATTR, EVENT, SPAN, type SerializedSpan, type TracingState } from '../../../shared/telemetry';
import { ConversationSpans, type CaptureInfo } from './conversation-spans';
import { RendererTelemetry } from './renderer-telemetry';

const TRACE = 'a'.repeat(32);
const parent = (spanId: string) => `00-${TRACE}-${spanId}-01`;
const CONVERSATION_SPAN = '1'.repeat(16);
const turnSpan = (stream: number) => stream.toString(16).padStart(16, 'b');

let exported: SerializedSpan[];
let telemetry: RendererTelemetry;
let capture: CaptureInfo;
let spans: ConversationSpans;
/** What main last said of tracing. */
let tracing: TracingState;

async function flushed(): Promise<SerializedSpan[]> {
  await telemetry.flush();
  return exported;
}

const named = (list: SerializedSpan[], name: string) => list.filter((span) => span.name === name);

beforeEach(() => {
  exported = [];
  tracing = { enabled: true, consoleExport: false, captureContent: false };
  telemetry = new RendererTelemetry(
    (batch) => {
      exported.push(...batch);
      return true;
    },
    () => tracing,
  );
  capture = { device: 'Built-in Microphone', framesSent: 0, inputLatencyMs: null };
  spans = new ConversationSpans(telemetry, () => capture);
});

describe('ConversationSpans', () => {
  it('traces the capture under the conversation span, with the device and the frames sent', async () => {
    spans.traceCapture('c1', parent(CONVERSATION_SPAN));
    spans.traceCapture('c1', parent(CONVERSATION_SPAN)); // the same conversation: the same span
    capture.framesSent = 42;
    spans.traceCapture(null, undefined);
    const [span, ...more] = named(await flushed(), SPAN.audioCapture);
    expect(more).toEqual([]);
    expect(span).toMatchObject({
      traceId: TRACE,
      parentSpanId: CONVERSATION_SPAN,
      attributes: { [ATTR.captureSampleRate]: INPUT_SAMPLE_RATE, 'audio.capture.device': 'Built-in Microphone', [ATTR.captureFramesSent]: 42 },
    });
  });

  it("records the input's latency where the browser reports it, even when the microphone opens after the span starts", async () => {
    spans.traceCapture('c1', parent(CONVERSATION_SPAN));
    capture.inputLatencyMs = 12.7; // the microphone opened after the conversation's start
    spans.traceCapture(null, undefined);
    capture.inputLatencyMs = null; // a browser that does not report it
    spans.traceCapture('c2', parent(CONVERSATION_SPAN));
    spans.endCapture();
    const [reported, unreported] = named(await flushed(), SPAN.audioCapture);
    expect(reported!.attributes[ATTR.audioInputLatencyMs]).toBe(12.7);
    expect(unreported!.attributes[ATTR.audioInputLatencyMs]).toBeUndefined();
  });

  it("records the output's latency on the playback span when playback starts, and nothing where it is unknown", async () => {
    spans.traceTurn('start', 1, parent(turnSpan(1)));
    spans.tracePlaybackChunk(1);
    spans.tracePlayback({ event: 'started', stream: 1, playedMs: 0, outputLatencyMs: 42 });
    spans.traceTurn('end', 1, undefined);
    spans.traceTurn('start', 2, parent(turnSpan(2)));
    spans.tracePlaybackChunk(2);
    spans.tracePlayback({ event: 'started', stream: 2, playedMs: 0 });
    spans.traceTurn('end', 2, undefined);
    const [known, unknown] = named(await flushed(), SPAN.audioPlayback);
    expect(known!.attributes[ATTR.audioOutputLatencyMs]).toBe(42);
    expect(unknown!.attributes[ATTR.audioOutputLatencyMs]).toBeUndefined();
  });

  it('records nothing while tracing is off or main gave no parent', async () => {
    tracing = { enabled: false, consoleExport: false, captureContent: false };
    spans.traceCapture('c1', parent(CONVERSATION_SPAN));
    spans.endCapture();
    tracing = { enabled: true, consoleExport: false, captureContent: false };
    spans.traceCapture('c2', undefined);
    spans.endCapture();
    spans.tracePlaybackChunk(1); // no turn known for stream 1
    expect(await flushed()).toEqual([]);
  });

  it('traces a stream from its first chunk under its turn until it drains and the turn ends', async () => {
    spans.traceTurn('start', 1, parent(turnSpan(1)));
    spans.tracePlaybackChunk(1);
    spans.tracePlaybackChunk(1);
    const started = spans.tracePlayback({ event: 'started', stream: 1, playedMs: 0 });
    spans.tracePlaybackChunk(1);
    spans.tracePlayback({ event: 'drained', stream: 1, playedMs: 900 });
    spans.traceTurn('end', 1, undefined);
    const [span, ...more] = named(await flushed(), SPAN.audioPlayback);
    expect(more).toEqual([]);
    expect(span).toMatchObject({
      traceId: TRACE,
      parentSpanId: turnSpan(1),
      attributes: { 'audio.playback.stream': 1, [ATTR.playbackPlayedMs]: 900, [ATTR.playbackChunks]: 3 },
    });
    expect(span!.attributes[ATTR.playbackFlushed]).toBeUndefined();
    expect(span!.events.map((event) => event.name)).toEqual([EVENT.playbackStarted]);
    // The report of the speaker's progress carries the playback span as its parent.
    expect(started).toBe(`00-${TRACE}-${span!.spanId}-01`);
  });

  it('ends the playback span when the stream is flushed, and starts another if more audio of its turn comes', async () => {
    spans.traceTurn('start', 2, parent(turnSpan(2)));
    spans.tracePlaybackChunk(2);
    expect(spans.tracePlayback({ event: 'flushed', stream: 2, playedMs: 300 })).toMatch(/^00-a{32}-[0-9a-f]{16}-01$/);
    expect(named(await flushed(), SPAN.audioPlayback)).toMatchObject([{ attributes: { [ATTR.playbackFlushed]: true, [ATTR.playbackChunks]: 1, [ATTR.playbackPlayedMs]: 300 } }]);
    expect(spans.tracePlayback({ event: 'drained', stream: 2, playedMs: 300 })).toBeUndefined();
    spans.tracePlaybackChunk(2);
    spans.traceTurn('end', 2, undefined);
    spans.tracePlaybackChunk(2); // after the turn's end: nothing to trace under
    expect(named(await flushed(), SPAN.audioPlayback)).toHaveLength(2);
  });

  it('keeps only the last few streams: an old playback that never ended is ended, its turn forgotten', async () => {
    spans.traceTurn('start', 1, parent(turnSpan(1)));
    spans.tracePlaybackChunk(1);
    spans.traceTurn('start', 2, parent(turnSpan(2)));
    for (let stream = 3; stream <= 6; stream++) spans.traceTurn('start', stream, parent(turnSpan(stream)));
    // Stream 6 started: stream 1 is more than four behind.
    expect(named(await flushed(), SPAN.audioPlayback)).toMatchObject([{ parentSpanId: turnSpan(1), attributes: { [ATTR.playbackChunks]: 1 } }]);
    spans.tracePlaybackChunk(1);
    spans.tracePlaybackChunk(2);
    spans.traceTurn('end', 2, undefined);
    expect(named(await flushed(), SPAN.audioPlayback).map((span) => span.parentSpanId)).toEqual([turnSpan(1), turnSpan(2)]);
  });

  it('forgets every stream when a new session begins', async () => {
    spans.traceTurn('start', 1, parent(turnSpan(1)));
    spans.tracePlaybackChunk(1);
    spans.forgetStreams();
    expect(named(await flushed(), SPAN.audioPlayback)).toHaveLength(1);
    spans.tracePlaybackChunk(1); // stream 1 of the new session has no turn yet
    spans.traceTurn('end', 1, undefined);
    expect(named(await flushed(), SPAN.audioPlayback)).toHaveLength(1);
  });
});
