/**
 * Secrets stay where they belong. Recognisable API keys and OTLP headers are
 * set in the environment and typed into the settings pane; a traced
 * conversation runs with console export and content capture on; then every
 * exported span and log record, console line, log line, message sent to the
 * renderer and file in the data folder (the log file included; the secret
 * store itself excepted) is searched for them. The secrets must have been used, and must appear nowhere else.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { EnvelopeWriter, type ClientMessage } from '../../shared/protocol';
import { startAppServices } from './app-services';
import { LOGS_FOLDER, RotatingLogFile } from './telemetry/sdk/log-file';
import { AppLogger } from './util/logger';
import { Session } from './session/session';
import { FileSecretStore } from './settings/secret-store';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './testing/fake-openai-server';
import { startOtlpReceiver, type OtlpReceiver } from './testing/otlp-receiver';
import { RecordingCarrier } from './testing/recording-carrier';
import { until } from './testing/until';

const ENV_KEY = 'sk-env-SECRET-a1b2c3d4e5';
const PANE_KEY = 'sk-pane-SECRET-f6e7d8c9b0';
const ENV_HEADER = 'env-hdr-SECRET-1122';
const PANE_HEADER = 'pane-hdr-SECRET-3344';
const SECRETS = [ENV_KEY, PANE_KEY, ENV_HEADER, PANE_HEADER];

let server: FakeOpenAIServer;
let receiver: OtlpReceiver;
let dataDir: string;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
  receiver = await startOtlpReceiver();
  dataDir = mkdtempSync(join(tmpdir(), 'secrets-'));
});
afterAll(async () => {
  await server.close();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

it('never puts API keys or OTLP headers in spans, console, logs, renderer messages or files', { timeout: 30_000 }, async () => {
  const logLines: string[] = [];
  const logger = new AppLogger('main', [(entry) => void logLines.push(`${entry.level} ${entry.message} ${JSON.stringify(entry.fields ?? {})}`)]);
  const logFile = new RotatingLogFile(join(dataDir, LOGS_FOLDER));
  logger.attach(logFile.sink);
  const consoleLines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'dir', 'debug'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))),
  );
  try {
    const services = await startAppServices({
      dataDir,
      env: {
        OPENAI_API_KEY: ENV_KEY,
        OPENAI_BASE_URL: server.url,
        ENABLE_TRACING: 'true',
        OTEL_CONSOLE_EXPORT: 'true',
        OTEL_CAPTURE_CONTENT: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: `x-auth=${ENV_HEADER}`,
        OTEL_LOGS_EXPORTER: 'otlp,console',
      },
      secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
      logger,
      logSinks: logger,
    });
    // Cloned as sent: what the renderer got is searched, not objects the session may change later.
    const carrier = new RecordingCarrier('websocket', { structuredClone: true });
    const toRenderer = carrier.envelopes;
    const session = new Session(carrier, {
      logger,
      telemetry: services.telemetry,
      settings: services.settings,
      history: services.history,
      assistant: services.assistant,
    });
    const writer = new EnvelopeWriter<ClientMessage>();
    const send = (m: ClientMessage) => session.receiveMessage(JSON.stringify(writer.wrap(m)));
    const replies = () => toRenderer.filter((e) => e.message.type === 'transcript' && e.message.role === 'assistant' && e.message.final).length;
    const sent = () => `sent: ${carrier.summary()}`;

    session.open();
    send({ type: 'conversation.start' });
    send({ type: 'user.text', text: 'What is my key?' });
    await until(() => replies() === 1, { detail: sent });
    await services.telemetry.flush();
    await until(() => receiver.state.requests.some((r) => r.headers['x-auth'] === ENV_HEADER), { detail: sent });
    // The user types new secrets into the pane; a failing provider reports its refusal.
    send({ type: 'settings.update', patch: { secrets: { llmApiKey: PANE_KEY, otlpHeaders: `x-auth=${PANE_HEADER}` } } });
    await until(() => toRenderer.some((e) => e.message.type === 'settings.result'), { detail: sent });
    server.fail('chat', { kind: 'status', status: 401 });
    send({ type: 'user.text', text: 'And now?' });
    await until(() => toRenderer.some((e) => e.message.type === 'notice'), { detail: sent });
    send({ type: 'user.text', text: 'Once more.' });
    await until(() => replies() === 2, { detail: sent });
    send({ type: 'conversation.end' });
    session.close();
    await services.telemetry.flush();
    await until(() => receiver.state.requests.some((r) => r.headers['x-auth'] === PANE_HEADER), { detail: sent });
    await until(() => receiver.state.logs.some((l) => l.body === 'turn failed'), { detail: sent });
    await services.telemetry.shutdown(1_000);
    logFile.close();
    await sleep(100); // the history file is synced after each entry

    // The secrets were really in use...
    const auth = server.requests.map((r) => r.authorization);
    expect(auth).toContain(`Bearer ${ENV_KEY}`);
    expect(auth).toContain(`Bearer ${PANE_KEY}`);
    expect(receiver.state.requests.some((r) => r.headers['x-auth'] === ENV_HEADER)).toBe(true);
    expect(receiver.state.spans.length).toBeGreaterThan(5);
    expect(consoleLines.length).toBeGreaterThan(5);
    expect(toRenderer.some((e) => e.message.type === 'settings')).toBe(true);
    const files = filesUnder(dataDir).filter((f) => !f.endsWith('secrets.json'));
    expect(files.some((f) => f.includes('history'))).toBe(true);
    expect(files).toContain(logFile.path);

    // ...and went nowhere else.
    const places: Record<string, string> = {
      'exported spans': JSON.stringify(receiver.state.spans),
      'exported log records': JSON.stringify(receiver.state.logs),
      'console output': consoleLines.join('\n'),
      'log lines': logLines.join('\n'),
      'messages to the renderer': JSON.stringify(toRenderer),
      ...Object.fromEntries(files.map((f) => [f, readFileSync(f, 'utf8')])),
    };
    expect(places['log lines']).toContain('refused the API key');
    for (const [place, text] of Object.entries(places)) for (const secret of SECRETS) expect(text.includes(secret), `${secret} found in ${place}`).toBe(false);
    for (const [place, text] of Object.entries(places)) expect(/SECRET/.test(text), `a secret found in ${place}`).toBe(false);
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
});
