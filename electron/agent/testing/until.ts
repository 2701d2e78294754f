/**
 * Waits for a condition that something else makes true: polls `predicate`
 * and resolves as soon as it holds. The bound is a failure's bound, far above
 * what a loaded two-core machine needs (the condition normally holds within
 * milliseconds), so a test never fails because the machine was slow; a test
 * that wants a timing asserts it on its own, never through this bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How long `until` waits by default before it gives up. */
export const UNTIL_TIMEOUT_MS = 10_000;

export interface UntilOptions {
  /** What is awaited, for the failure's message (default: the predicate's source). */
  what?: string;
  /** More to say on failure, e.g. the messages seen so far; read only then. */
  detail?: () => string;
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves once `predicate()` is true; throws, saying what it waited for, after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, options: UntilOptions | string = {}): Promise<void> {
  const { what, detail, timeoutMs = UNTIL_TIMEOUT_MS, intervalMs = 5 } = typeof options === 'string' ? { what: options } : options;
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) {
      const extra = detail ? `; ${detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what ?? predicate.toString()}${extra}`);
    }
    await sleep(intervalMs);
  }
}
