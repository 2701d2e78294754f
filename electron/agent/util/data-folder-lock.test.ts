import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderInUse, LOCK_FILE, lockDataFolder } from './data-folder-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = () => join(dir, LOCK_FILE);

/** A process that runs until killed, and its pid. */
async function otherProcess(): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000); console.log("up")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the data folder lock', () => {
  it('holds the folder for this process until released, and refuses a second taker meanwhile', () => {
    const lock = lockDataFolder(join(dir, 'data'));
    expect(readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    if (process.platform !== 'win32') expect(statSync(lock.file).mode & 0o777).toBe(0o600);
    expect(() => lockDataFolder(join(dir, 'data'))).toThrow(DataFolderInUse);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    lockDataFolder(join(dir, 'data')).release();
  });

  it('refuses a folder another live process holds, naming its pid', async () => {
    const other = await otherProcess();
    try {
      writeFileSync(lockFile(), `${other.pid}\n`);
      let refused: unknown;
      try {
        lockDataFolder(dir);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(DataFolderInUse);
      expect((refused as DataFolderInUse).pid).toBe(other.pid);
      expect((refused as Error).message).toContain(`in use by process ${other.pid}`);
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${other.pid}\n`);
    } finally {
      await other.stop();
    }
  });

  it('takes over a lock whose process is gone, or that holds no pid', async () => {
    writeFileSync(lockFile(), `${await deadPid()}\n`);
    const lock = lockDataFolder(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    writeFileSync(lockFile(), 'garbage');
    lockDataFolder(dir).release();
  });

  it('leaves a lock another process has taken since alone when released', () => {
    const lock = lockDataFolder(dir);
    writeFileSync(lockFile(), '1\n');
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe('1\n');
  });
});
