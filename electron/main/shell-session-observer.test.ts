import { describe, expect, it } from 'vitest';
import type { ModelsView } from '../../shared/models';
import type { ServerMessage } from '../../shared/protocol';
import { ShellSessionObserver } from './shell-session-observer';

const state = (s: 'idle' | 'listening' | 'error', conversationId: string | null, detail?: string): ServerMessage => ({ type: 'state', state: s, conversationId, ...(detail ? { detail } : {}) });

function models(status: ModelsView['catalog'][number]['status']): ServerMessage {
  const view: ModelsView = {
    catalog: [{ id: 'whisper-base.en', stage: 'stt', title: 'Whisper base (English)', sizeBytes: 100, license: 'MIT', description: '', status }],
    picked: { stt: null, llm: null },
    voices: [],
    engines: {
      stt: { provider: 'local', label: 'x', ready: status.state === 'ready' },
      llm: { provider: 'local', label: 'x', ready: true },
      tts: { provider: 'local', label: 'x', ready: true },
    },
  };
  return { type: 'models', view };
}
const downloading = { state: 'downloading', receivedBytes: 10, totalBytes: 100, bytesPerSecond: 5, secondsLeft: 18 } as const;

describe('ShellSessionObserver', () => {
  it('follows the session state and whether a conversation runs', () => {
    const observer = new ShellSessionObserver();
    expect(observer.state).toEqual({ state: 'connecting', conversationRunning: false });
    // The greeting: a new session is idle (it sends no state until one changes).
    observer.observe({ type: 'welcome', sessionId: 's', protocolVersion: 1, audioIn: { sampleRate: 16_000, frameSamples: 320 } });
    expect(observer.state).toEqual({ state: 'idle', conversationRunning: false });
    observer.observe(state('listening', 'c1'));
    expect(observer.state).toEqual({ state: 'listening', conversationRunning: true });
    observer.observe(state('idle', null));
    expect(observer.state).toEqual({ state: 'idle', conversationRunning: false });
  });

  it('reports a failed turn once, with its detail', () => {
    const observer = new ShellSessionObserver();
    expect(observer.observe(state('error', 'c1', 'Language model timed out.'))).toEqual([{ kind: 'turn-failed', detail: 'Language model timed out.' }]);
    expect(observer.observe(state('error', 'c1', 'Language model timed out.'))).toEqual([]);
    expect(observer.state.detail).toBe('Language model timed out.');
    observer.observe(state('listening', 'c1'));
    expect(observer.observe(state('error', 'c1'))).toEqual([{ kind: 'turn-failed', detail: 'The reply failed.' }]);
  });

  it('reports a model that finished downloading, not one that was ready already', () => {
    const observer = new ShellSessionObserver();
    expect(observer.observe(models({ state: 'ready', sizeBytes: 100 }))).toEqual([]);
    observer.observe(models({ state: 'missing', partialBytes: 0 }));
    expect(observer.observe(models(downloading))).toEqual([]);
    expect(observer.observe(models({ state: 'ready', sizeBytes: 100 }))).toEqual([{ kind: 'model-downloaded', title: 'Whisper base (English)' }]);
    expect(observer.observe(models({ state: 'ready', sizeBytes: 100 }))).toEqual([]);
  });

  it('does not report a download that failed or was cancelled', () => {
    const observer = new ShellSessionObserver();
    observer.observe(models(downloading));
    expect(observer.observe(models({ state: 'error', message: 'checksum mismatch', partialBytes: 0 }))).toEqual([]);
    observer.observe(models(downloading));
    expect(observer.observe(models({ state: 'missing', partialBytes: 10 }))).toEqual([]);
  });
});
