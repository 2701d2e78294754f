/**
 * The tools.* requests of a session against the real MCP servers service
 * and a loopback Streamable HTTP MCP server: the live `tools` view, adding a
 * server (secrets never sent back), a bad entry answered with its problem,
 * switches, removal, and a host without tools refusing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvelopeWriter, type ClientMessage } from '../../../shared/protocol';
import { silentLogger } from '../util/logger';
import { startMcpHttpServer, type McpHttpTestServer } from '../testing/mcp-http-server';
import { RecordingCarrier } from '../testing/recording-carrier';
import { until } from '../testing/until';
import { McpServers } from '../tools/mcp/mcp-servers';
import { ToolSwitches } from '../tools/tool-switches';
import { Session, type SessionOptions } from './session';

let dir: string;
let http: McpHttpTestServer;
let servers: McpServers;
const sessions: Session[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tools-requests-'));
  http = await startMcpHttpServer();
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  servers = await McpServers.open({
    configFile: join(dir, 'mcp.json'),
    switches,
    builtins: [{ name: 'get_current_time', description: 'The time.' }],
    clientInfo: { name: 'test', version: '1' },
    logger: silentLogger,
    approvalsFile: join(dir, 'program-approvals.json'),
  });
});
afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  await servers.stop();
  await http.close();
  await rm(dir, { recursive: true, force: true });
});

function open(services: SessionOptions) {
  const carrier = new RecordingCarrier();
  const session = new Session(carrier, { logger: silentLogger, ...services });
  sessions.push(session);
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => {
    const envelope = writer.wrap(message);
    session.receiveMessage(JSON.stringify(envelope));
    return envelope.seq;
  };
  const replyTo = async (seq: number) => {
    await until(() => carrier.all().some((m) => 'ref' in m && m.ref === seq), { what: `the reply to ${seq}`, detail: () => carrier.summary() });
    return carrier.all().find((m) => 'ref' in m && m.ref === seq);
  };
  return { carrier, send, replyTo };
}

describe('tools requests', () => {
  it('adds a server, shows its state live without its secrets, switches and removes it', async () => {
    const { carrier, send, replyTo } = open({ tools: servers });
    expect(carrier.last('tools')?.view).toEqual({ configFile: join(dir, 'mcp.json'), problems: [], servers: [], builtins: [{ name: 'get_current_time', description: 'The time.', enabled: true }] });

    const added = send({ type: 'tools.server.save', name: 'web', previous: null, server: { url: http.url, headers: { Authorization: 'Bearer very-secret' } } });
    expect(await replyTo(added)).toEqual({ type: 'tools.result', ref: added, ok: true, message: '' });
    await until(() => carrier.last('tools')?.view.servers[0]?.status.state === 'ready', { what: 'the server ready in the view', detail: () => JSON.stringify(carrier.last('tools')) });
    const view = carrier.last('tools')!.view;
    expect(view.servers[0]).toMatchObject({ name: 'web', enabled: true, status: { state: 'ready', tools: 5 }, transport: { kind: 'http', url: http.url, headerNames: ['Authorization'] } });
    expect(JSON.stringify(carrier.all())).not.toContain('very-secret');

    const bad = send({ type: 'tools.server.save', name: 'other', previous: null, server: { url: 'ftp://nowhere' } });
    expect(await replyTo(bad)).toEqual({ type: 'tools.result', ref: bad, ok: false, message: 'mcpServers.other.url: must be an http(s) URL' });

    const toolOff = send({ type: 'tools.tool.enable', server: 'web', tool: 'hang', enabled: false });
    expect(await replyTo(toolOff)).toMatchObject({ ok: true });
    await until(() => carrier.last('tools')?.view.servers[0]?.tools.find((t) => t.name === 'hang')?.enabled === false, 'the tool switched off in the view');
    const builtinOff = send({ type: 'tools.builtin.enable', name: 'get_current_time', enabled: false });
    expect(await replyTo(builtinOff)).toMatchObject({ ok: true });
    const unknown = send({ type: 'tools.server.enable', name: 'nope', enabled: false });
    expect(await replyTo(unknown)).toEqual({ type: 'tools.result', ref: unknown, ok: false, message: 'there is no MCP server named "nope"' });

    const removed = send({ type: 'tools.server.remove', name: 'web' });
    expect(await replyTo(removed)).toMatchObject({ ok: true });
    await until(() => carrier.last('tools')?.view.servers.length === 0, 'the server gone from the view');
  });

  it('answers a save that moved a server to another URL with the header it did not carry over', async () => {
    const { send, replyTo } = open({ tools: servers });
    const added = send({ type: 'tools.server.save', name: 'web', previous: null, server: { url: http.url, headers: { Authorization: 'Bearer very-secret' } } });
    expect(await replyTo(added)).toMatchObject({ ok: true, message: '' });
    const moved = send({ type: 'tools.server.save', name: 'web', previous: 'web', server: { url: http.url.replace('127.0.0.1', 'localhost'), headers: { Authorization: '' } } });
    expect(await replyTo(moved)).toEqual({
      type: 'tools.result',
      ref: moved,
      ok: true,
      message: 'Saved without Authorization: a value saved for the old URL is not sent to a new one. Enter it again under Headers to set it.',
    });
  });

  it('refuses tools requests on a host without tools', async () => {
    const { send, replyTo } = open({});
    const seq = send({ type: 'tools.server.remove', name: 'web' });
    expect(await replyTo(seq)).toMatchObject({ type: 'error', code: 'invalid_state' });
  });
});
