/**
 * The reverse of ./otlp-json.ts: the text of an OTLP/JSON trace file as the
 * viewer's spans. It reads the viewer's own "Download trace" file and what
 * OpenTelemetry tools write: one `ExportTraceServiceRequest` per document, or
 * one per line (JSON Lines, as the Collector's file exporter writes them),
 * several resources and scopes each, ids in hex (the OTLP/JSON mapping) or
 * base64 (the plain protobuf JSON mapping), 64-bit numbers as strings or
 * numbers, enums as numbers or names, attribute values of every kind.
 * Checked with a schema; a file that does not fit is refused with where and why.
 */
import { z } from 'zod';
import { ATTR } from './telemetry';
import type { ViewerAttributes, ViewerSpan } from './trace-viewer';

type AnyValueJson = {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: string | number | undefined;
  bytesValue?: string | undefined;
  arrayValue?: { values?: AnyValueJson[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValueJson[] | undefined } | undefined;
};
type KeyValueJson = { key: string; value?: AnyValueJson | undefined };

/** A 64-bit integer as a JSON number: past 2^53 it is a double that still holds a whole number (nanosecond times are). */
const WHOLE = z.number().refine(Number.isInteger, 'not an integer');
const INT = z.union([WHOLE, z.string().regex(/^-?\d{1,20}$/, 'not an integer')]);
const COUNT = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,10}$/, 'not a count')]).optional();
const UNIX_NANO = z.union([WHOLE.refine((n) => n >= 0, 'not a time in nanoseconds'), z.string().regex(/^\d{1,20}$/, 'not a time in nanoseconds')]);

const AnyValueSchema: z.ZodType<AnyValueJson> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: INT.optional(),
    doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValueSchema).optional() }).optional(),
  }),
);
const KeyValueSchema: z.ZodType<KeyValueJson> = z.lazy(() => z.object({ key: z.string(), value: AnyValueSchema.optional() }));
const Attributes = z.array(KeyValueSchema).optional();

/** Hex (any case) or base64 of `bytes` bytes, as lowercase hex. */
function idToHex(value: string, bytes: number): string | null {
  if (value.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(value)) return value.toLowerCase();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null;
  try {
    const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '='));
    if (binary.length !== bytes) return null;
    return [...binary].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  } catch {
    return null;
  }
}

const id = (bytes: number, what: string) =>
  z
    .string()
    .refine((v) => idToHex(v, bytes) !== null, `not a ${what} (${bytes * 2} hex digits, or base64 of ${bytes} bytes)`)
    .transform((v) => idToHex(v, bytes)!);
const TRACE_ID = id(16, 'trace id');
const SPAN_ID = id(8, 'span id');
/** Absent or empty: no parent (a root span). */
const PARENT_ID = z.union([z.literal(''), SPAN_ID]).optional();

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

const SpanSchema = z.object({
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: PARENT_ID,
  traceState: z.string().optional(),
  flags: z.number().int().nonnegative().optional(),
  name: z.string(),
  kind: z.union([z.number().int().min(0).max(5), z.enum(SPAN_KINDS)]).optional(),
  startTimeUnixNano: UNIX_NANO,
  endTimeUnixNano: UNIX_NANO,
  attributes: Attributes,
  droppedAttributesCount: COUNT,
  events: z
    .array(z.object({ timeUnixNano: UNIX_NANO, name: z.string(), attributes: Attributes, droppedAttributesCount: COUNT }))
    .optional(),
  droppedEventsCount: COUNT,
  links: z
    .array(
      z.object({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceState: z.string().optional(),
        attributes: Attributes,
        droppedAttributesCount: COUNT,
        flags: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
  droppedLinksCount: COUNT,
  status: z.object({ code: z.union([z.number().int().min(0).max(2), z.enum(STATUS_CODES)]).optional(), message: z.string().optional() }).optional(),
});

/** The body of an OTLP trace export request (`ExportTraceServiceRequest`). */
export const OtlpTraceRequestSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: Attributes }).optional(),
      scopeSpans: z
        .array(z.object({ scope: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(), spans: z.array(SpanSchema).optional() }))
        .optional(),
    }),
  ),
});

export type OtlpReadResult = { ok: true; spans: ViewerSpan[] } | { ok: false; message: string };

/**
 * The spans of an OTLP/JSON file's text: one JSON document, or one per line.
 * `seq` numbers them in file order (a span written twice: the later copy wins in the viewer).
 */
export function readOtlpJson(text: string): OtlpReadResult {
  const documents = jsonDocuments(text);
  if (!documents.ok) return documents;
  const spans: ViewerSpan[] = [];
  for (const { line, value } of documents.values) {
    const where = line === null ? '' : `line ${line}: `;
    if (!value || typeof value !== 'object' || Array.isArray(value) || !('resourceSpans' in value)) {
      return { ok: false, message: `${where}not OTLP/JSON trace data: it holds no "resourceSpans" (an OTLP trace export request does).` };
    }
    let parsed: ReturnType<typeof OtlpTraceRequestSchema.safeParse>;
    try {
      parsed = OtlpTraceRequestSchema.safeParse(value);
    } catch {
      return { ok: false, message: `${where}not OTLP/JSON trace data: its values are nested too deeply.` };
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { ok: false, message: `${where}not OTLP/JSON trace data: ${issue.path.join('.') || 'the document'}: ${issue.message}.` };
    }
    for (const resourceSpans of parsed.data.resourceSpans) {
      const resource = attributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        const scope = { name: scopeSpans.scope?.name ?? '', ...(scopeSpans.scope?.version ? { version: scopeSpans.scope.version } : {}) };
        for (const span of scopeSpans.spans ?? []) spans.push(viewerSpan(span, spans.length, scope, resource));
      }
    }
  }
  return { ok: true, spans };
}

function jsonDocuments(text: string): { ok: true; values: { line: number | null; value: unknown }[] } | { ok: false; message: string } {
  try {
    return { ok: true, values: [{ line: null, value: JSON.parse(text) as unknown }] };
  } catch {
    // Not one document: JSON Lines, one document per line?
  }
  const lines = text.split(/\r?\n/);
  const values: { line: number; value: unknown }[] = [];
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    try {
      values.push({ line: index + 1, value: JSON.parse(line) as unknown });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, message: values.length === 0 ? `not JSON: ${why}.` : `line ${index + 1} is not JSON: ${why}.` };
    }
  }
  if (values.length === 0) return { ok: false, message: 'the file is empty.' };
  return { ok: true, values };
}

type Span = z.infer<typeof SpanSchema>;

function viewerSpan(span: Span, seq: number, scope: ViewerSpan['scope'], resource: ViewerAttributes): ViewerSpan {
  const spanAttributes = attributes(span.attributes);
  const process = (spanAttributes[ATTR.processType] ?? resource[ATTR.processType]) === 'renderer' ? 'renderer' : 'main';
  const kind = typeof span.kind === 'string' ? SPAN_KINDS.indexOf(span.kind) : (span.kind ?? 0);
  const code = typeof span.status?.code === 'string' ? STATUS_CODES.indexOf(span.status.code) : (span.status?.code ?? 0);
  return {
    seq,
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    flags: span.flags ?? 0,
    ...(span.traceState ? { traceState: span.traceState } : {}),
    name: span.name,
    // The API numbers kinds from 0 (internal); OTLP from 1, with 0 for unspecified.
    kind: Math.max(0, kind - 1),
    startTime: hrTime(span.startTimeUnixNano),
    endTime: hrTime(span.endTimeUnixNano),
    attributes: spanAttributes,
    droppedAttributesCount: count(span.droppedAttributesCount),
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      time: hrTime(event.timeUnixNano),
      attributes: attributes(event.attributes),
      droppedAttributesCount: count(event.droppedAttributesCount),
    })),
    droppedEventsCount: count(span.droppedEventsCount),
    links: (span.links ?? []).map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      ...(link.traceState ? { traceState: link.traceState } : {}),
      flags: link.flags ?? 0,
      attributes: attributes(link.attributes),
      droppedAttributesCount: count(link.droppedAttributesCount),
    })),
    droppedLinksCount: count(span.droppedLinksCount),
    status: { code, ...(span.status?.message ? { message: span.status.message } : {}) },
    scope,
    process,
  };
}

const count = (value: string | number | undefined) => Number(value ?? 0);

function hrTime(nanos: string | number): [number, number] {
  const total = BigInt(nanos);
  return [Number(total / 1_000_000_000n), Number(total % 1_000_000_000n)];
}

function attributes(list: readonly KeyValueJson[] | undefined): ViewerAttributes {
  const out: ViewerAttributes = {};
  for (const { key, value } of list ?? []) {
    if (!key) continue;
    const plain = value ? plainValue(value) : null;
    if (plain !== null) out[key] = plain;
  }
  return out;
}

type Primitive = string | number | boolean;

/** A value the viewer shows: primitives as they are, arrays of primitives as arrays, anything else as its JSON. */
function plainValue(value: AnyValueJson): ViewerAttributes[string] | null {
  if (value.arrayValue) {
    const items = (value.arrayValue.values ?? []).map(jsonOf);
    if (items.every((v): v is Primitive | null => v === null || typeof v !== 'object')) return items;
    return JSON.stringify(items);
  }
  const json = jsonOf(value);
  if (json === null) return null;
  return typeof json === 'object' ? JSON.stringify(json) : json;
}

type Json = Primitive | null | Json[] | { [key: string]: Json };

function jsonOf(value: AnyValueJson): Json {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonOf);
  if (value.kvlistValue) return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, kv.value ? jsonOf(kv.value) : null]));
  return null;
}
