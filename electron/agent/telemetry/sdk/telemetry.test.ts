import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { silentLogger, type Logger } from '../../util/logger';
import { startOtlpReceiver, type OtlpReceiver } from '../../testing/otlp-receiver';
import { until } from '../../testing/until';
import { Telemetry } from './telemetry';
import { readTelemetryConfig } from './telemetry-config';

let receiver: OtlpReceiver;
const telemetries: Telemetry[] = [];
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(1_000)));
  receiver.reset();
});

function create(env: Record<string, string>, logger: Logger = silentLogger, consoleExporter = new InMemorySpanExporter()) {
  const config = readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env }, () => {});
  const telemetry = new Telemetry(config, logger, { consoleExporter, batch: { scheduledDelayMillis: 50 }, serviceVersion: '1.2.3' });
  telemetries.push(telemetry);
  return { telemetry, consoleExporter };
}

describe('Telemetry', () => {
  it('exports over OTLP/HTTP with the configured headers, service name and resource', async () => {
    const { telemetry } = create({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cr3t%21', OTEL_SERVICE_NAME: 'voice-test' });
    telemetry.tracer.startSpan('conversation').end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length > 0);
    expect(receiver.state.spans.map((s) => s.name)).toEqual(['conversation']);
    expect(receiver.state.requests[0]?.headers['x-api-key']).toBe('s3cr3t!');
    expect(receiver.state.spans[0]?.resource).toMatchObject({
      'service.name': 'voice-test',
      'service.version': '1.2.3',
      'process.runtime.name': 'nodejs',
      'service.instance.id': expect.stringMatching(/[0-9a-f-]{36}/),
    });
    expect(receiver.state.spans[0]?.resource['host.name']).toBeTruthy();
  });

  it('records no spans at all while off, and switches on and off live', async () => {
    const { telemetry, consoleExporter } = create({ OTEL_CONSOLE_EXPORT: 'true' });
    const off = telemetry.tracer.startSpan('off');
    expect(off.isRecording()).toBe(false);
    off.end();
    const states: boolean[] = [];
    telemetry.onChange((state) => states.push(state.enabled));
    telemetry.configure({ enabled: true });
    telemetry.tracer.startSpan('on').end();
    telemetry.configure({ enabled: false });
    telemetry.tracer.startSpan('off-again').end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.state.spans.map((s) => s.name)).toEqual(['on']);
    expect(consoleExporter.getFinishedSpans().map((s) => s.name)).toEqual(['on']);
    expect(states).toEqual([true, false]);
  });

  it('prints to the console only while console export is on', async () => {
    const { telemetry, consoleExporter } = create({ ENABLE_TRACING: 'true' });
    telemetry.tracer.startSpan('quiet').end();
    telemetry.configure({ consoleExport: true });
    telemetry.tracer.startSpan('printed').end();
    telemetry.configure({ consoleExport: false });
    telemetry.tracer.startSpan('quiet-again').end();
    await telemetry.flush();
    expect(consoleExporter.getFinishedSpans().map((s) => s.name)).toEqual(['printed']);
    await until(() => receiver.state.spans.length === 3);
  });

  it('prints readable spans with the SDK console exporter', async () => {
    const dir = vi.spyOn(console, 'dir').mockImplementation(() => {});
    try {
      const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_CONSOLE_EXPORT: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, () => {});
      const telemetry = new Telemetry(config, silentLogger);
      telemetries.push(telemetry);
      telemetry.tracer.startSpan('turn', { attributes: { 'turn.number': 1 } }).end();
      expect(dir).toHaveBeenCalledWith(expect.objectContaining({ name: 'turn', attributes: { 'turn.number': 1 } }), expect.anything());
    } finally {
      dir.mockRestore();
    }
  });

  it('keeps a conversation whole: children follow the sampling of their root', async () => {
    const { telemetry } = create({ ENABLE_TRACING: 'true', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' });
    const { trace } = await import('@opentelemetry/api');
    let kept = 0;
    for (let i = 0; i < 40; i++) {
      const root = telemetry.tracer.startSpan('conversation');
      const child = telemetry.tracer.startSpan('turn', {}, trace.setSpan((await import('@opentelemetry/api')).ROOT_CONTEXT, root));
      expect(child.isRecording()).toBe(root.isRecording());
      if (root.isRecording()) kept++;
      child.end();
      root.end();
    }
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(35);
  });

  it.each([
    ['answers 500', { status: 500 }],
    ['answers 413', { status: 413 }],
  ])('warns once per failure episode when the collector %s, and says when it recovers', async (_name, fault) => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const { telemetry } = create({ ENABLE_TRACING: 'true' }, logger);
    receiver.state.fault = fault;
    for (let i = 0; i < 3; i++) {
      telemetry.tracer.startSpan(`lost-${i}`).end();
      await telemetry.flush();
      await until(() => receiver.state.requests.length === i + 1);
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatch(/Trace export to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed/);
    receiver.state.fault = null;
    telemetry.tracer.startSpan('back').end();
    await telemetry.flush();
    await until(() => logger.info.mock.calls.length > 0);
    expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/works again \(3 spans were lost/));
    expect(receiver.state.spans.map((s) => s.name)).toContain('back');
  });

  it('does not hold anything up when the collector is down', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }, () => {});
    const telemetry = new Telemetry(config, logger, { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 20 }, otlpTimeoutMillis: 500 });
    telemetries.push(telemetry);
    const started = performance.now();
    for (let i = 0; i < 100; i++) telemetry.tracer.startSpan('work').end();
    expect(performance.now() - started).toBeLessThan(200);
    await until(() => logger.warn.mock.calls.length > 0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('warns once when the endpoint has the wrong path, naming the status', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/wrong` }, () => {});
    const telemetry = new Telemetry(config, logger, { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 20 } });
    telemetries.push(telemetry);
    for (let i = 0; i < 3; i++) {
      telemetry.tracer.startSpan('lost').end();
      await telemetry.flush();
    }
    await until(() => logger.warn.mock.calls.length > 0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatch(/\/wrong\/v1\/traces failed.*404/);
  });

  it('resumes by itself when a collector that was down comes up', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const probe = await startOtlpReceiver();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, () => {});
    const telemetry = new Telemetry(config, logger, { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 20 }, otlpTimeoutMillis: 500 });
    telemetries.push(telemetry);
    telemetry.tracer.startSpan('while-down').end();
    await until(() => logger.warn.mock.calls.length > 0);
    const late = await startOtlpReceiver(port);
    try {
      telemetry.tracer.startSpan('after').end();
      await telemetry.flush();
      await until(() => late.state.spans.some((s) => s.name === 'after'));
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.info).toHaveBeenCalledWith(expect.stringMatching(/works again/));
    } finally {
      await late.close();
    }
  });

  it('keeps span work instant while the collector takes 10 s to answer, and times the export out once', { timeout: 20_000 }, async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, () => {});
    const telemetry = new Telemetry(config, logger, { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 20 }, otlpTimeoutMillis: 3_000 });
    telemetries.push(telemetry);
    receiver.state.fault = { delayMs: 10_000 };
    const costs: number[] = [];
    for (let round = 0; round < 20; round++) {
      const started = performance.now();
      const turn = telemetry.tracer.startSpan('turn');
      for (let i = 0; i < 10; i++) telemetry.tracer.startSpan('stage').end();
      turn.end();
      costs.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    costs.sort((a, b) => a - b);
    // Median cost of a turn's spans stays sub-millisecond whatever the collector does.
    expect(costs[10]!).toBeLessThan(5);
    await until(() => logger.warn.mock.calls.length > 0);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    receiver.state.fault = null;
  });

  it('bounds the queue while the collector is slow', async () => {
    const { telemetry } = create({ ENABLE_TRACING: 'true' });
    receiver.state.fault = { delayMs: 2_000 };
    for (let i = 0; i < 5_000; i++) telemetry.tracer.startSpan('burst').end();
    receiver.state.fault = null;
    await telemetry.flush();
    await new Promise((r) => setTimeout(r, 2_500));
    // The batch processor keeps at most maxQueueSize spans; the rest are dropped, not buffered without end.
    expect(receiver.state.spans.length).toBeLessThanOrEqual(2_048 + 512);
  });
});
