import { describe, expect, it, vi } from 'vitest';
import { parseHeaders, readTelemetryConfig } from './telemetry-config';

describe('readTelemetryConfig', () => {
  it('has the documented defaults', () => {
    expect(readTelemetryConfig({}, vi.fn())).toEqual({
      enabled: false,
      consoleExport: false,
      tracesUrl: 'http://localhost:4318/v1/traces',
      headers: {},
      serviceName: 'voice-agent-stack',
      samplingRatio: 1,
      captureContent: false,
      exportDelayMs: 5_000,
      protocol: 'http/json',
      traceEachTurn: false,
      httpSpans: false,
      metrics: { otlp: true, console: false, url: 'http://localhost:4318/v1/metrics', headers: {}, protocol: 'http/json', intervalMs: 60_000 },
      logs: { otlp: true, console: false, url: 'http://localhost:4318/v1/logs', headers: {}, protocol: 'http/json', delayMs: 1_000 },
    });
  });

  it('reads every variable', () => {
    const config = readTelemetryConfig(
      {
        ENABLE_TRACING: 'true',
        OTEL_CONSOLE_EXPORT: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=abc%20def,Authorization=Bearer%20tok%3D',
        OTEL_SERVICE_NAME: 'my-voice',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_CAPTURE_CONTENT: 'yes',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        TRACE_EACH_TURN: 'true',
        OTEL_TRACE_HTTP_CALLS: 'on',
        OTEL_METRICS_EXPORTER: 'console, otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '15000',
        OTEL_LOGS_EXPORTER: 'otlp,console',
        OTEL_BLRP_SCHEDULE_DELAY: '250',
      },
      vi.fn(),
    );
    expect(config).toEqual({
      enabled: true,
      consoleExport: true,
      tracesUrl: 'https://collector.example:4318/v1/traces',
      headers: { 'x-honeycomb-team': 'abc def', Authorization: 'Bearer tok=' },
      serviceName: 'my-voice',
      samplingRatio: 0.25,
      captureContent: true,
      exportDelayMs: 500,
      protocol: 'http/protobuf',
      traceEachTurn: true,
      httpSpans: true,
      metrics: { otlp: true, console: true, url: 'https://collector.example:4318/v1/metrics', headers: { 'x-honeycomb-team': 'abc def', Authorization: 'Bearer tok=' }, protocol: 'http/protobuf', intervalMs: 15_000 },
      logs: { otlp: true, console: true, url: 'https://collector.example:4318/v1/logs', headers: { 'x-honeycomb-team': 'abc def', Authorization: 'Bearer tok=' }, protocol: 'http/protobuf', delayMs: 250 },
    });
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is', () => {
    const config = readTelemetryConfig(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom/path' },
      vi.fn(),
    );
    expect(config.tracesUrl).toBe('http://b:9999/custom/path');
  });

  it('uses the signal-specific protocol and metrics endpoint before the general ones', () => {
    const config = readTelemetryConfig(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:1234/custom',
      },
      vi.fn(),
    );
    expect(config.protocol).toBe('http/json');
    expect(config.metrics).toMatchObject({ protocol: 'http/protobuf', url: 'http://m:1234/custom' });
  });

  it('says gRPC is not supported and falls back to http/protobuf, the specification\'s default', () => {
    const warn = vi.fn();
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, warn).protocol).toBe('http/protobuf');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported here \(OTLP over gRPC\); using http\/protobuf/));
    const metricsWarn = vi.fn();
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'GRPC' }, metricsWarn).metrics.protocol).toBe('http/protobuf');
    expect(metricsWarn).toHaveBeenCalledWith(expect.stringContaining('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL="GRPC" is not supported'));
  });

  it.each([
    [{ OTEL_CAPTURE_CONTENT: 'false', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }, true],
    [{ OTEL_CAPTURE_CONTENT: 'true', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' }, true],
    [{ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }, true],
    [{ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false' }, false],
    [{ OTEL_CAPTURE_CONTENT: 'maybe', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }, true],
  ])('captures content when either switch is true: %j', (env, expected) => {
    expect(readTelemetryConfig(env, vi.fn()).captureContent).toBe(expected);
  });

  it('uses OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as is, and the logs\' own protocol before the traces\'', () => {
    const config = readTelemetryConfig(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://l:9999/custom/path',
        OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
      },
      vi.fn(),
    );
    expect(config.logs).toMatchObject({ url: 'http://l:9999/custom/path', protocol: 'http/protobuf' });
    expect(config.tracesUrl).toBe('http://a:4318/v1/traces');
    expect(config.protocol).toBe('http/json');
    // Without their own, logs follow the traces' protocol (the Settings choice).
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, vi.fn()).logs.protocol).toBe('http/protobuf');
  });

  it.each([
    ['otlp', { otlp: true, console: false }],
    ['console', { otlp: false, console: true }],
    ['console,otlp', { otlp: true, console: true }],
    [' OTLP , console ', { otlp: true, console: true }],
    ['none', { otlp: false, console: false }],
    ['otlp,none', { otlp: false, console: false }],
  ])('reads OTEL_LOGS_EXPORTER=%s as the specification defines it', (value, expected) => {
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_LOGS_EXPORTER: value }, vi.fn());
    expect(config.logs).toMatchObject(expected);
    // Logs alone: traces and metrics are untouched.
    expect(config.enabled).toBe(true);
    expect(config.metrics).toMatchObject({ otlp: true, console: false });
  });

  it('turns metrics alone off with OTEL_METRICS_EXPORTER=none', () => {
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none' }, vi.fn());
    expect(config.enabled).toBe(true);
    expect(config.metrics).toMatchObject({ otlp: false, console: false });
  });

  it.each([
    ['ENABLE_TRACING', 'maybe', /ENABLE_TRACING="maybe" is not true or false/],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'localhost:4318', /OTEL_EXPORTER_OTLP_ENDPOINT=.*not an http\(s\) URL/],
    ['OTEL_TRACES_SAMPLER', 'sometimes', /OTEL_TRACES_SAMPLER="sometimes" is not supported/],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'thrift', /OTEL_EXPORTER_OTLP_PROTOCOL="thrift" must be http\/json or http\/protobuf; using http\/json/],
    ['OTEL_METRICS_EXPORTER', 'prometheus', /OTEL_METRICS_EXPORTER="prometheus" must be otlp, console or none/],
    ['OTEL_LOGS_EXPORTER', 'logging', /OTEL_LOGS_EXPORTER="logging" must be otlp, console or none/],
    ['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', 'collector:4318/v1/logs', /OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=.*not an http\(s\) URL; ignoring it/],
    ['OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'thrift', /OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="thrift" must be http\/json or http\/protobuf/],
    ['OTEL_BLRP_SCHEDULE_DELAY', 'soon', /OTEL_BLRP_SCHEDULE_DELAY="soon" must be a whole number/],
    ['OTEL_METRIC_EXPORT_INTERVAL', '5s', /OTEL_METRIC_EXPORT_INTERVAL="5s" must be a whole number/],
    ['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', 'perhaps', /OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="perhaps" is not true or false; ignoring it/],
  ])('reports %s=%s by name and falls back', (name, value, message) => {
    const warn = vi.fn();
    expect(readTelemetryConfig({ [name]: value }, warn)).toEqual(readTelemetryConfig({}, vi.fn()));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(message));
  });

  it('falls back to sampling everything on a bad ratio', () => {
    const warn = vi.fn();
    expect(readTelemetryConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, warn).samplingRatio).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('OTEL_TRACES_SAMPLER_ARG'));
    expect(readTelemetryConfig({ OTEL_TRACES_SAMPLER: 'always_off' }, vi.fn()).samplingRatio).toBe(0);
  });
});

describe('parseHeaders', () => {
  it('parses key=value lists with percent-decoding and white space', () => {
    expect(parseHeaders(' a=1 , b = two%2Cthree ,', vi.fn())).toEqual({ a: '1', b: 'two,three' });
  });

  it.each(['novalue', '=x', 'a=%E0%A4%A', 'bad key=1', 'a=1\nb'])('refuses %j whole, without printing the value', (raw) => {
    const warn = vi.fn();
    expect(parseHeaders(raw, warn)).toEqual({});
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('OTEL_EXPORTER_OTLP_HEADERS'));
    expect(warn.mock.calls[0]![0]).not.toContain('%E0');
  });
});
