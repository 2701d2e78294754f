/**
 * Offline speech-to-text with whisper.cpp, through the prebuilt N-API addon of
 * whisper.node (`@fugood/node-whisper-<platform>-<arch>`, CPU build). Takes
 * whisper.cpp's ggml model files (ggml-tiny.en.bin and the like).
 *
 * How the addon behaves, and what follows here:
 * - Transcription runs on a libuv pool thread; the event loop stays free.
 * - Loading the model is synchronous on the calling thread (whisper.cpp reads
 *   and unpacks the file; a few hundred ms for a 75 MB model). It happens once,
 *   on the first transcription or on `load()`, which a host can call early.
 * - A running transcription cannot be interrupted: the addon's stop() only
 *   flags the job, and a stopped job's promise never settles. So on abort the
 *   call returns at once and the job is left to finish in the background,
 *   unstopped, so that its end is seen; the next transcription waits for it
 *   (the addon runs one job per model at a time). Decoding uses one greedy
 *   pass per 30 s window (no temperature fallback) to keep that wait short.
 * - A job that fails natively never settles either; a deadline ends the call
 *   and the model is reloaded for the next one.
 * - A context is never freed, nor left for the garbage collector, while a job
 *   runs on it: whisper.cpp would go on reading freed memory, and the process
 *   dies ("terminate called after throwing an instance of 'std::system_error'")
 *   or hangs. A context given up under a job is freed when that job ends.
 */
import { open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { StreamingResampler } from '../../../shared/resampler';
import { MODEL_SOURCE, type ModelSource } from '../../../shared/telemetry';
import { errorMessage, formatSeconds } from '../util/network-errors';
import { untilAborted } from '../util/abort';
import { StageError } from '../pipeline/stage-error';
import type { ModelLoadObserver, SpeechToText, Transcript } from '../pipeline/stages';

export interface LocalSpeechToTextOptions {
  /** Path of a whisper.cpp ggml model file, e.g. …/ggml-tiny.en.bin. */
  modelPath: string;
  /** CPU threads for one transcription. Default: min(4, available cores). */
  threads?: number;
  /** Spoken language ("en", "de", … or "auto"). English-only models ignore it. Default "en". */
  language?: string;
  /** Longest a transcription may take before it is given up. Default 60 s. */
  timeoutMs?: number;
  /** Longest dispose() waits for a running job before it leaves the model to be freed when the job ends. Default 5 s. */
  releaseWaitMs?: number;
  /** Where the model file came from (for its load's span). Default: a file the user gave. */
  source?: ModelSource;
  /** Told of each load of the model. */
  onModelLoad?: ModelLoadObserver;
}

interface TranscribeJob {
  stop(): Promise<void>;
  promise: Promise<{ result: string; isAborted: boolean }>;
}

interface NativeWhisperContext {
  transcribeData(pcm16: ArrayBuffer, options: Record<string, unknown>): TranscribeJob;
  release(): Promise<void>;
}

interface WhisperAddon {
  WhisperContext: {
    new (options: { filePath: string; useGpu: boolean }): NativeWhisperContext;
    toggleNativeLog(enable: boolean, callback?: (level: string, text: string) => void): void;
  };
}

const SAMPLE_RATE = 16_000;
const GGML_MAGIC = 0x67676d6c;
/** Magic and the 11 hyperparameters. */
const HEADER_BYTES = 4 + 11 * 4;
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long dispose() waits, by default, for a running job to end before it returns. */
const RELEASE_WAIT_MS = 5_000;

export class LocalSpeechToText implements SpeechToText {
  readonly provider = 'local';
  readonly model: string;
  private readonly modelPath: string;
  private readonly threads: number;
  private readonly language: string;
  private readonly timeoutMs: number;
  private readonly releaseWaitMs: number;
  private readonly source: ModelSource;
  private readonly onModelLoad: ModelLoadObserver | undefined;
  private context: NativeWhisperContext | null = null;
  private loading: Promise<NativeWhisperContext> | null = null;
  /** Settles when the native job last submitted has ended. */
  private previousJob: Promise<unknown> = Promise.resolve();
  /** Resolves when the current context is dropped, ending the wait for its jobs. */
  private released = signalled();
  private disposed = false;
  /** The native job running now, if any: the context is not released under it. */
  private running: TranscribeJob | null = null;

  constructor(options: LocalSpeechToTextOptions) {
    this.modelPath = options.modelPath;
    this.model = basename(options.modelPath);
    this.threads = Math.max(1, Math.floor(options.threads ?? Math.min(4, availableParallelism())));
    this.language = options.language ?? 'en';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.releaseWaitMs = options.releaseWaitMs ?? RELEASE_WAIT_MS;
    this.source = options.source ?? MODEL_SOURCE.userFile;
    this.onModelLoad = options.onModelLoad;
  }

  /** Whether a native job is running now (one abandoned on abort included). */
  get isBusy(): boolean {
    return this.running !== null;
  }

  /** Loads the model now (otherwise the first transcription does). */
  async load(): Promise<void> {
    await this.getContext();
  }

  async transcribe(audio: Int16Array, sampleRate: number, signal: AbortSignal): Promise<Transcript> {
    if (signal.aborted) throw cancelled();
    const context = await this.getContext();
    if (signal.aborted) throw cancelled();
    const pcm = toPcm16k(audio, sampleRate);
    if (pcm.byteLength === 0) return { text: '' };
    // One job at a time: wait for the one before (possibly abandoned) to end.
    for (;;) {
      const previous = this.previousJob;
      await untilAborted(previous, signal, cancelled);
      if (this.disposed) throw disposedError();
      if (this.previousJob === previous) break;
    }
    if (this.context !== context) return this.transcribe(audio, sampleRate, signal);

    const submitted = performance.now();
    const job = context.transcribeData(pcm, { language: this.language, maxThreads: this.threads, temperatureInc: 0 });
    this.running = job;
    const clear = () => {
      if (this.running === job) this.running = null;
    };
    job.promise.then(clear, clear);
    const ended = Promise.race([
      job.promise.then(
        (result) => ({ result, processingMs: performance.now() - submitted }),
        (error: unknown) => ({ error }),
      ),
      this.released.promise.then(() => ({ error: new Error('the model was released') })),
    ]);
    this.previousJob = ended;

    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)));
    try {
      const outcome = await untilAborted(Promise.race([ended, deadline]), signal, cancelled);
      if (outcome === 'timeout') {
        this.discard(context, job);
        throw new StageError('stt', 'timeout', `Speech-to-text (local whisper) did not finish within ${formatSeconds(this.timeoutMs)}. Try again; the model is reloaded.`);
      }
      if (this.disposed) throw disposedError();
      if ('error' in outcome) throw new StageError('stt', 'bad_response', `Speech-to-text (local whisper) failed: ${errorMessage(outcome.error)}.`, { cause: outcome.error });
      if (outcome.result.isAborted) throw cancelled();
      // The language it was told (not detected): known unless it was left to the model.
      return { text: outcome.result.result.trim(), ...(this.language === 'auto' ? {} : { language: this.language }), processingMs: outcome.processingMs };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Frees the model. A transcription still running (abandoned on abort) is
   * waited for first, bounded: freeing whisper.cpp's context under a job
   * that is still reading it can crash the process. (Not stopped: a stopped
   * job's promise never settles.) A job still running after the wait keeps
   * the model until it ends; one that never ends keeps it for good.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.released.resolve();
    const context = this.context ?? (await this.loading?.catch(() => null)) ?? null;
    this.context = null;
    this.loading = null;
    if (!context) return;
    const job = this.running;
    if (job) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([job.promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, this.releaseWaitMs)))]);
      clearTimeout(timer);
      if (this.running === job) {
        freeAfter(context, job);
        return;
      }
    }
    await context.release();
    releaseNativeLog();
  }

  private getContext(): Promise<NativeWhisperContext> {
    if (this.disposed) return Promise.reject(disposedError());
    if (this.context) return Promise.resolve(this.context);
    this.loading ??= this.loadContext().then(
      (context) => {
        this.loading = null;
        if (this.disposed) {
          void context.release().then(releaseNativeLog);
          throw disposedError();
        }
        this.context = context;
        return context;
      },
      (error: unknown) => {
        // A later call tries again: the file may have been fixed meanwhile.
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }

  private async loadContext(): Promise<NativeWhisperContext> {
    const sizeBytes = await checkModelFile(this.modelPath);
    const loaded = this.onModelLoad?.({ stage: 'stt', engine: 'whisper.cpp', model: this.model, source: this.source, sizeBytes });
    try {
      const context = await this.createContext();
      loaded?.();
      return context;
    } catch (error) {
      loaded?.(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  private async createContext(): Promise<NativeWhisperContext> {
    const addon = loadAddon();
    const log = captureNativeLog(addon);
    try {
      return new addon.WhisperContext({ filePath: this.modelPath, useGpu: false });
    } catch (error) {
      // The addon delivers whisper.cpp's log lines to this thread a few ticks later.
      for (let waited = 0; waited < 200 && !log.lastError(); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      const reason = log.lastError() ?? errorMessage(error);
      releaseNativeLog();
      throw new StageError('stt', 'not_configured', `Speech-to-text: the whisper model ${this.modelPath} could not be loaded (${reason}). The file may be damaged or incomplete: download it again.`, { cause: error });
    }
  }

  /** Drops a context whose job did not end in time; the next call loads the model again. */
  private discard(context: NativeWhisperContext, job: TranscribeJob): void {
    if (this.context !== context) return;
    this.context = null;
    this.released.resolve();
    this.released = signalled();
    this.previousJob = Promise.resolve();
    freeAfter(context, job);
  }
}

/** Contexts given up while a job ran on them, held here until it ends. */
const retired = new Set<NativeWhisperContext>();

/** Frees `context` once `job` has ended (whichever way); kept reachable until then. */
function freeAfter(context: NativeWhisperContext, job: TranscribeJob): void {
  retired.add(context);
  const free = () => {
    retired.delete(context);
    void context.release().then(releaseNativeLog);
  };
  job.promise.then(free, free);
}

/** Checks the file is a whisper.cpp model; returns its size in bytes. */
async function checkModelFile(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile())
    throw new StageError('stt', 'not_found', `Speech-to-text: the whisper model file ${path} does not exist. Download a whisper.cpp model (e.g. ggml-tiny.en.bin) and set its path.`);
  const header = Buffer.alloc(HEADER_BYTES);
  const file = await open(path, 'r');
  try {
    await file.read(header, 0, HEADER_BYTES, 0);
  } finally {
    await file.close();
  }
  if (info.size < HEADER_BYTES || header.readUInt32LE(0) !== GGML_MAGIC)
    throw new StageError('stt', 'not_configured', `Speech-to-text: ${path} is not a whisper.cpp model (ggml-*.bin). Download a whisper.cpp model such as ggml-tiny.en.bin.`);
  const problem = hyperparameterProblem(header);
  if (problem)
    throw new StageError('stt', 'not_configured', `Speech-to-text: the whisper model ${path} is damaged or of an unsupported kind (${problem}). Download a whisper.cpp model such as ggml-tiny.en.bin.`);
  return info.size;
}

/**
 * Checks the header before whisper.cpp sees it: some bad values there (an
 * unknown weight type, for one) end the whole process in a native assertion
 * instead of failing the load.
 */
function hyperparameterProblem(header: Buffer): string | null {
  const [nVocab, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nTextCtx, nTextState, nTextHead, nTextLayer, nMels, ftype] = Array.from(
    { length: 11 },
    (_, i) => header.readInt32LE(4 + 4 * i),
  ) as [number, number, number, number, number, number, number, number, number, number, number];
  const weightType = ftype % 1000;
  if (ftype < 0 || !(weightType <= 3 || (weightType >= 7 && weightType <= 27))) return `unknown weight type ${ftype}`;
  if (nVocab < 51864 || nVocab > 52000) return `vocabulary size ${nVocab}`;
  if (nMels !== 80 && nMels !== 128) return `${nMels} mel bands`;
  if (nAudioState !== nTextState || nAudioState <= 0 || nAudioState > 8192) return `model width ${nAudioState}/${nTextState}`;
  if (nAudioHead <= 0 || nTextHead <= 0 || nAudioState % nAudioHead !== 0 || nTextState % nTextHead !== 0) return 'attention heads';
  if (nAudioLayer <= 0 || nTextLayer <= 0 || nAudioLayer > 64 || nTextLayer > 64) return 'layer count';
  if (nAudioCtx <= 0 || nAudioCtx > 1500 || nTextCtx <= 0 || nTextCtx > 448) return 'context size';
  return null;
}

let addon: WhisperAddon | null = null;

function loadAddon(): WhisperAddon {
  if (addon) return addon;
  const name = `@fugood/node-whisper-${process.platform}-${process.arch}`;
  try {
    const require = createRequire(import.meta.url);
    addon = require(name) as WhisperAddon;
    return addon;
  } catch (error) {
    throw new StageError('stt', 'not_configured', `Local speech-to-text is not available on ${process.platform}-${process.arch}: ${name} could not be loaded (${errorMessage(error)}).`, { cause: error });
  }
}

/**
 * whisper.cpp logs to stderr unless a callback is set. The callback is
 * process-wide and keeps the event loop referenced, so it is installed while
 * at least one model is loaded (or loading) and removed after the last.
 */
let logUsers = 0;
/** The first error whisper.cpp logged since the last load began: the most specific one. */
let lastNativeError: string | null = null;

function captureNativeLog(binding: WhisperAddon): { lastError(): string | null } {
  if (logUsers++ === 0) {
    binding.WhisperContext.toggleNativeLog(true, (level, text) => {
      if (level === 'error') lastNativeError ??= text.trim();
    });
  }
  lastNativeError = null;
  return { lastError: () => lastNativeError };
}

function releaseNativeLog(): void {
  if (logUsers === 0) return;
  if (--logUsers === 0) addon?.WhisperContext.toggleNativeLog(false);
}

/** PCM16 at 16 kHz in its own ArrayBuffer, as the addon takes it. */
function toPcm16k(audio: Int16Array, sampleRate: number): ArrayBuffer {
  if (sampleRate === SAMPLE_RATE) return audio.slice().buffer;
  const input = new Float32Array(audio.length);
  for (let i = 0; i < audio.length; i++) input[i] = (audio[i] ?? 0) / 32768;
  const resampled = new StreamingResampler(sampleRate, SAMPLE_RATE).process(input);
  const out = new Int16Array(resampled.length);
  for (let i = 0; i < resampled.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round((resampled[i] ?? 0) * 32768)));
  return out.buffer;
}

/** A promise with its resolve function (Promise.withResolvers is ES2024, past the ES2023 library the project compiles against). */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function cancelled(): StageError {
  return new StageError('stt', 'cancelled', 'Speech-to-text was cancelled.');
}

function disposedError(): StageError {
  return new StageError('stt', 'cancelled', 'Speech-to-text was shut down.');
}
