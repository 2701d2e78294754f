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
import { SHOWN_FIELDS, readEnvironment, type AllSettings, type EnvironmentSettings } from '../../../shared/settings-fields';
import type { Logger } from '../logger';
import { pipelineConfig, type PipelineConfig } from '../pipeline/pipeline-config';
import { telemetryConfig, type TelemetryConfig } from '../telemetry/telemetry-config';
import { readOptional, writeFileAtomic } from './atomic-file';
import type { SecretStore, Secrets } from './secret-store';

type Env = Record<string, string | undefined>;
type Section = keyof Settings;
type Saved = { [S in Section]?: Partial<Settings[S]> };

export type UpdateResult = { ok: true; view: SettingsView } | { ok: false; errors: Record<string, string> };

/** What the settings give, computed once per change: reading it costs nothing. */
interface Snapshot {
  values: Settings;
  pipeline: PipelineConfig;
  telemetry: TelemetryConfig;
}

export class SettingsStore {
  private saved: Saved = {};
  private savedSecrets: Secrets = {};
  private readonly listeners = new Set<() => void>();
  private readonly fromEnv: EnvironmentSettings;
  private snapshot: Snapshot;

  private constructor(
    private readonly file: string,
    private readonly secretStore: SecretStore,
    private readonly logger: Logger,
    env: Env,
  ) {
    this.fromEnv = readEnvironment(env, (message) => logger.warn(message));
    this.snapshot = this.compute();
  }

  static async open(options: { dataDir: string; env: Env; secretStore: SecretStore; logger: Logger }): Promise<SettingsStore> {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const store = new SettingsStore(join(options.dataDir, 'settings.json'), options.secretStore, options.logger, options.env);
    await store.load();
    return store;
  }

  get values(): Settings {
    return this.snapshot.values;
  }

  secret(name: SecretName): string | undefined {
    return this.savedSecrets[name] ?? this.fromEnv.secrets[name];
  }

  get view(): SettingsView {
    const sources: Record<string, SettingSource> = {};
    for (const path of SHOWN_FIELDS.keys()) {
      const [section, key] = path.split('.') as [Section, string];
      sources[path] = (this.saved[section] as Record<string, unknown> | undefined)?.[key] !== undefined ? 'saved' : this.fromEnv.fromEnv.has(path) ? 'env' : 'default';
    }
    const secrets: SettingsView['secrets'] = {};
    for (const name of SECRET_NAMES) {
      const source: SettingSource = this.savedSecrets[name] ? 'saved' : this.fromEnv.fromEnv.has(`secrets.${name}`) ? 'env' : 'default';
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
      else if (SHOWN_FIELDS.has(field)) saved[section as Section] = without(saved[section as Section] ?? {}, key) as never;
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
    const candidate = SettingsSchema.safeParse(shownPart(merge(this.fromEnv.values, saved)));
    if (!candidate.success) return { ok: false, errors: fieldErrors(candidate.error) };
    const secretsChanged = JSON.stringify(secrets) !== JSON.stringify(this.savedSecrets);
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, values: saved }, null, 2)}\n`);
    if (secretsChanged) await this.secretStore.save(secrets);
    this.saved = saved;
    this.savedSecrets = secrets;
    this.snapshot = this.compute();
    for (const listener of this.listeners) listener();
    return { ok: true, view: this.view };
  }

  /** The MCP servers file the environment names (MCP_CONFIG), or '' for the default. Read once at start. */
  get mcpConfigFile(): string {
    return this.fromEnv.values.tools.mcpConfig;
  }

  /** The pipeline's configuration: the same object until the settings change. */
  pipelineConfig(): PipelineConfig {
    return this.snapshot.pipeline;
  }

  /** Tracing's configuration: the same object until the settings change. */
  telemetryConfig(): TelemetryConfig {
    return this.snapshot.telemetry;
  }

  private compute(): Snapshot {
    const all = merge(this.fromEnv.values, this.saved);
    // An endpoint the user saved replaces the environment's signal-specific one too.
    if (this.saved.tracing?.otlpEndpoint !== undefined) all.export.tracesEndpoint = '';
    const secrets: Secrets = {};
    for (const name of SECRET_NAMES) {
      const value = this.secret(name);
      if (value !== undefined) secrets[name] = value;
    }
    return { values: shownPart(all), pipeline: pipelineConfig(all, secrets), telemetry: telemetryConfig(all, secrets) };
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
      const checked = SettingsSchema.safeParse(shownPart(merge(this.fromEnv.values, data.values)));
      if (!checked.success) throw new Error(Object.entries(fieldErrors(checked.error)).map(([k, v]) => `${k}: ${v}`).join('; '));
      this.saved = data.values;
    } catch (error) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        await rename(this.file, aside);
        this.logger.warn(`Settings file ${this.file} was unreadable (${(error as Error).message}); moved it to ${aside} and started from the environment's settings.`);
      } catch (renameError) {
        this.logger.warn(`Settings file ${this.file} was unreadable (${(error as Error).message}) and could not be moved aside (${String(renameError)}); started from the environment's settings, and the next save replaces it.`);
      }
    } finally {
      this.snapshot = this.compute();
    }
  }
}

function without<T extends object>(value: T, key: string): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as T;
}

/** The environment's values with the saved ones over them. */
function merge(base: AllSettings, saved: Saved): AllSettings {
  const out = structuredClone(base);
  for (const section of Object.keys(SettingsSchema.shape) as Section[]) Object.assign(out[section], saved[section] ?? {});
  return out;
}

/** The sections the pane shows. */
function shownPart(all: AllSettings): Settings {
  return Object.fromEntries(Object.keys(SettingsSchema.shape).map((section) => [section, all[section as Section]])) as Settings;
}
