import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { startHost, stopHost } from './own-host';

const HOST_PORT = 5197;

test('conversations are kept, listed, reopened and deleted, and survive a restart of the host', async ({ app }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'history-e2e-'));
  let host = await startHost(HOST_PORT, dataDir);
  try {
    await app.goto(`http://127.0.0.1:${HOST_PORT}/`);
    const message = app.getByRole('textbox', { name: 'Message' });
    await message.fill('Remember the blue umbrella');
    await message.press('Enter');
    await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant')).toContainText('You said: Remember the blue umbrella');

    await stopHost(host);
    host = await startHost(HOST_PORT, dataDir);
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
