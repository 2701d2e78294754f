/** Cold start of the headless host: process spawn -> a session is open (welcome received). */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { freePort } from '../electron/agent/testing/ports';
import { accessLinkIn, signIn } from '../electron/agent/testing/sign-in';
import { ROOT } from './harness';
import { figure, type Figure } from './stats';

async function once(): Promise<number> {
  const port = await freePort();
  // A data folder of its own: the host locks its folder, and a cold start keeps no token from the last run.
  const dataDir = await mkdtemp(join(tmpdir(), 'startup-bench-'));
  const start = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'out/main/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ENABLE_TRACING: 'false' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    // In as a user gets in: the link the host prints, then its cookie.
    const link = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString();
        const found = accessLinkIn(output);
        if (found) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`the host exited (${code}) before printing its link`)));
      setTimeout(() => reject(new Error('the host did not start within 15 s')), 15_000).unref();
    });
    const access = await signIn(link);
    const welcomed = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(access.ws, { headers: { Origin: access.origin, cookie: access.cookie } });
      socket.once('message', () => {
        socket.close();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!welcomed) throw new Error('the host refused the session');
    return performance.now() - start;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function startupBench(reps: number): Promise<Figure[]> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  return [figure('startup_headless_ready_ms', 'ms', times, 1_500, { note: 'spawn `node out/main/server.js` -> its printed link opened -> WebSocket session greeted' })];
}
