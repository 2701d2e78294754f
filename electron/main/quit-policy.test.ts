import { describe, expect, it } from 'vitest';
import { defaultKeepInTray } from '../../shared/settings-fields';
import { shouldHideOnClose, shouldQuitOnAllWindowsClosed } from './quit-policy';

describe('shouldQuitOnAllWindowsClosed', () => {
  it('follows each platform convention with the default setting', () => {
    expect(shouldQuitOnAllWindowsClosed('win32', defaultKeepInTray('win32'))).toBe(true);
    expect(shouldQuitOnAllWindowsClosed('linux', defaultKeepInTray('linux'))).toBe(true);
    expect(shouldQuitOnAllWindowsClosed('darwin', defaultKeepInTray('darwin'))).toBe(false);
  });

  it('keeps the app running in the tray when the user chose so, on every platform', () => {
    for (const platform of ['win32', 'linux', 'darwin']) expect(shouldQuitOnAllWindowsClosed(platform, true)).toBe(false);
  });

  it('quits on macOS too when the user turned keeping it off', () => {
    expect(shouldQuitOnAllWindowsClosed('darwin', false)).toBe(true);
  });

  it('quits when no tray icon could be shown, except on macOS where the Dock brings the app back', () => {
    expect(shouldQuitOnAllWindowsClosed('linux', true, false)).toBe(true);
    expect(shouldQuitOnAllWindowsClosed('win32', true, false)).toBe(true);
    expect(shouldQuitOnAllWindowsClosed('darwin', true, false)).toBe(false);
  });
});

describe('shouldHideOnClose', () => {
  it('hides the window when the app stays running, so the tray and shortcuts keep working', () => {
    expect(shouldHideOnClose('linux', true, true, false)).toBe(true);
    expect(shouldHideOnClose('darwin', true, false, false)).toBe(true);
  });

  it('closes it when the app quits with it, or is quitting', () => {
    expect(shouldHideOnClose('win32', false, true, false)).toBe(false);
    expect(shouldHideOnClose('linux', true, false, false)).toBe(false);
    expect(shouldHideOnClose('linux', true, true, true)).toBe(false);
  });
});
