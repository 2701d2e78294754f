import { describe, expect, it } from 'vitest';
import { GlobalShortcuts, type ShortcutRegistrar } from './global-shortcuts';

/** Stands in for Electron's globalShortcut: one owner per accelerator, some held by "other apps". */
class Registrar implements ShortcutRegistrar {
  readonly owned = new Map<string, () => void>();
  readonly calls: string[] = [];
  constructor(readonly takenElsewhere = new Set<string>()) {}
  register(accelerator: string, callback: () => void): boolean {
    this.calls.push(`register ${accelerator}`);
    if (this.takenElsewhere.has(accelerator) || this.owned.has(accelerator)) return false;
    this.owned.set(accelerator, callback);
    return true;
  }
  unregister(accelerator: string): void {
    this.calls.push(`unregister ${accelerator}`);
    this.owned.delete(accelerator);
  }
  press(accelerator: string): void {
    this.owned.get(accelerator)?.();
  }
}

function setup(taken: string[] = [], platform = 'linux') {
  const registrar = new Registrar(new Set(taken));
  const pressed: string[] = [];
  const shortcuts = new GlobalShortcuts(registrar, { conversationShortcut: () => pressed.push('conversation'), pushToTalkShortcut: () => pressed.push('ptt') }, platform);
  return { registrar, pressed, shortcuts };
}

describe('GlobalShortcuts', () => {
  it('registers each shortcut in its canonical spelling and runs its action when pressed', () => {
    const { registrar, pressed, shortcuts } = setup();
    expect(shortcuts.apply({ conversationShortcut: 'shift+cmdorctrl+space', pushToTalkShortcut: 'Alt+Shift+T' })).toEqual({ conversationShortcut: null, pushToTalkShortcut: null });
    expect([...registrar.owned.keys()]).toEqual(['CommandOrControl+Shift+Space', 'Alt+Shift+T']);
    registrar.press('CommandOrControl+Shift+Space');
    registrar.press('Alt+Shift+T');
    expect(pressed).toEqual(['conversation', 'ptt']);
  });

  it('says clearly that a shortcut is taken, in the platform spelling, and keeps the other one', () => {
    const { registrar, shortcuts } = setup(['CommandOrControl+Shift+Space'], 'darwin');
    const problems = shortcuts.apply({ conversationShortcut: 'CommandOrControl+Shift+Space', pushToTalkShortcut: 'Alt+Shift+T' });
    expect(problems.conversationShortcut).toBe('Cmd+Shift+Space is already taken by another app or the system, so it does nothing here: choose another shortcut.');
    expect(problems.pushToTalkShortcut).toBeNull();
    expect([...registrar.owned.keys()]).toEqual(['Alt+Shift+T']);
    expect(shortcuts.status).toEqual(problems);
  });

  it('registers a new choice after a refused one, and unregisters only what changed', () => {
    const { registrar, shortcuts } = setup(['Control+Shift+Space']);
    shortcuts.apply({ conversationShortcut: 'Control+Shift+Space', pushToTalkShortcut: 'Alt+Shift+T' });
    registrar.calls.length = 0;
    expect(shortcuts.apply({ conversationShortcut: 'Control+Shift+K', pushToTalkShortcut: 'Alt+Shift+T' }).conversationShortcut).toBeNull();
    expect(registrar.calls).toEqual(['register Control+Shift+K']);
    registrar.calls.length = 0;
    shortcuts.apply({ conversationShortcut: 'Control+Shift+J', pushToTalkShortcut: 'Alt+Shift+T' });
    expect(registrar.calls).toEqual(['unregister Control+Shift+K', 'register Control+Shift+J']);
  });

  it('lets two shortcuts swap keys in one change', () => {
    const { registrar, pressed, shortcuts } = setup();
    shortcuts.apply({ conversationShortcut: 'Alt+Shift+A', pushToTalkShortcut: 'Alt+Shift+B' });
    expect(shortcuts.apply({ conversationShortcut: 'Alt+Shift+B', pushToTalkShortcut: 'Alt+Shift+A' })).toEqual({ conversationShortcut: null, pushToTalkShortcut: null });
    registrar.press('Alt+Shift+B');
    expect(pressed).toEqual(['conversation']);
  });

  it('refuses the same keys for both shortcuts, however they are spelled', () => {
    const { registrar, shortcuts } = setup();
    const problems = shortcuts.apply({ conversationShortcut: 'Ctrl+Shift+K', pushToTalkShortcut: 'shift+control+k' });
    expect(problems.pushToTalkShortcut).toBe('Not active: the conversation shortcut already uses Ctrl+Shift+K.');
    expect([...registrar.owned.keys()]).toEqual(['Control+Shift+K']);
  });

  it('unregisters a shortcut the user emptied, reports an invalid one, and releases all at the end', () => {
    const { registrar, shortcuts } = setup();
    shortcuts.apply({ conversationShortcut: 'Alt+Shift+A', pushToTalkShortcut: 'Alt+Shift+B' });
    const problems = shortcuts.apply({ conversationShortcut: 'K', pushToTalkShortcut: '' });
    expect(problems.conversationShortcut).toMatch(/^Not active: this shortcut needs a modifier/);
    expect(registrar.owned.size).toBe(0);
    shortcuts.apply({ conversationShortcut: 'Alt+Shift+A', pushToTalkShortcut: '' });
    shortcuts.clear();
    expect(registrar.owned.size).toBe(0);
  });

  it('treats a registrar that throws (an accelerator the system cannot take) as refused', () => {
    const shortcuts = new GlobalShortcuts(
      { register: () => { throw new Error('conversion failed'); }, unregister: () => {} },
      { conversationShortcut: () => {}, pushToTalkShortcut: () => {} },
      'win32',
    );
    expect(shortcuts.apply({ conversationShortcut: 'Alt+Shift+A', pushToTalkShortcut: '' }).conversationShortcut).toMatch(/already taken/);
  });
});
