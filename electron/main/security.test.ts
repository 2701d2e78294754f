import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  devRendererUrl,
  isNavigationAllowed,
  isPermissionCheckGranted,
  isPermissionGranted,
  isTrustedSender,
  originOf,
} from './security';

describe('origins and navigation', () => {
  it('reads the origin of app:// URLs', () => {
    expect(originOf('app://voice-agent/index.html')).toBe(APP_ORIGIN);
    expect(originOf('http://127.0.0.1:5173/x')).toBe('http://127.0.0.1:5173');
    expect(originOf('not a url')).toBeNull();
    expect(originOf(undefined)).toBeNull();
  });

  it('keeps the window on the app', () => {
    expect(isNavigationAllowed('app://voice-agent/index.html#x', APP_ORIGIN)).toBe(true);
    expect(isNavigationAllowed('https://example.com/', APP_ORIGIN)).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd', APP_ORIGIN)).toBe(false);
    expect(isNavigationAllowed('app://other/index.html', APP_ORIGIN)).toBe(false);
  });
});

describe('permissions', () => {
  const app = 'app://voice-agent/index.html';

  it('grants the microphone to the app only', () => {
    expect(isPermissionGranted({ permission: 'media', requestingUrl: app, mediaTypes: ['audio'] }, APP_ORIGIN)).toBe(true);
    expect(isPermissionGranted({ permission: 'media', requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] }, APP_ORIGIN)).toBe(false);
  });

  it('refuses the camera, screen capture and every other permission', () => {
    expect(isPermissionGranted({ permission: 'media', requestingUrl: app, mediaTypes: ['audio', 'video'] }, APP_ORIGIN)).toBe(false);
    expect(isPermissionGranted({ permission: 'media', requestingUrl: app, mediaTypes: [] }, APP_ORIGIN)).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'clipboard-read', 'display-capture', 'openExternal', 'midi'])
      expect(isPermissionGranted({ permission, requestingUrl: app }, APP_ORIGIN)).toBe(false);
  });

  it('answers permission checks with the same rule', () => {
    expect(isPermissionCheckGranted('media', 'app://voice-agent', 'audio', APP_ORIGIN)).toBe(true);
    expect(isPermissionCheckGranted('media', 'app://voice-agent', 'video', APP_ORIGIN)).toBe(false);
    expect(isPermissionCheckGranted('media', 'https://evil.example', 'audio', APP_ORIGIN)).toBe(false);
    expect(isPermissionCheckGranted('geolocation', 'app://voice-agent', undefined, APP_ORIGIN)).toBe(false);
  });
});

describe('IPC senders', () => {
  it('trusts only the app main frame', () => {
    expect(isTrustedSender('app://voice-agent/index.html', true, APP_ORIGIN)).toBe(true);
    expect(isTrustedSender('app://voice-agent/index.html', false, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender('https://evil.example/', true, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender(undefined, true, APP_ORIGIN)).toBe(false);
  });
});

describe('the dev server address (ELECTRON_RENDERER_URL)', () => {
  it('is taken from an unpackaged app at a loopback http(s) address', () => {
    expect(devRendererUrl('http://localhost:5173', false)).toBe('http://localhost:5173/');
    expect(devRendererUrl('http://127.0.0.1:5173/index.html', false)).toBe('http://127.0.0.1:5173/index.html');
    expect(devRendererUrl('https://[::1]:5173/', false)).toBe('https://[::1]:5173/');
  });

  it('is ignored by a packaged app, whatever it says', () => {
    expect(devRendererUrl('http://localhost:5173', true)).toBeNull();
    expect(devRendererUrl('http://127.0.0.1:5173/', true)).toBeNull();
  });

  it('is ignored when it points off this computer or is not a web address', () => {
    for (const value of [
      'https://evil.example/',
      'http://192.168.1.20:5173/',
      'http://127.0.0.1.evil.example/',
      'http://localhost.evil.example:5173/',
      'http://user:pass@localhost:5173/',
      'file:///tmp/index.html',
      'javascript:alert(1)',
      'not a url',
      '',
      undefined,
    ])
      expect(devRendererUrl(value, false)).toBeNull();
  });
});
