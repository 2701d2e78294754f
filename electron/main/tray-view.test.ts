import { describe, expect, it } from 'vitest';
import { SESSION_STATES } from '../../shared/protocol';
import { trayViewFor } from './tray-view';

const labels = (view: ReturnType<typeof trayViewFor>) => view.items.map((i) => `${i.label}${i.enabled ? '' : ' (disabled)'}`);

describe('trayViewFor', () => {
  it('offers to start a conversation when idle, and names the state in the tooltip', () => {
    const view = trayViewFor({ state: 'idle', conversationRunning: false }, 'Voice Agent Stack');
    expect(view.icon).toBe('idle');
    expect(view.tooltip).toBe('Voice Agent Stack: ready');
    expect(labels(view)).toEqual(['Start conversation', 'Show window', 'Settings…', 'Quit Voice Agent Stack']);
  });

  it.each(['listening', 'thinking', 'speaking'] as const)('shows %s with its own icon and offers to end the conversation', (state) => {
    const view = trayViewFor({ state, conversationRunning: true }, 'App');
    expect(view.icon).toBe(state);
    expect(view.tooltip).toBe(`App: ${state}`);
    expect(view.items[0]).toEqual({ id: 'conversation', label: 'End conversation', enabled: true });
  });

  it('shows an error with what went wrong, on one short line', () => {
    const view = trayViewFor({ state: 'error', conversationRunning: true, detail: `Speech-to-text failed:\n${'x'.repeat(300)}` }, 'App');
    expect(view.icon).toBe('error');
    expect(view.tooltip).toMatch(/^App: something went wrong: Speech-to-text failed: x+…$/);
    expect(view.tooltip.length).toBeLessThan(140);
    expect(view.items[0]!.label).toBe('End conversation');
  });

  it('cannot start a conversation without a connected window, but can still show it, open settings and quit', () => {
    for (const state of [null, 'connecting'] as const) {
      const view = trayViewFor({ state, conversationRunning: false }, 'App');
      expect(view.icon).toBe('offline');
      expect(labels(view)).toEqual(['Start conversation (disabled)', 'Show window', 'Settings…', 'Quit App']);
    }
    expect(trayViewFor({ state: null, conversationRunning: false }, 'App').tooltip).toBe('App: no window open');
  });

  it('has an icon for every session state', () => {
    for (const state of SESSION_STATES) expect(trayViewFor({ state, conversationRunning: false }, 'App').icon).toBeTruthy();
  });
});
