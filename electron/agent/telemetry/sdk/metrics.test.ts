/** Metrics of real conversations, sent to a real OTLP receiver in both encodings, whatever the sampler keeps. */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../../../shared/audio-frame';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../../../../shared/protocol';
import { METRIC } from '../../../../shared/telemetry';
import { silentLogger } from '../../util/logger';
import { readPipelineConfig } from '../../pipeline/pipeline-config';
import { Session, type SessionCarrier } from '../../session/session';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../../testing/fake-openai-server';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedMetric } from '../../testing/otlp-receiver';
import { openAIStagesAt, scriptedVad } from '../../testing/test-stages';
import { until } from '../../testing/until';
import { GENAI_DURATION_BUCKETS, TOKEN_BUCKETS } from '../conversation/conversation-metrics';
import { Telemetry } from './telemetry';
import { readTelemetryConfig } from './telemetry-config';

let server: FakeOpenAIServer;
let receiver: OtlpReceiver;
const telemetries: Telemetry[] = [];
beforeAll(async () => {
  [server, receiver] = await Promise.all([startFakeOpenAIServer(), startOtlpReceiver()]);
});
afterAll(async () => {
  await Promise.all([server.close(), receiver.close()]);
});
beforeEach(() => server.reset());
afterEach(async () => {
  await Promise.all(telemetries.splice(0).map((t) => t.shutdown(1_000)));
  receiver.reset();
});

function setup(env: Record<string, string>) {
  const telemetry = new Telemetry(
    // Sampler ratio 0: no conversation is traced; its metrics must all be there.
    readTelemetryConfig({ ENABLE_TRACING: 'true', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env }, () => {}),
    silentLogger,
    { consoleExporter: new InMemorySpanExporter(), batch: { scheduledDelayMillis: 10 } },
  );
  telemetries.push(telemetry);
  const envelopes: ServerEnvelope[] = [];
  const carrier: SessionCarrier = { kind: 'websocket', send: (e) => envelopes.push(e), sendAudio: () => {} };
  const session = new Session(carrier, {
    telemetry,
    assistant: {
      config: readPipelineConfig({ OPENAI_BASE_URL: server.url, VAD_SILENCE_MS: '100', VAD_MIN_SPEECH_MS: '60' }, () => {}),
      stages: () => openAIStagesAt(server.url),
      createVad: async () => scriptedVad,
    },
  });
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => session.receiveMessage(writer.wrap(message));
  let seq = 0;
  const frame = (value: number) =>
    encodeAudioFrame({ kind: FrameKind.Microphone, seq: seq++, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples: new Int16Array(FRAME_SAMPLES).fill(value) });
  const replies = () => envelopes.filter((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final).length;
  const turnStarts = () => envelopes.flatMap((e) => (e.message.type === 'turn' && e.message.phase === 'start' ? [e.message.stream] : []));
  const played = async (repliesBefore: number) => {
    await until(() => replies() > repliesBefore);
    const stream = turnStarts().at(-1)!;
    send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    send({ type: 'playback', event: 'drained', stream, playedMs: 900 });
  };
  session.open();
  return {
    telemetry,
    session,
    send,
    /** One spoken turn, played back by the client. */
    async voiceTurn() {
      const before = replies();
      for (let i = 0; i < 10; i++) session.receiveAudio(frame(1000));
      for (let i = 0; i < 8; i++) session.receiveAudio(frame(0));
      await played(before);
    },
    /** One typed turn, played back by the client. */
    async textTurn(text: string) {
      const before = replies();
      send({ type: 'user.text', text });
      await played(before);
    },
  };
}

/** Exports until `done` holds (the periodic export is a minute away). */
async function exported(telemetry: Telemetry, done: () => boolean): Promise<void> {
  await until(
    async () => {
      await telemetry.flush();
      return done();
    },
    { intervalMs: 50 },
  );
}

const named = (metrics: ReceivedMetric[], name: string) => metrics.filter((m) => m.name === name);
/** The last export's points of a metric (cumulative: the last holds every turn). */
const points = (name: string) => named(receiver.state.metrics, name).at(-1)?.points ?? [];

describe('conversation metrics', () => {
  it.each([
    ['http/json', 'json'],
    ['http/protobuf', 'protobuf'],
  ] as const)('records every call and turn with the sampler at 0, exported as %s', async (protocol, encoding) => {
    server.configure({ transcripts: ['what time is it'], reply: 'It is noon. Have a nice day.' });
    const t = setup({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20czNjcjN0' });
    t.send({ type: 'conversation.start' });
    await t.voiceTurn();
    await t.textTurn('and tomorrow?');
    t.send({ type: 'conversation.end' });
    await exported(t.telemetry, () => points(METRIC.turns).reduce((n, p) => n + (p.value ?? 0), 0) === 2);

    expect(receiver.state.spans).toEqual([]); // nothing sampled
    expect(new Set(receiver.state.metricRequests.map((r) => r.encoding))).toEqual(new Set([encoding]));
    expect(receiver.state.metricRequests.every((r) => r.headers.authorization === 'Basic czNjcjN0' && r.status === 200)).toBe(true);

    const duration = named(receiver.state.metrics, METRIC.operationDuration).at(-1)!;
    expect(duration).toMatchObject({ unit: 's', type: 'histogram' });
    const byOperation = (op: string) => duration.points.filter((p) => p.attributes['gen_ai.operation.name'] === op);
    // One speech-to-text call (the voice turn), two chat calls, two sentences spoken per turn.
    expect(byOperation('speech_to_text').reduce((n, p) => n + p.count!, 0)).toBe(1);
    expect(byOperation('chat').reduce((n, p) => n + p.count!, 0)).toBe(2);
    expect(byOperation('text_to_speech').reduce((n, p) => n + p.count!, 0)).toBe(4);
    for (const point of duration.points) {
      expect(point.explicitBounds).toEqual(GENAI_DURATION_BUCKETS);
      expect(point.attributes).toMatchObject({ 'gen_ai.provider.name': expect.any(String), 'gen_ai.request.model': expect.any(String) });
      expect(point.attributes['error.type']).toBeUndefined();
      expect(point.sum).toBeGreaterThan(0);
    }
    expect(byOperation('chat')[0]!.attributes['gen_ai.request.model']).toBe('test-model');

    const firstChunk = named(receiver.state.metrics, METRIC.timeToFirstChunk).at(-1)!;
    expect(firstChunk.unit).toBe('s');
    expect(firstChunk.points.filter((p) => p.attributes['gen_ai.operation.name'] === 'chat').reduce((n, p) => n + p.count!, 0)).toBe(2);

    const tokens = named(receiver.state.metrics, METRIC.tokenUsage).at(-1)!;
    expect(tokens.unit).toBe('{token}');
    expect(tokens.points.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual(['input', 'output']);
    for (const point of tokens.points) {
      expect(point).toMatchObject({ count: 2, explicitBounds: TOKEN_BUCKETS, attributes: { 'gen_ai.operation.name': 'chat' } });
      expect(point.sum).toBeGreaterThan(0);
    }

    const voiceToVoice = named(receiver.state.metrics, METRIC.voiceToVoice).at(-1)!;
    expect(voiceToVoice.unit).toBe('s');
    expect(voiceToVoice.points).toHaveLength(1);
    expect(voiceToVoice.points[0]).toMatchObject({ count: 1, attributes: { 'turn.input': 'voice' } });
    expect(voiceToVoice.points[0]!.sum).toBeGreaterThan(0);

    expect(points(METRIC.turns).map((p) => [p.attributes['turn.input'], p.attributes['turn.outcome'], p.value]).sort()).toEqual([
      ['text', 'completed', 1],
      ['voice', 'completed', 1],
    ]);
    const text = JSON.stringify(receiver.state.metrics);
    expect(text).not.toContain('czNjcjN0');
    expect(text).not.toContain('what time is it');
    t.session.close();
  });

  it('marks failed calls with error.type and counts the failed turn', async () => {
    server.fail('chat', { kind: 'status', status: 400 });
    const t = setup({});
    t.send({ type: 'user.text', text: 'hello' });
    await exported(t.telemetry, () => points(METRIC.turns).length > 0);
    expect(points(METRIC.turns)).toEqual([expect.objectContaining({ value: 1, attributes: { 'turn.input': 'text', 'turn.outcome': 'failed' } })]);
    const chat = points(METRIC.operationDuration).filter((p) => p.attributes['gen_ai.operation.name'] === 'chat');
    expect(chat).toHaveLength(1);
    expect(chat[0]!.attributes['error.type']).toEqual(expect.any(String));
    t.session.close();
  });

  it('records and sends nothing while tracing is off, or with OTEL_METRICS_EXPORTER=none', async () => {
    for (const env of [{ ENABLE_TRACING: 'false' }, { OTEL_METRICS_EXPORTER: 'none' }] as Record<string, string>[]) {
      const t = setup(env);
      const sink = t.telemetry.createConversationMetrics();
      sink({ type: 'turn.unavailable', at: 1, turn: 1, input: 'text', error: new Error('no provider') });
      expect(t.telemetry.metrics.recording).toBe(false);
      await t.telemetry.flush();
      t.session.close();
    }
    expect(receiver.state.metricRequests).toEqual([]);
  });

  it('starts recording when tracing is switched on, and sends what was recorded when it goes off', async () => {
    const t = setup({ ENABLE_TRACING: 'false' });
    const sink = t.telemetry.createConversationMetrics();
    const unavailable = (turn: number) => sink({ type: 'turn.unavailable', at: turn, turn, input: 'voice', error: new Error('no provider') });
    unavailable(1);
    t.telemetry.configure({ enabled: true });
    unavailable(2);
    t.telemetry.configure({ enabled: false }); // the last export goes out as it switches off
    unavailable(3);
    await until(() => points(METRIC.turns).length > 0);
    expect(points(METRIC.turns)).toEqual([expect.objectContaining({ value: 1 })]);
    await t.telemetry.flush();
    expect(receiver.state.metricRequests).toHaveLength(1);
    t.session.close();
  });
});
