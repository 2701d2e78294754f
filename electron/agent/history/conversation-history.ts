/**
 * Finished and running conversations on disk, one append-only JSON Lines file
 * each, synced after every entry: a crash loses at most the turn in progress,
 * and a torn last line is skipped on reading. Only what was said is kept:
 * never keys or settings. The list is served from an index kept as lines are
 * written (./history-index.ts); a conversation is read a page at a time
 * (./history-page.ts); an optional retention limit deletes the oldest.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONVERSATION_ID as ID } from '../../../shared/client-messages';
import { silentLogger, type Logger } from '../util/logger';
import { ConversationRecorder, type HistoryEntry, type Line } from './conversation-recorder';
import { openHistoryFile, type OpenHistoryFile } from './history-file';
import { publicSummary, readIndex, summarize, withLine, writeIndex, type HistorySummary, type IndexedConversation } from './history-index';
import { entriesPage } from './history-page';
import { expired, type HistoryRetention } from './history-retention';

export { ConversationRecorder, type HistoryEntry } from './conversation-recorder';
export type { HistorySummary } from './history-index';
export type { HistoryRetention } from './history-retention';

/** Most conversations in the list: the protocol's bound on one `history` message. */
const MAX_LISTED = 200;
/** Files read at once when the index is rebuilt: far below any open-file limit. */
const READ_CONCURRENCY = 32;

export interface HistoryOptions {
  logger?: Logger;
  /** How conversation files are opened for writing (tests give one that fails on purpose). */
  openFile?: OpenHistoryFile;
  retention?: HistoryRetention;
  /** Told each conversation deleted (by the user or the retention limit), for what is kept beside it. */
  deleted?: (id: string) => Promise<void>;
}

export interface ConversationPage {
  summary: HistorySummary;
  entries: (HistoryEntry & { truncated?: boolean })[];
  /** Index of the first entry of the page. */
  from: number;
  /** Where the next page starts; null when this one ends the conversation. */
  next: number | null;
}

export class ConversationHistory {
  private readonly conversations = new Map<string, IndexedConversation>();
  /** Conversations being written, and ended ones whose last lines are not on disk yet. */
  private readonly recording = new Map<string, ConversationRecorder>();
  private indexSaving: Promise<void> | null = null;
  private indexDirty = false;
  private retaining: Promise<void> = Promise.resolve();
  private retention: HistoryRetention = { keepDays: 0, keepCount: 0 };
  private readonly logger: Logger;
  private readonly openFile: OpenHistoryFile;
  private readonly onDeleted: ((id: string) => Promise<void>) | undefined;

  private constructor(
    private readonly dir: string,
    options: HistoryOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.openFile = options.openFile ?? openHistoryFile;
    this.onDeleted = options.deleted;
  }

  static async open(dataDir: string, options: HistoryOptions = {}): Promise<ConversationHistory> {
    const dir = join(dataDir, 'history');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const history = new ConversationHistory(dir, options);
    await history.load();
    if (options.retention) await history.setRetention(options.retention);
    return history;
  }

  /** Starts recording a conversation (under `id` when given: the conversation's own); entries are written as they become final. */
  begin(id: string = randomUUID()): ConversationRecorder {
    if (!ID.test(id) || this.conversations.has(id) || this.recording.has(id)) id = randomUUID();
    const recorder = new ConversationRecorder(id, this.path(id), this.openFile, {
      saved: (lines, size) => this.saved(recorder, lines, size),
    });
    this.recording.set(id, recorder);
    // Conversations that ended while the disk refused them: another attempt.
    for (const other of this.recording.values()) if (other !== recorder && other.behind) void other.flush().catch(() => {});
    return recorder;
  }

  /** The newest conversations first, from the index. */
  async list(): Promise<HistorySummary[]> {
    return (await this.listPage(0)).items;
  }

  /** The conversations, newest first, from the `from`th on: as many as one message lists, where the next page starts, and how many there are. */
  listPage(from: number): Promise<{ items: HistorySummary[]; from: number; next: number | null; total: number }> {
    const newest = [...this.conversations.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const start = Math.min(from, newest.length);
    const end = Math.min(start + MAX_LISTED, newest.length);
    return Promise.resolve({ items: newest.slice(start, end).map(publicSummary), from: start, next: end < newest.length ? end : null, total: newest.length });
  }

  /** Entries of a conversation from `from` on, as many as fit in a message; null when there is no such conversation. */
  async get(id: string, from = 0): Promise<ConversationPage | null> {
    const read = await this.read(id);
    if (!read) return null;
    const entries = read.lines.filter((l): l is Extract<Line, { type: 'entry' }> => l.type === 'entry').map(({ role, text, interrupted }) => ({ role, text, ...(interrupted ? { interrupted } : {}) }));
    const page = entriesPage(entries, from);
    return { summary: publicSummary(summarize(id, read.lines, read.size)), ...page };
  }

  async delete(id: string): Promise<boolean> {
    if (!ID.test(id)) return false;
    await this.recording.get(id)?.discard();
    this.recording.delete(id);
    let deleted = true;
    try {
      await rm(this.path(id));
    } catch (error) {
      deleted = false;
      // A file that is still there stays listed; one already gone leaves the list too.
      if ((error as { code?: unknown }).code !== 'ENOENT') return false;
    }
    if (this.conversations.delete(id)) this.saveIndex();
    await this.deletedBeside(id);
    return deleted;
  }

  private async deletedBeside(id: string): Promise<void> {
    try {
      await this.onDeleted?.(id);
    } catch (error) {
      this.logger.warn('what was kept beside a deleted conversation could not be deleted', { conversation: id, error: String(error) });
    }
  }

  /** Sets the retention limit and applies it now. */
  async setRetention(retention: HistoryRetention): Promise<void> {
    this.retention = retention;
    await this.applyRetention();
  }

  /** Deletes, oldest first, the conversations past the retention limit (never one being written). */
  applyRetention(now = Date.now()): Promise<void> {
    this.retaining = this.retaining.then(() => this.deleteExpired(now));
    return this.retaining;
  }

  private async deleteExpired(now: number): Promise<void> {
    const doomed = expired([...this.conversations.values()], this.retention, now).filter((id) => !this.recording.has(id));
    for (const id of doomed) {
      if (!(await this.delete(id))) this.logger.warn('an old conversation could not be deleted', { conversation: id });
    }
  }

  /** Resolves once the index on disk holds every change made so far. */
  async indexWritten(): Promise<void> {
    while (this.indexSaving) await this.indexSaving;
  }

  // ---- the index ---------------------------------------------------------------

  private saved(recorder: ConversationRecorder, lines: readonly Line[], size: number): void {
    if (this.recording.get(recorder.id) !== recorder) return; // deleted while it was being written
    let summary = this.conversations.get(recorder.id);
    let persist = false;
    for (const line of lines) {
      if (line.type === 'start') {
        summary = { id: recorder.id, startedAt: line.at, endedAt: null, preview: '', entries: 0, size: 0, userPreview: false };
        this.conversations.set(recorder.id, summary);
        persist = true;
      } else if (summary) {
        withLine(summary, line);
        if (line.type === 'end') persist = true;
      }
    }
    if (summary) summary.size = size;
    if (recorder.done) this.recording.delete(recorder.id);
    if (persist) this.saveIndex();
    if (lines.some((l) => l.type === 'end')) void this.applyRetention();
  }

  /** Writes the index after the current write, if one is running; writes that pile up become one. */
  private saveIndex(): void {
    if (this.indexSaving) {
      this.indexDirty = true;
      return;
    }
    this.indexSaving = (async () => {
      do {
        this.indexDirty = false;
        try {
          await writeIndex(this.dir, this.conversations.values());
        } catch (error) {
          // Only a copy: the next start reads again whatever it no longer describes.
          this.logger.warn('the history index could not be written', { error: String(error) });
        }
      } while (this.indexDirty);
    })().finally(() => {
      this.indexSaving = null;
    });
  }

  /** The index, checked against the files: those it does not describe (by size) are read again. */
  private async load(): Promise<void> {
    const indexed = await readIndex(this.dir);
    const ids = (await readdir(this.dir)).filter((f) => f.endsWith('.jsonl') && ID.test(f.slice(0, -6))).map((f) => f.slice(0, -6));
    const found = new Set(ids);
    let changed = [...indexed.keys()].some((id) => !found.has(id));
    for (let i = 0; i < ids.length; i += READ_CONCURRENCY) {
      for (const { summary, reread } of await Promise.all(ids.slice(i, i + READ_CONCURRENCY).map((id) => this.current(id, indexed.get(id))))) {
        if (summary) this.conversations.set(summary.id, summary);
        changed ||= reread;
      }
    }
    if (changed) this.saveIndex();
  }

  private async current(id: string, known: IndexedConversation | undefined): Promise<{ summary: IndexedConversation | null; reread: boolean }> {
    try {
      if (known && (await stat(this.path(id))).size === known.size) return { summary: known, reread: false };
    } catch {
      return { summary: null, reread: true };
    }
    const read = await this.read(id);
    return { summary: read ? summarize(id, read.lines, read.size) : null, reread: true };
  }

  // ---- the files -------------------------------------------------------------------

  private path(id: string): string {
    return join(this.dir, `${id}.jsonl`);
  }

  private async read(id: string): Promise<{ lines: Line[]; size: number } | null> {
    if (!ID.test(id)) return null;
    let data: Buffer;
    try {
      data = await readFile(this.path(id));
    } catch {
      return null;
    }
    const lines: Line[] = [];
    for (const raw of data.toString('utf8').split('\n')) {
      if (!raw.trim()) continue;
      try {
        lines.push(JSON.parse(raw) as Line);
      } catch {
        // A line torn by a crash: everything before it is intact.
      }
    }
    return lines.length && lines[0]!.type === 'start' ? { lines, size: data.length } : null;
  }
}
