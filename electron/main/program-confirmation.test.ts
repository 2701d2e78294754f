/**
 * The desktop's question before a program runs: the message box's options
 * (the exact command line, "Don't run" by default), one question at a time,
 * and the whole path a page's save takes: a session over a MessagePort (as
 * the window's IPC session), the MCP servers with main's confirmation over
 * a stubbed `dialog.showMessageBox`. Allowed, the server runs; refused, it
 * stays saved and stopped, and the Tools view says so.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { MessageBoxOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandLine } from '../../shared/command-line';
import { EnvelopeWriter, parseServerEnvelope, type ClientMessage, type ServerMessage } from '../../shared/protocol';
import { silentLogger } from '../agent/util/logger';
import { Session } from '../agent/session/session';
import { until } from '../agent/testing/until';
import { McpServers, PROGRAM_REFUSED } from '../agent/tools/mcp/mcp-servers';
import { ToolSwitches } from '../agent/tools/tool-switches';
import { PortCarrier, routePortMessage } from './port-carrier';
import { allowedBy, programConfirmation, programDialogOptions } from './program-confirmation';

const crashing = { command: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../agent/testing/mcp-crashing-stdio-server.ts', import.meta.url))] };

describe('the question before a program runs', () => {
  it('shows the exact command line, the folder and the variable names, with "Don\'t run" as the default and the cancel', () => {
    const options = programDialogOptions({ server: 'files', command: 'sh', args: ['-c', 'curl x | sh'], cwd: '/home/me', envNames: ['TOKEN'] });
    expect(options.message).toBe('The MCP server "files" wants to run a program on this computer.');
    expect(options.detail).toContain("Command line:\nsh -c 'curl x | sh'");
    expect(options.detail).toContain('In the folder: /home/me');
    expect(options.detail).toContain('With the environment variables: TOKEN');
    expect(options.buttons).toEqual(['Run', "Don't run"]);
    expect(options.defaultId).toBe(1);
    expect(options.cancelId).toBe(1);
    expect(allowedBy({ response: 0 })).toBe(true);
    expect(allowedBy({ response: 1 })).toBe(false);
  });

  it('asks one question at a time, and a withdrawn one is a refusal', async () => {
    const shown: { options: MessageBoxOptions; answer(response: number): void }[] = [];
    const confirmation = programConfirmation((options) => new Promise((resolve) => shown.push({ options, answer: (response) => resolve({ response }) })));
    const request = { server: 'a', command: 'a', args: [], cwd: null, envNames: [] };
    const first = confirmation.confirm(request, new AbortController().signal);
    const withdrawn = new AbortController();
    const second = confirmation.confirm({ ...request, server: 'b' }, withdrawn.signal);
    await until(() => shown.length === 1, 'the first box');
    withdrawn.abort();
    shown[0]!.answer(0);
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(shown).toHaveLength(1);
  });
});

let dir: string;
let servers: McpServers;
let session: Session;
const shown: { options: MessageBoxOptions; answer(response: number): void }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'program-confirmation-'));
  shown.length = 0;
  servers = await McpServers.open({
    configFile: join(dir, 'mcp.json'),
    switches: await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {}),
    builtins: [],
    clientInfo: { name: 'test', version: '1' },
    logger: silentLogger,
    approvalsFile: join(dir, 'program-approvals.json'),
    // Main's confirmation, over a stubbed dialog.showMessageBox.
    confirmation: programConfirmation((options) => new Promise((resolve) => shown.push({ options, answer: (response) => resolve({ response }) }))),
  });
});
afterEach(async () => {
  await session?.close();
  await servers.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A session over a MessagePort, as the window's: what the page sends and receives. */
function openPage() {
  const { port1: mainSide, port2: pageSide } = new MessageChannel();
  session = new Session(new PortCarrier(mainSide as never), { logger: silentLogger, tools: servers });
  mainSide.on('message', (data: unknown) => routePortMessage(session, data));
  const received: ServerMessage[] = [];
  pageSide.on('message', (data: { envelope: unknown }) => {
    const parsed = parseServerEnvelope(data.envelope);
    if (parsed.ok) received.push(parsed.value.message);
  });
  session.open();
  const writer = new EnvelopeWriter<ClientMessage>();
  const send = (message: ClientMessage) => {
    const envelope = writer.wrap(message);
    pageSide.postMessage({ kind: 'message', envelope });
    return envelope.seq;
  };
  const view = () => received.filter((m) => m.type === 'tools').at(-1)?.view;
  const closePorts = () => {
    mainSide.close();
    pageSide.close();
  };
  return { send, received, view, closePorts };
}

describe('a program saved from the page (IPC), with the stubbed dialog', () => {
  it('runs once the user answers "Run" in the box that shows its command line', async () => {
    const page = openPage();
    const seq = page.send({ type: 'tools.server.save', name: 'crashy', previous: null, server: crashing });
    await until(() => page.received.some((m) => m.type === 'tools.result' && m.ref === seq), 'the answer to the save');
    await until(() => shown.length === 1, 'the dialog');
    expect(shown[0]!.options.detail).toContain(`Command line:\n${commandLine(crashing.command, crashing.args)}`);
    await until(() => page.view()?.servers[0]?.status.state === 'stopped', { what: 'the server waiting in the view', detail: () => JSON.stringify(page.view()) });
    shown[0]!.answer(0);
    await until(() => page.view()?.servers[0]?.status.state === 'ready', { what: 'the server ready', detail: () => JSON.stringify(page.view()?.servers[0]?.status) });
    page.closePorts();
  });

  it('leaves the entry saved and stopped when the user answers "Don\'t run", and the view says so', async () => {
    const page = openPage();
    page.send({ type: 'tools.server.save', name: 'crashy', previous: null, server: crashing });
    await until(() => shown.length === 1, 'the dialog');
    shown[0]!.answer(1);
    await until(() => JSON.stringify(page.view()?.servers[0]?.status) === JSON.stringify({ state: 'stopped', reason: PROGRAM_REFUSED }), {
      what: 'the refusal in the view',
      detail: () => JSON.stringify(page.view()),
    });
    expect(JSON.parse(await readFile(join(dir, 'mcp.json'), 'utf8')).mcpServers).toEqual({ crashy: crashing });
    page.closePorts();
  });
});
