/**
 * One app per data folder: the headless host and the desktop app take this
 * lock before they start anything (settings, telemetry, MCP servers), so a
 * second one on the same folder stops at once, naming the process that holds
 * it, instead of racing the first over settings, secrets, history and MCP
 * children. The lock is a file holding the holder's pid, created atomically
 * (a complete file is hard-linked into place, so it is never seen empty); a
 * lock whose process is gone (a crash, a kill) is taken over. It is released
 * when its process exits, however it exits short of being killed.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'app.lock';

export class DataFolderInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly file: string,
  ) {
    super(
      `The data folder ${dataDir} is in use by process ${pid}${pid === process.pid ? ' (this one)' : ''}, another "npm run serve" or the desktop app. ` +
        `Stop that one first, or give this one another folder (DATA_DIR for "npm run serve", --user-data-dir for the desktop app). ` +
        `If no process ${pid} of this app is running, delete ${file}.`,
    );
    this.name = 'DataFolderInUse';
  }
}

export interface DataFolderLock {
  readonly file: string;
  /** Gives the folder up (only if this process still holds it). */
  release(): void;
}

/** Whether a process runs with this pid (one of another user's counts: it may be ours under sudo). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder for this process, or throws `DataFolderInUse`. */
export function lockDataFolder(dataDir: string, isAlive: (pid: number) => boolean = processAlive): DataFolderLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE);
  const pid = process.pid;
  const draft = `${file}.${pid}.${Date.now()}.tmp`;
  const fd = openSync(draft, 'wx', 0o600);
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    // Twice at most: once, and once more after taking over a stale lock (a third holder means a live one won).
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(file);
      if (holder !== null && (holder === pid || isAlive(holder))) throw new DataFolderInUse(dataDir, holder, file);
      if (attempt >= 2) throw new DataFolderInUse(dataDir, holder ?? 0, file);
      // Stale (its process is gone) or not a lock at all: taken over, unless another process just did.
      if (readHolder(file) === holder) removeQuietly(file);
    }
  } finally {
    removeQuietly(draft);
  }
  if (held.size === 0) process.on('exit', releaseAll);
  held.add(file);
  return { file, release: () => release(file) };
}

/** Locks this process holds; released on exit. */
const held = new Set<string>();

function releaseAll(): void {
  for (const file of held) release(file);
}

function release(file: string): void {
  if (!held.delete(file)) return;
  if (held.size === 0) process.off('exit', releaseAll);
  if (readHolder(file) === process.pid) removeQuietly(file);
}

/** The pid in a lock file; null when it is missing or holds no pid. */
function readHolder(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d{1,10}$/.test(text) && Number(text) > 0 ? Number(text) : null;
  } catch {
    return null;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
