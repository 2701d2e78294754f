/**
 * Turns a renderer span (already validated) into a ReadableSpan that the
 * export pipeline in main handles like its own.
 */
import { TraceFlags, type HrTime, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR, type SerializedSpan } from '../../../../shared/telemetry';

export const RENDERER_SCOPE = { name: 'voice-agent-stack/renderer' };

/**
 * The renderer's resource: the app's service and host, as the renderer
 * process (its runtime is the page's, not main's Node or Electron).
 */
export function rendererResource(main: Resource): Resource {
  const attributes = Object.fromEntries(Object.entries(main.attributes).filter(([key]) => !key.startsWith('process.')));
  return resourceFromAttributes({ ...attributes, [ATTR.processType]: 'renderer' });
}

export function importSpan(span: SerializedSpan, resource: Resource): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags & TraceFlags.SAMPLED };
  const parent: SpanContext | undefined = span.parentSpanId
    ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true }
    : undefined;
  const start = span.startTime as HrTime;
  const end = laterOf(span.endTime as HrTime, start);
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    ...(parent ? { parentSpanContext: parent } : {}),
    startTime: start,
    endTime: end,
    duration: difference(end, start),
    status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
    attributes: { ...span.attributes, [ATTR.processType]: 'renderer' },
    links: [],
    events: span.events.map((e) => ({ name: e.name, time: e.time as HrTime, ...(e.attributes ? { attributes: e.attributes } : {}) })),
    ended: true,
    resource,
    instrumentationScope: RENDERER_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function laterOf(a: HrTime, b: HrTime): HrTime {
  return a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]) ? a : b;
}

function difference(end: HrTime, start: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  return [seconds, nanos];
}
