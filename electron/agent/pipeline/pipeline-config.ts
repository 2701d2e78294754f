/**
 * The pipeline's configuration from the environment (and .env). Every value
 * is checked; an invalid one is reported by name and replaced by its default.
 */
import { isHttpUrl } from '../../../shared/config-values';

export interface EndpointConfig {
  /** Base URL of an OpenAI-compatible API; undefined means api.openai.com. */
  baseURL: string | undefined;
  apiKey: string | undefined;
  model: string;
}

export type ProviderChoice = 'auto' | 'openai' | 'local';
export type Provider = 'openai' | 'local';

/** Which engine runs each stage, as chosen (before "auto" is resolved). */
export interface EngineChoices {
  stt: { choice: ProviderChoice; localModel: string };
  llm: { choice: ProviderChoice; localModel: string };
  tts: { choice: ProviderChoice; localVoice: string };
}

export interface PipelineConfig {
  engines: EngineChoices;
  stt: EndpointConfig;
  llm: EndpointConfig;
  tts: EndpointConfig & { voice: string; sampleRate: number };
  systemPrompt: string;
  /** pushToTalk: a held key takes turns instead of voice detection. */
  vad: { threshold: number; silenceMs: number; minSpeechMs: number; pushToTalk?: boolean };
  context: { maxTurns: number; maxTokens: number };
  timeouts: { sttMs: number; llmFirstTokenMs: number; llmIdleMs: number; ttsFirstByteMs: number; ttsIdleMs: number };
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export const DEFAULTS = {
  sttModel: 'gpt-4o-mini-transcribe',
  llmModel: 'gpt-4.1-mini',
  ttsModel: 'gpt-4o-mini-tts',
  ttsVoice: 'alloy',
  ttsSampleRate: 24_000,
  sttLocalModel: 'whisper-base.en',
  llmLocalModel: 'qwen2.5-0.5b-instruct-q4_k_m',
  ttsLocalVoice: 'slt',
  systemPrompt:
    'You are a helpful voice assistant. Your replies are spoken aloud, so answer in short, plain sentences: no markdown, lists, code or emoji.',
  vadThreshold: 0.5,
  silenceMs: 500,
  minSpeechMs: 200,
  maxTurns: 20,
  maxTokens: 8_000,
} as const;

type Env = Record<string, string | undefined>;

export function readPipelineConfig(env: Env, warn: (message: string) => void): PipelineConfig {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const url = (name: string): string | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (isHttpUrl(value)) return value.replace(/\/+$/, '');
    warn(`${name}="${value}" is not an http(s) URL; ignoring it.`);
    return undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    warn(`${name}="${value}" must be a whole number from ${min} to ${max}; using ${fallback}.`);
    return fallback;
  };

  const ratio = (name: string, fallback: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isFinite(parsed) && parsed > 0 && parsed < 1) return parsed;
    warn(`${name}="${value}" must be a number between 0 and 1; using ${fallback}.`);
    return fallback;
  };

  const apiKey = text('OPENAI_API_KEY');
  const sharedBase = url('OPENAI_BASE_URL');
  const endpoint = (prefix: 'STT' | 'LLM' | 'TTS', model: string): EndpointConfig => ({
    baseURL: url(`${prefix}_BASE_URL`) ?? sharedBase,
    apiKey: text(`${prefix}_API_KEY`) ?? apiKey,
    model: text(`${prefix}_MODEL`) ?? model,
  });

  const choice = (name: string): ProviderChoice => {
    const value = text(name)?.toLowerCase();
    if (value === undefined) return 'auto';
    if (value === 'auto' || value === 'openai' || value === 'local') return value;
    warn(`${name}="${value}" must be auto, openai or local; using auto.`);
    return 'auto';
  };

  return {
    engines: {
      stt: { choice: choice('STT_PROVIDER'), localModel: text('STT_LOCAL_MODEL') ?? DEFAULTS.sttLocalModel },
      llm: { choice: choice('LLM_PROVIDER'), localModel: text('LLM_LOCAL_MODEL') ?? DEFAULTS.llmLocalModel },
      tts: { choice: choice('TTS_PROVIDER'), localVoice: text('TTS_LOCAL_VOICE') ?? DEFAULTS.ttsLocalVoice },
    },
    stt: endpoint('STT', DEFAULTS.sttModel),
    llm: endpoint('LLM', DEFAULTS.llmModel),
    tts: {
      ...endpoint('TTS', DEFAULTS.ttsModel),
      voice: text('TTS_VOICE') ?? DEFAULTS.ttsVoice,
      sampleRate: int('TTS_SAMPLE_RATE', DEFAULTS.ttsSampleRate, 8_000, 48_000),
    },
    systemPrompt: env.SYSTEM_PROMPT ?? DEFAULTS.systemPrompt,
    vad: {
      threshold: ratio('VAD_THRESHOLD', DEFAULTS.vadThreshold),
      silenceMs: int('VAD_SILENCE_MS', DEFAULTS.silenceMs, 100, 5_000),
      minSpeechMs: int('VAD_MIN_SPEECH_MS', DEFAULTS.minSpeechMs, 20, 2_000),
    },
    context: {
      maxTurns: int('CONTEXT_MAX_TURNS', DEFAULTS.maxTurns, 1, 1_000),
      maxTokens: int('CONTEXT_MAX_TOKENS', DEFAULTS.maxTokens, 256, 1_000_000),
    },
    timeouts: {
      sttMs: int('STT_TIMEOUT_MS', 20_000, 1_000, 300_000),
      llmFirstTokenMs: int('LLM_TIMEOUT_MS', 20_000, 1_000, 300_000),
      llmIdleMs: int('LLM_IDLE_TIMEOUT_MS', 15_000, 1_000, 300_000),
      ttsFirstByteMs: int('TTS_TIMEOUT_MS', 15_000, 1_000, 300_000),
      ttsIdleMs: int('TTS_IDLE_TIMEOUT_MS', 10_000, 1_000, 300_000),
    },
  };
}

/** A stage can run when it has a key (for api.openai.com) or its own server. */
export function isConfigured(endpoint: EndpointConfig): boolean {
  return endpoint.apiKey !== undefined || endpoint.baseURL !== undefined;
}

/** "auto": the API when the stage has a key or a server, else the engine on this machine. */
export function resolveProvider(choice: ProviderChoice, endpoint: EndpointConfig): Provider {
  if (choice !== 'auto') return choice;
  return isConfigured(endpoint) ? 'openai' : 'local';
}
