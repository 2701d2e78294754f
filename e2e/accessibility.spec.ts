/**
 * An accessibility audit (axe-core, WCAG 2.1 A and AA) of every view: the
 * main screen with a conversation in it (a reply, a failed reply, a running
 * conversation), Settings, History (the list and a saved conversation) and
 * Traces (tracing off; then a turn's spans and a span's details), each in the
 * light and the dark colour scheme. Any violation is printed by rule id and
 * target, and fails the test.
 */
import { audit } from './audit';
import { configureProviders, expect, sendText, setTracing, test } from './fixtures';

test.afterEach(async ({ app }) => {
  await configureProviders({});
  await setTracing(app, false);
});

test('every view passes an accessibility audit (WCAG 2.1 A and AA) in both colour schemes', async ({ app }) => {
  test.setTimeout(120_000);
  const log = app.getByRole('log', { name: 'Conversation' });
  const status = app.getByRole('status');
  const violations: string[] = [];
  await expect(status).toHaveText('Idle');
  violations.push(...(await audit(app, 'main screen, empty')));

  // A conversation: a reply, then a reply that fails (the model's server answers 500 to every try).
  await sendText(app, 'Hello from the audit');
  await expect(log.locator('.entry-assistant')).toContainText('You said: Hello from the audit');
  await expect(status).toHaveText('Idle');
  const serverError = { kind: 'status', status: 500 };
  await configureProviders({ faults: { chat: [serverError, serverError, serverError, serverError] } });
  await sendText(app, 'This reply fails');
  await expect(log.locator('.entry-error')).toBeVisible({ timeout: 30_000 });
  await expect(status).toHaveText('Error');
  await configureProviders({});
  violations.push(...(await audit(app, 'main screen, conversation')));

  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(status).toHaveText('Listening');
  violations.push(...(await audit(app, 'main screen, listening')));
  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(status).toHaveText('Idle');

  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(app.getByRole('dialog', { name: 'Settings' })).toBeVisible();
  violations.push(...(await audit(app, 'Settings')));
  await app.keyboard.press('Escape');

  await app.getByRole('button', { name: 'History' }).click();
  const history = app.getByRole('dialog', { name: 'History' });
  const saved = history.getByRole('list', { name: 'Saved conversations' });
  await expect(saved.getByRole('button', { name: /Hello from the audit/ })).toBeVisible();
  violations.push(...(await audit(app, 'History, list')));
  await saved.getByRole('button', { name: /Hello from the audit/ }).click();
  await expect(app.getByRole('log', { name: 'Saved conversation' })).toContainText('Hello from the audit');
  violations.push(...(await audit(app, 'History, a conversation')));
  await app.keyboard.press('Escape');

  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const traces = app.getByRole('dialog', { name: 'Traces' });
  await expect(traces.getByText('Tracing is off')).toBeVisible();
  violations.push(...(await audit(app, 'Traces, tracing off')));
  await traces.getByRole('button', { name: 'Turn on tracing' }).click();
  await expect(traces.getByText(/No spans yet/)).toBeVisible();
  await traces.getByRole('button', { name: 'Close traces' }).click();
  await sendText(app, 'A traced question');
  await expect(log.locator('.entry-assistant', { hasText: 'You said: A traced question' })).toBeVisible();
  await expect(status).toHaveText('Idle');
  await app.getByRole('button', { name: 'Traces', exact: true }).click();
  const row = traces.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: app.getByRole('cell') }).first();
  await row.click();
  const spans = traces.getByRole('list', { name: 'Spans' });
  await spans.getByRole('button', { name: /^chat/ }).click();
  await expect(traces.getByRole('region', { name: /^Span chat/ })).toBeVisible();
  await expect(traces.getByRole('region', { name: 'Diagnostics' })).toBeVisible();
  violations.push(...(await audit(app, 'Traces, a turn and a span')));
  await traces.getByRole('button', { name: 'Close traces' }).click();

  expect(violations).toEqual([]);
});
