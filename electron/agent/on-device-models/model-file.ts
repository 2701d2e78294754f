/**
 * Checks that a file the user picked is a model the engine for that stage can
 * load, by its first four bytes: whisper.cpp reads a little-endian uint32 and
 * expects GGML_FILE_MAGIC 0x67676d6c ("lmgg" on disk); llama.cpp's GGUF files
 * start with the ASCII bytes "GGUF".
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { FORMAT_FOR_STAGE, type ModelFormat, type ModelStage } from './model-catalog';

export const GGML_FILE_MAGIC = 0x67676d6c;
export const GGUF_MAGIC = 0x46554747;

export type ModelFileProblem = 'missing' | 'not_a_file' | 'unreadable' | 'too_small' | 'wrong_format';

export class ModelFileError extends Error {
  constructor(
    readonly problem: ModelFileProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFileError';
  }
}

export interface ValidatedModelFile {
  path: string;
  sizeBytes: number;
  mtimeMs: number;
  format: ModelFormat;
}

const FORMAT_LABEL: Record<ModelFormat, string> = {
  ggml: 'a whisper.cpp ggml model (speech-to-text)',
  gguf: 'a GGUF model (language model)',
};

/** The format the first four bytes announce, or null for anything else. */
export function detectModelFormat(head: Uint8Array): ModelFormat | null {
  if (head.byteLength < 4) return null;
  const magic = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  if (magic === GGML_FILE_MAGIC) return 'ggml';
  if (magic === GGUF_MAGIC) return 'gguf';
  return null;
}

export async function validateModelFile(stage: ModelStage, path: string): Promise<ValidatedModelFile> {
  const name = basename(path);
  const want = FORMAT_FOR_STAGE[stage];
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ModelFileError('missing', `There is no file at ${path}.`, { cause: error });
    throw new ModelFileError('unreadable', `${name} cannot be read: ${(error as Error).message}.`, { cause: error });
  }
  if (!info.isFile()) throw new ModelFileError('not_a_file', `${path} is not a file.`);
  if (info.size < 8) throw new ModelFileError('too_small', `${name} is only ${info.size} bytes, too small to be ${FORMAT_LABEL[want]}.`);

  const head = new Uint8Array(4);
  try {
    const handle = await open(path, 'r');
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ModelFileError('unreadable', `${name} cannot be read: ${(error as Error).message}.`, { cause: error });
  }
  const format = detectModelFormat(head);
  if (format !== want) {
    const found = format ? `it is ${FORMAT_LABEL[format]}` : 'its first bytes match neither a ggml nor a GGUF model';
    throw new ModelFileError('wrong_format', `${name} is not ${FORMAT_LABEL[want]}: ${found}.`);
  }
  return { path, sizeBytes: info.size, mtimeMs: info.mtimeMs, format };
}
