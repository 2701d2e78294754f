import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { SettingsSchema, type Settings, type SettingsView } from '../../../shared/settings';
import { readEnvironment } from '../../../shared/settings-fields';
import type { DesktopView } from '../session/reducer';
import { SettingsForm } from './SettingsForm';

function view(desktop: Partial<Settings['desktop']> = {}): SettingsView {
  const all = readEnvironment({}, () => {}).values;
  const values = SettingsSchema.parse(Object.fromEntries(Object.keys(SettingsSchema.shape).map((section) => [section, all[section as keyof Settings]])));
  values.desktop = { ...values.desktop, ...desktop };
  return { values, sources: {}, secrets: {}, location: '/data/settings.json' };
}

const render = (settings: SettingsView, desktop: DesktopView | null) =>
  renderToStaticMarkup(createElement(SettingsForm, { view: settings, models: null, desktop, save: { state: 'idle' }, onSave: () => {} }));

beforeAll(() => {
  // The pane asks whether the speaker can be chosen; a server render has no Web Audio.
  (globalThis as { AudioContext?: unknown }).AudioContext ??= function AudioContext() {};
});

describe('the Desktop section of the settings pane', () => {
  it('is absent in the headless host', () => {
    const html = render(view(), null);
    expect(html).not.toContain('<legend>Desktop</legend>');
    expect(html).not.toContain('Conversation shortcut');
  });

  it('shows the four desktop settings under Electron, the shortcut as it reads on the platform', () => {
    const html = render(view({ pushToTalkShortcut: '' }), { platform: 'darwin', status: null });
    expect(html).toContain('<legend>Desktop</legend>');
    for (const label of ['Keep running in the tray', 'Launch at login', 'Conversation shortcut', 'Push-to-talk shortcut']) expect(html).toContain(`>${label}</label>`);
    expect(html).toContain('reads Cmd+Shift+Space');
    expect(html).toContain('empty: none');
  });

  it('says beside the field that main could not register a shortcut, and the field stays editable', () => {
    const problem = 'Ctrl+Shift+Space is already taken by another app or the system, so it does nothing here: choose another shortcut.';
    const html = render(view(), { platform: 'linux', status: { shortcuts: { conversationShortcut: problem, pushToTalkShortcut: null }, launchAtLogin: 'On Linux this writes ~/.config/autostart/voice-agent-stack.desktop.' } });
    expect(html).toContain(`role="alert">${problem}</span>`);
    expect(html).toMatch(/<input id="setting-desktop-conversationShortcut" type="text"(?![^>]*readonly)[^>]*value="CommandOrControl\+Shift\+Space"/);
    expect(html).toContain('On Linux this writes ~/.config/autostart/voice-agent-stack.desktop.');
  });
});

describe('the secrets in the settings pane', () => {
  it('says when a stage has no key for its address, and which saved secrets to type again', () => {
    const note = 'The language model API key saved for http://127.0.0.1:8000 is kept for it and not sent to http://10.0.0.9:1: type this server\'s key here, or set LLM_API_KEY.';
    const notice = 'The saved secrets (/data/secrets.bin) could not be read (the keychain could not decrypt it); it was moved to /data/secrets.bin.unreadable-1. Type again: OTLP headers.';
    const html = render({ ...view(), secrets: { llmApiKey: { set: false, source: 'saved', note } }, notice }, null);
    expect(html).toContain(`not set · ${note.replace("'", '&#x27;')}`);
    expect(html).toContain(`role="alert">${notice}</p>`);
  });
});

describe('the History section of the settings pane', () => {
  it('shows the two retention limits, off by default, in every host', () => {
    const html = render(view(), null);
    expect(html).toContain('<legend>History</legend>');
    for (const label of ['Keep conversations for (days)', 'Keep at most (conversations)']) expect(html).toContain(`>${label}</label>`);
    expect(html).toMatch(/id="setting-history-keepDays"[^>]*value="0"|value="0"[^>]*id="setting-history-keepDays"/);
    expect(html).toContain('0: no limit');
  });
});
