import { describe, expect, it } from 'vitest';
import { FUNCTION_NAME_PATTERN, baseToolName, exposedNameOf, exposedToolNames, type ToolKey } from './tool-names';

describe('exposedToolNames', () => {
  it('names a tool <server>__<tool> when that is valid and unique', () => {
    const names = exposedToolNames([{ server: 'everything', tool: 'get-sum' }]);
    expect(exposedNameOf(names, { server: 'everything', tool: 'get-sum' })).toBe('everything__get-sum');
  });

  it('gives the same tool of two servers two names', () => {
    const keys = [
      { server: 'a', tool: 'echo' },
      { server: 'b', tool: 'echo' },
    ];
    const names = exposedToolNames(keys);
    expect(new Set(keys.map((k) => exposedNameOf(names, k))).size).toBe(2);
  });

  it('keeps names apart that only differ in characters a function name cannot have', () => {
    const keys: ToolKey[] = [
      { server: 'my.server', tool: 'x' },
      { server: 'my_server', tool: 'x' },
      { server: 'my-server', tool: 'x.y' },
      { server: 'my-server', tool: 'x y' },
    ];
    const names = exposedToolNames(keys);
    const values = keys.map((k) => exposedNameOf(names, k)!);
    expect(new Set(values).size).toBe(keys.length);
    for (const name of values) expect(name).toMatch(FUNCTION_NAME_PATTERN);
  });

  it('cuts long names to 64 characters and keeps them distinct', () => {
    const long = 'a'.repeat(80);
    const keys = [
      { server: 'server', tool: `${long}1` },
      { server: 'server', tool: `${long}2` },
    ];
    const names = exposedToolNames(keys);
    const values = keys.map((k) => exposedNameOf(names, k)!);
    expect(values[0]).not.toBe(values[1]);
    for (const name of values) expect(name).toMatch(FUNCTION_NAME_PATTERN);
    expect(baseToolName(keys[0]!)).toHaveLength(64);
  });

  it('does not depend on the order of the keys', () => {
    const keys = [
      { server: 'x.y', tool: 't' },
      { server: 'x_y', tool: 't' },
      { server: 'z', tool: 'ü' },
    ];
    const forward = exposedToolNames(keys);
    const backward = exposedToolNames([...keys].reverse());
    for (const key of keys) expect(exposedNameOf(forward, key)).toBe(exposedNameOf(backward, key));
  });

  it('makes a valid name of a tool named only with other characters', () => {
    const names = exposedToolNames([{ server: 's', tool: 'дата' }]);
    expect(exposedNameOf(names, { server: 's', tool: 'дата' })).toMatch(FUNCTION_NAME_PATTERN);
  });
});
