/**
 * A finished SDK span as the trace viewer's plain data (shared/trace-viewer.ts),
 * carrying everything an OTLP/JSON export of it holds, and a page of such
 * spans that fits in one message.
 */
import type { Attributes, AttributeValue, HrTime, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR } from '../../../../shared/telemetry';
import { TRACE_PAGE_BYTES, TRACE_PAGE_SPANS, type ViewerAttributes, type ViewerSpan } from '../../../../shared/trace-viewer';

/** OTLP span flags: the context knows whether its parent was remote (the OTLP specification's bits 8 and 9). */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

export function otlpFlags(traceFlags: number, parentIsRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (parentIsRemote ? IS_REMOTE : 0);
}

export function toViewerSpan(span: ReadableSpan, seq: number): ViewerSpan {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const traceState = context.traceState?.serialize();
  const message = span.status.message;
  const version = span.instrumentationScope.version;
  return {
    seq,
    traceId: context.traceId,
    spanId: context.spanId,
    ...(parent?.spanId ? { parentSpanId: parent.spanId } : {}),
    flags: otlpFlags(context.traceFlags, parent?.isRemote),
    ...(traceState ? { traceState } : {}),
    name: span.name,
    kind: span.kind,
    startTime: time(span.startTime),
    endTime: time(span.endTime),
    attributes: attributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      name: event.name,
      time: time(event.time),
      attributes: attributes(event.attributes ?? {}),
      droppedAttributesCount: event.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      ...linkTraceState(link.context),
      flags: otlpFlags(link.context.traceFlags, link.context.isRemote),
      attributes: attributes(link.attributes ?? {}),
      droppedAttributesCount: link.droppedAttributesCount ?? 0,
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: { code: span.status.code, ...(message ? { message } : {}) },
    scope: { name: span.instrumentationScope.name, ...(version ? { version } : {}) },
    process: span.attributes[ATTR.processType] === 'renderer' ? 'renderer' : 'main',
  };
}

function linkTraceState(context: SpanContext): { traceState?: string } {
  const state = context.traceState?.serialize();
  return state ? { traceState: state } : {};
}

function time(value: HrTime): [number, number] {
  return [Math.max(0, Math.trunc(value[0])), Math.min(999_999_999, Math.max(0, Math.trunc(value[1])))];
}

function attributes(source: Attributes): ViewerAttributes {
  const out: ViewerAttributes = {};
  for (const key of Object.keys(source)) {
    const value = plain(source[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function plain(value: AttributeValue | undefined): ViewerAttributes[string] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null));
  return value as string | number | boolean;
}

/** JSON bytes of a value (UTF-8). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * As many spans (in order) as fit in one page; the first always goes in,
 * shortened when it alone would not fit.
 */
export function pageOf(spans: readonly ViewerSpan[], budget = TRACE_PAGE_BYTES): ViewerSpan[] {
  const page: ViewerSpan[] = [];
  let used = 2;
  for (const span of spans) {
    if (page.length >= TRACE_PAGE_SPANS) break;
    const bytes = jsonBytes(span) + 1;
    if (page.length === 0 && bytes > budget) {
      page.push(shortened(span, budget));
      break;
    }
    if (used + bytes > budget) break;
    page.push(span);
    used += bytes;
  }
  return page;
}

/** The span with its longest string values cut until it fits `budget`; marked as shortened. */
export function shortened(span: ViewerSpan, budget: number): ViewerSpan {
  const copy: ViewerSpan = structuredClone(span);
  copy.shortened = true;
  const bags: ViewerAttributes[] = [copy.attributes, ...copy.events.map((e) => e.attributes), ...copy.links.map((l) => l.attributes)];
  while (jsonBytes(copy) > budget) {
    let longest: { bag: ViewerAttributes; key: string; length: number } | null = null;
    for (const bag of bags)
      for (const [key, value] of Object.entries(bag)) {
        const length = typeof value === 'string' ? value.length : JSON.stringify(value).length;
        if (!longest || length > longest.length) longest = { bag, key, length };
      }
    if (!longest || longest.length <= 16) {
      // Nothing long is left: keep the span's identity and times, drop its details.
      copy.attributes = {};
      copy.events = [];
      copy.links = [];
      break;
    }
    const value = longest.bag[longest.key];
    longest.bag[longest.key] = typeof value === 'string' ? `${value.slice(0, Math.floor(longest.length / 2))}…` : '…';
  }
  return copy;
}
