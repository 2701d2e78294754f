/**
 * Secrets encrypted before they touch the disk (on the desktop with
 * Electron's safeStorage: the OS keychain, DPAPI or libsecret). The file says
 * in the clear which secrets it holds (names only), so that when the keychain
 * cannot decrypt it the settings pane can say which ones to type again.
 */
import { basename } from 'node:path';
import { parseJsonText } from '../../../shared/json-text';
import { moveAside, readOptional, writeFileAtomic } from '../util/atomic-file';
import { UnreadableSecretsError, decodeSecrets, encodeSecrets, pickNames, reasonOf, type SavedSecrets, type SecretName, type SecretStore } from './secret-store';

/** What encrypts the file: safeStorage's two calls. */
export interface Cipher {
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
}

export class EncryptedSecretStore implements SecretStore {
  constructor(
    private readonly path: string,
    private readonly cipher: Cipher,
    readonly description: string,
  ) {}

  async load(): Promise<SavedSecrets> {
    let names: SecretName[] | null = null;
    try {
      const text = await readOptional(this.path);
      if (text === null) return {};
      const trimmed = text.trim();
      let encrypted = trimmed;
      // `{"version":2,"names":[...],"data":"<base64>"}`; earlier files are the bare base64.
      if (trimmed.startsWith('{')) {
        const outer = parseJsonText(trimmed, basename(this.path)) as { names?: unknown; data?: unknown };
        names = pickNames(outer.names);
        encrypted = typeof outer.data === 'string' ? outer.data : '';
      }
      return decodeSecrets(parseJsonText(this.cipher.decryptString(Buffer.from(encrypted, 'base64')), basename(this.path)));
    } catch (error) {
      throw new UnreadableSecretsError(this.path, reasonOf(error), names);
    }
  }

  async save(secrets: SavedSecrets): Promise<void> {
    const data = this.cipher.encryptString(encodeSecrets(secrets)).toString('base64');
    await writeFileAtomic(this.path, `${JSON.stringify({ version: 2, names: Object.keys(secrets), data })}\n`, 0o600);
  }

  moveAside(): Promise<string> {
    return moveAside(this.path, 'unreadable');
  }
}
