/**
 * The MCP servers against real servers: server-everything (from npm) over
 * stdio, the test server over Streamable HTTP on loopback, and a stdio
 * server that crashes mid-call.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../util/logger';
import { runToolStep } from '../../pipeline/tool-calls';
import { startMcpHttpServer, type McpHttpTestServer } from '../../testing/mcp-http-server';
import { until } from '../../testing/until';
import { noTools, type Tool } from '../tool';
import { ToolSwitches } from '../tool-switches';
import { McpServers } from './mcp-servers';

const require = createRequire(import.meta.url);
const everything = { command: process.execPath, args: [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'] };
const crashing = { command: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../../testing/mcp-crashing-stdio-server.ts', import.meta.url))] };

let dir: string;
let http: McpHttpTestServer;
let servers: McpServers | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-servers-'));
  http = await startMcpHttpServer();
});
afterEach(async () => {
  await servers?.stop();
  servers = null;
  await http.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(config: unknown, builtins: { name: string; description: string }[] = [], logger: Logger = silentLogger): Promise<McpServers> {
  const configFile = join(dir, 'mcp.json');
  await writeFile(configFile, typeof config === 'string' ? config : JSON.stringify(config));
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  servers = await McpServers.open({ configFile, switches, builtins, clientInfo: { name: 'test', version: '1' }, logger, approvalsFile: join(dir, 'program-approvals.json') });
  return servers;
}

const tools = (s: McpServers) => s.provider(noTools).tools();
const tool = (s: McpServers, name: string): Tool => {
  const found = tools(s).find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name} in ${tools(s).map((t) => t.name).join(', ')}`);
  return found;
};
const status = (s: McpServers, name: string) => s.view().servers.find((v) => v.name === name)?.status;
const ready = (s: McpServers, name: string) => until(() => status(s, name)?.state === 'ready', { what: `${name} ready`, detail: () => JSON.stringify(status(s, name)) });
const call = (t: Tool, args: Record<string, unknown>, signal = new AbortController().signal) => t.call(args, { callId: 'c1', signal, timeoutMs: 10_000 });

describe('MCP servers', () => {
  it('lists and calls the tools of server-everything over stdio, and reports a tool error', async () => {
    const s = await open({ mcpServers: { everything } });
    await ready(s, 'everything');
    const echo = tool(s, 'everything__echo');
    expect(echo).toMatchObject({ type: 'extension', source: 'everything', displayName: 'echo' });
    expect(echo.parameters).toMatchObject({ type: 'object' });
    expect(await call(echo, { message: 'hello' })).toEqual({ text: 'Echo: hello', isError: false });
    expect((await call(tool(s, 'everything__get-sum'), { a: 2, b: 3 })).text).toMatch(/\b5\b/);
    const bad = await call(tool(s, 'everything__get-sum'), { a: 'two' });
    expect(bad.isError).toBe(true);
    expect(bad.text.length).toBeGreaterThan(0);
  });

  it('lists and calls the tools of a Streamable HTTP server; a failing tool is an error result', async () => {
    const s = await open({ mcpServers: { web: { url: http.url, headers: { Authorization: 'Bearer s3cret-token' } } } });
    await ready(s, 'web');
    expect(status(s, 'web')).toEqual({ state: 'ready', tools: 5 });
    expect(tools(s).map((t) => t.name).sort()).toEqual(['web__add', 'web__context', 'web__fail', 'web__hang', 'web__slow']);
    expect(await call(tool(s, 'web__add'), { a: 2, b: 40 })).toEqual({ text: '42', isError: false });
    const failed = await call(tool(s, 'web__fail'), {});
    expect(failed).toEqual({ text: expect.stringContaining('the fail tool failed on purpose'), isError: true });
    expect(http.sessionHeaders[0]?.authorization).toBe('Bearer s3cret-token');
    // The view names the header, never its value.
    expect(JSON.stringify(s.view())).not.toContain('s3cret');
    expect(s.view().servers[0]?.transport).toEqual({ kind: 'http', url: http.url, headerNames: ['Authorization'] });
  });

  it('restarts a stdio server that crashed in the middle of a call', async () => {
    const s = await open({ mcpServers: { crashy: crashing } });
    await ready(s, 'crashy');
    const first = (await call(tool(s, 'crashy__pid'), {})).text;
    const seen: { state: string; reason?: string }[] = [];
    s.subscribe((view) => seen.push(view.servers[0]!.status));
    const states = { includes: (state: string) => seen.some((v) => v.state === state) };
    await expect(call(tool(s, 'crashy__crash'), {})).rejects.toThrow();
    await until(() => states.includes('failed'), 'the failure');
    await ready(s, 'crashy');
    const second = (await call(tool(s, 'crashy__pid'), {})).text;
    expect(second).not.toBe(first);
    expect(states.includes('starting')).toBe(true);
    expect(seen.find((v) => v.state === 'failed')?.reason).toBe('the server exited: crashing on purpose');
  });

  it('connects again to a Streamable HTTP server that went away and came back', async () => {
    const s = await open({ mcpServers: { web: { url: http.url } } });
    await ready(s, 'web');
    const port = Number(new URL(http.url).port);
    await http.close();
    await expect(call(tool(s, 'web__add'), { a: 1, b: 2 })).rejects.toThrow();
    await until(() => status(s, 'web')?.state !== 'ready', 'the server no longer ready');
    http = await startMcpHttpServer({ port });
    await ready(s, 'web');
    expect((await call(tool(s, 'web__add'), { a: 1, b: 2 })).text).toBe('3');
  });

  it('says why a server failed: the reason, the retry, and the stderr line of a server that exited', async () => {
    const s = await open({ mcpServers: { missing: { command: join(dir, 'no-such-program') } } });
    await until(() => status(s, 'missing')?.state === 'failed', 'the failure');
    const failed = status(s, 'missing');
    expect(failed).toMatchObject({ state: 'failed', reason: expect.stringMatching(/ENOENT|no-such-program/), retryInMs: expect.any(Number) });
  });

  it('keeps the secrets of env out of the reason and the log, even when the server prints them', async () => {
    const lines: string[] = [];
    const logger: Logger = { info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
    const leaky = { command: process.execPath, args: ['-e', 'console.error("token is " + process.env.TOKEN); process.exit(1)'], env: { TOKEN: 's3cret-value' } };
    const s = await open({ mcpServers: { leaky } }, [], logger);
    await until(() => status(s, 'leaky')?.state === 'failed', 'the failure');
    expect(JSON.stringify(s.view())).not.toContain('s3cret-value');
    expect(JSON.stringify(s.view())).toContain('token is ***');
    expect(lines.join('\n')).toContain('MCP server "leaky" failed');
    expect(lines.join('\n')).not.toContain('s3cret-value');
  });

  it('gives up on a tool that hangs at the deadline; the turn goes on', async () => {
    const s = await open({ mcpServers: { web: { url: http.url } } });
    await ready(s, 'web');
    const [result] = await runToolStep([{ id: 'h1', name: 'web__hang', arguments: '{}' }], tools(s), {
      signal: new AbortController().signal,
      timeoutMs: 300,
      emit: () => {},
    });
    expect(result).toMatchObject({ outcome: 'timeout', text: expect.stringContaining('did not answer') });
    expect(http.calls.map((c) => c.tool)).toContain('hang');
    // The server is still usable.
    expect((await call(tool(s, 'web__add'), { a: 1, b: 1 })).text).toBe('2');
  });

  it('cancels a slow call when its signal aborts: the server sees notifications/cancelled', async () => {
    const s = await open({ mcpServers: { web: { url: http.url } } });
    await ready(s, 'web');
    const controller = new AbortController();
    const running = call(tool(s, 'web__slow'), {}, controller.signal);
    await until(() => http.calls.some((c) => c.tool === 'slow'), 'the slow call to arrive');
    controller.abort(new Error('barge-in'));
    await expect(running).rejects.toThrow();
    await until(() => http.cancelled.includes('slow'), 'the server to see the cancellation');
  });

  it('lists the tools again when the server says they changed', async () => {
    const s = await open({ mcpServers: { web: { url: http.url } } });
    await ready(s, 'web');
    http.addTool('later');
    await until(() => tools(s).some((t) => t.name === 'web__later'), 'the new tool');
    expect(await call(tool(s, 'web__later'), {})).toEqual({ text: 'later', isError: false });
    expect(status(s, 'web')).toEqual({ state: 'ready', tools: 6 });
  });

  it('reports a bad entry naming the file and the problem, and still starts the others', async () => {
    const s = await open({ mcpServers: { broken: { url: 'not a url' }, web: { url: http.url } } });
    expect(s.view().problems).toEqual([`${join(dir, 'mcp.json')}: mcpServers.broken.url: must be an http(s) URL`]);
    await ready(s, 'web');
    expect(s.view().servers.map((v) => v.name)).toEqual(['web']);
  });

  it('reports a file that is not JSON and runs without servers', async () => {
    const s = await open('{ "mcpServers": {');
    expect(s.view().problems[0]).toMatch(new RegExp(`^${join(dir, 'mcp.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
    expect(s.view().servers).toEqual([]);
  });

  it('switches servers, tools and built-in tools off and on, and keeps the switches', async () => {
    const builtin = { name: 'get_current_time', description: 'The time.' };
    const s = await open({ mcpServers: { web: { url: http.url } } }, [builtin]);
    await ready(s, 'web');
    const builtinTool: Tool = { ...builtin, parameters: {}, type: 'function', source: 'built-in', call: async () => ({ text: 'now' }) };
    const provider = s.provider({ tools: () => [builtinTool] });
    await s.setToolEnabled('web', 'fail', false);
    await s.setBuiltinEnabled('get_current_time', false);
    expect(provider.tools().map((t) => t.name)).not.toContain('web__fail');
    expect(provider.tools().map((t) => t.name)).not.toContain('get_current_time');
    expect(s.view().servers[0]!.tools.find((t) => t.name === 'fail')?.enabled).toBe(false);
    expect(s.view().builtins).toEqual([{ ...builtin, enabled: false }]);

    await s.setServerEnabled('web', false);
    expect(status(s, 'web')).toEqual({ state: 'disabled' });
    expect(provider.tools()).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'mcp.json'), 'utf8'))).toEqual({ mcpServers: { web: { url: http.url, disabled: true } } });
    await s.setServerEnabled('web', true);
    await ready(s, 'web');

    const reopened = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
    expect(reopened.isToolEnabled('web', 'fail')).toBe(false);
    expect(reopened.isToolEnabled('web', 'add')).toBe(true);
    expect(reopened.isBuiltinEnabled('get_current_time')).toBe(false);
  });

  it('adds, edits and removes a server in the file, keeping what else it holds and secrets left empty in the form', async () => {
    const configFile = join(dir, 'mcp.json');
    const s = await open({ globalShortcut: 'x', mcpServers: { other: { url: 'nope' } } });
    await s.saveServer('web', { url: http.url, headers: { 'X-Key': 'k3y-value' } }, null);
    await ready(s, 'web');
    await expect(s.saveServer('web', { url: 'ftp://x' }, null)).rejects.toThrow(/already a server named "web"/);
    await expect(s.saveServer('web2', { url: 'ftp://x' }, null)).rejects.toThrow('mcpServers.web2.url: must be an http(s) URL');

    await s.saveServer('site', { url: http.url, headers: { 'X-Key': '' } }, 'web');
    await ready(s, 'site');
    let file = JSON.parse(await readFile(configFile, 'utf8'));
    expect(file).toEqual({ globalShortcut: 'x', mcpServers: { other: { url: 'nope' }, site: { url: http.url, headers: { 'X-Key': 'k3y-value' } } } });
    expect(s.view().servers.map((v) => v.name)).toEqual(['site']);

    // The untouched bad entry is still reported.
    expect(s.view().problems).toEqual([`${configFile}: mcpServers.other.url: must be an http(s) URL`]);
    await s.removeServer('site');
    file = JSON.parse(await readFile(configFile, 'utf8'));
    expect(file).toEqual({ globalShortcut: 'x', mcpServers: { other: { url: 'nope' } } });
    expect(s.view().servers).toEqual([]);
  });
});
