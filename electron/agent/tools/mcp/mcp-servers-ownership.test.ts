/**
 * One owner per MCP server name, and no process outliving it: a server
 * stuck in its start-up that is removed (or whose owner stops) leaves no
 * process; two saves of the same new name (a double click) start one; a
 * server that pages its tool list for ever, or lists more than the settings
 * can show, still gets ready, and the view stays within the protocol.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeWriter, parseServerEnvelope, type ServerMessage } from '../../../../shared/protocol';
import { silentLogger } from '../../util/logger';
import { isRunning, pidsIn, silentServerScript } from '../../testing/mcp-silent-stdio-server';
import { until } from '../../testing/until';
import { readOptional } from '../../util/atomic-file';
import { noTools } from '../tool';
import { ToolSwitches } from '../tool-switches';
import { MAX_TOOL_PAGES, MAX_TOOLS_PER_SERVER } from './mcp-connection';
import { McpServers } from './mcp-servers';

const paging = (mode: 'loop' | 'many') => ({
  command: process.execPath,
  args: ['--import', 'tsx', fileURLToPath(new URL('../../testing/mcp-paging-stdio-server.ts', import.meta.url)), mode],
});

let dir: string;
let servers: McpServers | null = null;
let pidFile: string;
const started: number[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-ownership-'));
  pidFile = join(dir, 'pids');
});
afterEach(async () => {
  await servers?.stop();
  servers = null;
  // Whatever a failed test left running.
  for (const pid of [...started, ...pidsIn(await readOptional(pidFile))]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  started.length = 0;
  await rm(dir, { recursive: true, force: true });
});

async function open(config: unknown = {}): Promise<McpServers> {
  const configFile = join(dir, 'mcp.json');
  await writeFile(configFile, JSON.stringify(config));
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  servers = await McpServers.open({ configFile, switches, builtins: [], clientInfo: { name: 'test', version: '1' }, logger: silentLogger, approvalsFile: join(dir, 'program-approvals.json') });
  return servers;
}

const pids = async () => pidsIn(await readOptional(pidFile));
const status = (s: McpServers, name: string) => s.view().servers.find((v) => v.name === name)?.status;

describe('MCP servers: one owner per name, no process left behind', () => {
  it('stops a server that never answers when it is removed while starting: its process is gone', async () => {
    const s = await open();
    await s.saveServer('stuck', silentServerScript(pidFile), null);
    await until(async () => (await pids()).length === 1, 'the program to start');
    expect(status(s, 'stuck')).toEqual({ state: 'starting' });
    const [pid] = await pids();
    await s.removeServer('stuck');
    expect(isRunning(pid!)).toBe(false);
  });

  it('stops a server that never answers when the servers stop (quit) while it starts', async () => {
    const s = await open({ mcpServers: { stuck: silentServerScript(pidFile) } });
    await until(async () => (await pids()).length === 1, 'the program to start');
    const [pid] = await pids();
    await s.stop();
    expect(isRunning(pid!)).toBe(false);
  });

  it('starts one process for two saves of the same new name (a double click), and removing it leaves none', async () => {
    const s = await open();
    const entry = silentServerScript(pidFile);
    const [first, second] = await Promise.allSettled([s.saveServer('twice', entry, null), s.saveServer('twice', entry, null)]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('fulfilled');
    expect(s.view().servers.map((v) => v.name)).toEqual(['twice']);
    await until(async () => (await pids()).length >= 1, 'the program to start');
    await s.removeServer('twice');
    const all = await pids();
    expect(all).toHaveLength(1);
    for (const pid of all) expect(isRunning(pid)).toBe(false);
  });

  it('refuses a second save of an existing name with another entry, and runs the first as it was', async () => {
    const s = await open();
    await s.saveServer('one', silentServerScript(pidFile), null);
    await expect(s.saveServer('one', silentServerScript(join(dir, 'other-pids')), null)).rejects.toThrow('there is already a server named "one"');
    expect(s.view().servers).toHaveLength(1);
    expect(s.view().servers[0]?.transport).toMatchObject({ kind: 'stdio', args: ['-e', expect.stringContaining(pidFile)] });
  });

  it('ends a tool listing whose nextCursor repeats, uses what it got and says so', async () => {
    const s = await open({ mcpServers: { looping: paging('loop') } });
    await until(() => status(s, 'looping')?.state === 'ready', { what: 'the server ready', detail: () => JSON.stringify(status(s, 'looping')) });
    const ready = status(s, 'looping');
    expect(ready).toMatchObject({ state: 'ready' });
    expect(ready?.state === 'ready' && ready.tools).toBeLessThanOrEqual(MAX_TOOL_PAGES);
    expect(s.view().problems.join('\n')).toContain('MCP server "looping" did not finish listing its tools');
    expect(s.provider(noTools).tools().map((t) => t.name)).toContain('looping__loop0');
  });

  it('caps the tools of a server that lists more than the settings can show, and keeps its view within the protocol', async () => {
    const s = await open({ mcpServers: { big: paging('many') } });
    await until(() => status(s, 'big')?.state === 'ready', { what: 'the server ready', detail: () => JSON.stringify(status(s, 'big')) });
    expect(status(s, 'big')).toEqual({ state: 'ready', tools: MAX_TOOLS_PER_SERVER });
    const view = s.view();
    const message: ServerMessage = { type: 'tools', view };
    const parsed = parseServerEnvelope(JSON.stringify(new EnvelopeWriter<ServerMessage>().wrap(message)));
    expect(parsed.ok ? 'accepted' : parsed.error).toBe('accepted');
    expect(view.problems.join('\n')).toContain('MCP server "big" lists more than 500 tools: 100 more were left out');
    expect(view.problems.join('\n')).toContain('a name longer than 200 characters');
    expect(view.problems[0]).toMatch(/^Not everything fits in this list/);
    expect(view.servers[0]?.name).toBe('big');
    expect(view.servers[0]!.tools.length).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(dir, 'mcp.json'), 'utf8')).mcpServers.big).toEqual(paging('many'));
  });
});
