/**
 * Downloads one large file over HTTP(S) into `<dest>.part`, then verifies
 * its size and digest and renames it to `<dest>`. A later call resumes from
 * the part file with a Range request; a server that ignores Range restarts
 * the file from zero. The final path only ever holds a verified file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { displayUrl, errorMessage, formatSeconds, networkReason } from '../util/network-errors';
import { ignoreFailure } from '../util/ignore-failure';
import { Deadline } from '../util/abort';
import { ProgressMeter, type DownloadProgress } from './download-progress';

export type { DownloadProgress };

export type DigestAlgorithm = 'sha256' | 'sha1';

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lower- or upper-case hex. */
  hex: string;
}

export interface DownloadOptions {
  url: string;
  /** The final path; the download is written to `<dest>.part` until verified. */
  dest: string;
  expectedSize?: number;
  /** Checked once the whole file is there; one or several algorithms. */
  digest?: Digest | readonly Digest[];
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Minimum time between two progress reports (a final one always follows). Default 200 ms. */
  progressIntervalMs?: number;
  /** Fail when no bytes (or no response) arrive for this long. Default 30 s. */
  stallTimeoutMs?: number;
  /** How often a connection dropped mid-body is resumed automatically. Default 3. */
  retries?: number;
  /** Wait before an automatic resume, multiplied by the attempt number. Default 1 s. */
  retryDelayMs?: number;
  headers?: Record<string, string>;
}

export interface DownloadResult {
  path: string;
  sizeBytes: number;
  /** The SHA-256 of the file, plus any other digest that was asked for. */
  digests: Partial<Record<DigestAlgorithm, string>> & { sha256: string };
}

export type DownloadErrorKind =
  | 'cancelled'
  | 'not_found'
  | 'forbidden'
  | 'server'
  | 'http'
  | 'network'
  | 'stalled'
  | 'bad_response'
  | 'size_mismatch'
  | 'digest_mismatch'
  | 'disk';

export class ModelDownloadError extends Error {
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
    readonly details: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    // A cancelled download looks like any other aborted operation to callers that check the name.
    this.name = kind === 'cancelled' ? 'AbortError' : 'ModelDownloadError';
  }
}

export function partPathFor(dest: string): string {
  return `${dest}.part`;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 200;
const DEFAULT_STALL_TIMEOUT_MS = 30_000;
const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 1_000;

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const fileName = basename(options.dest);
  try {
    await mkdir(dirname(options.dest), { recursive: true });
  } catch (error) {
    throw diskError(fileName, dirname(options.dest), error);
  }
  const meter = new ProgressMeter(options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS, options.onProgress);
  for (let attempt = 1; ; attempt++) {
    throwIfCancelled(options.signal, fileName);
    const outcome = await attemptDownload(options, meter).catch((error: unknown) => ({ error }));
    if (!('error' in outcome)) return outcome;
    const error = outcome.error;
    const retryable = error instanceof ModelDownloadError && error.details.retryable === true;
    if (!retryable || attempt > retries) throw error;
    await sleep(retryDelayMs * attempt, undefined, { signal: options.signal }).catch(() => throwIfCancelled(options.signal, fileName));
  }
}

/** Streams a file through the given algorithms (SHA-256 always included). */
export async function hashFile(path: string, algorithms: readonly DigestAlgorithm[] = ['sha256'], signal?: AbortSignal): Promise<Record<DigestAlgorithm, string>> {
  const hashes = makeHashes(algorithms);
  await feedFile(path, Number.POSITIVE_INFINITY, hashes, signal);
  return digestAll(hashes);
}

type Hashes = Map<DigestAlgorithm, Hash>;

function makeHashes(algorithms: readonly DigestAlgorithm[]): Hashes {
  const hashes: Hashes = new Map();
  for (const algorithm of ['sha256', ...algorithms] as DigestAlgorithm[]) if (!hashes.has(algorithm)) hashes.set(algorithm, createHash(algorithm));
  return hashes;
}

function digestAll(hashes: Hashes): Record<DigestAlgorithm, string> {
  const out: Partial<Record<DigestAlgorithm, string>> = {};
  for (const [algorithm, hash] of hashes) out[algorithm] = hash.digest('hex');
  return out as Record<DigestAlgorithm, string>;
}

async function feedFile(path: string, length: number, hashes: Hashes, signal?: AbortSignal): Promise<void> {
  if (length === 0) return;
  const end = Number.isFinite(length) ? length - 1 : undefined;
  for await (const chunk of createReadStream(path, { start: 0, end, highWaterMark: 1 << 20, signal }) as AsyncIterable<Buffer>) {
    for (const hash of hashes.values()) hash.update(chunk);
  }
}

async function attemptDownload(options: DownloadOptions, meter: ProgressMeter): Promise<DownloadResult> {
  const { dest, expectedSize } = options;
  const fileName = basename(dest);
  const part = partPathFor(dest);
  const where = displayUrl(options.url);
  const expected = normaliseDigests(options.digest);
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;

  let partSize = await sizeOf(part);
  if (expectedSize !== undefined && partSize > expectedSize) {
    await rm(part, { force: true });
    partSize = 0;
  }

  // Runs while we wait for the server; paused while the disk is written.
  const stall = new Deadline(options.signal ?? new AbortController().signal, stallTimeoutMs);
  stall.pause();

  let handle: FileHandle | null = null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let receivedThisAttempt = 0;
  const fail = (error: unknown): ModelDownloadError => {
    if (error instanceof ModelDownloadError) return error;
    if (options.signal?.aborted) return cancelledError(fileName, error);
    if (stall.timedOutAfterMs !== null)
      return new ModelDownloadError('stalled', `Downloading ${fileName} stalled: nothing arrived from ${where} for ${formatSeconds(stallTimeoutMs)}. Check the connection and try again; the download resumes where it stopped.`, {
        retryable: false,
        cause: error,
      });
    const reason = networkReason(error) ?? (errorMessage(error) || 'network error');
    return new ModelDownloadError('network', `Downloading ${fileName} failed: ${reason} (${where}). Check the connection and try again; the download resumes where it stopped.`, {
      retryable: receivedThisAttempt > 0,
      cause: error,
    });
  };

  try {
    if (expectedSize !== undefined && partSize === expectedSize) return await finish(options, meter, part, partSize, null, expected, true);

    stall.touch();
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...options.headers };
    if (partSize > 0) headers.range = `bytes=${partSize}-`;
    let response = await fetch(options.url, { headers, redirect: 'follow', signal: stall.signal });

    let offset = 0;
    let total: number | null = null;
    if (response.status === 206 && partSize > 0) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range && range.start === partSize) {
        offset = partSize;
        total = range.total;
      } else {
        // A range that does not continue the part file cannot be appended: start over.
        await ignoreFailure(response.body?.cancel());
        stall.touch();
        response = await fetch(options.url, { headers: withoutRange(headers), redirect: 'follow', signal: stall.signal });
      }
    } else if (response.status === 416 && partSize > 0) {
      await ignoreFailure(response.body?.cancel());
      const range = parseContentRange(response.headers.get('content-range'));
      if (range?.total === partSize) {
        stall.pause();
        return await finish(options, meter, part, partSize, null, expected, true);
      }
      stall.touch();
      response = await fetch(options.url, { headers: withoutRange(headers), redirect: 'follow', signal: stall.signal });
    }
    if (offset === 0) {
      if (response.status !== 200) {
        await ignoreFailure(response.body?.cancel());
        throw statusError(response.status, fileName, where);
      }
      const length = response.headers.get('content-length');
      total = length !== null && /^\d+$/.test(length) ? Number(length) : null;
    }
    if (!response.body) throw new ModelDownloadError('bad_response', `Downloading ${fileName} failed: ${where} answered without a body.`);
    total ??= expectedSize ?? null;
    if (expectedSize !== undefined && total !== expectedSize) {
      await ignoreFailure(response.body.cancel());
      await rm(part, { force: true });
      throw new ModelDownloadError('size_mismatch', `Downloading ${fileName} failed: ${where} offers ${total} bytes but ${expectedSize} were expected. The file on the server may have changed.`);
    }

    const hashes = makeHashes(expected.map((d) => d.algorithm));
    stall.pause();
    try {
      if (offset > 0) {
        await feedFile(part, offset, hashes, stall.signal);
        handle = await open(part, 'a');
      } else {
        handle = await open(part, 'w');
      }
    } catch (error) {
      if (stall.signal.aborted) throw error;
      throw diskError(fileName, part, error);
    }

    let received = offset;
    meter.start(received, total);
    reader = response.body.getReader();
    for (;;) {
      stall.touch();
      const { done, value } = await reader.read();
      stall.pause();
      if (done) break;
      if (total !== null && received + value.byteLength > total)
        throw new ModelDownloadError('bad_response', `Downloading ${fileName} failed: ${where} sent more than the ${total} bytes it announced.`);
      try {
        await handle.write(value);
      } catch (error) {
        throw diskError(fileName, part, error);
      }
      for (const hash of hashes.values()) hash.update(value);
      received += value.byteLength;
      receivedThisAttempt += value.byteLength;
      meter.update(received);
    }
    if (total !== null && received < total)
      throw new ModelDownloadError('network', `Downloading ${fileName} failed: the connection to ${where} closed after ${received} of ${total} bytes. Try again; the download resumes where it stopped.`, {
        retryable: receivedThisAttempt > 0,
      });
    try {
      await handle.sync();
      await handle.close();
      handle = null;
    } catch (error) {
      throw diskError(fileName, part, error);
    }
    return await finish(options, meter, part, received, hashes, expected, offset > 0);
  } catch (error) {
    throw fail(error);
  } finally {
    stall.dispose();
    if (reader) await ignoreFailure(reader.cancel());
    if (handle) await ignoreFailure(handle.close());
  }
}

/**
 * Checks the complete part file and moves it into place. `hashes` is null when
 * the part was not streamed here. A mismatch in a file that was resumed from an
 * older part is retryable: the part may have come from another version of the
 * file, and the next attempt starts from zero.
 */
async function finish(
  options: DownloadOptions,
  meter: ProgressMeter,
  part: string,
  size: number,
  hashes: Hashes | null,
  expected: readonly Digest[],
  resumed: boolean,
): Promise<DownloadResult> {
  const fileName = basename(options.dest);
  if (!hashes) {
    hashes = makeHashes(expected.map((d) => d.algorithm));
    await feedFile(part, size, hashes, options.signal);
    meter.start(size, size);
  }
  meter.finish(size);
  if (options.expectedSize !== undefined && size !== options.expectedSize) {
    await rm(part, { force: true });
    throw new ModelDownloadError('size_mismatch', `${fileName} is ${size} bytes but ${options.expectedSize} were expected; the partial file was deleted. Try the download again.`, {
      retryable: resumed,
    });
  }
  const digests = digestAll(hashes);
  for (const want of expected) {
    const actual = digests[want.algorithm];
    if (actual !== want.hex.toLowerCase()) {
      await rm(part, { force: true });
      throw new ModelDownloadError(
        'digest_mismatch',
        `${fileName} failed its checksum: expected ${want.algorithm.toUpperCase()} ${want.hex.toLowerCase()}, got ${actual}. The download was deleted; try again, and if it keeps failing the file on the server has changed.`,
        { retryable: resumed },
      );
    }
  }
  try {
    await rename(part, options.dest);
  } catch (error) {
    throw diskError(fileName, options.dest, error);
  }
  return { path: options.dest, sizeBytes: size, digests };
}

function normaliseDigests(digest: DownloadOptions['digest']): Digest[] {
  if (!digest) return [];
  const list: readonly Digest[] = Array.isArray(digest) ? digest : [digest as Digest];
  for (const d of list) {
    const length = d.algorithm === 'sha256' ? 64 : 40;
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(d.hex)) throw new TypeError(`Not a ${d.algorithm} hex digest: "${d.hex}"`);
  }
  return [...list];
}

function parseContentRange(value: string | null): { start: number; end: number | null; total: number | null } | null {
  if (!value) return null;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!match) return null;
  const total = match[3] === '*' ? null : Number(match[3]);
  if (match[1] === undefined) return { start: -1, end: null, total };
  return { start: Number(match[1]), end: Number(match[2]), total };
}

function withoutRange(headers: Record<string, string>): Record<string, string> {
  const { range: _range, ...rest } = headers;
  return rest;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw diskError(basename(path), path, error);
  }
}

function statusError(status: number, fileName: string, where: string): ModelDownloadError {
  if (status === 404 || status === 410)
    return new ModelDownloadError('not_found', `Downloading ${fileName} failed: the file is not at ${where} (${status}). The model may have moved.`, { status });
  if (status === 401 || status === 403)
    return new ModelDownloadError('forbidden', `Downloading ${fileName} failed: ${where} refused access (${status}). The file may be gated or the link may have expired.`, { status });
  if (status === 429) return new ModelDownloadError('server', `Downloading ${fileName} failed: ${where} is rate-limiting downloads (429). Wait a few minutes and try again.`, { status });
  if (status >= 500) return new ModelDownloadError('server', `Downloading ${fileName} failed: the server had an error (${status} from ${where}). Try again in a moment.`, { status });
  return new ModelDownloadError('http', `Downloading ${fileName} failed: ${where} answered ${status}.`, { status });
}

function diskError(fileName: string, path: string, error: unknown): ModelDownloadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'the disk is read-only'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a file is in the way of the models folder'
            : code === 'ENOENT'
              ? 'the folder does not exist'
              : error instanceof Error
                ? error.message
                : String(error);
  return new ModelDownloadError('disk', `Could not save ${fileName} to ${path}: ${reason}${code ? ` (${code})` : ''}.`, { cause: error });
}

function cancelledError(fileName: string, cause?: unknown): ModelDownloadError {
  return new ModelDownloadError('cancelled', `Downloading ${fileName} was cancelled.`, { cause });
}

function throwIfCancelled(signal: AbortSignal | undefined, fileName: string): void {
  if (signal?.aborted) throw cancelledError(fileName, signal.reason);
}
