/**
 * Writes a whisper.cpp ggml model file with random weights, for tests that
 * need a model the real native library loads and runs. The layout is the one
 * `whisper_model_load` reads (and `models/convert-pt-to-ggml.py` writes):
 *
 *   u32 magic "ggml"; 11 × i32 hparams; mel filters (i32 n_mel, i32 n_fft,
 *   f32[n_mel × n_fft]); vocab (i32 count, then u32 length + bytes each);
 *   tensors until EOF (i32 n_dims, i32 name length, i32 type, i32 ne[n_dims],
 *   name, data), dimensions innermost first.
 *
 * The special token ids (end of text 50256 … timestamps from 50363) are fixed
 * by whisper.cpp, so the vocabulary size stays the real one (51864 for an
 * English-only model); only the 50256 text tokens are written, as short random
 * words, and whisper.cpp names the special tokens itself. Everything else can
 * be tiny. The output is gibberish, but every code path of loading,
 * encoding and decoding runs.
 */
import { writeFileSync } from 'node:fs';
import { seededRandom } from './seeded-random';

export interface TinyWhisperModelOptions {
  /** Width of encoder and decoder (n_audio_state = n_text_state). Default 64. */
  state?: number;
  /** Attention heads in encoder and decoder. Default 2. */
  heads?: number;
  audioLayers?: number;
  textLayers?: number;
  /** Encoder positions; whisper.cpp feeds 30 s windows, i.e. 1500. */
  audioContext?: number;
  textContext?: number;
  /** 0: all f32; 1: matrices in f16 (as the published models). Default 1. */
  ftype?: 0 | 1;
  seed?: number;
}

const GGML_MAGIC = 0x67676d6c;
const N_MELS = 80;
const N_FFT = 201; // 400-point FFT, one-sided
const TEXT_TOKENS = 50256;
const SPACE_TOKEN = 220;
const VOCAB_ENGLISH = 51864;
const TYPE_F32 = 0;
const TYPE_F16 = 1;

/** The bytes of a random English-only whisper.cpp model. */
export function buildTinyWhisperModel(options: TinyWhisperModelOptions = {}): Buffer {
  const state = options.state ?? 64;
  const heads = options.heads ?? 2;
  const audioLayers = options.audioLayers ?? 1;
  const textLayers = options.textLayers ?? 1;
  const audioContext = options.audioContext ?? 1500;
  const textContext = options.textContext ?? 448;
  const ftype = options.ftype ?? 1;
  if (state % heads !== 0) throw new RangeError('state must be a multiple of heads');
  const random = seededRandom(options.seed ?? 1);
  const parts: Buffer[] = [];
  const int32s = (...values: number[]) => {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => b.writeInt32LE(v, 4 * i));
    parts.push(b);
  };

  const header = Buffer.alloc(4);
  header.writeUInt32LE(GGML_MAGIC, 0);
  parts.push(header);
  int32s(VOCAB_ENGLISH, audioContext, state, heads, audioLayers, textContext, state, heads, textLayers, N_MELS, ftype);

  int32s(N_MELS, N_FFT);
  parts.push(f32Bytes(melFilters()));

  int32s(TEXT_TOKENS);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < TEXT_TOKENS; i++) {
    // whisper.cpp looks the single-space token up by text (GPT-2 has it at 220).
    let word = i === SPACE_TOKEN ? ' ' : random() < 0.5 ? ' ' : '';
    const length = i === SPACE_TOKEN ? 0 : 1 + Math.floor(random() * 5);
    for (let j = 0; j < length; j++) word += letters[Math.floor(random() * letters.length)];
    const bytes = Buffer.from(word, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length, 0);
    parts.push(len, bytes);
  }

  const matrixType = ftype === 1 ? TYPE_F16 : TYPE_F32;
  const tensor = (name: string, ne: number[], type: number, fill: (n: number) => Float32Array) => {
    const count = ne.reduce((a, b) => a * b, 1);
    const nameBytes = Buffer.from(name, 'utf8');
    int32s(ne.length, nameBytes.length, type, ...ne);
    parts.push(nameBytes);
    const values = fill(count);
    parts.push(type === TYPE_F16 ? f16Bytes(values) : f32Bytes(values));
  };
  const uniform = (scale: number) => (n: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
    return out;
  };
  const constant = (value: number) => (n: number) => new Float32Array(n).fill(value);
  const linear = (fanIn: number) => uniform(1 / Math.sqrt(fanIn));
  const norm = (prefix: string) => {
    tensor(`${prefix}.weight`, [state], TYPE_F32, constant(1));
    tensor(`${prefix}.bias`, [state], TYPE_F32, constant(0));
  };
  const attention = (prefix: string) => {
    tensor(`${prefix}.query.weight`, [state, state], matrixType, linear(state));
    tensor(`${prefix}.query.bias`, [state], TYPE_F32, uniform(0.01));
    tensor(`${prefix}.key.weight`, [state, state], matrixType, linear(state));
    tensor(`${prefix}.value.weight`, [state, state], matrixType, linear(state));
    tensor(`${prefix}.value.bias`, [state], TYPE_F32, uniform(0.01));
    tensor(`${prefix}.out.weight`, [state, state], matrixType, linear(state));
    tensor(`${prefix}.out.bias`, [state], TYPE_F32, uniform(0.01));
  };
  const mlp = (prefix: string) => {
    norm(`${prefix}.mlp_ln`);
    tensor(`${prefix}.mlp.0.weight`, [state, 4 * state], matrixType, linear(state));
    tensor(`${prefix}.mlp.0.bias`, [4 * state], TYPE_F32, uniform(0.01));
    tensor(`${prefix}.mlp.2.weight`, [4 * state, state], matrixType, linear(4 * state));
    tensor(`${prefix}.mlp.2.bias`, [state], TYPE_F32, uniform(0.01));
  };

  tensor('encoder.positional_embedding', [state, audioContext], TYPE_F32, uniform(0.1));
  tensor('encoder.conv1.weight', [3, N_MELS, state], matrixType, linear(3 * N_MELS));
  tensor('encoder.conv1.bias', [1, state], TYPE_F32, uniform(0.01));
  tensor('encoder.conv2.weight', [3, state, state], matrixType, linear(3 * state));
  tensor('encoder.conv2.bias', [1, state], TYPE_F32, uniform(0.01));
  for (let i = 0; i < audioLayers; i++) {
    mlp(`encoder.blocks.${i}`);
    norm(`encoder.blocks.${i}.attn_ln`);
    attention(`encoder.blocks.${i}.attn`);
  }
  norm('encoder.ln_post');

  tensor('decoder.positional_embedding', [state, textContext], TYPE_F32, uniform(0.1));
  tensor('decoder.token_embedding.weight', [state, VOCAB_ENGLISH], matrixType, uniform(0.5));
  for (let i = 0; i < textLayers; i++) {
    mlp(`decoder.blocks.${i}`);
    norm(`decoder.blocks.${i}.attn_ln`);
    attention(`decoder.blocks.${i}.attn`);
    norm(`decoder.blocks.${i}.cross_attn_ln`);
    attention(`decoder.blocks.${i}.cross_attn`);
  }
  norm('decoder.ln');

  return Buffer.concat(parts);
}

export function writeTinyWhisperModel(path: string, options?: TinyWhisperModelOptions): void {
  writeFileSync(path, buildTinyWhisperModel(options));
}

/** Triangular filters spread over the FFT bins, like a mel filter bank. */
function melFilters(): Float32Array {
  const out = new Float32Array(N_MELS * N_FFT);
  const step = (N_FFT - 1) / (N_MELS + 1);
  for (let m = 0; m < N_MELS; m++) {
    const left = m * step;
    const centre = left + step;
    const right = centre + step;
    for (let k = Math.ceil(left); k <= Math.floor(right) && k < N_FFT; k++) {
      const weight = k <= centre ? (k - left) / step : (right - k) / step;
      out[m * N_FFT + k] = Math.max(0, weight) * 0.01;
    }
  }
  return out;
}

function f32Bytes(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision, truncating; values below the normal range become zero. */
function f16Bytes(values: Float32Array): Buffer {
  const halves = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] ?? 0;
    const bits = u32[0] ?? 0;
    const sign = (bits >>> 16) & 0x8000;
    const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
    let half = sign;
    if (exponent >= 31) half |= 0x7c00;
    else if (exponent > 0) half |= (exponent << 10) | ((bits & 0x7fffff) >>> 13);
    halves[i] = half;
  }
  return Buffer.from(halves.buffer);
}
