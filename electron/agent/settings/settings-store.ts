/**
 * Settings: the environment (and .env) gives the starting values, what the
 * user saves wins and is kept in the data folder (settings.json, written
 * atomically; secrets in their own store). A corrupt file is moved aside and
 * the app starts from the environment.
 */
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SECRET_NAMES,
  SettingsPatchSchema,
  SettingsSchema,
  fieldErrors,
  type SecretName,
  type SettingSource,
  type Settings,
  type SettingsView,
} from '../../../shared/settings';
import type { Logger } from '../logger';
import { readPipelineConfig, type PipelineConfig } from '../pipeline/pipeline-config';
import { readTelemetryConfig, type TelemetryConfig } from '../telemetry/telemetry-config';
import { readOptional, writeFileAtomic } from './atomic-file';
import type { SecretStore, Secrets } from './secret-store';

type Env = Record<string, string | undefined>;
type Section = keyof Settings;
type Saved = { [S in Section]?: Partial<Settings[S]> };

/** The environment variable behind each field, for "from the environment" and reset. */
export const FIELD_ENV: Record<string, string[]> = {
  'tracing.enabled': ['ENABLE_TRACING'],
  'tracing.consoleExport': ['OTEL_CONSOLE_EXPORT'],
  'tracing.otlpEndpoint': ['OTEL_EXPORTER_OTLP_ENDPOINT'],
  'tracing.serviceName': ['OTEL_SERVICE_NAME'],
  'tracing.samplingRatio': ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'],
  'tracing.captureContent': ['OTEL_CAPTURE_CONTENT'],
  'stt.provider': ['STT_PROVIDER'],
  'stt.baseUrl': ['STT_BASE_URL', 'OPENAI_BASE_URL'],
  'stt.model': ['STT_MODEL'],
  'stt.localModel': ['STT_LOCAL_MODEL'],
  'llm.provider': ['LLM_PROVIDER'],
  'llm.baseUrl': ['LLM_BASE_URL', 'OPENAI_BASE_URL'],
  'llm.model': ['LLM_MODEL'],
  'llm.systemPrompt': ['SYSTEM_PROMPT'],
  'llm.localModel': ['LLM_LOCAL_MODEL'],
  'tts.provider': ['TTS_PROVIDER'],
  'tts.baseUrl': ['TTS_BASE_URL', 'OPENAI_BASE_URL'],
  'tts.model': ['TTS_MODEL'],
  'tts.voice': ['TTS_VOICE'],
  'tts.localVoice': ['TTS_LOCAL_VOICE'],
  'audio.mode': [],
  'audio.pushToTalkKey': [],
  'audio.inputDeviceId': [],
  'audio.outputDeviceId': [],
  'audio.vadThreshold': ['VAD_THRESHOLD'],
  'audio.silenceMs': ['VAD_SILENCE_MS'],
  'audio.minSpeechMs': ['VAD_MIN_SPEECH_MS'],
};

export const SECRET_ENV: Record<SecretName, string> = {
  openaiApiKey: 'OPENAI_API_KEY',
  sttApiKey: 'STT_API_KEY',
  llmApiKey: 'LLM_API_KEY',
  ttsApiKey: 'TTS_API_KEY',
  otlpHeaders: 'OTEL_EXPORTER_OTLP_HEADERS',
};

export type UpdateResult = { ok: true; view: SettingsView } | { ok: false; errors: Record<string, string> };

export class SettingsStore {
  private saved: Saved = {};
  private savedSecrets: Secrets = {};
  private readonly listeners = new Set<() => void>();
  private readonly envValues: Settings;

  private constructor(
    private readonly env: Env,
    private readonly file: string,
    private readonly secretStore: SecretStore,
    private readonly logger: Logger,
  ) {
    this.envValues = settingsFromEnv(env, (message) => logger.warn(message));
  }

  static async open(options: { dataDir: string; env: Env; secretStore: SecretStore; logger: Logger }): Promise<SettingsStore> {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const store = new SettingsStore(options.env, join(options.dataDir, 'settings.json'), options.secretStore, options.logger);
    await store.load();
    return store;
  }

  get values(): Settings {
    return merge(this.envValues, this.saved);
  }

  secret(name: SecretName): string | undefined {
    return this.savedSecrets[name] ?? (this.env[SECRET_ENV[name]]?.trim() || undefined);
  }

  get view(): SettingsView {
    const sources: Record<string, SettingSource> = {};
    for (const [field, names] of Object.entries(FIELD_ENV)) {
      const [section, key] = field.split('.') as [Section, string];
      sources[field] = (this.saved[section] as Record<string, unknown> | undefined)?.[key] !== undefined
        ? 'saved'
        : names.some((name) => this.env[name]?.trim())
          ? 'env'
          : 'default';
    }
    const secrets: SettingsView['secrets'] = {};
    for (const name of SECRET_NAMES) {
      const source: SettingSource = this.savedSecrets[name] ? 'saved' : this.env[SECRET_ENV[name]]?.trim() ? 'env' : 'default';
      secrets[name] = { set: source !== 'default', source };
    }
    return { values: this.values, sources, secrets, location: this.file };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validates the whole result before anything is saved; invalid fields come back with messages. */
  async update(raw: unknown): Promise<UpdateResult> {
    const parsed = SettingsPatchSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
    const patch = parsed.data;
    const saved: Saved = structuredClone(this.saved);
    let secrets: Secrets = { ...this.savedSecrets };
    for (const field of patch.reset ?? []) {
      const [section, key] = field.split('.') as [string, string];
      if (section === 'secrets' && (SECRET_NAMES as readonly string[]).includes(key)) secrets = without(secrets, key);
      else if (FIELD_ENV[field]) saved[section as Section] = without(saved[section as Section] ?? {}, key) as never;
      else return { ok: false, errors: { [field]: 'unknown setting' } };
    }
    for (const [section, values] of Object.entries(patch.values ?? {}) as [Section, Record<string, unknown>][]) {
      saved[section] = { ...(saved[section] ?? {}), ...values } as never;
    }
    for (const [name, value] of Object.entries(patch.secrets ?? {}) as [SecretName, string | null | undefined][]) {
      if (value === undefined) continue;
      if (value === null || value === '') secrets = without(secrets, name);
      else secrets[name] = value;
    }
    const candidate = SettingsSchema.safeParse(merge(this.envValues, saved));
    if (!candidate.success) return { ok: false, errors: fieldErrors(candidate.error) };
    const secretsChanged = JSON.stringify(secrets) !== JSON.stringify(this.savedSecrets);
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, values: saved }, null, 2)}\n`);
    if (secretsChanged) await this.secretStore.save(secrets);
    this.saved = saved;
    this.savedSecrets = secrets;
    for (const listener of this.listeners) listener();
    return { ok: true, view: this.view };
  }

  /** The pipeline's configuration: these settings, plus the environment's time limits. */
  pipelineConfig(): PipelineConfig {
    const base = readPipelineConfig(this.env, () => {});
    const v = this.values;
    const endpoint = (stage: 'stt' | 'llm' | 'tts', key: SecretName) => ({
      baseURL: v[stage].baseUrl || undefined,
      apiKey: this.secret(key) ?? this.secret('openaiApiKey'),
      model: v[stage].model,
    });
    return {
      ...base,
      engines: {
        stt: { choice: v.stt.provider, localModel: v.stt.localModel },
        llm: { choice: v.llm.provider, localModel: v.llm.localModel },
        tts: { choice: v.tts.provider, localVoice: v.tts.localVoice },
      },
      stt: endpoint('stt', 'sttApiKey'),
      llm: endpoint('llm', 'llmApiKey'),
      tts: { ...endpoint('tts', 'ttsApiKey'), voice: v.tts.voice, sampleRate: base.tts.sampleRate },
      systemPrompt: v.llm.systemPrompt,
      vad: { threshold: v.audio.vadThreshold, silenceMs: v.audio.silenceMs, minSpeechMs: v.audio.minSpeechMs, pushToTalk: v.audio.mode === 'push-to-talk' },
    };
  }

  telemetryConfig(): TelemetryConfig {
    const fromEnv = readTelemetryConfig({ ...this.env, OTEL_EXPORTER_OTLP_HEADERS: this.secret('otlpHeaders') ?? '' }, () => {});
    const t = this.values.tracing;
    const endpointSaved = this.saved.tracing?.otlpEndpoint !== undefined;
    return {
      ...fromEnv,
      enabled: t.enabled,
      consoleExport: t.consoleExport,
      tracesUrl: endpointSaved ? `${t.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` : fromEnv.tracesUrl,
      serviceName: t.serviceName,
      samplingRatio: t.samplingRatio,
      captureContent: t.captureContent,
    };
  }

  private async load(): Promise<void> {
    try {
      this.savedSecrets = await this.secretStore.load();
    } catch (error) {
      this.logger.warn(`Saved secrets could not be read (${String(error)}); using the environment's.`);
    }
    let text: string | null;
    try {
      text = await readOptional(this.file);
    } catch (error) {
      this.logger.warn(`Settings could not be read (${String(error)}); using defaults.`);
      return;
    }
    if (text === null) return;
    try {
      const data = JSON.parse(text) as { version?: unknown; values?: Saved };
      if (data.version !== 1 || typeof data.values !== 'object' || data.values === null) throw new Error('unknown format');
      const checked = SettingsSchema.safeParse(merge(this.envValues, data.values));
      if (!checked.success) throw new Error(Object.entries(fieldErrors(checked.error)).map(([k, v]) => `${k}: ${v}`).join('; '));
      this.saved = data.values;
    } catch (error) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside).catch(() => {});
      this.logger.warn(`Settings file ${this.file} was unreadable (${(error as Error).message}); moved it to ${aside} and started from the environment's settings.`);
    }
  }
}

/** The settings the environment (and .env) gives, over the defaults. */
export function settingsFromEnv(env: Env, warn: (message: string) => void): Settings {
  const pipeline = readPipelineConfig(env, warn);
  const telemetry = readTelemetryConfig(env, warn);
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return {
    tracing: {
      enabled: telemetry.enabled,
      consoleExport: telemetry.consoleExport,
      otlpEndpoint: endpoint && telemetry.tracesUrl.startsWith(endpoint.replace(/\/+$/, '')) ? endpoint.replace(/\/+$/, '') : telemetry.tracesUrl.replace(/\/v1\/traces$/, ''),
      serviceName: telemetry.serviceName,
      samplingRatio: telemetry.samplingRatio,
      captureContent: telemetry.captureContent,
    },
    stt: { provider: pipeline.engines.stt.choice, baseUrl: pipeline.stt.baseURL ?? '', model: pipeline.stt.model, localModel: pipeline.engines.stt.localModel },
    llm: {
      provider: pipeline.engines.llm.choice,
      baseUrl: pipeline.llm.baseURL ?? '',
      model: pipeline.llm.model,
      systemPrompt: pipeline.systemPrompt,
      localModel: pipeline.engines.llm.localModel,
    },
    tts: {
      provider: pipeline.engines.tts.choice,
      baseUrl: pipeline.tts.baseURL ?? '',
      model: pipeline.tts.model,
      voice: pipeline.tts.voice,
      localVoice: pipeline.engines.tts.localVoice,
    },
    audio: {
      mode: 'hands-free',
      pushToTalkKey: 'Space',
      inputDeviceId: '',
      outputDeviceId: '',
      vadThreshold: pipeline.vad.threshold,
      silenceMs: pipeline.vad.silenceMs,
      minSpeechMs: pipeline.vad.minSpeechMs,
    },
  };
}

function without<T extends object>(value: T, key: string): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as T;
}

function merge(base: Settings, saved: Saved): Settings {
  const out = structuredClone(base);
  for (const section of Object.keys(out) as Section[]) Object.assign(out[section], saved[section] ?? {});
  return out;
}
