import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettingsSchema } from '../../../shared/settings';
import { SECRET_ENV, SETTING_FIELDS } from '../../../shared/settings-fields';
import { silentLogger } from '../util/logger';
import { writeFileAtomic } from '../util/atomic-file';
import type { SecretName } from '../../../shared/settings';
import { FileSecretStore, UnreadableSecretsError, type SavedSecrets, type SecretStore } from './secret-store';
import { SettingsStore } from './settings-store';
import { pipelineConfigOf } from '../pipeline/pipeline-config';
import { telemetryConfigOf } from '../telemetry/sdk/telemetry-config';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'settings-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** failSave: how many secret saves fail (as on a full disk) before they work again. */
async function open(dir: string, env: Record<string, string> = {}, logger = silentLogger, options: { failSave?: number } = {}) {
  const secretStore = new FileSecretStore(join(dir, 'secrets.json'));
  let failures = options.failSave ?? 0;
  const save = secretStore.save.bind(secretStore);
  secretStore.save = (secrets) => (failures-- > 0 ? Promise.reject(new Error('ENOSPC: disk full')) : save(secrets));
  return SettingsStore.open({ dataDir: dir, env, secretStore, logger });
}

describe('settings precedence', () => {
  it('starts from defaults, then the environment, then what the user saved', async () => {
    const dir = dataDir();
    const store = await open(dir, { LLM_MODEL: 'llama3.2', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(store.values.llm.model).toBe('llama3.2');
    expect(store.values.tts.model).toBe('gpt-4o-mini-tts');
    expect(store.view.sources).toMatchObject({ 'llm.model': 'env', 'tts.model': 'default', 'llm.baseUrl': 'env' });

    const result = await store.update({ values: { llm: { model: 'qwen2.5' }, tracing: { samplingRatio: 0.5 } } });
    expect(result.ok).toBe(true);
    expect(store.values.llm.model).toBe('qwen2.5');
    expect(store.view.sources['llm.model']).toBe('saved');

    // Saved values survive a restart and still win over the environment.
    const again = await open(dir, { LLM_MODEL: 'llama3.2' });
    expect(again.values.llm.model).toBe('qwen2.5');
    expect(again.values.tracing.samplingRatio).toBe(0.5);

    // Reset returns a field to the environment's value.
    await again.update({ reset: ['llm.model'] });
    expect(again.values.llm.model).toBe('llama3.2');
    expect(again.view.sources['llm.model']).toBe('env');
  });

  it('feeds the pipeline and tracing configuration', async () => {
    const store = await open(dataDir(), { OPENAI_API_KEY: 'sk-env' });
    await store.update({ values: { stt: { baseUrl: 'http://127.0.0.1:8000/v1' }, audio: { silenceMs: 800 }, tracing: { otlpEndpoint: 'http://collector:4318/' } }, secrets: { ttsApiKey: 'sk-tts' } });
    const pipeline = pipelineConfigOf(store.current);
    // OPENAI_API_KEY goes to OpenAI (or OPENAI_BASE_URL), not to a stage's own server.
    expect(pipeline.stt).toMatchObject({ baseURL: 'http://127.0.0.1:8000/v1', apiKey: undefined });
    expect(pipeline.llm).toMatchObject({ baseURL: undefined, apiKey: 'sk-env' });
    expect(pipeline.tts.apiKey).toBe('sk-tts');
    expect(pipeline.vad.silenceMs).toBe(800);
    expect(telemetryConfigOf(store.current).tracesUrl).toBe('http://collector:4318/v1/traces');
  });
});

describe('configuration snapshots', () => {
  it('computes the configuration once per change and hands out the same object until then', async () => {
    const store = await open(dataDir(), { OPENAI_API_KEY: 'sk-env', TTS_SAMPLE_RATE: '16000', LLM_IDLE_TIMEOUT_MS: '4000' });
    const first = pipelineConfigOf(store.current);
    expect(pipelineConfigOf(store.current)).toBe(first);
    expect(telemetryConfigOf(store.current)).toBe(telemetryConfigOf(store.current));
    // Values only the environment sets are part of it.
    expect(first.tts.sampleRate).toBe(16_000);
    expect(first.timeouts.llmIdleMs).toBe(4_000);
    expect(first.vad.pushToTalk).toBeUndefined();

    let changes = 0;
    store.onChange(() => changes++);
    await store.update({ values: { audio: { mode: 'push-to-talk', minSpeechMs: 300 } }, secrets: { llmApiKey: 'sk-llm' } });
    expect(changes).toBe(1);
    const second = pipelineConfigOf(store.current);
    expect(second).not.toBe(first);
    expect(second.vad).toMatchObject({ pushToTalk: true, minSpeechMs: 300 });
    expect(second.llm.apiKey).toBe('sk-llm');
    // The snapshot handed out before is left as it was.
    expect(first.vad.minSpeechMs).toBe(200);
  });

  it('lets an endpoint saved in the pane replace the environment\'s signal-specific traces endpoint', async () => {
    const store = await open(dataDir(), { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom/path' });
    expect(telemetryConfigOf(store.current).tracesUrl).toBe('http://b:9999/custom/path');
    expect(store.values.tracing.otlpEndpoint).toBe('http://b:9999/custom/path');
    await store.update({ values: { tracing: { otlpEndpoint: 'http://collector:4318' } } });
    expect(telemetryConfigOf(store.current).tracesUrl).toBe('http://collector:4318/v1/traces');
  });

  it('reports an invalid environment value by name at start-up, and the pane shows the default', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const store = await open(dataDir(), { VAD_SILENCE_MS: 'soon', OTEL_EXPORTER_OTLP_HEADERS: 'x-key=hidden-value,broken' }, logger);
    expect(store.values.audio.silenceMs).toBe(500);
    expect(store.view.sources['audio.silenceMs']).toBe('default');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^VAD_SILENCE_MS="soon" must be a whole number/));
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('hidden-value');
  });

  it('documents every variable it reads in .env.example', () => {
    const example = readFileSync(join(import.meta.dirname, '../../../.env.example'), 'utf8');
    const names = [...SETTING_FIELDS.flatMap((f) => f.env), ...Object.values(SECRET_ENV).flat()];
    expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(example))).toEqual([]);
  });
});

describe('validation', () => {
  it.each([
    [{ values: { tracing: { otlpEndpoint: 'localhost:4318' } } }, 'tracing.otlpEndpoint', /http/],
    [{ values: { tracing: { samplingRatio: 1.5 } } }, 'tracing.samplingRatio', /between 0 and 1/],
    [{ values: { llm: { model: '  ' } } }, 'llm.model', /empty/],
    [{ values: { stt: { baseUrl: 'ftp://x' } } }, 'stt.baseUrl', /http/],
    [{ secrets: { otlpHeaders: 'novalue' } }, 'secrets.otlpHeaders', /key=value/],
    [{ values: { audio: { silenceMs: 50 } } }, 'audio.silenceMs', /100 to 5000/],
    [{ values: { desktop: { conversationShortcut: 'Space' } } }, 'desktop.conversationShortcut', /needs a modifier/],
    [{ values: { desktop: { pushToTalkShortcut: 'Ctrl+Nope' } } }, 'desktop.pushToTalkShortcut', /not a key/],
    [{ values: { nonsense: {} } }, 'nonsense', /./],
    [{ values: { tracing: { traceUiUrl: 'http://localhost:16686/trace/' } } }, 'tracing.traceUiUrl', /\{traceId\}/],
    [{ values: { tracing: { traceUiUrl: 'javascript:alert({traceId})' } } }, 'tracing.traceUiUrl', /http/],
  ])('refuses %j with a message for its field, and saves nothing', async (patch, field, message) => {
    const dir = dataDir();
    const store = await open(dir);
    const before = store.values;
    const result = await store.update(patch);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.entries(result.errors).find(([key]) => key.startsWith(field))?.[1]).toMatch(message);
    expect(store.values).toEqual(before);
    expect(existsSync(join(dir, 'settings.json'))).toBe(false);
  });

  it('accepts the defaults', () => {
    expect(SettingsSchema.safeParse({
      tracing: { enabled: false, consoleExport: false, otlpEndpoint: 'http://localhost:4318', serviceName: 'x', samplingRatio: 1, captureContent: false, captureAudio: false, audioLimitMb: 300, protocol: 'http/json', traceEachTurn: false, httpSpans: false, traceUiUrl: '' },
      stt: { provider: 'auto', baseUrl: '', model: 'm', localModel: 'whisper-base.en' },
      llm: { provider: 'local', baseUrl: '', model: 'm', systemPrompt: '', localModel: 'qwen' },
      tts: { provider: 'openai', baseUrl: '', model: 'm', voice: 'alloy', localVoice: 'slt' },
      audio: { mode: 'hands-free', pushToTalkKey: 'Space', inputDeviceId: '', outputDeviceId: '', vadThreshold: 0.5, silenceMs: 500, minSpeechMs: 200, preemptiveReply: true },
      desktop: { keepInTray: false, launchAtLogin: false, conversationShortcut: 'CommandOrControl+Shift+Space', pushToTalkShortcut: '' },
      history: { keepDays: 0, keepCount: 0 },
    }).success).toBe(true);
  });
});

describe('secrets', () => {
  it('keeps secrets in a file only the user can read, and shows the renderer only whether each is set', async () => {
    const dir = dataDir();
    const store = await open(dir, { OPENAI_API_KEY: 'sk-from-env-123' });
    await store.update({ secrets: { llmApiKey: 'sk-saved-456', otlpHeaders: 'x-key=abc' } });
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    const view = JSON.stringify(store.view);
    expect(view).not.toContain('sk-from-env-123');
    expect(view).not.toContain('sk-saved-456');
    expect(view).not.toContain('abc');
    expect(store.view.secrets).toMatchObject({ openaiApiKey: { set: true, source: 'env' }, llmApiKey: { set: true, source: 'saved' }, sttApiKey: { set: false } });
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain('sk-saved-456');
    expect((await open(dir)).secret('llmApiKey')).toBe('sk-saved-456');
    await store.update({ secrets: { llmApiKey: null } });
    expect(store.secret('llmApiKey')).toBeUndefined();
  });
});

describe('persistence', () => {
  it('moves a corrupt file aside with a clear message and starts from the environment', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'settings.json'), '{"version":1,"values":{"llm":{"model":');
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const store = await open(dir, { LLM_MODEL: 'from-env' }, logger);
    expect(store.values.llm.model).toBe('from-env');
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/unreadable .* moved it to .*settings\.json\.corrupt-/));
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    // The app goes on: saving works again.
    expect((await store.update({ values: { llm: { model: 'fixed' } } })).ok).toBe(true);
  });

  it('treats a file with invalid values as corrupt too', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ version: 1, values: { tracing: { samplingRatio: 7 } } }));
    const store = await open(dir);
    expect(store.values.tracing.samplingRatio).toBe(1);
  });

  it('writes atomically: a process killed mid-write leaves the previous file intact', async () => {
    const dir = dataDir();
    const target = join(dir, 'settings.json');
    await writeFileAtomic(target, '{"previous":true}');
    // A child writes 200 MB through writeFileAtomic and is killed while it does.
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(join(import.meta.dirname, '../util/atomic-file.ts'))});
      process.send('writing');
      await writeFileAtomic(${JSON.stringify(target)}, 'x'.repeat(200 * 1024 * 1024));
      process.send('done');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => child.once('message', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readFileSync(target, 'utf8')).toBe('{"previous":true}');
  });
});

describe('updates one after another', () => {
  it('keeps both of two patches sent back to back', async () => {
    const dir = dataDir();
    const store = await open(dir);
    const first = store.update({ values: { audio: { silenceMs: 800 } } });
    const second = store.update({ values: { audio: { minSpeechMs: 300 } } });
    expect((await first).ok).toBe(true);
    expect((await second).ok).toBe(true);
    expect(store.values.audio).toMatchObject({ silenceMs: 800, minSpeechMs: 300 });
    expect((await open(dir)).values.audio).toMatchObject({ silenceMs: 800, minSpeechMs: 300 });
  });

  it('goes on after an update that failed to save', async () => {
    const dir = dataDir();
    const store = await open(dir, {}, silentLogger, { failSave: 1 });
    const failed = store.update({ secrets: { llmApiKey: 'sk-1' } });
    const next = store.update({ values: { audio: { silenceMs: 900 } } });
    await expect(failed).rejects.toThrow(/disk full/);
    expect((await next).ok).toBe(true);
    expect(store.values.audio.silenceMs).toBe(900);
  });

  it('writes the secrets before the settings that need them: a failed secrets write leaves the settings file as it was', async () => {
    const dir = dataDir();
    const store = await open(dir, {}, silentLogger, { failSave: 1 });
    await expect(store.update({ values: { llm: { baseUrl: 'http://127.0.0.1:9/v1' } }, secrets: { llmApiKey: 'sk-new' } })).rejects.toThrow(/disk full/);
    expect(existsSync(join(dir, 'settings.json'))).toBe(false);
    expect(store.values.llm.baseUrl).toBe('');
    expect(pipelineConfigOf(store.current).llm.apiKey).toBeUndefined();
  });
});

describe('a secrets file that cannot be read', () => {
  it('is moved aside with a warning naming it, never written over, and the pane says to type the secrets again', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'secrets.json'), "{\"version\":2,\"secrets\":{\"llmApiKey\":{\"value\":'sk-SECRET-lost'}}}");
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const store = await open(dir, {}, logger);
    const aside = readdirSync(dir).find((f) => f.startsWith('secrets.json.unreadable-'));
    expect(aside).toBeDefined();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining(`moved the file to ${join(dir, aside!)}`));
    expect(JSON.stringify(logger.warn.mock.calls)).not.toContain('SECRET');
    expect(store.view.notice).toMatch(/could not be read .*moved to .*secrets\.json\.unreadable-.*Type again: any API keys and OTLP headers you had saved/);
    expect(JSON.stringify(store.view)).not.toContain('SECRET');

    // Saving one key starts a new file; the old one is still there, untouched.
    await store.update({ secrets: { ttsApiKey: 'sk-tts' } });
    expect(readFileSync(join(dir, aside!), 'utf8')).toContain('sk-SECRET-lost');
    expect((await open(dir)).secret('ttsApiKey')).toBe('sk-tts');
    expect(store.view.notice).toBeUndefined();
  });

  it('names the secrets it held when the file says so, until each is typed again', async () => {
    const dir = dataDir();
    const secretStore = new UnreadableStore(join(dir, 'secrets.bin'), ['llmApiKey', 'otlpHeaders']);
    const store = await SettingsStore.open({ dataDir: dir, env: {}, secretStore, logger: silentLogger });
    expect(store.view.notice).toMatch(/Type again: language model API key, OTLP headers\.$/);
    expect(store.view.secrets.llmApiKey).toMatchObject({ set: false, note: expect.stringMatching(/^Could not be read from the saved secrets/) });
    await store.update({ secrets: { llmApiKey: 'sk-again' } });
    expect(store.view.notice).toMatch(/Type again: OTLP headers\.$/);
    await store.update({ secrets: { otlpHeaders: 'x-a=b' } });
    expect(store.view.notice).toBeUndefined();
  });

  it('refuses to save secrets while it can be neither read nor moved aside', async () => {
    const dir = dataDir();
    const secretStore = new UnreadableStore(join(dir, 'secrets.bin'), null, false);
    const store = await SettingsStore.open({ dataDir: dir, env: {}, secretStore, logger: silentLogger });
    expect(store.view.notice).toMatch(/could not be moved aside/);
    const result = await store.update({ secrets: { llmApiKey: 'sk-1' } });
    expect(result.ok).toBe(false);
    expect(secretStore.saved).toBe(0);
    // Settings without secrets are still saved.
    expect((await store.update({ values: { audio: { silenceMs: 700 } } })).ok).toBe(true);
  });
});

describe('parse errors', () => {
  it('say where a settings file is wrong without quoting it', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'settings.json'), "{\n  \"version\": 1,\n  \"values\": { \"llm\": { \"model\": 'sk-SECRET-in-quotes' } }\n}");
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    await open(dir, {}, logger);
    const warning = JSON.stringify(logger.warn.mock.calls);
    expect(warning).toContain('settings.json is not valid JSON at line 3, column 33: invalid symbol');
    expect(warning).not.toContain('SECRET');
  });
});

/** A secret store whose file cannot be decrypted. */
class UnreadableStore implements SecretStore {
  readonly description = 'test store';
  saved = 0;
  constructor(
    private readonly path: string,
    private readonly names: SecretName[] | null,
    private readonly canMove = true,
  ) {}
  load(): Promise<SavedSecrets> {
    return Promise.reject(new UnreadableSecretsError(this.path, 'the keychain could not decrypt it', this.names));
  }
  save(): Promise<void> {
    this.saved++;
    return Promise.resolve();
  }
  moveAside(): Promise<string> {
    return this.canMove ? Promise.resolve(`${this.path}.unreadable-now`) : Promise.reject(new Error('read-only folder'));
  }
}
