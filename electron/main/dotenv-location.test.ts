import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dotenvPath, loadAppDotenv } from './dotenv-location';

let root: string;
let appPath: string;
let userDataDir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dotenv-location-'));
  appPath = join(root, 'app');
  userDataDir = join(root, 'user-data');
  for (const [dir, value] of [
    [appPath, 'from-app-folder'],
    [userDataDir, 'from-user-data'],
  ] as const) {
    mkdirSync(dir);
    writeFileSync(join(dir, '.env'), `LLM_MODEL=${value}\n`);
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the desktop app's .env", () => {
  it('is read from the app folder in development', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadAppDotenv({ packaged: false, appPath, userDataDir }, env)).toBe(join(appPath, '.env'));
    expect(env.LLM_MODEL).toBe('from-app-folder');
  });

  it('is read from the user-data folder once packaged', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadAppDotenv({ packaged: true, appPath, userDataDir }, env)).toBe(join(userDataDir, '.env'));
    expect(env.LLM_MODEL).toBe('from-user-data');
  });

  it('is never the working directory of a packaged app', () => {
    const cwd = process.cwd();
    expect(dotenvPath({ packaged: true, appPath: cwd, userDataDir })).toBe(join(userDataDir, '.env'));
    expect(dotenvPath({ packaged: true, appPath, userDataDir })).not.toBe(join(cwd, '.env'));
  });

  it('leaves variables set in the environment as they are, and a missing file is no error', () => {
    const env: NodeJS.ProcessEnv = { LLM_MODEL: 'from-environment' };
    loadAppDotenv({ packaged: true, appPath, userDataDir }, env);
    expect(env.LLM_MODEL).toBe('from-environment');
    const empty: NodeJS.ProcessEnv = {};
    loadAppDotenv({ packaged: true, appPath, userDataDir: join(root, 'nowhere') }, empty);
    expect(empty).toEqual({});
  });
});
