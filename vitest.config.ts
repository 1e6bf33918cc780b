import { defineConfig } from 'vitest/config';

// vitest 4.1.x, not 5.x: vitest 5 crashes its reporter on Node 20 whenever a test fails.
export default defineConfig({
  // Examples import 'simdgrad' as users do; in tests that name means the sources, so a test can
  // run an example (imported with tiny settings) without a build of dist/ first.
  resolve: { alias: { simdgrad: new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
