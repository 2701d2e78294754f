/**
 * Tracing configuration, with the names fixed by the product: ENABLE_TRACING,
 * OTEL_CONSOLE_EXPORT, OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_CAPTURE_CONTENT, OTEL_BSP_SCHEDULE_DELAY,
 * OTEL_METRICS_EXPORTER, OTEL_METRIC_EXPORT_INTERVAL, OTEL_LOGS_EXPORTER,
 * OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_LOGS_PROTOCOL and OTEL_BLRP_SCHEDULE_DELAY
 * (read and checked as the table in shared/settings-fields.ts says; header
 * values are never printed: they hold secrets).
 */
import { parseHeaderList, urlOrigin } from '../../../../shared/config-values';
import { readEnvironment, warnBadHeaders, type AllSettings } from '../../../../shared/settings-fields';
import type { OtlpProtocol } from '../../../../shared/settings';
import { otlpUrls } from '../../../../shared/endpoints';
import type { SecretFor } from '../../settings/secret-origins';
import type { SettingsSnapshot } from '../../settings/settings-store';

export interface TelemetryConfig {
  enabled: boolean;
  consoleExport: boolean;
  /** Full URL traces are posted to. */
  tracesUrl: string;
  /** The OTLP headers given for the traces URL's origin. */
  headers: Record<string, string>;
  serviceName: string;
  /** Parent-based: a root span is sampled with this probability, children follow their parent. */
  samplingRatio: number;
  captureContent: boolean;
  /** Delay between batch exports (OTEL_BSP_SCHEDULE_DELAY). */
  exportDelayMs: number;
  /** OTLP/HTTP encoding of the trace export. */
  protocol: OtlpProtocol;
  /** Each turn the root of its own trace (read when a turn starts). */
  traceEachTurn: boolean;
  /** HTTP client spans of the API calls. */
  httpSpans: boolean;
  metrics: MetricsConfig;
  logs: LogsConfig;
}

export interface LogsConfig {
  /** OTLP export of log records (while tracing is on). */
  otlp: boolean;
  /** Log records printed by the SDK's console exporter (while tracing is on). */
  console: boolean;
  /** Full URL log records are posted to. */
  url: string;
  /** The OTLP headers given for the logs URL's origin. */
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  /** Delay between batch exports (OTEL_BLRP_SCHEDULE_DELAY). */
  delayMs: number;
}

export interface MetricsConfig {
  /** OTLP export of metrics (while tracing is on). */
  otlp: boolean;
  /** Metrics printed to the console (while tracing is on). */
  console: boolean;
  /** Full URL metrics are posted to. */
  url: string;
  /** The OTLP headers given for the metrics URL's origin. */
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  /** OTEL_METRIC_EXPORT_INTERVAL: between the starts of two exports. */
  intervalMs: number;
}

export { DEFAULT_OTLP_ENDPOINT, DEFAULT_SERVICE_NAME } from '../../../../shared/settings-fields';

type Env = Record<string, string | undefined>;

/** Tracing's configuration from the environment alone (tests, benches). */
export function readTelemetryConfig(env: Env, warn: (message: string) => void): TelemetryConfig {
  const { values, secrets } = readEnvironment(env, warn);
  // From the environment alone every secret is at the address it was given for.
  return telemetryConfig(values, (name) => secrets[name]);
}

const derivedConfigs = new WeakMap<SettingsSnapshot, TelemetryConfig>();

/** Tracing's configuration from the settings in force: the same object until the settings change. */
export function telemetryConfigOf(settings: SettingsSnapshot): TelemetryConfig {
  let config = derivedConfigs.get(settings);
  if (!config) derivedConfigs.set(settings, (config = telemetryConfig(settings.all, settings.secretFor)));
  return config;
}

/** Tracing's configuration from settings and secrets: nothing else is read. Headers go only to an origin they were given for. */
export function telemetryConfig(settings: AllSettings, secretFor: SecretFor): TelemetryConfig {
  const t = settings.tracing;
  const e = settings.export;
  const urls = otlpUrls(settings);
  const headersFor = (url: string) => parseHeaders(secretFor('otlpHeaders', urlOrigin(url)), () => {});
  return {
    enabled: t.enabled,
    consoleExport: t.consoleExport,
    tracesUrl: urls.traces,
    headers: headersFor(urls.traces),
    serviceName: t.serviceName,
    samplingRatio: t.samplingRatio,
    captureContent: t.captureContent,
    exportDelayMs: e.delayMs,
    protocol: t.protocol,
    traceEachTurn: t.traceEachTurn,
    httpSpans: t.httpSpans,
    metrics: {
      otlp: e.metricsExporter.includes('otlp'),
      console: e.metricsExporter.includes('console'),
      url: urls.metrics,
      headers: headersFor(urls.metrics),
      // Same protocol choice as traces unless the metrics' own variable says otherwise.
      protocol: e.metricsProtocol || t.protocol,
      intervalMs: e.metricsIntervalMs,
    },
    logs: {
      otlp: e.logsExporter.includes('otlp'),
      console: e.logsExporter.includes('console'),
      url: urls.logs,
      headers: headersFor(urls.logs),
      // Same protocol choice as traces unless the logs' own variable says otherwise.
      protocol: e.logsProtocol || t.protocol,
      delayMs: e.logsDelayMs,
    },
  };
}

/** The spec's `key=value,key2=value2` list, values percent-decoded; an invalid list is reported by position, never by value. */
export function parseHeaders(raw: string | undefined, warn: (message: string) => void, name = 'OTEL_EXPORTER_OTLP_HEADERS'): Record<string, string> {
  if (!raw?.trim()) return {};
  const parsed = parseHeaderList(raw);
  if (parsed.ok) return parsed.headers;
  warnBadHeaders(raw, warn, name);
  return {};
}
