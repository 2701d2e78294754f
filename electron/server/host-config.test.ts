import { describe, expect, it, vi } from 'vitest';
import { allowedAuthorities, isLoopback, readHostConfig } from './host-config';

describe('readHostConfig', () => {
  it('defaults to loopback port 5178', () => {
    expect(readHostConfig({}, vi.fn())).toEqual({ host: '127.0.0.1', port: 5178 });
  });

  it('reads HOST and PORT', () => {
    expect(readHostConfig({ HOST: '0.0.0.0', PORT: '8080' }, vi.fn())).toEqual({ host: '0.0.0.0', port: 8080 });
  });

  it.each(['abc', '-1', '70000', '80.5'])('warns about PORT=%s by name and keeps the default', (port) => {
    const warn = vi.fn();
    expect(readHostConfig({ PORT: port }, warn).port).toBe(5178);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`PORT="${port}"`));
  });
});

describe('origins', () => {
  it('knows loopback names', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('192.168.1.4')).toBe(false);
  });

  it('allows every loopback spelling on a loopback host, and only the host itself otherwise', () => {
    expect(allowedAuthorities('127.0.0.1', 5178)).toEqual(new Set(['127.0.0.1:5178', 'localhost:5178', '[::1]:5178']));
    expect(allowedAuthorities('10.0.0.2', 80)).toEqual(new Set(['10.0.0.2:80']));
  });
});
