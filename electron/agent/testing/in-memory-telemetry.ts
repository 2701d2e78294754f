/**
 * The app's real Telemetry with tracing on, exporting into memory: spans are
 * read back with `finishedSpans()` instead of being sent anywhere, and the
 * console exporter is kept in memory too, so nothing is printed.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { silentLogger, type Logger } from '../logger';
import { Telemetry } from '../telemetry/telemetry';
import { readTelemetryConfig } from '../telemetry/telemetry-config';

export interface InMemoryTelemetryOptions {
  /** Environment overrides, over ENABLE_TRACING=true. */
  env?: Record<string, string>;
  logger?: Logger;
  /** Receives the configuration's warnings (ignored by default). */
  warn?: (message: string) => void;
  /** The batch processor's delay; short, so spans arrive soon after they end. */
  scheduledDelayMillis?: number;
}

export interface InMemoryTelemetry {
  readonly telemetry: Telemetry;
  readonly exporter: InMemorySpanExporter;
  /** Flushes the pending batch, then returns every span ended so far. */
  finishedSpans(): Promise<ReadableSpan[]>;
}

export function inMemoryTelemetry(options: InMemoryTelemetryOptions = {}): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const config = readTelemetryConfig({ ENABLE_TRACING: 'true', ...options.env }, options.warn ?? (() => {}));
  const telemetry = new Telemetry(config, options.logger ?? silentLogger, {
    exporter,
    consoleExporter: new InMemorySpanExporter(),
    batch: { scheduledDelayMillis: options.scheduledDelayMillis ?? 10 },
  });
  return {
    telemetry,
    exporter,
    finishedSpans: async () => {
      await telemetry.flush();
      return exporter.getFinishedSpans();
    },
  };
}
