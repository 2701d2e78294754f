/**
 * The app's log file: the terminal's lines, kept in the data folder so that a
 * desktop user (who has no terminal) can find them, rotated so that they never
 * grow without bound. A line made in a traced span ends with its trace and
 * span ids, so that a turn's lines are found from its trace id.
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { logLine, type LogSink } from '../../util/logger';
import { logSpanContext } from './log-context';

export const LOGS_FOLDER = 'logs';
export const LOG_FILE_NAME = 'voice-agent.log';
/**
 * At most this many bytes in one file, and two files (the current one and the
 * one before): 10 MB in all. Days of ordinary use fit (a turn writes a few
 * hundred bytes), and a loop of errors cannot fill the disk.
 */
export const MAX_LOG_FILE_BYTES = 5 * 1024 * 1024;
export const LOG_FILES_KEPT = 2;

export interface RotatingLogFileOptions {
  /** Bytes per file (tests). */
  maxBytes?: number;
  /** Files kept, the current one included (tests). */
  files?: number;
}

/**
 * Appends lines to `<folder>/voice-agent.log`; when the next line would pass
 * the limit, the file becomes `voice-agent.log.1` (the oldest is dropped) and
 * a new one starts. Writes are synchronous: log lines are few, and a line
 * written just before a crash is the one that explains it.
 */
export class RotatingLogFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly files: number;
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly folder: string,
    options: RotatingLogFileOptions = {},
  ) {
    this.path = join(folder, LOG_FILE_NAME);
    this.maxBytes = options.maxBytes ?? MAX_LOG_FILE_BYTES;
    this.files = Math.max(1, options.files ?? LOG_FILES_KEPT);
  }

  /** A sink for the app's logger. */
  readonly sink: LogSink = (entry) => {
    const span = logSpanContext();
    this.write(span ? `${logLine(entry)} trace_id=${span.traceId} span_id=${span.spanId}` : logLine(entry));
  };

  write(line: string): void {
    let bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'utf8');
    // One line larger than a whole file is cut: the bound holds whatever is logged.
    const ellipsis = Buffer.from('…\n', 'utf8');
    if (bytes.length > this.maxBytes) bytes = Buffer.concat([bytes.subarray(0, Math.max(0, this.maxBytes - ellipsis.length)), ellipsis]);
    const fd = this.open();
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) {
      this.rotate();
      return this.write(line);
    }
    writeSync(fd, bytes);
    this.size += bytes.length;
  }

  /** Makes the folder (for "Open logs folder" before anything was logged). */
  ensureFolder(): void {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    this.ensureFolder();
    // Only the user reads the logs: they name the folders and servers the app uses.
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = statSync(this.path).size;
    return this.fd;
  }

  private rotate(): void {
    this.close();
    // voice-agent.log.1 -> .2 ... the last one kept is overwritten.
    for (let n = this.files - 1; n >= 1; n--) {
      const from = n === 1 ? this.path : `${this.path}.${n - 1}`;
      try {
        renameSync(from, `${this.path}.${n}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (this.files === 1) {
      // Only one file: start it again.
      this.fd = openSync(this.path, 'w', 0o600);
      this.size = 0;
    }
  }
}
