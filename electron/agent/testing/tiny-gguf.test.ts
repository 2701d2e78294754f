import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE, buildTinyModel, encodeGguf, gguf } from './tiny-gguf';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiny-gguf-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('encodeGguf', () => {
  it('writes a GGUF v3 header, metadata and aligned tensor data that a reader reads back', async () => {
    const data = Float32Array.from({ length: 6 }, (_, i) => i / 2);
    const bytes = encodeGguf(
      { 'general.architecture': gguf.string('llama'), 'test.count': gguf.u32(7), 'test.list': gguf.array('i32', [1, -2, 3]) },
      [{ name: 'weights', shape: [3, 2], data }],
    );
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GGUF');
    expect(view.getUint32(4, true)).toBe(3);
    expect(view.getBigUint64(8, true)).toBe(1n); // tensors
    expect(view.getBigUint64(16, true)).toBe(4n); // key/values, with general.alignment
    expect(bytes.length % 32).toBe(0);
    const tail = new Float32Array(bytes.buffer.slice(bytes.length - 32, bytes.length - 8));
    expect(Array.from(tail)).toEqual(Array.from(data));

    const path = join(dir, 'small.gguf');
    await writeFile(path, bytes);
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    expect((info.metadata as unknown as { test: { count: number; list: number[] } }).test).toEqual({ count: 7, list: [1, -2, 3] });
    expect(info.fullTensorInfo?.map((t) => ({ name: t.name, dimensions: t.dimensions.map(Number) }))).toEqual([{ name: 'weights', dimensions: [3, 2] }]);
  });
});

describe('buildTinyModel', () => {
  it('makes a small llama model with a tokenizer and a chat template, the same for the same seed', async () => {
    const bytes = buildTinyModel({ seed: 7 });
    expect(Buffer.from(buildTinyModel({ seed: 7 })).equals(bytes)).toBe(true);
    expect(Buffer.from(buildTinyModel({ seed: 8 })).equals(bytes)).toBe(false);
    expect(bytes.length).toBeLessThan(1_000_000);
    const path = join(dir, 'tiny.gguf');
    await writeFile(path, bytes);
    const info = await readGgufFileInfo(path, { readTensorInfo: true });
    const metadata = info.metadata as unknown as {
      llama: { block_count: number; embedding_length: number };
      tokenizer: { ggml: { model: string; tokens: string[]; token_type: number[]; eos_token_id: number }; chat_template: string };
    };
    expect(metadata.llama).toMatchObject({ block_count: 2, embedding_length: 64 });
    expect(metadata.tokenizer.ggml.model).toBe('llama');
    expect(metadata.tokenizer.ggml.tokens.slice(0, 5)).toEqual(['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>']);
    expect(metadata.tokenizer.ggml.token_type).toHaveLength(metadata.tokenizer.ggml.tokens.length);
    expect(metadata.tokenizer.chat_template).toBe(CHATML_TEMPLATE);
    expect(info.fullTensorInfo?.map((t) => t.name)).toContain('blk.1.ffn_down.weight');
  });
});
