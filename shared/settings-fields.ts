/**
 * Every configurable value, once: its path, the environment variables behind
 * it (first one set wins), its schema and its default. Reading the
 * environment, the settings pane's "where does this value come from", reset
 * and the start-up warnings are all derived from this table. Values that only
 * the environment sets (time limits, context limits, the speech sample rate,
 * the trace export's own endpoint and delay) are in it too, marked as not
 * shown in the pane.
 */
import { z } from 'zod';
import { parseAccelerator } from './accelerator';
import { isHttpUrl, parseHeaderList } from './config-values';
import { traceUiTemplateProblem } from './trace-ui-url';
import { OTLP_PROTOCOLS, SECRET_NAMES, SettingsSchema, type OtlpProtocol, type SecretName, type Settings } from './settings';

/** OTEL_METRICS_EXPORTER's values here (the specification's list, of the exporters this app has). */
export const METRICS_EXPORTER_CHOICES = ['otlp', 'console', 'otlp,console', 'none'] as const;
export type MetricsExporterChoice = (typeof METRICS_EXPORTER_CHOICES)[number];
/** OTEL_LOGS_EXPORTER's values here (the specification's list, of the exporters this app has). */
export const LOGS_EXPORTER_CHOICES = ['otlp', 'console', 'otlp,console', 'none'] as const;
export type LogsExporterChoice = (typeof LOGS_EXPORTER_CHOICES)[number];

/** Values only the environment sets: the pane neither shows nor saves them. */
export interface EnvOnlySettings {
  timeouts: { sttMs: number; llmFirstTokenMs: number; llmIdleMs: number; ttsFirstByteMs: number; ttsIdleMs: number; toolCallSeconds: number };
  context: { maxTurns: number; maxTokens: number };
  speech: { sampleRate: number };
  /** mcpConfig: the MCP servers file (MCP_CONFIG); empty: mcp.json in the data folder. */
  tools: { mcpConfig: string };
  /** OPENAI_BASE_URL as the environment gives it: the one server besides OpenAI's that OPENAI_API_KEY is sent to. */
  openai: { baseUrl: string };
  /**
   * tracesEndpoint / metricsEndpoint: the signal-specific OTLP endpoints, used
   * as is; empty: the OTLP endpoint's /v1/traces or /v1/metrics. An empty
   * metricsProtocol follows the traces' protocol (the Settings choice). The
   * same for logs: logsEndpoint, empty: the OTLP endpoint's /v1/logs.
   */
  export: {
    tracesEndpoint: string;
    delayMs: number;
    metricsExporter: MetricsExporterChoice;
    metricsEndpoint: string;
    metricsProtocol: OtlpProtocol | '';
    metricsIntervalMs: number;
    logsExporter: LogsExporterChoice;
    logsEndpoint: string;
    logsProtocol: OtlpProtocol | '';
    logsDelayMs: number;
  };
}

/** Everything the pipeline and tracing are configured from, apart from secrets. */
export type AllSettings = Settings & EnvOnlySettings;
export type Secrets = Partial<Record<SecretName, string>>;

type Env = Record<string, string | undefined>;

/**
 * What one variable's text gave: a value (with a note when it was understood
 * as something else), or a problem; both reported by the variable's name.
 */
type Parsed = { value: unknown; note?: string } | { problem: string; outcome?: string };

export interface SettingField {
  /** "llm.model"; an env-only value's path is in its own section ("timeouts.sttMs"). */
  path: string;
  /** First one set (and valid) wins. */
  env: readonly string[];
  /** Whether the settings pane shows, saves and resets it. */
  shown: boolean;
  /** What the settings pane calls it (shown fields). */
  label?: string;
  schema: z.ZodType;
  default: unknown;
  /** Reads one variable's trimmed, non-empty text. */
  parse: (raw: string) => Parsed;
  /** Whether the text is used untrimmed, empty included (the system prompt). */
  raw?: boolean;
  /** For a value made of several variables (a sampler and its argument): reads them all. */
  compose?: (env: Env, warn: (message: string) => void) => { value: unknown } | null;
}

const text = (raw: string): Parsed => ({ value: raw });
const url = (raw: string): Parsed => (isHttpUrl(raw) ? { value: raw.replace(/\/+$/, '') } : { problem: 'is not an http(s) URL', outcome: 'ignoring it' });
/** The signal-specific OTLP endpoint is used exactly as given. */
const exactUrl = (raw: string): Parsed => (isHttpUrl(raw) ? { value: raw } : { problem: 'is not an http(s) URL', outcome: 'ignoring it' });
const wholeNumber = (min: number, max: number) => (raw: string): Parsed => {
  const value = Number(raw);
  return Number.isInteger(value) && value >= min && value <= max ? { value } : { problem: `must be a whole number from ${min} to ${max}` };
};
const traceUiTemplate = (raw: string): Parsed => {
  const problem = traceUiTemplateProblem(raw);
  return problem ? { problem, outcome: 'showing no trace UI link' } : { value: raw };
};
const ratio = (raw: string): Parsed => {
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 && value < 1 ? { value } : { problem: 'must be a number between 0 and 1' };
};
const providerChoice = (raw: string): Parsed => {
  const value = raw.toLowerCase();
  return value === 'auto' || value === 'openai' || value === 'local' ? { value } : { problem: 'must be auto, openai or local' };
};
const flag = (raw: string): Parsed => {
  const value = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return { value: true };
  if (['false', '0', 'no', 'off'].includes(value)) return { value: false };
  return { problem: 'is not true or false' };
};
/** A global shortcut, written back in its canonical spelling; "none" (or "off") for no shortcut. */
const accelerator = (raw: string): Parsed => {
  if (['none', 'off'].includes(raw.toLowerCase())) return { value: '' };
  const parsed = parseAccelerator(raw);
  return parsed.ok ? { value: parsed.value } : { problem: parsed.error };
};
/**
 * OTEL_EXPORTER_OTLP(_TRACES|_METRICS)_PROTOCOL. gRPC needs an HTTP/2 client
 * this app does not ship; it falls back to http/protobuf, the specification's
 * default protocol and gRPC's own encoding, which collectors that take gRPC
 * also take over HTTP on their OTLP/HTTP port (4318).
 */
const otlpProtocol = (raw: string): Parsed => {
  const value = raw.toLowerCase();
  if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return { value };
  if (value === 'grpc')
    return { value: 'http/protobuf', note: 'is not supported here (OTLP over gRPC); using http/protobuf: point the endpoint at the collector\'s OTLP/HTTP port (usually 4318)' };
  return { problem: 'must be http/json or http/protobuf' };
};
/** OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER: a comma-separated list of otlp, console or none. */
const metricsExporter = (raw: string): Parsed => {
  const names = new Set(raw.toLowerCase().split(',').map((n) => n.trim()).filter(Boolean));
  if ([...names].some((n) => n !== 'otlp' && n !== 'console' && n !== 'none')) return { problem: 'must be otlp, console or none (or otlp,console)' };
  if (names.has('none')) return { value: 'none' };
  return { value: names.has('otlp') && names.has('console') ? 'otlp,console' : names.has('console') ? 'console' : 'otlp' };
};
/**
 * Content capture: OTEL_CAPTURE_CONTENT, or the GenAI conventions' own
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT; either one true turns
 * it on (each switch means "capture", so neither may veto the other).
 */
function captureContent(env: Env, warn: (message: string) => void): { value: boolean } | null {
  let found: { value: boolean } | null = null;
  for (const name of CAPTURE_CONTENT_ENV) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const parsed = flag(raw);
    if ('problem' in parsed) warn(`${name}="${env[name]}" ${parsed.problem}; ignoring it.`);
    else if (parsed.value === true) return { value: true };
    else found = { value: false };
  }
  return found;
}
const CAPTURE_CONTENT_ENV = ['OTEL_CAPTURE_CONTENT', 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'] as const;
/**
 * OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the OpenTelemetry
 * specification names them; parent-based or not, children follow their
 * parent here. Anything invalid samples everything.
 */
function samplingRatio(env: Env, warn: (message: string) => void): { value: number } | null {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (!sampler) return null;
  switch (sampler.toLowerCase().replace(/^parentbased_/, '')) {
    case 'always_on':
      return { value: 1 };
    case 'always_off':
      return { value: 0 };
    case 'traceidratio': {
      const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
      if (!arg) return { value: 1 };
      const ratio = Number(arg);
      if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return { value: ratio };
      warn(`OTEL_TRACES_SAMPLER_ARG="${arg}" must be a ratio from 0 to 1; sampling everything.`);
      return null;
    }
    default:
      warn(`OTEL_TRACES_SAMPLER="${env.OTEL_TRACES_SAMPLER}" is not supported (use parentbased_traceidratio, always_on or always_off); sampling everything.`);
      return null;
  }
}

const shape = SettingsSchema.shape;
const shown = (path: string, label: string, env: readonly string[], defaultValue: unknown, parse: SettingField['parse'] = text, raw = false): SettingField => {
  const [section, key] = path.split('.') as [keyof Settings, string];
  const schema = (shape[section].shape as Record<string, z.ZodType>)[key]!;
  return { path, label, env, shown: true, schema, default: defaultValue, parse, raw };
};
const envOnly = (path: string, env: string, defaultValue: number, min: number, max: number): SettingField => ({
  path,
  env: [env],
  shown: false,
  schema: z.number().int().min(min).max(max),
  default: defaultValue,
  parse: wholeNumber(min, max),
});

/**
 * Whether closing the last window keeps the app in the tray, by the
 * platform's convention: macOS apps keep running without windows, Windows
 * and Linux apps quit.
 */
export function defaultKeepInTray(platform: string): boolean {
  return platform === 'darwin';
}
/** The platform of the process reading the table (main, or the headless host); none in a page. */
const hostPlatform = (): string => (globalThis as { process?: { platform?: string } }).process?.platform ?? '';
export const DEFAULT_CONVERSATION_SHORTCUT = 'CommandOrControl+Shift+Space';

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
/** Turn audio kept at most, by default: some 5 hours of conversation (FLAC, about 1 MB a minute). */
export const DEFAULT_AUDIO_LIMIT_MB = 300;
export const DEFAULT_SERVICE_NAME = 'voice-agent-stack';
export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful voice assistant. Your replies are spoken aloud, so answer in short, plain sentences: no markdown, lists, code or emoji.';

export const SETTING_FIELDS: readonly SettingField[] = [
  shown('tracing.enabled', 'Tracing', ['ENABLE_TRACING'], false, flag),
  shown('tracing.consoleExport', 'Console export', ['OTEL_CONSOLE_EXPORT'], false, flag),
  shown('tracing.otlpEndpoint', 'OTLP endpoint', ['OTEL_EXPORTER_OTLP_ENDPOINT'], DEFAULT_OTLP_ENDPOINT, (raw) =>
    isHttpUrl(raw) ? { value: raw.replace(/\/+$/, '') } : { problem: 'is not an http(s) URL', outcome: `using ${DEFAULT_OTLP_ENDPOINT}` },
  ),
  shown('tracing.serviceName', 'Service name', ['OTEL_SERVICE_NAME'], DEFAULT_SERVICE_NAME),
  { ...shown('tracing.samplingRatio', 'Sampling ratio', ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'], 1), compose: samplingRatio },
  { ...shown('tracing.captureContent', 'Capture content', CAPTURE_CONTENT_ENV, false, flag), compose: captureContent },
  // Ours: each turn's audio kept on this computer (never exported), within a size limit.
  shown('tracing.captureAudio', 'Keep turn audio', ['CAPTURE_AUDIO'], false, flag),
  shown('tracing.audioLimitMb', 'Turn audio size limit (MB)', ['TURN_AUDIO_LIMIT_MB'], DEFAULT_AUDIO_LIMIT_MB, wholeNumber(10, 1_000_000)),
  // The signal-specific variable first, as the specification says.
  shown('tracing.protocol', 'OTLP protocol', ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'], 'http/json', otlpProtocol),
  shown('tracing.traceEachTurn', 'A trace per turn', ['TRACE_EACH_TURN'], false, flag),
  // Ours: the HTTP client spans of the API calls (connect, TLS, server time); off by default.
  shown('tracing.httpSpans', 'HTTP client spans', ['OTEL_TRACE_HTTP_CALLS'], false, flag),
  // Ours: where the trace viewer's "Open in trace UI" goes, {traceId} replaced.
  shown('tracing.traceUiUrl', 'Trace UI address', ['TRACE_UI_URL'], '', traceUiTemplate),
  shown('stt.provider', 'Runs on', ['STT_PROVIDER'], 'auto', providerChoice),
  shown('stt.baseUrl', 'Speech-to-text base URL', ['STT_BASE_URL', 'OPENAI_BASE_URL'], '', url),
  shown('stt.model', 'Speech-to-text model', ['STT_MODEL'], 'gpt-4o-mini-transcribe'),
  shown('stt.localModel', 'On-device model', ['STT_LOCAL_MODEL'], 'whisper-base.en'),
  shown('llm.provider', 'Runs on', ['LLM_PROVIDER'], 'auto', providerChoice),
  shown('llm.baseUrl', 'Language model base URL', ['LLM_BASE_URL', 'OPENAI_BASE_URL'], '', url),
  shown('llm.model', 'Language model', ['LLM_MODEL'], 'gpt-4.1-mini'),
  shown('llm.systemPrompt', 'System prompt', ['SYSTEM_PROMPT'], DEFAULT_SYSTEM_PROMPT, text, true),
  shown('llm.localModel', 'On-device model', ['LLM_LOCAL_MODEL'], 'qwen2.5-0.5b-instruct-q4_k_m'),
  shown('tts.provider', 'Runs on', ['TTS_PROVIDER'], 'auto', providerChoice),
  shown('tts.baseUrl', 'Text-to-speech base URL', ['TTS_BASE_URL', 'OPENAI_BASE_URL'], '', url),
  shown('tts.model', 'Text-to-speech model', ['TTS_MODEL'], 'gpt-4o-mini-tts'),
  shown('tts.voice', 'Voice', ['TTS_VOICE'], 'alloy'),
  shown('tts.localVoice', 'On-device voice', ['TTS_LOCAL_VOICE'], 'slt'),
  shown('audio.mode', 'Taking turns', [], 'hands-free'),
  shown('audio.pushToTalkKey', 'Key to hold', [], 'Space'),
  shown('audio.inputDeviceId', 'Microphone', [], ''),
  shown('audio.outputDeviceId', 'Speaker', [], ''),
  shown('audio.vadThreshold', 'Voice detection threshold', ['VAD_THRESHOLD'], 0.5, ratio),
  shown('audio.silenceMs', 'Silence that ends your turn (ms)', ['VAD_SILENCE_MS'], 500, wholeNumber(100, 5_000)),
  shown('audio.minSpeechMs', 'Shortest speech (ms)', ['VAD_MIN_SPEECH_MS'], 200, wholeNumber(20, 2_000)),
  shown('audio.preemptiveReply', 'Prepare the reply while you pause', ['PREEMPTIVE_REPLY'], true, flag),
  shown('desktop.keepInTray', 'Keep running in the tray', ['DESKTOP_KEEP_IN_TRAY'], defaultKeepInTray(hostPlatform()), flag),
  shown('desktop.launchAtLogin', 'Launch at login', ['DESKTOP_LAUNCH_AT_LOGIN'], false, flag),
  shown('desktop.conversationShortcut', 'Conversation shortcut', ['DESKTOP_CONVERSATION_SHORTCUT'], DEFAULT_CONVERSATION_SHORTCUT, accelerator),
  // Empty by default: push-to-talk is not the default way of taking turns.
  shown('desktop.pushToTalkShortcut', 'Push-to-talk shortcut', ['DESKTOP_PUSH_TO_TALK_SHORTCUT'], '', accelerator),
  // Retention of saved conversations: off by default (everything is kept until the user deletes it).
  shown('history.keepDays', 'Keep conversations for (days)', ['HISTORY_KEEP_DAYS'], 0, wholeNumber(0, 36_500)),
  shown('history.keepCount', 'Keep at most (conversations)', ['HISTORY_KEEP_COUNT'], 0, wholeNumber(0, 100_000)),
  envOnly('timeouts.sttMs', 'STT_TIMEOUT_MS', 20_000, 1_000, 300_000),
  envOnly('timeouts.llmFirstTokenMs', 'LLM_TIMEOUT_MS', 20_000, 1_000, 300_000),
  envOnly('timeouts.llmIdleMs', 'LLM_IDLE_TIMEOUT_MS', 15_000, 1_000, 300_000),
  envOnly('timeouts.ttsFirstByteMs', 'TTS_TIMEOUT_MS', 15_000, 1_000, 300_000),
  envOnly('timeouts.ttsIdleMs', 'TTS_IDLE_TIMEOUT_MS', 10_000, 1_000, 300_000),
  envOnly('timeouts.toolCallSeconds', 'TOOL_CALL_TIMEOUT_SECONDS', 30, 1, 600),
  envOnly('context.maxTurns', 'CONTEXT_MAX_TURNS', 20, 1, 1_000),
  envOnly('context.maxTokens', 'CONTEXT_MAX_TOKENS', 8_000, 256, 1_000_000),
  envOnly('speech.sampleRate', 'TTS_SAMPLE_RATE', 24_000, 8_000, 48_000),
  { path: 'tools.mcpConfig', env: ['MCP_CONFIG'], shown: false, schema: z.string().max(4_096), default: '', parse: text },
  { path: 'openai.baseUrl', env: ['OPENAI_BASE_URL'], shown: false, schema: z.union([z.literal(''), z.string().refine(isHttpUrl)]), default: '', parse: url },
  { path: 'export.tracesEndpoint', env: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'], shown: false, schema: z.union([z.literal(''), z.string().refine(isHttpUrl)]), default: '', parse: exactUrl },
  envOnly('export.delayMs', 'OTEL_BSP_SCHEDULE_DELAY', 5_000, 50, 600_000),
  { path: 'export.metricsExporter', env: ['OTEL_METRICS_EXPORTER'], shown: false, schema: z.enum(METRICS_EXPORTER_CHOICES), default: 'otlp', parse: metricsExporter },
  { path: 'export.metricsEndpoint', env: ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'], shown: false, schema: z.union([z.literal(''), z.string().refine(isHttpUrl)]), default: '', parse: exactUrl },
  {
    path: 'export.metricsProtocol',
    env: ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'],
    shown: false,
    schema: z.union([z.literal(''), z.enum(OTLP_PROTOCOLS)]),
    default: '',
    parse: otlpProtocol,
  },
  // The specification's default: a minute between the starts of two exports.
  envOnly('export.metricsIntervalMs', 'OTEL_METRIC_EXPORT_INTERVAL', 60_000, 100, 3_600_000),
  { path: 'export.logsExporter', env: ['OTEL_LOGS_EXPORTER'], shown: false, schema: z.enum(LOGS_EXPORTER_CHOICES), default: 'otlp', parse: metricsExporter },
  { path: 'export.logsEndpoint', env: ['OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'], shown: false, schema: z.union([z.literal(''), z.string().refine(isHttpUrl)]), default: '', parse: exactUrl },
  {
    path: 'export.logsProtocol',
    env: ['OTEL_EXPORTER_OTLP_LOGS_PROTOCOL'],
    shown: false,
    schema: z.union([z.literal(''), z.enum(OTLP_PROTOCOLS)]),
    default: '',
    parse: otlpProtocol,
  },
  // The specification's default for the batch log record processor: a second.
  envOnly('export.logsDelayMs', 'OTEL_BLRP_SCHEDULE_DELAY', 1_000, 50, 600_000),
];

export const SHOWN_FIELDS: ReadonlyMap<string, SettingField> = new Map(SETTING_FIELDS.filter((f) => f.shown).map((f) => [f.path, f]));

/** The pane's name for a shown field ("llm.model" -> "Language model"). */
export function settingLabel(path: string): string {
  return SHOWN_FIELDS.get(path)?.label ?? path;
}

/** Where each secret comes from in the environment (first one set wins). OTLP header values are never printed. */
export const SECRET_ENV: Record<SecretName, readonly string[]> = {
  openaiApiKey: ['OPENAI_API_KEY'],
  sttApiKey: ['STT_API_KEY'],
  llmApiKey: ['LLM_API_KEY'],
  ttsApiKey: ['TTS_API_KEY'],
  otlpHeaders: ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'],
};

export interface EnvironmentSettings {
  values: AllSettings;
  secrets: Secrets;
  /** Paths (and "secrets.<name>") whose value the environment gave. */
  fromEnv: ReadonlySet<string>;
}

/**
 * The settings the environment (and .env) gives, over the defaults. Each
 * invalid value is reported once by its variable's name and replaced by the
 * next variable or the default.
 */
export function readEnvironment(env: Env, warn: (message: string) => void): EnvironmentSettings {
  const values: Record<string, Record<string, unknown>> = {};
  const fromEnv = new Set<string>();
  // A variable that several fields read (OPENAI_BASE_URL) is read the same way by each: read and reported once.
  const parsed = new Map<string, Parsed | null>();
  const read = (name: string, field: SettingField): Parsed | null => {
    if (!parsed.has(name)) {
      const raw = field.raw ? env[name] : env[name]?.trim() || undefined;
      let result: Parsed | null = raw === undefined ? null : field.parse(raw);
      if (result && 'value' in result) {
        const checked = field.schema.safeParse(result.value);
        if (!checked.success) result = { problem: `is not accepted (${checked.error.issues[0]?.message ?? 'invalid'})` };
      }
      if (result && 'problem' in result) warn(`${name}="${env[name]}" ${result.problem}; ${result.outcome ?? `using ${describe(field.default)}`}.`);
      else if (result?.note) warn(`${name}="${env[name]}" ${result.note}.`);
      parsed.set(name, result);
    }
    return parsed.get(name)!;
  };
  const firstValid = (field: SettingField): { value: unknown } | null => {
    for (const name of field.env) {
      const result = read(name, field);
      if (result && 'value' in result) return result;
    }
    return null;
  };
  for (const field of SETTING_FIELDS) {
    const [section, key] = field.path.split('.') as [string, string];
    const found = field.compose ? field.compose(env, warn) : firstValid(field);
    if (found) fromEnv.add(field.path);
    (values[section] ??= {})[key] = found ? found.value : field.default;
  }
  const secrets: Secrets = {};
  for (const name of SECRET_NAMES) {
    const variable = SECRET_ENV[name].find((v) => env[v]?.trim());
    if (!variable) continue;
    const value = env[variable]!.trim();
    if (name === 'otlpHeaders' && !parseHeaderList(value).ok) {
      warnBadHeaders(value, warn, variable);
      continue;
    }
    secrets[name] = value;
    fromEnv.add(`secrets.${name}`);
  }
  const all = values as unknown as AllSettings;
  // The pane shows where traces go: a signal-specific endpoint of the environment's, without its /v1/traces.
  if (all.export.tracesEndpoint && !fromEnv.has('tracing.otlpEndpoint')) {
    all.tracing.otlpEndpoint = all.export.tracesEndpoint.replace(/\/v1\/traces\/?$/, '');
    fromEnv.add('tracing.otlpEndpoint');
  }
  return { values: all, secrets, fromEnv };
}

/** Reports a bad header list by its variable's name and the entry's position, never its text (it holds secrets). */
export function warnBadHeaders(raw: string, warn: (message: string) => void, name = 'OTEL_EXPORTER_OTLP_HEADERS'): void {
  const parsed = parseHeaderList(raw);
  if (!parsed.ok) warn(`${name}: entry ${parsed.entry} is not a valid key=value pair (values are percent-encoded); sending no headers.`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value || 'none' : String(value);
}
