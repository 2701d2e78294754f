/**
 * W3C trace context as it crosses the bridge (`traceparent` in the message
 * envelope): OpenTelemetry does not propagate over IPC or WebSocket by itself.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function formatTraceparent(context: TraceParent): string | undefined {
  if (!/^[0-9a-f]{32}$/.test(context.traceId) || /^0+$/.test(context.traceId)) return undefined;
  if (!/^[0-9a-f]{16}$/.test(context.spanId) || /^0+$/.test(context.spanId)) return undefined;
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

export function parseTraceparent(value: string | undefined): TraceParent | null {
  const match = value ? PATTERN.exec(value) : null;
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return null;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: Number.parseInt(match[3]!, 16) };
}

/** Sampled traces only: an unsampled context is not worth sending. */
export function sampledTraceparent(context: TraceParent): string | undefined {
  return context.traceFlags & 1 ? formatTraceparent(context) : undefined;
}
