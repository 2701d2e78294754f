/**
 * One conversation being written: its lines are queued in memory and written
 * in order, each write synced. A write that fails (a full disk, a folder made
 * read-only) keeps every line not yet on disk in memory, closes the file and
 * is reported to the caller; the next flush opens the file again, writes
 * over whatever part of a line the failed write left, and goes on. The file
 * is closed whenever a write fails and once the end is on disk.
 */
import type { HistoryFile, OpenHistoryFile } from './history-file';

export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  interrupted?: boolean;
}

export type Line = { type: 'start'; id: string; at: string } | ({ type: 'entry'; at: string } & HistoryEntry) | { type: 'end'; at: string };

export interface RecorderEvents {
  /** Lines now on disk, in order, and the file's length with them. */
  saved(lines: readonly Line[], size: number): void;
}

export class ConversationRecorder {
  private file: HistoryFile | null = null;
  /** Bytes of the file that are whole lines, synced. */
  private size = 0;
  /** Lines not on disk yet, in order. */
  private readonly unsaved: Line[] = [];
  /** A failed write may have left part of a line past `size`. */
  private torn = false;
  private ended = false;
  private discarded = false;
  private flushing: Promise<void> = Promise.resolve();
  /** Why the last write failed; null once a write succeeds. */
  failure: unknown = null;

  constructor(
    readonly id: string,
    private readonly path: string,
    private readonly openFile: OpenHistoryFile,
    private readonly events: RecorderEvents,
  ) {
    this.unsaved.push({ type: 'start', id, at: new Date().toISOString() });
  }

  /** True once the end is on disk (or the conversation was deleted): nothing more to write. */
  get done(): boolean {
    return this.discarded || (this.ended && this.unsaved.length === 0);
  }

  /** Whether lines wait in memory for a write that failed. */
  get behind(): boolean {
    return this.unsaved.length > 0 && this.failure !== null;
  }

  /** Queues an entry and writes what is queued; rejects with the reason when it could not be written. */
  append(entry: HistoryEntry): Promise<void> {
    this.queue({ type: 'entry', at: new Date().toISOString(), ...entry });
    return this.flush();
  }

  /** Queues the end and writes what is queued; the file is closed whether or not that succeeds. */
  end(): Promise<void> {
    if (!this.ended) this.queue({ type: 'end', at: new Date().toISOString() });
    this.ended = true;
    return this.flush();
  }

  /** The conversation was deleted: nothing more is written, and the file is closed. */
  discard(): Promise<void> {
    this.discarded = true;
    this.unsaved.length = 0;
    return this.flush();
  }

  /** Writes every queued line (one attempt); rejects with the reason when it could not. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.writeQueued());
    this.flushing = run.catch(() => {});
    return run;
  }

  private queue(line: Line): void {
    if (!this.ended && !this.discarded) this.unsaved.push(line);
  }

  private async writeQueued(): Promise<void> {
    if (this.discarded || this.unsaved.length === 0) {
      if (this.done) await this.close();
      return;
    }
    const lines = this.unsaved.slice();
    const data = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    try {
      this.file ??= await this.openFile(this.path);
      await this.file.write(data, this.size);
      // What a failed write left past the lines just written is cut off.
      if (this.torn) await this.file.truncate(this.size + data.length);
      await this.file.sync();
    } catch (error) {
      this.torn = true;
      this.failure = error;
      await this.close();
      throw error;
    }
    this.size += data.length;
    this.torn = false;
    this.failure = null;
    this.unsaved.splice(0, lines.length);
    this.events.saved(lines, this.size);
    if (this.done) await this.close();
  }

  private async close(): Promise<void> {
    const file = this.file;
    this.file = null;
    try {
      await file?.close();
    } catch {
      // Every line counted as written was synced: a handle that fails to close loses nothing.
    }
  }
}
