import type { Page } from '@playwright/test';
import { configureProviders, expect, test } from './fixtures';

async function setMode(app: Page, mode: 'Hands-free (voice detection)' | 'Push-to-talk (hold a key)'): Promise<void> {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  const select = dialog.getByRole('combobox', { name: 'Taking turns' });
  if ((await select.locator('option:checked').textContent()) !== mode) {
    await select.selectOption({ label: mode });
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByText('Saved. Providers apply from the next turn.')).toBeVisible();
  }
  await app.keyboard.press('Escape');
}

test.afterEach(async ({ app }) => {
  await setMode(app, 'Hands-free (voice detection)');
});

test('push-to-talk: holding the key takes the turn, releasing sends it', async ({ app }) => {
  await configureProviders({ transcripts: ['Spoken while holding the key.'], ttsMsPerChar: 10 });
  await setMode(app, 'Push-to-talk (hold a key)');
  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(app.getByRole('button', { name: 'Hold to talk (Space)' })).toBeVisible();
  const log = app.getByRole('log', { name: 'Conversation' });

  // The microphone hears speech all the time; without the key, no turn is taken.
  await app.waitForTimeout(5_000);
  await expect(log.locator('.entry-user')).toHaveCount(0);

  await app.locator('body').click();
  await app.keyboard.down('Space');
  await app.waitForTimeout(1_500);
  await app.keyboard.up('Space');
  await expect(log.locator('.entry-user')).toHaveText(/Spoken while holding the key\./);
  await expect(log.locator('.entry-assistant')).toContainText('You said: Spoken while holding the key.');
  await app.getByRole('button', { name: 'End conversation' }).click();
});
