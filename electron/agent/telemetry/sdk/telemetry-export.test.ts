import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { silentLogger } from '../../util/logger';
import { startOtlpReceiver, type OtlpReceiver } from '../../testing/otlp-receiver';
import { until } from '../../testing/until';
import { Telemetry } from './telemetry';
import { readTelemetryConfig, type TelemetryConfig } from './telemetry-config';

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

function create(env: Record<string, string>): { telemetry: Telemetry; config: TelemetryConfig } {
  const config = readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none', ...env }, () => {});
  const telemetry = new Telemetry(config, silentLogger, { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 50 } });
  telemetries.push(telemetry);
  return { telemetry, config };
}

describe('trace export protocols', () => {
  it.each([
    ['http/json', 'json'],
    ['http/protobuf', 'protobuf'],
  ] as const)('sends %s that a collector decodes whole', async (protocol, encoding) => {
    const { telemetry } = create({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20abc' });
    const parent = telemetry.tracer.startSpan('conversation', { attributes: { 'gen_ai.conversation.id': 'c-1' } });
    const child = telemetry.tracer.startSpan(
      'chat gpt-4.1-mini',
      {
        kind: 2,
        links: [{ context: parent.spanContext() }],
        attributes: { 'gen_ai.usage.input_tokens': 12, 'gen_ai.response.time_to_first_chunk': 0.25, 'turn.was_interrupted': false, 'gen_ai.response.finish_reasons': ['stop'] },
      },
    );
    child.addEvent('first_audio_sent', { 'turn.number': 1 });
    child.end();
    parent.end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length === 2);
    expect(receiver.state.requests.map((r) => r.encoding)).toEqual([encoding]);
    expect(receiver.state.requests[0]?.headers.authorization).toBe('Basic abc');
    const chat = receiver.state.spans.find((s) => s.name === 'chat gpt-4.1-mini')!;
    const conversation = receiver.state.spans.find((s) => s.name === 'conversation')!;
    expect(chat).toMatchObject({
      kind: 3, // OTLP numbers kinds from 1: CLIENT
      // A root of its own (as a turn is with a trace per turn), linked to the conversation.
      traceId: child.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: undefined,
      attributes: { 'gen_ai.usage.input_tokens': 12, 'gen_ai.response.time_to_first_chunk': 0.25, 'turn.was_interrupted': false, 'gen_ai.response.finish_reasons': '["stop"]' },
      events: [{ name: 'first_audio_sent', attributes: { 'turn.number': 1 } }],
      links: [{ traceId: parent.spanContext().traceId, spanId: parent.spanContext().spanId }],
    });
    expect(conversation.attributes['gen_ai.conversation.id']).toBe('c-1');
    expect(BigInt(chat.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(chat.startTimeUnixNano));
    expect(chat.resource['service.name']).toBe('voice-agent-stack');
  });

  it('switches the protocol from the next export when the settings change', async () => {
    const { telemetry, config } = create({});
    telemetry.tracer.startSpan('before').end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length === 1);
    telemetry.applyConfig({ ...config, protocol: 'http/protobuf' });
    telemetry.tracer.startSpan('after').end();
    await telemetry.flush();
    await until(() => receiver.state.spans.length === 2);
    expect(receiver.state.requests.map((r) => r.encoding)).toEqual(['json', 'protobuf']);
    expect(receiver.state.spans.map((s) => s.name)).toEqual(['before', 'after']);
  });

  it('takes the trace-per-turn switch from the settings, live', () => {
    const { telemetry, config } = create({ TRACE_EACH_TURN: 'true' });
    expect(telemetry.traceEachTurn).toBe(true);
    telemetry.applyConfig({ ...config, traceEachTurn: false });
    expect(telemetry.traceEachTurn).toBe(false);
  });
});
