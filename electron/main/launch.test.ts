import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronBinaryPath } from './launch.mjs';

const launcher = join(import.meta.dirname, 'launch.mjs');
const saved = process.env.ELECTRON_OVERRIDE_DIST_PATH;
afterEach(() => {
  if (saved === undefined) delete process.env.ELECTRON_OVERRIDE_DIST_PATH;
  else process.env.ELECTRON_OVERRIDE_DIST_PATH = saved;
});

describe('npm start launcher', () => {
  it('finds an Electron given by ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'electron-dist-'));
    try {
      const binary = join(dir, 'electron');
      writeFileSync(binary, '#!/bin/sh\necho launched "$@"\n');
      chmodSync(binary, 0o755);
      process.env.ELECTRON_OVERRIDE_DIST_PATH = dir;
      expect(electronBinaryPath()).toMatch(/electron$/);
      const run = spawnSync(process.execPath, [launcher, '--flag'], { env: { ...process.env }, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('launched');
      expect(run.stdout).toContain('--flag');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains how to get Electron, and suggests npm run serve, when there is no binary', () => {
    const run = spawnSync(process.execPath, [launcher], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(tmpdir(), 'no-electron-here') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('npx install-electron');
    expect(run.stderr).toContain('npm run serve');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
