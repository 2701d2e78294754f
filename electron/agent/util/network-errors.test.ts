import { describe, expect, it } from 'vitest';
import { displayUrl, errorMessage, formatSeconds, networkReason, shorten } from './network-errors';

describe('displayUrl', () => {
  it('keeps scheme, host and path, never credentials or query', () => {
    expect(displayUrl('https://user:secret@cdn.example:8443/models/a.bin?token=abc#x')).toBe('https://cdn.example:8443/models/a.bin');
    expect(displayUrl('http://127.0.0.1:11434/v1/')).toBe('http://127.0.0.1:11434/v1');
    expect(displayUrl('not a url')).toBe('(invalid URL)');
  });
});

describe('networkReason', () => {
  const chained = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error('inner'), { code }) });
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'the host name could not be resolved'],
    ['EAI_AGAIN', 'the host name could not be resolved'],
    ['ECONNRESET', 'the connection was dropped'],
    ['UND_ERR_SOCKET', 'the connection was dropped'],
    ['ETIMEDOUT', 'the connection timed out'],
    ['UND_ERR_CONNECT_TIMEOUT', 'the connection timed out'],
    ['CERT_HAS_EXPIRED', 'the secure connection could not be established'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'the secure connection could not be established'],
  ])('reads %s in the cause chain as "%s"', (code, reason) => {
    expect(networkReason(chained(code))).toBe(reason);
  });

  it('knows nothing of other errors', () => {
    expect(networkReason(new Error('Unexpected token < in JSON'))).toBeNull();
    expect(networkReason(new Error('the outcome is uncertain'))).toBeNull();
    expect(networkReason(undefined)).toBeNull();
  });
});

describe('formatSeconds', () => {
  it('gives whole seconds, or tenths below one second', () => {
    expect(formatSeconds(300)).toBe('0.3 s');
    expect(formatSeconds(1_500)).toBe('2 s');
    expect(formatSeconds(30_000)).toBe('30 s');
  });
});

describe('shorten', () => {
  it('puts a message on one line and cuts it', () => {
    expect(shorten('  a\n  b\tc ')).toBe('a b c');
    const long = shorten('x'.repeat(500));
    expect(long).toHaveLength(160);
    expect(long.endsWith('…')).toBe(true);
    expect(shorten('y'.repeat(300), 200)).toHaveLength(200);
  });

  it('reads the message of anything thrown', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
  });
});
