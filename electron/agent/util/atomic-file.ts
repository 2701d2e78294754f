/**
 * Writes a file so that readers (and a crash) only ever see the old or the new
 * content, never half of one: write a temporary file beside it, flush it to
 * disk, then rename it over the target.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ignoreFailure } from './ignore-failure';

export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    // The write's error is the one to report; the temp file is removed next.
    await ignoreFailure(handle.close());
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The file's text, or null when there is no such file (other errors are thrown). */
export async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Renames a file that cannot be used to `<file>.<label>-<time>` beside it, so
 * that nothing is written over it; returns the new path.
 */
export async function moveAside(path: string, label: string): Promise<string> {
  const aside = `${path}.${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, aside);
  return aside;
}
