import { describe, expect, it } from 'vitest';
import { JsonTextError, parseJsonText } from './json-text';
import { parseMcpConfig } from './mcp-config';

describe('parseJsonText', () => {
  it('gives the value of valid JSON', () => {
    expect(parseJsonText('{"a":[1,true,null]}', 'x.json')).toEqual({ a: [1, true, null] });
  });

  it('says where the text is wrong, never what it says (a secret in single quotes)', () => {
    const text = '{\n  "mcpServers": {\n    "x": { "url": "http://h", "headers": { "Authorization": \'Bearer sk-SECRET-1234\' } }\n  }\n}';
    // JSON.parse's own message quotes the text around the error.
    expect(() => JSON.parse(text)).toThrow(/Bearer sk/);
    let error: unknown;
    try {
      parseJsonText(text, 'mcp.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JsonTextError);
    expect((error as Error).message).toBe('mcp.json is not valid JSON at line 3, column 61: invalid symbol');
    expect(parseMcpConfig(text, '/x/mcp.json').problems).toEqual(['/x/mcp.json: not valid JSON at line 3, column 61: invalid symbol']);
  });

  it.each([
    ['', 'at line 1, column 1: value expected'],
    ['{"a": 1,}', 'at line 1, column 9: property name expected'],
    ['{"a": 1} // note', 'at line 1, column 10: invalid comment token'],
    ['[1, 2', 'at line 1, column 6: close bracket expected'],
    ['{"a": "x\\q"}', 'at line 1, column 7: invalid escape character'],
  ])('reports %j %s', (text, place) => {
    expect(() => parseJsonText(text, 'f.json')).toThrow(`f.json is not valid JSON ${place}`);
  });
});
