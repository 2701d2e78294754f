/**
 * Where API keys and OTLP headers are kept. They stay in main: the renderer
 * only learns whether each is set. The headless host keeps them in a file
 * only the user can read (0600); the desktop app encrypts them with Electron's
 * safeStorage (see electron/main).
 */
import { chmod } from 'node:fs/promises';
import { SECRET_NAMES } from '../../../shared/settings';
import type { Secrets } from '../../../shared/settings-fields';
import { ignoreFailure } from '../ignore-failure';
import { readOptional, writeFileAtomic } from './atomic-file';

export type { Secrets };

export interface SecretStore {
  readonly description: string;
  load(): Promise<Secrets>;
  save(secrets: Secrets): Promise<void>;
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

export class FileSecretStore implements SecretStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `${path} (readable only by you)`;
  }

  async load(): Promise<Secrets> {
    const text = await readOptional(this.path);
    if (text === null) return {};
    // Tightens a file made by hand; where the file system has no modes (FAT, some mounts) there is nothing to tighten.
    await ignoreFailure(chmod(this.path, 0o600));
    return pickSecrets(JSON.parse(text));
  }

  async save(secrets: Secrets): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(secrets)}\n`, 0o600);
  }
}
