/**
 * Decodes OTLP export requests, traces, metrics and logs, in either encoding the
 * exporters send: JSON, or protobuf through protobufjs with the official
 * OTLP definitions (otlp-proto/, copied from open-telemetry/opentelemetry-proto
 * v1.11). Both are brought to one plain shape for the tests to read.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export type AttributeMap = Record<string, string | number | boolean | null>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: AttributeMap;
  events: { name: string; attributes: AttributeMap }[];
  links: { traceId: string; spanId: string; attributes: AttributeMap }[];
  status: { code?: number; message?: string };
  resource: AttributeMap;
  scope: string;
}

export interface ReceivedPoint {
  attributes: AttributeMap;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  type: 'histogram' | 'sum' | 'gauge' | 'other';
  points: ReceivedPoint[];
  resource: AttributeMap;
  scope: string;
}

export interface ReceivedLog {
  /** Empty when the record was made outside any span. */
  traceId: string;
  spanId: string;
  timeUnixNano: string;
  severityNumber: number;
  severityText: string;
  /** The body as text (a string body as it is, any other as its JSON). */
  body: string;
  attributes: AttributeMap;
  resource: AttributeMap;
  scope: string;
}

export type Encoding = 'json' | 'protobuf';

const PROTO_DIR = fileURLToPath(new URL('./otlp-proto/', import.meta.url));
let root: protobuf.Root | null = null;

function types(): { traces: protobuf.Type; metrics: protobuf.Type; logs: protobuf.Type } {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => PROTO_DIR + target;
    root.loadSync([
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    ]);
  }
  return {
    traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  };
}

/** The encoding a request's content type names, or null for one OTLP/HTTP does not define. */
export function encodingOf(contentType: string | undefined): Encoding | null {
  const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf') return 'protobuf';
  return null;
}

/** The request as plain objects: protobuf 64-bit numbers become strings, ids stay bytes (hex in JSON). */
function parse(body: Buffer, encoding: Encoding, type: protobuf.Type): Payload {
  if (encoding === 'json') return JSON.parse(body.toString('utf8') || '{}') as Payload;
  return type.toObject(type.decode(body), { longs: String, enums: Number, arrays: false }) as Payload;
}

export function decodeTraces(body: Buffer, encoding: Encoding): ReceivedSpan[] {
  const payload = parse(body, encoding, types().traces);
  const out: ReceivedSpan[] = [];
  for (const resourceSpans of payload.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        out.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId) || undefined,
          name: span.name,
          kind: span.kind ?? 0,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
          attributes: attributes(span.attributes),
          events: (span.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          links: (span.links ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attributes(l.attributes) })),
          status: span.status ?? {},
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export function decodeMetrics(body: Buffer, encoding: Encoding): ReceivedMetric[] {
  const payload = parse(body, encoding, types().metrics);
  const out: ReceivedMetric[] = [];
  for (const resourceMetrics of payload.resourceMetrics ?? []) {
    const resource = attributes(resourceMetrics.resource?.attributes);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const data = metric.histogram ?? metric.sum ?? metric.gauge;
        out.push({
          name: metric.name,
          unit: metric.unit ?? '',
          description: metric.description ?? '',
          type: metric.histogram ? 'histogram' : metric.sum ? 'sum' : metric.gauge ? 'gauge' : 'other',
          points: (data?.dataPoints ?? []).map((p) => ({
            attributes: attributes(p.attributes),
            ...(p.asDouble !== undefined || p.asInt !== undefined ? { value: Number(p.asDouble ?? p.asInt) } : {}),
            ...(p.count !== undefined ? { count: Number(p.count) } : {}),
            ...(p.sum !== undefined ? { sum: Number(p.sum) } : {}),
            ...(p.bucketCounts ? { bucketCounts: p.bucketCounts.map(Number) } : {}),
            ...(p.explicitBounds ? { explicitBounds: p.explicitBounds.map(Number) } : {}),
          })),
          resource,
          scope: scopeMetrics.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

export function decodeLogs(body: Buffer, encoding: Encoding): ReceivedLog[] {
  const payload = parse(body, encoding, types().logs);
  const out: ReceivedLog[] = [];
  for (const resourceLogs of payload.resourceLogs ?? []) {
    const resource = attributes(resourceLogs.resource?.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        const body = record.body === undefined ? null : scalar(record.body);
        out.push({
          traceId: hex(record.traceId),
          spanId: hex(record.spanId),
          timeUnixNano: String(record.timeUnixNano ?? ''),
          severityNumber: record.severityNumber ?? 0,
          severityText: record.severityText ?? '',
          body: typeof body === 'string' ? body : JSON.stringify(body),
          attributes: attributes(record.attributes),
          resource,
          scope: scopeLogs.scope?.name ?? '',
        });
      }
    }
  }
  return out;
}

/** Ids: hex strings in OTLP/JSON, bytes in protobuf. */
function hex(id: string | Uint8Array | undefined): string {
  if (id === undefined) return '';
  return typeof id === 'string' ? id : Buffer.from(id).toString('hex');
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}

function attributes(list: OtlpKeyValue[] | undefined): AttributeMap {
  const out: AttributeMap = {};
  for (const { key, value } of list ?? []) out[key] = scalar(value);
  return out;
}

/** Arrays (finish reasons) are given as their JSON text, so that maps stay flat. */
function scalar(value: OtlpValue | undefined): string | number | boolean | null {
  if (!value) return null;
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(scalar));
  return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? null;
}

type Id = string | Uint8Array;
interface Payload {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: Id;
        spanId: Id;
        parentSpanId?: Id;
        name: string;
        kind?: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: OtlpKeyValue[];
        events?: { name: string; attributes?: OtlpKeyValue[] }[];
        links?: { traceId: Id; spanId: Id; attributes?: OtlpKeyValue[] }[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
  resourceLogs?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeLogs?: {
      scope?: { name?: string };
      logRecords?: {
        timeUnixNano?: string;
        severityNumber?: number;
        severityText?: string;
        body?: OtlpValue;
        attributes?: OtlpKeyValue[];
        traceId?: Id;
        spanId?: Id;
      }[];
    }[];
  }[];
  resourceMetrics?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: {
      scope?: { name?: string };
      metrics?: {
        name: string;
        unit?: string;
        description?: string;
        histogram?: { dataPoints?: DataPoint[] };
        sum?: { dataPoints?: DataPoint[] };
        gauge?: { dataPoints?: DataPoint[] };
      }[];
    }[];
  }[];
}
interface DataPoint {
  attributes?: OtlpKeyValue[];
  asDouble?: number;
  asInt?: string | number;
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
}
