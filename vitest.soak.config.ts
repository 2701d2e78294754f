import { defineConfig } from 'vitest/config';

/** `npm run test:soak`: long runs, kept out of the unit suite. */
export default defineConfig({
  test: {
    include: ['soak/**/*.soak.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
