/**
 * The desktop shell around the window: tray icon, global shortcuts,
 * application menu, notifications, launch at login and the model file
 * picker. Thin wiring: each decision is a plain function of its own file
 * (tray-view, shortcut-action, global-shortcuts, application-menu,
 * notifications, login-item, model-file-dialog, quit-policy); this class only
 * hands Electron what they decide.
 */
import { homedir } from 'node:os';
import { app, dialog, globalShortcut, Menu, nativeImage, Notification, Tray, type BrowserWindow, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import { IPC_DESKTOP_COMMAND, IPC_DESKTOP_STATUS, type DesktopCommand, type DesktopShortcutField, type DesktopStatus } from '../../shared/bridge';
import type { ServerMessage } from '../../shared/protocol';
import type { Settings } from '../../shared/settings';
import type { Logger } from '../agent/util/logger';
import { applicationMenuTemplate, type HelpLink } from './application-menu';
import { GlobalShortcuts } from './global-shortcuts';
import { loginItemMechanism, loginItemNote, setXdgAutostart, xdgAutostartEntry, xdgAutostartFile } from './login-item';
import { chosenModelFile, modelFileDialogOptions, type ModelFileStage } from './model-file-dialog';
import { notificationFor } from './notifications';
import { shouldHideOnClose, shouldQuitOnAllWindowsClosed } from './quit-policy';
import { conversationToggle, pushToTalkToggle } from './shortcut-action';
import { ShellSessionObserver } from './shell-session-observer';
import { trayIconBitmap } from './tray-icons';
import { trayViewFor, type TrayIconName, type TrayMenuItemId } from './tray-view';

/** Where automation (Playwright's electronApp.evaluate) finds the shell in main: globalThis[Symbol.for(...)]. */
export const DESKTOP_SHELL_HANDLE = 'voice-agent.desktop-shell';

export const HELP_LINKS: readonly HelpLink[] = [
  { label: 'OpenTelemetry documentation', url: 'https://opentelemetry.io/docs/' },
  { label: 'GenAI semantic conventions', url: 'https://opentelemetry.io/docs/specs/semconv/gen-ai/' },
];

export interface DesktopShellOptions {
  appName: string;
  /** The app's id (the XDG autostart entry's file name). */
  appId: string;
  settings: { readonly values: Settings; onChange(listener: () => void): () => void };
  logger: Logger;
  window(): BrowserWindow | null;
  /** Shows the window (creating it if needed) and focuses it. */
  showWindow(): void;
  /** Hands an address to the system browser, behind the openExternal allow-list. */
  openLink(url: string): void;
  /** Shows the folder of the app's log files in the system's file manager. */
  openLogsFolder(): void;
  developerTools: boolean;
}

const TRAY_ICON_POINTS = 16;

export class DesktopShell {
  readonly observer = new ShellSessionObserver();
  private readonly shortcuts: GlobalShortcuts;
  private tray: Tray | null = null;
  private readonly icons = new Map<TrayIconName, NativeImage>();
  private pushToTalkHeld = false;
  private quitting = false;
  private autostartFile: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: DesktopShellOptions) {
    this.shortcuts = new GlobalShortcuts(
      { register: (accelerator, callback) => globalShortcut.register(accelerator, callback), unregister: (accelerator) => globalShortcut.unregister(accelerator) },
      { conversationShortcut: () => this.shortcutPressed('conversationShortcut'), pushToTalkShortcut: () => this.shortcutPressed('pushToTalkShortcut') },
      process.platform,
    );
  }

  /** Call once the app is ready. */
  start(): void {
    (globalThis as Record<symbol, unknown>)[Symbol.for(DESKTOP_SHELL_HANDLE)] = this;
    if (loginItemMechanism(process.platform) === 'xdg-autostart') this.autostartFile = xdgAutostartFile(process.env, homedir(), this.options.appId);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        applicationMenuTemplate(
          process.platform,
          { appName: this.options.appName, helpLinks: HELP_LINKS, developerTools: this.options.developerTools },
          { openLink: (url) => this.options.openLink(url), openSettings: () => this.run({ type: 'settings.open' }), openLogsFolder: () => this.options.openLogsFolder() },
        ),
      ),
    );
    try {
      this.tray = new Tray(this.icon('offline'));
      this.tray.on('click', () => this.options.showWindow());
    } catch (error) {
      // A Linux desktop without a status area: the app then quits with its window.
      this.options.logger.warn('the tray icon could not be shown', { error: String(error) });
    }
    this.refreshTray();
    this.applySettings();
    this.unsubscribe = this.options.settings.onChange(() => this.applySettings());
  }

  stop(): void {
    this.unsubscribe?.();
    this.shortcuts.clear();
    this.tray?.destroy();
    this.tray = null;
  }

  /** Every message main sends the window's session passes here. */
  observe(message: ServerMessage): void {
    const before = this.observer.state;
    for (const event of this.observer.observe(message)) {
      const content = notificationFor(event, this.windowVisible());
      if (content && Notification.isSupported()) new Notification({ title: content.title, body: content.body, silent: false }).show();
    }
    const after = this.observer.state;
    if (!after.conversationRunning) this.pushToTalkHeld = false;
    if (before.state !== after.state || before.conversationRunning !== after.conversationRunning || before.detail !== after.detail) this.refreshTray();
  }

  /** The window's session ended (window closed or reloading). */
  sessionClosed(): void {
    this.observer.observe({ type: 'state', state: 'connecting', conversationId: null });
    this.pushToTalkHeld = false;
    this.refreshTray();
  }

  /** What a global shortcut does (also what automation calls to press one). */
  shortcutPressed(field: DesktopShortcutField): void {
    if (field === 'conversationShortcut') {
      this.run(conversationToggle(this.observer.state));
      return;
    }
    const outcome = pushToTalkToggle(this.observer.state, this.pushToTalkHeld);
    this.pushToTalkHeld = outcome.held;
    this.run(outcome.command);
  }

  get status(): DesktopStatus {
    return { shortcuts: this.shortcuts.status, launchAtLogin: loginItemNote(process.platform, this.autostartFile) };
  }

  /** Sends the status to the window (on every change, and when the page asks). */
  sendStatus(): void {
    const contents = this.options.window()?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(IPC_DESKTOP_STATUS, this.status);
  }

  /** The system's file picker for a model; the chosen path, or null. */
  async pickModelFile(stage: ModelFileStage): Promise<string | null> {
    const window = this.options.window();
    const options = modelFileDialogOptions(stage);
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return chosenModelFile(result);
  }

  /** Called from before-quit: the window closes for real from now on. */
  quitStarted(): void {
    this.quitting = true;
  }

  /** Whether closing the window hides it (the app stays in the tray) rather than closing it. */
  hidesOnClose(): boolean {
    return shouldHideOnClose(process.platform, this.options.settings.values.desktop.keepInTray, this.tray !== null, this.quitting);
  }

  quitsWithLastWindow(): boolean {
    return shouldQuitOnAllWindowsClosed(process.platform, this.options.settings.values.desktop.keepInTray, this.tray !== null);
  }

  /** The tray's menu, as built from the current view (automation reads it too). */
  trayMenuTemplate(): MenuItemConstructorOptions[] {
    const view = trayViewFor(this.observer.state, this.options.appName);
    const actions: Record<TrayMenuItemId, () => void> = {
      conversation: () => this.run(conversationToggle(this.observer.state)),
      'show-window': () => this.options.showWindow(),
      settings: () => this.run({ type: 'settings.open' }),
      quit: () => app.quit(),
    };
    const items: MenuItemConstructorOptions[] = view.items.map((item) => ({ id: item.id, label: item.label, enabled: item.enabled, click: actions[item.id] }));
    // Quit apart from the rest, as platforms show it.
    items.splice(items.length - 1, 0, { type: 'separator' });
    return items;
  }

  private refreshTray(): void {
    if (!this.tray) return;
    const view = trayViewFor(this.observer.state, this.options.appName);
    this.tray.setImage(this.icon(view.icon));
    this.tray.setToolTip(view.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(this.trayMenuTemplate()));
  }

  private run(command: DesktopCommand | null): void {
    if (!command) {
      // Nothing to start without a connected window: bring it up instead.
      this.options.showWindow();
      return;
    }
    if (command.type === 'settings.open') this.options.showWindow();
    const contents = this.options.window()?.webContents;
    if (contents && !contents.isDestroyed()) contents.send(IPC_DESKTOP_COMMAND, command);
  }

  private applySettings(): void {
    const desktop = this.options.settings.values.desktop;
    this.shortcuts.apply({ conversationShortcut: desktop.conversationShortcut, pushToTalkShortcut: desktop.pushToTalkShortcut });
    for (const [field, problem] of Object.entries(this.shortcuts.status)) if (problem) this.options.logger.warn(`${field}: ${problem}`);
    void this.applyLaunchAtLogin(desktop.launchAtLogin);
    this.sendStatus();
  }

  private async applyLaunchAtLogin(enabled: boolean): Promise<void> {
    try {
      const mechanism = loginItemMechanism(process.platform);
      if (mechanism === 'electron') {
        if (app.getLoginItemSettings().openAtLogin !== enabled) app.setLoginItemSettings({ openAtLogin: enabled });
      } else if (mechanism === 'xdg-autostart' && this.autostartFile) {
        // A development run starts Electron with the app's folder; a packaged one (or an AppImage) by itself.
        const command = process.env.APPIMAGE ? [process.env.APPIMAGE] : app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
        await setXdgAutostart(this.autostartFile, enabled, xdgAutostartEntry(this.options.appName, command));
      }
    } catch (error) {
      this.options.logger.warn('launch at login could not be changed', { error: String(error) });
    }
  }

  private windowVisible(): boolean {
    const window = this.options.window();
    return !!window && window.isVisible() && !window.isMinimized();
  }

  private icon(name: TrayIconName): NativeImage {
    let image = this.icons.get(name);
    if (!image) {
      // Drawn at twice the size: sharp on high-density displays, scaled down elsewhere.
      const pixels = TRAY_ICON_POINTS * 2;
      image = nativeImage.createFromBitmap(trayIconBitmap(name, pixels), { width: pixels, height: pixels, scaleFactor: 2 });
      this.icons.set(name, image);
    }
    return image;
  }
}
