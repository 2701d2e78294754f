import { describe, expect, it } from 'vitest';
import { defaultKeepInTray } from '../../shared/settings-fields';
import { shouldQuitOnAllWindowsClosed } from './quit-policy';

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
