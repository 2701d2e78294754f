import { FAKE_OPENAI_PORT } from '../playwright.config';
import { expect, sendText, test } from './fixtures';

test('settings are checked as typed, saved, and still there after a reload', async ({ app }) => {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  // Preemptive replies: on by default, a switch of its own.
  await expect(dialog.getByRole('checkbox', { name: 'Prepare the reply while you pause' })).toBeChecked();

  // An invalid endpoint: a message beside the field, and nothing can be saved.
  const endpoint = dialog.getByRole('textbox', { name: 'OTLP endpoint' });
  await endpoint.fill('localhost:4318');
  await expect(dialog.getByText('must be an http:// or https:// URL')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Save settings' })).toBeDisabled();

  // The rest of the form keeps working; valid values are saved. The endpoint
  // saved is the suite's own collector, which the tracing spec exports to later.
  await endpoint.fill(`http://127.0.0.1:${FAKE_OPENAI_PORT}`);
  await dialog.getByRole('textbox', { name: 'Language model', exact: true }).fill('llama3.2-e2e');
  await dialog.getByLabel('OpenAI API key').fill('sk-e2e-never-shown');
  await dialog.getByRole('button', { name: 'Save settings' }).click();
  await expect(dialog.getByText('Saved. Providers apply from the next turn.')).toBeVisible();
  await expect(dialog.getByLabel('OpenAI API key')).toHaveAttribute('placeholder', /set; type to replace/);
  await expect(dialog.getByLabel('OpenAI API key')).toHaveValue('');

  await app.reload();
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const again = app.getByRole('dialog', { name: 'Settings' });
  await expect(again.getByRole('textbox', { name: 'Language model', exact: true })).toHaveValue('llama3.2-e2e');
  await expect(again.getByLabel('OpenAI API key')).toHaveAttribute('placeholder', /set/);
  expect(await app.content()).not.toContain('sk-e2e-never-shown');

  // The next turn uses the new model.
  await app.keyboard.press('Escape');
  await sendText(app, 'which model?');
  await expect(app.getByRole('log', { name: 'Conversation' }).locator('.entry-assistant').last()).toContainText('You said: which model?');

  // Reset returns the field to the environment's value.
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const model = app.getByRole('dialog', { name: 'Settings' }).getByRole('textbox', { name: 'Language model', exact: true });
  await model.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(model).toHaveValue('fake-llm');
  await app.getByRole('dialog', { name: 'Settings' }).getByLabel('OpenAI API key').locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(app.getByRole('dialog', { name: 'Settings' }).getByLabel('OpenAI API key')).toHaveAttribute('placeholder', 'not set');
});

test("a stage's key stays with its server: moved elsewhere, the pane says the stage has no key and what to set", async ({ app }) => {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  const key = dialog.getByLabel('Language model API key');
  await key.fill('sk-e2e-llm-never-shown');
  await dialog.getByRole('button', { name: 'Save settings' }).click();
  await expect(key).toHaveAttribute('placeholder', /set; type to replace/);

  const baseUrl = dialog.getByRole('textbox', { name: 'Language model base URL' });
  await baseUrl.fill('http://127.0.0.1:9/v1');
  await dialog.getByRole('button', { name: 'Save settings' }).click();
  await expect(key).toHaveAttribute('placeholder', 'not set');
  await expect(key).toHaveAccessibleDescription(/not sent to http:\/\/127\.0\.0\.1:9: type this server's key here, or set LLM_API_KEY/);

  // Back at the server it was given for, the key is in force again; then both are reset.
  await baseUrl.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(key).toHaveAttribute('placeholder', /set; type to replace/);
  await key.locator('xpath=..').getByRole('button', { name: 'Reset' }).click();
  await expect(key).toHaveAttribute('placeholder', 'not set');
  expect(await app.content()).not.toContain('sk-e2e-llm-never-shown');
});
