import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage } from '../../../shared/protocol';
import { FakeBridge, FakeDesktopBridge, welcome } from '../testing/fake-bridge';
import { SessionClient } from './session-client';

// The audio devices are the browser's; here they are stand-ins.
const audio = vi.hoisted(() => ({ micStarts: 0, micStops: 0 }));
vi.mock('../audio/microphone', () => ({
  startMicrophone: async () => {
    audio.micStarts++;
    return { deviceLabel: 'Test microphone', stop: async () => void audio.micStops++ };
  },
}));
vi.mock('../audio/speaker', () => ({
  Speaker: class {
    prepare = async () => {};
    play = async () => {};
    setOutputDevice = async () => {};
    close = async () => {};
    flush() {}
    reset() {}
  },
}));

const CONVERSATION = '0d6c1a56-3c3e-4c6b-9a8e-6f1f7e0c8a11';
let bridge: FakeDesktopBridge;
let client: SessionClient;
const settle = () => vi.advanceTimersByTimeAsync(0);
const sent = (): ClientMessage[] => bridge.sent.map((envelope) => envelope.message);

beforeEach(async () => {
  vi.useFakeTimers();
  audio.micStarts = 0;
  audio.micStops = 0;
  bridge = new FakeDesktopBridge();
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

describe('SessionClient on the desktop', () => {
  it('knows its platform, and shows how main applied the desktop settings', () => {
    expect(client.getSnapshot().desktop).toEqual({ platform: 'linux', status: null });
    const status = { shortcuts: { conversationShortcut: 'Ctrl+Shift+Space is already taken', pushToTalkShortcut: null }, launchAtLogin: null };
    bridge.desktop.status(status);
    expect(client.getSnapshot().desktop).toEqual({ platform: 'linux', status });
  });

  it('starts and ends a conversation when the shell asks, as the page button does', async () => {
    bridge.desktop.command({ type: 'conversation.start' });
    await settle();
    expect(audio.micStarts).toBe(1);
    expect(sent()).toContainEqual({ type: 'conversation.start' });
    bridge.reply({ type: 'state', state: 'listening', conversationId: CONVERSATION });
    bridge.desktop.command({ type: 'ptt', pressed: true });
    bridge.desktop.command({ type: 'ptt', pressed: false });
    expect(sent().filter((m) => m.type === 'ptt')).toEqual([
      { type: 'ptt', pressed: true },
      { type: 'ptt', pressed: false },
    ]);
    bridge.desktop.command({ type: 'conversation.end' });
    await settle();
    expect(audio.micStops).toBe(1);
    expect(sent().at(-1)).toEqual({ type: 'conversation.end' });
    expect(client.getSnapshot().conversationRequested).toBe(false);
  });

  it('opens the settings pane when the shell asks', () => {
    const opened = vi.fn();
    const stop = client.desktop.onSettingsRequested(opened);
    bridge.desktop.command({ type: 'settings.open' });
    stop();
    bridge.desktop.command({ type: 'settings.open' });
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('uses the model file chosen in the system file picker, and nothing when it was cancelled', async () => {
    expect(client.models.choosesFiles).toBe(true);
    bridge.desktop.nextPick = null;
    await client.models.chooseFile('llm');
    expect(sent().some((m) => m.type === 'models.pick')).toBe(false);
    bridge.desktop.nextPick = '/models/qwen.gguf';
    await client.models.chooseFile('llm');
    expect(bridge.desktop.picks).toEqual(['llm', 'llm']);
    expect(sent()).toContainEqual({ type: 'models.pick', stage: 'llm', path: '/models/qwen.gguf' });
  });

  it('says so when the file picker fails', async () => {
    bridge.desktop.nextPick = new Error('no display');
    await client.models.chooseFile('stt');
    expect(client.getSnapshot().modelsResult).toEqual({ ok: false, message: 'The file picker could not open (Error: no display).' });
  });

  it('stops listening to the shell once disposed', async () => {
    await client.dispose();
    expect(bridge.desktop.commandListeners.size).toBe(0);
    expect(bridge.desktop.statusListeners.size).toBe(0);
  });
});

describe('SessionClient in the headless host', () => {
  it('has no desktop and keeps the path field for model files', async () => {
    const headless = new SessionClient(new FakeBridge());
    expect(headless.getSnapshot().desktop).toBeNull();
    expect(headless.models.choosesFiles).toBe(false);
    await headless.dispose();
  });
});
