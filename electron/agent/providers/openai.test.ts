import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../testing/collect';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../testing/fake-openai-server';
import { closedPort } from '../testing/ports';
import { rejection } from '../testing/rejection';
import { until } from '../testing/until';
import type { EndpointConfig } from '../pipeline/pipeline-config';
import { StageError } from '../pipeline/stage-error';
import { OpenAILanguageModel, OpenAISpeechToText, OpenAITextToSpeech, serverAddress, toSamples } from './openai';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const endpoint = (overrides: Partial<EndpointConfig> = {}): EndpointConfig => ({ baseURL: server.url, apiKey: undefined, model: 'test-model', ...overrides });
const tts = (overrides: Partial<EndpointConfig> = {}, firstByteMs = 2_000, idleMs = 2_000) =>
  new OpenAITextToSpeech({ ...endpoint(overrides), voice: 'alloy', sampleRate: 24_000 }, firstByteMs, idleMs);
const signal = () => new AbortController().signal;

/** Waits until the fake server holds no request open (cancelled ones close a moment after the abort). */
const settled = () => until(() => server.openRequests === 0, 'the fake server to hold no open request');

describe('speech-to-text', () => {
  it('uploads the utterance as a WAV and returns the transcript', async () => {
    server.configure({ transcripts: ['What is the weather like?'] });
    const stt = new OpenAISpeechToText(endpoint(), 5_000);
    const result = await stt.transcribe(new Int16Array(16_000), 16_000, signal());
    expect(result.text).toBe('What is the weather like?');
    expect(server.requests[0]).toMatchObject({ endpoint: 'transcriptions', body: { model: 'test-model' }, audioBytes: 44 + 32_000 });
  });

  it('sends no Authorization header without a key, and the key when there is one', async () => {
    await new OpenAISpeechToText(endpoint(), 5_000).transcribe(new Int16Array(320), 16_000, signal());
    await new OpenAISpeechToText(endpoint({ apiKey: 'sk-test-123' }), 5_000).transcribe(new Int16Array(320), 16_000, signal());
    expect(server.requests.map((r) => r.authorization)).toEqual([undefined, 'Bearer sk-test-123']);
  });

  it('reports an empty transcript as empty text (the pipeline decides what that means)', async () => {
    server.fail('transcriptions', { kind: 'empty' });
    expect((await new OpenAISpeechToText(endpoint(), 5_000).transcribe(new Int16Array(320), 16_000, signal())).text).toBe('');
  });
});

describe('language model', () => {
  it('streams deltas and usage', async () => {
    server.configure({ reply: 'One. Two three.' });
    const llm = new OpenAILanguageModel(endpoint(), 5_000, 5_000);
    const events = await collect(llm.chat([{ role: 'user', content: 'count' }], signal()));
    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(text).toBe('One. Two three.');
    expect(events.at(-1)).toEqual({ type: 'usage', inputTokens: 2, outputTokens: 3, cacheReadTokens: 0, reasoningTokens: 0 });
    // What the server said of its response: id and model first, the finish reason when it came.
    expect(events.filter((e) => e.type === 'response')).toEqual([
      { type: 'response', id: expect.stringMatching(/^chatcmpl-/) as string, model: 'fake' },
      { type: 'response', finishReason: 'stop' },
    ]);
    expect(server.requests[0]?.body).toMatchObject({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'count' }] });
  });
});

describe('the server a stage calls', () => {
  it('is the host and port of its base URL, the scheme default when none is given', () => {
    expect(new OpenAISpeechToText(endpoint(), 5_000).server).toEqual({ address: '127.0.0.1', port: Number(new URL(server.url).port) });
    expect(new OpenAILanguageModel(endpoint({ baseURL: undefined }), 5_000, 5_000).server).toEqual({ address: 'api.openai.com', port: 443 });
    expect(serverAddress('http://[::1]/v1')).toEqual({ address: '::1', port: 80 });
    expect(serverAddress('not a url')).toBeUndefined();
  });
});

describe('text-to-speech', () => {
  it('streams PCM as it arrives, reassembling samples split across network chunks', async () => {
    server.configure({ ttsRealtimeFactor: 20 });
    const chunks = await collect(tts().synthesize('Hello there.', signal()));
    expect(chunks.length).toBeGreaterThan(1);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBe(Math.round(0.24 * 24_000)); // 12 chars * 20 ms
    expect(server.requests[0]?.body).toMatchObject({ model: 'test-model', voice: 'alloy', input: 'Hello there.', response_format: 'pcm' });
  });

  it('carries an odd byte into the next chunk', () => {
    const first = toSamples(new Uint8Array([1, 0, 2]), null);
    expect(Array.from(first.pcm)).toEqual([1]);
    const second = toSamples(new Uint8Array([0, 3, 0]), first.carry);
    expect(Array.from(second.pcm)).toEqual([2, 3]);
    expect(second.carry).toBeNull();
  });
});

describe('faults', () => {
  const cases: [string, () => Promise<unknown>, StageError['kind'], RegExp][] = [
    ['401', async () => { server.fail('chat', { kind: 'status', status: 401 }); return collect(new OpenAILanguageModel(endpoint({ apiKey: 'sk-wrong' }), 5_000, 5_000).chat([], signal())); }, 'auth', /refused the API key \(401 .*\)\. Check LLM_API_KEY or OPENAI_API_KEY\./],
    ['401 without a key', async () => { server.fail('chat', { kind: 'status', status: 401 }); return collect(new OpenAILanguageModel(endpoint(), 5_000, 5_000).chat([], signal())); }, 'auth', /needs an API key \(401 .*none was given for that server: type its key in Settings or set LLM_API_KEY/],
    ['403', async () => { server.fail('speech', { kind: 'status', status: 403 }); return collect(tts().synthesize('x', signal())); }, 'forbidden', /may not use model "test-model"/],
    ['404 model', async () => { server.fail('transcriptions', { kind: 'status', status: 404 }); return new OpenAISpeechToText(endpoint(), 5_000).transcribe(new Int16Array(320), 16_000, signal()); }, 'not_found', /STT_MODEL/],
    ['429 twice', async () => { server.fail('chat', { kind: 'status', status: 429, retryAfter: '0' }, { kind: 'status', status: 429, retryAfter: '0' }); return collect(new OpenAILanguageModel(endpoint(), 5_000, 5_000).chat([], signal())); }, 'rate_limit', /rate-limited/],
    ['500 twice', async () => { server.fail('speech', { kind: 'status', status: 500 }, { kind: 'status', status: 503 }); return collect(tts().synthesize('x', signal())); }, 'server', /failed on the server \(503/],
    ['a response that never starts', async () => { server.fail('chat', { kind: 'hang' }); return collect(new OpenAILanguageModel(endpoint(), 300, 300).chat([], signal())); }, 'timeout', /did not answer within 0\.3 s/],
    ['a stream cut mid-reply', async () => { server.configure({ reply: 'one two three four five six' }); server.fail('chat', { kind: 'cut' }); return collect(new OpenAILanguageModel(endpoint(), 5_000, 5_000).chat([], signal())); }, 'network', /could not reach|dropped/],
    ['a stream that stalls', async () => { server.configure({ reply: 'one two three four five six' }); server.fail('chat', { kind: 'stall' }); return collect(new OpenAILanguageModel(endpoint(), 5_000, 300).chat([], signal())); }, 'timeout', /did not answer/],
    ['malformed SSE', async () => { server.configure({ reply: 'one two three' }); server.fail('chat', { kind: 'malformed' }); return collect(new OpenAILanguageModel(endpoint(), 5_000, 5_000).chat([], signal())); }, 'bad_response', /could not be read|failed/],
    ['an audio body cut mid-stream', async () => { server.fail('speech', { kind: 'cut' }); return collect(tts().synthesize('a long enough sentence to cut', signal())); }, 'network', /could not reach|dropped/],
    ['an empty audio body', async () => { server.fail('speech', { kind: 'empty' }); return collect(tts().synthesize('x', signal())); }, 'bad_response', /empty audio/],
    ['connection refused', async () => new OpenAISpeechToText(endpoint({ baseURL: `http://127.0.0.1:${await closedPort()}/v1` }), 5_000).transcribe(new Int16Array(320), 16_000, signal()), 'network', /connection refused/],
    ['DNS failure', async () => new OpenAISpeechToText(endpoint({ baseURL: 'http://does-not-exist.invalid/v1' }), 5_000).transcribe(new Int16Array(320), 16_000, signal()), 'network', /could not be resolved/],
  ];

  it.each(cases)('%s gives a clear, specific error and leaves no request running', async (_name, run, kind, message) => {
    const error = await rejection(run(), StageError);
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
    await settled();
    expect(server.openRequests).toBe(0);
  });

  it('honours retry-after once on 429, then succeeds', async () => {
    server.fail('chat', { kind: 'status', status: 429, retryAfter: '0.2' });
    server.configure({ reply: 'ok.' });
    const started = Date.now();
    const events = await collect(new OpenAILanguageModel(endpoint(), 5_000, 5_000).chat([], signal()));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(events.some((e) => e.type === 'delta')).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('cancels the HTTP request when the turn is aborted', async () => {
    server.configure({ reply: 'word '.repeat(200), llmTokenIntervalMs: 20 });
    const controller = new AbortController();
    const llm = new OpenAILanguageModel(endpoint(), 5_000, 5_000);
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const event of llm.chat([], controller.signal)) {
          if (event.type === 'delta') seen.push(event.text);
          if (seen.length === 3) controller.abort();
        }
      })(),
      StageError,
    );
    expect(error.kind).toBe('cancelled');
    await settled();
    expect(server.openRequests).toBe(0);
    expect(server.requests[0]?.aborted).toBe(true);
  });
});
