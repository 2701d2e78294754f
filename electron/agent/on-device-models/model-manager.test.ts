import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelFileServer, type ModelFileServer } from '../testing/model-file-server';
import { rejection } from '../testing/rejection';
import type { CatalogModel } from './model-catalog';
import { ModelDownloadError } from './model-download';
import { ModelFileError } from './model-file';
import { ModelManager, type ModelEvent, type ModelStatus } from './model-manager';

const whisper = randomBytes(1_200_000);
const llm = randomBytes(900_000);

let server: ModelFileServer;
let dataDir: string;
beforeAll(async () => {
  server = await startModelFileServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  server.serve('/whisper.bin', whisper);
  server.serve('/llm.gguf', llm);
  dataDir = await mkdtemp(join(tmpdir(), 'model-manager-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const catalog = (): CatalogModel[] => [
  {
    id: 'stt-test',
    stage: 'stt',
    title: 'Test whisper',
    fileName: 'whisper.bin',
    url: `${server.url}/whisper.bin`,
    sizeBytes: whisper.length,
    digest: { algorithm: 'sha1', hex: createHash('sha1').update(whisper).digest('hex') },
    license: 'MIT',
    description: 'test',
  },
  {
    id: 'llm-test',
    stage: 'llm',
    title: 'Test LLM',
    fileName: 'llm.gguf',
    url: `${server.url}/llm.gguf`,
    sizeBytes: llm.length,
    digest: { algorithm: 'sha256', hex: createHash('sha256').update(llm).digest('hex') },
    license: 'Apache-2.0',
    description: 'test',
  },
];

const open = (models = catalog()) => ModelManager.open({ dataDir, catalog: models, download: { progressIntervalMs: 10, stallTimeoutMs: 2_000, retryDelayMs: 10 } });
const modelsDir = () => join(dataDir, 'models');

function record(manager: ModelManager): ModelEvent[] {
  const events: ModelEvent[] = [];
  manager.subscribe((event) => events.push(event));
  return events;
}

const states = (events: ModelEvent[], id: string) => events.flatMap((e) => (e.type === 'status' && e.id === id ? [e.status.state] : [])).filter((s, i, all) => s !== all[i - 1]);

const cancelled = (promise: Promise<unknown>) => rejection(promise, ModelDownloadError);

describe('ModelManager', () => {
  it('starts with every model missing and downloads nothing on its own', async () => {
    const manager = await open();
    expect(manager.list().map((e) => [e.model.id, e.status])).toEqual([
      ['stt-test', { state: 'missing', partialBytes: 0 }],
      ['llm-test', { state: 'missing', partialBytes: 0 }],
    ]);
    expect(manager.modelPath('stt')).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(0);
  });

  it('goes missing -> downloading -> ready, and records the file in the manifest', async () => {
    server.throttle(64 * 1024, 5);
    const manager = await open();
    const events = record(manager);
    const ready = await manager.download('stt-test');

    const path = join(modelsDir(), 'whisper.bin');
    expect(ready).toEqual({ state: 'ready', path, sizeBytes: whisper.length });
    expect(manager.status('stt-test')).toEqual(ready);
    expect(states(events, 'stt-test')).toEqual(['downloading', 'ready']);
    const progress = events.flatMap((e) => (e.type === 'status' && e.status.state === 'downloading' ? [e.status.progress.receivedBytes] : []));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(whisper.length);
    expect((await readFile(path)).equals(whisper)).toBe(true);
    expect(manager.modelPath('stt')).toBe(path);
    expect(manager.modelPath('llm')).toBeNull();

    const manifest = JSON.parse(await readFile(join(modelsDir(), 'manifest.json'), 'utf8')) as { downloaded: Record<string, { digests: Record<string, string> }> };
    expect(manifest.downloaded['stt-test']!.digests).toEqual({
      sha256: createHash('sha256').update(whisper).digest('hex'),
      sha1: createHash('sha1').update(whisper).digest('hex'),
    });
    expect(await manager.download('stt-test')).toEqual(ready);
    expect(server.requests).toHaveLength(1);
  });

  it('joins a second download call to the running one', async () => {
    server.throttle(64 * 1024, 5);
    const manager = await open();
    const first = manager.download('llm-test');
    const second = manager.download('llm-test');
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect(server.requests).toHaveLength(1);
  });

  it('finds ready models at start from the manifest without hashing them again', async () => {
    const first = await open();
    await first.download('llm-test');
    const path = join(modelsDir(), 'llm.gguf');
    // Same size and modification time, different bytes: only a re-hash would notice.
    const { mtime } = await stat(path);
    await writeFile(path, randomBytes(llm.length));
    await utimes(path, mtime, mtime);

    const reopened = await open();
    expect(reopened.status('llm-test')).toEqual({ state: 'ready', path, sizeBytes: llm.length });
    expect(reopened.modelPath('llm')).toBe(path);
  });

  it('treats a file whose size or time changed as missing', async () => {
    const first = await open();
    await first.download('llm-test');
    await writeFile(join(modelsDir(), 'llm.gguf'), llm.subarray(0, 1000));
    const reopened = await open();
    expect(reopened.status('llm-test')).toEqual({ state: 'missing', partialBytes: 0 });
  });

  it('adopts a complete file already in the folder after hashing it once, without the network', async () => {
    await mkdir(modelsDir(), { recursive: true });
    await writeFile(join(modelsDir(), 'whisper.bin'), whisper);
    const manager = await open();
    expect(manager.status('stt-test').state).toBe('missing');
    await manager.download('stt-test');
    expect(server.requests).toHaveLength(0);
    expect(manager.status('stt-test').state).toBe('ready');
  });

  it('replaces a wrong file already in the folder by downloading', async () => {
    await mkdir(modelsDir(), { recursive: true });
    await writeFile(join(modelsDir(), 'whisper.bin'), randomBytes(whisper.length));
    const manager = await open();
    await manager.download('stt-test');
    expect(server.requests).toHaveLength(1);
    expect((await readFile(join(modelsDir(), 'whisper.bin'))).equals(whisper)).toBe(true);
  });

  it('cancels to missing with the partial size, and a later download resumes', async () => {
    server.throttle(32 * 1024, 5);
    const manager = await open();
    const events = record(manager);
    const download = manager.download('stt-test');
    await new Promise<void>((resolve) =>
      manager.subscribe((e) => {
        if (e.type === 'status' && e.status.state === 'downloading' && e.status.progress.receivedBytes > 200_000) resolve();
      }),
    );
    await manager.cancel('stt-test');
    const error = await cancelled(download);
    expect(error.kind).toBe('cancelled');
    const status = manager.status('stt-test') as Extract<ModelStatus, { state: 'missing' }>;
    expect(status.state).toBe('missing');
    expect(status.partialBytes).toBeGreaterThan(200_000);
    expect(states(events, 'stt-test')).toEqual(['downloading', 'missing']);

    const reopened = await open();
    expect(reopened.status('stt-test')).toEqual(status);
    server.throttle(256 * 1024, 0);
    await reopened.download('stt-test');
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${status.partialBytes}-`, status: 206 });
    expect((await readFile(join(modelsDir(), 'whisper.bin'))).equals(whisper)).toBe(true);
  });

  it('shows an error status with a clear message, and recovers on the next download', async () => {
    server.fail({ kind: 'status', status: 404 });
    const manager = await open();
    const error = await cancelled(manager.download('llm-test'));
    expect(error.kind).toBe('not_found');
    expect(manager.status('llm-test')).toEqual({ state: 'error', kind: 'not_found', message: error.message, partialBytes: 0 });
    expect(error.message).toContain('llm.gguf');
    await manager.download('llm-test');
    expect(manager.status('llm-test').state).toBe('ready');
  });

  it('reports a checksum mismatch as an error and deletes the partial file', async () => {
    const models = catalog();
    models[1] = { ...models[1]!, digest: { algorithm: 'sha256', hex: '0'.repeat(64) } };
    const manager = await open(models);
    const error = await cancelled(manager.download('llm-test'));
    expect(error.kind).toBe('digest_mismatch');
    expect(manager.status('llm-test')).toMatchObject({ state: 'error', kind: 'digest_mismatch', partialBytes: 0 });
    await expect(stat(join(modelsDir(), 'llm.gguf.part'))).rejects.toThrow();
    await expect(stat(join(modelsDir(), 'llm.gguf'))).rejects.toThrow();
  });

  it('removes a model, cancelling a running download first', async () => {
    const manager = await open();
    await manager.download('llm-test');
    await manager.remove('llm-test');
    expect(manager.status('llm-test')).toEqual({ state: 'missing', partialBytes: 0 });
    await expect(stat(join(modelsDir(), 'llm.gguf'))).rejects.toThrow();
    expect((await open()).status('llm-test').state).toBe('missing');

    server.throttle(16 * 1024, 10);
    const running = manager.download('stt-test');
    await new Promise((r) => setTimeout(r, 50));
    await manager.remove('stt-test');
    expect((await cancelled(running)).kind).toBe('cancelled');
    expect(manager.status('stt-test')).toEqual({ state: 'missing', partialBytes: 0 });
    await expect(stat(join(modelsDir(), 'whisper.bin.part'))).rejects.toThrow();
  });

  it('uses a picked file after checking its magic, and remembers it', async () => {
    const picked = join(dataDir, 'my-whisper.bin');
    const head = Buffer.alloc(128);
    head.writeUInt32LE(0x67676d6c, 0);
    await writeFile(picked, head);
    const manager = await open();
    const events = record(manager);
    const file = await manager.usePickedFile('stt', picked);
    expect(file).toMatchObject({ stage: 'stt', path: picked, sizeBytes: 128, format: 'ggml' });
    expect(events).toEqual([{ type: 'picked', stage: 'stt', file }]);
    expect(manager.modelPath('stt')).toBe(picked);
    expect((await open()).pickedFile('stt')).toEqual(file);

    await manager.clearPickedFile('stt');
    expect(manager.modelPath('stt')).toBeNull();
    expect((await open()).pickedFile('stt')).toBeNull();
  });

  it('refuses a picked file with the wrong magic or no file, and forgets one that disappeared', async () => {
    const manager = await open();
    const gguf = join(dataDir, 'model.gguf');
    await writeFile(gguf, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(60)]));
    await expect(manager.usePickedFile('stt', gguf)).rejects.toMatchObject({ problem: 'wrong_format' });
    await expect(manager.usePickedFile('llm', join(dataDir, 'nothing.gguf'))).rejects.toBeInstanceOf(ModelFileError);
    expect(manager.pickedFile('stt')).toBeNull();

    await manager.usePickedFile('llm', gguf);
    await rm(gguf);
    expect((await open()).pickedFile('llm')).toBeNull();
  });

  it('throws for an unknown model id', async () => {
    const manager = await open();
    expect(() => manager.status('nope')).toThrow('Unknown model "nope".');
    expect(() => manager.download('nope')).toThrow('Unknown model "nope".');
  });
});
