/**
 * `npm run serve` as a process: a second host on the same data folder, or on
 * a busy port, exits at once, saying why, without starting an MCP server.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_PORT, FAKE_OPENAI_PORT } from '../playwright.config';
import { expect, test } from './fixtures';
import { startHost, stopHost } from './own-host';

const HOST_PORT = E2E_PORT + 1100;

/** An mcp.json whose one stdio server leaves `marker` behind when it starts. */
function markingConfig(file: string, marker: string): string {
  // It stays up until its host goes (its stdin ends), whether or not the host stopped it.
  const script = 'require("fs").writeFileSync(process.argv[1], "started"); process.stdin.on("end", () => process.exit(0)).resume()';
  writeFileSync(file, JSON.stringify({ mcpServers: { marker: { command: process.execPath, args: ['-e', script, marker] } } }));
  return file;
}

/** Runs a host to its exit; its exit code and what it printed. */
function runHost(port: number, dataDir: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../out/main/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_OPENAI_PORT}/v1`, ENABLE_TRACING: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

test('a second host on the same data folder, or on a busy port, exits before starting any MCP server', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'host-process-e2e-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'host-process-e2e-'));
  const first = await startHost(HOST_PORT, dataDir);
  let control: Awaited<ReturnType<typeof startHost>> | null = null;
  try {
    const sameFolder = join(elsewhere, 'same-folder-started');
    const second = await runHost(HOST_PORT + 1, dataDir, { MCP_CONFIG: markingConfig(join(elsewhere, 'same-folder.json'), sameFolder) });
    expect(second.code).toBe(1);
    expect(second.output).toContain(`The data folder ${dataDir} is in use by process ${first.process.pid}`);
    expect(second.output).not.toContain('MCP servers:');

    const busyPort = join(elsewhere, 'busy-port-started');
    const third = await runHost(HOST_PORT, join(elsewhere, 'data'), { MCP_CONFIG: markingConfig(join(elsewhere, 'busy-port.json'), busyPort) });
    expect(third.code).toBe(1);
    expect(third.output).toContain(`Port ${HOST_PORT} is in use`);
    expect(third.output).not.toContain('MCP servers:');

    // The same servers start for a host with a folder and a port of its own; by then the refused ones' would have too.
    const started = join(elsewhere, 'control-started');
    control = await startHost(HOST_PORT + 1, join(elsewhere, 'control'), { MCP_CONFIG: markingConfig(join(elsewhere, 'control.json'), started) });
    await expect.poll(() => existsSync(started)).toBe(true);
    expect([existsSync(sameFolder), existsSync(busyPort)]).toEqual([false, false]);
  } finally {
    if (control) await stopHost(control);
    await stopHost(first);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a host stopped with SIGTERM leaves no MCP program behind, not even one that ignores its stdin ending and SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'host-process-e2e-'));
  const pidFile = join(dataDir, 'stubborn.pid');
  // Writes its pid, then ignores everything short of SIGKILL.
  const script = 'process.on("SIGTERM", () => {}); process.stdin.resume(); require("fs").writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)';
  writeFileSync(join(dataDir, 'mcp.json'), JSON.stringify({ mcpServers: { stubborn: { command: process.execPath, args: ['-e', script, pidFile] } } }));
  const host = await startHost(HOST_PORT + 2, dataDir);
  try {
    await expect.poll(() => existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(pid)).toBe(true);
    await stopHost(host);
    expect(isRunning(pid)).toBe(false);
  } finally {
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Alive: signalable and, where /proc tells, not a zombie (killed, waiting only to be reaped by whoever adopted it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
