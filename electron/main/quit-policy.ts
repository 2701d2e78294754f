/**
 * Whether closing the last window quits the app. Windows and Linux apps quit
 * unless the user keeps this one in the tray; on macOS apps keep running
 * without windows by convention (the default of "keep in tray" there), and
 * turning it off makes this one quit like a single-window utility.
 */
export function shouldQuitOnAllWindowsClosed(platform: string, keepInTray: boolean, trayShown = true): boolean {
  if (!keepInTray) return true;
  // The Dock brings a macOS app back; elsewhere, without a tray icon (a Linux
  // desktop without a status area) nothing would: a hidden app must not linger.
  return platform !== 'darwin' && !trayShown;
}

/**
 * Whether closing the window hides it instead: when the app stays running
 * (in the tray, or on macOS in the Dock), the page keeps running hidden so
 * that the tray and the shortcuts can still hold a conversation. A real quit
 * (from the menu or the tray) closes it.
 */
export function shouldHideOnClose(platform: string, keepInTray: boolean, trayShown: boolean, quitting: boolean): boolean {
  return !quitting && !shouldQuitOnAllWindowsClosed(platform, keepInTray, trayShown);
}
