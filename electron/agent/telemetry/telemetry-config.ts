/**
 * Tracing configuration, with the names fixed by the product: ENABLE_TRACING,
 * OTEL_CONSOLE_EXPORT, OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_CAPTURE_CONTENT, OTEL_BSP_SCHEDULE_DELAY
 * (read and checked as the table in shared/settings-fields.ts says; header
 * values are never printed: they hold secrets).
 */
import { parseHeaderList } from '../../../shared/config-values';
import { readEnvironment, warnBadHeaders, type AllSettings, type Secrets } from '../../../shared/settings-fields';

export interface TelemetryConfig {
  enabled: boolean;
  consoleExport: boolean;
  /** Full URL traces are posted to. */
  tracesUrl: string;
  headers: Record<string, string>;
  serviceName: string;
  /** Parent-based: a root span is sampled with this probability, children follow their parent. */
  samplingRatio: number;
  captureContent: boolean;
  /** Delay between batch exports (OTEL_BSP_SCHEDULE_DELAY). */
  exportDelayMs: number;
}

export { DEFAULT_OTLP_ENDPOINT, DEFAULT_SERVICE_NAME } from '../../../shared/settings-fields';

type Env = Record<string, string | undefined>;

/** Tracing's configuration from the environment alone (tests, benches). */
export function readTelemetryConfig(env: Env, warn: (message: string) => void): TelemetryConfig {
  const { values, secrets } = readEnvironment(env, warn);
  return telemetryConfig(values, secrets);
}

/** Tracing's configuration from settings and secrets: nothing else is read. */
export function telemetryConfig(settings: AllSettings, secrets: Secrets): TelemetryConfig {
  const t = settings.tracing;
  return {
    enabled: t.enabled,
    consoleExport: t.consoleExport,
    // The signal-specific endpoint is used as is.
    tracesUrl: settings.export.tracesEndpoint || `${t.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: parseHeaders(secrets.otlpHeaders, () => {}),
    serviceName: t.serviceName,
    samplingRatio: t.samplingRatio,
    captureContent: t.captureContent,
    exportDelayMs: settings.export.delayMs,
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
