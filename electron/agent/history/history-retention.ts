/**
 * The optional retention limit: conversations older than `keepDays`, and
 * those past the newest `keepCount`, are deleted, oldest first. Zero turns a
 * limit off (the default: everything is kept).
 */
export interface HistoryRetention {
  keepDays: number;
  keepCount: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Ids of the conversations past the limit, oldest first. */
export function expired(conversations: readonly { id: string; startedAt: string; endedAt: string | null }[], retention: HistoryRetention, now: number): string[] {
  const newest = [...conversations].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const cutoff = retention.keepDays > 0 ? now - retention.keepDays * DAY_MS : Number.NEGATIVE_INFINITY;
  return newest
    .filter((c, i) => (retention.keepCount > 0 && i >= retention.keepCount) || Date.parse(c.endedAt ?? c.startedAt) < cutoff)
    .map((c) => c.id)
    .reverse();
}
