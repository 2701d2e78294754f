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

export function openAIAssistantDeps(config: PipelineConfig): AssistantDeps {
  let stages: PipelineStages | null = null;
  return {
    config,
    stages() {
      for (const stage of ['stt', 'llm', 'tts'] as const)
        if (!isConfigured(config[stage])) return new StageError(stage, 'not_configured', SETUP_HINT[stage]);
      const t = config.timeouts;
      stages ??= {
        stt: new OpenAISpeechToText(config.stt, t.sttMs),
        llm: new OpenAILanguageModel(config.llm, t.llmFirstTokenMs, t.llmIdleMs),
        tts: new OpenAITextToSpeech(config.tts, t.ttsFirstByteMs, t.ttsIdleMs),
      };
      return stages;
    },
    createVad: () => SileroVoiceActivity.load(config.vad.threshold),
  };
}
