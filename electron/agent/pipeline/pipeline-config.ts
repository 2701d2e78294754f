/**
 * The pipeline's configuration: a pure function of the settings and secrets
 * (see shared/settings-fields.ts for where each comes from, and its checks).
 */
import { readEnvironment, type AllSettings } from '../../../shared/settings-fields';
import { OPENAI_DEFAULT_BASE_URL, openaiKeyOrigins, stageOrigin } from '../../../shared/endpoints';
import type { SecretFor } from '../settings/secret-origins';
import type { SettingsSnapshot } from '../settings/settings-store';

export { OPENAI_DEFAULT_BASE_URL };

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
  /**
   * pushToTalk: a held key takes turns instead of voice detection.
   * preemptiveReply: the reply is prepared during the silence window (hands-free only).
   */
  vad: { threshold: number; silenceMs: number; minSpeechMs: number; pushToTalk?: boolean; preemptiveReply?: boolean };
  context: { maxTurns: number; maxTokens: number };
  /** toolCallSeconds: how long one tool call may run. */
  timeouts: { sttMs: number; llmFirstTokenMs: number; llmIdleMs: number; ttsFirstByteMs: number; ttsIdleMs: number; toolCallSeconds: number };
}

/** The defaults of the values the pipeline reads, from the table of settings fields. */
export const DEFAULTS = (() => {
  const d = readEnvironment({}, () => {}).values;
  return {
    sttModel: d.stt.model,
    llmModel: d.llm.model,
    ttsModel: d.tts.model,
    ttsVoice: d.tts.voice,
    ttsSampleRate: d.speech.sampleRate,
    sttLocalModel: d.stt.localModel,
    llmLocalModel: d.llm.localModel,
    ttsLocalVoice: d.tts.localVoice,
    systemPrompt: d.llm.systemPrompt,
    vadThreshold: d.audio.vadThreshold,
    silenceMs: d.audio.silenceMs,
    minSpeechMs: d.audio.minSpeechMs,
    maxTurns: d.context.maxTurns,
    maxTokens: d.context.maxTokens,
  } as const;
})();

type Env = Record<string, string | undefined>;

/** The pipeline's configuration from the environment alone (tests, benches, the soak run). */
export function readPipelineConfig(env: Env, warn: (message: string) => void): PipelineConfig {
  const { values, secrets } = readEnvironment(env, warn);
  // From the environment alone every secret is at the address it was given for.
  return pipelineConfig(values, (name) => secrets[name]);
}

const derivedConfigs = new WeakMap<SettingsSnapshot, PipelineConfig>();

/** The pipeline's configuration from the settings in force: the same object until the settings change. */
export function pipelineConfigOf(settings: SettingsSnapshot): PipelineConfig {
  let config = derivedConfigs.get(settings);
  if (!config) derivedConfigs.set(settings, (config = pipelineConfig(settings.all, settings.secretFor)));
  return config;
}

/**
 * The pipeline's configuration from settings and secrets: nothing else is
 * read. A stage's own API key wins over OPENAI_API_KEY's; each is sent only
 * to an origin it belongs to (`secretFor` says which secret that is).
 */
export function pipelineConfig(settings: AllSettings, secretFor: SecretFor): PipelineConfig {
  const openai = openaiKeyOrigins(settings);
  const endpoint = (stage: 'stt' | 'llm' | 'tts', key: 'sttApiKey' | 'llmApiKey' | 'ttsApiKey'): EndpointConfig => {
    const origin = stageOrigin(settings, stage);
    return {
      baseURL: settings[stage].baseUrl || undefined,
      apiKey: secretFor(key, origin) ?? (openai.includes(origin) ? secretFor('openaiApiKey', origin) : undefined),
      model: settings[stage].model,
    };
  };
  const { audio, timeouts, context } = settings;
  return {
    engines: {
      stt: { choice: settings.stt.provider, localModel: settings.stt.localModel },
      llm: { choice: settings.llm.provider, localModel: settings.llm.localModel },
      tts: { choice: settings.tts.provider, localVoice: settings.tts.localVoice },
    },
    stt: endpoint('stt', 'sttApiKey'),
    llm: endpoint('llm', 'llmApiKey'),
    tts: { ...endpoint('tts', 'ttsApiKey'), voice: settings.tts.voice, sampleRate: settings.speech.sampleRate },
    systemPrompt: settings.llm.systemPrompt,
    vad: {
      threshold: audio.vadThreshold,
      silenceMs: audio.silenceMs,
      minSpeechMs: audio.minSpeechMs,
      preemptiveReply: audio.preemptiveReply,
      ...(audio.mode === 'push-to-talk' ? { pushToTalk: true } : {}),
    },
    context: { ...context },
    timeouts: { ...timeouts },
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
