import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_OPENAI_PORT } from '../playwright.config';
import { expect, test } from './fixtures';

const HOST_PORT = 5197;

/** A host of its own, so that the test can restart it. */
function startHost(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../out/main/server.js')], {
    env: { ...process.env, PORT: String(HOST_PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_OPENAI_PORT}/v1`, OPENAI_API_KEY: '', ENABLE_TRACING: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host exited (${code})`)));
    child.stdout!.on('data', (data: Buffer) => {
      if (data.toString().includes('is running at')) resolve(child);
    });
  });
}

function stopHost(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

test('conversations are kept, listed, reopened and deleted, and survive a restart of the host', async ({ app }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'history-e2e-'));
  let host = await startHost(dataDir);
  try {
    await app.goto(`http://127.0.0.1:${HOST_PORT}/`);
    const message = app.getByRole('textbox', { name: 'Message' });
    await message.fill('Remember the blue umbrella');
    await message.press('Enter');
    await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant')).toContainText('You said: Remember the blue umbrella');

    await stopHost(host);
    host = await startHost(dataDir);
    await app.reload();

    await app.getByRole('button', { name: 'History' }).click();
    const dialog = app.getByRole('dialog', { name: 'History' });
    const list = dialog.getByRole('list', { name: 'Saved conversations' });
    await expect(list.getByRole('button', { name: /Remember the blue umbrella/ })).toBeVisible();
    await list.getByRole('button', { name: /Remember the blue umbrella/ }).click();
    const saved = app.getByRole('log', { name: 'Saved conversation' });
    await expect(saved).toContainText('Remember the blue umbrella');
    await expect(saved).toContainText('You said: Remember the blue umbrella');

    await app.getByRole('button', { name: 'Delete this conversation' }).click();
    await expect(app.getByText('No conversations yet.')).toBeVisible();
  } finally {
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
