/**
 * Latency our own code adds: end of speech -> first audio to the transport
 * (minus the providers' time), the LLM's first phrase -> its TTS request and
 * the phrase's length, and speech -> flush of a reply not yet playing.
 * (Voice-to-voice, with and without preemptive replies, is preemptive-bench.ts.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PhraseSplitter } from '../electron/agent/pipeline/phrase-splitter';
import type { PipelineStages } from '../electron/agent/pipeline/turn-run';
import { until } from '../electron/agent/testing/until';
import { BenchClient, benchConfig, completeTurn, stagesFor, type FakeProviders } from './harness';
import { figure, type Figure } from './stats';

export const LATENCY = { sttMs: 150, llmFirstTokenMs: 200, llmTokenIntervalMs: 33, ttsFirstByteMs: 100, silenceMs: 500 };
export const REPLY = 'Sure, here is the answer you asked for, in two parts. It takes two sentences to say.';
/** What the pipeline's phrase splitter sends first: the first clause of four words or more. */
const FIRST_PHRASE = 'Sure, here is the answer you asked for,';
export const FIRST_PHRASE_TOKENS = FIRST_PHRASE.split(' ').length;

interface Marks {
  stt: number;
  llm: number | null;
  tts: number | null;
  firstPhraseAt: number | null;
  ttsRequestAt: number | null;
  firstTtsText: string | null;
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
        const splitter = new PhraseSplitter();
        for await (const event of stages.llm.chat(messages, signal)) {
          if (event.type === 'delta' && marks.firstPhraseAt === null && splitter.push(event.text, performance.now()).length > 0) {
            marks.firstPhraseAt = performance.now();
            marks.llm = marks.firstPhraseAt - start;
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
        marks.firstTtsText ??= text;
        for await (const chunk of stages.tts.synthesize(text, signal)) {
          marks.tts ??= performance.now() - start;
          yield chunk;
        }
      },
    },
  };
}

/** The fake providers' script for the voice-to-voice figures: one question, the reply, the latencies above. */
export const SCRIPTED_TURN = {
  transcripts: ['What is the answer?'],
  reply: REPLY,
  sttDelayMs: LATENCY.sttMs,
  llmFirstTokenMs: LATENCY.llmFirstTokenMs,
  llmTokenIntervalMs: LATENCY.llmTokenIntervalMs,
  ttsFirstByteMs: LATENCY.ttsFirstByteMs,
};

export async function pipelineBench(providers: FakeProviders, reps: number): Promise<Figure[]> {
  await providers.configure({
    ...SCRIPTED_TURN,
    ttsRealtimeFactor: 1,
    ttsMsPerChar: 60,
  });
  const marks: Marks = { stt: 0, llm: null, tts: null, firstPhraseAt: null, ttsRequestAt: null, firstTtsText: null };
  // The silence window is sent at once here: a reply prepared during it would have no head start.
  const config = benchConfig(providers.url, LATENCY.silenceMs);
  config.vad.preemptiveReply = false;
  const client = new BenchClient(timed(stagesFor(providers.url), marks), config);
  client.send({ type: 'conversation.start' });
  const overhead: number[] = [];
  const streaming: number[] = [];
  const firstPhraseWords: number[] = [];
  const bargeIn: number[] = [];
  const silenceFrames = LATENCY.silenceMs / 20;

  for (let i = 0; i < reps + 2; i++) {
    Object.assign(marks, { stt: 0, llm: null, tts: null, firstPhraseAt: null, ttsRequestAt: null, firstTtsText: null });
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
    streaming.push(marks.ttsRequestAt! - marks.firstPhraseAt!);
    firstPhraseWords.push(marks.firstTtsText!.trim().split(/\s+/).length);
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

  return [
    figure('pipeline_overhead_ms', 'ms', overhead, 15, { note: 'end of speech detected -> first TTS chunk to the transport, minus STT, LLM-to-first-phrase and TTS-to-first-chunk time' }),
    figure('first_phrase_to_tts_request_ms', 'ms', streaming, 5, { note: "the LLM's first phrase complete -> the TTS request for it" }),
    figure('first_phrase_words', 'words', firstPhraseWords, null, { note: `words in the first TTS request (the reply's first clause: "${FIRST_PHRASE}")` }),
    figure('barge_in_flush_ms', 'ms', bargeIn, 30, { note: 'speech start confirmed over a reply not yet playing -> queue dropped and the client told to flush (no confirmation needed: nothing is heard yet)' }),
  ];
}
