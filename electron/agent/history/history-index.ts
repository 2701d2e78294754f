/**
 * The summaries of the saved conversations, kept so that listing them reads
 * no conversation file: in memory, updated as lines are written, and in
 * `index.json` beside the files (written atomically when a conversation
 * starts or ends, or is deleted). On opening, a file whose size differs from
 * the index's (a conversation cut short by a crash, a file copied in), or a
 * missing or unreadable index, is read again; files gone are dropped.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Line } from './conversation-recorder';

export interface HistorySummary {
  id: string;
  startedAt: string;
  endedAt: string | null;
  preview: string;
  entries: number;
}

/** A summary, the file's length it was made from, and whether its preview is the user's words. */
export interface IndexedConversation extends HistorySummary {
  size: number;
  userPreview: boolean;
}

const INDEX_VERSION = 1;
const IndexSchema = z.object({
  version: z.literal(INDEX_VERSION),
  conversations: z.array(
    z.object({
      id: z.string(),
      startedAt: z.string(),
      endedAt: z.string().nullable(),
      preview: z.string(),
      entries: z.number().int().nonnegative(),
      size: z.number().int().nonnegative(),
      userPreview: z.boolean(),
    }),
  ),
});

export const INDEX_FILE = 'index.json';

/** The index as last written; empty when it is missing, unreadable or of another version. */
export async function readIndex(dir: string): Promise<Map<string, IndexedConversation>> {
  try {
    const parsed = IndexSchema.safeParse(JSON.parse(await readFile(join(dir, INDEX_FILE), 'utf8')));
    if (parsed.success) return new Map(parsed.data.conversations.map((c) => [c.id, c]));
  } catch {
    // Missing or torn: rebuilt from the files.
  }
  return new Map();
}

/** Writes the index whole, then moves it over the old one: a reader never sees half of it. */
export async function writeIndex(dir: string, conversations: Iterable<IndexedConversation>): Promise<void> {
  const temporary = join(dir, `.${INDEX_FILE}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, JSON.stringify({ version: INDEX_VERSION, conversations: [...conversations] }), { mode: 0o600 });
    await rename(temporary, join(dir, INDEX_FILE));
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
}

/** Words of the first user entry (or of the first entry) shown in the list. */
const PREVIEW_WORDS = 8;

function preview(text: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  return words.slice(0, PREVIEW_WORDS).join(' ') + (words.length > PREVIEW_WORDS ? '…' : '');
}

/** A conversation's summary from its lines read from the file (the first is its start). */
export function summarize(id: string, lines: readonly Line[], size: number): IndexedConversation {
  const start = lines[0] as Extract<Line, { type: 'start' }>;
  const summary: IndexedConversation = { id, startedAt: start.at, endedAt: null, preview: '', entries: 0, size, userPreview: false };
  for (const line of lines.slice(1)) withLine(summary, line);
  return summary;
}

/** Updates a summary with one more line written (the start is already in it). */
export function withLine(summary: IndexedConversation, line: Line): void {
  if (line.type === 'end') summary.endedAt = line.at;
  if (line.type !== 'entry') return;
  if (summary.entries === 0 || (!summary.userPreview && line.role === 'user')) {
    summary.preview = preview(line.text);
    summary.userPreview = line.role === 'user';
  }
  summary.entries++;
}

export function publicSummary({ id, startedAt, endedAt, preview: words, entries }: IndexedConversation): HistorySummary {
  return { id, startedAt, endedAt, preview: words, entries };
}
