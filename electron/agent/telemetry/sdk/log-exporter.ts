import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Logger } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { describeExportError } from './reporting-exporter';

/**
 * Wraps the OTLP log exporter so that it can be switched at run time (a new
 * endpoint, headers or protocol from Settings) and reports a failing
 * collector once per failure episode. Its own warning is a log record too:
 * reported once, it cannot feed on itself.
 */
export class SwitchableLogExporter implements LogRecordExporter {
  private failing = false;
  private dropped = 0;

  constructor(
    private inner: LogRecordExporter,
    private target: string,
    private readonly logger: Logger,
  ) {}

  replace(inner: LogRecordExporter, target: string): void {
    const old = this.inner;
    this.inner = inner;
    this.target = target;
    this.failing = false;
    this.dropped = 0;
    // The old exporter's last batch failing is already reported by export(); nothing more to do.
    void ignoreFailure(old.shutdown());
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(records, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) this.logger.info(`Log export to ${this.target} works again (${this.dropped} log records were lost while it failed).`);
        this.failing = false;
        this.dropped = 0;
      } else {
        this.dropped += records.length;
        if (!this.failing) {
          this.failing = true;
          this.logger.warn(`Log export to ${this.target} failed: ${describeExportError(result.error, '/v1/logs')}. Log records are dropped until the collector answers; the app keeps working.`);
        }
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
