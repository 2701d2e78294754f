/**
 * About how much memory a finished span holds, estimated once when the
 * viewer's store keeps it: what the span itself says (name, attributes,
 * events, links, status) at two bytes a character (strings the engine cannot
 * store one byte a character take two), plus a fixed part for the SDK's
 * objects around it. An estimate to bound the store by, not a measurement:
 * bench/span-store-bench.ts compares it with the heap the store holds.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** The span object, its contexts, times, scope and resource references, before anything it says. */
const SPAN_BASE_BYTES = 500;
/** An object's or array slot's own cost (a property, an element, an event or link object). */
const SLOT_BYTES = 16;

export function estimateSpanBytes(span: ReadableSpan): number {
  let bytes = SPAN_BASE_BYTES + text(span.name) + attributes(span.attributes) + text(span.status.message ?? '');
  for (const event of span.events) bytes += SLOT_BYTES + text(event.name) + attributes(event.attributes);
  for (const link of span.links) bytes += SLOT_BYTES + attributes(link.attributes) + text(link.context.traceState?.serialize() ?? '');
  return bytes;
}

function text(value: string): number {
  return 2 * value.length;
}

function attributes(source: Attributes | undefined): number {
  if (!source) return 0;
  let bytes = 0;
  for (const key of Object.keys(source)) bytes += SLOT_BYTES + text(key) + value(source[key]);
  return bytes;
}

function value(v: AttributeValue | undefined): number {
  if (typeof v === 'string') return text(v);
  if (Array.isArray(v)) return (v as unknown[]).reduce<number>((sum, item) => sum + SLOT_BYTES + (typeof item === 'string' ? text(item) : 0), 0);
  return SLOT_BYTES;
}
