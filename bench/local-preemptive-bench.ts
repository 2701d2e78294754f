/**
 * Voice-to-voice with preemptive replies off and on when every stage runs on
 * this computer: whisper.cpp and llama.cpp on generated random-weight models
 * (their words are gibberish; their timing is the engines' own on this
 * machine) and the Flite voice. There are no scripted latencies here: what
 * the figures show is what the engines cost and how much of it the silence
 * window hides, and a thrown-away preparation stops a native engine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAME_SAMPLES } from '../shared/audio-format';
import type { PipelineStages } from '../electron/agent/pipeline/turn-run';
import { LocalLanguageModel } from '../electron/agent/providers/local-llm';
import { LocalSpeechToText } from '../electron/agent/providers/local-stt';
import { LocalTextToSpeech, stopLocalTextToSpeech, warmUpLocalTextToSpeech } from '../electron/agent/providers/local-tts';
import { buildTinyModel } from '../electron/agent/testing/tiny-gguf';
import { writeTinyWhisperModel } from '../electron/agent/testing/tiny-whisper-model';
import { BenchClient, benchConfig, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

const SILENCE_MS = 500;
const voiced = () => new Int16Array(FRAME_SAMPLES).fill(2000);
const unvoiced = () => new Int16Array(FRAME_SAMPLES);
const of = (n: number, make: () => Int16Array) => Array.from({ length: n }, make);
/** What ended turns that made no audio. */
const notices = new Set<string>();

/** One spoken turn, the window in real time: ms from the last word to the first audio out, or null when the turn made none. */
async function pacedTurn(client: BenchClient): Promise<number | null> {
  client.resetMarks();
  for (const frame of of(50, voiced)) client.samples(frame);
  await new Promise((resolve) => setImmediate(resolve));
  const stoppedAt = performance.now();
  const window = of(SILENCE_MS / 20, unvoiced);
  const last = window.pop()!;
  await client.paced(window, stoppedAt);
  const started = client.next((e) => e.message.type === 'turn' && e.message.phase === 'start', 60_000);
  client.samples(last);
  const start = await started;
  const stream = start.message.type === 'turn' ? start.message.stream : 0;
  const ended = client.next((e) => e.message.type === 'turn' && e.message.phase === 'end', 120_000);
  const over = client.next((e) => (e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final) || e.message.type === 'notice', 120_000);
  const outcome = await over;
  if (outcome.message.type === 'notice') notices.add(outcome.message.text);
  client.send({ type: 'playback', event: 'started', stream, playedMs: 0 });
  client.send({ type: 'playback', event: 'drained', stream, playedMs: 1 });
  await ended;
  return client.firstAudioAt === null ? null : client.firstAudioAt - stoppedAt;
}

export async function localPreemptiveBench(providers: FakeProviders, reps: number): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-local-'));
  const whisperPath = join(dir, 'ggml-random-tiny.bin');
  const llmPath = join(dir, 'tiny-random.gguf');
  writeTinyWhisperModel(whisperPath);
  writeFileSync(llmPath, buildTinyModel({ seed: 1, contextLength: 8192 }));
  const stt = new LocalSpeechToText({ modelPath: whisperPath, threads: 1 });
  const llm = new LocalLanguageModel({ modelPath: llmPath, threads: 1, contextSize: 8192, maxTokens: 24, temperature: 0 });
  const stages: PipelineStages = { stt, llm, tts: new LocalTextToSpeech() };
  await Promise.all([stt.load(), llm.load(), warmUpLocalTextToSpeech()]);
  const client = (preemptive: boolean) => {
    const config = benchConfig(providers.url, SILENCE_MS);
    config.vad.preemptiveReply = preemptive;
    const c = new BenchClient(stages, config);
    c.send({ type: 'conversation.start' });
    return c;
  };
  const off = client(false);
  const on = client(true);
  const offMs: number[] = [];
  const onMs: number[] = [];
  let silent = 0;
  try {
    for (let i = 0; i < reps + 1; i++) {
      const a = await pacedTurn(off);
      const b = await pacedTurn(on);
      if (i < 1) continue; // warm-up
      if (a === null || b === null) silent++;
      if (a !== null) offMs.push(a);
      if (b !== null) onMs.push(b);
    }
  } finally {
    for (const c of [off, on]) {
      c.send({ type: 'conversation.end' });
      c.session.close();
    }
    await Promise.all([stt.dispose(), llm.dispose(), stopLocalTextToSpeech()]);
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? Number.NaN;
  const note = `on-device engines (whisper.cpp and llama.cpp on random-weight models, 1 thread each; Flite), silence ${SILENCE_MS} ms in real time${silent ? `; ${silent} turns made no audio (${[...notices].join('; ')})` : ''}`;
  return [
    figure('local_voice_to_voice_ms', 'ms', offMs, null, { note: `preemptive replies off, ${note}` }),
    figure('local_voice_to_voice_preemptive_ms', 'ms', onMs, null, { note: `preemptive replies on, same engines, alternating with the above` }),
    figure('local_voice_to_voice_preemptive_ratio', 'ratio', [median(onMs) / median(offMs)], null, { note: 'median on / median off' }),
  ];
}
