import { describe, expect, it, vi } from 'vitest';
import { SECRET_NAMES, SettingsSchema } from './settings';
import { DEFAULT_CONVERSATION_SHORTCUT, SECRET_ENV, SETTING_FIELDS, SHOWN_FIELDS, defaultKeepInTray, readEnvironment, settingLabel } from './settings-fields';

describe('the table of settings fields', () => {
  it('has one field for every setting the pane shows, each with its schema', () => {
    const paths = Object.entries(SettingsSchema.shape).flatMap(([section, schema]) => Object.keys(schema.shape).map((key) => `${section}.${key}`));
    expect([...SHOWN_FIELDS.keys()].sort()).toEqual(paths.sort());
    expect(new Set(SETTING_FIELDS.map((f) => f.path)).size).toBe(SETTING_FIELDS.length);
  });

  it('names every field the pane shows, once: a new setting is one row', () => {
    const labels = [...SHOWN_FIELDS.values()].map((field) => field.label);
    expect(labels.every((label) => typeof label === 'string' && label.length > 0)).toBe(true);
    expect(settingLabel('llm.systemPrompt')).toBe('System prompt');
    expect(settingLabel('audio.silenceMs')).toBe('Silence that ends your turn (ms)');
  });

  it('has defaults that its own schemas accept', () => {
    for (const field of SETTING_FIELDS) expect(field.schema.safeParse(field.default).success, field.path).toBe(true);
    const { values } = readEnvironment({}, () => {});
    expect(SettingsSchema.safeParse(Object.fromEntries(Object.keys(SettingsSchema.shape).map((s) => [s, values[s as keyof typeof values]]))).success).toBe(true);
  });

  it('has a variable for every secret', () => {
    expect(Object.keys(SECRET_ENV).sort()).toEqual([...SECRET_NAMES].sort());
  });
});

describe('readEnvironment', () => {
  it('gives the defaults and nothing from the environment when it is empty', () => {
    const warn = vi.fn();
    const { values, secrets, fromEnv } = readEnvironment({}, warn);
    expect(values.llm.model).toBe('gpt-4.1-mini');
    expect(values.timeouts.sttMs).toBe(20_000);
    expect(values.tracing.otlpEndpoint).toBe('http://localhost:4318');
    expect(secrets).toEqual({});
    expect(fromEnv.size).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('prepares replies during the silence window unless PREEMPTIVE_REPLY says no', () => {
    expect(readEnvironment({}, () => {}).values.audio.preemptiveReply).toBe(true);
    expect(readEnvironment({ PREEMPTIVE_REPLY: 'false' }, () => {}).values.audio.preemptiveReply).toBe(false);
    const warn = vi.fn();
    expect(readEnvironment({ PREEMPTIVE_REPLY: 'sometimes' }, warn).values.audio.preemptiveReply).toBe(true);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('PREEMPTIVE_REPLY'));
  });

  it('takes the first valid variable of a field, and says where each value came from', () => {
    const { values, fromEnv } = readEnvironment({ OPENAI_BASE_URL: 'http://shared:1/v1/', STT_BASE_URL: 'http://stt:2/v1', LLM_TIMEOUT_MS: '3000' }, () => {});
    expect(values.stt.baseUrl).toBe('http://stt:2/v1');
    expect(values.llm.baseUrl).toBe('http://shared:1/v1');
    expect(values.timeouts.llmFirstTokenMs).toBe(3_000);
    expect([...fromEnv].sort()).toEqual(['llm.baseUrl', 'openai.baseUrl', 'stt.baseUrl', 'timeouts.llmFirstTokenMs', 'tts.baseUrl']);
  });

  it('reports a bad variable once, by name, even when several fields read it, and falls back', () => {
    const warn = vi.fn();
    const { values } = readEnvironment({ OPENAI_BASE_URL: 'nonsense', STT_BASE_URL: 'ftp://x' }, warn);
    expect(values.stt.baseUrl).toBe('');
    expect(warn.mock.calls.map(([m]) => m as string)).toEqual([
      'STT_BASE_URL="ftp://x" is not an http(s) URL; ignoring it.',
      'OPENAI_BASE_URL="nonsense" is not an http(s) URL; ignoring it.',
    ]);
  });

  it('refuses a value the settings schema would refuse, so that the pane can always save', () => {
    const warn = vi.fn();
    const { values } = readEnvironment({ VAD_THRESHOLD: '0.01', LLM_MODEL: 'm'.repeat(300) }, warn);
    expect(values.audio.vadThreshold).toBe(0.5);
    expect(values.llm.model).toBe('gpt-4.1-mini');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^VAD_THRESHOLD="0.01" is not accepted \(between 0.05 and 0.95\); using 0.5\.$/));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^LLM_MODEL=/));
  });

  it('keeps the system prompt as written', () => {
    expect(readEnvironment({ SYSTEM_PROMPT: '  Be terse.  ' }, () => {}).values.llm.systemPrompt).toBe('  Be terse.  ');
  });

  it('reads secrets, the signal-specific OTLP headers first, and never prints a header value', () => {
    const warn = vi.fn();
    const { secrets, fromEnv } = readEnvironment({ OPENAI_API_KEY: ' sk-1 ', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_HEADERS: 'b=2' }, warn);
    expect(secrets).toEqual({ openaiApiKey: 'sk-1', otlpHeaders: 'a=1' });
    expect(fromEnv.has('secrets.openaiApiKey')).toBe(true);
    const bad = readEnvironment({ OTEL_EXPORTER_OTLP_HEADERS: 'x-key=secret-value,broken' }, warn);
    expect(bad.secrets.otlpHeaders).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('OTEL_EXPORTER_OTLP_HEADERS: entry 2'));
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret-value');
  });

  it('shows a signal-specific traces endpoint as the OTLP endpoint', () => {
    const { values, fromEnv } = readEnvironment({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://api.example/v1/traces' }, () => {});
    expect(values.export.tracesEndpoint).toBe('https://api.example/v1/traces');
    expect(values.tracing.otlpEndpoint).toBe('https://api.example');
    expect(fromEnv.has('tracing.otlpEndpoint')).toBe(true);
  });

  it.each([
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, 0.25],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio' }, 1],
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, 0],
    [{ OTEL_TRACES_SAMPLER_ARG: '0.25' }, 1],
  ])('reads the sampler %j as ratio %d', (env, ratio) => {
    expect(readEnvironment(env, () => {}).values.tracing.samplingRatio).toBe(ratio);
  });

  it('reads the desktop settings, shortcuts in their canonical spelling, "none" for no shortcut', () => {
    const warn = vi.fn();
    const { values, fromEnv } = readEnvironment(
      { DESKTOP_KEEP_IN_TRAY: 'yes', DESKTOP_LAUNCH_AT_LOGIN: 'on', DESKTOP_CONVERSATION_SHORTCUT: 'shift+ctrl+k', DESKTOP_PUSH_TO_TALK_SHORTCUT: 'none' },
      warn,
    );
    expect(values.desktop).toEqual({ keepInTray: true, launchAtLogin: true, conversationShortcut: 'Control+Shift+K', pushToTalkShortcut: '' });
    expect([...fromEnv].filter((p) => p.startsWith('desktop.')).length).toBe(4);
    expect(warn).not.toHaveBeenCalled();
  });

  it('reads the history retention limits, off by default, refusing what is not a whole number of days or conversations', () => {
    expect(readEnvironment({}, () => {}).values.history).toEqual({ keepDays: 0, keepCount: 0 });
    expect(readEnvironment({ HISTORY_KEEP_DAYS: '30', HISTORY_KEEP_COUNT: '500' }, () => {}).values.history).toEqual({ keepDays: 30, keepCount: 500 });
    const warn = vi.fn();
    expect(readEnvironment({ HISTORY_KEEP_DAYS: 'a month', HISTORY_KEEP_COUNT: '-1' }, warn).values.history).toEqual({ keepDays: 0, keepCount: 0 });
    expect(warn).toHaveBeenCalledWith('HISTORY_KEEP_DAYS="a month" must be a whole number from 0 to 36500; using 0.');
    expect(warn).toHaveBeenCalledWith('HISTORY_KEEP_COUNT="-1" must be a whole number from 0 to 100000; using 0.');
  });

  it('refuses a shortcut without a modifier by its variable, and keeps the default', () => {
    const warn = vi.fn();
    const { values } = readEnvironment({ DESKTOP_CONVERSATION_SHORTCUT: 'K' }, warn);
    expect(values.desktop.conversationShortcut).toBe(DEFAULT_CONVERSATION_SHORTCUT);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^DESKTOP_CONVERSATION_SHORTCUT="K" needs a modifier .*; using CommandOrControl\+Shift\+Space\.$/));
  });
});

describe('defaultKeepInTray', () => {
  it('follows the platform: macOS keeps running without windows, Windows and Linux quit', () => {
    expect(defaultKeepInTray('darwin')).toBe(true);
    expect(defaultKeepInTray('win32')).toBe(false);
    expect(defaultKeepInTray('linux')).toBe(false);
  });

  it('is the default of desktop.keepInTray on this platform', () => {
    expect(readEnvironment({}, () => {}).values.desktop.keepInTray).toBe(defaultKeepInTray((globalThis as unknown as { process: { platform: string } }).process.platform));
  });
});
