/**
 * The app's real Telemetry with tracing on, exporting into memory: spans are
 * read back with `finishedSpans()` instead of being sent anywhere, metrics
 * stay in memory too (a test never waits on an OTLP export to a collector that
 * is not there), and the console exporters are kept in memory, so nothing is
 * printed.
 */
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { silentLogger, type Logger } from '../util/logger';
import { Telemetry } from '../telemetry/sdk/telemetry';
import { readTelemetryConfig } from '../telemetry/sdk/telemetry-config';

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
  /** What the OTLP metrics reader would have sent. */
  readonly metricsExporter: InMemoryMetricExporter;
  /** What the OTLP log exporter would have sent (records of a logger attached to `telemetry.logSink`). */
  readonly logsExporter: InMemoryLogRecordExporter;
  /** Flushes the pending batch, then returns every span ended so far. */
  finishedSpans(): Promise<ReadableSpan[]>;
}

export function inMemoryTelemetry(options: InMemoryTelemetryOptions = {}): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const metricsExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logsExporter = new InMemoryLogRecordExporter();
  const config = readTelemetryConfig({ ENABLE_TRACING: 'true', ...options.env }, options.warn ?? (() => {}));
  const telemetry = new Telemetry(config, options.logger ?? silentLogger, {
    exporter,
    consoleExporter: new InMemorySpanExporter(),
    batch: { scheduledDelayMillis: options.scheduledDelayMillis ?? 10 },
    metrics: { exporter: metricsExporter, consoleExporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE) },
    logs: { exporter: logsExporter, consoleExporter: new InMemoryLogRecordExporter(), batch: { scheduledDelayMillis: options.scheduledDelayMillis ?? 10 } },
  });
  return {
    telemetry,
    exporter,
    metricsExporter,
    logsExporter,
    finishedSpans: async () => {
      await telemetry.flush();
      return exporter.getFinishedSpans();
    },
  };
}
