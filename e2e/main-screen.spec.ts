/**
 * The main screen is for talking: its footer holds the state and a level
 * meter; the audio figures are in Traces -> Diagnostics, and move there while
 * a spoken turn runs; a failed reply is said once, in the conversation.
 */
import { closeDiagnostics, figure, openDiagnostics } from './diagnostics';
import { configureProviders, expect, sendText, test } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });

test('the footer shows the state and a level meter; the figures are in Diagnostics and move during a spoken turn', async ({ app }) => {
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  const footer = app.getByRole('contentinfo');
  const status = footer.getByRole('status');
  const meter = footer.getByRole('meter', { name: 'Microphone level' });
  await expect(status).toHaveText('Idle');
  await expect(meter).toBeVisible();
  await expect(meter).toHaveAttribute('aria-valuetext', 'microphone off');
  for (const label of ['Frames received', 'Peak', 'Voiced', 'Dynamics', 'Longest utterance', 'Played']) await expect(footer.getByText(label)).toHaveCount(0);

  // Before any conversation: nothing received or played yet.
  let diagnostics = await openDiagnostics(app);
  await expect(diagnostics.getByTestId('frames-received')).toHaveText('0');
  await expect(diagnostics.getByTestId('played')).toHaveText('0.0 s');
  await expect(diagnostics.getByTestId('peak')).toHaveText('–');
  await expect(diagnostics).toContainText('Microphone: not in use');
  await closeDiagnostics(app);

  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(status).toHaveText('Listening');
  // The meter follows the microphone (speech in the fake capture reaches it).
  await expect(meter).toHaveAttribute('aria-valuetext', /^-?\d+ dBFS$/);

  // Diagnostics stays open through the first spoken turn: its figures move as it runs.
  diagnostics = await openDiagnostics(app);
  await expect(diagnostics).not.toContainText('Microphone: not in use');
  await expect.poll(() => figure(diagnostics, 'frames-received'), { timeout: 20_000 }).toBeGreaterThan(0);
  const framesBefore = await figure(diagnostics, 'frames-received');
  await expect.poll(() => figure(diagnostics, 'frames-received'), { timeout: 20_000 }).toBeGreaterThan(framesBefore);
  await expect.poll(() => figure(diagnostics, 'voiced'), { timeout: 20_000 }).toBeGreaterThan(0.3);
  await expect.poll(() => figure(diagnostics, 'peak'), { timeout: 20_000 }).toBeGreaterThan(-30);
  await expect.poll(() => figure(diagnostics, 'longest-voiced'), { timeout: 20_000 }).toBeGreaterThan(0.3);
  // The reply to "Hello there." is spoken, and what played is counted.
  await expect.poll(() => figure(diagnostics, 'chunks-sent'), { timeout: 20_000 }).toBeGreaterThan(0);
  await expect.poll(() => figure(diagnostics, 'played'), { timeout: 20_000 }).toBeGreaterThan(0);
  await closeDiagnostics(app);
  await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').first()).toContainText('You said: Hello there.');

  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(status).toHaveText('Idle');
  await expect(meter).toHaveAttribute('aria-valuetext', 'microphone off');
});

test('a failed reply is said once, in the conversation; the status bar shows only the state', async ({ app }) => {
  const serverError = { kind: 'status', status: 500 };
  await configureProviders({ faults: { chat: [serverError, serverError, serverError, serverError] } });
  const log = app.getByRole('log', { name: 'Conversation' });
  const status = app.getByRole('status');
  await sendText(app, 'This reply fails');
  await expect(log.locator('.entry-error')).toContainText('The language model failed on the server');
  await expect(status).toHaveText('Error');
  await expect(app.getByText(/The language model failed on the server/)).toHaveCount(1);

  // The next turn works, and the state says so.
  await configureProviders({});
  await sendText(app, 'And this one works');
  await expect(log.locator('.entry-assistant', { hasText: 'You said: And this one works' })).toBeVisible();
  await expect(status).toHaveText('Idle');
  await expect(app.getByText(/The language model failed on the server/)).toHaveCount(1);
});
