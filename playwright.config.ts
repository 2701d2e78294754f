import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, type Project } from '@playwright/test';
import { electronBinaryPath } from './electron/main/launch.mjs';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 5199);
/** The fake OpenAI-compatible server that every provider of the app under test points at. */
export const FAKE_OPENAI_PORT = Number(process.env.E2E_FAKE_OPENAI_PORT ?? 5299);
/** A fresh data folder per run (settings, secrets) for the host under test. */
process.env.E2E_DATA_DIR ??= join(tmpdir(), `voice-agent-e2e-${Date.now()}`);
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR;
const electronBinary = electronBinaryPath();

const projects: Project[] = [{ name: 'web', use: { browserName: 'chromium' } }];
if (electronBinary) {
  projects.push({ name: 'electron', metadata: { electronBinary } });
} else if (!process.env.E2E_ELECTRON_NOTICE_SHOWN) {
  process.env.E2E_ELECTRON_NOTICE_SHOWN = '1'; // workers inherit it: say it once
  console.log(
    '[e2e] target "electron" skipped: no Electron binary is installed (run "npx install-electron" where downloads are possible). Running target "web" only.',
  );
}

export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}/`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects,
  webServer: [
    {
      command: 'tsx electron/agent/testing/fake-openai-cli.ts',
      url: `http://127.0.0.1:${FAKE_OPENAI_PORT}/__requests`,
      env: { PORT: String(FAKE_OPENAI_PORT) },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      timeout: 30_000,
    },
    {
      command: 'node out/main/server.js',
      url: `http://127.0.0.1:${E2E_PORT}/`,
      // Explicit values win over the developer's environment and .env.
      env: {
        PORT: String(E2E_PORT),
        HOST: '127.0.0.1',
        DATA_DIR: E2E_DATA_DIR,
        OPENAI_BASE_URL: `http://127.0.0.1:${FAKE_OPENAI_PORT}/v1`,
        OPENAI_API_KEY: '',
        STT_BASE_URL: '',
        LLM_BASE_URL: '',
        TTS_BASE_URL: '',
        // Tracing starts off; the tracing spec switches it on in Settings. The
        // fake provider server doubles as the OTLP/HTTP collector.
        ENABLE_TRACING: 'false',
        OTEL_CONSOLE_EXPORT: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${FAKE_OPENAI_PORT}`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-e2e-token=trace%20secret',
        OTEL_SERVICE_NAME: 'voice-agent-e2e',
        OTEL_CAPTURE_CONTENT: 'false',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        STT_MODEL: 'fake-stt',
        LLM_MODEL: 'fake-llm',
        TTS_MODEL: 'fake-tts',
      },
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
      timeout: 30_000,
    },
  ],
});
