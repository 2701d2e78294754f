/**
 * The worker thread that runs Flite for LocalTextToSpeech. One request at a
 * time, in order; each is split into sentences and every sentence's audio is
 * posted as soon as it is ready. Between sentences the worker returns to its
 * event loop so that a cancel is seen, and a cancelled request stops after
 * the sentence in progress. A fresh wasm instance is kept ready so that a
 * sentence costs only its synthesis.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileFlite, FliteRun, splitForSpeech, type FliteModule } from './flite';

export type WorkerRequest = { type: 'synthesize'; id: number; voice: string; text: string } | { type: 'cancel'; id: number };

export type WorkerReply =
  | { type: 'ready' }
  /** `processingMs`: how long Flite took to make these samples. */
  | { type: 'audio'; id: number; samples: Int16Array; sampleRate: number; processingMs: number }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };

export interface WorkerOptions {
  /** A voice to synthesize a short phrase with at start-up, so the first request runs warm. */
  warmVoice?: string;
}

const port = parentPort;
if (!port) throw new Error('local-tts-worker must run in a worker thread.');

const queue: Extract<WorkerRequest, { type: 'synthesize' }>[] = [];
const cancelled = new Set<number>();
let module: FliteModule | null = null;
let spare: FliteRun | null = null;
let draining = false;

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

function takeRun(): FliteRun {
  module ??= compileFlite();
  const run = spare ?? new FliteRun(module);
  spare = null;
  return run;
}

function prepareSpare(): void {
  if (!spare && module) spare = new FliteRun(module);
}

const yieldToMessages = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function drain(): Promise<void> {
  draining = true;
  while (queue.length > 0) {
    const job = queue.shift()!;
    try {
      for (const piece of splitForSpeech(job.text)) {
        if (cancelled.has(job.id)) break;
        const started = performance.now();
        const { samples, sampleRate } = takeRun().synthesize(job.voice, piece);
        const processingMs = performance.now() - started;
        post({ type: 'audio', id: job.id, samples, sampleRate, processingMs }, [samples.buffer as ArrayBuffer]);
        await yieldToMessages();
        if (cancelled.has(job.id)) break;
        prepareSpare();
        await yieldToMessages();
      }
      post({ type: 'done', id: job.id });
    } catch (error) {
      post({ type: 'error', id: job.id, message: error instanceof Error ? error.message : String(error) });
    }
    cancelled.delete(job.id);
    await yieldToMessages();
  }
  prepareSpare();
  draining = false;
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'cancel') {
    cancelled.add(message.id);
    return;
  }
  queue.push(message);
  if (!draining) void drain();
});

const { warmVoice } = (workerData ?? {}) as WorkerOptions;
module = compileFlite();
if (warmVoice) new FliteRun(module).synthesize(warmVoice, 'Ready.');
prepareSpare();
post({ type: 'ready' });
