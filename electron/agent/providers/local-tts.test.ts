import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageError } from '../pipeline/stage-error';
import { splitForSpeech } from './flite';
import {
  LOCAL_TTS_VOICES,
  LocalTextToSpeech,
  localTextToSpeechWorker,
  stopLocalTextToSpeech,
  warmUpLocalTextToSpeech,
} from './local-tts';
import { collect as collectAll } from '../testing/collect';
import { eventLoopUtilization } from '../testing/event-loop';
import { concatSamples } from '../testing/synthetic-speech';

const SENTENCE = 'The quick brown fox jumps over the lazy dog.';
const PARAGRAPH = [
  'Here is a short summary of the article you asked about.',
  'The city council met on Tuesday evening to discuss the new bicycle lanes, the parking rules, and the budget for next year.',
  'Most members agreed that the lanes should be finished before the summer, although two of them asked for a longer trial.',
  'The budget vote was postponed until the next meeting, which is planned for the second week of March.',
  'Would you like me to read the rest of it, or should I stop here?',
].join(' ');

const never = (): AbortSignal => new AbortController().signal;

const collect = (tts: LocalTextToSpeech, text: string, signal = never()): Promise<Int16Array[]> => collectAll(tts.synthesize(text, signal));

const join = (chunks: Int16Array[]): Int16Array => concatSamples(...chunks);

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe('splitForSpeech', () => {
  it('splits sentences, cuts overlong ones and drops pieces with nothing to say', () => {
    expect(splitForSpeech('  Hello there.  How are you?\nFine!  ')).toEqual(['Hello there.', 'How are you?', 'Fine!']);
    expect(splitForSpeech('... !? ')).toEqual([]);
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitForSpeech(`${long}, and more.`, 100);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.every((piece) => piece.length <= 100)).toBe(true);
    expect(pieces.join(' ')).toBe(`${long}, and more.`);
  });
});

describe('LocalTextToSpeech (Flite in a worker)', () => {
  beforeAll(async () => {
    await warmUpLocalTextToSpeech();
  }, 30_000);
  afterAll(async () => {
    await stopLocalTextToSpeech();
  });

  it('exports its voices and describes itself', () => {
    expect(LOCAL_TTS_VOICES.map((voice) => voice.id)).toEqual(['slt', 'rms', 'awb', 'kal16', 'kal']);
    const tts = new LocalTextToSpeech();
    expect(tts.provider).toBe('local');
    expect(tts.model).toBe('flite 0.1.1');
    expect(tts.voice).toBe('slt');
    expect(tts.sampleRate).toBe(16_000);
    expect(new LocalTextToSpeech({ voice: 'kal' }).sampleRate).toBe(8_000);
  });

  it.each(['slt', 'rms'])('speaks a sentence with voice %s at the declared sample rate', async (voice) => {
    const tts = new LocalTextToSpeech({ voice });
    const audio = join(await collect(tts, SENTENCE));
    const seconds = audio.length / tts.sampleRate;
    // Nine words at a normal speaking rate: about 2.5 s, with Flite's pauses.
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(5);
    expect(rms(audio)).toBeGreaterThan(500);
    // The quietest tenth of 20 ms frames is near silence: speech has pauses, not noise.
    const frame = tts.sampleRate / 50;
    const levels: number[] = [];
    for (let i = 0; i + frame <= audio.length; i += frame) levels.push(rms(audio.subarray(i, i + frame)));
    levels.sort((a, b) => a - b);
    expect(levels[Math.floor(levels.length / 10)]!).toBeLessThan(rms(audio) / 5);
  }, 20_000);

  it('gives different voices different audio', async () => {
    const [a, b] = await Promise.all([
      collect(new LocalTextToSpeech({ voice: 'slt' }), 'Good morning.').then(join),
      collect(new LocalTextToSpeech({ voice: 'awb' }), 'Good morning.').then(join),
    ]);
    expect(a.length).not.toBe(b.length);
  }, 20_000);

  it('keeps the event loop responsive while it synthesizes', async () => {
    const tts = new LocalTextToSpeech({ voice: 'slt' });
    let samples = 0;
    const { utilization } = await eventLoopUtilization(async () => {
      for (const chunk of await collect(tts, PARAGRAPH)) samples += chunk.length;
    });
    expect(samples / tts.sampleRate).toBeGreaterThan(20);
    // Synthesis on the loop would keep it busy nearly all the time; in the worker the loop only takes the chunks.
    expect(utilization).toBeLessThan(0.5);
  }, 30_000);

  it('streams a paragraph sentence by sentence with plausible length', async () => {
    const tts = new LocalTextToSpeech({ voice: 'kal16' });
    const started = performance.now();
    let firstAt = 0;
    const chunks: Int16Array[] = [];
    for await (const chunk of tts.synthesize(PARAGRAPH, never())) {
      if (chunks.length === 0) firstAt = performance.now() - started;
      chunks.push(chunk);
    }
    const total = performance.now() - started;
    expect(chunks.length).toBe(splitForSpeech(PARAGRAPH).length);
    const seconds = join(chunks).length / tts.sampleRate;
    // 94 words: roughly 25-45 s of speech.
    expect(seconds).toBeGreaterThan(20);
    expect(seconds).toBeLessThan(50);
    expect(firstAt).toBeLessThan(total);
  }, 30_000);

  it('stops promptly when aborted mid-synthesis, and the next call still works', async () => {
    const tts = new LocalTextToSpeech({ voice: 'slt' });
    const controller = new AbortController();
    let abortedAt = 0;
    let received = 0;
    const error = await (async () => {
      for await (const chunk of tts.synthesize(PARAGRAPH, controller.signal)) {
        received += chunk.length;
        abortedAt = performance.now();
        controller.abort();
      }
    })().then(
      () => null,
      (caught: unknown) => caught,
    );
    const endedAfter = performance.now() - abortedAt;
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).kind).toBe('cancelled');
    expect(received).toBeGreaterThan(0);
    expect(endedAfter).toBeLessThan(20);

    // Abort while waiting for the first audio.
    const early = new AbortController();
    const pending = collect(tts, PARAGRAPH, early.signal);
    setTimeout(() => early.abort(), 5);
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });

    const started = performance.now();
    const audio = join(await collect(tts, SENTENCE));
    expect(audio.length / tts.sampleRate).toBeGreaterThan(1.5);
    expect(rms(audio)).toBeGreaterThan(500);
    expect(performance.now() - started).toBeLessThan(2_000);
  }, 30_000);

  it('rejects an already aborted signal without synthesizing', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(new LocalTextToSpeech(), SENTENCE, controller.signal)).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('yields nothing for empty, blank or punctuation-only text', async () => {
    const tts = new LocalTextToSpeech();
    expect(await collect(tts, '')).toEqual([]);
    expect(await collect(tts, '  \n\t ')).toEqual([]);
    expect(await collect(tts, ' ... ')).toEqual([]);
  });

  it('refuses an unknown voice at construction, listing the valid ones', () => {
    const attempt = (): LocalTextToSpeech => new LocalTextToSpeech({ voice: 'alloy' });
    expect(attempt).toThrow(StageError);
    expect(attempt).toThrow(/no local voice "alloy".*slt, rms, awb, kal16, kal/);
  });

  it('reports a crashed worker clearly and restarts it on the next call', async () => {
    const tts = new LocalTextToSpeech({ voice: 'slt' });
    const running = collect(tts, PARAGRAPH);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const worker = localTextToSpeechWorker();
    expect(worker).not.toBeNull();
    await worker!.terminate();
    await expect(running).rejects.toMatchObject({ kind: 'server', message: expect.stringMatching(/local Flite engine stopped unexpectedly/) });

    const audio = join(await collect(tts, SENTENCE));
    expect(rms(audio)).toBeGreaterThan(500);
    expect(localTextToSpeechWorker()).not.toBe(worker);
  }, 30_000);
});
