import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';

/**
 * Passes log records to `inner` only while `isOpen()` says so: the logs'
 * GatedSpanProcessor, so that tracing's switches apply to logs live.
 */
export class GatedLogRecordProcessor implements LogRecordProcessor {
  constructor(
    private readonly inner: LogRecordProcessor,
    private readonly isOpen: () => boolean,
  ) {}

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    if (this.isOpen()) this.inner.onEmit(record, context);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
