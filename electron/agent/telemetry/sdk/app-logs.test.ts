/** The app's log lines as OpenTelemetry logs, exported to a loopback OTLP receiver in both encodings. */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvelopeWriter, type ClientMessage } from '../../../../shared/protocol';
import { SPAN } from '../../../../shared/telemetry';
import { AppLogger } from '../../util/logger';
import { readPipelineConfig } from '../../pipeline/pipeline-config';
import { Session } from '../../session/session';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { startOtlpReceiver, type OtlpReceiver } from '../../testing/otlp-receiver';
import { RecordingCarrier } from '../../testing/recording-carrier';
import { openAIStagesAt, scriptedVad } from '../../testing/test-stages';
import { until } from '../../testing/until';
import { logAttributes } from './app-logs';
import { Telemetry } from './telemetry';
import { readTelemetryConfig } from './telemetry-config';

let receiver: OtlpReceiver;
let server: FakeOpenAIServer;
const telemetries: Telemetry[] = [];
beforeAll(async () => {
  [receiver, server] = await Promise.all([startOtlpReceiver(), startFakeOpenAIServer()]);
});
afterAll(() => Promise.all([receiver.close(), server.close()]));
beforeEach(() => server.reset());
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(1_000)));
  receiver.reset();
});

function create(env: Record<string, string>, options: { consoleLogs?: InMemoryLogRecordExporter } = {}) {
  const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none', ...env }, () => {});
  const telemetry = new Telemetry(config, new AppLogger('telemetry'), {
    consoleExporter: new InMemorySpanExporter(),
    batch: { scheduledDelayMillis: 20 },
    logs: { batch: { scheduledDelayMillis: 20 }, consoleExporter: options.consoleLogs ?? new InMemoryLogRecordExporter() },
  });
  telemetries.push(telemetry);
  const logger = new AppLogger('main', [telemetry.logSink]);
  return { telemetry, config, logger };
}

const KEY = 'sk-test-SECRET-5c4b3a29';
const HEADER = 'hdr-SECRET-77e6d5c4';

describe('log records over OTLP', () => {
  it.each([
    ['http/json', 'json'],
    ['http/protobuf', 'protobuf'],
  ] as const)(
    "%s: a failed turn's record sits in its trace, on the stage that failed, with severity, scope and fields; no secret in it",
    async (protocol, encoding) => {
      const { telemetry, logger } = create({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${HEADER}` });
      const pipeline = readPipelineConfig({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: KEY }, () => {});
      const carrier = new RecordingCarrier();
      const session = new Session(carrier, {
        logger,
        telemetry,
        assistant: { config: pipeline, stages: () => openAIStagesAt(server.url, { apiKey: KEY }), createVad: async () => scriptedVad },
      });
      session.open();
      const writer = new EnvelopeWriter<ClientMessage>();
      server.fail('chat', { kind: 'status', status: 401 });
      session.receiveMessage(writer.wrap({ type: 'conversation.start' }));
      session.receiveMessage(writer.wrap({ type: 'user.text', text: 'hello' }));
      await until(() => carrier.envelopes.some((e) => e.message.type === 'notice'), { detail: () => carrier.summary() });
      session.receiveMessage(writer.wrap({ type: 'conversation.end' }));
      await session.close();
      await telemetry.flush();
      await until(() => receiver.state.logs.some((l) => l.body === 'turn failed') && receiver.state.spans.some((s) => s.name === SPAN.turn), {
        detail: () => `logs: ${receiver.state.logs.map((l) => l.body).join(', ')}`,
      });
      expect(server.requests.some((r) => r.authorization === `Bearer ${KEY}`)).toBe(true); // the key was used

      const failed = receiver.state.logs.find((l) => l.body === 'turn failed')!;
      const turn = receiver.state.spans.find((s) => s.name === SPAN.turn)!;
      const chat = receiver.state.spans.find((s) => s.name.startsWith('chat') && s.parentSpanId === turn.spanId)!;
      expect(chat.status.code).toBe(2);
      expect(failed).toMatchObject({
        traceId: turn.traceId,
        spanId: chat.spanId,
        severityNumber: 13,
        severityText: 'WARN',
        scope: 'main',
        attributes: { turn: 1, stage: 'llm', kind: 'auth' },
      });
      expect(String(failed.attributes.message)).toMatch(/API key/);
      expect(failed.resource['service.name']).toBe('voice-agent-stack');
      // Records made outside any turn carry no trace.
      const opened = receiver.state.logs.find((l) => l.body === 'conversation started')!;
      expect(opened).toMatchObject({ severityText: 'INFO', traceId: '', spanId: '' });
      expect(receiver.state.logRequests.every((r) => r.encoding === encoding && r.headers.authorization === `Bearer ${HEADER}`)).toBe(true);
      // The API key and the OTLP header are in no record.
      const everything = JSON.stringify(receiver.state.logs);
      expect(everything).not.toContain(KEY);
      expect(everything).not.toContain(HEADER);
    },
  );

  it('sends nothing while tracing is off, switched live both ways', async () => {
    const { telemetry, logger } = create({});
    logger.info('while on');
    await telemetry.flush();
    await until(() => receiver.state.logs.length === 1);
    telemetry.configure({ enabled: false });
    logger.warn('while off', { secretless: true });
    logger.error('still off');
    await telemetry.flush();
    telemetry.configure({ enabled: true });
    logger.info('on again');
    await telemetry.flush();
    await until(() => receiver.state.logs.length === 2);
    expect(receiver.state.logs.map((l) => l.body)).toEqual(['while on', 'on again']);
  });

  it('sends nothing when tracing was never on', async () => {
    const { telemetry, logger } = create({ ENABLE_TRACING: 'false' });
    logger.warn('nobody hears this');
    await telemetry.flush();
    // Traces show the receiver is reachable and the flush is done: one span sent once tracing goes on.
    telemetry.configure({ enabled: true });
    telemetry.tracer.startSpan('probe').end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length === 1);
    expect(receiver.state.logRequests).toEqual([]);
  });

  it('posts to OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as it is, with OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', async () => {
    const { telemetry, logger, config } = create({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf',
    });
    expect(config.logs.url).toBe(`${receiver.url}/v1/logs`);
    logger.info('to the logs endpoint');
    await telemetry.logs.flush();
    await until(() => receiver.state.logs.length === 1);
    expect(receiver.state.logRequests.map((r) => r.encoding)).toEqual(['protobuf']);
  });

  it.each([
    ['otlp', 1, 0],
    ['console', 0, 1],
    ['otlp,console', 1, 1],
    ['none', 0, 0],
  ] as const)('OTEL_LOGS_EXPORTER=%s: %i sent over OTLP, %i printed', async (value, sent, printed) => {
    const consoleLogs = new InMemoryLogRecordExporter();
    const { telemetry, logger } = create({ OTEL_LOGS_EXPORTER: value }, { consoleLogs });
    logger.info('one line');
    telemetry.tracer.startSpan('probe').end();
    await telemetry.flush();
    // The span shows the export went out; the logs were in the same flush.
    await until(() => receiver.state.spans.length === 1);
    await until(() => receiver.state.logs.length === sent);
    expect(receiver.state.logs).toHaveLength(sent);
    expect(consoleLogs.getFinishedLogRecords().map((r) => r.body)).toEqual(printed ? ['one line'] : []);
  });

  it('switches the endpoint and protocol from the next export when the settings change', async () => {
    const { telemetry, logger, config } = create({});
    logger.info('before');
    await telemetry.flush();
    await until(() => receiver.state.logs.length === 1);
    telemetry.applyConfig({ ...config, protocol: 'http/protobuf', logs: { ...config.logs, protocol: 'http/protobuf' } });
    logger.info('after');
    await telemetry.flush();
    await until(() => receiver.state.logs.length === 2);
    expect(receiver.state.logRequests.map((r) => r.encoding)).toEqual(['json', 'protobuf']);
  });

  it('reports a failing collector once, as a log line of its own', async () => {
    const lines: string[] = [];
    const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none' }, () => {});
    const warn = vi.fn((message: string) => void lines.push(message));
    const telemetry = new Telemetry(config, { info: () => {}, warn, error: () => {} }, { logs: { batch: { scheduledDelayMillis: 20 } }, otlpTimeoutMillis: 1_000 });
    telemetries.push(telemetry);
    const logger = new AppLogger('main', [telemetry.logSink]);
    receiver.state.fault = { status: 404 };
    logger.info('first');
    await telemetry.logs.flush();
    logger.info('second');
    await telemetry.logs.flush();
    await until(() => receiver.state.logRequests.length >= 2);
    const reports = lines.filter((l) => l.startsWith('Log export'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/failed: HTTP 404.*set OTEL_LOGS_EXPORTER=none/);
  });

  it("puts a line logged by the SDK's export work (tracing suppressed) in no span, whichever span its batch began in", async () => {
    const { telemetry, logger } = create({});
    const span = telemetry.tracer.startSpan('a stage');
    const inSpan = trace.setSpan(ROOT_CONTEXT, span);
    context.with(inSpan, () => logger.info('in the stage'));
    context.with(suppressTracing(inSpan), () => logger.warn('Trace export to somewhere failed'));
    span.end();
    await telemetry.flush();
    await until(() => receiver.state.logs.length === 2);
    const [stage, exporting] = receiver.state.logs;
    expect(stage).toMatchObject({ body: 'in the stage', spanId: span.spanContext().spanId });
    expect(exporting).toMatchObject({ body: 'Trace export to somewhere failed', traceId: '', spanId: '' });
  });
});

describe('logAttributes', () => {
  it('keeps scalars and lists of one type, and gives anything else as JSON', () => {
    expect(
      logAttributes({
        fields: { turn: 2, ok: true, stage: 'llm', tags: ['a', 'b'], mixed: [1, 'x'], nested: { a: 1 }, none: undefined, nothing: null, error: new Error('boom') },
      }),
    ).toEqual({ turn: 2, ok: true, stage: 'llm', tags: ['a', 'b'], mixed: '[1,"x"]', nested: '{"a":1}', error: 'Error: boom' });
  });
});
