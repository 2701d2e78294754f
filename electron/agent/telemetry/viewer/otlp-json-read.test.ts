/**
 * The viewer's "Download trace" file read back: spans of both processes made
 * by the app's real Telemetry, carried to the page as the protocol carries
 * them, written by the page as OTLP/JSON, and opened again, are the same spans.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { otlpTraceFile } from '../../../../shared/otlp-json';
import { readOtlpJson } from '../../../../shared/otlp-json-read';
import { ServerMessageSchema } from '../../../../shared/protocol';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import type { ViewerSpan } from '../../../../shared/trace-viewer';
import { inMemoryTelemetry } from '../../testing/in-memory-telemetry';
import { rendererPlaybackSpan, viewerSpansOf } from '../../testing/viewer-page';

describe('an OTLP/JSON trace file read back', () => {
  it('gives the viewer the very spans the download was made of', () => {
    const { telemetry } = inMemoryTelemetry();
    const conversationId = '00000000-0000-4000-8000-000000000002';
    const tracer = telemetry.tracer;
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: conversationId } });
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const turn = tracer.startSpan(SPAN.turn, { attributes: { [ATTR.turnNumber]: 1, [ATTR.turnInput]: 'voice', [ATTR.voiceToVoiceMs]: 812.5 } }, rootContext);
    const turnContext = trace.setSpan(ROOT_CONTEXT, turn);
    const stt = tracer.startSpan('speech_to_text whisper', { kind: SpanKind.CLIENT, attributes: { [ATTR.conversationId]: conversationId, [ATTR.operationName]: 'speech_to_text', [ATTR.ttfbMs]: 148 } }, turnContext);
    stt.end();
    const chat = tracer.startSpan(
      'chat fake',
      { kind: SpanKind.CLIENT, attributes: { [ATTR.conversationId]: conversationId, [ATTR.operationName]: 'chat', [ATTR.finishReasons]: ['stop', 'length'], [ATTR.timeToFirstChunk]: 0.2, [ATTR.outputTokens]: 7, [ATTR.requestStream]: true } },
      turnContext,
    );
    chat.addEvent('retry', { attempt: 1, ratios: [0.5, 1.5], flags: [true, false] });
    chat.recordException(new Error('boom'));
    chat.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    chat.end();
    const tts = tracer.startSpan('text_to_speech fake', { kind: SpanKind.CLIENT, attributes: { [ATTR.conversationId]: conversationId, [ATTR.operationName]: 'text_to_speech', [ATTR.ttfbMs]: 101 } }, turnContext);
    tts.end();
    const linked = tracer.startSpan(SPAN.turn, { root: true, links: [{ context: root.spanContext(), attributes: { why: 'conversation' } }], attributes: { [ATTR.conversationId]: conversationId, [ATTR.turnInput]: 'text' } });
    linked.end();
    const playback = rendererPlaybackSpan(turn, 'cd'.repeat(8));
    telemetry.importSpans([playback]);
    turn.end();
    root.end();

    const { spans: received, resources: listedResources } = viewerSpansOf(telemetry.traces, conversationId);

    const read = readOtlpJson(otlpTraceFile(received, listedResources));
    if (!read.ok) throw new Error(read.message);
    // The file groups spans by process and scope: compare them by id, numbered afresh.
    const bySpanId = (spans: readonly ViewerSpan[]) => new Map(spans.map(({ seq: _seq, ...span }) => [span.spanId, span]));
    expect(received).toHaveLength(7);
    expect(read.spans.map((s) => s.process).sort()).toEqual(received.map((s) => s.process).sort());
    expect(bySpanId(read.spans)).toEqual(bySpanId(received));
    expect(read.spans.map((s) => s.seq)).toEqual(read.spans.map((_, i) => i));
    // And each is a span the protocol would carry.
    for (const span of read.spans) expect(() => ServerMessageSchema.parse({ type: 'traces.page', key: conversationId, spans: [span], next: null })).not.toThrow();
    void telemetry.shutdown();
  });
});
