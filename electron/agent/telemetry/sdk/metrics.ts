/**
 * The main process's metrics: one MeterProvider beside the tracer provider,
 * with the same resource, exported over OTLP/HTTP (JSON or protobuf, the
 * traces' choice unless OTEL_EXPORTER_OTLP_METRICS_PROTOCOL says otherwise)
 * and/or printed, every OTEL_METRIC_EXPORT_INTERVAL. Metrics are on while
 * tracing is, unless OTEL_METRICS_EXPORTER=none; nothing is recorded or sent
 * while they are off.
 */
import type { Meter } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../../util/logger';
import { displayUrl } from '../../util/network-errors';
import { SwitchableMetricExporter } from './metrics-exporter';
import type { MetricsConfig, TelemetryConfig } from './telemetry-config';

export interface MetricsOptions {
  /** Replaces the OTLP exporter (tests). */
  exporter?: PushMetricExporter;
  /** Replaces the console exporter (tests). */
  consoleExporter?: PushMetricExporter;
  /** Time one OTLP export may take. */
  otlpTimeoutMillis?: number;
}

export class AppMetrics {
  readonly meter: Meter;
  private readonly provider: MeterProvider;
  private readonly otlp: SwitchableMetricExporter;
  private exportTarget: string;
  private config: MetricsConfig;
  /** A last export while switching off carries what was recorded while on. */
  private draining = false;

  constructor(
    telemetry: TelemetryConfig,
    resource: Resource,
    private readonly tracingOn: () => boolean,
    private readonly logger: Logger,
    private readonly options: MetricsOptions = {},
  ) {
    this.config = telemetry.metrics;
    this.exportTarget = exportTarget(telemetry);
    const open = (kind: 'otlp' | 'console') => () => this.draining || (this.tracingOn() && this.config[kind]);
    this.otlp = new SwitchableMetricExporter(options.exporter ?? this.createExporter(telemetry), displayUrl(this.config.url), open('otlp'), logger);
    const console = new SwitchableMetricExporter(options.consoleExporter ?? new ConsoleMetricExporter(), 'the console', open('console'), logger);
    const reader = (exporter: PushMetricExporter) =>
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: this.config.intervalMs,
        exportTimeoutMillis: Math.min(this.config.intervalMs, 30_000),
      });
    // Which exporters run is fixed for the process (applyConfig keeps it): a reader is made only
    // for those, since every reader keeps its own copy of every point and collects it on each export.
    const readers = [...(this.config.otlp ? [reader(this.otlp)] : []), ...(this.config.console ? [reader(console)] : [])];
    this.provider = new MeterProvider({ resource, readers });
    this.meter = this.provider.getMeter('voice-agent-stack');
  }

  /** Whether points are recorded now. */
  get recording(): boolean {
    return this.tracingOn() && (this.config.otlp || this.config.console);
  }

  /** A new endpoint, headers or protocol apply from the next export. */
  applyConfig(telemetry: TelemetryConfig): void {
    this.config = { ...telemetry.metrics, otlp: this.config.otlp, console: this.config.console };
    const target = exportTarget(telemetry);
    if (this.options.exporter || target === this.exportTarget) return;
    this.exportTarget = target;
    this.otlp.replace(this.createExporter(telemetry), displayUrl(telemetry.metrics.url));
    this.logger.info(`Metrics export now goes to ${displayUrl(telemetry.metrics.url)} (${telemetry.metrics.protocol}).`);
  }

  /** Exports what is recorded now (failures are reported by the exporter, not thrown). */
  async flush(): Promise<void> {
    try {
      await this.provider.forceFlush();
    } catch (error) {
      this.logger.warn('metrics flush failed', { error: String(error) });
    }
  }

  /** Sends what was recorded before metrics go off with tracing. */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      await this.flush();
    } finally {
      this.draining = false;
    }
  }

  /** The last export happens only while metrics are on: off means nothing sent. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private createExporter(telemetry: TelemetryConfig): PushMetricExporter {
    const options = { url: telemetry.metrics.url, headers: { ...telemetry.metrics.headers }, timeoutMillis: this.options.otlpTimeoutMillis ?? 10_000 };
    return telemetry.metrics.protocol === 'http/protobuf' ? new ProtobufMetricExporter(options) : new JsonMetricExporter(options);
  }
}

function exportTarget(telemetry: TelemetryConfig): string {
  return JSON.stringify([telemetry.metrics.url, telemetry.metrics.headers, telemetry.metrics.protocol]);
}
