import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_FILE, keptAccessToken } from './access-token';

let dir: string;
let warnings: string[];
const warn = (message: string) => warnings.push(message);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'token-'));
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the kept access token', () => {
  it('is made once, readable only by its owner, and the same at the next start', async () => {
    const first = await keptAccessToken(join(dir, 'data'), warn);
    expect(first).toMatch(/^[\w-]{32}$/);
    const file = join(dir, 'data', ACCESS_TOKEN_FILE);
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await keptAccessToken(join(dir, 'data'), warn)).toBe(first);
    expect(warnings).toEqual([]);
  });

  it('is replaced, with a warning, when the file holds no token', async () => {
    writeFileSync(join(dir, ACCESS_TOKEN_FILE), 'short\n', { mode: 0o600 });
    const token = await keptAccessToken(dir, warn);
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(readFileSync(join(dir, ACCESS_TOKEN_FILE), 'utf8')).toBe(`${token}\n`);
    expect(warnings).toEqual([expect.stringContaining('does not hold an access token')]);
  });

  // Windows has no POSIX mode bits (its files are guarded by ACLs): there the test is skipped, and its name says why.
  it.skipIf(process.platform === 'win32')('is replaced when other users could read it (POSIX file modes: skipped on Windows, which has none)', async () => {
    const leaked = 'a'.repeat(32);
    writeFileSync(join(dir, ACCESS_TOKEN_FILE), leaked);
    chmodSync(join(dir, ACCESS_TOKEN_FILE), 0o644);
    const token = await keptAccessToken(dir, warn);
    expect(token).not.toBe(leaked);
    expect(statSync(join(dir, ACCESS_TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringContaining('could be read by other users')]);
  });

  it('is rotated by deleting its file', async () => {
    const first = await keptAccessToken(dir, warn);
    rmSync(join(dir, ACCESS_TOKEN_FILE));
    expect(await keptAccessToken(dir, warn)).not.toBe(first);
  });
});
