/** A headless host of a test's own (its own port, data folder and environment), for tests that restart or reconfigure it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { FAKE_OPENAI_PORT } from '../playwright.config';

export function startHost(port: number, dataDir: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../out/main/server.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_OPENAI_PORT}/v1`,
      OPENAI_API_KEY: '',
      ENABLE_TRACING: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host exited (${code})`)));
    child.stdout!.on('data', (data: Buffer) => {
      if (data.toString().includes('is running at')) resolve(child);
    });
  });
}

export function stopHost(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
