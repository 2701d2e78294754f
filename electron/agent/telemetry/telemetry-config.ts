/**
 * Tracing configuration from the environment (and .env), with the names fixed
 * by the product: ENABLE_TRACING, OTEL_CONSOLE_EXPORT, OTEL_EXPORTER_OTLP_*,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG), OTEL_CAPTURE_CONTENT. Invalid
 * values are reported by name (never by value: headers hold secrets) and
 * replaced by the default.
 */
import { isHttpUrl, parseHeaderList } from '../../../shared/config-values';

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

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_SERVICE_NAME = 'voice-agent-stack';

type Env = Record<string, string | undefined>;

export function readTelemetryConfig(env: Env, warn: (message: string) => void): TelemetryConfig {
  const flag = (name: string): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return false;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    warn(`${name}="${env[name]}" is not true or false; using false.`);
    return false;
  };
  return {
    enabled: flag('ENABLE_TRACING'),
    consoleExport: flag('OTEL_CONSOLE_EXPORT'),
    tracesUrl: tracesUrl(env, warn),
    headers: parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS, warn),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
    samplingRatio: samplingRatio(env, warn),
    captureContent: flag('OTEL_CAPTURE_CONTENT'),
    exportDelayMs: exportDelay(env, warn),
  };
}

function tracesUrl(env: Env, warn: (message: string) => void): string {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (signal) {
    // The signal-specific endpoint is used as is.
    if (isHttpUrl(signal)) return signal;
    warn(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="${signal}" is not an http(s) URL; ignoring it.`);
  }
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  let endpoint = DEFAULT_OTLP_ENDPOINT;
  if (base) {
    if (isHttpUrl(base)) endpoint = base;
    else warn(`OTEL_EXPORTER_OTLP_ENDPOINT="${base}" is not an http(s) URL; using ${DEFAULT_OTLP_ENDPOINT}.`);
  }
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** The spec's `key=value,key2=value2` list, values percent-decoded. */
export function parseHeaders(raw: string | undefined, warn: (message: string) => void, name = 'OTEL_EXPORTER_OTLP_HEADERS'): Record<string, string> {
  if (!raw?.trim()) return {};
  const parsed = parseHeaderList(raw);
  if (parsed.ok) return parsed.headers;
  warn(`${name}: entry ${parsed.entry} is not a valid key=value pair (values are percent-encoded); sending no headers.`);
  return {};
}

function samplingRatio(env: Env, warn: (message: string) => void): number {
  const sampler = (env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on').replace(/^parentbased_/, '');
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  switch (sampler) {
    case 'always_on':
      return 1;
    case 'always_off':
      return 0;
    case 'traceidratio': {
      if (!arg) return 1;
      const ratio = Number(arg);
      if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
      warn(`OTEL_TRACES_SAMPLER_ARG="${arg}" must be a ratio from 0 to 1; sampling everything.`);
      return 1;
    }
    default:
      warn(`OTEL_TRACES_SAMPLER="${env.OTEL_TRACES_SAMPLER}" is not supported (use parentbased_traceidratio, always_on or always_off); sampling everything.`);
      return 1;
  }
}

function exportDelay(env: Env, warn: (message: string) => void): number {
  const raw = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  if (!raw) return 5_000;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 50 && value <= 600_000) return value;
  warn(`OTEL_BSP_SCHEDULE_DELAY="${raw}" must be a whole number of milliseconds from 50 to 600000; using 5000.`);
  return 5_000;
}
