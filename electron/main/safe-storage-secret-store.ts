/**
 * Secrets on the desktop: encrypted with Electron's safeStorage (the OS
 * keychain, DPAPI or libsecret) before they touch the disk; the file's form
 * is EncryptedSecretStore's.
 */
import { safeStorage } from 'electron';
import { EncryptedSecretStore } from '../agent/settings/encrypted-secret-store';

export class SafeStorageSecretStore extends EncryptedSecretStore {
  constructor(path: string) {
    super(path, safeStorage, `${path} (encrypted with the system keychain)`);
  }
}
