/**
 * Settings: the environment (and .env) gives the starting values, what the
 * user saves wins and is kept in the data folder (settings.json, written
 * atomically; secrets in their own store, written first). Changes run one
 * after another, each from what the previous one left. A corrupt file is
 * moved aside and the app starts from the environment; so is a secrets file
 * that cannot be read, and the pane says which secrets to type again.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
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
import { parseJsonText } from '../../../shared/json-text';
import type { Logger } from '../util/logger';
import { moveAside, readOptional, writeFileAtomic } from '../util/atomic-file';
import { openaiKeyOrigins } from '../../../shared/endpoints';
import { secretFor, secretOrigins, type BoundSecret, type SecretFor } from './secret-origins';
import { secretStatuses, type LostSecrets } from './secret-status';
import { UnreadableSecretsError, reasonOf, type SavedSecrets, type SecretStore } from './secret-store';

type Env = Record<string, string | undefined>;
type Section = keyof Settings;
type Saved = { [S in Section]?: Partial<Settings[S]> };
/** Saved secrets, each bound to its origins. */
type Bound = Partial<Record<SecretName, BoundSecret>>;

export type UpdateResult = { ok: true; view: SettingsView } | { ok: false; errors: Record<string, string> };

/**
 * The settings in force, a new object at each change: what the pane shows,
 * everything including the environment-only values, and the secret each
 * address may be sent. Whoever uses them derives its own configuration
 * (pipeline-config.ts, telemetry-config.ts).
 */
export interface SettingsSnapshot {
  readonly values: Settings;
  readonly all: AllSettings;
  readonly secretFor: SecretFor;
}

export class SettingsStore {
  private saved: Saved = {};
  private savedSecrets: Bound = {};
  /** The secrets file that could not be read at start, until what it held is saved again. */
  private lost: LostSecrets | null = null;
  /** Secrets read from a file written before they were bound to origins: the next update writes them with theirs. */
  private secretsUnbound = false;
  /** The update in progress: the next one starts from what it leaves. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();
  private readonly fromEnv: EnvironmentSettings;
  private snapshot: SettingsSnapshot;

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

  /** The settings in force: the same object until they change. */
  get current(): SettingsSnapshot {
    return this.snapshot;
  }

  /** The saved or environment value of a secret, wherever it may be sent. */
  secret(name: SecretName): string | undefined {
    return this.savedSecrets[name]?.value ?? this.fromEnv.secrets[name];
  }

  get view(): SettingsView {
    const sources: Record<string, SettingSource> = {};
    for (const path of SHOWN_FIELDS.keys()) {
      const [section, key] = path.split('.') as [Section, string];
      sources[path] = (this.saved[section] as Record<string, unknown> | undefined)?.[key] !== undefined ? 'saved' : this.fromEnv.fromEnv.has(path) ? 'env' : 'default';
    }
    const statuses = secretStatuses({ settings: this.effective(this.saved), saved: (name) => this.bound(name, this.savedSecrets[name]), env: (name) => this.envSecret(name), lost: this.lost });
    return { values: this.values, sources, ...statuses, location: this.file };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Validates the whole result before anything is saved; invalid fields come
   * back with messages. Updates run one after another, each from the values
   * the previous one left.
   */
  update(raw: unknown): Promise<UpdateResult> {
    const run = this.queue.then(() => this.apply(raw));
    // A failed update is reported to its caller; the next one still runs.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(raw: unknown): Promise<UpdateResult> {
    const parsed = SettingsPatchSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
    const patch = parsed.data;
    const saved: Saved = structuredClone(this.saved);
    let secrets: Bound = { ...this.savedSecrets };
    for (const field of patch.reset ?? []) {
      const [section, key] = field.split('.') as [string, string];
      if (section === 'secrets' && (SECRET_NAMES as readonly string[]).includes(key)) secrets = without(secrets, key);
      else if (SHOWN_FIELDS.has(field)) saved[section as Section] = without(saved[section as Section] ?? {}, key) as never;
      else return { ok: false, errors: { [field]: 'unknown setting' } };
    }
    for (const [section, values] of Object.entries(patch.values ?? {}) as [Section, Record<string, unknown>][]) {
      saved[section] = { ...(saved[section] ?? {}), ...values } as never;
    }
    const next = this.effective(saved);
    const candidate = SettingsSchema.safeParse(shownPart(next));
    if (!candidate.success) return { ok: false, errors: fieldErrors(candidate.error) };
    // A secret given now belongs to the address in force after this change.
    for (const [name, value] of Object.entries(patch.secrets ?? {}) as [SecretName, string | null | undefined][]) {
      if (value === undefined) continue;
      if (value === null || value === '') secrets = without(secrets, name);
      else secrets[name] = { value, origins: secretOrigins(next, name) };
    }
    const secretsChanged = this.secretsUnbound || JSON.stringify(secrets) !== JSON.stringify(this.savedSecrets);
    if (secretsChanged && this.lost && !this.lost.movedTo) {
      return { ok: false, errors: { settings: `The secrets file ${this.lost.file} could not be read nor moved aside; remove or repair it before saving keys.` } };
    }
    // Secrets first: a settings file is never on disk without the secrets it needs.
    if (secretsChanged) await this.secretStore.save(secrets);
    try {
      await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, values: saved }, null, 2)}\n`);
    } catch (error) {
      if (secretsChanged) await this.restoreSecrets();
      throw error;
    }
    this.saved = saved;
    this.savedSecrets = secrets;
    this.secretsUnbound = false;
    if (secretsChanged) this.lost = stillLost(this.lost, secrets);
    this.snapshot = this.compute();
    for (const listener of this.listeners) listener();
    return { ok: true, view: this.view };
  }

  /** After a settings write failed: the secrets file back as it was (the change is not applied). */
  private async restoreSecrets(): Promise<void> {
    try {
      await this.secretStore.save(this.savedSecrets);
    } catch (error) {
      this.logger.warn(`Saved secrets could not be put back after the settings could not be saved (${reasonOf(error)}); they now hold the change that was not applied.`);
    }
  }

  /** The MCP servers file the environment names (MCP_CONFIG), or '' for the default. Read once at start. */
  get mcpConfigFile(): string {
    return this.fromEnv.values.tools.mcpConfig;
  }

  /** The settings in force with these saved values over the environment's. */
  private effective(saved: Saved): AllSettings {
    const all = merge(this.fromEnv.values, saved);
    // An endpoint the user saved replaces the environment's signal-specific one too.
    if (saved.tracing?.otlpEndpoint !== undefined) all.export.tracesEndpoint = '';
    return all;
  }

  /** A secret with the origins it may go to; the OpenAI key's are fixed (OpenAI and OPENAI_BASE_URL). */
  private bound(name: SecretName, secret: BoundSecret | undefined): BoundSecret | undefined {
    if (!secret) return undefined;
    return name === 'openaiApiKey' ? { value: secret.value, origins: openaiKeyOrigins(this.fromEnv.values) } : secret;
  }

  /** The environment's secret, given for the addresses the environment itself names. */
  private envSecret(name: SecretName): BoundSecret | undefined {
    const value = this.fromEnv.secrets[name];
    return value === undefined ? undefined : this.bound(name, { value, origins: secretOrigins(this.fromEnv.values, name) });
  }

  private compute(): SettingsSnapshot {
    const all = this.effective(this.saved);
    const candidates = (name: SecretName) => [this.bound(name, this.savedSecrets[name]), this.envSecret(name)].filter((c) => c !== undefined);
    return { values: shownPart(all), all, secretFor: secretFor(candidates) };
  }

  private async load(): Promise<void> {
    try {
      await this.loadSettings();
    } finally {
      await this.loadSecrets();
      this.snapshot = this.compute();
    }
  }

  private async loadSettings(): Promise<void> {
    let text: string | null;
    try {
      text = await readOptional(this.file);
    } catch (error) {
      this.logger.warn(`Settings could not be read (${String(error)}); using defaults.`);
      return;
    }
    if (text === null) return;
    try {
      const data = parseJsonText(text, basename(this.file)) as { version?: unknown; values?: Saved } | null;
      if (data?.version !== 1 || typeof data.values !== 'object' || data.values === null) throw new Error('unknown format');
      const checked = SettingsSchema.safeParse(shownPart(merge(this.fromEnv.values, data.values)));
      if (!checked.success) throw new Error(Object.entries(fieldErrors(checked.error)).map(([k, v]) => `${k}: ${v}`).join('; '));
      this.saved = data.values;
    } catch (error) {
      try {
        const aside = await moveAside(this.file, 'corrupt');
        this.logger.warn(`Settings file ${this.file} was unreadable (${(error as Error).message}); moved it to ${aside} and started from the environment's settings.`);
      } catch (renameError) {
        this.logger.warn(`Settings file ${this.file} was unreadable (${(error as Error).message}) and could not be moved aside (${String(renameError)}); started from the environment's settings, and the next save replaces it.`);
      }
    }
  }

  /** The saved secrets, each bound to its origins (one from an earlier version to the address it was in use for). */
  private async loadSecrets(): Promise<void> {
    let loaded: SavedSecrets;
    try {
      loaded = await this.secretStore.load();
    } catch (error) {
      await this.setAside(error);
      return;
    }
    const settings = this.effective(this.saved);
    for (const name of SECRET_NAMES) {
      const secret = loaded[name];
      if (!secret) continue;
      this.savedSecrets[name] = { value: secret.value, origins: secret.origins ?? secretOrigins(settings, name) };
      if (!secret.origins) this.secretsUnbound = true;
    }
  }

  /** A secrets file that cannot be read is moved aside, never written over; the pane says what to type again. */
  private async setAside(error: unknown): Promise<void> {
    const file = error instanceof UnreadableSecretsError ? error.file : this.secretStore.description;
    const reason = error instanceof UnreadableSecretsError ? error.reason : reasonOf(error);
    const names = error instanceof UnreadableSecretsError ? error.names : null;
    try {
      const movedTo = await this.secretStore.moveAside();
      this.lost = { file, reason, movedTo, names };
      this.logger.warn(`Saved secrets ${file} could not be read (${reason}); moved the file to ${movedTo}. Using the environment's; keys typed in Settings must be typed again.`);
    } catch (moveError) {
      this.lost = { file, reason, movedTo: null, names };
      this.logger.warn(`Saved secrets ${file} could not be read (${reason}) nor moved aside (${reasonOf(moveError)}); using the environment's, and no key is saved until the file is removed or repaired.`);
    }
  }
}

/** What of the lost secrets is still to be typed again after a save. */
function stillLost(lost: LostSecrets | null, secrets: Bound): LostSecrets | null {
  if (!lost?.movedTo) return lost;
  if (lost.names === null) return Object.keys(secrets).length > 0 ? null : lost;
  const names = lost.names.filter((name) => !secrets[name]);
  return names.length > 0 ? { ...lost, names } : null;
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
