/**
 * Where API keys and OTLP headers are kept, each with the origins it was
 * given for (see secret-origins.ts). They stay in main: the renderer only
 * learns whether each is set. The headless host keeps them in a file only
 * the user can read (0600); the desktop app encrypts them with Electron's
 * safeStorage (see electron/main). A file that is there but cannot be read
 * is never written over: it is moved aside first.
 */
import { chmod } from 'node:fs/promises';
import { basename } from 'node:path';
import { SECRET_NAMES, type SecretName } from '../../../shared/settings';
import type { Secrets } from '../../../shared/settings-fields';
import { parseJsonText } from '../../../shared/json-text';
import { ignoreFailure } from '../util/ignore-failure';
import { moveAside, readOptional, writeFileAtomic } from '../util/atomic-file';

export type { SecretName, Secrets };

/** A saved secret; `origins` is missing in a file written before secrets were bound to their address. */
export interface SavedSecret {
  value: string;
  origins?: readonly string[];
}
export type SavedSecrets = Partial<Record<SecretName, SavedSecret>>;

export interface SecretStore {
  readonly description: string;
  /** The saved secrets, {} when there are none; throws UnreadableSecretsError when the file is there but cannot be read. */
  load(): Promise<SavedSecrets>;
  save(secrets: SavedSecrets): Promise<void>;
  /** Moves the file aside (after a failed load) so that the next save starts a new one; returns where it went. */
  moveAside(): Promise<string>;
}

/** The secrets file is there but cannot be read (corrupt, or the keychain cannot decrypt it). */
export class UnreadableSecretsError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** The names it held, where the file says so without decrypting; null when unknown. */
    readonly names: readonly SecretName[] | null = null,
  ) {
    super(`${file} could not be read (${reason})`);
  }
}

export function pickSecrets(value: unknown): Secrets {
  const out: Secrets = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const name of SECRET_NAMES) {
    const secret = (value as Record<string, unknown>)[name];
    if (typeof secret === 'string' && secret) out[name] = secret;
  }
  return out;
}

/** The secrets' names among a list (the clear part of an encrypted file). */
export function pickNames(value: unknown): SecretName[] | null {
  return Array.isArray(value) ? SECRET_NAMES.filter((name) => value.includes(name)) : null;
}

/** The JSON the secrets are kept as: `{"version":2,"secrets":{name:{value,origins}}}`. */
export function encodeSecrets(secrets: SavedSecrets): string {
  return JSON.stringify({ version: 2, secrets });
}

/** Reads what encodeSecrets wrote, and the earlier `{name: value}` form (whose secrets have no origins yet). */
export function decodeSecrets(value: unknown): SavedSecrets {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a secrets file');
  const data = value as { version?: unknown; secrets?: unknown };
  if (data.version === undefined) return Object.fromEntries(Object.entries(pickSecrets(value)).map(([name, secret]) => [name, { value: secret }]));
  if (data.version !== 2 || typeof data.secrets !== 'object' || data.secrets === null) throw new Error('unknown format');
  const out: SavedSecrets = {};
  for (const name of SECRET_NAMES) {
    const entry = (data.secrets as Record<string, unknown>)[name] as { value?: unknown; origins?: unknown } | undefined;
    if (typeof entry?.value !== 'string' || !entry.value) continue;
    const origins = Array.isArray(entry.origins) ? entry.origins.filter((o): o is string => typeof o === 'string') : undefined;
    out[name] = origins ? { value: entry.value, origins } : { value: entry.value };
  }
  return out;
}

/** What went wrong, without the file's content. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class FileSecretStore implements SecretStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `${path} (readable only by you)`;
  }

  async load(): Promise<SavedSecrets> {
    try {
      const text = await readOptional(this.path);
      if (text === null) return {};
      // Tightens a file made by hand; where the file system has no modes (FAT, some mounts) there is nothing to tighten.
      await ignoreFailure(chmod(this.path, 0o600));
      return decodeSecrets(parseJsonText(text, basename(this.path)));
    } catch (error) {
      throw new UnreadableSecretsError(this.path, reasonOf(error));
    }
  }

  async save(secrets: SavedSecrets): Promise<void> {
    await writeFileAtomic(this.path, `${encodeSecrets(secrets)}\n`, 0o600);
  }

  moveAside(): Promise<string> {
    return moveAside(this.path, 'unreadable');
  }
}
