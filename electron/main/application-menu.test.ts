import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { applicationMenuTemplate, type HelpLink } from './application-menu';

const HELP: HelpLink[] = [
  { label: 'OpenTelemetry documentation', url: 'https://opentelemetry.io/docs/' },
  { label: 'A local file', url: 'file:///etc/passwd' },
  { label: 'A script', url: 'javascript:alert(1)' },
];

function build(platform: string, developerTools = false) {
  const opened: string[] = [];
  let settings = 0;
  let logs = 0;
  const template = applicationMenuTemplate(
    platform,
    { appName: 'Voice Agent Stack', helpLinks: HELP, developerTools },
    { openLink: (url) => opened.push(url), openSettings: () => settings++, openLogsFolder: () => logs++ },
  );
  return { template, opened, settings: () => settings, logs: () => logs };
}

const items = (menu: MenuItemConstructorOptions | undefined) => (menu?.submenu as MenuItemConstructorOptions[] | undefined) ?? [];
const roles = (menu: MenuItemConstructorOptions | undefined) => items(menu).map((i) => i.role ?? i.type ?? i.label);
const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();

describe('applicationMenuTemplate', () => {
  it('has App, Edit, View, Window and Help on macOS, with the standard roles', () => {
    const { template } = build('darwin');
    expect(template.map((m) => m.role ?? m.label)).toEqual(['Voice Agent Stack', 'Edit', 'View', 'windowMenu', 'help']);
    expect(roles(template[0])).toEqual(['about', 'separator', 'Settings…', 'separator', 'services', 'separator', 'hide', 'hideOthers', 'unhide', 'separator', 'quit']);
    expect(roles(template[1])).toEqual(['undo', 'redo', 'separator', 'cut', 'copy', 'paste', 'pasteAndMatchStyle', 'delete', 'separator', 'selectAll']);
    expect(roles(template[2])).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'separator', 'togglefullscreen']);
  });

  it.each(['win32', 'linux'])('has Edit, View and Help on %s', (platform) => {
    const { template } = build(platform);
    expect(template.map((m) => m.label)).toEqual(['Edit', 'View', 'Help']);
    expect(roles(template[0])).toEqual(['undo', 'redo', 'separator', 'cut', 'copy', 'paste', 'delete', 'separator', 'selectAll']);
    expect(roles(template[1])).toContain('togglefullscreen');
  });

  it.each([
    ['darwin', 4],
    ['linux', 2],
    ['win32', 2],
  ])('offers "Open logs folder" in Help on %s', (platform, index) => {
    const { template, logs } = build(platform);
    const item = items(template[index]).find((i) => i.label === 'Open logs folder');
    expect(item).toBeDefined();
    click(item);
    expect(logs()).toBe(1);
  });

  it('offers only the help links the openExternal allow-list takes, and opens them through the link action', () => {
    const { template, opened } = build('darwin');
    const help = items(template[4]);
    expect(help.map((i) => i.label ?? i.type)).toEqual(['OpenTelemetry documentation', 'separator', 'Open logs folder']);
    click(help[0]);
    expect(opened).toEqual(['https://opentelemetry.io/docs/']);
  });

  it('opens Settings from the app menu with Cmd+,', () => {
    const { template, settings } = build('darwin');
    const item = items(template[0]).find((i) => i.label === 'Settings…');
    expect(item?.accelerator).toBe('CommandOrControl+,');
    click(item);
    expect(settings()).toBe(1);
  });

  it('shows reload and the developer tools only when asked (unpackaged builds)', () => {
    expect(roles(build('linux').template[1])).not.toContain('toggleDevTools');
    expect(roles(build('linux', true).template[1]).slice(0, 2)).toEqual(['reload', 'toggleDevTools']);
  });
});
