/** Builds the assistant's providers from the pipeline configuration. */
import type { AssistantDeps } from './assistant';
import { isConfigured, type PipelineConfig } from './pipeline/pipeline-config';
import { StageError } from './pipeline/stage-error';
import type { PipelineStages } from './pipeline/voice-pipeline';
import { OpenAILanguageModel, OpenAISpeechToText, OpenAITextToSpeech } from './providers/openai';
import { SileroVoiceActivity } from './providers/silero-vad';

const SETUP_HINT: Record<'stt' | 'llm' | 'tts', string> = {
  stt: 'No speech-to-text provider is configured: set OPENAI_API_KEY, or STT_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server, in .env.',
  llm: 'No language model is configured: set OPENAI_API_KEY, or LLM_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server such as Ollama, in .env.',
  tts: 'No text-to-speech provider is configured: set OPENAI_API_KEY, or TTS_BASE_URL (or OPENAI_BASE_URL) for an OpenAI-compatible server, in .env.',
};

/**
 * `config` may be a function: the configuration is then read again for every
 * turn, so a provider changed in Settings takes effect for the next turn.
 */
export function openAIAssistantDeps(config: PipelineConfig | (() => PipelineConfig)): AssistantDeps {
  const current = typeof config === 'function' ? config : () => config;
  let cached: { key: string; stages: PipelineStages } | null = null;
  return {
    get config() {
      return current();
    },
    stages() {
      const c = current();
      for (const stage of ['stt', 'llm', 'tts'] as const)
        if (!isConfigured(c[stage])) return new StageError(stage, 'not_configured', SETUP_HINT[stage]);
      const key = JSON.stringify([c.stt, c.llm, c.tts, c.timeouts]);
      if (cached?.key !== key) {
        const t = c.timeouts;
        cached = {
          key,
          stages: {
            stt: new OpenAISpeechToText(c.stt, t.sttMs),
            llm: new OpenAILanguageModel(c.llm, t.llmFirstTokenMs, t.llmIdleMs),
            tts: new OpenAITextToSpeech(c.tts, t.ttsFirstByteMs, t.ttsIdleMs),
          },
        };
      }
      return cached.stages;
    },
    createVad: () => SileroVoiceActivity.load(current().vad.threshold),
  };
}
