import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loginItemMechanism, loginItemNote, quoteExecArgument, setXdgAutostart, xdgAutostartEntry, xdgAutostartFile } from './login-item';

describe('launch at login', () => {
  it('uses Electron on macOS and Windows, an XDG autostart entry on Linux', () => {
    expect(loginItemMechanism('darwin')).toBe('electron');
    expect(loginItemMechanism('win32')).toBe('electron');
    expect(loginItemMechanism('linux')).toBe('xdg-autostart');
    expect(loginItemMechanism('aix')).toBe('unsupported');
    expect(loginItemNote('darwin', null)).toBeNull();
    expect(loginItemNote('linux', '/home/a/.config/autostart/x.desktop')).toMatch(/writes \/home\/a\/\.config\/autostart\/x\.desktop/);
    expect(loginItemNote('aix', null)).toMatch(/not available/);
  });

  it('puts the entry in $XDG_CONFIG_HOME/autostart, or ~/.config/autostart', () => {
    expect(xdgAutostartFile({}, '/home/a', 'voice-agent-stack')).toBe('/home/a/.config/autostart/voice-agent-stack.desktop');
    expect(xdgAutostartFile({ XDG_CONFIG_HOME: '/cfg' }, '/home/a', 'voice-agent-stack')).toBe('/cfg/autostart/voice-agent-stack.desktop');
    // The specification ignores a relative XDG_CONFIG_HOME.
    expect(xdgAutostartFile({ XDG_CONFIG_HOME: 'cfg' }, '/home/a', 'voice-agent-stack')).toBe('/home/a/.config/autostart/voice-agent-stack.desktop');
  });

  it('quotes Exec arguments as the Desktop Entry specification says', () => {
    expect(quoteExecArgument('/opt/Voice Agent/voice-agent')).toBe('"/opt/Voice Agent/voice-agent"');
    expect(quoteExecArgument('/usr/bin/app')).toBe('/usr/bin/app');
    expect(quoteExecArgument('100%')).toBe('100%%');
    expect(quoteExecArgument('a"b$c')).toBe('"a\\\\"b\\\\$c"');
    expect(quoteExecArgument('')).toBe('""');
  });

  it('writes a Desktop Entry that starts the app', () => {
    const entry = xdgAutostartEntry('Voice Agent Stack', ['/opt/Voice Agent/voice-agent', '--hidden']);
    expect(entry.split('\n')).toEqual([
      '[Desktop Entry]',
      'Type=Application',
      'Version=1.0',
      'Name=Voice Agent Stack',
      'Exec="/opt/Voice Agent/voice-agent" --hidden',
      'Terminal=false',
      'X-GNOME-Autostart-enabled=true',
      '',
    ]);
  });

  describe('the entry file', () => {
    const dirs: string[] = [];
    afterEach(() => {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    it('is written when on (its folder made) and removed when off', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'autostart-'));
      dirs.push(dir);
      const file = join(dir, 'autostart', 'voice-agent-stack.desktop');
      await setXdgAutostart(file, true, 'entry\n');
      expect(readFileSync(file, 'utf8')).toBe('entry\n');
      expect(statSync(file).mode & 0o777).toBe(0o644);
      await setXdgAutostart(file, false, 'entry\n');
      expect(existsSync(file)).toBe(false);
      await setXdgAutostart(file, false, 'entry\n'); // already off: nothing to do
    });
  });
});
