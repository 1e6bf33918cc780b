import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// vitest 4.1.x, not 5.x: vitest 5 crashes its reporter on Node 20 whenever a test fails.
// `npm test` runs every test but the Keras peer's round trip, which `npm run test:peers` runs
// (SG_PEERS=1): they start Keras 3 on JAX for each file simdgrad writes and for each optimizer resumed,
// a few minutes on 2 cores.
const PEERS = ['test/io/keras_peer.test.ts', 'test/io/keras_optimizer_peer.test.ts'];
// `npm run test:long` (SG_LONG=1): runs too long for CI on 2 cores (mnist_cnn and an LSTM trained on WebGPU through
// SwiftShader, ~10 min); nothing in them is skipped, they are just not in `npm test`.
const LONG = ['test/webgpu/fit_models.test.ts'];
const peersOnly = process.env.SG_PEERS === '1';
const longOnly = process.env.SG_LONG === '1';

export default defineConfig({
  // Examples import 'simdgrad' as users do; in tests that name means the sources, so a test can
  // run an example (imported with tiny settings) without a build of dist/ first.
  resolve: { alias: { simdgrad: new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    include: peersOnly ? PEERS : longOnly ? LONG : ['test/**/*.test.ts'],
    exclude: peersOnly || longOnly ? configDefaults.exclude : [...configDefaults.exclude, ...PEERS, ...LONG],
    // The default reporter, then one plain closing line 'tests: N passed, N failed' (scripts/vitest-summary.ts).
    reporters: ['default', './scripts/vitest-summary.ts'],
    // At least two test files at a time, also on 2 cores (vitest's default there is one): many files spend their time
    // waiting on a child process (Keras on JAX, Chromium, tsc, npm pack); 150 files took 660 s of wall time this way
    // for 1,068 s of test time summed over the files.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
