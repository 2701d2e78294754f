import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_MESSAGE_BYTES, type ServerEnvelope } from '../../shared/protocol';
import { silentLogger } from '../agent/util/logger';
import { Session, type SessionCarrier } from '../agent/session/session';
import { FileSecretStore } from '../agent/settings/secret-store';
import { SettingsStore } from '../agent/settings/settings-store';
import { ConnectionRates } from '../agent/session/connection-limits';
import { PortCarrier, rateLimitedRoute, routePortMessage } from './port-carrier';
import { ShellSessionObserver } from './shell-session-observer';
import { conversationToggle } from './shortcut-action';

function fakeSession() {
  return { receiveAudio: vi.fn(), receiveMessage: vi.fn() } as unknown as Session & {
    receiveAudio: ReturnType<typeof vi.fn>;
    receiveMessage: ReturnType<typeof vi.fn>;
  };
}

describe('port routing', () => {
  it('sends buffers to the audio path and envelopes to the message path', () => {
    const session = fakeSession();
    const buffer = new ArrayBuffer(8);
    routePortMessage(session, buffer);
    routePortMessage(session, new Uint8Array(4));
    routePortMessage(session, { kind: 'message', envelope: { v: 1 } });
    routePortMessage(session, 'stray');
    expect(session.receiveAudio).toHaveBeenCalledTimes(2);
    expect(session.receiveMessage).toHaveBeenNthCalledWith(1, { v: 1 });
    expect(session.receiveMessage).toHaveBeenNthCalledWith(2, 'stray');
  });

  it('wraps envelopes for the port', () => {
    const postMessage = vi.fn();
    const carrier = new PortCarrier({ postMessage } as never);
    carrier.send({ v: 1, seq: 0, message: { type: 'audio.flush' } });
    const audio = new ArrayBuffer(4);
    carrier.sendAudio(audio);
    expect(postMessage).toHaveBeenNthCalledWith(1, { kind: 'message', envelope: { v: 1, seq: 0, message: { type: 'audio.flush' } } });
    expect(postMessage).toHaveBeenNthCalledWith(2, audio);
  });

  it('shows its observer each message it sends, after sending it', () => {
    const order: string[] = [];
    const carrier = new PortCarrier({ postMessage: () => order.push('posted') } as never, (message) => order.push(`observed ${message.type}`));
    carrier.send({ v: 1, seq: 0, message: { type: 'state', state: 'listening', conversationId: 'c' } });
    carrier.sendAudio(new ArrayBuffer(4));
    expect(order).toEqual(['posted', 'observed state', 'posted']);
  });
});

describe('the port\'s rates', () => {
  function limited(now: () => number) {
    const session = { ...fakeSession(), send: vi.fn() } as unknown as Session & Record<'receiveAudio' | 'receiveMessage' | 'send', ReturnType<typeof vi.fn>>;
    const closed: string[] = [];
    const rates = new ConnectionRates({ messageRate: { perSecond: 2, burst: 3 }, audioFrameRate: { perSecond: 50, burst: 5 } }, now);
    return { session, closed, route: rateLimitedRoute(session, rates, (reason) => closed.push(reason)) };
  }

  it('carries a client within its rates, however long it goes on', () => {
    let t = 0;
    const { session, closed, route } = limited(() => t);
    for (let i = 0; i < 100; i++, t += 500) route({ kind: 'message', envelope: { v: 1 } });
    for (let i = 0; i < 500; i++, t += 20) route(new ArrayBuffer(640));
    expect(closed).toEqual([]);
    expect(session.receiveMessage).toHaveBeenCalledTimes(100);
    expect(session.receiveAudio).toHaveBeenCalledTimes(500);
  });

  it('closes a port that sends messages too fast, saying why, and looks at nothing after', () => {
    const { session, closed, route } = limited(() => 0);
    for (let i = 0; i < 10; i++) route({ kind: 'message', envelope: { v: 1 } });
    expect(session.receiveMessage).toHaveBeenCalledTimes(3);
    expect(closed).toEqual(['Too many messages: more than 2 a second.']);
    expect(session.send).toHaveBeenCalledExactlyOnceWith({ type: 'error', code: 'bad_message', message: 'Too many messages: more than 2 a second.' });
  });

  it('closes a port that sends audio frames too fast', () => {
    const { session, closed, route } = limited(() => 0);
    for (let i = 0; i < 6; i++) route(new Uint8Array(640));
    expect(session.receiveAudio).toHaveBeenCalledTimes(5);
    expect(closed).toEqual(['Too many audio frames: more than 50 a second.']);
  });
});

describe('a session over the port', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'port-session-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** What the renderer would post: envelopes wrapped for the port, structured-cloned on the way. */
  async function portSession() {
    const settings = await SettingsStore.open({ dataDir, env: {}, secretStore: new FileSecretStore(join(dataDir, 'secrets.json')), logger: silentLogger });
    const update = vi.spyOn(settings, 'update');
    const received: ServerEnvelope['message'][] = [];
    const carrier: SessionCarrier = { kind: 'ipc', send: (e) => received.push(structuredClone(e).message), sendAudio: () => {} };
    const session = new Session(carrier, { logger: silentLogger, settings });
    session.open();
    const view = settings.view;
    let seq = 0;
    const post = (message: unknown) => routePortMessage(session, { kind: 'message', envelope: { v: 1, seq: seq++, message } });
    const errors = () => received.filter((m) => m.type === 'error');
    return { session, received, post, errors, update, view };
  }

  it('refuses an object larger than the message limit with too_large, naming the request, and goes on', async () => {
    const { session, post, errors, received } = await portSession();
    post({ type: 'user.text', text: 'x'.repeat(MAX_MESSAGE_BYTES) });
    post({ type: 'settings.update', patch: { values: { llm: { systemPrompt: 'é'.repeat(MAX_MESSAGE_BYTES / 2) } } } });
    routePortMessage(session, { kind: 'message', envelope: { v: 1, seq: 2, message: { type: 'telemetry.spans', spans: new Array(10_000_000) } } });
    expect(errors().map((e) => e.type === 'error' && [e.code, e.ref])).toEqual([
      ['too_large', 0],
      ['too_large', 1],
      ['too_large', 2],
    ]);
    post({ type: 'conversation.start' });
    expect(received.at(-1)).toMatchObject({ type: 'state', state: 'listening' });
    await session.close();
  });

  it('lets the desktop shell follow the session through the messages the port carries', async () => {
    const observer = new ShellSessionObserver();
    const session = new Session(new PortCarrier({ postMessage: () => {} } as never, (message) => observer.observe(message)), { logger: silentLogger });
    session.open();
    expect(observer.state).toEqual({ state: 'idle', conversationRunning: false });
    let seq = 0;
    const post = (message: unknown) => routePortMessage(session, { kind: 'message', envelope: { v: 1, seq: seq++, message } });
    post({ type: 'conversation.start' });
    expect(observer.state).toEqual({ state: 'listening', conversationRunning: true });
    expect(conversationToggle(observer.state)).toEqual({ type: 'conversation.end' });
    post({ type: 'conversation.end' });
    expect(observer.state).toEqual({ state: 'idle', conversationRunning: false });
    expect(conversationToggle(observer.state)).toEqual({ type: 'conversation.start' });
    await session.close();
  });

  it('calls a cyclic object malformed rather than failing on it', async () => {
    const { session, errors, received } = await portSession();
    const message: Record<string, unknown> = { type: 'user.text', text: 'hi' };
    message.again = message;
    routePortMessage(session, { kind: 'message', envelope: { v: 1, seq: 7, message } });
    expect(errors()).toEqual([expect.objectContaining({ code: 'bad_message', ref: 7 })]);
    routePortMessage(session, { kind: 'message', envelope: { v: 1, seq: 8, message: { type: 'user.text', text: 'hi' } } });
    expect(received.at(-1)).toMatchObject({ type: 'transcript', text: 'hi' });
    await session.close();
  });

  it('refuses a settings patch outside its bounds before the store sees it, and saves one within', async () => {
    const { session, post, errors, received, update } = await portSession();
    let deep: unknown = true;
    for (let i = 0; i < 4; i++) deep = { deep };
    const manyKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key${i}`, 'x']));
    post({ type: 'settings.update', patch: { values: deep } }); // nested deeper than a group of fields
    post({ type: 'settings.update', patch: { secrets: manyKeys } });
    post({ type: 'settings.update', patch: { values: { llm: { systemPrompt: 'x'.repeat(8_001) } } } });
    post({ type: 'settings.update', patch: { reset: Array.from({ length: 51 }, () => 'llm.model') } });
    expect(errors().map((e) => e.type === 'error' && [e.code, e.ref])).toEqual([
      ['bad_message', 0],
      ['bad_message', 1],
      ['bad_message', 2],
      ['bad_message', 3],
    ]);
    expect(update).not.toHaveBeenCalled();
    post({ type: 'settings.update', patch: { values: { llm: { systemPrompt: 'Be brief.' } } } });
    await vi.waitFor(() => expect(received.find((m) => m.type === 'settings.result')).toEqual({ type: 'settings.result', ref: 4, ok: true, errors: {} }), { timeout: 10_000 });
    expect(update).toHaveBeenCalledTimes(1);
    await session.close();
  });

  it('takes the largest patch the settings pane sends: every field, every secret at full length, every reset', async () => {
    const { session, post, errors, received, view } = await portSession();
    const values = { ...view.values, llm: { ...view.values.llm, systemPrompt: 'p'.repeat(8_000) } };
    const secrets = { openaiApiKey: 'k'.repeat(8_000), sttApiKey: 'k'.repeat(8_000), llmApiKey: 'k'.repeat(8_000), ttsApiKey: 'k'.repeat(8_000), otlpHeaders: null };
    const fields = Object.entries(view.values).flatMap(([section, group]) => Object.keys(group).map((key) => `${section}.${key}`));
    post({ type: 'settings.update', patch: { values, secrets, reset: fields.slice(0, 50) } });
    await vi.waitFor(() => expect(received.some((m) => m.type === 'settings.result')).toBe(true), { timeout: 10_000 });
    expect(errors()).toEqual([]);
    await session.close();
  });
});
