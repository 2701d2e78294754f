/**
 * The models the offline engines can download: whisper.cpp ggml models for
 * speech-to-text and a small instruct GGUF for the language model. Each entry
 * names the exact byte size and the SHA-256 its publisher gives, so a download
 * is only accepted when it is the file described here.
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
    // SHA-256 of the file in whisper.cpp's Hugging Face repository (its Git LFS
    // object id); whisper.cpp's models/README.md lists only a SHA-1.
    digest: { algorithm: 'sha256', hex: '921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f' },
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
    // SHA-256 of the file in whisper.cpp's Hugging Face repository (its Git LFS object id).
    digest: { algorithm: 'sha256', hex: 'a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002' },
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

/**
 * Where a catalogue may send the app for a file: https, or plain http to this
 * computer (a local mirror, the tests' file server), where no network lies in
 * between.
 */
export function isCatalogUrlAllowed(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname));
}

/** A catalogue of one's own: every file fetched over https and checked against its SHA-256. */
export const CatalogFileSchema = z.array(
  z.strictObject({
    id: z.string().regex(/^[\w.-]{1,100}$/),
    stage: z.enum(['stt', 'llm']),
    title: z.string().min(1).max(200),
    fileName: z.string().regex(/^[\w.-]{1,200}$/, 'a plain file name'),
    url: z.string().refine(isCatalogUrlAllowed, 'an https URL (plain http only to this computer), without credentials'),
    sizeBytes: z.number().int().positive(),
    digest: z.strictObject({
      algorithm: z.literal('sha256', { error: 'sha256: the file is checked against its SHA-256' }),
      hex: z.string().regex(/^[0-9a-f]{64}$/i, 'the SHA-256 as 64 hex digits'),
    }),
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
