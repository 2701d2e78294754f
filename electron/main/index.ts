/**
 * The desktop shell: one locked-down window, the app:// protocol that serves
 * the renderer, and an IPC session per MessagePort the renderer opens.
 * Everything that is not Electron lives in ../agent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, screen, session as electronSession, shell } from 'electron';
import { IPC_DESKTOP_STATUS, IPC_OPEN_EXTERNAL, IPC_OPEN_SESSION, IPC_PICK_MODEL_FILE } from '../../shared/bridge';
import { CONTENT_SECURITY_POLICY } from '../agent/renderer-files/content-security-policy';
import { startAppServices, type AppServices } from '../agent/app-services';
import { LOGS_FOLDER, RotatingLogFile } from '../agent/telemetry/sdk/log-file';
import { consoleLogger } from '../agent/util/logger';
import { ConnectionRates, MAX_SESSIONS } from '../agent/session/connection-limits';
import { MCP_STOP_GRACE_MS } from '../agent/tools/mcp/mcp-connection';
import { FileSecretStore } from '../agent/settings/secret-store';
import { SafeStorageSecretStore } from './safe-storage-secret-store';
import { Session } from '../agent/session/session';
import { serveAppRequest } from './app-protocol';
import { DesktopShell } from './desktop-shell';
import { loadAppDotenv } from './dotenv-location';
import { isExternalUrlAllowed } from './external-links';
import { isModelFileStage } from './model-file-dialog';
import { ModelFileGrants, dialogGatedModels } from './model-file-grants';
import { PortCarrier, rateLimitedRoute } from './port-carrier';
import { programConfirmation } from './program-confirmation';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME,
  devRendererUrl,
  isNavigationAllowed,
  isPermissionCheckGranted,
  isPermissionGranted,
  isTrustedSender,
  originOf,
} from './security';
import { startFirstInstance } from './single-instance';
import { WINDOW_STATE_FILE, loadWindowState, restoredBounds, saveWindowState } from './window-state';

// `--user-data-dir=<folder>`: a profile of its own (settings, secrets, models,
// history, window state, .env when packaged), for a portable copy or an
// isolated test run. Set before the single-instance lock, which is per profile.
const userDataDir = app.commandLine.getSwitchValue('user-data-dir').trim();
if (userDataDir) app.setPath('userData', resolve(userDataDir));
const dotenvFile = loadAppDotenv({ packaged: app.isPackaged, appPath: app.getAppPath(), userDataDir: app.getPath('userData') }, process.env);
const logger = consoleLogger('main');
/** The paths main's file dialog returned, which the page may then use as model files. */
const modelFileGrants = new ModelFileGrants();
const sessions = new Set<Session>();
let services: AppServices | null = null;
let desktop: DesktopShell | null = null;
let logFile: RotatingLogFile | null = null;
const APP_NAME = 'Voice Agent Stack';
const MINIMUM_SIZE = { width: 420, height: 480 };

async function openServices(): Promise<AppServices> {
  const dataDir = app.getPath('userData');
  logFile = new RotatingLogFile(join(dataDir, LOGS_FOLDER));
  logger.attach(logFile.sink);
  logger.info(`Logs: ${logFile.path}.`);
  const encrypted = safeStorage.isEncryptionAvailable();
  if (!encrypted) logger.warn('The system keychain is not available: API keys are kept in a file readable only by you.');
  if (!encrypted && existsSync(join(dataDir, 'secrets.bin')))
    logger.warn(`The keys saved in ${join(dataDir, 'secrets.bin')} are encrypted with the system keychain, which is not available now: that file is left as it is and used again once the keychain is; until then type the keys again in Settings (they go to secrets.json).`);
  return startAppServices({
    dataDir,
    env: process.env,
    secretStore: encrypted ? new SafeStorageSecretStore(join(dataDir, 'secrets.bin')) : new FileSecretStore(join(dataDir, 'secrets.json')),
    logger,
    logSinks: logger,
    runtime: { name: 'electron', version: process.versions.electron ?? 'unknown' },
    // A program saved through the app runs only once the user says so here, in main's own dialog.
    confirmProgram: programConfirmation((options) => {
      const window = mainWindow?.isVisible() ? mainWindow : null;
      return window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options);
    }),
  });
}
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const preloadPath = join(here, '../preload/index.cjs');
/** electron-vite dev serves the renderer from a dev server on this computer; a packaged app always uses app://. */
const devServerUrl = devRendererUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged) ?? undefined;
if (process.env.ELECTRON_RENDERER_URL && !devServerUrl)
  logger.warn('ELECTRON_RENDERER_URL is ignored: only an unpackaged app loads its page from a dev server, at an http(s) address on this computer.');
const appOrigin = (devServerUrl && originOf(devServerUrl)) || APP_ORIGIN;

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | null = null;

async function createWindow(): Promise<void> {
  const stateFile = join(app.getPath('userData'), WINDOW_STATE_FILE);
  const restored = restoredBounds(await loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea), MINIMUM_SIZE);
  mainWindow = new BrowserWindow({
    width: 1040,
    height: 780,
    ...restored?.bounds,
    minWidth: MINIMUM_SIZE.width,
    minHeight: MINIMUM_SIZE.height,
    show: false,
    title: APP_NAME,
    backgroundColor: '#0f1115',
    // Written out here, not built by a helper, so that static checkers
    // (electronegativity) and security.test.ts read exactly what Electron gets.
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would open links in new windows.
      disableBlinkFeatures: 'Auxclick',
      // Kept in the tray, the hidden page still holds conversations: its timers must not be throttled.
      backgroundThrottling: false,
    },
  });
  const window = mainWindow;
  window.once('ready-to-show', () => {
    if (restored?.maximized) window.maximize();
    window.show();
  });
  window.on('close', (event) => {
    void saveWindowState(stateFile, window.getNormalBounds(), window.isMaximized()).catch((error: unknown) =>
      logger.warn('the window size and position could not be kept', { error: String(error) }),
    );
    // Kept in the tray: the page keeps running hidden, so the tray and the shortcuts can still talk.
    if (desktop?.hidesOnClose()) {
      event.preventDefault();
      window.hide();
    }
  });
  window.on('closed', () => (mainWindow = null));
  void mainWindow.loadURL(devServerUrl ?? APP_ENTRY_URL);
}

function lockDown(): void {
  const ses = electronSession.defaultSession;
  ses.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const granted = isPermissionGranted(
      { permission, requestingUrl: details.requestingUrl, mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined },
      appOrigin,
    );
    if (!granted) logger.warn('permission refused', { permission, url: details.requestingUrl });
    callback(granted);
  });
  ses.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) =>
    isPermissionCheckGranted(permission, requestingOrigin, details.mediaType, appOrigin),
  );
  if (devServerUrl) {
    // The dev server injects inline scripts for hot reload; production never does.
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws:")],
        },
      });
    });
  }

  app.on('web-contents-created', (_event, contents) => {
    // The app opens no windows: every window.open and target=_blank is refused.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isNavigationAllowed(url, appOrigin)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isNavigationAllowed(url, appOrigin)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function acceptSessions(): void {
  ipcMain.on(IPC_OPEN_SESSION, (event) => {
    const frame = event.senderFrame;
    const isMainFrame = !!frame && frame === event.sender.mainFrame;
    if (!isTrustedSender(frame?.url, isMainFrame, appOrigin)) {
      logger.warn('refused a session from an untrusted frame', { url: frame?.url });
      return;
    }
    const [port] = event.ports;
    if (!port) return;
    if (!services) return;
    if (sessions.size >= MAX_SESSIONS) {
      logger.warn(`refused a session: ${MAX_SESSIONS} are open already`);
      port.close();
      return;
    }
    // The page uses a model file only once main's own file dialog returned it.
    const models = dialogGatedModels(services.models, modelFileGrants);
    const session = new Session(new PortCarrier(port, (message) => desktop?.observe(message)), { ...services, models, logger });
    sessions.add(session);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      sessions.delete(session);
      if (sessions.size === 0) desktop?.sessionClosed();
      void session.close().then(() => logger.info('session closed', { session: session.id }));
    };
    port.on(
      'message',
      rateLimitedRoute(session, new ConnectionRates(), (reason) => {
        logger.warn('closed a session that sent too fast', { session: session.id, reason });
        port.close();
        end();
      }),
    );
    port.on('close', end);
    port.start();
    logger.info('session opened', { session: session.id, transport: 'ipc' });
    session.open();
  });
}

/** The trace viewer's "Open in trace UI": an http(s) address, from the app's main frame, to the system browser. */
function acceptExternalLinks(): void {
  ipcMain.on(IPC_OPEN_EXTERNAL, (event, url: unknown) => {
    const frame = event.senderFrame;
    const isMainFrame = !!frame && frame === event.sender.mainFrame;
    if (!isTrustedSender(frame?.url, isMainFrame, appOrigin)) return;
    if (!isExternalUrlAllowed(url)) {
      logger.warn('refused to open a link outside the app: only http(s) addresses without credentials are opened');
      return;
    }
    void shell.openExternal(url).catch((error: unknown) => logger.warn('the system browser could not open the link', { error: String(error) }));
  });
}

/**
 * The desktop shell's requests from the page: its status (shortcuts taken or
 * not), and the system's file picker for a model; from the app's main frame only.
 */
function acceptDesktopRequests(): void {
  ipcMain.on(IPC_DESKTOP_STATUS, (event) => {
    const frame = event.senderFrame;
    const isMainFrame = !!frame && frame === event.sender.mainFrame;
    if (!isTrustedSender(frame?.url, isMainFrame, appOrigin)) return;
    desktop?.sendStatus();
  });
  ipcMain.handle(IPC_PICK_MODEL_FILE, async (event, stage: unknown) => {
    const frame = event.senderFrame;
    const isMainFrame = !!frame && frame === event.sender.mainFrame;
    if (!isTrustedSender(frame?.url, isMainFrame, appOrigin) || !isModelFileStage(stage) || !desktop) return null;
    const path = await desktop.pickModelFile(stage);
    if (path) modelFileGrants.grant(stage, path);
    return path;
  });
}

/** The Help menu's links, to the system browser, behind the same allow-list as the page's. */
function openHelpLink(url: string): void {
  if (!isExternalUrlAllowed(url)) return;
  void shell.openExternal(url).catch((error: unknown) => logger.warn('the system browser could not open the link', { error: String(error) }));
}

/** Help -> Open logs folder: the rotating log file's folder in the system's file manager. */
function openLogsFolder(): void {
  if (!logFile) return;
  try {
    logFile.ensureFolder();
  } catch (error) {
    logger.warn('the logs folder could not be made', { error: String(error) });
    return;
  }
  void shell.openPath(logFile.folder).then((problem) => {
    if (problem) logger.warn('the logs folder could not be opened', { folder: logFile?.folder, error: problem });
  });
}

function showWindow(): void {
  if (!mainWindow) {
    void createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

// On quit, end the sessions (their history written, their spans closed), let
// the turns' audio being saved be written, and flush pending spans (bounded),
// then quit for real.
let flushed = false;
app.on('before-quit', (event) => {
  desktop?.quitStarted();
  if (flushed) return;
  event.preventDefault();
  flushed = true;
  const ended = Promise.all([...sessions].map((session) => session.close())).then(() => Promise.all([services?.tools.stop(), services?.audioStore.settled()]));
  // Long enough for the SDK to kill an MCP program that ignores stdin's end and SIGTERM.
  void Promise.race([ended, delay(MCP_STOP_GRACE_MS, undefined, { ref: false })])
    .then(() => services?.telemetry.shutdown(3_000))
    .finally(() => app.quit());
});
app.on('will-quit', () => {
  desktop?.stop();
  logFile?.close();
});

app.on('window-all-closed', () => {
  if (desktop ? desktop.quitsWithLastWindow() : process.platform !== 'darwin') app.quit();
});

/** The first instance's start, once Electron is ready: services, handlers, shell, window. */
async function startApp(): Promise<void> {
  logger.info(`Environment file: ${dotenvFile} (variables set in the environment win).`);
  try {
    services = await openServices();
  } catch (error) {
    logger.error(`Could not open the app's data folder (${String(error)}).`);
    app.quit();
    return;
  }
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request));
  lockDown();
  acceptSessions();
  acceptExternalLinks();
  acceptDesktopRequests();
  desktop = new DesktopShell({
    appName: APP_NAME,
    appId: 'voice-agent-stack',
    settings: services.settings,
    logger,
    window: () => mainWindow,
    showWindow,
    openLink: openHelpLink,
    openLogsFolder,
    developerTools: !app.isPackaged,
  });
  desktop.start();
  await createWindow();
  app.on('activate', () => showWindow());
}

// A second instance quits here, before it starts anything; the first shows its window.
startFirstInstance(app, { ready: startApp, secondInstance: showWindow });
