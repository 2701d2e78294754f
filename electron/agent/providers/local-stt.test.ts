/**
 * Runs the real whisper.cpp addon on a model generated here with random
 * weights (no model can be downloaded in tests): transcripts are gibberish,
 * so the tests check behaviour — loading, threading, abort, errors — not words.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageError } from '../pipeline/stage-error';
import { rejection as rejectionOf } from '../testing/rejection';
import { synthesizeSpeech } from '../testing/synthetic-speech';
import { buildTinyWhisperModel, writeTinyWhisperModel } from '../testing/tiny-whisper-model';
import { LocalSpeechToText } from './local-stt';
import { eventLoopUtilization } from '../testing/event-loop';
import { until } from '../testing/until';

let dir = '';
let modelPath = '';
const opened: LocalSpeechToText[] = [];

/**
 * dispose() waits for a running job up to this long: an abandoned job takes
 * seconds on a loaded two-core machine, more than the app's 5 s default.
 */
const RELEASE_WAIT_MS = 15_000;

function provider(path = modelPath): LocalSpeechToText {
  const stt = new LocalSpeechToText({ modelPath: path, threads: 1, releaseWaitMs: RELEASE_WAIT_MS });
  opened.push(stt);
  return stt;
}

/** One second of noisy tone: long enough for whisper.cpp (it skips < 100 ms). */
function noise(sampleRate = 16_000, seconds = 1): Int16Array {
  const out = new Int16Array(Math.round(sampleRate * seconds));
  let seed = 7;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = Math.round(Math.sin((i * 2 * Math.PI * 220) / sampleRate) * 6000 + ((seed >>> 16) / 65536 - 0.5) * 4000);
  }
  return out;
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, StageError);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-stt-'));
  modelPath = join(dir, 'ggml-random-tiny.bin');
  writeTinyWhisperModel(modelPath);
});

afterAll(async () => {
  await Promise.all(opened.map((stt) => stt.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

describe('LocalSpeechToText', () => {
  it('names itself after the model file', () => {
    const stt = provider();
    expect(stt.provider).toBe('local');
    expect(stt.model).toBe('ggml-random-tiny.bin');
  });

  it('transcribes 16 kHz audio to a string, twice on one loaded model', async () => {
    const stt = provider();
    const first = await stt.transcribe(noise(), 16_000, new AbortController().signal);
    expect(typeof first.text).toBe('string');
    expect(first.language).toBe('en'); // the language it was told, for the span
    const second = await stt.transcribe(noise(), 16_000, new AbortController().signal);
    expect(typeof second.text).toBe('string');
  }, 30_000);

  it('keeps the event loop free while transcribing', async () => {
    const stt = provider();
    await stt.load(); // the synchronous model load is not what is measured here
    const { utilization } = await eventLoopUtilization(() => stt.transcribe(noise(), 16_000, new AbortController().signal));
    // whisper.cpp runs on its own threads: the loop waits for the result, it does not compute it.
    expect(utilization).toBeLessThan(0.5);
  }, 30_000);

  it('returns promptly on abort, and the next transcription still works', async () => {
    const stt = provider();
    await stt.load();
    const controller = new AbortController();
    const running = stt.transcribe(noise(), 16_000, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const error = await rejection(running);
    expect(error.kind).toBe('cancelled');
    // Returned without waiting for whisper.cpp: the job it abandoned (about a second of work) is still running.
    expect(stt.isBusy).toBe(true);

    const next = await stt.transcribe(noise(), 16_000, new AbortController().signal);
    expect(typeof next.text).toBe('string');
  }, 30_000);

  it('gives up at once when aborted while waiting for an abandoned job', async () => {
    const stt = provider();
    await stt.load();
    const first = new AbortController();
    const abandoned = stt.transcribe(noise(), 16_000, first.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    first.abort();
    await rejection(abandoned);
    const second = new AbortController();
    const waiting = stt.transcribe(noise(), 16_000, second.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    second.abort();
    expect((await rejection(waiting)).kind).toBe('cancelled');
    // It gave up while the job it was waiting for still ran.
    expect(stt.isBusy).toBe(true);
    // (Not left running into the next test.)
    await stt.dispose();
    expect(stt.isBusy).toBe(false);
  }, 30_000);

  it('frees the model only after a job abandoned on abort has ended', async () => {
    const stt = provider();
    await stt.load();
    const controller = new AbortController();
    const abandoned = stt.transcribe(noise(), 16_000, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await rejection(abandoned);
    expect(stt.isBusy).toBe(true);
    await stt.dispose();
    expect(stt.isBusy).toBe(false);
  }, 30_000);

  it('gives up a job past its deadline, and wakes the calls waiting behind it', async () => {
    const stt = new LocalSpeechToText({ modelPath, threads: 1, timeoutMs: 300, releaseWaitMs: RELEASE_WAIT_MS });
    opened.push(stt);
    await stt.load();
    const first = stt.transcribe(noise(), 16_000, new AbortController().signal);
    const queued = stt.transcribe(noise(), 16_000, new AbortController().signal);
    // (A second of audio takes whisper.cpp far longer than 300 ms: the deadline ended the call.)
    expect((await rejection(first)).kind).toBe('timeout');
    // The queued call moves on to a freshly loaded model (and meets the same short deadline).
    expect((await rejection(queued)).kind).toBe('timeout');
    await until(() => !stt.isBusy, { what: 'the jobs given up at their deadline to end', timeoutMs: 25_000 });
  }, 60_000);

  it('frees a model given up at its deadline only once the job on it has ended', async () => {
    const stt = new LocalSpeechToText({ modelPath, threads: 1, timeoutMs: 300, releaseWaitMs: RELEASE_WAIT_MS });
    opened.push(stt);
    await stt.load();
    expect((await rejection(stt.transcribe(noise(), 16_000, new AbortController().signal))).kind).toBe('timeout');
    // The job runs on after the call gave up. Freed under it, whisper.cpp never
    // ends the job (or the process dies reading freed memory).
    expect(stt.isBusy).toBe(true);
    await until(() => !stt.isBusy, { what: 'the job given up at its deadline to end', timeoutMs: 25_000 });
  }, 60_000);

  it('keeps a model whose job outlives dispose until the job ends', async () => {
    const stt = new LocalSpeechToText({ modelPath, threads: 1, releaseWaitMs: 0 });
    opened.push(stt);
    await stt.load();
    const controller = new AbortController();
    const abandoned = stt.transcribe(noise(), 16_000, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await rejection(abandoned);
    await stt.dispose();
    expect(stt.isBusy).toBe(true);
    await until(() => !stt.isBusy, { what: 'the abandoned job to end', timeoutMs: 25_000 });
  }, 60_000);

  it('refuses an already aborted call without loading anything', async () => {
    const stt = provider(join(dir, 'never-read.bin'));
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(stt.transcribe(noise(), 16_000, controller.signal))).kind).toBe('cancelled');
  });

  it('resamples other rates: synthesized speech at 22.05 kHz', async () => {
    const { samples, sampleRate } = synthesizeSpeech('Hello there.', { sampleRate: 22_050 });
    const stt = provider();
    const result = await stt.transcribe(samples, sampleRate, new AbortController().signal);
    expect(typeof result.text).toBe('string');
  }, 30_000);

  it('returns an empty transcript for empty audio', async () => {
    const stt = provider();
    expect(await stt.transcribe(new Int16Array(0), 48_000, new AbortController().signal)).toEqual({ text: '' });
  });

  it('reports a missing model file clearly', async () => {
    const path = join(dir, 'ggml-missing.bin');
    const error = await rejection(provider(path).transcribe(noise(), 16_000, new AbortController().signal));
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/does not exist/);
  });

  it('reports a file that is not a whisper model', async () => {
    const path = join(dir, 'not-a-model.bin');
    writeFileSync(path, 'this is a text file, not ggml weights');
    const error = await rejection(provider(path).transcribe(noise(), 16_000, new AbortController().signal));
    expect(error.kind).toBe('not_configured');
    expect(error.message).toMatch(/is not a whisper\.cpp model/);
  });

  it('reports a damaged model with whisper.cpp\'s reason, and loads once the file is fixed', async () => {
    const path = join(dir, 'ggml-truncated.bin');
    const whole = buildTinyWhisperModel();
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const stt = provider(path);
    const error = await rejection(stt.transcribe(noise(), 16_000, new AbortController().signal));
    expect(error.kind).toBe('not_configured');
    expect(error.message).toMatch(/could not be loaded \(whisper_model_load: .*not all tensors loaded/);
    expect(error.message).toMatch(/download it again/);

    writeFileSync(path, whole);
    expect(typeof (await stt.transcribe(noise(), 16_000, new AbortController().signal)).text).toBe('string');
  }, 30_000);

  it('rejects a header that would make whisper.cpp abort the process', async () => {
    const path = join(dir, 'ggml-bad-type.bin');
    const model = buildTinyWhisperModel();
    model.writeInt32LE(99, 4 + 4 * 10); // ftype: no such weight type (a native assertion in ggml)
    writeFileSync(path, model);
    const error = await rejection(provider(path).transcribe(noise(), 16_000, new AbortController().signal));
    expect(error.kind).toBe('not_configured');
    expect(error.message).toMatch(/unknown weight type 99/);
  });

  it('refuses to work after dispose', async () => {
    const stt = provider();
    await stt.load();
    await stt.dispose();
    expect((await rejection(stt.transcribe(noise(), 16_000, new AbortController().signal))).kind).toBe('cancelled');
  });
});
