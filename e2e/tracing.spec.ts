import type { Page } from '@playwright/test';
import { collected, configureProviders, expect, resetCollector, sendText, setTracing, test, type CollectedSpan } from './fixtures';
import { TWO_UTTERANCES_WAV, UTTERANCES } from './speech-fixture';

test.use({ microphone: TWO_UTTERANCES_WAV });


async function typedTurn(app: Page, text: string): Promise<void> {
  await sendText(app, text);
  await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last()).toContainText(`You said: ${text}`);
  await expect(app.getByRole('status')).toHaveText(/Idle|Listening/, { timeout: 15_000 });
}

const named = (spans: CollectedSpan[], name: string) => spans.filter((s) => s.name === name);
/** Stage spans are named `{operation} {model}`: found by their GenAI operation. */
const operation = (spans: CollectedSpan[], name: string) => spans.filter((s) => s.attributes['gen_ai.operation.name'] === name);

test.afterEach(async ({ app }) => {
  await setTracing(app, false);
  await resetCollector();
});

test('one trace per conversation, from the microphone in the renderer to the speaker, exported over OTLP', async ({ app }) => {
  await resetCollector();
  await configureProviders({ transcripts: [...UTTERANCES], ttsMsPerChar: 10 });
  await setTracing(app, true);

  await app.getByRole('button', { name: 'Start conversation' }).click();
  const log = app.getByRole('log', { name: 'Conversation' });
  await expect(log.locator('.entry-assistant').nth(1)).toContainText('You said: What is the weather', { timeout: 25_000 });
  await expect(app.getByRole('status')).toHaveText('Listening');
  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(app.getByRole('status')).toHaveText('Idle');

  await expect
    .poll(async () => named((await collected()).spans, 'audio.capture').length, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(1);
  await expect.poll(async () => named((await collected()).spans, 'conversation').length, { timeout: 15_000 }).toBe(1);
  const { spans, requests } = await collected();

  const [conversation] = named(spans, 'conversation');
  const traceId = conversation!.traceId;
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const names = new Set(inTrace.map((s) => s.name));
  for (const name of ['conversation', 'turn', 'vad', 'context.aggregate', 'audio.capture', 'audio.playback'])
    expect(names, `span ${name} in the conversation's trace`).toContain(name);
  for (const op of ['speech_to_text', 'chat', 'text_to_speech']) {
    const stage = operation(inTrace, op);
    expect(stage.length, `a ${op} span in the conversation's trace`).toBeGreaterThanOrEqual(1);
    expect(stage[0]!.name).toBe(`${op} ${String(stage[0]!.attributes['gen_ai.request.model'])}`);
  }

  const turns = named(inTrace, 'turn');
  expect(turns.length).toBeGreaterThanOrEqual(2);
  for (const turn of turns) expect(turn.parentSpanId).toBe(conversation!.spanId);
  const spoken = turns.find((t) => typeof t.attributes['turn.voice_to_voice_ms'] === 'number');
  expect(spoken?.attributes['turn.voice_to_voice_ms']).toBeGreaterThan(0);
  // Hands-free with preemptive replies on (the default): the spoken turn's reply was prepared during the
  // silence window, and its speech-to-text request (under the turn) was started ahead of time.
  expect(spoken?.attributes['turn.preemptive']).toBe(true);
  const prepared = operation(inTrace, 'speech_to_text').filter((s) => s.parentSpanId === spoken!.spanId && s.attributes['turn.preemptive'] === true);
  expect(prepared.length).toBeGreaterThanOrEqual(1);
  expect(prepared.every((s) => s.status.code !== 2)).toBe(true); // thrown-away work is cancelled, never an error

  // Renderer spans: in the same trace, under main's spans, and marked as renderer spans.
  const [capture] = named(inTrace, 'audio.capture');
  expect(capture!.parentSpanId).toBe(conversation!.spanId);
  expect(capture!.attributes['app.process']).toBe('renderer');
  expect(capture!.attributes['audio.capture.frames_sent']).toBeGreaterThan(50);
  const playback = named(inTrace, 'audio.playback');
  const turnIds = new Set(turns.map((t) => t.spanId));
  expect(playback.every((p) => turnIds.has(p.parentSpanId ?? ''))).toBe(true);

  // The configured service name and headers; no content (capture is off).
  expect(conversation!.resource['service.name']).toBe('voice-agent-e2e');
  expect(requests.every((r) => r.headers['x-e2e-token'] === 'trace secret')).toBe(true);
  expect(JSON.stringify(inTrace)).not.toContain('What is the weather');
});

test('switching tracing off in Settings stops export; on resumes it; a failing collector changes nothing', async ({ app }) => {
  await setTracing(app, true);
  await resetCollector();
  await typedTurn(app, 'traced while on');
  await expect.poll(async () => operation((await collected()).spans, 'chat').length, { timeout: 15_000 }).toBe(1);

  await setTracing(app, false);
  await resetCollector();
  await typedTurn(app, 'not traced while off');
  await app.waitForTimeout(2_500); // five export intervals (OTEL_BSP_SCHEDULE_DELAY=500 in the e2e host)
  expect((await collected()).spans).toEqual([]);

  await setTracing(app, true);
  await typedTurn(app, 'traced again');
  await expect.poll(async () => operation((await collected()).spans, 'chat').length, { timeout: 15_000 }).toBe(1);

  // The collector fails: the conversation goes on as before.
  await resetCollector({ status: 500 });
  await typedTurn(app, 'collector is failing');
  await expect.poll(async () => (await collected()).requests.filter((r) => r.status === 500).length, { timeout: 15_000 }).toBeGreaterThan(0);
  await typedTurn(app, 'still fine');
});
