import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection';
import { detectModelFormat, ModelFileError, validateModelFile } from './model-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-file-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A ggml file as whisper.cpp's converter writes it: the magic as a little-endian int32. */
function ggmlHeader(): Buffer {
  const head = Buffer.alloc(64);
  head.writeUInt32LE(0x67676d6c, 0);
  return head;
}

function ggufHeader(): Buffer {
  const head = Buffer.alloc(64);
  head.write('GGUF', 0, 'ascii');
  head.writeUInt32LE(3, 4);
  return head;
}

const problem = (promise: Promise<unknown>) => rejection(promise, ModelFileError);

describe('model file validation', () => {
  it('recognises the two formats by their first bytes', () => {
    expect(ggmlHeader().subarray(0, 4).toString('latin1')).toBe('lmgg');
    expect(detectModelFormat(ggmlHeader())).toBe('ggml');
    expect(detectModelFormat(ggufHeader())).toBe('gguf');
    expect(detectModelFormat(Buffer.from('PK\x03\x04'))).toBeNull();
    expect(detectModelFormat(Buffer.from('GG'))).toBeNull();
  });

  it('accepts a ggml file for speech-to-text and a GGUF file for the language model', async () => {
    await writeFile(join(dir, 'whisper.bin'), ggmlHeader());
    await writeFile(join(dir, 'llm.gguf'), ggufHeader());
    expect(await validateModelFile('stt', join(dir, 'whisper.bin'))).toMatchObject({ path: join(dir, 'whisper.bin'), sizeBytes: 64, format: 'ggml' });
    expect(await validateModelFile('llm', join(dir, 'llm.gguf'))).toMatchObject({ sizeBytes: 64, format: 'gguf' });
  });

  it('names the mix-up when a file is picked for the wrong stage', async () => {
    await writeFile(join(dir, 'llm.gguf'), ggufHeader());
    const error = await problem(validateModelFile('stt', join(dir, 'llm.gguf')));
    expect(error.problem).toBe('wrong_format');
    expect(error.message).toBe('llm.gguf is not a whisper.cpp ggml model (speech-to-text): it is a GGUF model (language model).');
  });

  it('rejects a file with unknown magic, a tiny file, a folder and a missing path', async () => {
    await writeFile(join(dir, 'notes.txt'), 'just some text, not a model');
    expect((await problem(validateModelFile('llm', join(dir, 'notes.txt')))).problem).toBe('wrong_format');
    await writeFile(join(dir, 'tiny.gguf'), 'GGUF');
    expect((await problem(validateModelFile('llm', join(dir, 'tiny.gguf')))).problem).toBe('too_small');
    await mkdir(join(dir, 'folder.gguf'));
    expect((await problem(validateModelFile('llm', join(dir, 'folder.gguf')))).problem).toBe('not_a_file');
    const missing = await problem(validateModelFile('stt', join(dir, 'gone.bin')));
    expect(missing.problem).toBe('missing');
    expect(missing.message).toContain(join(dir, 'gone.bin'));
  });
});
