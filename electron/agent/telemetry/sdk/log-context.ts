/**
 * The span a log line made now is about, for the log file: the active span,
 * when it is sampled (a trace that is exported and shown somewhere); none in
 * the SDK's own export work, which runs with tracing suppressed in whatever
 * context its batch began.
 */
import { context as otelContext, isSpanContextValid, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';

export function logSpanContext(active: Context = otelContext.active()): SpanContext | null {
  if (isTracingSuppressed(active)) return null;
  const span = trace.getSpanContext(active);
  return span && isSpanContextValid(span) && (span.traceFlags & TraceFlags.SAMPLED) !== 0 ? span : null;
}
