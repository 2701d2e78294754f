/**
 * One suite, two targets. `app` is the app's window: a page of the headless
 * host in Debian's Chromium (target "web"), or the Electron window (target
 * "electron", when a binary exists). Both get the generated speech as their
 * microphone.
 */
import { _electron, chromium, test as base, type Page } from '@playwright/test';
import { join } from 'node:path';
import { fakeMicrophoneArgs } from './speech-fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const projectRoot = join(import.meta.dirname, '..');

export const test = base.extend<{ app: Page }>({
  app: async ({ baseURL }, use, testInfo) => {
    if (testInfo.project.name === 'electron') {
      const executablePath = testInfo.project.metadata.electronBinary as string;
      const app = await _electron.launch({ executablePath, args: [projectRoot, ...fakeMicrophoneArgs()] });
      const window = await app.firstWindow();
      await use(window);
      await app.close();
      return;
    }
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...fakeMicrophoneArgs(),
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ baseURL, permissions: ['microphone'] });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') console.log(`[page ${message.type()}] ${message.text()}`);
    });
    page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
    await page.goto('/');
    await use(page);
    await context.close();
    await browser.close();
  },
});

export { expect } from '@playwright/test';
