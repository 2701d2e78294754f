/**
 * The app's log lines as OpenTelemetry logs, the third signal beside traces
 * and metrics: one LoggerProvider with the same resource, each logger's name
 * the instrumentation scope, each line a record with its severity, message
 * and fields as attributes. A record made while a span is active (a turn, a
 * stage, a tool call) carries that span's trace and span ids, so that a
 * backend shows it inside the trace.
 *
 * Exported over OTLP/HTTP (JSON or protobuf, the traces' choice unless
 * OTEL_EXPORTER_OTLP_LOGS_PROTOCOL says otherwise) to OTEL_EXPORTER_OTLP_LOGS_ENDPOINT
 * or the endpoint's /v1/logs, and/or printed (OTEL_LOGS_EXPORTER); the
 * built-in trace viewer keeps the records of its traces. Batched every
 * OTEL_BLRP_SCHEDULE_DELAY (the specification's batch log record processor). All of it only while
 * tracing is on: off, nothing is recorded or sent. The terminal and the log
 * file are other sinks of the same logger, on whatever tracing does.
 */
import type { Attributes, AttributeValue, Logger as OtelLogger } from '@opentelemetry/api';
import { context, ROOT_CONTEXT, SeverityNumber } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import type { LogEntry, Logger, LogLevel, LogSink } from '../../util/logger';
import { ignoreFailure } from '../../util/ignore-failure';
import { displayUrl } from '../../util/network-errors';
import { GatedLogRecordProcessor } from './gated-log-processor';
import { LOGS, ReportingExporter } from './reporting-exporter';
import type { LogsConfig, TelemetryConfig } from './telemetry-config';

export interface LogsOptions {
  /** Replaces the OTLP exporter (tests). */
  exporter?: LogRecordExporter;
  /** Replaces the console exporter (tests). */
  consoleExporter?: LogRecordExporter;
  batch?: { scheduledDelayMillis?: number; maxQueueSize?: number; exportTimeoutMillis?: number };
  /** Time one OTLP export may take, retries included. */
  otlpTimeoutMillis?: number;
  /** Where the built-in viewer keeps the records of its traces (fed while tracing is on). */
  viewer?: LogRecordProcessor;
}

const SEVERITY: Record<LogLevel, { number: SeverityNumber; text: string }> = {
  info: { number: SeverityNumber.INFO, text: 'INFO' },
  warn: { number: SeverityNumber.WARN, text: 'WARN' },
  error: { number: SeverityNumber.ERROR, text: 'ERROR' },
};

export class AppLogs {
  private readonly provider: LoggerProvider;
  private readonly otlp: ReportingExporter<ReadableLogRecord>;
  private readonly loggers = new Map<string, OtelLogger>();
  private config: LogsConfig;
  private exportTarget: string;

  constructor(
    telemetry: TelemetryConfig,
    resource: Resource,
    private readonly tracingOn: () => boolean,
    private readonly logger: Logger,
    private readonly options: LogsOptions = {},
  ) {
    this.config = telemetry.logs;
    this.exportTarget = exportTarget(telemetry);
    this.otlp = new ReportingExporter<ReadableLogRecord>(options.exporter ?? this.createExporter(telemetry), displayUrl(this.config.url), logger, LOGS);
    const processors: LogRecordProcessor[] = [
      new GatedLogRecordProcessor(
        new BatchLogRecordProcessor({
          exporter: this.otlp,
          maxQueueSize: options.batch?.maxQueueSize ?? 2_048,
          maxExportBatchSize: 512,
          scheduledDelayMillis: options.batch?.scheduledDelayMillis ?? telemetry.logs.delayMs,
          exportTimeoutMillis: options.batch?.exportTimeoutMillis ?? 10_000,
        }),
        () => this.tracingOn() && this.config.otlp,
      ),
      new GatedLogRecordProcessor(
        new SimpleLogRecordProcessor({ exporter: options.consoleExporter ?? new ConsoleLogRecordExporter() }),
        () => this.tracingOn() && this.config.console,
      ),
      ...(options.viewer ? [new GatedLogRecordProcessor(options.viewer, () => this.tracingOn())] : []),
    ];
    this.provider = new LoggerProvider({
      resource,
      processors,
      logRecordLimits: { attributeValueLengthLimit: 8_192, attributeCountLimit: 128 },
    });
  }

  /**
   * The app logger's sink: an entry becomes a record in the active context
   * (the span running now, if any); nothing is made while tracing is off.
   * The SDK exports with tracing suppressed, in whatever context its batch
   * timer began: what is logged there (an export failing) is about no span.
   */
  readonly sink: LogSink = (entry) => {
    if (!this.tracingOn()) return;
    const active = context.active();
    let otel = this.loggers.get(entry.scope);
    if (!otel) this.loggers.set(entry.scope, (otel = this.provider.getLogger(entry.scope)));
    const severity = SEVERITY[entry.level];
    otel.emit({
      timestamp: entry.time,
      severityNumber: severity.number,
      severityText: severity.text,
      body: entry.message,
      attributes: logAttributes(entry),
      context: isTracingSuppressed(active) ? ROOT_CONTEXT : active,
    });
  };

  /** A new endpoint, headers or protocol apply from the next export. */
  applyConfig(telemetry: TelemetryConfig): void {
    this.config = telemetry.logs;
    const target = exportTarget(telemetry);
    if (this.options.exporter || target === this.exportTarget) return;
    this.exportTarget = target;
    this.otlp.replace(this.createExporter(telemetry), displayUrl(telemetry.logs.url));
    this.logger.info(`Log export now goes to ${displayUrl(telemetry.logs.url)} (${telemetry.logs.protocol}).`);
  }

  /** Exports what is pending now (failures are reported by the exporter, not thrown). */
  flush(): Promise<void> {
    return ignoreFailure(this.provider.forceFlush());
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private createExporter(telemetry: TelemetryConfig): LogRecordExporter {
    const options = { url: telemetry.logs.url, headers: { ...telemetry.logs.headers }, timeoutMillis: this.options.otlpTimeoutMillis ?? 10_000 };
    return telemetry.logs.protocol === 'http/protobuf' ? new ProtobufLogExporter(options) : new JsonLogExporter(options);
  }
}

function exportTarget(telemetry: TelemetryConfig): string {
  return JSON.stringify([telemetry.logs.url, telemetry.logs.headers, telemetry.logs.protocol]);
}

/**
 * A log entry's fields as record attributes: scalars and lists of scalars as
 * they are, anything else as its JSON text (what the terminal line shows).
 */
export function logAttributes(entry: Pick<LogEntry, 'fields'>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(entry.fields ?? {})) {
    const converted = attributeValue(value);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function attributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined || value === null || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  // Lists of one scalar type, as attribute values are; anything else as text.
  if (Array.isArray(value) && value.length > 0 && ['string', 'number', 'boolean'].includes(typeof value[0]) && value.every((v) => typeof v === typeof value[0]))
    return value as AttributeValue;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
