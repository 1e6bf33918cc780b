import { defineConfig } from 'vitest/config';

// vitest 4.1.x, not 5.x: vitest 5 crashes its reporter on Node 20 whenever a test fails.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
