/**
 * The viewer's side of turn audio, against main's answers to its audio
 * requests as the test sets them (a turn kept, or not and why; its file, one
 * that is not audio, a refusal), played on the page's WebSocket, while the
 * rest of the conversation and its spans come from the real host.
 */
import { readFileSync } from 'node:fs';
import type { WebSocketRoute } from '@playwright/test';
import { encodeFlac } from '../electron/agent/turn-audio/flac';
import { audit } from './audit';
import { configureProviders, expect, resetCollector, setTracing, runsHere, speakOneTurn, test, turnAudio } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });

const WEB_ONLY = "main's turn audio answers are played by the test on the page's WebSocket; the desktop window talks to main over IPC, which the test cannot stand in for";
const RATE = 16_000;
const PAGE_BYTES = 45 * 1024;

/** Where each lane has sound (ms from the file's start), and the file: a tone where each lane sounds. */
const SEGMENTS = [
  { lane: 'user', offsetMs: 0, durationMs: 1_400 },
  { lane: 'assistant', offsetMs: 1_800, durationMs: 1_000 },
  { lane: 'user', offsetMs: 2_400, durationMs: 300 },
] as const;
const DURATION_MS = 3_000;
/** The file starts this long before the turn span (speech's pre-roll). */
const PRE_ROLL_MS = 200;

/** The file as main makes it (the app's own FLAC encoder). */
async function turnFlac(): Promise<Buffer> {
  const channel = (lane: string, hz: number) => {
    const samples = new Int16Array((RATE * DURATION_MS) / 1_000);
    for (const s of SEGMENTS.filter((seg) => seg.lane === lane)) {
      for (let i = (s.offsetMs * RATE) / 1_000; i < ((s.offsetMs + s.durationMs) * RATE) / 1_000; i++) samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * hz * i) / RATE));
    }
    return samples;
  };
  return Buffer.from(await encodeFlac([channel('user', 440), channel('assistant', 660)], RATE));
}

/** What main answers to the page's turn audio requests, as the test sets it. */
interface AudioStandIn {
  turn1: { kept: true } | { kept: false; reason: string };
  file: Buffer | { refuse: string };
}

test('a turn with audio plays from the Traces dialog: play, pause, seek on a span, its lanes, download; no audio, and failures, are said', async ({ app }, testInfo) => {
  test.skip(!runsHere(testInfo, WEB_ONLY), WEB_ONLY);
  await resetCollector();
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  await setTracing(app, true);
  await speakOneTurn(app);

  // From here main's spans reach the page as ever; its turn audio answers are the test's.
  const flac = await turnFlac();
  const standIn: AudioStandIn = { turn1: { kept: true }, file: flac };
  let turnStartMs: number | null = null;
  await app.context().routeWebSocket(/.*/, (ws: WebSocketRoute) => {
    const server = ws.connectToServer();
    let seq = 1_000_000;
    const reply = (message: object) => ws.send(JSON.stringify({ v: 1, seq: seq++, message }));
    ws.onMessage((raw) => {
      const envelope = typeof raw === 'string' ? JSON.parse(raw) : null;
      const m = envelope?.message;
      if (m?.type === 'audio.turns') {
        const startAt = (turnStartMs ?? 0) - PRE_ROLL_MS;
        const turn = standIn.turn1.kept ? { turn: 1, kept: true, startAt, durationMs: DURATION_MS, segments: SEGMENTS } : { turn: 1, ...standIn.turn1 };
        reply({ type: 'audio.turns', ref: envelope.seq, key: m.key, turns: [turn] });
      } else if (m?.type === 'audio.read') {
        const file = standIn.file;
        if (!Buffer.isBuffer(file)) return reply({ type: 'error', code: 'invalid_state', message: file.refuse, ref: envelope.seq });
        const end = Math.min(file.length, m.from + PAGE_BYTES);
        const page = { key: m.key, turn: m.turn, mimeType: 'audio/flac', startAt: (turnStartMs ?? 0) - PRE_ROLL_MS, from: m.from, total: file.length };
        reply({ type: 'audio.data', ref: envelope.seq, ...page, data: file.subarray(m.from, end).toString('base64'), next: end < file.length ? end : null });
      } else server.send(raw);
    });
    server.onMessage((raw) => {
      const m = typeof raw === 'string' ? JSON.parse(raw).message : null;
      for (const s of m?.type === 'traces.page' ? m.spans : []) if (s.name === 'turn' && s.attributes['turn.number'] === 1) turnStartMs = s.startTime[0] * 1_000 + s.startTime[1] / 1e6;
      ws.send(raw);
    });
  });
  await app.reload();

  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  const traceId = ((await dialog.getByText(/trace [0-9a-f]{32}/).textContent()) ?? '').match(/trace ([0-9a-f]{32})/)![1]!;
  // No turn chosen: the conversation's audio.
  await expect(dialog.getByRole('button', { name: 'Download audio (conversation)' })).toBeEnabled();
  const { row: turnRow, section, play, pause, position, lanes, playhead } = turnAudio(dialog, 1);
  await turnRow.click();
  await expect(play).toBeVisible();

  // The lanes on the turn's axis, in words: the file starts 0.2 s before the turn.
  await expect(lanes).toContainText('You: 0.0–1.2 s, 2.2–2.5 s');
  await expect(lanes).toContainText('Assistant: 1.6–2.6 s');
  await expect(lanes).toContainText('Both at once (talk-over): 2.2–2.5 s');

  // Play: the button becomes Pause, and the playhead moves along the axis.
  const leftAtStart = await playhead.evaluate((e) => (e as HTMLElement).style.left);
  await play.click();
  await expect(pause).toBeVisible();
  await expect(position).toHaveText(/^Playing from /);
  await expect.poll(() => playhead.evaluate((e) => (e as HTMLElement).style.left)).not.toBe(leftAtStart);
  await pause.click();
  await expect(play).toBeVisible();
  await expect(position).toHaveText(/^Paused at \d+\.\d s$/);
  expect(await audit(app, 'Traces, a turn with audio')).toEqual([]);
  const shot = testInfo.outputPath('trace-turn-audio.png');
  await dialog.locator('.traces-waterfall').screenshot({ path: shot });
  await testInfo.attach('turn audio', { path: shot, contentType: 'image/png' });

  // Choosing a span moves playback to its start (and still chooses it).
  const stt = dialog.getByRole('list', { name: 'Spans' }).getByRole('button', { name: /^speech_to_text/ });
  const sttOffsetMs = Number((await stt.locator('.span-time').textContent())!.match(/\+(\d+) ms/)![1]);
  await stt.click();
  await expect(stt).toHaveAttribute('aria-pressed', 'true');
  await expect(position).toHaveText(`Paused at ${(sttOffsetMs / 1_000).toFixed(1)} s`);
  await expect.poll(() => section.locator('audio').evaluate((a: HTMLAudioElement) => a.currentTime)).toBeCloseTo((sttOffsetMs + PRE_ROLL_MS) / 1_000, 1);
  // Play again: from there to the end, and the button is Play again.
  await play.click();
  await expect(position).toHaveText('Played to the end', { timeout: 10_000 });
  await expect(play).toBeVisible();

  // Download audio: the chosen turn's file, as main sent it.
  const [download] = await Promise.all([app.waitForEvent('download'), dialog.getByRole('button', { name: 'Download audio (turn 1)' }).click()]);
  expect(download.suggestedFilename()).toBe(`audio-${traceId}-turn-1.flac`);
  expect(readFileSync(await download.path()).equals(flac)).toBe(true);

  // Played to the end, Play starts again from the start; closing the dialog while it plays stops it.
  await play.click();
  await expect(pause).toBeVisible();
  await expect(position).toHaveText('Playing from 0.0 s');
  await dialog.getByRole('button', { name: 'Close traces' }).click();
  await expect.poll(() => app.evaluate(() => Array.from(document.querySelectorAll('audio')).filter((a) => !a.paused).length)).toBe(0);

  // A turn without audio says why, and its download is off.
  standIn.turn1 = { kept: false, reason: 'removed' };
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  await turnRow.click();
  await expect(section).toHaveText('No audio: its audio was removed (the size limit for turn audio, or the conversation was deleted)');
  await expect(dialog.getByRole('button', { name: 'Download audio (turn 1)' })).toBeDisabled();
  expect(await audit(app, 'Traces, a turn without audio')).toEqual([]);
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  // A file that is not audio, and a refusal: an alert in the section, and the rest goes on.
  standIn.turn1 = { kept: true };
  standIn.file = Buffer.alloc(1_000, 7);
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  await turnRow.click();
  await play.click();
  await expect(section.getByRole('alert')).toHaveText(/^The audio could not be played: the file could not be decoded/);
  await dialog.getByRole('button', { name: 'Close traces' }).click();
  standIn.file = { refuse: 'No audio is kept of turn 1.' };
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  await turnRow.click();
  await play.click();
  await expect(section.getByRole('alert')).toHaveText('The audio could not be fetched: No audio is kept of turn 1.');
  await expect(play).toBeEnabled();
  await dialog.getByRole('button', { name: 'Download audio (turn 1)' }).click();
  await expect(dialog.getByRole('alert').filter({ hasText: 'The audio could not be downloaded: No audio is kept of turn 1.' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Close traces' }).click();
  await setTracing(app, false);
});

test('Settings: Keep turn audio is off by default and says what it keeps; its size limit is checked; both are saved', async ({ app }) => {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  const keep = dialog.getByRole('checkbox', { name: 'Keep turn audio' });
  const limit = dialog.getByRole('spinbutton', { name: 'Turn audio size limit (MB)' });
  await expect(keep).not.toBeChecked();
  await expect(keep).toHaveAccessibleDescription(/on this computer .*never exported or put in traces\. Off: no audio is written anywhere/);
  await expect(limit).toHaveValue('300');

  await limit.fill('5');
  await expect(dialog.getByText('at least 10 MB')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  await limit.fill('500');
  await keep.check();
  await dialog.getByRole('button', { name: 'Save settings' }).click();
  await expect(dialog.getByText(/^Saved\./)).toBeVisible();

  await app.reload();
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(keep).toBeChecked();
  await expect(limit).toHaveValue('500');
  // Back to the defaults, for the specs after this one.
  await keep.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(keep).not.toBeChecked();
  await limit.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(limit).toHaveValue('300');
});
