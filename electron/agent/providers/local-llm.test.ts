/**
 * The local language model on a tiny random-weight GGUF written by the test
 * (see testing/tiny-gguf.ts): its replies are gibberish, so these tests check
 * structure, timing and errors, not content. One inference thread.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationContext } from '../conversation/conversation-context';
import { runTurn, type PipelineStages, type TurnSink } from '../pipeline/turn-run';
import { StageError } from '../pipeline/stage-error';
import type { ChatMessage, LanguageModelEvent, SpeechToText, TextToSpeech } from '../pipeline/stages';
import { rejection } from '../testing/rejection';
import { buildTinyModel } from '../testing/tiny-gguf';
import { until } from '../testing/until';
import { LocalLanguageModel, toHistory, type LocalLanguageModelOptions } from './local-llm';
import { timerTicksDuring } from '../testing/event-loop';

let dir: string;
let modelPath: string;
let llm: LocalLanguageModel;
const options = (extra: Partial<LocalLanguageModelOptions> = {}): LocalLanguageModelOptions => ({
  modelPath,
  threads: 1,
  contextSize: 1024,
  maxTokens: 24,
  temperature: 0,
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-llm-'));
  modelPath = join(dir, 'tiny-random.gguf');
  await writeFile(modelPath, buildTinyModel({ seed: 1 }));
  llm = new LocalLanguageModel(options());
  // The first load also checks the llama.cpp binary once per process (a few seconds).
  await llm.load();
}, 60_000);
afterAll(async () => {
  await llm.dispose();
  await rm(dir, { recursive: true, force: true });
});

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'hello, what time is it?' },
];

async function collect(events: AsyncIterable<LanguageModelEvent>): Promise<{ deltas: string[]; usage: { inputTokens: number; outputTokens: number } | null }> {
  const deltas: string[] = [];
  let usage: { inputTokens: number; outputTokens: number } | null = null;
  for await (const event of events) {
    if (event.type === 'delta') deltas.push(event.text);
    else if (event.type === 'usage') usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
  }
  return { deltas, usage };
}

const failure = (run: Promise<unknown>) => rejection(run, StageError);

/** Starts a long reply, aborts it after `deltasBefore` deltas; returns what was seen and how long the abort took. */
async function abortMidway(model: LocalLanguageModel, deltasBefore: number) {
  const controller = new AbortController();
  const deltas: string[] = [];
  let abortedAt = 0;
  let deltasAfterAbort = 0;
  const error = await failure(
    (async () => {
      for await (const event of model.chat(conversation, controller.signal)) {
        if (event.type !== 'delta') continue;
        if (abortedAt) deltasAfterAbort++;
        deltas.push(event.text);
        if (deltas.length === deltasBefore) {
          abortedAt = performance.now();
          controller.abort(new Error('barge-in'));
        }
      }
    })(),
  );
  return { error, deltas, deltasAfterAbort, abortMs: performance.now() - abortedAt };
}

describe('LocalLanguageModel', () => {
  it('names itself after the file and the local provider', () => {
    expect(llm.provider).toBe('local');
    expect(llm.model).toBe('tiny-random.gguf');
  });

  it('streams a reply as deltas and reports token usage', async () => {
    const { deltas, usage } = await collect(llm.chat(conversation, new AbortController().signal));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('').length).toBeGreaterThan(0);
    // Greedy decoding of this model never picks an end token, so the reply runs to maxTokens.
    expect(usage).toEqual({ inputTokens: expect.any(Number) as number, outputTokens: 24 });
    expect(usage!.inputTokens).toBeGreaterThan(10);
  });

  it('counts the whole conversation as input, through the chat template', async () => {
    const first = await collect(llm.chat(conversation, new AbortController().signal));
    const longer = [...conversation, { role: 'assistant' as const, content: first.deltas.join('') }, { role: 'user' as const, content: 'and now?' }];
    const second = await collect(llm.chat(longer, new AbortController().signal));
    expect(second.usage!.inputTokens).toBeGreaterThan(first.usage!.inputTokens + first.usage!.outputTokens);
  });

  it('offers tools through the chat template: their definitions are in the prompt, and the reply still ends normally', async () => {
    const tools = [
      { name: 'get_current_time', description: 'The current date and time in the user\'s time zone.', parameters: { type: 'object', properties: {} } },
      { name: 'set_timer', description: 'Starts a countdown timer.', parameters: { type: 'object', properties: { seconds: { type: 'number' } }, required: ['seconds'] } },
    ];
    const plain = await collect(llm.chat(conversation, new AbortController().signal));
    const events: LanguageModelEvent[] = [];
    for await (const event of llm.chat(conversation, new AbortController().signal, tools)) events.push(event);
    const usage = events.find((event) => event.type === 'usage');
    expect(usage && usage.type === 'usage' && usage.inputTokens).toBeGreaterThan(plain.usage!.inputTokens + 20);
    const end = events.find((event) => event.type === 'response');
    expect(['stop', 'length', 'tool_calls']).toContain(end?.type === 'response' ? end.finishReason : 'no response event');
    // Whatever the random weights chose, any call made is a well-formed request for an offered tool.
    for (const event of events) {
      if (event.type !== 'tool_call') continue;
      expect(tools.map((tool) => tool.name)).toContain(event.call.name);
      expect(() => JSON.parse(event.call.arguments) as unknown).not.toThrow();
      expect(event.call.id).toMatch(/^call_\d+$/);
    }
  });

  it('stops promptly on abort, and the next turn works', async () => {
    const long = new LocalLanguageModel(options({ maxTokens: 200 }));
    try {
      const aborted = await abortMidway(long, 3);
      expect(aborted.error.kind).toBe('cancelled');
      expect(aborted.deltasAfterAbort).toBe(0);
      const started = performance.now();
      let firstDeltaMs = 0;
      const next = await collect(
        (async function* () {
          for await (const event of long.chat(conversation, new AbortController().signal)) {
            if (!firstDeltaMs && event.type === 'delta') firstDeltaMs = performance.now() - started;
            yield event;
          }
        })(),
      );
      expect(next.usage?.outputTokens).toBe(200);
      expect(next.deltas.length).toBeGreaterThan(1);
      // Promptly: the aborted turn ended in a small part of what generating its other 197 tokens
      // takes on this machine now (both grow alike when the machine is loaded).
      const fullMs = performance.now() - started;
      expect(aborted.abortMs).toBeLessThan(fullMs / 2);
      console.info(
        `abort: the turn ended ${aborted.abortMs.toFixed(2)} ms after the abort; the next turn's first delta came ${firstDeltaMs.toFixed(1)} ms later, all 200 tokens in ${(performance.now() - started).toFixed(0)} ms`,
      );
    } finally {
      await long.dispose();
    }
  });

  it('stops reading a long prompt on abort, between batches, and the next turn works', async () => {
    const long = new LocalLanguageModel(options({ contextSize: 2048, batchSize: 8 }));
    try {
      await long.load();
      const messages: ChatMessage[] = [{ role: 'system', content: 'Be brief and kind. '.repeat(80) }, ...conversation.slice(1)];
      const controller = new AbortController();
      const running = collect(long.chat(messages, controller.signal));
      await new Promise((r) => setTimeout(r, 5));
      controller.abort(new Error('barge-in'));
      const abortedAt = performance.now();
      const error = await failure(running);
      expect(error.kind).toBe('cancelled');
      expect(performance.now() - abortedAt).toBeLessThan(100);
      const next = await collect(long.chat(messages, new AbortController().signal));
      expect(next.usage?.outputTokens).toBe(24);
      expect(next.usage!.inputTokens).toBeGreaterThan(500);
    } finally {
      await long.dispose();
    }
  });

  it('stops generating when the consumer stops reading, and the next turn works', async () => {
    for await (const event of llm.chat(conversation, new AbortController().signal)) if (event.type === 'delta') break;
    const next = await collect(llm.chat(conversation, new AbortController().signal));
    expect(next.usage?.outputTokens).toBe(24);
  });

  it('keeps the event loop free while it generates', async () => {
    const long = new LocalLanguageModel(options({ maxTokens: 400 }));
    try {
      await long.load();
      const { result, ticks, elapsedMs: elapsed } = await timerTicksDuring(() => collect(long.chat(conversation, new AbortController().signal)));
      const { usage } = result;
      expect(usage?.outputTokens).toBe(400);
      // llama.cpp evaluates on its own threads and hands tokens over one by one: the loop serves
      // timers throughout. Generation on the loop would let none run until it ended.
      expect(ticks).toBeGreaterThanOrEqual(5);
      console.info(`event loop: ${ticks} timer ticks in ${elapsed.toFixed(0)} ms; ${((400 / elapsed) * 1000).toFixed(0)} tokens/s (1 thread)`);
    } finally {
      await long.dispose();
    }
  });

  it('loads once, shares the model across turns, unloads on dispose and loads again when used', async () => {
    const own = new LocalLanguageModel(options({ maxTokens: 4 }));
    expect(own.isLoaded).toBe(false);
    await Promise.all([collect(own.chat(conversation, new AbortController().signal)), collect(own.chat(conversation, new AbortController().signal))]);
    expect(own.isLoaded).toBe(true);
    await own.dispose();
    expect(own.isLoaded).toBe(false);
    const again = await collect(own.chat(conversation, new AbortController().signal));
    expect(again.usage?.outputTokens).toBe(4);
    await own.dispose();
  });

  it('refuses a conversation that does not fit the context, with a clear error', async () => {
    const small = new LocalLanguageModel(options({ contextSize: 256 }));
    try {
      const messages: ChatMessage[] = [{ role: 'user', content: 'hello there '.repeat(200) }];
      const error = await failure(collect(small.chat(messages, new AbortController().signal)));
      expect(error.kind).toBe('bad_request');
      expect(error.message).toMatch(/does not fit the local model's context of 256 tokens/);
      // The model stays usable.
      expect((await collect(small.chat(conversation, new AbortController().signal))).usage?.outputTokens).toBe(24);
    } finally {
      await small.dispose();
    }
  });

  it('reports a missing model file clearly', async () => {
    const missing = new LocalLanguageModel(options({ modelPath: join(dir, 'nope.gguf') }));
    const error = await failure(collect(missing.chat(conversation, new AbortController().signal)));
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain('nope.gguf');
    expect(error.message).toMatch(/not found/);
  });

  it('reports a file that is not a GGUF model, or a truncated one, clearly', async () => {
    const notGguf = join(dir, 'notes.gguf');
    await writeFile(notGguf, 'these are not model weights\n'.repeat(100));
    const truncated = join(dir, 'truncated.gguf');
    const whole = buildTinyModel({ seed: 1 });
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    for (const path of [notGguf, truncated]) {
      const model = new LocalLanguageModel(options({ modelPath: path }));
      const error = await failure(collect(model.chat(conversation, new AbortController().signal)));
      expect(error.kind).toBe('bad_request');
      expect(error.message).toMatch(/could not be loaded; is it a complete GGUF model\?/);
      expect(error.message).toMatch(path === notGguf ? /Invalid GGUF magic/ : /not within the file bounds/);
      console.info(`bad file: ${error.message}`);
    }
  });

  it('ends at once when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('barge-in'));
    const error = await failure(collect(llm.chat(conversation, controller.signal)));
    expect(error.kind).toBe('cancelled');
  });
});

describe('LocalLanguageModel in the voice pipeline', () => {
  const stt: SpeechToText = {
    provider: 'test',
    model: 'fixed',
    transcribe: () => Promise.resolve({ text: 'hello, what time is it?' }),
  };
  /** 10 ms of audio every 10 ms, one chunk per 20 characters, stopping on abort. */
  const tts: TextToSpeech = {
    provider: 'test',
    model: 'tone',
    voice: 'none',
    sampleRate: 16_000,
    async *synthesize(text: string, signal: AbortSignal) {
      for (let i = 0; i < Math.max(2, Math.ceil(text.length / 20)); i++) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            clearTimeout(timer);
            reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          };
          const timer = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          }, 10);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        yield new Int16Array(160);
      }
    },
  };
  const sink = (log: string[]): TurnSink => ({
    userText: () => log.push('user'),
    replyText: () => log.push('reply'),
    audio: () => log.push('audio'),
  });
  const newContext = () => new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 500 });

  it('completes a voice turn: transcript, streamed reply, audio, usage', async () => {
    const stages: PipelineStages = { stt, llm, tts };
    const log: string[] = [];
    const result = await runTurn({ input: { kind: 'voice', audio: new Int16Array(16_000) }, stages, context: newContext(), sink: sink(log), signal: new AbortController().signal });
    expect(result.status).toBe('completed');
    expect(result.userText).toBe('hello, what time is it?');
    expect(result.replyText.length).toBeGreaterThan(0);
    expect(result.usage?.outputTokens).toBe(24);
    expect(result.segments.length).toBeGreaterThan(0);
    expect(log.filter((e) => e === 'reply').length).toBeGreaterThan(1);
    expect(log).toContain('audio');
  });

  it('cancels a turn on barge-in, promptly, and the next turn completes', async () => {
    const long = new LocalLanguageModel(options({ maxTokens: 120 }));
    try {
      const stages: PipelineStages = { stt, llm: long, tts };
      const controller = new AbortController();
      const log: string[] = [];
      const running = runTurn({ input: { kind: 'text', text: 'talk to me' }, stages, context: newContext(), sink: sink(log), signal: controller.signal });
      await until(() => log.includes('reply'), { what: 'the first reply text', intervalMs: 1 });
      controller.abort(new Error('barge-in'));
      const abortedAt = performance.now();
      const result = await running;
      const abortMs = performance.now() - abortedAt;
      expect(result.status).toBe('cancelled');
      expect(result.usage).toBeNull();
      const count = log.length;
      await new Promise((r) => setTimeout(r, 50));
      expect(log.length).toBe(count);
      const nextStarted = performance.now();
      const next = await runTurn({ input: { kind: 'text', text: 'again' }, stages: { stt, llm: long, tts }, context: newContext(), sink: sink([]), signal: new AbortController().signal });
      expect(next.status).toBe('completed');
      expect(next.usage?.outputTokens).toBe(120);
      // Promptly: in a small part of what a whole turn takes on this machine now (both grow alike under load).
      expect(abortMs).toBeLessThan((performance.now() - nextStarted) / 2);
      console.info(`pipeline barge-in: turn ended ${abortMs.toFixed(2)} ms after the abort`);
    } finally {
      await long.dispose();
    }
  }, 30_000);
});

describe('toHistory (our messages as node-llama-cpp chat history)', () => {
  it("puts a step's tool calls and their results in the model response they were made in, and goes on with it", () => {
    const history = toHistory([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What time is it, and set a timer for ten minutes.' },
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [
          { id: 'call_a', name: 'get_current_time', arguments: '{}' },
          { id: 'call_b', name: 'set_timer', arguments: '{"seconds":600}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_b', toolName: 'set_timer', content: 'Timer set for 10 minutes.' },
      { role: 'tool', toolCallId: 'call_a', toolName: 'get_current_time', content: '09:41' },
    ]);
    expect(history).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'What time is it, and set a timer for ten minutes.' },
      {
        type: 'model',
        response: [
          'Let me check.',
          { type: 'functionCall', name: 'get_current_time', params: {}, result: '09:41', startsNewChunk: true },
          { type: 'functionCall', name: 'set_timer', params: { seconds: 600 }, result: 'Timer set for 10 minutes.' },
        ],
      },
    ]);
  });

  it('closes a plain reply and opens a new one for the next turn; arguments that are not JSON are kept as text', () => {
    const history = toHistory([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'timer' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'set_timer', arguments: 'ten minutes' }] },
      { role: 'tool', toolCallId: 'call_9', toolName: 'set_timer', content: 'a result for no call here' },
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'hi' },
      { type: 'model', response: ['Hello.'] },
      { type: 'user', text: 'timer' },
      { type: 'model', response: [{ type: 'functionCall', name: 'set_timer', params: 'ten minutes', result: null, startsNewChunk: true }] },
    ]);
    expect(toHistory([{ role: 'user', content: 'hi' }]).at(-1)).toEqual({ type: 'model', response: [] });
  });
});
