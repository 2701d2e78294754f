import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../agent/renderer-files/content-security-policy';
import { serveAppRequest } from './app-protocol';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'app-protocol-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><p>app</p>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves the renderer with the Content-Security-Policy header', async () => {
    const res = await serveAppRequest(dir, new Request('app://voice-agent/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('<p>app</p>');
  });

  it('refuses other hosts, other methods and escapes', async () => {
    expect((await serveAppRequest(dir, new Request('app://elsewhere/index.html'))).status).toBe(404);
    expect((await serveAppRequest(dir, new Request('app://voice-agent/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
    expect((await serveAppRequest(dir, new Request('app://voice-agent/..%2f..%2fetc%2fpasswd'))).status).toBe(403);
    // Dot segments are collapsed by the URL parser before they reach us: still the app.
    expect(await (await serveAppRequest(dir, new Request('app://voice-agent/%2e%2e/%2e%2e/etc/passwd'))).text()).toContain('<p>app</p>');
  });
});
