import { describe, expect, it } from 'vitest';
import { isExternalUrlAllowed } from './external-links';

describe('isExternalUrlAllowed', () => {
  it.each([
    'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
    'https://example.com/docs?q=1#top',
  ])('allows %s', (url) => expect(isExternalUrlAllowed(url)).toBe(true));

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://voice-agent/index.html',
    'mailto:someone@example.com',
    'https://user:secret@example.com/',
    'http://',
    'not a url',
    '',
    `https://example.com/${'a'.repeat(3000)}`,
  ])('refuses %s', (url) => expect(isExternalUrlAllowed(url)).toBe(false));

  it('refuses what is not a string', () => {
    expect(isExternalUrlAllowed(undefined)).toBe(false);
    expect(isExternalUrlAllowed({ href: 'https://example.com' })).toBe(false);
  });
});
