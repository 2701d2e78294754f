import { describe, expect, it } from 'vitest';
import { checkMcpServer, isStdioServer, parseMcpConfig } from './mcp-config';

describe('parseMcpConfig', () => {
  it('reads stdio and Streamable HTTP servers in the shared desktop format', () => {
    const { servers, problems } = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], env: { TOKEN: 's3cret' } },
          web: { url: 'http://127.0.0.1:9000/mcp', headers: { Authorization: 'Bearer x' }, disabled: true, type: 'http' },
        },
      }),
      '/data/mcp.json',
    );
    expect(problems).toEqual([]);
    expect(servers.map((s) => s.name)).toEqual(['everything', 'web']);
    expect(isStdioServer(servers[0]!.config)).toBe(true);
    expect(servers[1]!.config).toEqual({ url: 'http://127.0.0.1:9000/mcp', headers: { Authorization: 'Bearer x' }, disabled: true });
  });

  it('names the file and the place of each problem, and keeps the good entries', () => {
    const { servers, problems } = parseMcpConfig(
      JSON.stringify({ mcpServers: { good: { command: 'node' }, bad: { url: 'ftp://x' }, both: { command: 'a', url: 'http://b' }, 'no/slash': { command: 'a' }, args: { command: 'a', args: 'x' } } }),
      '/data/mcp.json',
    );
    expect(servers.map((s) => s.name)).toEqual(['good']);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe('/data/mcp.json: mcpServers.bad.url: must be an http(s) URL');
    expect(problems[1]).toMatch(/^\/data\/mcp\.json: mcpServers\.both: needs either "command".*not both$/);
    expect(problems[2]).toMatch(/mcpServers\.no\/slash: the name must be/);
    expect(problems[3]).toMatch(/^\/data\/mcp\.json: mcpServers\.args\.args: /);
  });

  it('says when the file is not JSON or not the expected shape', () => {
    expect(parseMcpConfig('{ "mcpServers": ', '/x/mcp.json').problems[0]).toBe('/x/mcp.json: not valid JSON at line 1, column 17: value expected');
    expect(parseMcpConfig('[]', '/x/mcp.json').problems).toEqual(['/x/mcp.json: must be a JSON object with "mcpServers"']);
    expect(parseMcpConfig('{"mcpServers": 3}', '/x/mcp.json').problems).toEqual(['/x/mcp.json: mcpServers: must be an object of servers by name']);
    expect(parseMcpConfig('{}', '/x/mcp.json')).toEqual({ servers: [], problems: [] });
  });
});

describe('checkMcpServer', () => {
  it('refuses an empty command', () => {
    expect(checkMcpServer('s', { command: '  ' })).toEqual({ problem: 'mcpServers.s.command: the command must not be empty' });
  });
});
