/**
 * A program saved through the app runs once the user allows it, asked
 * through the injected confirmation (the desktop's dialog, here answered by
 * the test); refused, it stays saved and stopped, at this start and the
 * next; an entry written in the file by hand starts as it is; the headless
 * host (no confirmation) starts what its user saves.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger';
import { until } from '../../testing/until';
import { ToolSwitches } from '../tool-switches';
import { McpServers, PROGRAM_NOT_ALLOWED, PROGRAM_REFUSED, PROGRAM_WAITING } from './mcp-servers';
import type { ProgramConfirmation, ProgramRequest } from './program-approval';

const crashing = { command: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../../testing/mcp-crashing-stdio-server.ts', import.meta.url))] };

/** A confirmation the test answers: each question waits for `answer()`. */
class ScriptedConfirmation implements ProgramConfirmation {
  readonly asked: { request: ProgramRequest; signal: AbortSignal; answer(allowed: boolean): void }[] = [];
  confirm(request: ProgramRequest, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      this.asked.push({ request, signal, answer: resolve });
      signal.addEventListener('abort', () => resolve(false));
    });
  }
}

let dir: string;
const opened: McpServers[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-approval-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function open(confirmation?: ProgramConfirmation, config?: unknown): Promise<McpServers> {
  const configFile = join(dir, 'mcp.json');
  if (config !== undefined) await writeFile(configFile, JSON.stringify(config));
  const switches = await ToolSwitches.open(join(dir, 'tool-switches.json'), () => {});
  const servers = await McpServers.open({
    configFile,
    switches,
    builtins: [],
    clientInfo: { name: 'test', version: '1' },
    logger: silentLogger,
    approvalsFile: join(dir, 'program-approvals.json'),
    ...(confirmation ? { confirmation } : {}),
  });
  opened.push(servers);
  return servers;
}

const status = (s: McpServers, name: string) => s.view().servers.find((v) => v.name === name)?.status;
const ready = (s: McpServers, name: string) => until(() => status(s, name)?.state === 'ready', { what: `${name} ready`, detail: () => JSON.stringify(status(s, name)) });
const fileEntries = async () => JSON.parse(await readFile(join(dir, 'mcp.json'), 'utf8')).mcpServers;

describe('a program runs with the user’s say', () => {
  it('asks with the exact program before a new one runs, and runs it once allowed', async () => {
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation);
    await s.saveServer('crashy', { ...crashing, env: { TOKEN: 'value' } }, null);
    expect(confirmation.asked.map((q) => q.request)).toEqual([{ server: 'crashy', command: crashing.command, args: crashing.args, cwd: null, envNames: ['TOKEN'] }]);
    expect(status(s, 'crashy')).toEqual({ state: 'stopped', reason: PROGRAM_WAITING });
    confirmation.asked[0]!.answer(true);
    await ready(s, 'crashy');

    // Only a value of its environment changed: the same program, not asked again.
    await s.saveServer('crashy', { ...crashing, env: { TOKEN: 'other' } }, 'crashy');
    await ready(s, 'crashy');
    expect(confirmation.asked).toHaveLength(1);
    // It was allowed: at the next start it runs without a question.
    await s.stop();
    const next = await open(new ScriptedConfirmation());
    await ready(next, 'crashy');
  });

  it('leaves a refused program saved and stopped, says so, and keeps it stopped at the next start', async () => {
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation);
    await s.saveServer('refused', crashing, null);
    confirmation.asked[0]!.answer(false);
    await until(() => JSON.stringify(status(s, 'refused')) === JSON.stringify({ state: 'stopped', reason: PROGRAM_REFUSED }), 'the refusal in the view');
    expect(await fileEntries()).toEqual({ refused: crashing });
    await s.stop();

    const again = new ScriptedConfirmation();
    const next = await open(again);
    expect(status(next, 'refused')).toEqual({ state: 'stopped', reason: PROGRAM_NOT_ALLOWED });
    expect(again.asked).toHaveLength(0);
    // "Start" asks again; allowed, it runs.
    await next.setServerEnabled('refused', true);
    expect(again.asked).toHaveLength(1);
    again.asked[0]!.answer(true);
    await ready(next, 'refused');
  });

  it('asks again when the program changes: another command, arguments or variable names', async () => {
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation, { mcpServers: { mine: crashing } });
    // Written by hand: the user's own, started without a question.
    await ready(s, 'mine');
    expect(confirmation.asked).toHaveLength(0);
    await s.saveServer('mine', { ...crashing, args: [...crashing.args, '--extra'] }, 'mine');
    expect(confirmation.asked).toHaveLength(1);
    expect(status(s, 'mine')).toEqual({ state: 'stopped', reason: PROGRAM_WAITING });
    // Changed again while the question is open: the first question is withdrawn, a new one asked.
    await s.saveServer('mine', { ...crashing, env: { NEW_NAME: 'x' } }, 'mine');
    expect(confirmation.asked[0]!.signal.aborted).toBe(true);
    expect(confirmation.asked).toHaveLength(2);
    confirmation.asked[1]!.answer(true);
    await ready(s, 'mine');
    // Nothing is left in the record: the withdrawn program is no entry's any more, the other was allowed.
    expect(JSON.parse(await readFile(join(dir, 'program-approvals.json'), 'utf8'))).toEqual({ unapproved: [] });
  });

  it('does not ask for a program saved switched off, and asks when it is switched on', async () => {
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation);
    await s.saveServer('later', { ...crashing, disabled: true }, null);
    expect(confirmation.asked).toHaveLength(0);
    expect(status(s, 'later')).toEqual({ state: 'disabled' });
    await s.setServerEnabled('later', true);
    expect(confirmation.asked).toHaveLength(1);
    confirmation.asked[0]!.answer(true);
    await ready(s, 'later');
  });

  it('withdraws an open question when the servers stop', async () => {
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation);
    await s.saveServer('pending', crashing, null);
    await s.stop();
    expect(confirmation.asked[0]!.signal.aborted).toBe(true);
  });

  it('in the headless host (no dialog), starts what its user saves, and "Start" allows a program refused on the desktop', async () => {
    const desktop = new ScriptedConfirmation();
    const first = await open(desktop);
    await first.saveServer('refused', crashing, null);
    desktop.asked[0]!.answer(false);
    await until(() => JSON.stringify(status(first, 'refused')) === JSON.stringify({ state: 'stopped', reason: PROGRAM_REFUSED }), 'the refusal');
    await first.stop();

    const headless = await open();
    expect(status(headless, 'refused')).toEqual({ state: 'stopped', reason: PROGRAM_NOT_ALLOWED });
    await headless.saveServer('added', { ...crashing, args: [...crashing.args, 'x'] }, null);
    await ready(headless, 'added');
    await headless.setServerEnabled('refused', true);
    await ready(headless, 'refused');
  });

  it('holds every program when the record of programs not allowed cannot be read, and says so', async () => {
    await writeFile(join(dir, 'program-approvals.json'), 'not json');
    const confirmation = new ScriptedConfirmation();
    const s = await open(confirmation, { mcpServers: { mine: crashing } });
    expect(status(s, 'mine')).toEqual({ state: 'stopped', reason: PROGRAM_NOT_ALLOWED });
    expect(s.view().problems[0]).toContain('program-approvals.json: could not be read (not valid JSON)');
  });
});
