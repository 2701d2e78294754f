/**
 * The on-device engines' speed and model loads on the trace, with the real
 * engines on generated tiny models: each stage span carries its engine's
 * figures (present, positive, finite), and each model load is a model.load
 * span under the stage that waited for it, or a root span of its own.
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ATTR, GEN_AI_OPERATION, MODEL_SOURCE, SPAN } from '../../shared/telemetry';
import { ConversationContext } from './conversation/conversation-context';
import type { ConversationEvent } from './pipeline/turn-events';
import { runTurn, type PipelineStages, type TurnInput, type TurnSink } from './pipeline/turn-run';
import { LocalLanguageModel } from './providers/local-llm';
import { LocalSpeechToText } from './providers/local-stt';
import { LocalTextToSpeech, stopLocalTextToSpeech } from './providers/local-tts';
import { ConversationTrace } from './telemetry/conversation/conversation-trace';
import { modelLoadSpans } from './telemetry/conversation/model-load-spans';
import { synthesizeSpeech } from './testing/synthetic-speech';
import { writeTinyModel } from './testing/tiny-gguf';
import { writeTinyWhisperModel } from './testing/tiny-whisper-model';

let dir = '';
const contextManager = new AsyncLocalStorageContextManager();
const disposers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  dir = mkdtempSync(join(tmpdir(), 'engine-speed-'));
  writeTinyWhisperModel(join(dir, 'ggml-tiny-random.bin'));
  await writeTinyModel(join(dir, 'tiny.gguf'));
  // The shared speech engine starts in this test, so its load is seen.
  await stopLocalTextToSpeech();
});

afterAll(async () => {
  await Promise.all(disposers.map((dispose) => dispose()));
  await stopLocalTextToSpeech();
  contextManager.disable();
  context.disable();
  rmSync(dir, { recursive: true, force: true });
});

function tracing() {
  const ended: ReadableSpan[] = [];
  const recorder: SpanProcessor = { onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
  const tracer = new TracerProvider({ spanProcessors: [recorder] }).getTracer('test');
  const trace = new ConversationTrace(tracer, { captureContent: () => false });
  return { tracer, trace, ended };
}

const sink: TurnSink = { userText() {}, replyText() {}, audio() {} };

/** Runs one turn through the pipeline with the trace observing it, as the assistant does. */
async function traced(trace: ConversationTrace, turn: number, input: TurnInput, stages: PipelineStages, conversation: ConversationContext): Promise<void> {
  const observe = (event: ConversationEvent) => trace.observe(event);
  observe({ type: 'turn.started', at: Date.now(), turn, input: input.kind });
  const result = await runTurn({ input, stages, context: conversation, sink, signal: new AbortController().signal, observer: { emit: (event) => observe({ ...event, turn }), scope: (stage, run) => trace.within(turn, stage, run) } });
  expect(result.error).toBeUndefined();
  observe({ type: 'turn.ended', at: Date.now(), turn, outcome: 'completed', audio: { chunks: 0, sentMs: 0, playedMs: 0 } });
}

function positiveFinite(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(Number.isFinite(value)).toBe(true);
  expect(value as number).toBeGreaterThan(0);
}

it('puts each on-device engine\'s speed on its stage span, and its model load under the stage that waited for it', { timeout: 120_000 }, async () => {
  const { tracer, trace, ended } = tracing();
  const onModelLoad = modelLoadSpans(tracer);
  const whisperPath = join(dir, 'ggml-tiny-random.bin');
  const stt = new LocalSpeechToText({ modelPath: whisperPath, threads: 1, source: MODEL_SOURCE.download, onModelLoad });
  const llm = new LocalLanguageModel({ modelPath: join(dir, 'tiny.gguf'), threads: 1, maxTokens: 12, temperature: 0, onModelLoad });
  const tts = new LocalTextToSpeech({ onModelLoad });
  disposers.push(() => stt.dispose(), () => llm.dispose());
  const stages: PipelineStages = { stt, llm, tts };
  const conversation = new ConversationContext('Be brief.', { maxTurns: 10, maxTokens: 1_000 });
  trace.observe({ type: 'conversation.started', at: Date.now(), conversationId: 'c-engine' });

  const speech = synthesizeSpeech('What time is it?').samples;
  await runVoiceThenText(trace, stages, conversation, speech);
  trace.observe({ type: 'conversation.ended', at: Date.now(), turns: 3, interruptions: 0, framesDropped: 0, vadQueueMax: 0 });

  const byOperation = (operation: string) => ended.filter((s) => s.attributes[ATTR.operationName] === operation);
  const sttSpan = byOperation(GEN_AI_OPERATION.speechToText)[0]!;
  positiveFinite(sttSpan.attributes[ATTR.sttRealTimeFactor]);

  const chats = byOperation(GEN_AI_OPERATION.chat);
  expect(chats.length).toBeGreaterThanOrEqual(2);
  for (const chat of chats) {
    positiveFinite(chat.attributes[ATTR.llmPromptTokensEvaluated]);
    positiveFinite(chat.attributes[ATTR.llmOutputTokensPerSecond]);
    positiveFinite(chat.attributes[ATTR.llmPromptTokensPerSecond]);
    const cached = chat.attributes[ATTR.llmPromptTokensCached] as number;
    expect(cached).toBeGreaterThanOrEqual(0);
    // Evaluated and reused make up the whole prompt.
    expect((chat.attributes[ATTR.llmPromptTokensEvaluated] as number) + cached).toBe(chat.attributes[ATTR.inputTokens]);
  }
  // The next request finds the conversation so far in the context and reuses it.
  positiveFinite(chats.at(-1)!.attributes[ATTR.llmPromptTokensCached]);
  expect(chats[0]!.attributes[ATTR.llmPromptTokensCached]).toBe(0);

  const speeches = byOperation(GEN_AI_OPERATION.textToSpeech);
  expect(speeches.length).toBeGreaterThan(0);
  for (const speechSpan of speeches) positiveFinite(speechSpan.attributes[ATTR.ttsRealTimeFactor]);

  const loads = ended.filter((s) => s.name === SPAN.modelLoad);
  const load = (engine: string) => loads.find((s) => s.attributes[ATTR.modelEngine] === engine)!;
  const parentOf = (span: ReadableSpan) => ended.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
  expect(load('whisper.cpp').attributes).toMatchObject({
    [ATTR.modelId]: 'ggml-tiny-random.bin',
    [ATTR.modelStage]: 'stt',
    [ATTR.modelSource]: 'download',
    [ATTR.modelFileSize]: statSync(whisperPath).size,
  });
  expect(load('llama.cpp').attributes).toMatchObject({ [ATTR.modelId]: 'tiny.gguf', [ATTR.modelStage]: 'llm', [ATTR.modelSource]: 'user_file' });
  expect(load('flite').attributes).toMatchObject({ [ATTR.modelStage]: 'tts', [ATTR.modelSource]: 'bundled' });
  for (const engine of ['whisper.cpp', 'llama.cpp', 'flite']) positiveFinite(load(engine).attributes[ATTR.modelFileSize]);
  // Loaded on first use: each load sits under the stage span that waited for it.
  expect(parentOf(load('whisper.cpp'))).toBe(sttSpan);
  expect(parentOf(load('llama.cpp'))).toBe(chats[0]);
  expect(parentOf(load('flite'))?.attributes[ATTR.operationName]).toBe(GEN_AI_OPERATION.textToSpeech);
  expect(loads).toHaveLength(3);
});

async function runVoiceThenText(trace: ConversationTrace, stages: PipelineStages, conversation: ConversationContext, speech: Int16Array): Promise<void> {
  await traced(trace, 1, { kind: 'voice', audio: speech }, stages, conversation);
  await traced(trace, 2, { kind: 'text', text: 'Hello there.' }, stages, conversation);
  await traced(trace, 3, { kind: 'text', text: 'And again.' }, stages, conversation);
}

it('makes a load outside any turn (start-up, after a download) the root of a trace of its own, and a failed load an error', { timeout: 60_000 }, async () => {
  const { tracer, ended } = tracing();
  const onModelLoad = modelLoadSpans(tracer);
  const stt = new LocalSpeechToText({ modelPath: join(dir, 'ggml-tiny-random.bin'), threads: 1, onModelLoad });
  disposers.push(() => stt.dispose());
  await stt.load();
  const [load] = ended.filter((s) => s.name === SPAN.modelLoad);
  expect(load!.parentSpanContext).toBeUndefined();
  expect(load!.attributes[ATTR.modelSource]).toBe('user_file');
  expect(load!.status.code).toBe(0);

  const broken = join(dir, 'broken.gguf');
  await writeTinyModel(broken);
  const { truncateSync } = await import('node:fs');
  truncateSync(broken, 256);
  const llm = new LocalLanguageModel({ modelPath: broken, threads: 1, onModelLoad });
  disposers.push(() => llm.dispose());
  await expect(llm.load()).rejects.toThrow();
  const failed = ended.filter((s) => s.name === SPAN.modelLoad && s.attributes[ATTR.modelEngine] === 'llama.cpp');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.status.code).toBe(2);
  expect(failed[0]!.attributes[ATTR.errorType]).toBe('bad_request');
});
