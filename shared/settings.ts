/**
 * The settings, one schema for both sides: main validates what it saves and
 * the renderer validates as the user types, with the same messages. Secrets
 * (API keys, OTLP headers) are write-only: the renderer only learns whether
 * one is set. Where each value comes from (variables, defaults) is in
 * settings-fields.ts.
 */
import { z } from 'zod';
import { isHttpUrl, parseHeaderList } from './config-values';
import { parseAccelerator } from './accelerator';
import { traceUiTemplateProblem } from './trace-ui-url';

const httpUrl = z
  .string()
  .trim()
  .max(2_000)
  .refine(isHttpUrl, 'must be an http:// or https:// URL');

/** Empty means "not set" (for a provider: OpenAI itself). */
const optionalUrl = z.union([z.literal(''), httpUrl]);
const model = z.string().trim().min(1, 'model is empty').max(200);
/**
 * Who runs a stage: an OpenAI-compatible API, the engine on this machine, or
 * "auto": the API when it has a key or a server, else this machine.
 */
export const PROVIDER_CHOICES = ['auto', 'openai', 'local'] as const;
const provider = z.enum(PROVIDER_CHOICES);
/** A model of the on-device catalogue, by id. */
const localModel = z.string().trim().min(1, 'choose a model').max(100);

/** A global shortcut in Electron's accelerator syntax; empty: none. */
const shortcut = z.union([
  z.literal(''),
  z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const parsed = parseAccelerator(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
]);

/** The OTLP/HTTP encodings the exporters speak. */
export const OTLP_PROTOCOLS = ['http/json', 'http/protobuf'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const SettingsSchema = z.strictObject({
  tracing: z.strictObject({
    enabled: z.boolean(),
    consoleExport: z.boolean(),
    otlpEndpoint: httpUrl,
    serviceName: z.string().trim().min(1, 'service name is empty').max(100),
    samplingRatio: z.number().min(0, 'ratio must be between 0 and 1').max(1, 'ratio must be between 0 and 1'),
    captureContent: z.boolean(),
    /** Keep each turn's audio (what speech-to-text received, what the user heard) on this computer; never exported. */
    captureAudio: z.boolean(),
    /** The most turn audio kept, in megabytes; past it the oldest conversations' audio is removed. */
    audioLimitMb: z.number().int('a whole number of megabytes').min(10, 'at least 10 MB').max(1_000_000, 'at most 1,000,000 MB'),
    /** OTLP/HTTP encoding; gRPC is not offered (see settings-fields.ts). */
    protocol: z.enum(OTLP_PROTOCOLS),
    /** Each turn the root of its own trace, linked to the conversation's span. */
    traceEachTurn: z.boolean(),
    /** Spans of the API calls' HTTP requests (undici/fetch), under their stage's span. */
    httpSpans: z.boolean(),
    /** A trace UI's address with {traceId}; empty: no "Open in trace UI" link. */
    traceUiUrl: z.union([
      z.literal(''),
      z
        .string()
        .trim()
        .max(2_000)
        .superRefine((value, ctx) => {
          const problem = traceUiTemplateProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    ]),
  }),
  stt: z.strictObject({ provider, baseUrl: optionalUrl, model, localModel }),
  llm: z.strictObject({ provider, baseUrl: optionalUrl, model, systemPrompt: z.string().max(8_000), localModel }),
  tts: z.strictObject({
    provider,
    baseUrl: optionalUrl,
    model,
    voice: z.string().trim().min(1, 'voice is empty').max(100),
    localVoice: z.string().trim().min(1, 'choose a voice').max(40),
  }),
  audio: z.strictObject({
    /** Hands-free: voice detection takes turns. Push-to-talk: a held key (or button) does. */
    mode: z.enum(['hands-free', 'push-to-talk']),
    /** KeyboardEvent.code of the key to hold in push-to-talk. */
    pushToTalkKey: z.string().trim().min(1, 'choose a key').max(40),
    /** Empty: the system default. */
    inputDeviceId: z.string().max(500),
    outputDeviceId: z.string().max(500),
    vadThreshold: z.number().min(0.05, 'between 0.05 and 0.95').max(0.95, 'between 0.05 and 0.95'),
    silenceMs: z.number().int().min(100, 'from 100 to 5000 ms').max(5_000, 'from 100 to 5000 ms'),
    minSpeechMs: z.number().int().min(20, 'from 20 to 2000 ms').max(2_000, 'from 20 to 2000 ms'),
    /** Prepare the reply during the silence window (speech-to-text, model, first phrase), held until the turn is confirmed. */
    preemptiveReply: z.boolean(),
  }),
  /** The desktop shell's own settings (the headless host keeps and ignores them). */
  desktop: z.strictObject({
    /** Closing the last window leaves the app running in the tray. */
    keepInTray: z.boolean(),
    /** The system starts the app when the user logs in. */
    launchAtLogin: z.boolean(),
    /** Starts or ends a conversation from any app. */
    conversationShortcut: shortcut,
    /** Push-to-talk as a toggle from any app (a global shortcut has no key-up). */
    pushToTalkShortcut: shortcut,
  }),
  /** How long History keeps conversations: past either limit the oldest are deleted; 0 turns a limit off. */
  history: z.strictObject({
    keepDays: z.number().int().min(0, 'from 0 (no limit) to 36500 days').max(36_500, 'from 0 (no limit) to 36500 days'),
    keepCount: z.number().int().min(0, 'from 0 (no limit) to 100000 conversations').max(100_000, 'from 0 (no limit) to 100000 conversations'),
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SECRET_NAMES = ['openaiApiKey', 'sttApiKey', 'llmApiKey', 'ttsApiKey', 'otlpHeaders'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Valid OTLP header lists: key=value pairs, comma-separated, values percent-encoded. */
export const OtlpHeadersSchema = z
  .string()
  .max(8_000)
  .refine((raw) => parseHeaderList(raw).ok, 'use key=value pairs separated by commas (values percent-encoded)');

export const SecretValueSchema = z.string().max(8_000).refine((v) => !/[\r\n]/.test(v), 'must be one line');

/** A change from the settings pane: any subset of fields; a secret set to null is removed. */
export const SettingsPatchSchema = z.strictObject({
  values: z
    .strictObject({
      tracing: SettingsSchema.shape.tracing.partial().optional(),
      stt: SettingsSchema.shape.stt.partial().optional(),
      llm: SettingsSchema.shape.llm.partial().optional(),
      tts: SettingsSchema.shape.tts.partial().optional(),
      audio: SettingsSchema.shape.audio.partial().optional(),
      desktop: SettingsSchema.shape.desktop.partial().optional(),
      history: SettingsSchema.shape.history.partial().optional(),
    })
    .optional(),
  secrets: z
    .strictObject({
      openaiApiKey: SecretValueSchema.nullable().optional(),
      sttApiKey: SecretValueSchema.nullable().optional(),
      llmApiKey: SecretValueSchema.nullable().optional(),
      ttsApiKey: SecretValueSchema.nullable().optional(),
      otlpHeaders: OtlpHeadersSchema.nullable().optional(),
    })
    .optional(),
  /** Fields (e.g. "tracing.otlpEndpoint", "secrets.openaiApiKey") to return to the environment's value. */
  reset: z.array(z.string().max(100)).max(50).optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export type SettingSource = 'default' | 'env' | 'saved';

/** What the renderer sees: values, where each comes from, and for secrets only whether they are set. */
export const SettingsViewSchema = z.strictObject({
  values: SettingsSchema,
  sources: z.record(z.string(), z.enum(['default', 'env', 'saved'])),
  /** note: why a secret is not in force for its stage's address now (kept for another one, or lost), and what to set. */
  secrets: z.record(z.string(), z.strictObject({ set: z.boolean(), source: z.enum(['default', 'env', 'saved']), note: z.string().max(1_000).optional() })),
  /** Where settings are kept, for the user's information. */
  location: z.string().max(1_000),
  /** A problem with the saved settings the pane shows above them (saved secrets that could not be read). */
  notice: z.string().max(2_000).optional(),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** Field errors keyed by path ("tracing.otlpEndpoint"), for messages beside the fields. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  // A Map, not an object literal: a client may name a field "__proto__", and
  // assigning that key to a plain object would set its prototype, not an error.
  const out = new Map<string, string>();
  const add = (field: string, message: string) => {
    if (!out.has(field)) out.set(field, message);
  };
  for (const issue of error.issues) {
    const path = issue.path.filter((p) => p !== 'values').map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...path, key].join('.'), 'unknown setting');
      continue;
    }
    add(path.join('.') || 'settings', issue.message);
  }
  return Object.fromEntries(out);
}
