import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_SAMPLES } from '../../../shared/audio-format';
import { Assistant } from './assistant';
import { silentLogger } from '../util/logger';
import { readPipelineConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { openAIStagesAt, scriptedVad } from '../testing/test-stages';
import { until } from '../testing/until';
import { of, recordingOutput, silence, speech } from '../testing/assistant-output';


let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** A typed reply that has started playing, and a short sound (120 ms of voice) over it. */
async function soundOverPlayingReply() {
  const harness = setup();
  const { assistant, events, seen, feed } = harness;
  assistant.startConversation();
  assistant.sendText('Talk to me');
  await until(() => events.some((e) => e.type === 'audio'), { detail: seen });
  assistant.onPlayback('started', 1, 0);
  await feed([...of(6, speech), ...of(8, silence)]);
  return harness;
}

function setup(options: { configured?: boolean; pushToTalk?: boolean } = {}) {
  const config = readPipelineConfig({ OPENAI_BASE_URL: server.url, VAD_SILENCE_MS: '100', VAD_MIN_SPEECH_MS: '60' }, () => {});
  config.vad.pushToTalk = options.pushToTalk ?? false;
  const { output, events, states } = recordingOutput();
  let configReads = 0;
  const assistant = new Assistant(
    {
      get config() {
        configReads++;
        return config;
      },
      stages: () =>
        options.configured === false
          ? new StageError('llm', 'not_configured', 'No language model is configured: set OPENAI_API_KEY.')
          : openAIStagesAt(server.url, { model: 'm' }),
      createVad: async () => scriptedVad,
    },
    output,
    silentLogger,
  );
  /** The last events, for a failed wait's message. */
  const seen = () => `events: ${JSON.stringify(events.slice(-5))}`;
  const feed = async (frames: Int16Array[]) => {
    for (const frame of frames) assistant.pushFrame(frame);
    await sleep(20);
  };
  return { assistant, events, states, seen, feed, config, configReads: () => configReads };
}


describe('Assistant', () => {
  it('takes a spoken turn: speech, silence, transcript, reply, audio, back to listening', async () => {
    server.configure({ transcripts: ['Hello assistant'], reply: 'Hello human. Nice to meet you.' });
    const { assistant, events, states, seen, feed } = setup();
    assistant.startConversation();
    await feed([...of(10, speech), ...of(8, silence)]);
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), { detail: seen });
    expect(events.find((e) => e.type === 'transcript' && e.role === 'user')).toMatchObject({ text: 'Hello assistant', final: true });
    const audio = events.filter((e) => e.type === 'audio');
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.every((a) => a.stream === 1 && a.sampleRate === 24_000)).toBe(true);
    expect(states).toContain('thinking');
    assistant.onPlayback('started', 1, 0);
    expect(states.at(-1)).toBe('speaking');
    assistant.onPlayback('drained', 1, 1_200);
    expect(states.at(-1)).toBe('listening');
    expect(assistant.activeTurn).toBeNull();
    await assistant.dispose();
  });

  it('barges in: speech during the reply stops it, flushes the client and keeps only what was heard', async () => {
    server.configure({ reply: 'First part of the answer. Second part that nobody hears.', ttsMsPerChar: 40 });
    const { assistant, events, seen, feed } = setup();
    assistant.startConversation();
    assistant.sendText('Tell me something');
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), { detail: seen });
    expect(events.filter((e) => e.type === 'transcript' && e.role === 'user')).toHaveLength(1); // a typed entry is final once
    assistant.onPlayback('started', 1, 0);
    // Exactly the first sentence (25 chars * 40 ms = 1 s) has played when the user speaks.
    assistant.onPlayback('drained', 1, 1_000);
    const turn = assistant.activeTurn;
    expect(turn).toBeNull(); // drained after the pipeline finished: the turn is over
    // Start another reply and interrupt it mid-way.
    assistant.sendText('Again');
    await until(() => events.filter((e) => e.type === 'audio' && e.stream === 2).length > 0, { detail: seen });
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && e.text === 'First part of the answer. Second part that nobody hears.' && events.indexOf(e) > 10), { detail: seen });
    assistant.onPlayback('started', 2, 0);
    // A long stretch of voice over the playing reply is the user taking the floor, words or not.
    await feed(of(32, speech));
    expect(events.filter((e) => e.type === 'pause')).toEqual([{ type: 'pause', paused: true }]);
    expect(events.filter((e) => e.type === 'flush')).toHaveLength(1);
    const interrupted = events.filter((e) => e.type === 'transcript' && e.interrupted);
    expect(interrupted).toHaveLength(1);
    // The client reports exactly 1 s played: the context keeps the first sentence only.
    assistant.onPlayback('flushed', 2, 1_000);
    expect(events.at(-1)).toMatchObject({ type: 'transcript', interrupted: true, text: 'First part of the answer.' });
    await feed(of(8, silence));
    await until(() => server.requests.filter((r) => r.endpoint === 'chat').length === 3, { detail: seen });
    const lastChat = server.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
    const contents = (lastChat.body.messages as { role: string; content: string }[]).map((m) => `${m.role}:${m.content}`);
    expect(contents).toContain('assistant:First part of the answer.');
    expect(contents.filter((c) => c.includes('nobody hears')).length).toBe(1); // only the first, completed reply
    await assistant.dispose();
  });

  it('a cough over the playing reply pauses it and it resumes: no turn, nothing stopped', async () => {
    server.configure({ transcripts: ['[coughs]'], reply: 'A reply that goes on. And on.', ttsMsPerChar: 40 });
    const { assistant, events, seen } = await soundOverPlayingReply();
    await until(() => events.filter((e) => e.type === 'pause').length === 2, { detail: seen });
    expect(events.filter((e) => e.type === 'pause')).toEqual([
      { type: 'pause', paused: true },
      { type: 'pause', paused: false },
    ]);
    expect(events.filter((e) => e.type === 'flush')).toHaveLength(0);
    expect(assistant.activeTurn?.signal.aborted).toBe(false);
    expect(server.requests.filter((r) => r.endpoint === 'transcriptions')).toHaveLength(1); // the quick transcript only
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), { detail: seen });
    assistant.onPlayback('drained', 1, 1_200);
    expect(events.filter((e) => e.type === 'transcript' && e.role === 'user').map((e) => e.text)).toEqual(['Talk to me']);
    expect(server.requests.filter((r) => r.endpoint === 'chat')).toHaveLength(1);
    await assistant.dispose();
  });

  it('a short word over the playing reply stops it and becomes the next turn', async () => {
    server.configure({ transcripts: ['Stop'], reply: 'A reply that goes on. And on.', ttsMsPerChar: 40 });
    const { assistant, events, seen } = await soundOverPlayingReply();
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'user' && e.text === 'Stop'), { detail: seen });
    expect(events.filter((e) => e.type === 'pause')).toEqual([{ type: 'pause', paused: true }]);
    expect(events.filter((e) => e.type === 'flush')).toHaveLength(1);
    expect(events.some((e) => e.type === 'transcript' && e.interrupted)).toBe(true);
    await assistant.dispose();
  });

  it('a typed message interrupts the reply in progress', async () => {
    server.configure({ reply: 'word '.repeat(300), llmTokenIntervalMs: 10 });
    const { assistant, events, seen } = setup();
    assistant.sendText('first');
    await until(() => events.some((e) => e.type === 'audio'), { detail: seen });
    assistant.sendText('second');
    expect(events.some((e) => e.type === 'flush')).toBe(true);
    await until(() => server.requests.filter((r) => r.endpoint === 'chat').length === 2, { detail: seen });
    await until(() => server.requests[0]?.endedAt !== null, { what: 'the first reply request to end', detail: seen });
    expect(server.requests.find((r) => r.endpoint === 'chat')?.aborted).toBe(true);
    await assistant.dispose();
  });

  it('reports a failing stage in the conversation and the status, then the next turn works', async () => {
    server.fail('chat', { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const { assistant, events, seen } = setup();
    assistant.sendText('hello');
    await until(() => events.some((e) => e.type === 'notice'), { detail: seen });
    expect(events.find((e) => e.type === 'notice')).toMatchObject({ level: 'error', text: expect.stringMatching(/language model failed on the server \(500/) });
    expect(events.filter((e) => e.type === 'state').at(-1)).toMatchObject({ state: 'error' });
    server.configure({ reply: 'Back again.' });
    assistant.sendText('hello again');
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.text === 'Back again.' && e.final), { detail: seen });
    await assistant.dispose();
  });

  it('says what to configure when there is no provider', async () => {
    const { assistant, events } = setup({ configured: false });
    assistant.sendText('anyone there?');
    expect(events.map((e) => e.type)).toEqual(['transcript', 'notice', 'state']);
    expect(events[1]).toMatchObject({ text: expect.stringContaining('OPENAI_API_KEY') });
    await assistant.dispose();
  });

  it('takes turns by push-to-talk: press starts (and interrupts), release ends; voice detection is not used', async () => {
    server.configure({ transcripts: ['held key speech'], reply: 'Heard you.' });
    const { assistant, events, seen, feed } = setup({ pushToTalk: true });
    assistant.startConversation();
    await feed([...of(10, speech), ...of(10, silence)]); // no key held: nothing happens
    expect(events.filter((e) => e.type === 'turn')).toEqual([]);
    assistant.pushToTalk(true);
    await feed(of(20, silence)); // even silence is sent while the key is held
    assistant.pushToTalk(false);
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), { detail: seen });
    expect(events.find((e) => e.type === 'transcript' && e.role === 'user')).toMatchObject({ text: 'held key speech' });
    expect(server.requests.find((r) => r.endpoint === 'transcriptions')?.audioBytes).toBe(44 + 20 * FRAME_SAMPLES * 2);
    // A tap shorter than the minimum speech is ignored.
    assistant.pushToTalk(true);
    await feed(of(1, speech));
    assistant.pushToTalk(false);
    await sleep(50);
    expect(server.requests.filter((r) => r.endpoint === 'transcriptions')).toHaveLength(1);
    await assistant.dispose();
  });

  it('reads its settings when a conversation starts and when a turn starts: never per frame, never under a running turn', async () => {
    server.configure({ transcripts: ['Hello assistant'], reply: 'Hello human.' });
    const { assistant, events, seen, feed, config, configReads } = setup();
    assistant.startConversation();
    const atStart = configReads();
    await feed(of(10, speech)); // speech has started: the utterance is under way
    expect(events.filter((e) => e.type === 'state').at(-1)).toMatchObject({ state: 'listening' });
    config.vad.pushToTalk = true; // were these read live, the utterance would never end
    config.vad.silenceMs = 60_000;
    config.vad.minSpeechMs = 10_000;
    await feed(of(8, silence));
    await until(() => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final), { detail: seen });
    expect(configReads() - atStart).toBe(1); // once, as the turn started
    // A typed turn takes the system prompt in force as it starts, whatever changes meanwhile.
    const prompt = config.systemPrompt;
    assistant.sendText('and now?');
    config.systemPrompt = 'Changed under the turn.';
    await until(() => server.requests.filter((r) => r.endpoint === 'chat').length === 2, { detail: seen });
    const chat = server.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
    expect((chat.body.messages as { role: string; content: string }[])[0]).toEqual({ role: 'system', content: prompt });
    await assistant.dispose();
  });

  it('ignores frames when no conversation runs, and ends cleanly', async () => {
    const { assistant, events, feed } = setup();
    await feed([...of(10, speech), ...of(10, silence)]);
    expect(events).toEqual([]);
    assistant.startConversation();
    assistant.endConversation();
    await feed(of(10, speech));
    expect(events).toEqual([]);
    await assistant.dispose();
  });
});
