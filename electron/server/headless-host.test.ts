import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { WebSocket } from 'ws';
import { FRAME_SAMPLES, INPUT_SAMPLE_RATE } from '../../shared/audio-format';
import { FrameKind, encodeAudioFrame } from '../../shared/audio-frame';
import { silentLogger } from '../agent/util/logger';
import { FileSecretStore } from '../agent/settings/secret-store';
import { SettingsStore } from '../agent/settings/settings-store';
import { signIn as signedIn } from '../agent/testing/sign-in';
import { NO_ACCESS_PAGE, startHeadlessHost, type HeadlessHost } from './headless-host';

let dir: string;
let host: HeadlessHost;
let origin: string;
/** The cookie the first visit of the printed link sets, as a browser sends it back. */
let cookie: string;

/** Opens the printed link as a browser does: the token in the address is traded for a cookie. */
const signIn = async (link: string) => (await signedIn(link)).cookie;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'host-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("app")');
  host = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
  origin = new URL(host.url).origin;
  cookie = await signIn(host.url);
});

afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Client {
  socket: WebSocket;
  received: { type: string; [key: string]: unknown }[];
  audio: Buffer[];
  waitFor(predicate: (m: { type: string; [key: string]: unknown }) => boolean): Promise<{ type: string; [key: string]: unknown }>;
}

function connect(headers: Record<string, string> = { Origin: origin, cookie }, at = origin): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${at.replace('http', 'ws')}/ws`, { headers });
    const received: Client['received'] = [];
    const audio: Buffer[] = [];
    const waiters: [(m: Client['received'][number]) => boolean, (m: Client['received'][number]) => void][] = [];
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return audio.push(data);
      const message = JSON.parse(data.toString()).message;
      received.push(message);
      for (const [predicate, done] of waiters.splice(0)) {
        if (predicate(message)) done(message);
        else waiters.push([predicate, done]);
      }
    });
    socket.once('open', () =>
      resolve({
        socket,
        received,
        audio,
        waitFor: (predicate) =>
          new Promise((done) => {
            const found = received.find(predicate);
            if (found) done(found);
            else waiters.push([predicate, done]);
          }),
      }),
    );
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

describe('headless host', () => {
  it('serves the renderer with the security headers', async () => {
    const res = await fetch(`${origin}/`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('refuses other methods and foreign Host headers', async () => {
    expect((await fetch(`${origin}/`, { method: 'POST', headers: { cookie } })).status).toBe(405);
    const port = new URL(host.url).port;
    const res = await new Promise<number>((resolve) => {
      void import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port, path: '/', headers: { Host: `attacker.example:${port}`, cookie } }, (r) => resolve(r.statusCode ?? 0)),
      );
    });
    expect(res).toBe(421);
  });

  it('opens a session for a page of its own origin', async () => {
    const client = await connect();
    const welcome = await client.waitFor((m) => m.type === 'welcome');
    expect(welcome).toMatchObject({ protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } });
    client.socket.close();
  });

  it.each([
    ['a foreign origin', { Origin: 'http://evil.example' }],
    ['no origin', {} as Record<string, string>],
    ['a look-alike origin', { Origin: 'http://127.0.0.1.evil.example' }],
  ])('refuses a WebSocket from %s, even with the token', async (_name, headers) => {
    await expect(connect({ ...headers, cookie })).rejects.toThrow('HTTP 403');
  });

  it('answers malformed messages with errors and keeps the session going', async () => {
    const client = await connect();
    client.socket.send('{"v":1,"seq":0,"message":{"type":"bogus"}}');
    client.socket.send('x'.repeat(70_000));
    client.socket.send(Buffer.from([9, 9, 9]), { binary: true });
    await client.waitFor((m) => m.type === 'error' && m.code === 'bad_frame');
    const codes = client.received.filter((m) => m.type === 'error').map((m) => m.code);
    expect(codes).toEqual(['bad_message', 'too_large', 'bad_frame']);

    client.socket.send(JSON.stringify({ v: 1, seq: 1, message: { type: 'conversation.start' } }));
    await client.waitFor((m) => m.type === 'state' && m.state === 'listening');
    const samples = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => (i % 2 ? 8000 : -8000));
    for (let seq = 0; seq < 20; seq++)
      client.socket.send(new Uint8Array(encodeAudioFrame({ kind: FrameKind.Microphone, seq, stream: 0, sampleRate: INPUT_SAMPLE_RATE, samples })));
    const stats = await client.waitFor((m) => m.type === 'audio.stats' && (m.stats as { framesReceived: number }).framesReceived === 20);
    expect(stats).toBeTruthy();

    client.socket.send(JSON.stringify({ v: 1, seq: 2, message: { type: 'audio.test' } }));
    await new Promise((r) => setTimeout(r, 100));
    expect(client.audio.length).toBeGreaterThan(0);
    client.socket.close();
  });

  it('closes sessions when shutting down', async () => {
    const other = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    const otherOrigin = new URL(other.url).origin;
    const socket = new WebSocket(`${otherOrigin.replace('http', 'ws')}/ws`, { headers: { Origin: otherOrigin, cookie: await signIn(other.url) } });
    await new Promise((r) => socket.once('open', r));
    expect(other.sessionCount).toBe(1);
    const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
    await other.close();
    expect(await closed).toBe(1001);
  });
});

describe('headless host with the settings store', () => {
  let withSettings: HeadlessHost;
  let at: string;
  let update: MockInstance<SettingsStore['update']>;
  beforeAll(async () => {
    const dataDir = join(dir, 'data');
    const settings = await SettingsStore.open({ dataDir, env: {}, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger: silentLogger });
    update = vi.spyOn(settings, 'update');
    withSettings = await startHeadlessHost({ host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger, services: { settings } });
    at = new URL(withSettings.url).origin;
  });
  afterAll(() => withSettings.close());

  it('refuses oversized messages and patches outside their bounds, naming the request, and saves a patch within them', async () => {
    const client = await connect({ Origin: at, cookie: await signIn(withSettings.url) }, at);
    const send = (seq: number, patch: unknown) => client.socket.send(JSON.stringify({ v: 1, seq, message: { type: 'settings.update', patch } }));
    let deep: unknown = true;
    for (let i = 0; i < 4; i++) deep = { deep };
    send(0, { values: { llm: { systemPrompt: 'x'.repeat(70_000) } } }); // past the message limit
    send(1, { values: deep });
    send(2, { secrets: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key${i}`, 'x'])) });
    send(3, { values: { llm: { systemPrompt: 'x'.repeat(8_001) } } });
    send(4, { values: { llm: { systemPrompt: 'Be brief.' } } });
    const result = await client.waitFor((m) => m.type === 'settings.result');
    expect(result).toEqual({ type: 'settings.result', ref: 4, ok: true, errors: {} });
    const errors = client.received.filter((m) => m.type === 'error').map((m) => [m.code, m.ref ?? null]);
    expect(errors).toEqual([
      ['too_large', null], // text is not parsed to find its seq
      ['bad_message', 1],
      ['bad_message', 2],
      ['bad_message', 3],
    ]);
    expect(update).toHaveBeenCalledTimes(1);
    client.socket.close();
  });
});

describe('headless host on a network address', () => {
  let exposed: HeadlessHost;
  let base: string;
  beforeAll(async () => {
    // Bound to every interface; the test itself only talks to loopback.
    exposed = await startHeadlessHost({ host: '0.0.0.0', port: 0, staticDir: dir, logger: silentLogger });
    base = `http://127.0.0.1:${new URL(exposed.url).port}`;
  });
  afterAll(() => exposed.close());

  it('prints an address carrying a fresh, long token', () => {
    expect(exposed.token).toMatch(/^[\w-]{32}$/);
    expect(exposed.url).toBe(`${base}/?token=${exposed.token!}`);
  });

  it('refuses the page without the token, and trades the token in the URL for a cookie', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/assets/x.js`)).status).toBe(401);
    const first = await fetch(exposed.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const page = await fetch(`${base}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>app</title>');
    const [name] = cookie.split('=');
    expect((await fetch(`${base}/`, { headers: { cookie: `${name}=forged` } })).status).toBe(401);
  });

  it('opens the WebSocket only with the token and a same-origin page', async () => {
    const ws = (headers: Record<string, string>, query = '') =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${base.replace('http', 'ws')}/ws${query}`, { headers });
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('error', () => resolve(-1));
      });
    const cookie = `vas_token_${new URL(base).port}=${exposed.token}`;
    expect(await ws({ Origin: base })).toBe(401);
    expect(await ws({ Origin: base, cookie: `vas_token_${new URL(base).port}=forged` })).toBe(401);
    expect(await ws({ Origin: 'http://evil.example', cookie })).toBe(403);
    expect(await ws({ cookie })).toBe(403);
    expect(await ws({ Origin: base, cookie })).toBe(101);
    expect(await ws({ Origin: base }, `?token=${exposed.token!}`)).toBe(101);
  });
});

describe('headless host on loopback', () => {
  it('prints a link carrying the token there too', () => {
    expect(host.token).toMatch(/^[\w-]{32}$/);
    expect(host.url).toBe(`${origin}/?token=${host.token}`);
  });

  it('gives a client without the token nothing but where to get in, on every path, whatever its Origin', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/nothing-here', '/?token=wrong']) {
      const tries: Record<string, string>[] = [{}, { Origin: origin }, { cookie: `vas_token_${new URL(origin).port}=forged` }];
      for (const headers of tries) {
        const res = await fetch(`${origin}${path}`, { headers, redirect: 'manual' });
        expect([path, res.status]).toEqual([path, 401]);
        expect(await res.text()).toBe(NO_ACCESS_PAGE);
        expect(res.headers.get('set-cookie')).toBeNull();
      }
    }
    // The same paths with the cookie the printed link set.
    expect((await fetch(`${origin}/assets/app.js`, { headers: { cookie } })).status).toBe(200);
  });

  it('refuses a WebSocket of a forged page Origin without the token, and opens one with it', async () => {
    await expect(connect({ Origin: origin })).rejects.toThrow('HTTP 401');
    await expect(connect({ Origin: origin, cookie: `vas_token_${new URL(origin).port}=forged` })).rejects.toThrow('HTTP 401');
    await expect(connect({ Origin: origin, cookie: `vas_token=${host.token}` })).rejects.toThrow('HTTP 401'); // another port's cookie
    const client = await connect({ Origin: origin, cookie });
    await client.waitFor((m) => m.type === 'welcome');
    client.socket.close();
  });

  it('sets its cookie HttpOnly, SameSite=Strict, for this port only', async () => {
    const first = await fetch(host.url, { redirect: 'manual' });
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^vas_token_${new URL(origin).port}=`));
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
  });
});
