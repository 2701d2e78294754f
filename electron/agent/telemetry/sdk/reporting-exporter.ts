import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Logger } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { networkReason, shorten } from '../../util/network-errors';

/** What a reporting exporter carries, for its messages. */
export interface ExportedSignal {
  /** The message's first word: `Trace export to ... failed`. */
  name: string;
  /** What a batch holds, plural: `12 spans were lost`. */
  items: string;
  /** Where the signal goes under the collector's base URL, for the hint on a 404. */
  path: '/v1/traces' | '/v1/logs';
}

export const TRACES: ExportedSignal = { name: 'Trace', items: 'spans', path: '/v1/traces' };
export const LOGS: ExportedSignal = { name: 'Log', items: 'log records', path: '/v1/logs' };

/** The shape the SDK's span and log record exporters share. */
interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Wraps an OTLP exporter (spans or log records) so that a collector that is
 * down, slow or failing gives one clear warning per failure episode (not one
 * per batch), and a note when export works again; and so that it can be
 * switched at run time (a new endpoint, headers or protocol from Settings).
 * Export never blocks or fails a turn. The logs' own warning is a log record
 * too: reported once per episode, it cannot feed on itself.
 */
export class ReportingExporter<T = ReadableSpan> implements BatchExporter<T> {
  private failing = false;
  private dropped = 0;

  constructor(
    private inner: BatchExporter<T>,
    private target: string,
    private readonly logger: Logger,
    private readonly signal: ExportedSignal = TRACES,
  ) {}

  /** Sends future batches elsewhere (a new endpoint or headers from Settings). */
  replace(inner: BatchExporter<T>, target: string): void {
    const old = this.inner;
    this.inner = inner;
    this.target = target;
    this.failing = false;
    this.dropped = 0;
    // The old exporter's last batch failing is already reported by export(); nothing more to do.
    void ignoreFailure(old.shutdown());
  }

  export(items: T[], resultCallback: (result: ExportResult) => void): void {
    const { name, items: what, path } = this.signal;
    this.inner.export(items, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) {
          this.logger.info(`${name} export to ${this.target} works again (${this.dropped} ${what} were lost while it failed).`);
          this.failing = false;
          this.dropped = 0;
        }
      } else {
        this.dropped += items.length;
        if (!this.failing) {
          this.failing = true;
          const dropped = what.charAt(0).toUpperCase() + what.slice(1);
          this.logger.warn(`${name} export to ${this.target} failed: ${describeExportError(result.error, path)}. ${dropped} are dropped until the collector answers; the app keeps working.`);
        }
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** One line for an export failure: the cause, with a hint where one helps. */
export function describeExportError(error: Error | undefined, signalPath: '/v1/traces' | '/v1/metrics' | '/v1/logs' = '/v1/traces'): string {
  if (!error) return 'unknown error';
  const reason = networkReason(error);
  if (reason === 'connection refused') return 'connection refused (is the collector running?)';
  if (/timeout|timed out/i.test(`${error.message} ${String((error as { code?: unknown }).code ?? '')}`)) return 'timed out';
  if (reason) return reason;
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number' && status >= 400) {
    const tracesOnly =
      signalPath === '/v1/metrics'
        ? '; a backend that takes traces only answers 404 here: set OTEL_METRICS_EXPORTER=none'
        : signalPath === '/v1/logs'
          ? '; a backend that takes traces only answers 404 here: set OTEL_LOGS_EXPORTER=none'
          : '';
    const hint = status === 404 ? ` (check the path: the endpoint is the collector base URL, ${signalPath} is added${tracesOnly})` : status === 413 ? ' (the batch was too large for the collector)' : '';
    return `HTTP ${status} ${shorten(error.message, 120)}${hint}`;
  }
  return shorten(error.message, 200);
}
