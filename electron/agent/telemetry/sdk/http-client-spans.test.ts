import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { redactedUrl } from './http-client-spans';
import { Telemetry } from './telemetry';
import { readTelemetryConfig } from './telemetry-config';

let server: FakeOpenAIServer;
const telemetries: Telemetry[] = [];
beforeAll(async () => {
  // Main registers AsyncLocalStorage as the context manager; the instrumentation finds its parent through it.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  server = await startFakeOpenAIServer();
});
afterAll(async () => {
  context.disable();
  await server.close();
});
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(1_000)));
});

function setup(env: Record<string, string>) {
  const exporter = new InMemorySpanExporter();
  const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_METRICS_EXPORTER: 'none', ...env }, () => {});
  const telemetry = new Telemetry(config, silentLogger, { exporter, consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 10 } });
  telemetries.push(telemetry);
  /** A chat-like call: an API request with a key, under a stage span. */
  const call = async (withParent = true) => {
    const request = () => fetch(`${server.url}/models?api-key=s3cr3t-query`, { headers: { authorization: 'Bearer s3cr3t-header' } }).then((r) => r.arrayBuffer());
    if (!withParent) return request();
    const stage = telemetry.tracer.startSpan('chat test-model');
    try {
      return await context.with(trace.setSpan(context.active(), stage), request);
    } finally {
      stage.end();
    }
  };
  const spans = async () => {
    await telemetry.flush();
    return exporter.getFinishedSpans();
  };
  return { telemetry, config, call, spans };
}

describe('HTTP client spans', () => {
  it('puts a span per API request under the stage span, without headers or query values', async () => {
    const t = setup({ OTEL_TRACE_HTTP_CALLS: 'true' });
    await t.call();
    const spans = await t.spans();
    const stage = spans.find((s) => s.name === 'chat test-model')!;
    const http = spans.find((s) => s.name === 'GET');
    expect(http).toBeDefined();
    expect(http!.parentSpanContext?.spanId).toBe(stage.spanContext().spanId);
    expect(http!.attributes).toMatchObject({ 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'url.query': '?api-key=REDACTED' });
    const text = JSON.stringify(spans.map((s) => s.attributes));
    expect(text).not.toContain('s3cr3t');
    expect(text.toLowerCase()).not.toContain('authorization');
  });

  it('makes nothing when off (the default), for a request outside our spans, or with tracing off', async () => {
    const off = setup({});
    await off.call();
    expect((await off.spans()).map((s) => s.name)).toEqual(['chat test-model']);
    await off.telemetry.shutdown(1_000);

    const stray = setup({ OTEL_TRACE_HTTP_CALLS: 'true' });
    await stray.call(false);
    expect(await stray.spans()).toEqual([]);
    stray.telemetry.configure({ enabled: false });
    await stray.call();
    expect(await stray.spans()).toEqual([]);
  });

  it('switches live with the settings', async () => {
    const t = setup({ OTEL_TRACE_HTTP_CALLS: 'true' });
    t.telemetry.applyConfig({ ...t.config, httpSpans: false });
    await t.call();
    expect((await t.spans()).map((s) => s.name)).toEqual(['chat test-model']);
    t.telemetry.applyConfig({ ...t.config, httpSpans: true });
    await t.call();
    expect((await t.spans()).map((s) => s.name).sort()).toEqual(['GET', 'chat test-model', 'chat test-model']);
  });
});

describe('redactedUrl', () => {
  it('drops credentials and query values, keeping names', () => {
    expect(redactedUrl('https://u:p@api.example/v1/x?key=abc&model=m')).toEqual({ full: 'https://api.example/v1/x?key=REDACTED&model=REDACTED', query: '?key=REDACTED&model=REDACTED' });
    expect(redactedUrl('not a url')).toBeNull();
  });
});
