import { describe, expect, it } from 'vitest';
import { FIRST_RESTART_MS, HEALTHY_AFTER_MS, MAX_RESTART_MS, failuresAfter, restartDelayMs } from './restart-backoff';

describe('restart back-off', () => {
  it('doubles from the first delay up to the cap', () => {
    expect([1, 2, 3, 4].map(restartDelayMs)).toEqual([FIRST_RESTART_MS, FIRST_RESTART_MS * 2, FIRST_RESTART_MS * 4, FIRST_RESTART_MS * 8]);
    expect(restartDelayMs(30)).toBe(MAX_RESTART_MS);
    expect(restartDelayMs(10_000)).toBe(MAX_RESTART_MS);
  });

  it('starts over after the server stayed up long enough', () => {
    expect(failuresAfter(5, 0)).toBe(6);
    expect(failuresAfter(5, HEALTHY_AFTER_MS - 1)).toBe(6);
    expect(failuresAfter(5, HEALTHY_AFTER_MS)).toBe(1);
  });
});
