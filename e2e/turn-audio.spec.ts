/**
 * Turn audio end to end: a spoken turn with Keep turn audio on is recorded
 * by main, plays from the Traces dialog and downloads as one FLAC whose
 * lanes are what was said and what was heard; with the switch off a turn
 * says so.
 */
import { readFileSync } from 'node:fs';
import { decodeFlac } from '../electron/agent/turn-audio/flac';
import { configureProviders, expect, resetCollector, sendText, setSettingsSwitch, runsHere, setTracing, speakOneTurn, test, turnAudio } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });

test.afterEach(async ({ app }) => {
  await setSettingsSwitch(app, 'Keep turn audio', false);
  await setTracing(app, false);
});

const DOWNLOAD_ONLY_ON_WEB = "in the desktop window a download goes through Electron's save dialog, which the test cannot drive; the file itself is the same one Play fetched";
const rms = (samples: Float32Array) => Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / Math.max(1, samples.length));

test('a spoken turn kept with Keep turn audio plays from the Traces dialog and downloads as one file of both lanes; with the switch off a turn says so', async ({ app }, testInfo) => {
  await resetCollector();
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  await setTracing(app, true);
  await setSettingsSwitch(app, 'Keep turn audio', true);

  // Ended once the reply has been heard: its playback is part of the turn's audio.
  await speakOneTurn(app);

  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  const { row: turnRow, play, pause, position, lanes, playhead } = turnAudio(dialog, 1);
  await turnRow.click();

  // Both lanes, from main's recording: what the user said, and the reply as it played after it.
  await expect(lanes).toContainText(/You: \d+\.\d–\d+\.\d s/, { timeout: 10_000 });
  await expect(lanes).toContainText(/Assistant: \d+\.\d–\d+\.\d s/);

  // It plays: Pause while it does, a playhead moving on the turn's axis, then to the end.
  const leftAtStart = await playhead.evaluate((e) => (e as HTMLElement).style.left);
  await play.click();
  await expect(pause).toBeVisible();
  await expect(position).toHaveText(/^Playing from /);
  await expect.poll(() => playhead.evaluate((e) => (e as HTMLElement).style.left)).not.toBe(leftAtStart);
  await expect(position).toHaveText('Played to the end', { timeout: 20_000 });
  await expect(play).toBeVisible();

  // Choosing the speech-to-text span moves playback to its start.
  const stt = dialog.getByRole('list', { name: 'Spans' }).getByRole('button', { name: /^speech_to_text/ });
  await stt.click();
  await expect(position).toHaveText(/^Paused at \d+\.\d s$/);
  // The lanes and the spans, the playhead at the span chosen (its details below are left out).
  const shot = testInfo.outputPath('turn-audio.png');
  const fall = (await dialog.locator('.traces-waterfall').boundingBox())!;
  const details = (await dialog.locator('.span-details').boundingBox())!;
  await app.screenshot({ path: shot, clip: { x: fall.x, y: fall.y, width: fall.width, height: details.y - fall.y } });
  await testInfo.attach('a spoken turn with its audio', { path: shot, contentType: 'image/png' });

  // Download audio: one stereo FLAC, the user's voice on the first channel, the reply on the second.
  const download = dialog.getByRole('button', { name: 'Download audio (turn 1)' });
  if (runsHere(testInfo, DOWNLOAD_ONLY_ON_WEB, 'the download step skipped')) {
    const [file] = await Promise.all([app.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^audio-[0-9a-f]{32}-turn-1\.flac$/);
    const bytes = readFileSync(await file.path());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('fLaC');
    const decoded = await decodeFlac(new Uint8Array(bytes));
    expect(decoded.channels).toHaveLength(2);
    expect(decoded.channels[0]!.length / decoded.sampleRate).toBeGreaterThan(1);
    expect(rms(decoded.channels[0]!)).toBeGreaterThan(0.005);
    expect(rms(decoded.channels[1]!)).toBeGreaterThan(0.005);
  } else {
    await expect(download).toBeEnabled();
  }
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  // The switch off: a typed turn keeps nothing, and says why.
  const log = app.getByRole('log', { name: 'Conversation' });
  await setSettingsSwitch(app, 'Keep turn audio', false);
  await app.getByRole('button', { name: 'Start conversation' }).click();
  await sendText(app, 'typed question');
  await expect(log.locator('.entry-assistant', { hasText: 'You said: typed question' })).toBeVisible({ timeout: 15_000 });
  await expect(app.getByRole('status')).toHaveText('Listening', { timeout: 15_000 });
  await app.getByRole('button', { name: 'End conversation' }).click();
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  await expect(dialog.getByRole('list', { name: 'Conversations' }).getByRole('button').first()).toHaveAttribute('aria-pressed', 'true');
  await dialog.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: app.getByRole('cell') }).first().click();
  await expect(dialog.getByRole('region', { name: /^Turn \d+ audio$/ })).toHaveText('No audio: audio capture was off');
  await dialog.getByRole('button', { name: 'Close traces' }).click();
});
