/**
 * Replies prepared during the silence window, through the Assistant against
 * the loopback OpenAI-compatible server: what a pause starts, what the user
 * going on aborts, what the confirmed turn keeps, and what the trace says.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../../shared/audio-format';
import { ATTR, EVENT, SPAN } from '../../../shared/telemetry';
import { Assistant } from './assistant';
import { silentLogger } from '../util/logger';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { inMemoryTelemetry } from '../testing/in-memory-telemetry';
import { openAIStagesAt, scriptedVad } from '../testing/test-stages';
import { until } from '../testing/until';
import { of, recordingOutput, silence, speech } from '../testing/assistant-output';


let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** A 500 ms silence window (25 frames); a pause is reported after one silent frame. */
function setup(options: { preemptive?: boolean } = {}) {
  const config = readPipelineConfig({ OPENAI_BASE_URL: server.url, VAD_SILENCE_MS: '500', VAD_MIN_SPEECH_MS: '60' }, () => {});
  config.vad.preemptiveReply = options.preemptive ?? true;
  const { telemetry, finishedSpans } = inMemoryTelemetry();
  const { output, events } = recordingOutput();
  const assistant = new Assistant(
    {
      config,
      stages: () => openAIStagesAt(server.url, { model: 'm' }),
      createVad: async () => scriptedVad,
    },
    output,
    silentLogger,
    telemetry.conversationObserver(),
  );
  const seen = () => `events: ${JSON.stringify(events.slice(-5))}; requests: ${JSON.stringify(server.requests.map((r) => [r.endpoint, r.aborted]))}`;
  const feed = async (frames: Int16Array[]) => {
    for (const frame of frames) assistant.pushFrame(frame);
    await sleep(20);
  };
  const requests = (endpoint: 'transcriptions' | 'chat' | 'speech') => server.requests.filter((r) => r.endpoint === endpoint);
  const userEntries = () => events.filter((e) => e.type === 'transcript' && e.role === 'user');
  const finalReply = () => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final);
  return { assistant, events, seen, feed, requests, userEntries, finalReply, spans: finishedSpans };
}

const turnSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.name === SPAN.turn);
const stageSpans = (spans: ReadableSpan[]) => spans.filter((s) => s.attributes[ATTR.operationName] !== undefined);

describe('preemptive replies', () => {
  it('a pause of 400 ms and more words: the prepared requests are aborted, and it is one turn with one transcript', async () => {
    server.configure({ sttDelayMs: 600, reply: 'Done.' });
    const t = setup();
    t.assistant.startConversation();
    await t.feed(of(15, speech));
    await t.feed(of(20, silence)); // 400 ms of pause, within the 500 ms window
    await until(() => t.requests('transcriptions').length === 1, { detail: t.seen });
    expect(t.events.filter((e) => e.type === 'turn')).toEqual([]); // nothing started where the user can see it
    await sleep(100);
    await t.feed(of(15, speech)); // the user goes on
    await until(() => t.requests('transcriptions')[0]!.aborted, { detail: t.seen });
    await t.feed(of(25, silence));
    await until(t.finalReply, { detail: t.seen });

    expect(t.events.filter((e) => e.type === 'turn' && e.phase === 'start')).toHaveLength(1);
    const [first, last] = t.requests('transcriptions');
    expect(t.requests('transcriptions')).toHaveLength(2);
    expect(last!.aborted).toBe(false);
    expect(last!.audioBytes).toBeGreaterThan(first!.audioBytes! + 15 * FRAME_SAMPLES * 2); // the whole utterance, the new words too
    expect(t.userEntries().filter((e) => e.final)).toEqual([
      expect.objectContaining({ text: `I said something for ${((last!.audioBytes ?? 0) / 32_000).toFixed(1)} seconds.` }),
    ]);
    expect(t.requests('chat')).toHaveLength(1); // the first transcript never came back: no model request for it
    await t.assistant.dispose();

    const spans = await t.spans();
    const [turn] = turnSpans(spans);
    expect(turnSpans(spans)).toHaveLength(1);
    expect(turn!.attributes[ATTR.turnPreemptive]).toBe(true);
    expect(turn!.events.map((e) => e.name).filter((n) => n.startsWith('preemptive'))).toEqual([EVENT.preemptiveStarted, EVENT.preemptiveCancelled, EVENT.preemptiveStarted]);
    // The second pause's reply was used; the first one's transcription was the one request wasted.
    expect(turn!.attributes).toMatchObject({ [ATTR.preemptiveOutcome]: 'used', [ATTR.preemptiveWastedRequests]: 1 });
    const stt = stageSpans(spans).filter((s) => s.attributes[ATTR.operationName] === 'speech_to_text');
    expect(stt).toHaveLength(2);
    // The thrown-away transcription: cancelled, preemptive, not an error.
    expect(stt[0]!.attributes).toMatchObject({ [ATTR.stageCancelled]: true, [ATTR.turnPreemptive]: true });
    expect(stt[0]!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(stt[1]!.attributes[ATTR.turnPreemptive]).toBe(true);
    expect(stt[1]!.attributes[ATTR.stageCancelled]).toBeUndefined();
    expect(stt.every((s) => s.parentSpanContext?.spanId === turn!.spanContext().spanId)).toBe(true);
  });

  it('a confirmed turn plays what was prepared during the window, once, and keeps it in the context', async () => {
    server.configure({ transcripts: ['What time is it?', 'And the date?'], reply: 'It is noon. Enjoy it.' });
    const t = setup();
    t.assistant.startConversation();
    await t.feed([...of(15, speech), ...of(3, silence)]);
    // During the window: transcript, reply and its first audio are ready, and held.
    await until(() => t.requests('speech').length >= 1 && t.requests('speech')[0]!.endedAt !== null, { detail: t.seen });
    expect(t.events.filter((e) => e.type === 'audio' || e.type === 'turn' || e.type === 'transcript')).toEqual([]);
    expect(t.events.filter((e) => e.type === 'state').map((e) => e.state)).not.toContain('thinking');
    await t.feed(of(22, silence)); // the window ends: the utterance is the paused one
    // The prepared audio goes out at once, before any further request could answer.
    expect(t.events.filter((e) => e.type === 'audio').length).toBeGreaterThan(0);
    expect(t.events.filter((e) => e.type === 'turn' && e.phase === 'start')).toHaveLength(1);
    await until(t.finalReply, { detail: t.seen });
    expect(t.userEntries().filter((e) => e.final)).toEqual([expect.objectContaining({ text: 'What time is it?' })]);
    expect(t.requests('transcriptions')).toHaveLength(1);
    expect(t.requests('chat')).toHaveLength(1);
    expect(t.requests('speech')).toHaveLength(2); // one per sentence: nothing synthesised twice
    t.assistant.onPlayback('started', 1, 0);
    t.assistant.onPlayback('drained', 1, 2_000);
    // The next turn's model sees the first exchange exactly once.
    await t.feed([...of(15, speech), ...of(25, silence)]);
    await until(() => t.requests('chat').length === 2, { detail: t.seen });
    const messages = (t.requests('chat')[1]!.body.messages as { role: string; content: string }[]).map((m) => `${m.role}:${m.content}`);
    expect(messages.filter((m) => m === 'user:What time is it?')).toHaveLength(1);
    expect(messages.filter((m) => m === 'assistant:It is noon. Enjoy it.')).toHaveLength(1);
    // Nothing of this test still on its way to the server when the next one starts.
    await until(() => t.events.filter((e) => e.type === 'transcript' && e.role === 'assistant' && e.final).length === 2, { detail: t.seen });
    await t.assistant.dispose();
    const spans = await t.spans();
    const phased = turnSpans(spans)[0]!;
    expect(phased.attributes[ATTR.turnPreemptive]).toBe(true);
    expect(phased.attributes[ATTR.phaseTranscriptMs]).toBeGreaterThan(0);
  });

  it('runs nothing ahead of time with the setting off', async () => {
    server.configure({ transcripts: ['Hello'], reply: 'Hi.' });
    const t = setup({ preemptive: false });
    t.assistant.startConversation();
    await t.feed([...of(15, speech), ...of(20, silence)]);
    await sleep(150);
    expect([...t.requests('transcriptions'), ...t.requests('chat')]).toEqual([]);
    await t.feed(of(5, silence));
    await until(t.finalReply, { detail: t.seen });
    expect(t.requests('transcriptions')).toHaveLength(1);
    await t.assistant.dispose();
    const [turn] = turnSpans(await t.spans());
    expect(turn!.attributes[ATTR.turnPreemptive]).toBe(false);
    expect(turn!.events.map((e) => e.name)).not.toContain(EVENT.preemptiveStarted);
  });

  it('holds a tool call until the turn is confirmed, and never runs it when the user goes on', async () => {
    const call = { name: 'get_current_time', arguments: '{}' };
    server.configure({ transcripts: ['What time is it'], toolSteps: [[call], [call]], reply: 'Noon.' });
    const t = setup();
    t.assistant.startConversation();
    await t.feed([...of(15, speech), ...of(3, silence)]);
    await until(() => t.requests('chat').length === 1 && t.requests('chat')[0]!.endedAt !== null, { detail: t.seen });
    await sleep(50);
    expect(t.requests('chat')).toHaveLength(1); // the call waits: no second step with its result
    await t.feed(of(15, speech)); // the user goes on: the held call is dropped with the rest
    await t.feed(of(25, silence));
    await until(t.finalReply, { detail: t.seen });
    const toolLines = t.events.filter((e) => e.type === 'transcript' && e.final && Array.isArray(e.tools));
    expect(toolLines).toEqual([expect.objectContaining({ tools: [expect.objectContaining({ name: 'get_current_time', ok: true })] })]);
    expect(t.requests('chat')).toHaveLength(3); // the thrown-away step, then the turn's two
    await t.assistant.dispose();
    const spans = await t.spans();
    const toolSpans = spans.filter((s) => s.name.startsWith('execute_tool'));
    // The thrown-away step's call ended cancelled without running; the confirmed turn's ran once.
    expect(toolSpans.map((s) => (s.attributes[ATTR.stageCancelled] ? 'cancelled' : (s.attributes[ATTR.errorType] ?? 'ok'))).sort()).toEqual(['cancelled', 'ok']);
    expect(toolSpans.find((s) => s.attributes[ATTR.stageCancelled])!.status.code).not.toBe(SpanStatusCode.ERROR);
  });
});
