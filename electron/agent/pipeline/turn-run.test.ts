import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { ConversationContext } from '../conversation/conversation-context';
import type { StageEvent } from './turn-events';
import { runTurn, type PipelineStages, type TurnSink } from './turn-run';
import { openAIStagesAt } from '../testing/test-stages';
import { until } from '../testing/until';

let server: FakeOpenAIServer;
let stages: PipelineStages;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
  stages = openAIStagesAt(server.url, { model: 'm' });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function recordingSink() {
  const log: { at: number; kind: 'user' | 'reply' | 'audio'; value: string | number }[] = [];
  const sink: TurnSink = {
    userText: (text) => log.push({ at: Date.now(), kind: 'user', value: text }),
    replyText: (text) => log.push({ at: Date.now(), kind: 'reply', value: text }),
    audio: (samples) => log.push({ at: Date.now(), kind: 'audio', value: samples.length }),
  };
  return { sink, log };
}

const newContext = () => new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 4_000 });

/** How many provider requests are still open once they have all ended (or the wait gave up). */
async function noOpenRequests(): Promise<number> {
  await until(() => server.openRequests === 0, { what: 'every provider request to end', detail: () => `${server.openRequests} still open` });
  return server.openRequests;
}

describe('runTurn', () => {
  it('runs a voice turn: transcript, streamed reply, one TTS request per sentence', async () => {
    server.configure({ transcripts: ['What time is it?'], reply: 'It is noon. Have a nice day.' });
    const context = newContext();
    const { sink, log } = recordingSink();
    const result = await runTurn({ input: { kind: 'voice', audio: new Int16Array(16_000) }, stages, context, sink, signal: new AbortController().signal });
    expect(result.status).toBe('completed');
    expect(result.userText).toBe('What time is it?');
    expect(result.replyText).toBe('It is noon. Have a nice day.');
    expect(result.segments.map((s) => s.text)).toEqual(['It is noon.', 'Have a nice day.']);
    expect(result.segments.every((s) => s.samples > 0)).toBe(true);
    expect(server.requests.filter((r) => r.endpoint === 'speech').map((r) => r.body.input)).toEqual(['It is noon.', 'Have a nice day.']);
    expect(log[0]).toMatchObject({ kind: 'user', value: 'What time is it?' });
    expect(context.aggregate().messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(result.usage).toMatchObject({ outputTokens: 7 });
  });

  it('speaks the first sentence while the model is still generating', async () => {
    server.configure({ reply: 'First sentence here. ' + 'and more words '.repeat(15) + 'end.', llmTokenIntervalMs: 25 });
    const { sink, log } = recordingSink();
    const result = await runTurn({ input: { kind: 'text', text: 'go' }, stages, context: newContext(), sink, signal: new AbortController().signal });
    expect(result.status).toBe('completed');
    const firstAudio = log.find((e) => e.kind === 'audio')!.at;
    const lastDelta = log.filter((e) => e.kind === 'reply').at(-1)!.at;
    expect(firstAudio).toBeLessThan(lastDelta);
  });

  it('sends the aggregated context to the model', async () => {
    const context = newContext();
    context.addUser('earlier question');
    context.addAssistant('earlier answer');
    await runTurn({ input: { kind: 'text', text: 'and now?' }, stages, context, sink: recordingSink().sink, signal: new AbortController().signal });
    const chat = server.requests.find((r) => r.endpoint === 'chat')!;
    expect((chat.body.messages as { content: string }[]).map((m) => m.content)).toEqual(['Be brief.', 'earlier question', 'earlier answer', 'and now?']);
  });

  it('ends with a clear error on an empty transcript, without calling the model', async () => {
    server.fail('transcriptions', { kind: 'empty' });
    const result = await runTurn({ input: { kind: 'voice', audio: new Int16Array(320) }, stages, context: newContext(), sink: recordingSink().sink, signal: new AbortController().signal });
    expect(result).toMatchObject({ status: 'failed', error: { stage: 'stt', kind: 'empty' } });
    expect(result.error?.message).toMatch(/didn't catch that/);
    expect(server.requests.map((r) => r.endpoint)).toEqual(['transcriptions']);
  });

  it('reports the failing stage when text-to-speech fails, and stops the model', async () => {
    server.configure({ reply: 'One. ' + 'word '.repeat(100), llmTokenIntervalMs: 10 });
    server.fail('speech', { kind: 'status', status: 401 });
    const result = await runTurn({ input: { kind: 'text', text: 'hi' }, stages, context: newContext(), sink: recordingSink().sink, signal: new AbortController().signal });
    expect(result).toMatchObject({ status: 'failed', error: { stage: 'tts', kind: 'auth' } });
    expect(await noOpenRequests()).toBe(0);
  });

  it('stops everything at once when aborted, leaving no request running and emitting no more audio', async () => {
    server.configure({ reply: 'Sentence one is here. ' + 'more text '.repeat(100), llmTokenIntervalMs: 15, ttsRealtimeFactor: 1 });
    const controller = new AbortController();
    const { sink, log } = recordingSink();
    const running = runTurn({ input: { kind: 'text', text: 'talk' }, stages, context: newContext(), sink, signal: controller.signal });
    await until(() => log.some((e) => e.kind === 'audio'), 'the first audio');
    controller.abort(new Error('barge-in'));
    const abortedAt = Date.now();
    const result = await running;
    expect(result.status).toBe('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(500);
    const count = log.length;
    expect(await noOpenRequests()).toBe(0);
    await sleep(100);
    expect(log.length).toBe(count);
    expect(server.requests.filter((r) => r.endpoint !== 'transcriptions').some((r) => r.aborted)).toBe(true);
  });

  describe('reports each stage as events', () => {
    const recorder = () => {
      const events: StageEvent[] = [];
      const summary = () => events.map((e) => ('stage' in e ? `${e.type} ${e.stage}` : e.type));
      return { events, summary, emit: (event: StageEvent) => void events.push(event) };
    };

    it('for a voice turn: each request from started to ended, with first output and usage, timed in order', async () => {
      server.configure({ transcripts: ['What time is it?'], reply: 'It is noon. Have a nice day.' });
      const { events, summary, emit } = recorder();
      const result = await runTurn({ input: { kind: 'voice', audio: new Int16Array(16_000) }, stages, context: newContext(), sink: recordingSink().sink, signal: new AbortController().signal, observer: { emit } });
      expect(result.status).toBe('completed');
      const seen = summary();
      expect(seen.slice(0, 4)).toEqual(['stage.started stt', 'stage.first_output stt', 'stage.ended stt', 'context.aggregated']);
      expect(seen.filter((e) => e === 'stage.started tts')).toHaveLength(2); // one request per sentence
      for (const stage of ['stt', 'llm', 'tts'] as const) {
        expect(seen.filter((e) => e === `stage.started ${stage}`).length).toBe(seen.filter((e) => e === `stage.ended ${stage}`).length);
      }
      expect(seen).toContain('stage.usage llm');
      expect(seen.some((e) => e.includes('failed') || e.includes('cancelled'))).toBe(false);
      const times = events.map((e) => e.at);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(events.find((e) => e.type === 'stage.started' && e.stage === 'stt')).toMatchObject({ provider: 'openai', audioSeconds: 1 });
      expect(events.find((e) => e.type === 'stage.ended' && e.stage === 'stt')).toMatchObject({ output: 'What time is it?' });
      expect(events.find((e) => e.type === 'stage.ended' && e.stage === 'llm')).toMatchObject({ output: 'It is noon. Have a nice day.' });
      expect(events.find((e) => e.type === 'stage.ended' && e.stage === 'tts')!).toMatchObject({ audioSeconds: expect.any(Number) });
    });

    it('when text-to-speech fails: that stage failed, the model only cancelled', async () => {
      server.configure({ reply: 'One. ' + 'word '.repeat(100), llmTokenIntervalMs: 10 });
      server.fail('speech', { kind: 'status', status: 401 });
      const { events, summary, emit } = recorder();
      await runTurn({ input: { kind: 'text', text: 'hi' }, stages, context: newContext(), sink: recordingSink().sink, signal: new AbortController().signal, observer: { emit } });
      expect(events.find((e) => e.type === 'stage.failed')).toMatchObject({ stage: 'tts', errorType: 'auth' });
      expect(summary().filter((e) => e.startsWith('stage.failed'))).toEqual(['stage.failed tts']);
      expect(summary()).toContain('stage.cancelled llm');
      expect(summary().at(-1)).toMatch(/^stage.ended/);
    });

    it('when the turn is stopped: the running requests end cancelled, not failed', async () => {
      server.configure({ reply: 'Sentence one is here. ' + 'more text '.repeat(100), llmTokenIntervalMs: 15, ttsRealtimeFactor: 1 });
      const controller = new AbortController();
      const { sink, log } = recordingSink();
      const { summary, emit } = recorder();
      const running = runTurn({ input: { kind: 'text', text: 'talk' }, stages, context: newContext(), sink, signal: controller.signal, observer: { emit } });
      await until(() => log.some((e) => e.kind === 'audio'), 'the first audio');
      controller.abort(new Error('barge-in'));
      expect((await running).status).toBe('cancelled');
      const seen = summary();
      expect(seen).toEqual(expect.arrayContaining(['stage.cancelled llm', 'stage.cancelled tts']));
      expect(seen.some((e) => e.startsWith('stage.failed'))).toBe(false);
      for (const stage of ['llm', 'tts'] as const) {
        expect(seen.filter((e) => e === `stage.started ${stage}`).length).toBe(seen.filter((e) => e === `stage.ended ${stage}`).length);
      }
    });
  });
});
