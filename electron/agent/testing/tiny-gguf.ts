/**
 * A GGUF (version 3) writer, and a tiny llama-architecture model with random
 * weights built on it: a few layers, a small embedding and a small
 * SentencePiece-style vocabulary with a ChatML chat template. llama.cpp loads
 * it and generates from it (gibberish) in milliseconds, which is what tests of
 * the local language model need.
 *
 * Layout (little-endian): magic "GGUF", version, tensor count, metadata count;
 * the metadata key/values; the tensor infos (name, dimensions, type, offset
 * into the data section); padding to the alignment; the tensor data, each
 * tensor starting at a multiple of the alignment.
 */
import { writeFile } from 'node:fs/promises';
import { seededRandom } from './seeded-random';

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const ALIGNMENT = 32;

/** Metadata value types of the GGUF spec. */
const ValueType = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

type ScalarType = Exclude<keyof typeof ValueType, 'array'>;

export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32' | 'u8' | 'i8' | 'u16' | 'i16' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: ScalarType; items: readonly (number | bigint | boolean | string)[] };

/** A float32 tensor; `shape` is in GGML order (innermost dimension first). */
export interface GgufTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

const GGML_TYPE_F32 = 0;

export const gguf = {
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  string: (value: string): GgufValue => ({ type: 'string', value }),
  array: (itemType: ScalarType, items: readonly (number | bigint | boolean | string)[]): GgufValue => ({ type: 'array', itemType, items }),
};

/** Grows as bytes are appended. */
class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint | number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, v, true);
    this.length += 8;
  }
  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }
  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(s: string): void {
    const encoded = new TextEncoder().encode(s);
    this.u64(encoded.length);
    this.bytes(encoded);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buffer.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function writeScalar(out: ByteWriter, type: ScalarType, value: number | bigint | boolean | string): void {
  switch (type) {
    case 'string':
      return out.string(String(value));
    case 'bool':
      return out.u8(value ? 1 : 0);
    case 'u64':
      return out.u64(BigInt(value));
    case 'i64':
      return out.i64(BigInt(value));
    default:
      return out[type](Number(value));
  }
}

/** Encodes a GGUF v3 file. Tensor data is float32. */
export function encodeGguf(metadata: Readonly<Record<string, GgufValue>>, tensors: readonly GgufTensor[]): Uint8Array {
  const out = new ByteWriter();
  const entries = Object.entries({ 'general.alignment': gguf.u32(ALIGNMENT), ...metadata });
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(entries.length);
  for (const [key, value] of entries) {
    out.string(key);
    out.u32(ValueType[value.type]);
    if (value.type === 'array') {
      out.u32(ValueType[value.itemType]);
      out.u64(value.items.length);
      for (const item of value.items) writeScalar(out, value.itemType, item);
    } else {
      writeScalar(out, value.type, value.value);
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length) throw new Error(`Tensor ${tensor.name}: shape ${tensor.shape.join('x')} does not match ${tensor.data.length} values.`);
    out.string(tensor.name);
    out.u32(tensor.shape.length);
    for (const dim of tensor.shape) out.u64(dim);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    offset += Math.ceil((tensor.data.byteLength) / ALIGNMENT) * ALIGNMENT;
  }
  out.padTo(ALIGNMENT);
  for (const tensor of tensors) {
    out.bytes(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.padTo(ALIGNMENT);
  }
  return out.result();
}

export interface TinyModelOptions {
  /** Seeds the random weights; the same seed gives the same file. */
  seed?: number;
  layers?: number;
  embedding?: number;
  heads?: number;
  kvHeads?: number;
  feedForward?: number;
  /** The context length the model declares it was trained with. */
  contextLength?: number;
  /** Jinja chat template, or null for none. ChatML by default. */
  chatTemplate?: string | null;
  name?: string;
}

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/** Token types of llama.cpp's vocabulary. */
const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

const WORDS = [
  'the', 'a', 'is', 'it', 'and', 'to', 'of', 'in', 'you', 'I', 'that', 'for', 'on', 'with', 'hello', 'time', 'now', 'yes', 'no',
  'voice', 'model', 'say', 'what', 'here', 'there', 'good', 'day', 'will', 'can', 'be', 'this', 'we', 'they', 'not', 'are',
];

interface Vocabulary {
  tokens: string[];
  scores: number[];
  types: number[];
}

/** `<unk>`, `<s>`, `</s>`, ChatML markers, 256 byte tokens, then characters and words (SentencePiece `▁` for a leading space). */
function tinyVocabulary(): Vocabulary {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (token: string, type: number, score = 0) => {
    tokens.push(token);
    scores.push(score);
    types.push(type);
  };
  add('<unk>', TokenType.unknown);
  add('<s>', TokenType.control);
  add('</s>', TokenType.control);
  add('<|im_start|>', TokenType.control);
  add('<|im_end|>', TokenType.control);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.byte);
  const pieces = new Set<string>(['▁', '\n', '.', ',', '?', '!']);
  for (let c = 97; c <= 122; c++) pieces.add(String.fromCharCode(c)).add('▁' + String.fromCharCode(c));
  for (let c = 65; c <= 90; c++) pieces.add(String.fromCharCode(c));
  for (const word of WORDS) pieces.add('▁' + word).add(word);
  let score = -1;
  for (const piece of pieces) add(piece, TokenType.normal, score--);
  return { tokens, scores, types };
}

/**
 * A llama-architecture GGUF with random float32 weights. Output rows of
 * non-normal tokens (control, unknown, byte) are zero, so that greedy decoding
 * keeps producing text and never ends a reply by itself: a reply ends at
 * `maxTokens` or on abort, which is what tests need to control.
 */
export function buildTinyModel(options: TinyModelOptions = {}): Uint8Array {
  const layers = options.layers ?? 2;
  const embedding = options.embedding ?? 64;
  const heads = options.heads ?? 4;
  const kvHeads = options.kvHeads ?? 2;
  const feedForward = options.feedForward ?? 128;
  const contextLength = options.contextLength ?? 2048;
  const headDim = embedding / heads;
  if (!Number.isInteger(headDim) || heads % kvHeads !== 0) throw new Error('The embedding must divide into heads, and heads into kvHeads.');
  const vocab = tinyVocabulary();
  const nVocab = vocab.tokens.length;
  const unit = seededRandom(options.seed ?? 1);
  const rand = () => unit() * 2 - 1; // uniform in [-1, 1)
  const matrix = (rows: number, cols: number, scale: number) => Float32Array.from({ length: rows * cols }, () => rand() * scale);
  const ones = (n: number) => new Float32Array(n).fill(1);

  const output = matrix(nVocab, embedding, 1 / Math.sqrt(embedding));
  vocab.types.forEach((type, id) => {
    if (type !== TokenType.normal) output.fill(0, id * embedding, (id + 1) * embedding);
  });

  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', shape: [embedding, nVocab], data: matrix(nVocab, embedding, 1) },
    { name: 'output_norm.weight', shape: [embedding], data: ones(embedding) },
    { name: 'output.weight', shape: [embedding, nVocab], data: output },
  ];
  const scale = 1 / Math.sqrt(embedding);
  for (let i = 0; i < layers; i++) {
    tensors.push(
      { name: `blk.${i}.attn_norm.weight`, shape: [embedding], data: ones(embedding) },
      { name: `blk.${i}.attn_q.weight`, shape: [embedding, heads * headDim], data: matrix(heads * headDim, embedding, scale) },
      { name: `blk.${i}.attn_k.weight`, shape: [embedding, kvHeads * headDim], data: matrix(kvHeads * headDim, embedding, scale) },
      { name: `blk.${i}.attn_v.weight`, shape: [embedding, kvHeads * headDim], data: matrix(kvHeads * headDim, embedding, scale) },
      { name: `blk.${i}.attn_output.weight`, shape: [heads * headDim, embedding], data: matrix(embedding, heads * headDim, scale) },
      { name: `blk.${i}.ffn_norm.weight`, shape: [embedding], data: ones(embedding) },
      { name: `blk.${i}.ffn_gate.weight`, shape: [embedding, feedForward], data: matrix(feedForward, embedding, scale) },
      { name: `blk.${i}.ffn_up.weight`, shape: [embedding, feedForward], data: matrix(feedForward, embedding, scale) },
      { name: `blk.${i}.ffn_down.weight`, shape: [feedForward, embedding], data: matrix(embedding, feedForward, 1 / Math.sqrt(feedForward)) },
    );
  }

  const metadata: Record<string, GgufValue> = {
    'general.architecture': gguf.string('llama'),
    'general.name': gguf.string(options.name ?? 'tiny-random-llama'),
    'general.file_type': gguf.u32(0), // all float32
    'llama.vocab_size': gguf.u32(nVocab),
    'llama.context_length': gguf.u32(contextLength),
    'llama.embedding_length': gguf.u32(embedding),
    'llama.block_count': gguf.u32(layers),
    'llama.feed_forward_length': gguf.u32(feedForward),
    'llama.attention.head_count': gguf.u32(heads),
    'llama.attention.head_count_kv': gguf.u32(kvHeads),
    'llama.attention.layer_norm_rms_epsilon': gguf.f32(1e-5),
    'llama.rope.dimension_count': gguf.u32(headDim),
    'llama.rope.freq_base': gguf.f32(10_000),
    'tokenizer.ggml.model': gguf.string('llama'),
    'tokenizer.ggml.tokens': gguf.array('string', vocab.tokens),
    'tokenizer.ggml.scores': gguf.array('f32', vocab.scores),
    'tokenizer.ggml.token_type': gguf.array('i32', vocab.types),
    'tokenizer.ggml.unknown_token_id': gguf.u32(0),
    'tokenizer.ggml.bos_token_id': gguf.u32(1),
    'tokenizer.ggml.eos_token_id': gguf.u32(2),
    'tokenizer.ggml.add_bos_token': gguf.bool(true),
    'tokenizer.ggml.add_eos_token': gguf.bool(false),
  };
  const template = options.chatTemplate === undefined ? CHATML_TEMPLATE : options.chatTemplate;
  if (template !== null) metadata['tokenizer.chat_template'] = gguf.string(template);
  return encodeGguf(metadata, tensors);
}

export async function writeTinyModel(path: string, options?: TinyModelOptions): Promise<void> {
  await writeFile(path, buildTinyModel(options));
}
