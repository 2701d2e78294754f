/**
 * One turn of the conversation, end to end:
 *
 *   audio ──STT──▶ user text ──context──▶ LLM ──sentences──▶ TTS ──▶ audio chunks
 *
 * The LLM and TTS run concurrently: each sentence is synthesised as soon as it
 * is complete, while the model keeps generating the next one. Everything
 * stops when `signal` fires (barge-in, End, a new message): the HTTP requests
 * are cancelled and no audio is emitted after that.
 */
import { INPUT_SAMPLE_RATE } from '../../../shared/audio-format';
import { ATTR, SPAN } from '../../../shared/telemetry';
import type { ConversationContext } from './conversation-context';
import { AsyncQueue } from './async-queue';
import { SentenceSplitter } from './sentence-splitter';
import type { SpokenSegment } from './spoken-text';
import { StageError } from './stage-error';
import type { LanguageModel, SpeechToText, TextToSpeech } from './stages';
import { failSpan, msSince, type TurnTracing } from './turn-tracing';

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
  usage: { inputTokens: number; outputTokens: number } | null;
}

export async function runTurn(
  input: TurnInput,
  stages: PipelineStages,
  context: ConversationContext,
  sink: TurnSink,
  signal: AbortSignal,
  /** Filled as sentences are synthesised, so that an interrupter can see what was sent. */
  segments: SpokenSegment[] = [],
  tracing?: TurnTracing,
): Promise<TurnResult> {
  const result: TurnResult = { status: 'completed', userText: null, replyText: '', segments, usage: null };
  // A failure in one stage stops the others.
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let rootError: unknown = null;
  try {
    const userText = input.kind === 'text' ? input.text : await transcribe(stages.stt, input.audio, local.signal, tracing);
    checkAborted(local.signal);
    if (!userText.trim())
      throw new StageError('stt', 'empty', "Sorry, I didn't catch that (the transcript was empty). Please say it again.");
    result.userText = userText;
    sink.userText(userText);
    context.addUser(userText);
    const { messages, dropped, estimatedTokens } = context.aggregate();
    tracing?.tracer
      .startSpan(
        SPAN.contextAggregate,
        { attributes: { [ATTR.contextMessages]: messages.length, [ATTR.contextDropped]: dropped, [ATTR.contextTokens]: estimatedTokens } },
        tracing.parent,
      )
      .end();

    const sentences = new AsyncQueue<string>();
    const speaking = speak(sentences, stages.tts, sink, result.segments, local.signal, tracing).catch((error: unknown) => {
      rootError ??= error;
      local.abort(new Error('text-to-speech failed'));
    });
    const llmSpan = tracing?.tracer.startSpan(
      SPAN.llm,
      {
        attributes: {
          [ATTR.operationName]: 'chat',
          [ATTR.providerName]: stages.llm.provider,
          [ATTR.requestModel]: stages.llm.model,
          [ATTR.llmInputMessages]: messages.length,
          ...(tracing.captureContent ? { [ATTR.llmInput]: JSON.stringify(messages) } : {}),
        },
      },
      tracing.parent,
    );
    const llmStart = performance.now();
    try {
      const splitter = new SentenceSplitter();
      for await (const event of stages.llm.chat(messages, local.signal)) {
        if (event.type === 'usage') {
          result.usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
          llmSpan?.setAttributes({ [ATTR.inputTokens]: event.inputTokens, [ATTR.outputTokens]: event.outputTokens });
          continue;
        }
        if (!result.replyText) llmSpan?.setAttribute(ATTR.ttftMs, msSince(llmStart));
        result.replyText += event.text;
        sink.replyText(result.replyText);
        for (const sentence of splitter.push(event.text)) sentences.push(sentence);
      }
      const last = splitter.flush();
      if (last) sentences.push(last);
      if (tracing?.captureContent) llmSpan?.setAttribute(ATTR.llmOutput, result.replyText);
    } catch (error) {
      if (llmSpan) failSpan(llmSpan, local.signal.aborted && rootError ? new StageError('llm', 'cancelled', 'cancelled') : error);
      throw error;
    } finally {
      llmSpan?.end();
      sentences.end();
    }
    await speaking;
    if (rootError) throw rootError;
    checkAborted(local.signal);
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

async function transcribe(stt: SpeechToText, audio: Int16Array, signal: AbortSignal, tracing: TurnTracing | undefined): Promise<string> {
  const span = tracing?.tracer.startSpan(
    SPAN.stt,
    {
      attributes: {
        [ATTR.providerName]: stt.provider,
        [ATTR.requestModel]: stt.model,
        [ATTR.sttAudioSeconds]: Math.round((audio.length / INPUT_SAMPLE_RATE) * 100) / 100,
      },
    },
    tracing.parent,
  );
  const start = performance.now();
  try {
    const { text } = await stt.transcribe(audio, INPUT_SAMPLE_RATE, signal);
    span?.setAttribute(ATTR.ttfbMs, msSince(start));
    if (tracing?.captureContent) span?.setAttribute(ATTR.sttTranscript, text);
    return text;
  } catch (error) {
    if (span) failSpan(span, error);
    throw error;
  } finally {
    span?.end();
  }
}

/** One `tts` span per sentence: each is its own request with its own latency. */
async function speak(
  sentences: AsyncQueue<string>,
  tts: TextToSpeech,
  sink: TurnSink,
  segments: SpokenSegment[],
  signal: AbortSignal,
  tracing: TurnTracing | undefined,
): Promise<void> {
  for (;;) {
    const sentence = await sentences.next(signal);
    if (sentence === null) return;
    const segment: SpokenSegment = { text: sentence, samples: 0 };
    segments.push(segment);
    const span = tracing?.tracer.startSpan(
      SPAN.tts,
      {
        attributes: {
          [ATTR.providerName]: tts.provider,
          [ATTR.requestModel]: tts.model,
          [ATTR.ttsVoice]: tts.voice,
          [ATTR.ttsCharacters]: sentence.length,
          ...(tracing.captureContent ? { [ATTR.ttsText]: sentence } : {}),
        },
      },
      tracing.parent,
    );
    const start = performance.now();
    try {
      for await (const chunk of tts.synthesize(sentence, signal)) {
        checkAborted(signal);
        if (segment.samples === 0) span?.setAttribute(ATTR.ttfbMs, msSince(start));
        segment.samples += chunk.length;
        sink.audio(chunk, tts.sampleRate);
      }
    } catch (error) {
      if (span) failSpan(span, signal.aborted ? new StageError('tts', 'cancelled', 'cancelled') : error);
      throw error;
    } finally {
      span?.setAttribute(ATTR.ttsAudioSeconds, Math.round((segment.samples / tts.sampleRate) * 100) / 100);
      span?.end();
    }
  }
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
