import { closeDiagnostics, figure, openDiagnostics, readFigure } from './diagnostics';
import { expect, sendText, test } from './fixtures';

test('speech from the microphone reaches main, and playback from main runs', async ({ app }) => {
  const status = app.getByRole('status');
  await expect(status).toHaveText('Idle');
  await expect(app.getByRole('log', { name: 'Conversation' })).toBeVisible();

  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(app.getByRole('button', { name: 'End conversation' })).toBeVisible();
  await expect(status).toHaveText('Listening');

  // Three seconds of audio cover the whole spoken sentence at least once.
  const diagnostics = await openDiagnostics(app);
  await expect.poll(() => figure(diagnostics, 'frames-received'), { timeout: 20_000 }).toBeGreaterThan(150);
  await expect.poll(() => figure(diagnostics, 'voiced'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1.0);
  expect(await figure(diagnostics, 'peak')).toBeGreaterThan(-30);
  // Speech, not Chromium's default beep (20 ms tone bursts whose echo dies
  // within ~0.2 s): words run for half a second and more, and their level
  // rises and falls by syllable.
  expect(await figure(diagnostics, 'longest-voiced')).toBeGreaterThanOrEqual(0.5);
  expect(await figure(diagnostics, 'dynamics')).toBeGreaterThanOrEqual(3);
  await closeDiagnostics(app);

  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(app.getByRole('button', { name: 'Start conversation' })).toBeVisible();
  await expect(status).toHaveText('Idle');
  const frames = await readFigure(app, 'frames-received');

  // Output: a test sound sent from main plays through the worklet and is reported back.
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('button', { name: 'Play test sound' }).click();
  await expect(status).toHaveText('Speaking');
  await expect(status).toHaveText('Idle');
  await expect.poll(async () => Number.parseFloat((await dialog.getByTestId('output-played').textContent())?.replace(/[^\d.]/g, '') ?? '0')).toBeGreaterThan(0.5);
  await app.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // No frames are counted once the conversation has ended.
  expect(await readFigure(app, 'frames-received')).toBe(frames);
});

test('a typed message goes through the pipeline and the reply is shown', async ({ app }) => {
  await sendText(app, 'Hello from the keyboard');
  const log = app.getByRole('log', { name: 'Conversation' });
  await expect(log).toContainText('Hello from the keyboard');
  await expect(app.getByRole('textbox', { name: 'Message' })).toHaveValue('');
  await expect(log.locator('.entry-assistant')).toContainText('You said: Hello from the keyboard');
  // The reply is spoken too: the client plays it and reports back.
  const diagnostics = await openDiagnostics(app);
  await expect.poll(() => figure(diagnostics, 'played'), { timeout: 15_000 }).toBeGreaterThan(0);
  await closeDiagnostics(app);
});
