import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_PORT } from '../playwright.config';
import { configureProviders, expect, launchChromium, sendText, test } from './fixtures';
import { startHost, stopHost } from './own-host';

/** A host of this spec's own, beside the suite's (and another run's, which has its own E2E_PORT). */
const HOST_PORT = E2E_PORT + 1000;

/** The conversation files in the data folder, each as its lines (without times). */
function conversationFiles(dataDir: string): Record<string, unknown>[][] {
  const dir = join(dataDir, 'history');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) =>
      readFileSync(join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const { at: _at, id: _id, ...rest } = JSON.parse(line) as Record<string, unknown>;
          return rest;
        }),
    );
}

test('conversations are kept, listed, reopened and deleted, and survive a restart of the host', async ({ app }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'history-e2e-'));
  let host = await startHost(HOST_PORT, dataDir);
  try {
    await app.goto(host.link);
    const status = app.getByRole('status');
    await expect(status).toHaveText('Idle');
    await sendText(app, 'Remember the blue umbrella');
    await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant')).toContainText('You said: Remember the blue umbrella');
    // The turn is over once its reply has played: only then is nothing of it still to be written.
    await expect(status).toHaveText('Idle');

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
    await expect(saved.locator('.entry-user')).toHaveCount(1);
    await expect(saved.locator('.entry-assistant')).toHaveCount(1);
    await expect(saved).not.toContainText('(interrupted)');

    await app.getByRole('button', { name: 'Delete this conversation' }).click();
    await expect(app.getByText('No conversations yet.')).toBeVisible();
  } finally {
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// A browser page of the spec's own host on either target: what is tested is the host's session ending with its page.
test('a reply cut short by closing the page is kept once, marked interrupted, after the message it answers', async () => {
  const reply = 'This reply goes on for a long while. '.repeat(6);
  await configureProviders({ reply, ttsMsPerChar: 60, ttsRealtimeFactor: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), 'history-e2e-'));
  const host = await startHost(HOST_PORT, dataDir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(host.link);
    await sendText(page, 'Tell me a long story');
    await expect(page.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant')).toContainText('This reply goes on');
    await page.close();

    // The session ends when the host sees the page go: the conversation's file is then closed.
    await expect.poll(() => conversationFiles(dataDir).map((lines) => lines.at(-1)?.type), { timeout: 15_000 }).toEqual(['end']);
    const [lines] = conversationFiles(dataDir);
    expect(lines!.map((line) => (line.type === 'entry' ? `${String(line.role)}${line.interrupted ? ' (interrupted)' : ''}` : line.type))).toEqual([
      'start',
      'user',
      'assistant (interrupted)',
      'end',
    ]);
    expect(lines![1]).toMatchObject({ text: 'Tell me a long story' });
    // As far as it was heard (or shown, when none of it was heard yet).
    const kept = String(lines![2]!.text);
    expect(kept.length).toBeGreaterThan(0);
    expect(reply.startsWith(kept)).toBe(true);
  } finally {
    await browser.close();
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('older conversations are listed on request; a conversation longer than a page opens at once, and Load more brings the rest', async ({ app }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'history-e2e-'));
  const id = '6f2b6c1e-0000-4000-8000-000000001200';
  const at = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const lines = [{ type: 'start', id, at }, ...Array.from({ length: 1_200 }, (_, i) => ({ type: 'entry', at, role: i % 2 ? 'assistant' : 'user', text: `Line number ${i + 1}` })), { type: 'end', at }];
  mkdirSync(join(dataDir, 'history'));
  writeFileSync(join(dataDir, 'history', `${id}.jsonl`), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  // 200 newer conversations: the long one is past the first page of the list.
  for (let n = 1; n <= 200; n++) {
    const newer = `6f2b6c1e-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const later = new Date(Date.UTC(2026, 0, 2) + n * 60_000).toISOString();
    const file = [{ type: 'start', id: newer, at: later }, { type: 'entry', at: later, role: 'user', text: `Newer ${n}` }, { type: 'end', at: later }];
    writeFileSync(join(dataDir, 'history', `${newer}.jsonl`), file.map((line) => `${JSON.stringify(line)}\n`).join(''));
  }
  const host = await startHost(HOST_PORT, dataDir);
  try {
    await app.goto(host.link);
    await app.getByRole('button', { name: 'History' }).click();
    const list = app.getByRole('dialog', { name: 'History' }).getByRole('list', { name: 'Saved conversations' });
    await expect(list.getByRole('listitem')).toHaveCount(200);
    await expect(app.getByText('200 of 201 conversations shown')).toBeVisible();
    await app.getByRole('button', { name: 'Show older conversations' }).click();
    await expect(list.getByRole('listitem')).toHaveCount(201);
    await list.getByRole('button', { name: /Line number 1\b/ }).click();
    const saved = app.getByRole('log', { name: 'Saved conversation' });
    await expect(saved.locator('.entry')).toHaveCount(500);
    await expect(app.getByText('500 of 1200 messages shown')).toBeVisible();
    await app.getByRole('button', { name: 'Load more' }).click();
    await expect(saved.locator('.entry')).toHaveCount(1_000);
    await app.getByRole('button', { name: 'Load more' }).click();
    await expect(saved.locator('.entry')).toHaveCount(1_200);
    await expect(saved.locator('.entry').last()).toContainText('Line number 1200');
    await expect(app.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  } finally {
    await stopHost(host);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
