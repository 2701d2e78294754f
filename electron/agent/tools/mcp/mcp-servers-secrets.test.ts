/**
 * A saved secret belongs to the address it was given for: an MCP server's
 * `headers` to its URL, its `env` to its program (command, arguments). When
 * a save moves the entry elsewhere and leaves a value empty ("keep the saved
 * one"), the new address does not get the old value, and the answer names
 * what to enter again; the same address keeps it. Against loopback MCP
 * servers: two Streamable HTTP servers, and a program that writes the
 * variable it got to a file named after how it was started.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger';
import { readOptional } from '../../util/atomic-file';
import { startMcpHttpServer, type McpHttpTestServer } from '../../testing/mcp-http-server';
import { until } from '../../testing/until';
import { ToolSwitches } from '../tool-switches';
import { McpServers } from './mcp-servers';

let dir: string;
let first: McpHttpTestServer;
let second: McpHttpTestServer;
let servers: McpServers;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-secrets-'));
  [first, second] = await Promise.all([startMcpHttpServer(), startMcpHttpServer()]);
  const configFile = join(dir, 'mcp.json');
  await writeFile(configFile, '{}');
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  servers = await McpServers.open({ configFile, switches, builtins: [], clientInfo: { name: 'test', version: '1' }, logger: silentLogger, approvalsFile: join(dir, 'program-approvals.json') });
});
afterEach(async () => {
  await servers.stop();
  await Promise.all([first.close(), second.close()]);
  await rm(dir, { recursive: true, force: true });
});

const state = (name: string) => servers.view().servers.find((v) => v.name === name)?.status.state;
const ready = (name: string) => until(() => state(name) === 'ready', `${name} ready`);
const saved = async (name: string) => JSON.parse(await readFile(join(dir, 'mcp.json'), 'utf8')).mcpServers[name];

/** A program that writes the TOKEN it got to `<dir>/<tag>.<name it was started as>` and exits. */
function tokenWriter(command: string, tag: string, token: string) {
  const script = `const p = require('node:path'); require('node:fs').writeFileSync(p.join(${JSON.stringify(dir)}, ${JSON.stringify(tag)} + '.' + p.basename(process.argv0)), process.env.TOKEN ?? '(none)')`;
  return { command, args: ['-e', script], env: { TOKEN: token } };
}
const written = async (file: string) => {
  await until(async () => (await readOptional(join(dir, file))) !== null, `${file} written`);
  return readFile(join(dir, file), 'utf8');
};

describe('MCP secrets stay with their address', () => {
  it('does not send the saved Authorization header to a new URL, and keeps it for the same URL', async () => {
    await servers.saveServer('web', { url: first.url, headers: { Authorization: 'Bearer old-token' } }, null);
    await ready('web');
    expect(first.sessionHeaders.at(-1)?.authorization).toBe('Bearer old-token');

    // Same URL (renamed, the value left empty): the token goes with it.
    const same = await servers.saveServer('site', { url: first.url, headers: { Authorization: '' } }, 'web');
    await ready('site');
    expect(first.sessionHeaders).toHaveLength(2);
    expect(first.sessionHeaders.at(-1)?.authorization).toBe('Bearer old-token');
    expect(same || '').toBe('');

    // Another URL, the value left empty: the new server never sees the token.
    const answer = await servers.saveServer('site', { url: second.url, headers: { Authorization: '' } }, 'site');
    await ready('site');
    expect(second.sessionHeaders).toHaveLength(1);
    expect(second.sessionHeaders[0]?.authorization).toBeUndefined();
    expect(JSON.stringify(second.sessionHeaders)).not.toContain('old-token');
    expect(answer).toContain('Saved without Authorization');
    expect(answer).toContain('Headers');
    expect(await saved('site')).toEqual({ url: second.url, headers: {} });
    expect(servers.view().servers[0]?.transport).toEqual({ kind: 'http', url: second.url, headerNames: [] });
  });

  it('sends a header given again with the new URL', async () => {
    await servers.saveServer('web', { url: first.url, headers: { Authorization: 'Bearer old-token' } }, null);
    await servers.saveServer('web', { url: second.url, headers: { Authorization: 'Bearer new-token' } }, 'web');
    await ready('web');
    expect(second.sessionHeaders[0]?.authorization).toBe('Bearer new-token');
  });

  it('does not give the saved environment to a changed program (arguments or command), and keeps it for the same one', async () => {
    const node = process.execPath;
    await servers.saveServer('tool', tokenWriter(node, 'a', 's3cret'), null);
    expect(await written(`a.${'node'}`)).toBe('s3cret');

    // The same program, another variable added: the saved value stays.
    await rm(join(dir, 'a.node'));
    await servers.saveServer('tool', { ...tokenWriter(node, 'a', ''), env: { TOKEN: '', OTHER: 'x' } }, 'tool');
    expect(await written('a.node')).toBe('s3cret');

    // Other arguments: not the same program.
    const changedArgs = await servers.saveServer('tool', tokenWriter(node, 'b', ''), 'tool');
    expect(await written('b.node')).toBe('(none)');
    expect(changedArgs).toContain('Saved without TOKEN');
    expect(await saved('tool')).toEqual({ command: node, args: tokenWriter(node, 'b', '').args, env: {} });

    // Another command with the same arguments: not the same program either.
    await servers.saveServer('tool', tokenWriter(node, 'c', 'again'), 'tool');
    expect(await written('c.node')).toBe('again');
    const other = join(dir, 'other-node');
    await symlink(node, other);
    const changedCommand = await servers.saveServer('tool', tokenWriter(other, 'c', ''), 'tool');
    expect(await written('c.other-node')).toBe('(none)');
    expect(changedCommand).toContain('Saved without TOKEN');
  });
});
