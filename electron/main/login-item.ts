/**
 * Launch at login. macOS and Windows have it in Electron
 * (`app.setLoginItemSettings`); on Linux that call does nothing, so the app
 * writes (or removes) an XDG autostart entry, which GNOME, KDE, Xfce and the
 * other freedesktop.org sessions start at login.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type LoginItemMechanism = 'electron' | 'xdg-autostart' | 'unsupported';

export function loginItemMechanism(platform: string): LoginItemMechanism {
  if (platform === 'darwin' || platform === 'win32') return 'electron';
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') return 'xdg-autostart';
  return 'unsupported';
}

/** The note the settings pane shows beside "Launch at login", or null. */
export function loginItemNote(platform: string, autostartFile: string | null): string | null {
  switch (loginItemMechanism(platform)) {
    case 'electron':
      return null;
    case 'xdg-autostart':
      return `On Linux this writes ${autostartFile ?? 'an XDG autostart entry'}, which desktops following freedesktop.org start at login.`;
    case 'unsupported':
      return 'Launching at login is not available on this system.';
  }
}

/** Where the autostart entry lives: $XDG_CONFIG_HOME/autostart, by default ~/.config/autostart. */
export function xdgAutostartFile(env: Record<string, string | undefined>, home: string, appId: string): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(config, 'autostart', `${appId}.desktop`);
}

/** A Desktop Entry that starts `command` (the executable, then its arguments). */
export function xdgAutostartEntry(name: string, command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    `Name=${oneLine(name)}`,
    `Exec=${command.map(quoteExecArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Writes the entry when `enabled`, removes it otherwise. */
export async function setXdgAutostart(file: string, enabled: boolean, entry: string): Promise<void> {
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, entry, { mode: 0o644 });
  await chmod(file, 0o644); // whatever the umask: the session manager reads it
}

/**
 * The Desktop Entry specification's quoting for Exec: an argument with a
 * reserved character goes in double quotes, with ", `, $ and \ escaped by a
 * backslash; "%" (field codes) is written "%%". Then the key's value is
 * escaped as a string, which doubles every backslash once more.
 */
export function quoteExecArgument(argument: string): string {
  const text = oneLine(argument).replaceAll('%', '%%');
  const quoted = /[\s"'\\><~|&;$*?#()`]/.test(text) || text === '' ? `"${text.replace(/["`$\\]/g, (c) => `\\${c}`)}"` : text;
  return quoted.replaceAll('\\', '\\\\');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
