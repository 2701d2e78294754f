/**
 * Latency our own code adds: end of speech -> first audio to the transport
 * (minus the providers' time), LLM sentence -> TTS request, barge-in ->
 * flush, and voice-to-voice against the theoretical minimum.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SentenceSplitter } from '../electron/agent/pipeline/sentence-splitter';
import type { PipelineStages } from '../electron/agent/pipeline/voice-pipeline';
import { until } from '../electron/agent/testing/until';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

export const LATENCY = { sttMs: 150, llmFirstTokenMs: 200, llmTokenIntervalMs: 33, ttsFirstByteMs: 100, silenceMs: 500 };
const REPLY = 'Sure, here is the answer. It takes two sentences to say.';
const FIRST_SENTENCE_TOKENS = 'Sure, here is the answer.'.split(' ').length;

interface Marks {
  stt: number;
  llm: number | null;
  tts: number | null;
  firstSentenceAt: number | null;
  ttsRequestAt: number | null;
}

function timed(stages: PipelineStages, marks: Marks): PipelineStages {
  return {
    stt: {
      provider: stages.stt.provider,
      model: stages.stt.model,
      async transcribe(audio, rate, signal) {
        const start = performance.now();
        try {
          return await stages.stt.transcribe(audio, rate, signal);
        } finally {
          marks.stt += performance.now() - start;
        }
      },
    },
    llm: {
      provider: stages.llm.provider,
      model: stages.llm.model,
      async *chat(messages, signal) {
        const start = performance.now();
        const splitter = new SentenceSplitter();
        for await (const event of stages.llm.chat(messages, signal)) {
          if (event.type === 'delta' && marks.firstSentenceAt === null && splitter.push(event.text).length > 0) {
            marks.firstSentenceAt = performance.now();
            marks.llm = marks.firstSentenceAt - start;
          }
          yield event;
        }
      },
    },
    tts: {
      provider: stages.tts.provider,
      model: stages.tts.model,
      voice: stages.tts.voice,
      sampleRate: stages.tts.sampleRate,
      async *synthesize(text, signal) {
        const start = performance.now();
        marks.ttsRequestAt ??= start;
        for await (const chunk of stages.tts.synthesize(text, signal)) {
          marks.tts ??= performance.now() - start;
          yield chunk;
        }
      },
    },
  };
}

export async function pipelineBench(providers: FakeProviders, reps: number): Promise<Figure[]> {
  await providers.configure({
    transcripts: ['What is the answer?'],
    reply: REPLY,
    sttDelayMs: LATENCY.sttMs,
    llmFirstTokenMs: LATENCY.llmFirstTokenMs,
    llmTokenIntervalMs: LATENCY.llmTokenIntervalMs,
    ttsFirstByteMs: LATENCY.ttsFirstByteMs,
    ttsRealtimeFactor: 1,
    ttsMsPerChar: 60,
  });
  const marks: Marks = { stt: 0, llm: null, tts: null, firstSentenceAt: null, ttsRequestAt: null };
  const client = new BenchClient(timed(stagesFor(providers.url), marks), benchConfig(providers.url, LATENCY.silenceMs));
  client.send({ type: 'conversation.start' });
  const overhead: number[] = [];
  const streaming: number[] = [];
  const voiceToVoice: number[] = [];
  const bargeIn: number[] = [];
  const silenceFrames = LATENCY.silenceMs / 20;

  for (let i = 0; i < reps + 2; i++) {
    Object.assign(marks, { stt: 0, llm: null, tts: null, firstSentenceAt: null, ttsRequestAt: null });
    client.resetMarks();
    let speechEnd = 0;
    // 600 ms of speech then the silence window, delivered faster than real time
    // but in bursts the VAD queue accepts (it holds one second).
    for (let f = 0; f < 30; f++) client.frame(true);
    await new Promise((resolve) => setImmediate(resolve));
    for (let f = 0; f < silenceFrames - 1; f++) client.frame(false);
    await new Promise((resolve) => setImmediate(resolve));
    await completeTurn(client, () => {
      speechEnd = performance.now();
      client.frame(false); // completes the silence window: end of speech detected
    });
    if (i < 2) continue; // warm-up
    const total = client.firstAudioAt! - speechEnd;
    overhead.push(total - marks.stt - marks.llm! - marks.tts!);
    streaming.push(marks.ttsRequestAt! - marks.firstSentenceAt!);
    voiceToVoice.push(total + LATENCY.silenceMs);
  }

  // Barge-in: speak while a long reply is being sent.
  await providers.configure({ transcripts: ['Tell me a long story.'], reply: 'Once upon a time. '.repeat(30), ttsRealtimeFactor: 1, ttsMsPerChar: 60 });
  for (let i = 0; i < reps + 2; i++) {
    client.resetMarks();
    const started = client.next((e) => e.message.type === 'turn' && e.message.phase === 'start');
    client.send({ type: 'user.text', text: `story ${i}` });
    await started;
    await until(() => client.firstAudioAt !== null, { what: "the story's first audio", intervalMs: 2 });
    await sleep(50);
    // The carrier stamps flushAt as the flush is sent; waiting on it as an event costs the figure nothing.
    const flushed = client.next((e) => e.message.type === 'audio.flush');
    for (let f = 0; f < 4; f++) client.frame(true);
    const speechStart = performance.now();
    client.frame(true); // the fifth voiced frame (100 ms) confirms speech: barge-in
    await flushed;
    if (i >= 2) bargeIn.push(client.flushAt! - speechStart);
    for (let f = 0; f < silenceFrames + 2; f++) client.frame(false);
    await sleep(50);
    // Let the utterance's own turn run out before the next repetition.
    client.send({ type: 'conversation.end' });
    client.send({ type: 'conversation.start' });
  }
  client.send({ type: 'conversation.end' });
  client.session.close();

  const theoretical = LATENCY.silenceMs + LATENCY.sttMs + LATENCY.llmFirstTokenMs + LATENCY.ttsFirstByteMs;
  const firstSentenceMs = (FIRST_SENTENCE_TOKENS - 1) * LATENCY.llmTokenIntervalMs;
  return [
    figure('pipeline_overhead_ms', 'ms', overhead, 15, { note: 'end of speech detected -> first TTS chunk to the transport, minus STT, LLM-to-first-sentence and TTS-to-first-chunk time' }),
    figure('sentence_to_tts_request_ms', 'ms', streaming, 5, { note: "LLM's first complete sentence -> TTS request for it" }),
    figure('voice_to_voice_ms', 'ms', voiceToVoice, null, { note: 'user stopped speaking -> first audio to the transport, with STT 150, LLM TTFT 200 + 33/token, TTS TTFB 100, silence 500 ms' }),
    figure('voice_to_voice_theoretical_min_ms', 'ms', [theoretical], null, { note: "silence window + the providers' first-byte times" }),
    figure('voice_to_voice_excess_ms', 'ms', voiceToVoice.map((v) => v - theoretical), null, {
      note: `measured minus theoretical: the model writing the first sentence (${firstSentenceMs} ms at 30 tokens/s), loopback HTTP and the fake server's timers, and our pipeline (pipeline_overhead_ms)`,
    }),
    figure('barge_in_ms', 'ms', bargeIn, 30, { note: 'speech start confirmed -> queue dropped and the client told to flush' }),
  ];
}
