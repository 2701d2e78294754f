/**
 * The desktop's secrets file with a real cipher (AES-GCM standing in for the
 * keychain): a keychain that cannot decrypt it (another key, as after a
 * keyring reset) gets the file moved aside, never overwritten, and the pane
 * names the secrets to type again.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger';
import { EncryptedSecretStore, type Cipher } from './encrypted-secret-store';
import { SettingsStore } from './settings-store';
import { pipelineConfigOf } from '../pipeline/pipeline-config';

function keychain(key = randomBytes(32)): Cipher {
  return {
    encryptString(text) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(data) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function open(dir: string, cipher: Cipher, env: Record<string, string> = {}) {
  return SettingsStore.open({ dataDir: dir, env, secretStore: new EncryptedSecretStore(join(dir, 'secrets.bin'), cipher, 'test keychain'), logger: silentLogger });
}

describe('EncryptedSecretStore', () => {
  it('keeps values encrypted and names in the clear; another keychain gets the file moved aside and the names to type again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'encrypted-secrets-'));
    dirs.push(dir);
    const store = await open(dir, keychain());
    await store.update({ secrets: { llmApiKey: 'sk-SECRET-llm', otlpHeaders: 'x-auth=SECRET-hdr' } });
    const file = readFileSync(join(dir, 'secrets.bin'), 'utf8');
    expect(file).not.toContain('SECRET');
    expect(JSON.parse(file)).toMatchObject({ version: 2, names: ['llmApiKey', 'otlpHeaders'] });

    const locked = await open(dir, keychain());
    expect(locked.view.notice).toMatch(/Type again: language model API key, OTLP headers\.$/);
    expect(locked.view.secrets.llmApiKey).toMatchObject({ set: false, note: expect.stringMatching(/^Could not be read/) });
    const aside = readdirSync(dir).find((f) => f.startsWith('secrets.bin.unreadable-'));
    expect(aside).toBeDefined();
    await locked.update({ secrets: { ttsApiKey: 'sk-tts' } });
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe(file);
  });

  it('reads the earlier form (bare base64 of the names and values) and binds its keys to where they were in use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'encrypted-secrets-'));
    dirs.push(dir);
    const cipher = keychain();
    writeFileSync(join(dir, 'secrets.bin'), `${cipher.encryptString(JSON.stringify({ sttApiKey: 'sk-stt' })).toString('base64')}\n`);
    const store = await open(dir, cipher, { STT_BASE_URL: 'http://127.0.0.1:8000/v1' });
    expect(pipelineConfigOf(store.current).stt.apiKey).toBe('sk-stt');
    await store.update({ values: { stt: { baseUrl: 'http://127.0.0.1:9000/v1' } } });
    expect(pipelineConfigOf(store.current).stt.apiKey).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, 'secrets.bin'), 'utf8'))).toMatchObject({ version: 2, names: ['sttApiKey'] });
  });
});
