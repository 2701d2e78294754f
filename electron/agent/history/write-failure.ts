/** Why a conversation could not be written, in words for the person whose conversation it is. */
const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the disk is read-only',
  EACCES: 'the history folder cannot be written (permission denied)',
  EPERM: 'the history folder cannot be written (operation not permitted)',
  EIO: 'the disk reported an input/output error',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
};

/** Longest reason quoted from an unexpected error: the notice must stay a sentence. */
const MAX_REASON = 300;

export function notSavedBecause(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code]) return REASONS[code];
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_REASON ? `${message.slice(0, MAX_REASON - 1)}…` : message;
}
