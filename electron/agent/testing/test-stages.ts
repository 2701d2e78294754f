/**
 * Pipeline stages for tests and benches: the real OpenAI providers pointed at
 * a loopback server (fake-openai-server.ts), and a voice detector whose
 * decisions are written in the audio itself.
 */
import type { EndpointConfig } from '../pipeline/pipeline-config';
import type { VoiceActivity } from '../pipeline/stages';
import type { PipelineStages } from '../pipeline/turn-run';
import { OpenAILanguageModel, OpenAISpeechToText, OpenAITextToSpeech } from '../providers/openai';

/** A frame is speech when its first sample is positive. */
export const scriptedVad: VoiceActivity = { name: 'scripted', isSpeech: async (f) => (f[0] ?? 0) > 0, reset() {}, dispose: async () => {} };

export interface OpenAIStagesOptions {
  apiKey?: string;
  model?: string;
  /** Each stage's first-byte and idle deadline. */
  timeoutMs?: number;
  /** A stage's own server instead of `baseURL`. */
  stageURLs?: Partial<Record<'stt' | 'llm' | 'tts', string>>;
}

export function openAIStagesAt(baseURL: string, options: OpenAIStagesOptions = {}): PipelineStages {
  const timeout = options.timeoutMs ?? 2_000;
  const endpoint = (stage: 'stt' | 'llm' | 'tts'): EndpointConfig => ({
    baseURL: options.stageURLs?.[stage] ?? baseURL,
    apiKey: options.apiKey,
    model: options.model ?? 'test-model',
  });
  return {
    stt: new OpenAISpeechToText(endpoint('stt'), timeout),
    llm: new OpenAILanguageModel(endpoint('llm'), timeout, timeout),
    tts: new OpenAITextToSpeech({ ...endpoint('tts'), voice: 'alloy', sampleRate: 24_000 }, timeout, timeout),
  };
}
