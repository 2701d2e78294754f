/**
 * Transport faults on target web: the WebSocket dropping in the middle of a
 * reply, and the page reloading in the middle of a reply. Either way the turn
 * in progress ends cleanly in the host (its provider requests are cancelled),
 * the UI says what happened, and the next turn works.
 */
import { configureProviders, expect, providerRequests, sendText, test } from './fixtures';

async function expectNoRequestLeft(): Promise<void> {
  await expect.poll(async () => (await providerRequests()).openRequests, { timeout: 10_000 }).toBe(0);
  const { requests } = await providerRequests();
  expect(requests.filter((r) => r.endpoint === 'speech').some((r) => r.aborted)).toBeTruthy();
}

/** A reply of many seconds, streamed in real time, so the fault lands mid-reply. */
const LONG_REPLY = { reply: 'This reply goes on for a long while. '.repeat(6), ttsMsPerChar: 60, ttsRealtimeFactor: 1 };

test('the WebSocket dropping mid-reply: the UI says so, reconnects, and the next turn works', async ({ app }) => {
  let connections = 0;
  let drop: (() => Promise<void>) | null = null;
  await app.routeWebSocket('/ws', (ws) => {
    const server = ws.connectToServer();
    if (++connections === 1)
      drop = async () => {
        // The network goes away: both sides see the socket close.
        await server.close({ code: 1001, reason: 'gone' });
        await ws.close({ code: 4000, reason: 'network lost' });
      };
  });
  await app.reload();
  const status = app.getByRole('status');
  await expect(app.getByText('Connected (WebSocket)')).toBeVisible();
  await expect(status).toHaveText('Idle');

  await configureProviders(LONG_REPLY);
  await sendText(app, 'Tell me a long story.');
  await expect(status).toHaveText('Speaking', { timeout: 15_000 });
  await expect.poll(() => drop !== null).toBe(true);
  await drop!();

  const log = app.getByRole('log', { name: 'Conversation' });
  await expect(log.locator('.entry-notice').last()).toContainText('Connection to the app lost');
  await expect(app.getByText('Connected (WebSocket)')).toBeVisible({ timeout: 15_000 });
  expect(connections).toBe(2);
  await expectNoRequestLeft();

  await configureProviders({ ttsMsPerChar: 5 });
  await sendText(app, 'Are you still there?');
  await expect(log.locator('.entry-assistant').last()).toContainText('You said: Are you still there?', { timeout: 15_000 });
  await expect(status).toHaveText('Idle', { timeout: 15_000 });
});

test('reloading the page mid-reply ends the turn in the host and starts clean', async ({ app }) => {
  const status = app.getByRole('status');
  await configureProviders(LONG_REPLY);
  await sendText(app, 'Tell me a long story.');
  await expect(status).toHaveText('Speaking', { timeout: 15_000 });

  await app.reload();
  await expect(app.getByText('Connected (WebSocket)')).toBeVisible({ timeout: 15_000 });
  await expect(status).toHaveText('Idle');
  await expectNoRequestLeft();
  // Nothing from the old reply plays into the new page.
  await app.waitForTimeout(500);
  await expect(status).toHaveText('Idle');

  await configureProviders({ ttsMsPerChar: 5 });
  await sendText(app, 'Hello again.');
  const log = app.getByRole('log', { name: 'Conversation' });
  await expect(log.locator('.entry-assistant').last()).toContainText('You said: Hello again.', { timeout: 15_000 });
});
