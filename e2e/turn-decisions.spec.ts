import { writeFileSync } from 'node:fs';
import { audit } from './audit';
import { decisionsTraceFile } from './decisions-trace';
import { expect, test } from './fixtures';

test("a turn's decisions on its time axis, said in words, and the summary's turn-taking figures", async ({ app }, testInfo) => {
  const path = testInfo.outputPath('trace-decisions.json');
  writeFileSync(path, decisionsTraceFile());
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  const [chooser] = await Promise.all([app.waitForEvent('filechooser'), dialog.getByRole('button', { name: 'Open trace file' }).click()]);
  await chooser.setFiles(path);
  await expect(dialog.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /\(from file\)/ })).toHaveAttribute('aria-pressed', 'true');

  const summary = dialog.getByRole('region', { name: 'Summary' });
  await expect(summary.getByRole('definition').filter({ hasText: /^520 ms \/ 520 ms/ })).toBeVisible();
  await expect(summary.getByText('1 confirmed, 1 resumed')).toBeVisible();

  // The keyboard reaches the turn like any other; its decisions are a list a screen reader reads.
  const first = dialog.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: app.getByRole('cell') }).first();
  await first.focus();
  await app.keyboard.press('Enter');
  const decisions = dialog.getByRole('list', { name: 'Decisions on the time axis' }).getByRole('listitem');
  await expect(decisions).toHaveText([
    /\+1400 ms End of speech \(silence window 500 ms\)/,
    /\+1920 ms Turn confirmed: the silence window elapsed, 520 ms after the end of speech/,
    /\+2810 ms First audio playing/,
    /\+3600 ms Interruption detected/,
    /\+3840 ms Interruption resumed: a false interruption, playback went on \(overlap 240 ms\)/,
    /\+4300 ms Interruption detected/,
    /\+4920 ms Interruption confirmed: the reply stopped \(overlap 620 ms\)/,
    /Silence window waited: 520 ms/,
  ]);
  await expect(dialog.locator('.decision-mark')).toHaveCount(7);
  const shot = testInfo.outputPath('trace-decisions.png');
  await dialog.locator('.traces-waterfall').screenshot({ path: shot });
  await testInfo.attach('turn decisions', { path: shot, contentType: 'image/png' });
  await app.screenshot({ path: testInfo.outputPath('trace-decisions-dialog.png'), fullPage: true });
  expect(await audit(app, 'Traces, a turn with its decisions')).toEqual([]);
});
