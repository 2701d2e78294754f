/**
 * A conversation with every stage on this computer needs no network at all:
 * it runs in a fresh network namespace (no interface up, not even loopback)
 * and must still answer and speak, and the process must not even try to
 * reach anything beyond loopback.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeTinyModel } from './testing/tiny-gguf';
import { writeTinyWhisperModel } from './testing/tiny-whisper-model';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'offline-net-'));
  await writeTinyModel(join(dir, 'tiny.gguf'));
  writeTinyWhisperModel(join(dir, 'tiny-whisper.bin'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Network namespaces need root (or user namespaces); CI runs as root. */
const canIsolate = spawnSync('unshare', ['-n', 'true']).status === 0;

it('holds a local conversation with the network cut off, reaching nothing beyond loopback', { timeout: 120_000 }, async () => {
  const script = join(import.meta.dirname, 'testing/offline-conversation.ts');
  const node = [process.execPath, '--import', 'tsx', script, join(dir, 'tiny.gguf'), join(dir, 'tiny-whisper.bin')];
  const [command, ...args] = canIsolate ? ['unshare', '-n', ...node] : node;
  const { stdout } = await promisify(execFile)(command!, args, { timeout: 110_000, maxBuffer: 10 * 2 ** 20, env: { ...process.env, LLAMA_LOG_LEVEL: 'error' } });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '{}';
  const result = JSON.parse(line) as { reply?: string; audioChunks?: number; notices?: string[]; attempts?: string[]; fatal?: string };
  expect(result.fatal).toBeUndefined();
  expect(result.notices).toEqual([]);
  expect(result.reply?.trim().length).toBeGreaterThan(0);
  expect(result.audioChunks).toBeGreaterThan(0);
  const beyondLoopback = (result.attempts ?? []).filter((a) => !/^(connect|dns) (127\.|::1|localhost)|^error /.test(a));
  expect(beyondLoopback).toEqual([]);
  if (!canIsolate) console.warn('offline-network: no network namespace here (needs root); checked by recording connections only.');
});
