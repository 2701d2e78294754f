import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { METRIC } from '../../../../shared/telemetry';
import type { ConversationEvent } from '../../pipeline/turn-events';
import { ConversationMetrics, VoiceMetrics } from './conversation-metrics';

function setup(recording = () => true) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
  const observer = new ConversationMetrics(new VoiceMetrics(provider.getMeter('test')), recording);
  const histogram = async (name: string) => {
    await provider.forceFlush();
    const metric = exporter.getMetrics().at(-1)?.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === name);
    return metric?.dataPointType === DataPointType.HISTOGRAM ? (metric as HistogramMetricData).dataPoints : [];
  };
  const counter = async (name: string, attribute: string) => {
    await provider.forceFlush();
    const metric = exporter.getMetrics().at(-1)?.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === name);
    return Object.fromEntries(((metric as SumMetricData | undefined)?.dataPoints ?? []).map((p) => [String(p.attributes[attribute]), p.value]));
  };
  return { observe: (events: ConversationEvent[]) => events.forEach(observer.observe), histogram, counter };
}

const chat = (turn: number, at: number): ConversationEvent => ({ type: 'stage.started', at, turn, stage: 'llm', provider: 'openai', model: 'm', messages: [] });

describe('ConversationMetrics', () => {
  it('times a call from its start to its end, and its first chunk, in seconds', async () => {
    const t = setup();
    t.observe([chat(1, 1_000), { type: 'stage.first_output', at: 1_250, turn: 1, stage: 'llm' }, { type: 'stage.ended', at: 3_000, turn: 1, stage: 'llm' }]);
    const [duration] = await t.histogram(METRIC.operationDuration);
    expect(duration).toMatchObject({ attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'm' }, value: { count: 1, sum: 2 } });
    expect((await t.histogram(METRIC.timeToFirstChunk))[0]?.value).toMatchObject({ count: 1, sum: 0.25 });
  });

  it('leaves out a call its turn cancelled, and keeps the stages of two turns apart', async () => {
    const t = setup();
    t.observe([
      chat(1, 0),
      chat(2, 500),
      { type: 'stage.cancelled', at: 600, turn: 1, stage: 'llm' },
      { type: 'stage.ended', at: 600, turn: 1, stage: 'llm' },
      { type: 'stage.ended', at: 1_500, turn: 2, stage: 'llm' },
    ]);
    expect((await t.histogram(METRIC.operationDuration)).map((p) => p.value)).toMatchObject([{ count: 1, sum: 1 }]);
  });

  it('names the server an API call went to, as the conventions ask', async () => {
    const t = setup();
    t.observe([
      { type: 'stage.started', at: 0, turn: 1, stage: 'tts', provider: 'openai', model: 'voice', text: 'Hi.', voice: 'alloy', server: { address: 'api.example.com', port: 443 } },
      { type: 'stage.ended', at: 400, turn: 1, stage: 'tts' },
    ]);
    const [duration] = await t.histogram(METRIC.operationDuration);
    expect(duration?.attributes).toEqual({
      'gen_ai.operation.name': 'text_to_speech',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'voice',
      'server.address': 'api.example.com',
      'server.port': 443,
    });
  });

  it('counts interruptions by outcome, voice turns by what became of the reply prepared for them, and times the end of turn', async () => {
    const t = setup();
    const ended = (turn: number): ConversationEvent => ({ type: 'turn.ended', at: 0, turn, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } });
    t.observe([
      { type: 'turn.confirmed', at: 1_600, turn: 1, reason: 'silence', endOfSpeechAt: 1_000 },
      { type: 'preemption.started', at: 1_020, turn: 1, stoppedAt: 1_000 },
      { type: 'preemption.used', at: 1_600, turn: 1, savedMs: 500 },
      { type: 'turn.started', at: 1_600, turn: 1, input: 'voice', preemptive: true },
      { type: 'interruption.detected', at: 2_000, turn: 1, overlapMs: 60 },
      { type: 'interruption.resumed', at: 2_200, turn: 1, overlapMs: 140 },
      { type: 'interruption.detected', at: 2_500, turn: 1, overlapMs: 60 },
      { type: 'interruption.confirmed', at: 3_000, turn: 1, overlapMs: 600 },
      ended(1),
      { type: 'preemption.started', at: 4_020, turn: 2, stoppedAt: 4_000 },
      { type: 'preemption.cancelled', at: 4_100, turn: 2, reason: 'test sound', requests: 1 },
      { type: 'turn.confirmed', at: 4_400, turn: 2, reason: 'silence', endOfSpeechAt: 4_000 },
      { type: 'turn.started', at: 4_400, turn: 2, input: 'voice', preemptive: false },
      ended(2),
      { type: 'turn.confirmed', at: 5_000, turn: 3, reason: 'push_to_talk', endOfSpeechAt: 5_000 },
      { type: 'turn.started', at: 5_000, turn: 3, input: 'voice', preemptive: false },
      ended(3),
      { type: 'turn.confirmed', at: 6_000, turn: 4, reason: 'text' },
      { type: 'turn.started', at: 6_000, turn: 4, input: 'text' },
      ended(4),
    ]);
    expect(await t.counter(METRIC.interruptions, METRIC.interruptionOutcome)).toEqual({ resumed: 1, confirmed: 1 });
    expect(await t.counter(METRIC.preemptiveOutcomes, METRIC.preemptiveOutcome)).toEqual({ used: 1, discarded: 1, none: 1 });
    // Voice turns only: 0.6 s, 0.4 s and 0 s.
    expect((await t.histogram(METRIC.endOfTurnDelay))[0]?.value).toMatchObject({ count: 3, sum: 1, min: 0, max: 0.6 });
  });

  it('records nothing while recording is off', async () => {
    const t = setup(() => false);
    t.observe([chat(1, 0), { type: 'stage.usage', at: 1, turn: 1, stage: 'llm', inputTokens: 3, outputTokens: 4 }, { type: 'stage.ended', at: 2, turn: 1, stage: 'llm' }]);
    expect(await t.histogram(METRIC.operationDuration)).toEqual([]);
    expect(await t.histogram(METRIC.tokenUsage)).toEqual([]);
  });
});
