#!/usr/bin/env node
// The package's command (package.json "bin"): `npx simdgrad bench gemm [n ...] [--threads t]`
// times square float32 matMuls of simdgrad's wasm backend on this machine, on one thread and on
// the default thread count, and prints GFLOP/s with what the runtime supports. Peers (tfjs) and
// the other benchmarks of the repository's bench/ are not part of the package.
import { dispose, getBackend, getThreads, matMul, randomUniform, ready, setBackend, setThreads } from './index.js';

const USAGE = 'usage: simdgrad bench gemm [n ...] [--threads t]   (default sizes 256 512 1024)';

/** Best time (ms) of one n x n x n matMul, over repeats filling about `budgetMs`. */
function timeGemm(n: number, budgetMs: number): number {
  const a = randomUniform([n, n], -1, 1, 'float32', 1);
  const b = randomUniform([n, n], -1, 1, 'float32', 2);
  matMul(a, b).dispose(); // warm-up (and, on several threads, starts the pool)
  let best = Infinity;
  const end = performance.now() + budgetMs;
  for (let i = 0; i < 3 || (performance.now() < end && i < 1000); i++) {
    const t0 = performance.now();
    const c = matMul(a, b);
    best = Math.min(best, performance.now() - t0);
    c.dispose();
  }
  dispose([a, b]);
  return best;
}

async function benchGemm(args: string[]): Promise<void> {
  let threads = getThreads();
  const sizes: number[] = [];
  for (let i = 0; i < args.length; i++) {
    const isThreads = args[i] === '--threads';
    const raw = isThreads ? args[++i] : args[i];
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1 || v > 8192) {
      throw new Error(
        `simdgrad bench gemm: '${raw}' is not a ${isThreads ? 'thread count' : 'size'} in 1..8192\n${USAGE}`,
      );
    }
    if (isThreads) threads = v;
    else sizes.push(v);
  }
  if (!sizes.length) sizes.push(256, 512, 1024);
  await setBackend('wasm');
  await ready();
  const counts = threads > 1 ? [1, threads] : [1];
  const shared = typeof SharedArrayBuffer === 'function';
  console.log(
    `simdgrad ${getBackend()} backend, Node ${process.versions.node}, WebAssembly SIMD: yes (required), ` +
      `threads: ${shared ? `yes (default ${getThreads()})` : 'no (no SharedArrayBuffer)'}`,
  );
  console.log(['n', ...counts.map((t) => `${t} thread${t > 1 ? 's' : ''} GFLOP/s`)].join('\t'));
  for (const n of sizes) {
    const row = [String(n)];
    for (const t of counts) {
      setThreads(t);
      if (t > 1) {
        timeGemm(Math.min(n, 256), 20); // start the workers, then let them come up
        await new Promise((r) => setTimeout(r, 50));
      }
      const ms = timeGemm(n, 300);
      row.push(((2 * n * n * n) / (ms * 1e6)).toFixed(1));
    }
    console.log(row.join('\t'));
  }
  setThreads(1); // stops the workers, so the process exits at once
}

const [cmd, what, ...rest] = process.argv.slice(2);
if (cmd === 'bench' && what === 'gemm') {
  benchGemm(rest).catch((e: Error) => {
    console.error(e.message);
    process.exitCode = 1;
  });
} else {
  console.error(USAGE);
  process.exitCode = cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 1;
}
