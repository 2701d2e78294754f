/**
 * Finished and running conversations on disk, one append-only JSON Lines file
 * each, synced after every entry: a crash loses at most the turn in progress,
 * and a torn last line is skipped on reading. Only what was said is kept:
 * never keys or settings.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  interrupted?: boolean;
}

export interface HistorySummary {
  id: string;
  startedAt: string;
  endedAt: string | null;
  preview: string;
  entries: number;
}

type Line = { type: 'start'; id: string; at: string } | ({ type: 'entry'; at: string } & HistoryEntry) | { type: 'end'; at: string };

const ID = /^[0-9a-f-]{36}$/;
const MAX_LISTED = 200;

export class ConversationHistory {
  private constructor(private readonly dir: string) {}

  static async open(dataDir: string): Promise<ConversationHistory> {
    const dir = join(dataDir, 'history');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new ConversationHistory(dir);
  }

  /** Starts recording a conversation; entries are appended as they become final. */
  async begin(): Promise<ConversationRecorder> {
    const id = randomUUID();
    const handle = await open(join(this.dir, `${id}.jsonl`), 'a', 0o600);
    const recorder = new ConversationRecorder(id, handle);
    await recorder.write({ type: 'start', id, at: new Date().toISOString() });
    return recorder;
  }

  async list(): Promise<HistorySummary[]> {
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.jsonl') && ID.test(f.slice(0, -6)));
    const summaries = (await Promise.all(files.map((f) => this.summary(f.slice(0, -6))))).filter((s): s is HistorySummary => s !== null);
    return summaries.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, MAX_LISTED);
  }

  async get(id: string): Promise<{ summary: HistorySummary; entries: HistoryEntry[] } | null> {
    const lines = await this.read(id);
    if (!lines) return null;
    const entries = lines.filter((l): l is Extract<Line, { type: 'entry' }> => l.type === 'entry').map(({ role, text, interrupted }) => ({ role, text, ...(interrupted ? { interrupted } : {}) }));
    return { summary: summarize(id, lines), entries };
  }

  async delete(id: string): Promise<boolean> {
    if (!ID.test(id)) return false;
    try {
      await rm(join(this.dir, `${id}.jsonl`));
      return true;
    } catch {
      return false;
    }
  }

  private async summary(id: string): Promise<HistorySummary | null> {
    const lines = await this.read(id);
    return lines ? summarize(id, lines) : null;
  }

  private async read(id: string): Promise<Line[] | null> {
    if (!ID.test(id)) return null;
    let text: string;
    try {
      text = await readFile(join(this.dir, `${id}.jsonl`), 'utf8');
    } catch {
      return null;
    }
    const lines: Line[] = [];
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      try {
        lines.push(JSON.parse(raw) as Line);
      } catch {
        // A line torn by a crash: everything before it is intact.
      }
    }
    return lines.length && lines[0]!.type === 'start' ? lines : null;
  }
}

export class ConversationRecorder {
  private closed = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    private readonly handle: FileHandle,
  ) {}

  append(entry: HistoryEntry): Promise<void> {
    return this.write({ type: 'entry', at: new Date().toISOString(), ...entry });
  }

  async end(): Promise<void> {
    if (this.closed) return;
    await this.write({ type: 'end', at: new Date().toISOString() });
    this.closed = true;
    await this.writing;
    try {
      await this.handle.close();
    } catch {
      // Every line is written and synced by now: a handle that fails to close loses nothing.
    }
  }

  write(line: Line): Promise<void> {
    if (this.closed) return Promise.resolve();
    // One line per write, in order, synced: what is on disk is whole lines.
    this.writing = this.writing.then(async () => {
      await this.handle.write(`${JSON.stringify(line)}\n`);
      await this.handle.datasync();
    });
    return this.writing;
  }
}

function summarize(id: string, lines: Line[]): HistorySummary {
  const start = lines[0] as Extract<Line, { type: 'start' }>;
  const end = lines.find((l) => l.type === 'end');
  const entries = lines.filter((l): l is Extract<Line, { type: 'entry' }> => l.type === 'entry');
  const first = entries.find((e) => e.role === 'user')?.text ?? entries[0]?.text ?? '';
  const words = first.split(/\s+/).filter(Boolean);
  return {
    id,
    startedAt: start.at,
    endedAt: end?.at ?? null,
    preview: words.slice(0, 8).join(' ') + (words.length > 8 ? '…' : ''),
    entries: entries.length,
  };
}
