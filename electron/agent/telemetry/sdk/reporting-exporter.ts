import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { networkReason, shorten } from '../../util/network-errors';

/**
 * Wraps the OTLP exporter so that a collector that is down, slow or failing
 * gives one clear warning per failure episode (not one per batch), and a note
 * when export works again. Export never blocks or fails a turn.
 */
export class ReportingExporter implements SpanExporter {
  private failing = false;
  private dropped = 0;

  constructor(
    private inner: SpanExporter,
    private target: string,
    private readonly logger: Logger,
  ) {}

  /** Sends future batches elsewhere (a new endpoint or headers from Settings). */
  replace(inner: SpanExporter, target: string): void {
    const old = this.inner;
    this.inner = inner;
    this.target = target;
    this.failing = false;
    this.dropped = 0;
    // The old exporter's last batch failing is already reported by export(); nothing more to do.
    void ignoreFailure(old.shutdown());
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) {
          this.logger.info(`Trace export to ${this.target} works again (${this.dropped} spans were lost while it failed).`);
          this.failing = false;
          this.dropped = 0;
        }
      } else {
        this.dropped += spans.length;
        if (!this.failing) {
          this.failing = true;
          this.logger.warn(
            `Trace export to ${this.target} failed: ${describeExportError(result.error)}. Spans are dropped until the collector answers; the app keeps working.`,
          );
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
