/**
 * The models the offline engines can download: whisper.cpp ggml models for
 * speech-to-text and a small instruct GGUF for the language model. Each entry
 * names the exact byte size and a digest, so a download is only accepted when
 * it is the file described here.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Digest } from './model-download';
import { parseJsonText } from '../../../shared/json-text';

export type ModelStage = 'stt' | 'llm';

/** File formats the engines load: whisper.cpp's ggml container and llama.cpp's GGUF. */
export type ModelFormat = 'ggml' | 'gguf';

export interface CatalogModel {
  id: string;
  stage: ModelStage;
  title: string;
  fileName: string;
  url: string;
  sizeBytes: number;
  digest: Digest;
  license: string;
  description: string;
}

export const FORMAT_FOR_STAGE: Record<ModelStage, ModelFormat> = { stt: 'ggml', llm: 'gguf' };

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'whisper-tiny.en',
    stage: 'stt',
    title: 'Whisper tiny (English)',
    fileName: 'ggml-tiny.en.bin',
    url: 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-tiny.en.bin',
    sizeBytes: 77_704_715,
    // SHA-1 as listed in whisper.cpp's models/README.md.
    digest: { algorithm: 'sha1', hex: 'c78c86eb1a8faa21b369bcd33207cc90d64ae9df' },
    license: 'MIT',
    description: 'Fastest speech recognition, English only. About 75 MB; good enough for short commands.',
  },
  {
    id: 'whisper-base.en',
    stage: 'stt',
    title: 'Whisper base (English)',
    fileName: 'ggml-base.en.bin',
    url: 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin',
    sizeBytes: 147_964_211,
    // SHA-1 as listed in whisper.cpp's models/README.md.
    digest: { algorithm: 'sha1', hex: '137c40403d78fd54d454da0f9bd998f78703390c' },
    license: 'MIT',
    description: 'More accurate English speech recognition at about twice the cost of tiny. About 142 MB.',
  },
  {
    id: 'qwen2.5-0.5b-instruct-q4_k_m',
    stage: 'llm',
    title: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    url: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    sizeBytes: 491_400_032,
    // SHA-256 of the file in Qwen's official GGUF repository (its Git LFS object id).
    digest: { algorithm: 'sha256', hex: '74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db' },
    license: 'Apache-2.0',
    description: 'A small multilingual chat model that runs on the CPU. About 470 MB; short answers, modest knowledge.',
  },
];

export function findCatalogModel(id: string, catalog: readonly CatalogModel[] = MODEL_CATALOG): CatalogModel | undefined {
  return catalog.find((model) => model.id === id);
}

const CatalogFileSchema = z.array(
  z.strictObject({
    id: z.string().regex(/^[\w.-]{1,100}$/),
    stage: z.enum(['stt', 'llm']),
    title: z.string().min(1).max(200),
    fileName: z.string().regex(/^[\w.-]{1,200}$/, 'a plain file name'),
    url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL'),
    sizeBytes: z.number().int().positive(),
    digest: z.strictObject({ algorithm: z.enum(['sha256', 'sha1']), hex: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i) }),
    license: z.string().min(1).max(100),
    description: z.string().max(500).default(''),
  }),
);

/**
 * The catalogue in force: the built-in one, or the JSON file named by
 * MODELS_CATALOG (an organisation's mirror or its own models), checked
 * entry by entry. An unreadable file is reported and the built-in one used.
 */
export function readModelCatalog(env: Record<string, string | undefined>, warn: (message: string) => void): readonly CatalogModel[] {
  const file = env.MODELS_CATALOG?.trim();
  if (!file) return MODEL_CATALOG;
  try {
    const parsed = CatalogFileSchema.safeParse(parseJsonText(readFileSync(file, 'utf8'), file));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const ids = new Set(parsed.data.map((m) => m.id));
    if (ids.size !== parsed.data.length) throw new Error('two entries share an id');
    return parsed.data;
  } catch (error) {
    warn(`MODELS_CATALOG=${file} could not be used (${error instanceof Error ? error.message : String(error)}); using the built-in catalogue.`);
    return MODEL_CATALOG;
  }
}
