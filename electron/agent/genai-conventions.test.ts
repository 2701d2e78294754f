/**
 * Every span of a traced conversation against the GenAI conventions' table
 * (testing/genai-conventions.ts): voice and text turns, with and without
 * content capture, through the OpenAI-compatible API (a real loopback server)
 * and through on-device-style stages.
 */
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage, type ServerEnvelope } from '../../shared/protocol';
import { ATTR, SPAN } from '../../shared/telemetry';
import { readPipelineConfig } from './pipeline/pipeline-config';
import type { LanguageModel, LanguageModelEvent, SpeechToText, TextToSpeech } from './pipeline/stages';
import type { PipelineStages } from './pipeline/turn-run';
import { Session } from './session/session';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './testing/fake-openai-server';
import { byOperation, GEN_AI_KEYS, spanProblems } from './testing/genai-conventions';
import { inMemoryTelemetry } from './testing/in-memory-telemetry';
import { SCRIPTED_VAD_ENV, ScriptedMicrophone } from './testing/scripted-microphone';
import { openAIStagesAt, scriptedVad } from './testing/test-stages';
import { until } from './testing/until';

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** On-device-style stages: in this process, provider "local"; the model notes the span active while it runs. */
function localStages(): PipelineStages & { activeDuringChat: (string | undefined)[] } {
  const activeDuringChat: (string | undefined)[] = [];
  const stt: SpeechToText = { provider: 'local', model: 'whisper-tiny', transcribe: async () => ({ text: 'local question', language: 'en' }) };
  const llm: LanguageModel = {
    provider: 'local',
    model: 'tiny.gguf',
    request: { maxTokens: 64, temperature: 0.7 },
    async *chat(): AsyncIterable<LanguageModelEvent> {
      await new Promise((resolve) => setTimeout(resolve, 1));
      activeDuringChat.push(trace.getActiveSpan()?.spanContext().spanId);
      yield { type: 'delta', text: 'Local answer.' };
      yield { type: 'response', finishReason: 'stop' };
      yield { type: 'usage', inputTokens: 9, outputTokens: 3 };
    },
  };
  const tts: TextToSpeech = {
    provider: 'local',
    model: 'flite kal',
    voice: 'kal',
    sampleRate: 16_000,
    async *synthesize() {
      yield new Int16Array(1_600);
    },
  };
  return { stt, llm, tts, activeDuringChat };
}

function conversation(stages: PipelineStages, captureContent: boolean) {
  const { telemetry, exporter } = inMemoryTelemetry({ env: { OTEL_CAPTURE_CONTENT: String(captureContent) } });
  const envelopes: ServerEnvelope[] = [];
  const session = new Session(
    { kind: 'websocket', send: (e) => envelopes.push(e), sendAudio: () => {} },
    {
      telemetry,
      assistant: {
        config: readPipelineConfig({ OPENAI_BASE_URL: server.url, ...SCRIPTED_VAD_ENV, SYSTEM_PROMPT: 'Be brief.' }, () => {}),
        stages: () => stages,
        createVad: async () => scriptedVad,
      },
    },
  );
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => session.receiveMessage(writer.wrap(message));
  const microphone = new ScriptedMicrophone();
  const speak = () => microphone.speakTo(session);
  const replies = () => envelopes.filter((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final && !e.message.interrupted).length;
  /** The client played the latest turn's reply to its end. */
  const played = () => {
    const start = envelopes.filter((e) => e.message.type === 'turn' && e.message.phase === 'start').at(-1)!;
    const stream = start.message.type === 'turn' ? start.message.stream : -1;
    send({ type: 'playback', event: 'started', stream, playedMs: 0 });
    send({ type: 'playback', event: 'drained', stream, playedMs: 100 });
  };
  const turnsEnded = () => envelopes.filter((e) => e.message.type === 'turn' && e.message.phase === 'end').length;
  session.open();
  return {
    async run(): Promise<ReadableSpan[]> {
      send({ type: 'conversation.start' });
      speak();
      await until(() => replies() === 1, 'the voice turn to be answered');
      played();
      await until(() => turnsEnded() === 1, 'the voice turn to end');
      send({ type: 'user.text', text: 'and a typed question' });
      await until(() => replies() === 2, 'the text turn to be answered');
      played();
      await until(() => turnsEnded() === 2, 'the text turn to end');
      send({ type: 'conversation.end' });
      session.close();
      await telemetry.flush();
      const spans = exporter.getFinishedSpans();
      await telemetry.shutdown(500);
      return spans;
    },
  };
}

function expectConformingSpans(spans: ReadableSpan[], captureContent: boolean): void {
  const conversationId = String(spans.find((s) => s.name === SPAN.conversation)!.attributes[ATTR.conversationId]);
  for (const span of spans) expect(spanProblems(span, span.attributes[ATTR.operationName] ? { conversationId } : {}), span.name).toEqual([]);
  // Both turns ran every stage it has: one STT (the voice turn), two chats, TTS for each reply.
  expect(byOperation(spans, 'speech_to_text')).toHaveLength(1);
  expect(byOperation(spans, 'chat')).toHaveLength(2);
  expect(byOperation(spans, 'text_to_speech').length).toBeGreaterThanOrEqual(2);
  const content = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'];
  const keys = new Set(spans.flatMap((s) => Object.keys(s.attributes)));
  for (const key of content) expect(keys.has(key), key).toBe(captureContent);
  // No gen_ai.* key outside the table, on any span.
  for (const key of keys) if (key.startsWith('gen_ai.')) expect(GEN_AI_KEYS, key).toHaveProperty([key]);
}

describe('the GenAI conventions', () => {
  for (const captureContent of [false, true]) {
    it(`hold for every span of a conversation over the API, content capture ${captureContent ? 'on' : 'off'}`, async () => {
      server.configure({ transcripts: ['spoken question'], reply: 'One answer.' });
      const spans = await conversation(openAIStagesAt(server.url), captureContent).run();
      expectConformingSpans(spans, captureContent);
      const [chat] = byOperation(spans, 'chat');
      expect(chat!.attributes).toMatchObject({ [ATTR.serverAddress]: '127.0.0.1', [ATTR.finishReasons]: ['stop'] });
      if (captureContent) {
        expect(JSON.parse(String(chat!.attributes[ATTR.systemInstructions]))).toEqual([{ type: 'text', content: 'Be brief.' }]);
        const [stt] = byOperation(spans, 'speech_to_text');
        expect(JSON.parse(String(stt!.attributes[ATTR.outputMessages]))[0].parts[0].content).toBe('spoken question');
      }
    });

    it(`hold for every span of a conversation on on-device stages, content capture ${captureContent ? 'on' : 'off'}`, async () => {
      const stages = localStages();
      const spans = await conversation(stages, captureContent).run();
      expectConformingSpans(spans, captureContent);
      const chats = byOperation(spans, 'chat');
      expect(chats[0]!.attributes).toMatchObject({ [ATTR.requestMaxTokens]: 64, [ATTR.requestTemperature]: 0.7, [ATTR.providerName]: 'local' });
      expect(byOperation(spans, 'speech_to_text')[0]!.attributes[ATTR.speechInputLanguage]).toBe('en');
      // The provider ran with its chat span active: what it starts nests under it.
      expect(stages.activeDuringChat).toEqual(chats.map((s) => s.spanContext().spanId));
    });
  }
});
