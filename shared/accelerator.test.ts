import { describe, expect, it } from 'vitest';
import { describeAccelerator, parseAccelerator, sameAccelerator } from './accelerator';

describe('parseAccelerator', () => {
  it.each([
    ['CommandOrControl+Shift+Space', 'CommandOrControl+Shift+Space'],
    ['  cmdorctrl + shift + space ', 'CommandOrControl+Shift+Space'],
    ['Shift+Alt+k', 'Alt+Shift+K'],
    ['Option+Meta+F5', 'Alt+Super+F5'],
    ['Ctrl++', 'Control+Plus'],
    ['Control+Plus', 'Control+Plus'],
    ['Alt+/', 'Alt+/'],
    ['Ctrl+num5', 'Control+num5'],
    ['F13', 'F13'],
    ['MediaPlayPause', 'MediaPlayPause'],
  ])('reads %j as %s', (text, value) => {
    expect(parseAccelerator(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['', /type a shortcut/],
    ['Ctrl+', /empty part/],
    ['Ctrl+Shift', /needs a key after the modifiers/],
    ['Hyper+K', /"Hyper" is not a modifier/],
    ['Ctrl+A+B', /more than one key \(A and B\)/],
    ['Ctrl+Ctrl+K', /names Control twice/],
    ['Ctrl+Banana', /"Banana" is not a key/],
    ['K', /needs a modifier/],
    ['Space', /needs a modifier/],
    ['F5', /needs a modifier/],
    [`Ctrl+${'x'.repeat(200)}`, /too long/],
  ])('refuses %j with a sentence', (text, message) => {
    const result = parseAccelerator(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('compares shortcuts by their keys, not their spelling', () => {
    expect(sameAccelerator('Ctrl+Shift+K', 'shift+control+k')).toBe(true);
    expect(sameAccelerator('CmdOrCtrl+K', 'Control+K')).toBe(false);
    expect(sameAccelerator('', '')).toBe(false);
  });

  it('describes a shortcut in the words of the platform', () => {
    expect(describeAccelerator('CommandOrControl+Shift+Space', 'darwin')).toBe('Cmd+Shift+Space');
    expect(describeAccelerator('CommandOrControl+Alt+Space', 'win32')).toBe('Ctrl+Alt+Space');
    expect(describeAccelerator('nonsense', 'linux')).toBe('nonsense');
  });
});
