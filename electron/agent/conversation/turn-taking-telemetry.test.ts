/**
 * Why each turn went as it did, as the trace and the metrics tell it: the
 * Assistant driven by the scripted voice detector (a frame is speech when its
 * samples are positive) against the loopback OpenAI-compatible server, with
 * the app's real telemetry exporting into memory. Each path of turn-taking
 * (end by silence, by push-to-talk, by a typed message; an interruption
 * confirmed or resumed; a prepared reply used or thrown away) is checked by
 * the names and values it leaves on the turn span and the unsampled metrics.
 */
import type { HistogramMetricData, MetricData, SumMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR, EVENT, METRIC, SPAN } from '../../../shared/telemetry';
import { Assistant } from './assistant';
import { silentLogger } from '../util/logger';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { inMemoryTelemetry } from '../testing/in-memory-telemetry';
import { openAIStagesAt, scriptedVad } from '../testing/test-stages';
import { until } from '../testing/until';
import { of, recordingOutput, silence, speech, type OutputEvent } from '../testing/assistant-output';
import { CONFIRM_BARGE_IN_MS } from './barge-in';


let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function setup(options: { silenceMs?: number; preemptive?: boolean; pushToTalk?: boolean } = {}) {
  const silenceMs = options.silenceMs ?? 100;
  const config = readPipelineConfig({ OPENAI_BASE_URL: server.url, VAD_SILENCE_MS: String(silenceMs), VAD_MIN_SPEECH_MS: '60' }, () => {});
  config.vad.preemptiveReply = options.preemptive ?? false;
  config.vad.pushToTalk = options.pushToTalk ?? false;
  const memory = inMemoryTelemetry();
  const { output, events } = recordingOutput();
  const assistant = new Assistant({ config, stages: () => openAIStagesAt(server.url, { model: 'm' }), createVad: async () => scriptedVad }, output, silentLogger, memory.telemetry.conversationObserver());
  const seen = () => `events: ${JSON.stringify(events.slice(-6))}; requests: ${JSON.stringify(server.requests.map((r) => [r.endpoint, r.aborted]))}`;
  const feed = (frames: Int16Array[]) => frames.forEach((frame) => assistant.pushFrame(frame));
  const has = (predicate: (e: OutputEvent) => boolean) => () => events.some(predicate);
  const replied = (n = 1) => () => events.filter((e) => e.type === 'transcript' && e.role === 'assistant' && e.final).length >= n;
  const requests = (endpoint: 'transcriptions' | 'chat' | 'speech') => server.requests.filter((r) => r.endpoint === endpoint);
  /** Ends the conversation, then every span and the metrics as exported. */
  const finish = async () => {
    await assistant.dispose();
    const spans = await memory.finishedSpans();
    const metrics = memory.metricsExporter.getMetrics().at(-1)?.scopeMetrics.flatMap((s) => s.metrics) ?? [];
    return { spans, turns: spans.filter((s) => s.name === SPAN.turn).sort((a, b) => Number(a.attributes[ATTR.turnNumber]) - Number(b.attributes[ATTR.turnNumber])), metrics };
  };
  return { assistant, events, seen, feed, has, replied, requests, finish };
}

const names = (span: ReadableSpan, prefix = '') => span.events.map((e) => e.name).filter((n) => n.startsWith(prefix));
const event = (span: ReadableSpan, name: string): TimedEvent => {
  const found = span.events.find((e) => e.name === name);
  if (!found) throw new Error(`no ${name} on the turn (it has ${names(span).join(', ')})`);
  return found;
};
const at = (e: TimedEvent) => hrTimeToMilliseconds(e.time);

/** A counter's points as { attribute value: count }. */
function counted(metrics: MetricData[], name: string, attribute: string): Record<string, number> {
  const metric = metrics.find((m) => m.descriptor.name === name) as SumMetricData | undefined;
  return Object.fromEntries((metric?.dataPoints ?? []).map((p) => [String(p.attributes[attribute]), p.value]));
}

function histogram(metrics: MetricData[], name: string): { count: number; sum: number } {
  const points = (metrics.find((m) => m.descriptor.name === name) as HistogramMetricData | undefined)?.dataPoints ?? [];
  return points.reduce((all, p) => ({ count: all.count + p.value.count, sum: all.sum + (p.value.sum ?? 0) }), { count: 0, sum: 0 });
}

describe('turn-taking on the trace', () => {
  it('a turn ended by the silence window: when speech stopped, the window, when the turn was taken, and the delay between', async () => {
    server.configure({ transcripts: ['Hello'], reply: 'Hi.' });
    const t = setup({ silenceMs: 160 });
    t.assistant.startConversation();
    t.feed([...of(10, speech), ...of(10, silence)]);
    await until(t.replied(), { detail: t.seen });
    const { turns, metrics } = await t.finish();
    const [turn] = turns;
    expect(turns).toHaveLength(1);
    expect(names(turn!, 'turn.')).toEqual([EVENT.endOfSpeech, EVENT.turnConfirmed]);
    expect(event(turn!, EVENT.endOfSpeech).attributes).toEqual({ [ATTR.vadSilenceMs]: 160 });
    expect(turn!.attributes[ATTR.turnEndReason]).toBe('silence');
    expect(turn!.attributes).toMatchObject({ [ATTR.preemptiveOutcome]: 'none', [ATTR.preemptiveWastedRequests]: 0 });
    // The turn is taken once the whole window has passed since the last word.
    const delayMs = at(event(turn!, EVENT.turnConfirmed)) - at(event(turn!, EVENT.endOfSpeech));
    expect(delayMs).toBeGreaterThanOrEqual(159.9);
    const delay = histogram(metrics, METRIC.endOfTurnDelay);
    expect(delay.count).toBe(1);
    expect(delay.sum).toBeCloseTo(delayMs / 1000, 3);
    expect(counted(metrics, METRIC.preemptiveOutcomes, METRIC.preemptiveOutcome)).toEqual({ none: 1 });
  });

  it('a push-to-talk turn ends when the key is released: no silence window', async () => {
    server.configure({ transcripts: ['Held'], reply: 'Heard.' });
    const t = setup({ pushToTalk: true });
    t.assistant.startConversation();
    t.assistant.pushToTalk(true);
    t.feed(of(20, speech));
    t.assistant.pushToTalk(false);
    await until(t.replied(), { detail: t.seen });
    const { turns, metrics } = await t.finish();
    const [turn] = turns;
    expect(names(turn!, 'turn.')).toEqual([EVENT.endOfSpeech, EVENT.turnConfirmed]);
    expect(event(turn!, EVENT.endOfSpeech).attributes?.[ATTR.vadSilenceMs]).toBeUndefined();
    expect(turn!.attributes[ATTR.turnEndReason]).toBe('push_to_talk');
    expect(histogram(metrics, METRIC.endOfTurnDelay).count).toBe(1);
  });

  it('a typed message is a turn confirmed as it is sent, with no end of speech and nothing prepared', async () => {
    server.configure({ reply: 'Typed back.' });
    const t = setup();
    t.assistant.startConversation();
    t.assistant.sendText('hello');
    await until(t.replied(), { detail: t.seen });
    const { turns, metrics } = await t.finish();
    const [turn] = turns;
    expect(turn!.attributes).toMatchObject({ [ATTR.turnInput]: 'text', [ATTR.turnEndReason]: 'text' });
    expect(names(turn!, 'turn.')).toEqual([EVENT.turnConfirmed]);
    expect(turn!.attributes[ATTR.preemptiveOutcome]).toBeUndefined();
    expect(histogram(metrics, METRIC.endOfTurnDelay).count).toBe(0);
    expect(counted(metrics, METRIC.preemptiveOutcomes, METRIC.preemptiveOutcome)).toEqual({});
  });

  it('a long voice over the playing reply: detected (playback paused), then confirmed; the reply was interrupted by user speech', async () => {
    server.configure({ transcripts: ['Wait'], reply: 'A reply that goes on. And on and on.', ttsMsPerChar: 40 });
    const t = setup();
    t.assistant.startConversation();
    t.assistant.sendText('Talk to me');
    await until(t.has((e) => e.type === 'audio'), { detail: t.seen });
    t.assistant.onPlayback('started', 1, 0);
    t.feed(of(CONFIRM_BARGE_IN_MS / 20 + 2, speech));
    await until(t.has((e) => e.type === 'flush'), { detail: t.seen });
    t.feed(of(8, silence)); // the words are the next turn
    await until(t.has((e) => e.type === 'transcript' && e.role === 'user' && e.text === 'Wait'), { detail: t.seen });
    const { turns, metrics } = await t.finish();
    const interrupted = turns[0]!;
    expect(names(interrupted, 'interruption.')).toEqual([EVENT.interruptionDetected, EVENT.interruptionConfirmed]);
    const detected = Number(event(interrupted, EVENT.interruptionDetected).attributes![ATTR.interruptionOverlapMs]);
    const confirmed = Number(event(interrupted, EVENT.interruptionConfirmed).attributes![ATTR.interruptionOverlapMs]);
    expect(detected).toBeGreaterThanOrEqual(60); // the shortest speech, heard before playback paused
    expect(confirmed).toBeGreaterThanOrEqual(CONFIRM_BARGE_IN_MS); // voice long enough to be the user for sure
    expect(interrupted.attributes).toMatchObject({ [ATTR.turnInterrupted]: true, [ATTR.turnInterruptedBy]: 'user_speech' });
    // The interrupting words: a voice turn of their own, ended by the silence window.
    expect(turns[1]!.attributes).toMatchObject({ [ATTR.turnInput]: 'voice', [ATTR.turnEndReason]: 'silence' });
    expect(counted(metrics, METRIC.interruptions, METRIC.interruptionOutcome)).toEqual({ confirmed: 1 });
  });

  it('a cough over the playing reply: detected, then resumed; the reply is not interrupted', async () => {
    server.configure({ transcripts: ['[coughs]'], reply: 'A reply that goes on. And on.', ttsMsPerChar: 40 });
    const t = setup();
    t.assistant.startConversation();
    t.assistant.sendText('Talk to me');
    await until(t.has((e) => e.type === 'audio'), { detail: t.seen });
    t.assistant.onPlayback('started', 1, 0);
    t.feed([...of(6, speech), ...of(8, silence)]);
    await until(t.has((e) => e.type === 'pause' && e.paused === false), { detail: t.seen });
    await until(t.replied(), { detail: t.seen });
    t.assistant.onPlayback('drained', 1, 2_000);
    const { turns, metrics } = await t.finish();
    const reply = turns.find((s) => s.attributes[ATTR.turnInput] === 'text')!;
    expect(names(reply, 'interruption.')).toEqual([EVENT.interruptionDetected, EVENT.interruptionResumed]);
    const resumed = Number(event(reply, EVENT.interruptionResumed).attributes![ATTR.interruptionOverlapMs]);
    expect(resumed).toBeGreaterThanOrEqual(Number(event(reply, EVENT.interruptionDetected).attributes![ATTR.interruptionOverlapMs]));
    expect(reply.attributes[ATTR.turnInterrupted]).toBe(false);
    expect(reply.attributes[ATTR.turnInterruptedBy]).toBeUndefined();
    expect(counted(metrics, METRIC.interruptions, METRIC.interruptionOutcome)).toEqual({ resumed: 1 });
  });

  it('a typed message and the end of the conversation each name what interrupted the reply', async () => {
    server.configure({ reply: 'word '.repeat(300), llmTokenIntervalMs: 10 });
    const t = setup();
    t.assistant.startConversation();
    t.assistant.sendText('first');
    await until(() => t.requests('chat').length === 1, { detail: t.seen });
    t.assistant.sendText('second');
    await until(() => t.requests('chat').length === 2, { detail: t.seen });
    t.assistant.endConversation();
    const { turns, metrics } = await t.finish();
    expect(turns.map((s) => s.attributes[ATTR.turnInterruptedBy])).toEqual(['new_message', 'end']);
    // Neither was the user speaking over a playing reply.
    expect(turns.flatMap((s) => names(s, 'interruption.'))).toEqual([]);
    expect(counted(metrics, METRIC.interruptions, METRIC.interruptionOutcome)).toEqual({});
  });
});

describe('preparing ahead on the trace', () => {
  it('a reply prepared during the window is used: what it saved, by its own timings, and nothing wasted', async () => {
    server.configure({ transcripts: ['What time is it?'], reply: 'It is noon.' });
    const t = setup({ silenceMs: 500, preemptive: true });
    t.assistant.startConversation();
    t.feed([...of(15, speech), ...of(3, silence)]);
    // Its first audio is ready within the window.
    await until(() => t.requests('speech').length >= 1 && t.requests('speech')[0]!.endedAt !== null, { detail: t.seen });
    t.feed(of(22, silence));
    await until(t.replied(), { detail: t.seen });
    const { spans, turns, metrics } = await t.finish();
    const [turn] = turns;
    expect(turn!.attributes).toMatchObject({ [ATTR.preemptiveOutcome]: 'used', [ATTR.preemptiveWastedRequests]: 0, [ATTR.turnEndReason]: 'silence' });
    const saved = Number(turn!.attributes[ATTR.preemptiveSavedMs]);
    const preparedAt = at(event(turn!, EVENT.preemptiveStarted));
    const tts = spans.find((s) => s.attributes[ATTR.operationName] === 'text_to_speech')!;
    // The first audio was ready before confirmation: the saving is the prepared work's time to it, at
    // least its speech request's start and at most the time to confirmation.
    expect(saved).toBeGreaterThanOrEqual(Math.floor(hrTimeToMilliseconds(tts.startTime) - preparedAt));
    expect(saved).toBeLessThanOrEqual(Math.ceil(at(event(turn!, EVENT.turnConfirmed)) - preparedAt));
    expect(counted(metrics, METRIC.preemptiveOutcomes, METRIC.preemptiveOutcome)).toEqual({ used: 1 });
  });

  it('a reply prepared during the window and thrown away: discarded, with the requests it had started', async () => {
    server.configure({ transcripts: ['Hello'], reply: 'Hi.', sttDelayMs: 300 });
    const t = setup({ silenceMs: 500, preemptive: true });
    t.assistant.startConversation();
    t.feed([...of(15, speech), ...of(3, silence)]);
    await until(() => t.requests('transcriptions').length === 1, { detail: t.seen });
    t.assistant.interrupt('test sound'); // a stop during the window: what was prepared goes
    t.feed(of(22, silence));
    await until(t.replied(), { detail: t.seen });
    const { turns, metrics } = await t.finish();
    const [turn] = turns;
    expect(names(turn!, 'preemptive.')).toEqual([EVENT.preemptiveStarted, EVENT.preemptiveCancelled]);
    expect(turn!.attributes).toMatchObject({ [ATTR.preemptiveOutcome]: 'discarded', [ATTR.preemptiveWastedRequests]: 1 });
    expect(turn!.attributes[ATTR.preemptiveSavedMs]).toBeUndefined();
    expect(t.requests('transcriptions')).toHaveLength(2); // the thrown-away one, then the turn's
    expect(counted(metrics, METRIC.preemptiveOutcomes, METRIC.preemptiveOutcome)).toEqual({ discarded: 1 });
  });
});
