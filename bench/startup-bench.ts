/** Cold start of the headless host: process spawn -> a session is open (welcome received). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { freePort } from '../electron/agent/testing/ports';
import { ROOT } from './harness';
import { figure, type Figure } from './stats';

async function once(): Promise<number> {
  const port = await freePort();
  const start = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'out/main/server.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ENABLE_TRACING: 'false' },
    stdio: 'ignore',
  });
  try {
    const origin = `http://127.0.0.1:${port}`;
    for (;;) {
      if (performance.now() - start > 15_000) throw new Error('the host did not start within 15 s');
      const welcomed = await new Promise<boolean>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: origin } });
        socket.once('message', () => {
          socket.close();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (welcomed) return performance.now() - start;
      await sleep(5);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export async function startupBench(reps: number): Promise<Figure[]> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  return [figure('startup_headless_ready_ms', 'ms', times, 1_500, { note: 'spawn `node out/main/server.js` -> WebSocket session greeted' })];
}
