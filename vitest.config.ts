import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'shared/**/*.test.ts', 'renderer/src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    // Above until()'s 10 s bound (electron/agent/testing/until.ts), so a wait
    // that gives up reports what it waited for instead of a bare test timeout.
    testTimeout: 20_000,
    // Set-up hooks do real work too (tiny models generated and loaded, loopback
    // servers started); on a loaded two-core machine they need the same room as
    // a test, not vitest's 10 s default, or every test under one fails at once.
    hookTimeout: 20_000,
  },
});
