/**
 * One suite, two targets. `app` is the app's window: a page of the headless
 * host in Debian's Chromium (target "web"), or the Electron window (target
 * "electron", when a binary exists). Both get the generated speech as their
 * microphone.
 */
import { _electron, chromium, expect, test as base, type Browser, type ElectronApplication, type Locator, type Page, type TestInfo } from '@playwright/test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_DATA_DIR, FAKE_OPENAI_PORT } from '../playwright.config';
import { ACCESS_TOKEN_FILE } from '../electron/server/access-token';
import { chromiumPath } from '../scripts/preflight.mjs';
import { SPEECH_WAV, fakeMicrophoneArgs } from './speech-fixture';

const CHROMIUM = chromiumPath();
const projectRoot = join(import.meta.dirname, '..');

/** Tells the fake OpenAI-compatible server how to behave (see fake-openai-server.ts). */
export async function configureProviders(behaviour: Record<string, unknown>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__control`, { method: 'POST', body: JSON.stringify({ reset: true, ...behaviour }) });
  if (!res.ok) throw new Error(`fake server refused the configuration: ${res.status}`);
}

export interface ProviderRequest {
  endpoint: 'transcriptions' | 'chat' | 'speech';
  body: Record<string, unknown>;
  aborted: boolean;
  endedAt: number | null;
}

export async function providerRequests(): Promise<{ requests: ProviderRequest[]; openRequests: number }> {
  return (await (await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__requests`)).json()) as { requests: ProviderRequest[]; openRequests: number };
}

export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  status: { code?: number };
}

/** What the collector (the fake server's /v1/traces) has received. */
export async function collected(): Promise<{ spans: CollectedSpan[]; requests: { headers: Record<string, string>; status: number }[] }> {
  return (await (await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__traces`)).json()) as {
    spans: CollectedSpan[];
    requests: { headers: Record<string, string>; status: number }[];
  };
}

export interface CollectedLog {
  traceId: string;
  spanId: string;
  severityText: string;
  body: string;
  attributes: Record<string, unknown>;
  scope: string;
}

/** The log records the collector (the fake server's /v1/logs) has received. */
export async function collectedLogs(): Promise<CollectedLog[]> {
  return ((await (await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__traces`)).json()) as { logs: CollectedLog[] }).logs;
}

/** Empties the collector; `fault` makes it answer with an error status or slowly. */
export async function resetCollector(fault: { status?: number; delayMs?: number } | null = null): Promise<void> {
  await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__traces`, { method: 'DELETE' });
  if (fault) await fetch(`http://127.0.0.1:${FAKE_OPENAI_PORT}/__traces`, { method: 'POST', body: JSON.stringify(fault) });
}

/**
 * The link the suite's host printed: its address with the access token the
 * host keeps in its data folder (the host's output is not captured).
 */
export async function accessLink(baseURL: string): Promise<string> {
  const token = (await readFile(join(E2E_DATA_DIR, ACCESS_TOKEN_FILE), 'utf8')).trim();
  return `${baseURL}?token=${token}`;
}

/** Types `text` into the message box and sends it, as a user would. */
export async function sendText(app: Page, text: string): Promise<void> {
  const message = app.getByRole('textbox', { name: 'Message' });
  await message.fill(text);
  await message.press('Enter');
}

/**
 * One spoken conversation turn as a user has it: start a conversation, the
 * microphone says the first utterance, its reply is shown and heard (the app
 * listens again), end the conversation.
 */
export async function speakOneTurn(app: Page): Promise<void> {
  const log = app.getByRole('log', { name: 'Conversation' });
  await app.getByRole('button', { name: 'Start conversation' }).click();
  await expect(log.locator('.entry-assistant').first()).toContainText('You said: Hello there.', { timeout: 25_000 });
  await expect(app.getByRole('status')).toHaveText('Listening', { timeout: 15_000 });
  await app.getByRole('button', { name: 'End conversation' }).click();
  await expect(app.getByRole('status')).toHaveText('Idle');
}

/**
 * Whether this test (or a step of it, `what`) runs on this target: on
 * `electron` a page's download goes through Electron's save dialog and its
 * WebSocket is IPC, which a test cannot drive; there the reason is printed
 * in the run's output, as a skip's should be.
 */
export function runsHere(testInfo: TestInfo, reason: string, what = 'skipped'): boolean {
  if (testInfo.project.name === 'web') return true;
  console.log(`[e2e] ${testInfo.title}: ${what} on target "${testInfo.project.name}": ${reason}.`);
  return false;
}

/** Turn `turn`'s audio in the open Traces dialog, by the names a user (or a screen reader) finds them by. */
export function turnAudio(dialog: Locator, turn: number) {
  const section = dialog.getByRole('region', { name: `Turn ${turn} audio` });
  return {
    row: dialog.getByRole('table', { name: 'Turns' }).getByRole('row').filter({ has: dialog.page().getByRole('cell', { name: String(turn), exact: true }) }),
    section,
    play: section.getByRole('button', { name: `Play turn ${turn}` }),
    pause: section.getByRole('button', { name: `Pause turn ${turn}` }),
    position: section.getByRole('status'),
    lanes: dialog.getByRole('list', { name: 'Audio lanes' }),
    playhead: dialog.locator('.audio-playhead'),
  };
}

/** Switches tracing on or off in Settings; the box shows main's state, so it changes once main has applied it. */
export async function setTracing(app: Page, enabled: boolean): Promise<void> {
  await setSettingsSwitch(app, 'Enable tracing', enabled);
}

/**
 * Sets a switch in Settings as a user would. Tracing applies at once; any
 * other switch is saved with the form.
 */
export async function setSettingsSwitch(app: Page, label: string, on: boolean): Promise<void> {
  await app.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Settings' });
  const box = dialog.getByRole('checkbox', { name: label });
  if ((await box.isChecked()) !== on) await box.click();
  await expect(box).toBeChecked({ checked: on });
  if (label !== 'Enable tracing') {
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByText(/^Saved\./)).toBeVisible();
  }
  await app.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
}

/**
 * Debian's Chromium with the generated speech as its microphone, quiet on a
 * closed network. The "web" target's window, and any spec's own browser
 * (a page of a host the spec starts itself, on either target).
 */
export function launchChromium(microphone: string = SPEECH_WAV): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...fakeMicrophoneArgs(microphone),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const test = base.extend<{ app: Page; microphone: string; electronApp: ElectronApplication | null }>({
  /** The WAV the fake microphone plays (looped). */
  microphone: [SPEECH_WAV, { option: true }],
  /** The desktop app's main process (target "electron"); null on target "web". */
  electronApp: async ({ microphone }, use, testInfo) => {
    if (testInfo.project.name !== 'electron') {
      await use(null);
      return;
    }
    await configureProviders({});
    const executablePath = testInfo.project.metadata.electronBinary as string;
    // A profile of its own: nothing a spec saves reaches the user's settings, or the next run.
    const userData = await mkdtemp(join(tmpdir(), 'voice-agent-e2e-'));
    const app = await _electron.launch({
      executablePath,
      args: [projectRoot, `--user-data-dir=${userData}`, ...fakeMicrophoneArgs(microphone)],
      env: { ...process.env, OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_OPENAI_PORT}/v1`, OPENAI_API_KEY: '' },
    });
    await use(app);
    await app.close();
    await rm(userData, { recursive: true, force: true });
  },
  app: async ({ baseURL, microphone, electronApp }, use) => {
    if (electronApp) {
      await use(await electronApp.firstWindow());
      return;
    }
    await configureProviders({});
    const browser = await launchChromium(microphone);
    const context = await browser.newContext({ baseURL, permissions: ['microphone'] });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') console.log(`[page ${message.type()}] ${message.text()}`);
    });
    page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
    // In as a user gets in: the printed link, which leaves the page at / with the host's cookie.
    await page.goto(await accessLink(baseURL ?? '/'));
    await use(page);
    await context.close();
    await browser.close();
  },
});

export { expect } from '@playwright/test';
