import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelFileServer, type ModelFileServer } from '../testing/model-file-server';
import { closedPort } from '../testing/ports';
import { rejection } from '../testing/rejection';
import { downloadFile, hashFile, ModelDownloadError, partPathFor, type DownloadOptions, type DownloadProgress } from './model-download';

const SIZE = 3 * 1024 * 1024 + 123;
const content = randomBytes(SIZE);
const sha256 = createHash('sha256').update(content).digest('hex');
const sha1 = createHash('sha1').update(content).digest('hex');

let server: ModelFileServer;
let dir: string;
beforeAll(async () => {
  server = await startModelFileServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  server.serve('/model.bin', content);
  dir = await mkdtemp(join(tmpdir(), 'model-download-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const dest = () => join(dir, 'model.bin');
const options = (overrides: Partial<DownloadOptions> = {}): DownloadOptions => ({
  url: `${server.url}/model.bin`,
  dest: dest(),
  expectedSize: SIZE,
  digest: { algorithm: 'sha256', hex: sha256 },
  progressIntervalMs: 10,
  stallTimeoutMs: 2_000,
  retryDelayMs: 10,
  ...overrides,
});

const downloadError = (promise: Promise<unknown>) => rejection(promise, ModelDownloadError);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}


describe('downloadFile', () => {
  it('downloads, verifies SHA-256 and SHA-1, and reports monotonic progress ending at the total', async () => {
    server.throttle(128 * 1024, 5);
    const progress: DownloadProgress[] = [];
    const result = await downloadFile(options({ digest: [{ algorithm: 'sha256', hex: sha256 }, { algorithm: 'sha1', hex: sha1.toUpperCase() }], onProgress: (p) => progress.push(p) }));

    expect(result).toEqual({ path: dest(), sizeBytes: SIZE, digests: { sha256, sha1 } });
    expect((await readFile(dest())).equals(content)).toBe(true);
    expect(await exists(partPathFor(dest()))).toBe(false);
    expect(progress.length).toBeGreaterThan(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.receivedBytes).toBeGreaterThanOrEqual(progress[i - 1]!.receivedBytes);
    expect(progress.every((p) => p.totalBytes === SIZE)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: SIZE, secondsLeft: 0 });
    const middle = progress.slice(1, -1);
    expect(middle.some((p) => p.bytesPerSecond > 0 && p.secondsLeft !== null && p.secondsLeft > 0)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.range).toBeUndefined();
  });

  it('throttles progress reports to the interval', async () => {
    server.throttle(16 * 1024, 1);
    const times: number[] = [];
    await downloadFile(options({ progressIntervalMs: 100, onProgress: () => times.push(performance.now()) }));
    const gaps = times.slice(1, -1).map((t, i) => t - times[i]!);
    expect(gaps.every((gap) => gap >= 95)).toBe(true);
  });

  it('follows redirects to another origin, keeping the Range header', async () => {
    const cdn = await startModelFileServer();
    try {
      cdn.serve('/blob', content);
      server.redirect('/resolve/model.bin', `${cdn.url}/blob`);
      await writeFile(partPathFor(dest()), content.subarray(0, 1000));
      await downloadFile(options({ url: `${server.url}/resolve/model.bin` }));
      expect((await readFile(dest())).equals(content)).toBe(true);
      expect(server.requests.map((r) => r.status)).toEqual([302]);
      expect(cdn.requests).toEqual([{ path: '/blob', range: 'bytes=1000-', status: 206 }]);
    } finally {
      await cdn.close();
    }
  });

  it('resumes automatically after the server cuts the connection mid-body', async () => {
    server.fail({ kind: 'cut', afterBytes: 1_000_000 });
    const result = await downloadFile(options());
    expect(result.digests.sha256).toBe(sha256);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]).toMatchObject({ range: undefined, status: 200 });
    expect(server.requests[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(server.requests[1]!.status).toBe(206);
  });

  it('keeps the part after a cut when retries are off, and a later call resumes it', async () => {
    server.fail({ kind: 'cut', afterBytes: 1_500_000 });
    const error = await downloadError(downloadFile(options({ retries: 0 })));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/model\.bin.*(dropped|closed)/);
    const kept = (await stat(partPathFor(dest()))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1_500_000);
    expect(await exists(dest())).toBe(false);

    const progress: DownloadProgress[] = [];
    await downloadFile(options({ onProgress: (p) => progress.push(p) }));
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(progress[0]!.receivedBytes).toBe(kept);
    expect(createHash('sha256').update(await readFile(dest())).digest('hex')).toBe(sha256);
  });

  it('restarts from zero when the server ignores Range and answers 200', async () => {
    await writeFile(partPathFor(dest()), content.subarray(0, 700_000));
    server.fail({ kind: 'ignore-range' });
    const progress: DownloadProgress[] = [];
    await downloadFile(options({ onProgress: (p) => progress.push(p) }));
    expect(server.requests).toEqual([{ path: '/model.bin', range: 'bytes=700000-', status: 200 }]);
    expect(progress[0]!.receivedBytes).toBe(0);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it('starts over by itself when a resumed part turns out to belong to another file', async () => {
    await writeFile(partPathFor(dest()), randomBytes(500_000));
    await downloadFile(options());
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      ['bytes=500000-', 206],
      [undefined, 200],
    ]);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it('fails a wrong resumed part when retries are off, deleting it', async () => {
    await writeFile(partPathFor(dest()), randomBytes(500_000));
    const error = await downloadError(downloadFile(options({ retries: 0 })));
    expect(error.kind).toBe('digest_mismatch');
    expect(await exists(partPathFor(dest()))).toBe(false);
  });

  it('verifies a part that is already complete without downloading it again', async () => {
    await writeFile(partPathFor(dest()), content);
    await downloadFile(options());
    expect(server.requests).toHaveLength(0);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it('fails a checksum mismatch naming the file and both digests, and deletes the part', async () => {
    const wrong = 'a'.repeat(64);
    const error = await downloadError(downloadFile(options({ digest: { algorithm: 'sha256', hex: wrong } })));
    expect(error.kind).toBe('digest_mismatch');
    expect(error.message).toContain('model.bin');
    expect(error.message).toContain(wrong);
    expect(error.message).toContain(sha256);
    expect(await exists(partPathFor(dest()))).toBe(false);
    expect(await exists(dest())).toBe(false);
  });

  it('refuses a file whose size differs from the expected one before writing it', async () => {
    const error = await downloadError(downloadFile(options({ expectedSize: SIZE + 1 })));
    expect(error.kind).toBe('size_mismatch');
    expect(error.message).toContain(String(SIZE + 1));
    expect(await exists(dest())).toBe(false);
  });

  it('cancels promptly, keeps the part, and a later call resumes to completion', async () => {
    server.throttle(32 * 1024, 5);
    const controller = new AbortController();
    let cancelled = false;
    const promise = downloadFile(
      options({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.receivedBytes > 400_000 && !cancelled) {
            cancelled = true;
            controller.abort();
          }
        },
      }),
    );
    const error = await downloadError(promise);
    expect(error.kind).toBe('cancelled');
    expect(error.name).toBe('AbortError');
    const kept = (await stat(partPathFor(dest()))).size;
    expect(kept).toBeGreaterThan(400_000);
    // Promptly, measured in bytes rather than milliseconds (the throttled server slows with a loaded
    // machine as the download does): it stopped within the first quarter of what was still to come.
    expect(kept - 400_000).toBeLessThan((SIZE - 400_000) / 4);
    expect(await exists(dest())).toBe(false);

    server.throttle(256 * 1024, 0);
    await downloadFile(options());
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const error = await downloadError(downloadFile(options({ signal: AbortSignal.abort() })));
    expect(error.kind).toBe('cancelled');
    expect(server.requests).toHaveLength(0);
  });

  it('reports 404, 403 and 503 clearly', async () => {
    const missing = await downloadError(downloadFile(options({ url: `${server.url}/nope.bin` })));
    expect(missing).toMatchObject({ kind: 'not_found', details: { status: 404 } });
    expect(missing.message).toMatch(/not at http:\/\/127\.0\.0\.1:\d+\/nope\.bin \(404\)/);

    server.fail({ kind: 'status', status: 403 });
    expect(await downloadError(downloadFile(options()))).toMatchObject({ kind: 'forbidden', details: { status: 403 } });
    server.fail({ kind: 'status', status: 503 });
    const unavailable = await downloadError(downloadFile(options()));
    expect(unavailable).toMatchObject({ kind: 'server', details: { status: 503 } });
    expect(unavailable.message).toContain('503');
    expect(await exists(dest())).toBe(false);
  });

  it('reports a refused connection and an unknown host as network errors', async () => {
    const port = await closedPort();
    const refused = await downloadError(downloadFile(options({ url: `http://127.0.0.1:${port}/model.bin` })));
    expect(refused.kind).toBe('network');
    expect(refused.message).toContain('connection refused');

    const unknown = await downloadError(downloadFile(options({ url: 'http://no-such-host.invalid/model.bin' })));
    expect(unknown.kind).toBe('network');
    expect(unknown.message).toContain('could not be resolved');
  });

  it('fails a stalled transfer within the stall timeout and keeps what arrived', async () => {
    server.fail({ kind: 'stall', afterBytes: 300_000 });
    const started = performance.now();
    const error = await downloadError(downloadFile(options({ stallTimeoutMs: 300 })));
    const elapsed = performance.now() - started;
    expect(error.kind).toBe('stalled');
    expect(error.message).toContain('for 0.3 s');
    // Ended by the 300 ms stall timeout, not by the default 30 s one (the bound leaves room for a loaded machine).
    expect(elapsed).toBeLessThan(10_000);
    expect((await stat(partPathFor(dest()))).size).toBe(300_000);
  });

  it('reports a disk error when the folder cannot be created', async () => {
    await writeFile(join(dir, 'blocker'), 'a file, not a folder');
    const error = await downloadError(downloadFile(options({ dest: join(dir, 'blocker', 'model.bin') })));
    expect(error.kind).toBe('disk');
    expect(error.message).toMatch(/Could not save model\.bin/);
  });

  it('hashes a file with several algorithms at once', async () => {
    await writeFile(dest(), content);
    expect(await hashFile(dest(), ['sha1'])).toEqual({ sha256, sha1 });
  });

  it('discards a part file larger than the expected size', async () => {
    await writeFile(partPathFor(dest()), Buffer.concat([content, Buffer.from('extra')]));
    await downloadFile(options());
    expect((await readFile(dest())).equals(content)).toBe(true);
    expect(server.requests[0]!.range).toBeUndefined();
  });

  it('rejects a malformed digest before any request', async () => {
    await expect(downloadFile(options({ digest: { algorithm: 'sha1', hex: 'xyz' } }))).rejects.toThrow(/sha1/);
    expect(server.requests).toHaveLength(0);
  });
});
