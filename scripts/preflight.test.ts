import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chromiumPath, missingPrerequisites, type PrerequisiteProbe } from './preflight.mjs';

const everythingThere: PrerequisiteProbe = {
  nodeVersion: '24.22.3',
  platform: 'linux',
  chromiumPath: '/usr/bin/chromium',
  notExecutable: () => null,
  whisperAddonError: () => null,
};

describe('missingPrerequisites', () => {
  it('finds nothing missing on a machine with all of it', () => {
    expect(missingPrerequisites(everythingThere)).toEqual([]);
    expect(missingPrerequisites({ ...everythingThere, nodeVersion: '22.15.0' })).toEqual([]);
    expect(missingPrerequisites({ ...everythingThere, nodeVersion: '25.1.0' })).toEqual([]);
  });

  it('names an old Node', () => {
    expect(missingPrerequisites({ ...everythingThere, nodeVersion: '22.14.0' })).toEqual(['Node 22.15 or later (this is 22.14.0)']);
    expect(missingPrerequisites({ ...everythingThere, nodeVersion: '20.19.0' })).toHaveLength(1);
    expect(missingPrerequisites({ ...everythingThere, nodeVersion: '18.20.0' })).toHaveLength(1);
  });

  it('names a missing Chromium with the path it looked at and how to get one', () => {
    const [missing, ...rest] = missingPrerequisites({ ...everythingThere, notExecutable: (path) => (path === '/usr/bin/chromium' ? 'not found' : null) });
    expect(rest).toEqual([]);
    expect(missing).toMatch(/^Chromium .*\/usr\/bin\/chromium: not found; sudo apt-get install chromium, or set CHROMIUM_PATH/);
  });

  it('tells libgomp1 apart from other reasons the whisper.cpp addon does not load', () => {
    const gomp = new Error('libgomp.so.1: cannot open shared object file: No such file or directory');
    expect(missingPrerequisites({ ...everythingThere, whisperAddonError: () => gomp })).toEqual([
      'libgomp1, the OpenMP runtime whisper.cpp needs (sudo apt-get install libgomp1)',
    ]);
    const other = new Error('invalid ELF header\n    at Module._extensions..node');
    expect(missingPrerequisites({ ...everythingThere, whisperAddonError: () => other })).toEqual(['a loadable whisper.cpp addon (invalid ELF header)']);
  });
});

describe('chromiumPath', () => {
  it('is CHROMIUM_PATH when set, else Debian’s', () => {
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chromium/chrome' })).toBe('/opt/chromium/chrome');
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
  });
});

describe('the preflight script', () => {
  it('stops with one line and exit code 1 when something is missing', async () => {
    const script = join(import.meta.dirname, 'preflight.mjs');
    const run = promisify(execFile)(process.execPath, [script], { env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' } });
    const error = await run.then(
      () => null,
      (failure: { code: number; stdout: string; stderr: string }) => failure,
    );
    expect(error?.code).toBe(1);
    expect(error?.stdout).toBe('');
    // (On a Node older than the floor the line names that first.)
    expect(error?.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^npm test cannot run on this machine yet; it needs: (Node 22\.15 or later \(this is [\d.]+\); )?Chromium .*\/nonexistent\/chromium: not found/),
    ]);
  });
});
