/**
 * When to start a server again after it exited or could not start: twice as
 * long after each failure in a row, from half a second to a minute. A server
 * that stayed up for a minute counts as healthy again: its next failure
 * starts the series over.
 */
export const FIRST_RESTART_MS = 500;
export const MAX_RESTART_MS = 60_000;
export const HEALTHY_AFTER_MS = 60_000;

/** The delay before the restart that follows `failures` failures in a row (1 for the first). */
export function restartDelayMs(failures: number): number {
  if (failures < 1) return 0;
  return Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** Math.min(failures - 1, 20));
}

/** The count of failures in a row after one more, given how long the server had been ready (0 if it never was). */
export function failuresAfter(previous: number, readyForMs: number): number {
  return readyForMs >= HEALTHY_AFTER_MS ? 1 : previous + 1;
}
