/**
 * The app's log records for the built-in trace viewer: a record made while a
 * span was active becomes plain data (shared/trace-viewer.ts) kept with that
 * span's conversation in the span store, fed by a log record processor
 * behind the tracing gate, as spans are. A page of the conversation carries
 * its records beside its spans, in one order of arrival.
 */
import { isSpanContextValid, type HrTime } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { TRACE_PAGE_BYTES, TRACE_PAGE_LOGS, VIEWER_LOG_LIMITS, type ViewerLog, type ViewerSpan } from '../../../../shared/trace-viewer';
import { jsonBytes, pageOf } from './viewer-span';

export type UnplacedLog = Omit<ViewerLog, 'seq'>;

/** Room the records of one page may take; the rest of the page is its spans'. */
export const LOG_PAGE_BYTES = 16 * 1024;

/** A record as the viewer keeps it, or null when it was made outside any span (nothing to show it on). */
export function toViewerLog(record: ReadableLogRecord): UnplacedLog | null {
  const context = record.spanContext;
  if (!context || !isSpanContextValid(context)) return null;
  const attributes: UnplacedLog['attributes'] = {};
  for (const [key, value] of Object.entries(record.attributes)) {
    if (Object.keys(attributes).length >= VIEWER_LOG_LIMITS.attributes || key.length > 256) break;
    if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = value;
    else if (value !== undefined && value !== null) attributes[key] = cut(typeof value === 'string' ? value : JSON.stringify(value), VIEWER_LOG_LIMITS.value);
  }
  const body = record.body;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    time: time(record.hrTime),
    severity: record.severityNumber ?? 0,
    severityText: (record.severityText ?? '').slice(0, 16),
    body: cut(typeof body === 'string' ? body : JSON.stringify(body ?? ''), VIEWER_LOG_LIMITS.body),
    attributes,
    scope: record.instrumentationScope.name.slice(0, 256),
  };
}

/** Hands each record made in a span to the store (whose `addLog` keeps it or not). */
export class ViewerLogProcessor implements LogRecordProcessor {
  constructor(private readonly store: { addLog(log: UnplacedLog): void }) {}

  onEmit(record: ReadableLogRecord): void {
    const log = toViewerLog(record);
    if (log) this.store.addLog(log);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * One page from a conversation's span candidates (in seq order, from the
 * cursor on) and its records from the cursor on: the records take at most
 * LOG_PAGE_BYTES, the spans the rest, and nothing after the first item left
 * out goes in, so that the next page starts where this one stopped.
 *
 * `complete`: the candidates are all the spans there are from the cursor on
 * (not cut at a count).
 */
export function pageWithLogs(
  candidates: readonly ViewerSpan[],
  logs: readonly ViewerLog[],
  complete: boolean,
  nextSeq: number,
  budget = TRACE_PAGE_BYTES,
): { spans: ViewerSpan[]; logs: ViewerLog[]; next: number | null } {
  let limit = complete || candidates.length === 0 ? Number.POSITIVE_INFINITY : candidates.at(-1)!.seq + 1;
  const taken: ViewerLog[] = [];
  let used = 0;
  for (const log of logs) {
    if (log.seq >= limit) break;
    const bytes = jsonBytes(log) + 1;
    if (taken.length >= TRACE_PAGE_LOGS || used + bytes > LOG_PAGE_BYTES) {
      limit = log.seq;
      break;
    }
    taken.push(log);
    used += bytes;
  }
  const eligible = candidates.filter((s) => s.seq < limit);
  const spans = eligible.length ? pageOf(eligible, budget - used) : [];
  if (spans.length < eligible.length) limit = Math.min(limit, eligible[spans.length]!.seq);
  const pageLogs = taken.filter((l) => l.seq < limit);
  const last = Math.max(spans.at(-1)?.seq ?? -1, pageLogs.at(-1)?.seq ?? -1);
  return { spans, logs: pageLogs, next: last >= 0 && last + 1 < nextSeq ? last + 1 : null };
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function time(value: HrTime): [number, number] {
  return [Math.max(0, Math.trunc(value[0])), Math.min(999_999_999, Math.max(0, Math.trunc(value[1])))];
}
