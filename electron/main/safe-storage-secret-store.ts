/**
 * Secrets on the desktop: encrypted with Electron's safeStorage (the OS
 * keychain, DPAPI or libsecret) before they touch the disk.
 */
import { safeStorage } from 'electron';
import { readOptional, writeFileAtomic } from '../agent/settings/atomic-file';
import { pickSecrets, type SecretStore, type Secrets } from '../agent/settings/secret-store';

export class SafeStorageSecretStore implements SecretStore {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `${path} (encrypted with the system keychain)`;
  }

  async load(): Promise<Secrets> {
    const encoded = await readOptional(this.path);
    if (encoded === null) return {};
    return pickSecrets(JSON.parse(safeStorage.decryptString(Buffer.from(encoded.trim(), 'base64'))));
  }

  async save(secrets: Secrets): Promise<void> {
    const encrypted = safeStorage.encryptString(JSON.stringify(secrets));
    await writeFileAtomic(this.path, `${encrypted.toString('base64')}\n`, 0o600);
  }
}
