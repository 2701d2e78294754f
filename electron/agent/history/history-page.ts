/**
 * One page of a conversation's entries: from an index on, as many as fit in
 * HISTORY_PAGE_ENTRIES and HISTORY_PAGE_BYTES (their JSON, in UTF-8). An
 * entry too long for a page on its own is shown cut to fit, and says so.
 */
import { HISTORY_PAGE_BYTES, HISTORY_PAGE_ENTRIES } from '../../../shared/history-page';
import type { HistoryEntry } from './conversation-recorder';

export type PageEntry = HistoryEntry & { truncated?: boolean };

export function entriesPage(entries: readonly HistoryEntry[], from: number, limits = { entries: HISTORY_PAGE_ENTRIES, bytes: HISTORY_PAGE_BYTES }): { entries: PageEntry[]; from: number; next: number | null } {
  const start = Math.min(Math.max(0, Math.trunc(from)), entries.length);
  const page: PageEntry[] = [];
  let bytes = 0;
  for (let i = start; i < entries.length && page.length < limits.entries; i++) {
    const entry = entries[i]!;
    const size = jsonBytes(entry);
    if (bytes + size > limits.bytes) {
      if (page.length > 0) break;
      page.push(cutToFit(entry, limits.bytes));
      break;
    }
    page.push(entry);
    bytes += size;
  }
  const end = start + page.length;
  return { entries: page, from: start, next: end < entries.length ? end : null };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The entry with its text shortened until its JSON fits in `bytes`. */
function cutToFit(entry: HistoryEntry, bytes: number): PageEntry {
  let text = entry.text;
  let cut: PageEntry = { ...entry, truncated: true };
  for (;;) {
    const size = jsonBytes({ ...cut, text: `${text}…` });
    if (size <= bytes) return { ...cut, text: `${text}…` };
    // Shrink in proportion (escapes and multi-byte characters make bytes exceed characters).
    text = text.slice(0, Math.max(0, Math.floor((text.length * bytes) / size) - 16));
    cut = { ...cut, text };
  }
}
