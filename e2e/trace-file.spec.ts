import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { audit } from './audit';
import { accessLink, configureProviders, expect, launchChromium, resetCollector, sendText, runsHere, setTracing, test } from './fixtures';

const FRESH_PAGE_ONLY_ON_WEB = "it saves the page's Download trace and opens it in a fresh browser page; in the desktop window a download goes through Electron's save dialog, which the test cannot drive";

const cells = async (row: Locator) => (await row.getByRole('cell').allTextContents()).map((t) => t.trim());

/** The turns table, once it shows as many turns as the chosen conversation has. */
async function turnsTable(dialog: Locator): Promise<string[][]> {
  const chosen = dialog.getByRole('list', { name: 'Conversations' }).getByRole('button', { pressed: true });
  const count = chosen.locator('.history-count');
  await expect(count).toHaveText(/^\d+ turns?$/);
  const turns = Number.parseInt((await count.textContent())!, 10);
  const rows = dialog.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: dialog.page().getByRole('cell') });
  await expect(rows).toHaveCount(turns);
  return Promise.all((await rows.all()).map(cells));
}

async function typedTurn(app: Page, text: string): Promise<void> {
  await sendText(app, text);
  await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last()).toContainText(`You said: ${text}`, { timeout: 15_000 });
  await expect(app.getByRole('status')).toHaveText(/Idle|Listening/, { timeout: 15_000 });
}

test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

test('a downloaded trace opens again in a fresh page, marked (from file), with the same turns; a bad file gets an alert', async ({ app, baseURL }, testInfo) => {
  // The trace file code is the renderer's, the same in the desktop window: target web covers it.
  test.skip(!runsHere(testInfo, FRESH_PAGE_ONLY_ON_WEB), FRESH_PAGE_ONLY_ON_WEB);
  await resetCollector();
  await configureProviders({});
  await setTracing(app, true);
  // One conversation (typed turns outside one are traces of their own): the spoken turns the microphone makes, and typed ones.
  await app.getByRole('button', { name: 'Start conversation' }).click();
  await typedTurn(app, 'first typed question');
  await typedTurn(app, 'second typed question');
  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(app.getByRole('status')).toHaveText('Idle');

  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  const listed = dialog.getByRole('list', { name: 'Conversations' }).getByRole('button');
  const download = dialog.getByRole('button', { name: 'Download trace' });
  await expect(download).toBeEnabled();
  const liveTurns = await turnsTable(dialog);
  expect(liveTurns.length).toBeGreaterThanOrEqual(2);
  expect(liveTurns.filter((row) => row[1] === 'text')).toHaveLength(2);
  const count = `${liveTurns.length} turns`;
  await expect(listed.first()).toContainText(count);
  const [saved] = await Promise.all([app.waitForEvent('download'), download.click()]);
  const path = testInfo.outputPath(saved.suggestedFilename());
  await saved.saveAs(path);
  const spans = (JSON.parse(readFileSync(path, 'utf8')) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)).length;
  // About a kilobyte a span: the store's longest conversation fits the open limit.
  expect(statSync(path).size / spans).toBeLessThan(1_600);
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  // A fresh page (a new browser context: nothing of the first page's state).
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto(await accessLink(baseURL ?? '/'));
    await page.getByRole('button', { name: 'Traces', exact: true }).click();
    const fresh = page.getByRole('dialog', { name: 'Traces' });
    const open = fresh.getByRole('button', { name: 'Open trace file' });
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), open.click()]);
    await chooser.setFiles(path);

    const fromFile = fresh.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /\(from file\)/ });
    await expect(fromFile).toHaveCount(1);
    await expect(fromFile).toHaveAttribute('aria-pressed', 'true');
    await expect(fromFile).toContainText(count);
    // Focus lands on the opened conversation.
    await expect(fromFile).toBeFocused();
    await expect(fresh.getByText(`from ${saved.suggestedFilename()}`)).toBeVisible();
    expect(await turnsTable(fresh)).toEqual(liveTurns);
    // Nothing of a file is exported again or sent anywhere.
    await expect(fresh.getByRole('button', { name: 'Download trace' })).toHaveCount(0);
    // Its turns open their waterfalls like live ones.
    const firstRow = fresh.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: page.getByRole('cell') }).first();
    await firstRow.focus();
    await page.keyboard.press('Enter');
    await expect(fresh.getByRole('heading', { name: /^Turn 1: spans$/ })).toBeVisible();
    await expect(fresh.getByRole('list', { name: 'Spans' }).getByRole('button', { name: /^(chat|speech_to_text) / }).first()).toBeVisible();
    const shot = testInfo.outputPath('trace-file.png');
    await fresh.screenshot({ path: shot });
    await testInfo.attach('trace file opened', { path: shot, contentType: 'image/png' });

    // A file that is not OTLP/JSON: an alert says what is wrong, and nothing else changes.
    const bad = testInfo.outputPath('not-a-trace.json');
    writeFileSync(bad, JSON.stringify({ resourceMetrics: [] }));
    const [again] = await Promise.all([page.waitForEvent('filechooser'), open.click()]);
    await again.setFiles(bad);
    await expect(fresh.getByRole('alert')).toHaveText('not-a-trace.json cannot be opened: not OTLP/JSON trace data: it holds no "resourceSpans" (an OTLP trace export request does).');
    await expect(fromFile).toHaveCount(1);
    await expect(fromFile).toHaveAttribute('aria-pressed', 'true');
    await expect(fresh.getByRole('heading', { name: /^Turn 1: spans$/ })).toBeVisible();
    await fresh.screenshot({ path: testInfo.outputPath('trace-file-alert.png') });
    expect(await audit(page, 'Traces, a file opened and a bad one refused')).toEqual([]);

    // With tracing off, the live conversations go and the file's stays.
    await fresh.getByRole('button', { name: 'Close traces' }).click();
    await setTracing(page, false);
    await page.getByRole('button', { name: 'Traces', exact: true }).click();
    await expect(fresh.getByText('Tracing is off')).toBeVisible();
    await expect(fresh.getByRole('list', { name: 'Conversations' }).getByRole('button')).toHaveCount(1);
    await expect(fromFile).toHaveAttribute('aria-pressed', 'true');
    expect(await turnsTable(fresh)).toEqual(liveTurns);
    await context.close();
  } finally {
    await browser.close();
  }
});
