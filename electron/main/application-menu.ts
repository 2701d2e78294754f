/**
 * The application menu, by platform: App, Edit, View, Window and Help on
 * macOS; Edit, View and Help elsewhere. Items use Electron's standard roles, so
 * undo, copy, paste, zoom and full screen behave as in every other app. Help
 * links open in the system browser only if the openExternal allow-list takes
 * them (the same rule as the trace viewer's links); Help also opens the
 * folder of the app's log files.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { isExternalUrlAllowed } from './external-links';

export interface HelpLink {
  label: string;
  url: string;
}

export interface MenuActions {
  /** Hands an allowed address to the system browser. */
  openLink(url: string): void;
  openSettings(): void;
  /** Shows the logs folder in the system's file manager. */
  openLogsFolder(): void;
}

export interface MenuOptions {
  appName: string;
  helpLinks: readonly HelpLink[];
  /** Developer tools in the View menu (unpackaged builds only). */
  developerTools: boolean;
}

export function applicationMenuTemplate(platform: string, options: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? ([{ role: 'pasteAndMatchStyle' }] as const) : []),
      { role: 'delete' },
      { type: 'separator' },
      { role: 'selectAll' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(options.developerTools ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const) : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const links = options.helpLinks.filter((link) => isExternalUrlAllowed(link.url));
  const help: MenuItemConstructorOptions[] = [
    ...links.map((link) => ({ label: link.label, click: () => actions.openLink(link.url) })),
    ...(links.length ? ([{ type: 'separator' }] as const) : []),
    { label: 'Open logs folder', click: () => actions.openLogsFolder() },
  ];
  if (!mac) return [edit, view, { role: 'help', label: 'Help', submenu: help }];
  return [
    {
      label: options.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { label: 'Settings…', accelerator: 'CommandOrControl+,', click: () => actions.openSettings() },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    edit,
    view,
    { role: 'windowMenu' },
    { role: 'help', submenu: help },
  ];
}
