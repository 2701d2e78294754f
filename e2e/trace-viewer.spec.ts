import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { E2E_PORT } from '../playwright.config';
import { collected, collectedLogs, configureProviders, expect, resetCollector, sendText, setTracing, test, type CollectedSpan } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });


/** Saves (or, with null, resets) the trace UI address in Settings. */
async function setTraceUi(app: Page, template: string | null): Promise<void> {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  const field = dialog.getByRole('textbox', { name: 'Trace UI address' });
  if (template === null) await field.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  else {
    await field.fill('http://localhost:16686/trace/');
    await expect(dialog.getByText('must contain {traceId} where the trace id goes')).toBeVisible();
    await field.fill(template);
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByText('Saved. Providers apply from the next turn.')).toBeVisible();
  }
  await expect(field).toHaveValue(template ?? '');
  await app.keyboard.press('Escape');
}

const cells = async (row: Locator) => (await row.getByRole('cell').allTextContents()).map((t) => t.trim());

test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

test('the Traces dialog shows a spoken and a typed turn as the collector received them, their spans from both processes, and downloads the trace', async ({ app }, testInfo) => {
  await resetCollector();
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  const traceUi = `http://127.0.0.1:${E2E_PORT}/?trace={traceId}`;
  await setTraceUi(app, traceUi);

  // Tracing off: the dialog says so and offers to turn it on.
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  await expect(dialog.getByText('Tracing is off')).toBeVisible();
  await dialog.getByRole('button', { name: 'Turn on tracing' }).click();
  await expect(dialog.getByText(/No spans yet/)).toBeVisible();
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  // A spoken turn, then a typed one, in one conversation.
  const log = app.getByRole('log', { name: 'Conversation' });
  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(log.locator('.entry-assistant').first()).toContainText('You said: Hello there.', { timeout: 25_000 });
  await sendText(app, 'typed question');
  await expect(log.locator('.entry-assistant', { hasText: 'You said: typed question' })).toBeVisible({ timeout: 15_000 });
  // The text shows before its speech plays: end only once the reply has been heard, so both turns have a playback span.
  await expect(app.getByRole('status')).toHaveText('Listening', { timeout: 15_000 });
  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(app.getByRole('status')).toHaveText('Idle');

  // What the collector received: the conversation's trace and its turns.
  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'conversation').length, { timeout: 15_000 }).toBe(1);
  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'audio.playback').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  const exported = (await collected()).spans;
  const conversation = exported.find((s) => s.name === 'conversation')!;
  const turns = exported.filter((s) => s.name === 'turn' && s.traceId === conversation.traceId && s.attributes['turn.abandoned'] !== true);
  const byNumber = new Map<string, CollectedSpan>(turns.map((t) => [String(t.attributes['turn.number']), t]));

  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  // The newest conversation first, and chosen: this one.
  const listed = dialog.getByRole('list', { name: 'Conversations' }).getByRole('button');
  await expect(listed.first()).toHaveAttribute('aria-pressed', 'true');
  await expect(listed.first()).toContainText(`${turns.length} turns`);
  await expect(dialog.getByText(`trace ${conversation.traceId}`)).toBeVisible();
  const table = dialog.getByRole('table', { name: 'Turns' });
  await expect(table.getByRole('columnheader')).toHaveText(['Turn', 'Input', 'Voice-to-voice', 'Speech-to-text', 'First token', 'First audio', 'Status']);
  const rows = table.getByRole('row').filter({ has: app.getByRole('cell') });
  await expect(rows).toHaveCount(turns.length);
  let spoken = 0;
  let typed = 0;
  for (const row of await rows.all()) {
    const [number, input, voiceToVoice, stt] = await cells(row);
    const span = byNumber.get(number!)!;
    expect(span, `turn ${number} was exported`).toBeDefined();
    expect(input).toBe(span.attributes['turn.input']);
    const exportedMs = span.attributes['turn.voice_to_voice_ms'];
    // The same figure the collector received, rounded to the millisecond; a missing one is "–", never 0.
    expect(voiceToVoice).toBe(typeof exportedMs === 'number' ? `${Math.round(exportedMs)} ms` : '–');
    if (input === 'voice' && typeof exportedMs === 'number') {
      spoken++;
      expect(stt).toMatch(/^\d+ ms$/);
    }
    if (input === 'text') typed++;
  }
  expect(spoken).toBeGreaterThanOrEqual(1);
  expect(typed).toBe(1);

  // The spoken turn's waterfall holds spans of both processes; a span shows its attributes.
  const firstVoice = rows.filter({ hasText: 'voice' }).first();
  await firstVoice.focus();
  await app.keyboard.press('Enter');
  await expect(firstVoice).toHaveAttribute('aria-current', 'true');
  // Its turn-taking decisions, made live by the conversation, are on its time axis and said in words.
  const decisions = dialog.getByRole('list', { name: 'Decisions on the time axis' }).getByRole('listitem');
  await expect(decisions.filter({ hasText: /End of speech \(silence window \d+ ms\)/ })).toHaveCount(1);
  await expect(decisions.filter({ hasText: /Turn confirmed: the silence window elapsed/ })).toHaveCount(1);
  await expect(decisions.filter({ hasText: /First audio/ })).toHaveCount(1);
  const spans = dialog.getByRole('list', { name: 'Spans' });
  await expect(spans.getByRole('button').filter({ hasText: 'renderer' }).first()).toBeVisible();
  await expect(spans.getByRole('button').filter({ hasText: 'main' }).first()).toBeVisible();
  await spans.getByRole('button', { name: /^speech_to_text/ }).click();
  await expect(dialog.getByRole('region', { name: /^Span speech_to_text/ })).toContainText('gen_ai.operation.name');
  // Keyboard: the arrows move between spans.
  await spans.getByRole('button').first().focus();
  await app.keyboard.press('ArrowDown');
  await expect(spans.getByRole('button').nth(1)).toBeFocused();

  const shot = testInfo.outputPath('trace-viewer.png');
  await dialog.screenshot({ path: shot });
  await testInfo.attach('trace viewer', { path: shot, contentType: 'image/png' });

  // A small window: the dialog stays inside it and scrolls.
  const size = app.viewportSize();
  await app.setViewportSize({ width: 420, height: 520 });
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(420);
  expect(box.y + box.height).toBeLessThanOrEqual(520);
  expect(await dialog.evaluate((d) => d.scrollHeight > d.clientHeight)).toBe(true);
  await dialog.screenshot({ path: testInfo.outputPath('trace-viewer-small.png') });
  if (size) await app.setViewportSize(size);

  // The download: an OTLP/JSON export request with both processes' resources and the collector's trace id.
  const [download] = await Promise.all([app.waitForEvent('download'), dialog.getByRole('button', { name: 'Download trace' }).click()]);
  const file = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
    resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { traceId: string; name: string }[] }[] }[];
  };
  expect(file.resourceSpans).toHaveLength(2);
  const names = file.resourceSpans.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
  expect(names).toEqual(['voice-agent-e2e', 'voice-agent-e2e']);
  const inFile = file.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  expect(inFile.find((s) => s.name === 'conversation')?.traceId).toBe(conversation.traceId);
  expect(inFile.filter((s) => s.name === 'turn')).toHaveLength(turns.length);

  // Open in trace UI: the configured address with this trace's id, in a new tab.
  const link = dialog.getByRole('link', { name: 'Open in trace UI' });
  await expect(link).toHaveAttribute('href', traceUi.replace('{traceId}', conversation.traceId));
  const [tab] = await Promise.all([app.context().waitForEvent('page'), link.click()]);
  await expect.poll(() => tab.url()).toContain(conversation.traceId);
  await tab.close();
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  // The badge of the first reply opens the viewer on its turn.
  const badge = log.locator('.entry-assistant').first().getByRole('button', { name: /^Voice-to-voice \d+\.\d\d s: show this turn in Traces$/ });
  const first = byNumber.get('1')!;
  await expect(badge).toHaveText(`${(Number(first.attributes['turn.voice_to_voice_ms']) / 1000).toFixed(2)} s`);
  await badge.click();
  await expect(dialog).toBeVisible();
  const selected = table.locator('tr[aria-current="true"]');
  await expect(selected).toHaveCount(1);
  expect((await cells(selected))[0]).toBe('1');
  await expect(dialog.getByRole('heading', { name: 'Turn 1: spans' })).toBeVisible();
  await dialog.getByRole('button', { name: 'Close traces' }).click();

  await setTraceUi(app, null);
});

test("a failed turn's log line reaches the collector in the turn's trace, and the viewer marks it on the stage that failed", async ({ app }) => {
  await resetCollector();
  await configureProviders({ faults: { chat: [{ kind: 'status', status: 401 }] } });
  await setTracing(app, true);
  await sendText(app, 'this one fails');

  // The collector: the record sits in the failed turn's trace, on its chat span.
  await expect.poll(async () => (await collectedLogs()).filter((l) => l.body === 'turn failed').length, { timeout: 15_000 }).toBe(1);
  await expect.poll(async () => (await collected()).spans.filter((s) => s.name === 'turn').length, { timeout: 15_000 }).toBe(1);
  const record = (await collectedLogs()).find((l) => l.body === 'turn failed')!;
  const spans = (await collected()).spans;
  const turn = spans.find((s) => s.name === 'turn')!;
  const chat = spans.find((s) => s.name.startsWith('chat') && s.parentSpanId === turn.spanId)!;
  expect(record).toMatchObject({ traceId: turn.traceId, spanId: chat.spanId, severityText: 'WARN', attributes: { stage: 'llm', kind: 'auth' } });

  // The viewer: the chat span's row carries the mark; choosing it shows the line.
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Traces' });
  const row = dialog.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ hasText: 'error' });
  await row.click();
  const chatRow = dialog.getByRole('list', { name: 'Spans' }).getByRole('button', { name: /^chat/ });
  await expect(chatRow).toContainText('1 log record, warn');
  await chatRow.click();
  const details = dialog.getByRole('region', { name: /^Span chat/ });
  await expect(details.getByRole('list', { name: 'Log records' })).toContainText('WARN turn failed');
  await dialog.getByRole('button', { name: 'Close traces' }).click();
});
