import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticFile } from './static-files';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'static-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
  symlinkSync(base, join(root, 'outside'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveStaticFile', () => {
  it('serves files with their content type, and index.html for folders and routes', async () => {
    expect(await resolveStaticFile(root, '/assets/app.js')).toMatchObject({ ok: true, contentType: 'text/javascript; charset=utf-8' });
    expect(await resolveStaticFile(root, '/')).toMatchObject({ ok: true, file: expect.stringMatching(/index\.html$/) });
    expect(await resolveStaticFile(root, '/history')).toMatchObject({ ok: true, file: expect.stringMatching(/index\.html$/) });
  });

  it('answers 404 for missing assets', async () => {
    expect(await resolveStaticFile(root, '/assets/missing.js')).toMatchObject({ ok: false, status: 404 });
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%2fsecret.txt',
    '/assets%5c..%5c..%5csecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
  ])('refuses %s', async (path) => {
    const result = await resolveStaticFile(root, path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect([400, 403]).toContain(result.status);
  });

  it('refuses symlinks that lead outside the folder', async () => {
    expect(await resolveStaticFile(root, '/assets/link.txt')).toMatchObject({ ok: false, status: 403 });
    expect(await resolveStaticFile(root, '/outside/secret.txt')).toMatchObject({ ok: false, status: 403 });
  });
});
