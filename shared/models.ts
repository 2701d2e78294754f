/**
 * The on-device engines as the renderer sees them: the model catalogue with
 * each model's download state, the files the user picked, the local voices,
 * and which engine runs each stage (and what it still lacks).
 */
import { z } from 'zod';

export const MODEL_STAGES = ['stt', 'llm'] as const;
export type ModelStageName = (typeof MODEL_STAGES)[number];

const ModelState = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('missing'), partialBytes: z.number().nonnegative() }),
  z.strictObject({
    state: z.literal('downloading'),
    receivedBytes: z.number().nonnegative(),
    totalBytes: z.number().nonnegative().nullable(),
    bytesPerSecond: z.number().nonnegative(),
    secondsLeft: z.number().nonnegative().nullable(),
  }),
  z.strictObject({ state: z.literal('ready'), sizeBytes: z.number().nonnegative() }),
  z.strictObject({ state: z.literal('error'), message: z.string().max(1_000), partialBytes: z.number().nonnegative() }),
]);
export type ModelState = z.infer<typeof ModelState>;

const CatalogEntry = z.strictObject({
  id: z.string().max(100),
  stage: z.enum(MODEL_STAGES),
  title: z.string().max(200),
  sizeBytes: z.number().nonnegative(),
  license: z.string().max(100),
  description: z.string().max(500),
  status: ModelState,
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

const PickedFile = z.strictObject({ path: z.string().max(4_096), sizeBytes: z.number().nonnegative() }).nullable();

/** Who runs a stage now, and for a local engine without its model, which one to fetch. */
const EngineState = z.strictObject({
  provider: z.enum(['openai', 'local']),
  /** e.g. "Whisper base (English) on this computer", "gpt-4.1-mini at api.openai.com". */
  label: z.string().max(300),
  ready: z.boolean(),
  /** Catalogue id of the model this stage waits for. */
  needs: z.string().max(100).optional(),
});
export type EngineState = z.infer<typeof EngineState>;

export const ModelsViewSchema = z.strictObject({
  catalog: z.array(CatalogEntry).max(50),
  picked: z.strictObject({ stt: PickedFile, llm: PickedFile }),
  voices: z.array(z.strictObject({ id: z.string().max(40), label: z.string().max(100) })).max(50),
  engines: z.strictObject({ stt: EngineState, llm: EngineState, tts: EngineState }),
});
export type ModelsView = z.infer<typeof ModelsViewSchema>;

/** "77.7 MB", "148 MB", "518 kB", "1.23 GB": sizes as both processes show them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}
