/** A headless host of a test's own (its own port, data folder and environment), for tests that restart or reconfigure it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { FAKE_OPENAI_PORT } from '../playwright.config';
import { accessLinkIn } from '../electron/agent/testing/sign-in';

export interface OwnHost {
  process: ChildProcess;
  /** The access link the host printed: open it (it carries the token) to get in. */
  link: string;
}

export function startHost(port: number, dataDir: string, env: Record<string, string> = {}): Promise<OwnHost> {
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
    let output = '';
    child.once('exit', (code) => reject(new Error(`host exited (${code})`)));
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const link = accessLinkIn(output);
      if (link) resolve({ process: child, link });
    });
  });
}

export function stopHost({ process: child }: OwnHost): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
