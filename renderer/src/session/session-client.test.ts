import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage, ServerMessage } from '../../../shared/protocol';
import { FakeBridge, welcome } from '../testing/fake-bridge';
import { SessionClient } from './session-client';

// The audio devices are the browser's; here they are stand-ins that record what they are asked.
const audio = vi.hoisted(() => ({
  frame: null as ((samples: Int16Array) => void) | null,
  micStops: 0,
  speaker: null as null | { flushes: number; resets: number },
}));

vi.mock('../audio/microphone', () => ({
  startMicrophone: async (onFrame: (samples: Int16Array) => void) => {
    audio.frame = onFrame;
    return { deviceLabel: 'Test microphone', stop: async () => void audio.micStops++ };
  },
}));

vi.mock('../audio/speaker', () => ({
  Speaker: class {
    flushes = 0;
    resets = 0;
    constructor() {
      audio.speaker = this;
    }
    prepare = async () => {};
    play = async () => {};
    setOutputDevice = async () => {};
    close = async () => {};
    flush() {
      this.flushes++;
    }
    reset() {
      this.resets++;
    }
  },
}));

const CONVERSATION = '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11';
const summary = { id: CONVERSATION, startedAt: '2026-01-01T10:00:00.000Z', endedAt: null, preview: 'hello', entries: 2 };

let bridge: FakeBridge;
let client: SessionClient;
const settle = () => vi.advanceTimersByTimeAsync(0);
const sent = (): ClientMessage[] => bridge.sent.map((envelope) => envelope.message);
const snapshot = () => client.getSnapshot();

beforeEach(async () => {
  vi.useFakeTimers();
  audio.micStops = 0;
  bridge = new FakeBridge();
  client = new SessionClient(bridge);
  client.connect();
  bridge.accept();
  await settle();
  bridge.reply(welcome);
});

afterEach(async () => {
  await client.dispose();
  vi.useRealTimers();
});

describe('SessionClient settings save', () => {
  it('is saving until main answers the request, then saved', async () => {
    client.settings.save({ values: { audio: { silenceMs: 700 } } });
    expect(snapshot().settingsSave).toEqual({ state: 'saving' });
    bridge.reply({ type: 'settings.result', ref: bridge.seqOf('settings.update'), ok: true, errors: {} });
    await settle();
    expect(snapshot().settingsSave).toEqual({ state: 'saved' });
  });

  it('shows the field errors of a refused save', async () => {
    client.settings.save({ values: { audio: { silenceMs: -1 } } });
    bridge.reply({ type: 'settings.result', ref: bridge.seqOf('settings.update'), ok: false, errors: { 'audio.silenceMs': 'must be at least 100' } });
    await settle();
    expect(snapshot().settingsSave).toEqual({ state: 'refused', errors: { 'audio.silenceMs': 'must be at least 100' } });
  });

  it('says why when main fails the save, or the link drops before the answer', async () => {
    client.settings.save({ values: {} });
    bridge.reply({ type: 'error', code: 'internal', message: 'Settings could not be saved: disk full', ref: bridge.seqOf('settings.update') });
    await settle();
    expect(snapshot().settingsSave).toEqual({ state: 'refused', errors: { settings: 'Settings could not be saved: disk full' } });
    expect(snapshot().alert).toBeNull();

    client.settings.save({ values: {} });
    bridge.lose();
    await settle();
    expect(snapshot().settingsSave).toMatchObject({ state: 'refused', errors: { settings: expect.stringContaining('connection to the app was lost') } });
  });

  it('refuses at once while not connected', async () => {
    bridge.lose();
    client.settings.save({ values: {} });
    expect(snapshot().settingsSave).toEqual({ state: 'refused', errors: { settings: 'Not connected to the app; nothing was saved.' } });
  });

  it('still shows the outcome of a tracing switch, which main answers as a save', async () => {
    client.settings.setTracing({ enabled: false });
    bridge.reply({ type: 'settings.result', ref: bridge.seqOf('settings.update'), ok: true, errors: {} });
    await settle();
    expect(snapshot().settingsSave).toEqual({ state: 'saved' });
  });
});

describe('SessionClient requests', () => {
  it('shows the answer to a picked model file, and says so when not connected', async () => {
    client.models.pick('stt', '/models/not-a-model.txt');
    expect(snapshot().modelsResult).toBeNull();
    bridge.reply({ type: 'models.result', ref: bridge.seqOf('models.pick'), ok: false, message: 'That file is not a Whisper model.' });
    await settle();
    expect(snapshot().modelsResult).toEqual({ ok: false, message: 'That file is not a Whisper model.' });

    bridge.lose();
    client.models.pick('stt', '/models/a.bin');
    await settle();
    expect(snapshot().modelsResult).toEqual({ ok: false, message: 'Not connected to the app.' });
  });

  it('lists, opens and deletes saved conversations through their replies', async () => {
    client.history.list();
    bridge.reply({ type: 'history', ref: bridge.seqOf('history.list'), items: [summary] });
    await settle();
    expect(snapshot().history).toEqual([summary]);

    client.history.open(CONVERSATION);
    bridge.reply({ type: 'history.conversation', ref: bridge.seqOf('history.open'), summary, entries: [{ role: 'user', text: 'hello' }], from: 0, next: 1 });
    await settle();
    expect(snapshot().openConversation).toEqual({ summary, entries: [{ role: 'user', text: 'hello' }], next: 1 });
    client.history.more();
    expect(sent().at(-1)).toEqual({ type: 'history.open', id: CONVERSATION, from: 1 });
    bridge.reply({ type: 'history.conversation', ref: bridge.seqOf('history.open'), summary, entries: [{ role: 'assistant', text: 'hi' }], from: 1, next: null });
    await settle();
    expect(snapshot().openConversation?.entries).toEqual([{ role: 'user', text: 'hello' }, { role: 'assistant', text: 'hi' }]);

    client.history.delete(CONVERSATION);
    expect(snapshot().openConversation).toBeNull();
    bridge.reply({ type: 'history', ref: bridge.seqOf('history.delete'), items: [] });
    await settle();
    expect(snapshot().history).toEqual([]);
  });

  it('shows main refusing a request as the alert', async () => {
    client.history.open(CONVERSATION);
    bridge.reply({ type: 'error', code: 'bad_message', message: 'That conversation is no longer in the history.', ref: bridge.seqOf('history.open') });
    await settle();
    expect(snapshot().alert).toBe('That conversation is no longer in the history.');
  });
});

describe('SessionClient turn audio', () => {
  it("asks main for a turn's audio page by page over the link, and leaves the snapshot alone", async () => {
    const before = snapshot();
    const read = client.audio.readAudio(CONVERSATION, 2);
    await settle();
    expect(sent().at(-1)).toEqual({ type: 'audio.read', key: CONVERSATION, turn: 2, from: 0 });
    const page = { type: 'audio.data', key: CONVERSATION, turn: 2, mimeType: 'audio/flac', startAt: 5, total: 4 } as const;
    bridge.reply({ ...page, ref: bridge.seqOf('audio.read'), data: btoa('fL'), from: 0, next: 2 });
    await settle();
    expect(sent().at(-1)).toEqual({ type: 'audio.read', key: CONVERSATION, turn: 2, from: 2 });
    bridge.reply({ ...page, ref: bridge.seqOf('audio.read'), data: btoa('aC'), from: 2, next: null });
    expect(await (await read).text()).toBe('fLaC');
    expect(snapshot()).toBe(before);
  });

  it("rejects with main's refusal, without an alert (the viewer says it)", async () => {
    const turns = client.audio.audioTurns(CONVERSATION);
    bridge.reply({ type: 'error', code: 'invalid_state', message: 'This host keeps no turn audio.', ref: bridge.seqOf('audio.turns') });
    await expect(turns).rejects.toThrow('This host keeps no turn audio.');
    expect(snapshot().alert).toBeNull();
  });
});

describe('SessionClient conversation', () => {
  const traceparent = (spanId: string) => `00-${'a'.repeat(32)}-${spanId}-01`;

  it('opens the microphone, streams its frames, and ends the conversation', async () => {
    await client.startConversation();
    expect(snapshot()).toMatchObject({ conversationRequested: true, microphoneLabel: 'Test microphone' });
    expect(sent()).toContainEqual({ type: 'conversation.start' });
    bridge.reply({ type: 'state', state: 'listening', conversationId: CONVERSATION });
    audio.frame!(new Int16Array(320).fill(1_000));
    audio.frame!(new Int16Array(320).fill(1_000));
    expect(bridge.audio).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(snapshot().framesSent).toBe(2);
    expect(snapshot().micLevelDbfs).toBeGreaterThan(-40);

    await client.endConversation();
    expect(sent().at(-1)).toEqual({ type: 'conversation.end' });
    expect(snapshot()).toMatchObject({ conversationRequested: false, microphoneLabel: null });
    expect(audio.micStops).toBe(1);
  });

  it('ends the conversation when the link drops, says so, and reconnects', async () => {
    await client.startConversation();
    bridge.reply({ type: 'state', state: 'listening', conversationId: CONVERSATION });
    bridge.lose('closed by the host');
    await settle();
    expect(snapshot()).toMatchObject({ connection: 'reconnecting', conversationRequested: false, conversationId: null, sessionId: null });
    expect(snapshot().transcript.at(-1)?.text).toBe('Connection to the app lost (closed by the host); the conversation was ended. Reconnecting…');
    expect(audio.micStops).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    bridge.accept();
    await settle();
    bridge.reply(welcome);
    expect(snapshot()).toMatchObject({ connection: 'connected', sessionId: 's1' });
    expect(audio.speaker!.resets).toBe(2); // one per session's welcome
  });

  it('sends the capture span to main under the conversation span while tracing is on', async () => {
    bridge.reply({ type: 'telemetry', state: { enabled: true, consoleExport: false, captureContent: false } });
    await client.startConversation();
    bridge.reply({ type: 'state', state: 'listening', conversationId: CONVERSATION }, traceparent('1'.repeat(16)));
    audio.frame!(new Int16Array(320));
    await client.endConversation();
    await vi.advanceTimersByTimeAsync(1_000);
    const spans = sent().flatMap((message) => (message.type === 'telemetry.spans' ? message.spans : []));
    expect(spans).toMatchObject([{ name: 'audio.capture', parentSpanId: '1'.repeat(16), attributes: { 'audio.capture.frames_sent': 1 } }]);
  });

  it('passes on what main sends on its own to the snapshot', () => {
    const notice: ServerMessage = { type: 'notice', level: 'error', text: 'The speech service failed.' };
    bridge.reply(notice);
    expect(snapshot().transcript.at(-1)).toMatchObject({ role: 'notice', text: 'The speech service failed.' });
    bridge.reply({ type: 'audio.flush' });
    expect(audio.speaker!.flushes).toBe(1);
  });
});
