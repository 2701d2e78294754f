import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random';

describe('seededRandom', () => {
  it('gives the same numbers for the same seed, others for another, all in [0, 1)', () => {
    const take = (seed: number) => Array.from({ length: 1_000 }, seededRandom(seed));
    const one = take(1);
    expect(take(1)).toEqual(one);
    expect(take(2)).not.toEqual(one);
    expect(one.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(one).size).toBe(one.length);
    const mean = one.reduce((a, b) => a + b, 0) / one.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
