import { describe, expect, it } from 'vitest';
import type { ModelsView } from '../../../shared/models';
import type { ServerMessage } from '../../../shared/protocol';
import type { SettingsView } from '../../../shared/settings';
import { MAX_TRANSCRIPT, connectionLost, initialSnapshot, reduce, withNotice, type SessionSnapshot } from './reducer';

const start = () => initialSnapshot('websocket');
const run = (messages: ServerMessage[], from: SessionSnapshot = start()) => messages.reduce(reduce, from);
const transcript = (id: string, text: string, final = false, role: 'user' | 'assistant' = 'assistant'): ServerMessage => ({ type: 'transcript', id, role, text, final });
const summary = { id: '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11', startedAt: '2026-01-01T10:00:00.000Z', endedAt: null, preview: 'hello', entries: 2 };

describe('reduce', () => {
  it('starts connecting, with nothing known of main', () => {
    const snapshot = start();
    expect(snapshot).toMatchObject({ connection: 'connecting', transport: 'websocket', state: 'connecting', sessionId: null, transcript: [], settings: null, tracing: null });
    expect(snapshot.settingsSave).toEqual({ state: 'idle' });
  });

  it('never changes the snapshot it is given', () => {
    const before = start();
    const frozen = structuredClone(before);
    run([{ type: 'welcome', sessionId: 's1', protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } }, transcript('a', 'Hi'), { type: 'notice', level: 'info', text: 'n' }], before);
    expect(before).toEqual(frozen);
  });

  it('takes the session id from the welcome and the state from state messages', () => {
    const snapshot = run([
      { type: 'welcome', sessionId: 's1', protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } },
      { type: 'state', state: 'thinking', conversationId: 'c1', detail: 'transcribing' },
    ]);
    expect(snapshot).toMatchObject({ sessionId: 's1', state: 'thinking', conversationId: 'c1' });
    expect(run([{ type: 'state', state: 'idle', conversationId: null }], snapshot)).toMatchObject({ state: 'idle', conversationId: null });
  });

  it('replaces a transcript entry by id as it grows, and appends new ones in order', () => {
    const snapshot = run([transcript('u1', 'Hello', true, 'user'), transcript('a1', 'Hi'), transcript('a1', 'Hi there'), { ...transcript('a1', 'Hi there', true), interrupted: true } as ServerMessage]);
    expect(snapshot.transcript).toEqual([
      { id: 'u1', role: 'user', text: 'Hello', final: true },
      { id: 'a1', role: 'assistant', text: 'Hi there', final: true, interrupted: true },
    ]);
  });

  it('keeps only the latest 500 entries, and still updates one of them in place', () => {
    const many = Array.from({ length: MAX_TRANSCRIPT + 20 }, (_, i) => transcript(`t${i}`, `line ${i}`, true));
    const full = run(many);
    expect(full.transcript).toHaveLength(MAX_TRANSCRIPT);
    expect(full.transcript[0]?.id).toBe('t20');
    expect(full.transcript.at(-1)?.id).toBe(`t${MAX_TRANSCRIPT + 19}`);
    const updated = reduce(full, transcript('t20', 'changed', true));
    expect(updated.transcript).toHaveLength(MAX_TRANSCRIPT);
    expect(updated.transcript[0]).toMatchObject({ id: 't20', text: 'changed' });
  });

  it('adds notices to the conversation with ids of their own', () => {
    const snapshot = run([{ type: 'notice', level: 'error', text: 'The speech service failed.' }, { type: 'notice', level: 'info', text: 'Model loaded.' }]);
    expect(snapshot.transcript).toEqual([
      { id: 'notice-1', role: 'notice', text: 'The speech service failed.', final: true, level: 'error' },
      { id: 'notice-2', role: 'notice', text: 'Model loaded.', final: true, level: 'info' },
    ]);
    expect(withNotice(snapshot, 'third').transcript.at(-1)).toEqual({ id: 'notice-3', role: 'notice', text: 'third', final: true, level: 'info' });
  });

  it('shows an error as the alert', () => {
    expect(reduce(start(), { type: 'error', code: 'invalid_state', message: 'Start a conversation before talking.' }).alert).toBe('Start a conversation before talking.');
  });

  it('keeps the views main sends: settings, tracing, models, stats', () => {
    const view = { values: { audio: { outputDeviceId: '' } } } as unknown as SettingsView;
    const models = { engines: {} } as unknown as ModelsView;
    const tracing = { enabled: true, consoleExport: false, captureContent: false };
    const stats = { framesReceived: 5, framesDropped: 0, levelDbfs: -30, peakDbfs: -10, voicedMs: 100, dynamicsDb: 6, longestVoicedMs: 100, chunksSent: 2, playedMs: 40 };
    const snapshot = run([
      { type: 'settings', view },
      { type: 'telemetry', state: tracing },
      { type: 'models', view: models },
      { type: 'audio.stats', stats },
    ]);
    expect(snapshot.settings).toBe(view);
    expect(snapshot.models).toBe(models);
    expect(snapshot.tracing).toEqual(tracing);
    expect(snapshot.stats).toEqual(stats);
  });

  it('turns results into the save state, the model answer and the history views', () => {
    expect(reduce(start(), { type: 'settings.result', ok: true, errors: {} }).settingsSave).toEqual({ state: 'saved' });
    expect(reduce(start(), { type: 'settings.result', ref: 3, ok: false, errors: { 'audio.silenceMs': 'too small' } }).settingsSave).toEqual({
      state: 'refused',
      errors: { 'audio.silenceMs': 'too small' },
    });
    expect(reduce(start(), { type: 'models.result', ok: false, message: 'not a model file' }).modelsResult).toEqual({ ok: false, message: 'not a model file' });
    expect(reduce(start(), { type: 'tools.result', ok: false, message: 'mcpServers.x.url: must be an http(s) URL' }).toolsResult).toEqual({
      ok: false,
      message: 'mcpServers.x.url: must be an http(s) URL',
    });
    const tools = { configFile: '/d/mcp.json', problems: [], servers: [], builtins: [] };
    expect(reduce(start(), { type: 'tools', view: tools }).tools).toBe(tools);
    expect(reduce(start(), { type: 'history', items: [summary] }).history).toEqual([summary]);
    const entries = [{ role: 'user' as const, text: 'hello' }, { role: 'assistant' as const, text: 'hi', interrupted: true }];
    expect(reduce(start(), { type: 'history.conversation', summary, entries, from: 0, next: null }).openConversation).toEqual({ summary, entries, next: null });
  });

  it('lists older conversations after the newest, each once, and starts again from the first page', () => {
    const item = (n: number) => ({ ...summary, id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, preview: `conversation ${n}` });
    let snapshot = reduce(start(), { type: 'history', items: [item(5), item(4)], from: 0, next: 2, total: 5 });
    expect(snapshot.historyMore).toEqual({ next: 2, total: 5 });
    // A conversation saved meanwhile moved the list by one: the page repeats one already listed.
    snapshot = reduce(snapshot, { type: 'history', items: [item(4), item(3), item(2)], from: 2, next: null, total: 6 });
    expect(snapshot.history!.map((s) => s.preview)).toEqual(['conversation 5', 'conversation 4', 'conversation 3', 'conversation 2']);
    expect(snapshot.historyMore).toEqual({ next: null, total: 6 });
    snapshot = reduce(snapshot, { type: 'history', items: [item(6)], from: 0, next: 1, total: 6 });
    expect(snapshot.history!.map((s) => s.preview)).toEqual(['conversation 6']);
  });

  it('joins the pages of a long saved conversation, ignoring a page that does not follow on', () => {
    const long = { ...summary, entries: 5 };
    const entry = (text: string) => ({ role: 'user' as const, text });
    const page = (from: number, texts: string[], next: number | null, id = long.id) =>
      ({ type: 'history.conversation', summary: { ...long, id }, entries: texts.map(entry), from, next }) as const;
    let snapshot = reduce(start(), page(0, ['a', 'b'], 2));
    expect(snapshot.openConversation).toEqual({ summary: long, entries: [entry('a'), entry('b')], next: 2 });
    const repeated = reduce(snapshot, page(0 + 1, ['b'], 2)); // a page that does not start where the shown ones end
    expect(repeated.openConversation).toBe(snapshot.openConversation);
    expect(reduce(snapshot, page(2, ['x'], null, '00000000-0000-0000-0000-000000000000')).openConversation).toBe(snapshot.openConversation);
    snapshot = reduce(snapshot, page(2, ['c', 'd'], 4));
    snapshot = reduce(snapshot, page(4, ['e'], null));
    expect(snapshot.openConversation).toEqual({ summary: long, entries: ['a', 'b', 'c', 'd', 'e'].map(entry), next: null });
  });

  it('returns the same snapshot for messages that show nothing', () => {
    const snapshot = start();
    expect(reduce(snapshot, { type: 'turn', phase: 'start', number: 1, stream: 1 })).toBe(snapshot);
    expect(reduce(snapshot, { type: 'audio.flush' })).toBe(snapshot);
  });
});

describe('connectionLost', () => {
  const inConversation = (): SessionSnapshot => ({ ...start(), connection: 'connected', sessionId: 's1', state: 'listening', conversationId: 'c1', conversationRequested: true });

  it('ends the conversation and says so', () => {
    const snapshot = connectionLost(inConversation(), 'connection lost (code 1006)');
    expect(snapshot).toMatchObject({ conversationRequested: false, conversationId: null, state: 'connecting', sessionId: null });
    expect(snapshot.transcript.at(-1)).toMatchObject({ role: 'notice', level: 'info', text: 'Connection to the app lost (connection lost (code 1006)); the conversation was ended. Reconnecting…' });
  });

  it('only reports the loss when no conversation ran', () => {
    const snapshot = connectionLost({ ...start(), sessionId: 's1', state: 'idle' }, 'closed');
    expect(snapshot.transcript.at(-1)?.text).toBe('Connection to the app lost (closed). Reconnecting…');
  });
});

describe("reduce: the page's own events", () => {
  it('opens and closes the microphone: its label and frame count, then silence', () => {
    const metered = reduce(reduce(start(), { type: 'local.microphone', label: 'USB mic' }), { type: 'local.meter', levelDbfs: -20, framesSent: 7 });
    expect(metered).toMatchObject({ microphoneLabel: 'USB mic', micLevelDbfs: -20, framesSent: 7 });
    const closed = reduce(metered, { type: 'local.microphone', label: null });
    expect(closed).toMatchObject({ microphoneLabel: null, micLevelDbfs: start().micLevelDbfs, framesSent: 7 });
  });

  it('a conversation that could not start says why; the alert can be dismissed', () => {
    const refused = reduce(reduce(start(), { type: 'local.conversation', requested: true, alert: null }), { type: 'local.conversation', requested: false, alert: 'no microphone' });
    expect(refused).toMatchObject({ conversationRequested: false, alert: 'no microphone' });
    expect(reduce(refused, { type: 'local.alert', alert: null }).alert).toBeNull();
  });

  it('a lost link ends what ran, as connectionLost says', () => {
    const running = reduce(start(), { type: 'local.conversation', requested: true });
    expect(reduce(running, { type: 'local.lost', reason: 'socket closed' })).toEqual(connectionLost(running, 'socket closed'));
  });

  it('keeps a desktop status only where there is a desktop', () => {
    const status = { keepInTray: true } as never;
    const headless = start();
    expect(reduce(headless, { type: 'local.desktop', status })).toBe(headless);
    const desktop = { ...start(), desktop: { platform: 'linux', status: null } };
    expect(reduce(desktop, { type: 'local.desktop', status }).desktop).toEqual({ platform: 'linux', status });
  });

  it('shows the results decided on the page, and closes the conversation being read', () => {
    const snapshot = [
      { type: 'local.settingsSave', save: { state: 'saving' } },
      { type: 'local.modelsResult', result: { ok: false, message: 'not a model file' } },
      { type: 'local.toolsResult', result: null },
      { type: 'local.historyClosed' },
    ].reduce((s, e) => reduce(s, e as Parameters<typeof reduce>[1]), start());
    expect(snapshot).toMatchObject({ settingsSave: { state: 'saving' }, modelsResult: { ok: false, message: 'not a model file' }, toolsResult: null, openConversation: null });
  });
});
