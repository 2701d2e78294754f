/**
 * The desktop shell's security rules, as plain functions so that they can be
 * unit-tested without an Electron binary. index.ts wires them to Electron.
 */
import { isLoopback } from '../server/host-config';

export const APP_SCHEME = 'app';
export const APP_HOST = 'voice-agent';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export function originOf(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    // Non-special schemes give origin "null"; build it from the parts instead.
    return parsed.origin !== 'null' ? parsed.origin : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/** Only the app's own pages may stay in the window; everything else is refused. */
export function isNavigationAllowed(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

export interface PermissionRequest {
  permission: string;
  requestingUrl?: string | undefined;
  mediaTypes?: ReadonlyArray<string> | undefined;
}

/** Grants the microphone (audio only) to the app's own origin, and nothing else. */
export function isPermissionGranted(request: PermissionRequest, appOrigin: string): boolean {
  if (request.permission !== 'media') return false;
  if (originOf(request.requestingUrl) !== appOrigin) return false;
  const types = request.mediaTypes ?? [];
  return types.length > 0 && types.every((type) => type === 'audio');
}

/** Synchronous permission checks (e.g. enumerateDevices labels): same rule, audio only. */
export function isPermissionCheckGranted(permission: string, requestingOrigin: string, mediaType: string | undefined, appOrigin: string): boolean {
  return permission === 'media' && originOf(requestingOrigin) === appOrigin && (mediaType === undefined || mediaType === 'audio' || mediaType === 'unknown');
}

/** IPC is accepted only from the app's own top-level page. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean, appOrigin: string): boolean {
  return isMainFrame && originOf(frameUrl) === appOrigin;
}

/**
 * The renderer's dev server (electron-vite sets ELECTRON_RENDERER_URL), taken
 * only by an unpackaged app and only at an http(s) address on this computer;
 * otherwise null, and the window loads the app's own pages. A packaged app
 * never lets the environment choose the page that gets the preload's bridge.
 */
export function devRendererUrl(value: string | undefined, packaged: boolean): string | null {
  if (packaged || !value?.trim()) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return isLoopback(url.hostname) ? url.href : null;
}
