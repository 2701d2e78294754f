/**
 * One turn of the conversation, end to end, as an object (`TurnRun`) whose
 * `run()` reads like this diagram:
 *
 *   audio ──STT──▶ user text ──context──▶ LLM ──sentences──▶ TTS ──▶ audio chunks
 *
 * The LLM and TTS run concurrently: the first phrase is synthesised as soon as
 * it is a natural phrase, each later sentence as soon as it is complete, while
 * the model keeps generating the next one. Everything
 * stops when `signal` fires (barge-in, End, a new message): the HTTP requests
 * are cancelled and no audio is emitted after that.
 *
 * Each stage request is reported as events (started, first output, usage,
 * cancelled or failed, ended) to `emit`; observers make spans of them. Each
 * provider call runs inside `scope` for its stage, so that what the provider
 * starts belongs to that stage.
 */
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { AsyncQueue } from '../util/async-queue';
import { PhraseSplitter } from './phrase-splitter';
import { SentenceSplitter } from './sentence-splitter';
import type { SpokenSegment } from './spoken-text';
import { StageError } from './stage-error';
import type { ChatMessage, LanguageModel, ServerAddress, SpeechToText, SynthesisTimingSink, TextToSpeech, TokenUsage, ToolCallRequest } from './stages';
import type { ToolSpec } from '../tools/tool';
import type { ToolCallResult, TurnTools } from './tool-calls';
import { converse, type ModelStep } from './tool-rounds';
import { eventTime, unscoped, type StageEvent, type StageEventSink, type StageScope } from './turn-events';

export interface PipelineStages {
  stt: SpeechToText;
  llm: LanguageModel;
  tts: TextToSpeech;
  /** The tools the model may call in this turn (none when absent). */
  tools?: TurnTools;
}

/** An announcement is the assistant's own words (a timer that ended): spoken as they are, with no model. */
export type TurnInput = { kind: 'voice'; audio: Int16Array } | { kind: 'text'; text: string } | { kind: 'announcement'; text: string };

/** The conversation as the turn needs it: the user's words go in, the messages for the model come out. */
export interface TurnContext {
  addUser(text: string): void;
  aggregate(): AggregatedContext;
}

export interface AggregatedContext {
  messages: ChatMessage[];
  /** History messages left out to stay within the limits. */
  dropped: number;
  estimatedTokens: number;
}

/** Where a turn's results go, as they happen. */
export interface TurnSink {
  userText(text: string): void;
  /** The reply so far (the whole text, not a delta). */
  replyText(text: string): void;
  audio(samples: Int16Array, sampleRate: number): void;
  /** Tool calls running longer than about a second, by name; empty when none is. */
  toolsRunning?(names: readonly string[]): void;
  /** The calls of the turn so far, after each step. */
  toolCalls?(calls: readonly ToolCallResult[]): void;
  /** Something the user should be told once (the model refused tools). */
  notice?(text: string): void;
}

export interface TurnResult {
  status: 'completed' | 'cancelled' | 'failed';
  error?: StageError;
  userText: string | null;
  replyText: string;
  /** Sentences and their audio length, in order: what can have been heard. */
  segments: SpokenSegment[];
  usage: TokenUsage | null;
  /** The tool calls the model made, in order. */
  toolCalls: ToolCallResult[];
}

export interface TurnRunOptions {
  input: TurnInput;
  stages: PipelineStages;
  context: TurnContext;
  sink: TurnSink;
  signal: AbortSignal;
  /** Filled as sentences are synthesised, so that an interrupter can see what was sent. */
  segments?: SpokenSegment[];
  /** Where the stages' events go and the scope their provider calls run in; nothing is recorded without. */
  observer?: Partial<StageObserver>;
}

/** Runs one turn to its result (never rejects: a failure is the result's `error`). */
export function runTurn(options: TurnRunOptions): Promise<TurnResult> {
  return new TurnRun(options).run();
}

export class TurnRun {
  private readonly result: TurnResult;
  private readonly observer: StageObserver;
  /** Aborted with the turn's signal, and when one stage fails: a failure in one stage stops the others. */
  private readonly local = new AbortController();
  /** The first stage failure: the others then see "cancelled", and this is what the turn reports. */
  private firstFailure: unknown = null;

  constructor(private readonly options: TurnRunOptions) {
    this.result = { status: 'completed', userText: null, replyText: '', segments: options.segments ?? [], usage: null, toolCalls: [] };
    this.observer = { emit: options.observer?.emit ?? ignoreEvents, scope: options.observer?.scope ?? unscoped };
  }

  async run(): Promise<TurnResult> {
    const { input, signal } = this.options;
    const onAbort = () => this.local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (input.kind === 'announcement') await this.announce(input.text);
      else await this.reply(input.kind === 'text' ? input.text : await this.transcribe(input.audio));
      if (this.firstFailure) throw this.firstFailure;
      this.local.signal.throwIfAborted();
      return this.result;
    } catch (error) {
      if (signal.aborted) return { ...this.result, status: 'cancelled' };
      // When one stage fails the others see "cancelled": report the first failure.
      const cause = this.firstFailure ?? error;
      const stageError = cause instanceof StageError ? cause : new StageError('llm', 'bad_response', `The turn failed: ${String(cause)}`, { cause });
      return { ...this.result, status: 'failed', error: stageError };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.local.abort(new Error('turn finished'));
    }
  }

  /** The user's words into the context, the model's sentences into TTS as they come, tool rounds between. */
  private async reply(userText: string): Promise<void> {
    const { stages, context, sink } = this.options;
    const signal = this.local.signal;
    signal.throwIfAborted();
    if (!userText.trim()) throw new StageError('stt', 'empty', "Sorry, I didn't catch that (the transcript was empty). Please say it again.");
    this.result.userText = userText;
    sink.userText(userText);
    context.addUser(userText);
    const { messages, dropped, estimatedTokens } = context.aggregate();
    this.observer.emit({ type: 'context.aggregated', at: eventTime(), messages: messages.length, dropped, estimatedTokens });

    const sentences = new AsyncQueue<string>();
    const speaking = this.speak(sentences).catch((error: unknown) => {
      this.firstFailure ??= error;
      this.local.abort(new Error('text-to-speech failed'));
    });
    const step: ModelStep = (history, tools) => this.generate(history, tools, sentences);
    try {
      await converse(messages, stages.tools, step, { signal, emit: this.observer.emit, sink, calls: this.result.toolCalls });
    } finally {
      sentences.end();
    }
    await speaking;
  }

  private async transcribe(audio: Int16Array): Promise<string> {
    const { stt } = this.options.stages;
    const audioSeconds = Math.round((audio.length / INPUT_SAMPLE_RATE) * 100) / 100;
    const started: StageEvent = { type: 'stage.started', at: eventTime(), stage: 'stt', provider: stt.provider, model: stt.model, ...serverOf(stt), audioSeconds };
    return inStage(this.observer, started, () => false, async (report) => {
      const { text, language, processingMs } = await stt.transcribe(audio, INPUT_SAMPLE_RATE, this.local.signal);
      this.observer.emit({ type: 'stage.first_output', at: eventTime(), stage: 'stt' });
      if (processingMs !== undefined) this.observer.emit({ type: 'stage.engine', at: eventTime(), stage: 'stt', processingMs, audioSeconds: audio.length / INPUT_SAMPLE_RATE });
      report.output = text;
      if (language) report.language = language;
      return text;
    });
  }

  /**
   * Streams one model request's reply, handing each sentence on to TTS as soon
   * as it is complete; returns its text and the tool calls it asked for.
   */
  private async generate(messages: readonly ChatMessage[], tools: readonly ToolSpec[], sentences: AsyncQueue<string>): Promise<{ text: string; calls: ToolCallRequest[] }> {
    const { llm } = this.options.stages;
    const { sink } = this.options;
    const { emit } = this.observer;
    const { result } = this;
    const signal = this.local.signal;
    const started: StageEvent = {
      type: 'stage.started',
      at: eventTime(),
      stage: 'llm',
      provider: llm.provider,
      model: llm.model,
      ...serverOf(llm),
      ...(llm.request ? { request: llm.request } : {}),
      messages,
      ...(tools.length ? { tools } : {}),
    };
    // When TTS failed first, the model was only stopped: that is not its failure.
    return inStage(this.observer, started, () => signal.aborted && this.firstFailure !== null, async (report) => {
      const splitter = new PhraseSplitter();
      const calls: ToolCallRequest[] = [];
      let text = '';
      for await (const event of llm.chat(messages, signal, tools.length ? tools : undefined)) {
        if (event.type === 'usage') {
          const { type: _type, ...usage } = event;
          // A turn with tool steps makes several requests: its usage is their sum.
          result.usage = result.usage ? addUsage(result.usage, usage) : usage;
          emit({ type: 'stage.usage', at: eventTime(), stage: 'llm', ...usage });
          continue;
        }
        if (event.type === 'response') {
          const { type: _type, ...response } = event;
          emit({ type: 'stage.response', at: eventTime(), stage: 'llm', ...response });
          continue;
        }
        if (event.type === 'engine') {
          const { type: _type, ...timing } = event;
          emit({ type: 'stage.engine', at: eventTime(), stage: 'llm', ...timing });
          continue;
        }
        if (event.type === 'tools_unsupported') {
          sink.notice?.(event.message);
          continue;
        }
        if (!text && calls.length === 0) emit({ type: 'stage.first_output', at: eventTime(), stage: 'llm' });
        if (event.type === 'tool_call') {
          calls.push(event.call);
          continue;
        }
        // Text after a tool step continues the reply: keep the words apart.
        const delta = !text && result.replyText && !/\s$/.test(result.replyText) && !/^\s/.test(event.text) ? ` ${event.text}` : event.text;
        text += delta;
        result.replyText += delta;
        sink.replyText(result.replyText);
        for (const phrase of splitter.push(delta, eventTime())) sentences.push(phrase);
      }
      const last = splitter.flush();
      if (last) sentences.push(last);
      report.output = text;
      if (calls.length) report.toolCalls = calls;
      return { text, calls };
    });
  }

  /** Speaks the assistant's own words, sentence by sentence, with no model. */
  private async announce(text: string): Promise<void> {
    this.result.replyText = text;
    this.options.sink.replyText(text);
    const sentences = new AsyncQueue<string>();
    const splitter = new SentenceSplitter();
    for (const sentence of splitter.push(text)) sentences.push(sentence);
    const last = splitter.flush();
    if (last) sentences.push(last);
    sentences.end();
    await this.speak(sentences);
  }

  /** One TTS request per sentence: each is its own request with its own latency. */
  private async speak(sentences: AsyncQueue<string>): Promise<void> {
    const { tts } = this.options.stages;
    const { sink } = this.options;
    const signal = this.local.signal;
    for (;;) {
      const sentence = await sentences.next(signal);
      if (sentence === null) return;
      const segment: SpokenSegment = { text: sentence, samples: 0 };
      this.result.segments.push(segment);
      const started: StageEvent = {
        type: 'stage.started',
        at: eventTime(),
        stage: 'tts',
        provider: tts.provider,
        model: tts.model,
        ...serverOf(tts),
        voice: tts.voice,
        text: sentence,
      };
      await inStage(this.observer, started, () => signal.aborted, async (report) => {
        report.audioSeconds = 0;
        // Reported once the sentence is made, for the audio made.
        const timing: SynthesisTimingSink = ({ processingMs }) =>
          this.observer.emit({ type: 'stage.engine', at: eventTime(), stage: 'tts', processingMs, audioSeconds: segment.samples / tts.sampleRate });
        for await (const chunk of tts.synthesize(sentence, signal, timing)) {
          signal.throwIfAborted();
          if (segment.samples === 0) this.observer.emit({ type: 'stage.first_output', at: eventTime(), stage: 'tts' });
          segment.samples += chunk.length;
          report.audioSeconds = Math.round((segment.samples / tts.sampleRate) * 100) / 100;
          sink.audio(chunk, tts.sampleRate);
        }
      });
    }
  }
}

/** What a stage's `stage.ended` event reports, filled in by the stage as it learns it. */
interface StageReport {
  output?: string;
  /** The tool calls the model asked for (a chat request). */
  toolCalls?: readonly ToolCallRequest[];
  language?: string;
  audioSeconds?: number;
}

/** Where a stage reports its events, and the scope its provider call runs in. */
export interface StageObserver {
  emit: StageEventSink;
  scope: StageScope;
}

function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum = (x: number | undefined, y: number | undefined) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const cacheReadTokens = sum(a.cacheReadTokens, b.cacheReadTokens);
  const reasoningTokens = sum(a.reasoningTokens, b.reasoningTokens);
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    ...(cacheReadTokens === undefined ? {} : { cacheReadTokens }),
    ...(reasoningTokens === undefined ? {} : { reasoningTokens }),
  };
}

function serverOf(stage: { server?: ServerAddress }): { server?: ServerAddress } {
  return stage.server ? { server: stage.server } : {};
}

/**
 * Runs one stage request between its `stage.started` and `stage.ended`
 * events; a failure is reported as cancelled when the stage was only stopped
 * (`wasStopped`, or the provider said so), as failed otherwise, and rethrown.
 */
async function inStage<T>(
  { emit, scope }: StageObserver,
  started: Extract<StageEvent, { type: 'stage.started' }>,
  wasStopped: () => boolean,
  run: (report: StageReport) => Promise<T>,
): Promise<T> {
  const { stage } = started;
  const report: StageReport = {};
  emit(started);
  try {
    return await scope(stage, () => run(report));
  } catch (error) {
    if (wasStopped() || (error instanceof StageError && error.kind === 'cancelled')) emit({ type: 'stage.cancelled', at: eventTime(), stage });
    else
      emit({
        type: 'stage.failed',
        at: eventTime(),
        stage,
        error: error instanceof Error ? error : new Error(String(error)),
        ...(error instanceof StageError ? { errorType: error.kind } : {}),
      });
    throw error;
  } finally {
    emit({ type: 'stage.ended', at: eventTime(), stage, ...report });
  }
}

function ignoreEvents(): void {
  // Without an observer nothing is recorded.
}
