/**
 * A conversation's spans as the body of an OTLP/HTTP JSON export request
 * (`ExportTraceServiceRequest`): `resourceSpans` per process (main, renderer),
 * `scopeSpans` per instrumentation scope, in the OTLP JSON mapping the
 * OpenTelemetry SDK's exporters send (hex ids, times as decimal strings of
 * nanoseconds, OTLP span kinds), so tools that read OTLP JSON load it.
 */
import type { TraceResources, ViewerAttributes, ViewerSpan } from './trace-viewer';

type AnyValue =
  | { stringValue: string }
  | { intValue: number }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } }
  | Record<string, never>;
interface KeyValue {
  key: string;
  value: AnyValue;
}

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return {};
}

function keyValues(attributes: ViewerAttributes | TraceResources['main']): KeyValue[] {
  return Object.keys(attributes).map((key) => ({ key, value: anyValue(attributes[key]) }));
}

/** Nanoseconds since the epoch, as the decimal string OTLP JSON uses for 64-bit integers. */
export function unixNano(time: readonly [number, number]): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

function otlpSpan(span: ViewerSpan) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    ...(span.traceState ? { traceState: span.traceState } : {}),
    name: span.name,
    // OTLP numbers kinds from 1 (SPAN_KIND_INTERNAL); the API from 0.
    kind: span.kind + 1,
    startTimeUnixNano: unixNano(span.startTime),
    endTimeUnixNano: unixNano(span.endTime),
    attributes: keyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      attributes: keyValues(event.attributes),
      name: event.name,
      timeUnixNano: unixNano(event.time),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
    links: span.links.map((link) => ({
      attributes: keyValues(link.attributes),
      spanId: link.spanId,
      traceId: link.traceId,
      ...(link.traceState ? { traceState: link.traceState } : {}),
      droppedAttributesCount: link.droppedAttributesCount,
      flags: link.flags,
    })),
    droppedLinksCount: span.droppedLinksCount,
    flags: span.flags,
  };
}

export type OtlpTraceRequest = { resourceSpans: { resource: { attributes: KeyValue[]; droppedAttributesCount: number }; scopeSpans: { scope: { name: string; version?: string }; spans: ReturnType<typeof otlpSpan>[] }[] }[] };

/** The export request for `spans`, main's resource first; processes and scopes without spans are left out. */
export function otlpTraceRequest(spans: readonly ViewerSpan[], resources: TraceResources): OtlpTraceRequest {
  const resourceSpans: OtlpTraceRequest['resourceSpans'] = [];
  for (const process of ['main', 'renderer'] as const) {
    const scopes = new Map<string, { scope: { name: string; version?: string }; spans: ReturnType<typeof otlpSpan>[] }>();
    for (const span of spans) {
      if (span.process !== process) continue;
      const key = `${span.scope.name}@${span.scope.version ?? ''}`;
      let scope = scopes.get(key);
      if (!scope) {
        scope = { scope: { name: span.scope.name, ...(span.scope.version ? { version: span.scope.version } : {}) }, spans: [] };
        scopes.set(key, scope);
      }
      scope.spans.push(otlpSpan(span));
    }
    if (scopes.size) resourceSpans.push({ resource: { attributes: keyValues(resources[process]), droppedAttributesCount: 0 }, scopeSpans: [...scopes.values()] });
  }
  return { resourceSpans };
}

/** The file's text: one JSON document, as a collector would receive it. */
export function otlpTraceFile(spans: readonly ViewerSpan[], resources: TraceResources): string {
  return JSON.stringify(otlpTraceRequest(spans, resources));
}
