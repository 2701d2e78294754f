/**
 * The headless host's access token, kept in the data folder in a file only
 * its owner can read, so that the printed link (and a bookmark of it) keeps
 * working across restarts. A missing, malformed or readable-by-others file is
 * replaced by a new token; deleting the file rotates it at the next start.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ACCESS_TOKEN_FILE = 'access-token';
/** 24 random bytes: 192 bits, 32 characters of base64url. */
const TOKEN_BYTES = 24;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export function newAccessToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The token kept in `dataDir`, made (and kept) now when there is none worth keeping. */
export async function keptAccessToken(dataDir: string, warn: (message: string) => void): Promise<string> {
  const file = join(dataDir, ACCESS_TOKEN_FILE);
  const kept = await readKept(file);
  if (kept.ok) return kept.token;
  if (kept.why) warn(`${file} ${kept.why}: a new access token replaces it (links printed before no longer open the app).`);
  const token = newAccessToken();
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await unlink(temporary).catch(() => {});
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return token;
}

type Kept = { ok: true; token: string } | { ok: false; why: string | null };

async function readKept(file: string): Promise<Kept> {
  let text: string;
  try {
    const info = await stat(file);
    // Permission bits mean nothing on Windows, where the profile folder is the user's own.
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) return { ok: false, why: 'could be read by other users' };
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, why: null };
    throw error;
  }
  const token = text.trim();
  return TOKEN_PATTERN.test(token) ? { ok: true, token } : { ok: false, why: 'does not hold an access token' };
}
