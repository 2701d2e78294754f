/**
 * One turn of the conversation, end to end:
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
import type { ConversationContext } from './conversation-context';
import { AsyncQueue } from './async-queue';
import { PhraseSplitter } from './phrase-splitter';
import type { SpokenSegment } from './spoken-text';
import { StageError } from './stage-error';
import type { ChatMessage, LanguageModel, ServerAddress, SpeechToText, TextToSpeech, TokenUsage } from './stages';
import { eventTime, unscoped, type StageEvent, type StageEventSink, type StageScope } from './turn-events';

export interface PipelineStages {
  stt: SpeechToText;
  llm: LanguageModel;
  tts: TextToSpeech;
}

export type TurnInput = { kind: 'voice'; audio: Int16Array } | { kind: 'text'; text: string };

/** Where a turn's results go, as they happen. */
export interface TurnSink {
  userText(text: string): void;
  /** The reply so far (the whole text, not a delta). */
  replyText(text: string): void;
  audio(samples: Int16Array, sampleRate: number): void;
}

export interface TurnResult {
  status: 'completed' | 'cancelled' | 'failed';
  error?: StageError;
  userText: string | null;
  replyText: string;
  /** Sentences and their audio length, in order: what can have been heard. */
  segments: SpokenSegment[];
  usage: TokenUsage | null;
}

export async function runTurn(
  input: TurnInput,
  stages: PipelineStages,
  context: ConversationContext,
  sink: TurnSink,
  signal: AbortSignal,
  /** Filled as sentences are synthesised, so that an interrupter can see what was sent. */
  segments: SpokenSegment[] = [],
  emit: StageEventSink = ignoreEvents,
  scope: StageScope = unscoped,
): Promise<TurnResult> {
  const stage = { emit, scope };
  const result: TurnResult = { status: 'completed', userText: null, replyText: '', segments, usage: null };
  // A failure in one stage stops the others.
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let rootError: unknown = null;
  try {
    const userText = input.kind === 'text' ? input.text : await transcribe(stages.stt, input.audio, local.signal, stage);
    local.signal.throwIfAborted();
    if (!userText.trim())
      throw new StageError('stt', 'empty', "Sorry, I didn't catch that (the transcript was empty). Please say it again.");
    result.userText = userText;
    sink.userText(userText);
    context.addUser(userText);
    const { messages, dropped, estimatedTokens } = context.aggregate();
    emit({ type: 'context.aggregated', at: eventTime(), messages: messages.length, dropped, estimatedTokens });

    const sentences = new AsyncQueue<string>();
    const speaking = speak(sentences, stages.tts, sink, result.segments, local.signal, stage).catch((error: unknown) => {
      rootError ??= error;
      local.abort(new Error('text-to-speech failed'));
    });
    // When TTS failed first, the model was only stopped: that is not its failure.
    await generate(stages.llm, messages, sentences, result, sink, local.signal, stage, () => rootError !== null);
    await speaking;
    if (rootError) throw rootError;
    local.signal.throwIfAborted();
    return result;
  } catch (error) {
    if (signal.aborted) return { ...result, status: 'cancelled' };
    // When one stage fails the others see "cancelled": report the first failure.
    const cause = rootError ?? error;
    const stageError = cause instanceof StageError ? cause : new StageError('llm', 'bad_response', `The turn failed: ${String(cause)}`, { cause });
    return { ...result, status: 'failed', error: stageError };
  } finally {
    signal.removeEventListener('abort', onAbort);
    local.abort(new Error('turn finished'));
  }
}

/** Streams the reply, handing each sentence on to TTS as soon as it is complete. */
async function generate(
  llm: LanguageModel,
  messages: readonly ChatMessage[],
  sentences: AsyncQueue<string>,
  result: TurnResult,
  sink: TurnSink,
  signal: AbortSignal,
  observer: StageObserver,
  anotherStageFailed: () => boolean,
): Promise<void> {
  const { emit } = observer;
  const started: StageEvent = {
    type: 'stage.started',
    at: eventTime(),
    stage: 'llm',
    provider: llm.provider,
    model: llm.model,
    ...serverOf(llm),
    ...(llm.request ? { request: llm.request } : {}),
    messages,
  };
  await inStage(observer, started, () => signal.aborted && anotherStageFailed(), async (report) => {
    try {
      const splitter = new PhraseSplitter();
      for await (const event of llm.chat(messages, signal)) {
        if (event.type === 'usage') {
          const { type: _type, ...usage } = event;
          result.usage = usage;
          emit({ type: 'stage.usage', at: eventTime(), stage: 'llm', ...usage });
          continue;
        }
        if (event.type === 'response') {
          const { type: _type, ...response } = event;
          emit({ type: 'stage.response', at: eventTime(), stage: 'llm', ...response });
          continue;
        }
        if (!result.replyText) emit({ type: 'stage.first_output', at: eventTime(), stage: 'llm' });
        result.replyText += event.text;
        sink.replyText(result.replyText);
        for (const phrase of splitter.push(event.text, eventTime())) sentences.push(phrase);
      }
      const last = splitter.flush();
      if (last) sentences.push(last);
      report.output = result.replyText;
    } finally {
      sentences.end();
    }
  });
}

async function transcribe(stt: SpeechToText, audio: Int16Array, signal: AbortSignal, observer: StageObserver): Promise<string> {
  const audioSeconds = Math.round((audio.length / INPUT_SAMPLE_RATE) * 100) / 100;
  const started: StageEvent = { type: 'stage.started', at: eventTime(), stage: 'stt', provider: stt.provider, model: stt.model, ...serverOf(stt), audioSeconds };
  return inStage(observer, started, () => false, async (report) => {
    const { text, language } = await stt.transcribe(audio, INPUT_SAMPLE_RATE, signal);
    observer.emit({ type: 'stage.first_output', at: eventTime(), stage: 'stt' });
    report.output = text;
    if (language) report.language = language;
    return text;
  });
}

/** One TTS request per sentence: each is its own request with its own latency. */
async function speak(
  sentences: AsyncQueue<string>,
  tts: TextToSpeech,
  sink: TurnSink,
  segments: SpokenSegment[],
  signal: AbortSignal,
  observer: StageObserver,
): Promise<void> {
  const { emit } = observer;
  for (;;) {
    const sentence = await sentences.next(signal);
    if (sentence === null) return;
    const segment: SpokenSegment = { text: sentence, samples: 0 };
    segments.push(segment);
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
    await inStage(observer, started, () => signal.aborted, async (report) => {
      report.audioSeconds = 0;
      for await (const chunk of tts.synthesize(sentence, signal)) {
        signal.throwIfAborted();
        if (segment.samples === 0) emit({ type: 'stage.first_output', at: eventTime(), stage: 'tts' });
        segment.samples += chunk.length;
        report.audioSeconds = Math.round((segment.samples / tts.sampleRate) * 100) / 100;
        sink.audio(chunk, tts.sampleRate);
      }
    });
  }
}

/** What a stage's `stage.ended` event reports, filled in by the stage as it learns it. */
interface StageReport {
  output?: string;
  language?: string;
  audioSeconds?: number;
}

/** Where a stage reports its events, and the scope its provider call runs in. */
interface StageObserver {
  emit: StageEventSink;
  scope: StageScope;
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
