import { readFigure } from './diagnostics';
import { configureProviders, expect, providerRequests, test } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });

test('two spoken utterances become two turns with spoken replies', async ({ app }) => {
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  const log = app.getByRole('log', { name: 'Conversation' });
  await app.getByRole('button', { name: 'Start conversation' }).click();

  const user = log.locator('.entry-user');
  const assistant = log.locator('.entry-assistant');
  await expect(user.nth(0)).toHaveText(/Hello there\./, { timeout: 20_000 });
  await expect(assistant.nth(0)).toContainText('You said: Hello there.');
  await expect(user.nth(1)).toContainText('What is the weather like in Paris today?', { timeout: 20_000 });
  await expect(assistant.nth(1)).toContainText('You said: What is the weather like in Paris today?');
  await expect(app.getByRole('status')).toHaveText('Listening');

  // What reached the speech-to-text server was each utterance, not the whole stream.
  const { requests } = await providerRequests();
  const uploads = requests.filter((r) => r.endpoint === 'transcriptions');
  expect(uploads.length).toBeGreaterThanOrEqual(2);
  const chats = requests.filter((r) => r.endpoint === 'chat');
  const second = chats[1]!.body.messages as { role: string; content: string }[];
  expect(second.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  await app.getByRole('button', { name: 'End conversation' }).click();
});

test('speaking over the reply interrupts it: playback stops and the reply is cut', async ({ app }) => {
  // A long reply (0.2 s of speech per character), streamed in real time like
  // a real TTS server, that the second utterance interrupts.
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 200, ttsRealtimeFactor: 1 });
  const log = app.getByRole('log', { name: 'Conversation' });
  const status = app.getByRole('status');
  await app.getByRole('button', { name: 'Start conversation' }).click();

  await expect(status).toHaveText('Speaking', { timeout: 20_000 });
  await expect(log.locator('.entry-interrupted')).toBeVisible({ timeout: 20_000 });
  await expect(status).not.toHaveText('Speaking');
  const played = await readFigure(app, 'played');
  // The first reply is about 9 s long; it was stopped after a fraction of that.
  expect(played).toBeGreaterThan(0);
  expect(played).toBeLessThan(6);

  // The interrupted reply keeps only what was heard, and the next turn goes on.
  await expect(log.locator('.entry-user').nth(1)).toContainText('What is the weather like in Paris today?', { timeout: 20_000 });
  // The speech request that was still streaming was cancelled, not left running.
  const { requests } = await providerRequests();
  expect(requests.filter((r) => r.endpoint === 'speech').some((r) => r.aborted)).toBeTruthy();
  await app.getByRole('button', { name: 'End conversation' }).click();
});
