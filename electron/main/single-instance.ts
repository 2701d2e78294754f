/**
 * One app per data folder. The first instance runs; a later one (a second
 * launch, the login item racing a click) asks the first to show its window
 * and quits before it starts anything: no telemetry, no MCP server, no model,
 * no window, so two processes never write the same settings and history.
 */

/** What the start-up needs of Electron's `app`. */
export interface InstanceLockApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
  whenReady(): Promise<unknown>;
}

export interface FirstInstanceHandlers {
  /** Starts the services and the window; runs once Electron is ready, in the first instance only. */
  ready(): Promise<void>;
  /** Another launch was refused: show this instance's window. */
  secondInstance(): void;
}

/** Starts the app if this is the first instance, else quits; returns whether it is the first. */
export function startFirstInstance(app: InstanceLockApp, handlers: FirstInstanceHandlers): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => handlers.secondInstance());
  void app.whenReady().then(() => handlers.ready());
  return true;
}
