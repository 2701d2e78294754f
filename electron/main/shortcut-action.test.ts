import { describe, expect, it } from 'vitest';
import { conversationToggle, pushToTalkToggle } from './shortcut-action';

describe('conversationToggle', () => {
  it('starts a conversation when none runs, and ends the one that runs whatever its state', () => {
    expect(conversationToggle({ state: 'idle', conversationRunning: false })).toEqual({ type: 'conversation.start' });
    for (const state of ['listening', 'thinking', 'speaking', 'error'] as const)
      expect(conversationToggle({ state, conversationRunning: true })).toEqual({ type: 'conversation.end' });
  });

  it('does nothing without a connected window', () => {
    expect(conversationToggle({ state: null, conversationRunning: false })).toBeNull();
    expect(conversationToggle({ state: 'connecting', conversationRunning: false })).toBeNull();
  });
});

describe('pushToTalkToggle', () => {
  const running = { state: 'listening', conversationRunning: true } as const;

  it('presses on the first press and releases on the second', () => {
    const first = pushToTalkToggle(running, false);
    expect(first).toEqual({ command: { type: 'ptt', pressed: true }, held: true });
    expect(pushToTalkToggle({ ...running, state: 'speaking' }, first.held)).toEqual({ command: { type: 'ptt', pressed: false }, held: false });
  });

  it('starts a conversation outside one, without holding the key', () => {
    expect(pushToTalkToggle({ state: 'idle', conversationRunning: false }, false)).toEqual({ command: { type: 'conversation.start' }, held: false });
    expect(pushToTalkToggle({ state: 'idle', conversationRunning: false }, true)).toEqual({ command: { type: 'conversation.start' }, held: false });
    expect(pushToTalkToggle({ state: null, conversationRunning: false }, false)).toEqual({ command: null, held: false });
  });
});
