/**
 * The viewer's "Download trace" file against the official OTLP transformer:
 * spans of both processes made by the app's real Telemetry, carried to the
 * page as the protocol carries them (paged, schema-checked), written as OTLP
 * JSON by the page, equal the request body the SDK's own JSON exporter would send.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { ATTR, SPAN } from '../../../../shared/telemetry';
import { otlpTraceFile } from '../../../../shared/otlp-json';
import { inMemoryTelemetry } from '../../testing/in-memory-telemetry';
import { rendererPlaybackSpan, viewerSpansOf } from '../../testing/viewer-page';

interface OtlpJson {
  resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { scope: { name: string }; spans: { spanId: string }[] }[] }[];
}

/** Resources by their attributes, scopes by name and spans by id: the order of groups means nothing in OTLP. */
function normalised(body: OtlpJson): unknown {
  const sortBy = <T>(list: T[], key: (item: T) => string) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
  return sortBy(body.resourceSpans, (r) => JSON.stringify(r.resource)).map((r) => ({
    ...r,
    scopeSpans: sortBy(r.scopeSpans, (s) => s.scope.name).map((s) => ({ ...s, spans: sortBy(s.spans, (span) => span.spanId) })),
  }));
}

describe('the OTLP/JSON trace file', () => {
  it('equals, span for span, what the OpenTelemetry JSON serializer makes of the same spans', async () => {
    const { telemetry } = inMemoryTelemetry();
    const ended: ReadableSpan[] = [];
    // Every span the store receives, as the SDK hands it over.
    const store = telemetry.traceStore;
    const original = store.onEnd.bind(store);
    (store as SpanProcessor).onEnd = (span) => {
      ended.push(span);
      original(span);
    };
    const conversationId = '00000000-0000-4000-8000-000000000001';
    const tracer = telemetry.tracer;
    const root = tracer.startSpan(SPAN.conversation, { root: true, attributes: { [ATTR.conversationId]: conversationId } });
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const turn = tracer.startSpan(SPAN.turn, { attributes: { [ATTR.turnNumber]: 1, [ATTR.turnInput]: 'voice', [ATTR.voiceToVoiceMs]: 812.5 } }, rootContext);
    const turnContext = trace.setSpan(ROOT_CONTEXT, turn);
    const chat = tracer.startSpan(
      'chat fake',
      { kind: SpanKind.CLIENT, attributes: { [ATTR.conversationId]: conversationId, [ATTR.operationName]: 'chat', [ATTR.finishReasons]: ['stop'], [ATTR.timeToFirstChunk]: 0.2, [ATTR.outputTokens]: 7, [ATTR.requestStream]: true } },
      turnContext,
    );
    chat.addEvent('retry', { attempt: 1 });
    chat.recordException(new Error('boom'));
    chat.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    chat.end();
    const linked = tracer.startSpan(SPAN.turn, { root: true, links: [{ context: root.spanContext(), attributes: { why: 'conversation' } }], attributes: { [ATTR.conversationId]: conversationId } });
    linked.end();
    const playback = rendererPlaybackSpan(turn, 'ab'.repeat(8));
    telemetry.importSpans([playback]);
    turn.end();
    root.end();

    // To the page, as the protocol carries it.
    const { spans: received, resources: pageResources } = viewerSpansOf(telemetry.traces, conversationId);

    const file = JSON.parse(otlpTraceFile(received, pageResources)) as OtlpJson;
    const official = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(ended))) as OtlpJson;
    expect(ended).toHaveLength(5);
    expect(file.resourceSpans).toHaveLength(2);
    expect(normalised(file)).toEqual(normalised(official));
    void telemetry.shutdown();
  });
});
