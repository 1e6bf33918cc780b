// `npm run bench -- gemm`: square GEMM GFLOP/s of simdgrad (wasm on 1 and 2 threads, js) against
// tfjs (wasm, cpu), measured side by side in one process, with the ratios; then the round trip
// of one dispatch over the thread pool (microseconds, median and p99).
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import type { WasmBackend } from '../src/backends/wasm/index.js';
import { SPIN_MS } from '../src/backends/wasm/pool.js';
import { setThreads } from '../src/threads.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults, time, timeInterleaved } from './harness.js';

/** The active wasm backend (the caller has selected it). */
export function wasmBackend(): WasmBackend {
  return ENGINE.backend as WasmBackend;
}

/**
 * The dispatch round trip: a kernel call on 32 elements forced to split over 2 threads, less
 * the same call on one thread. `hot`: back to back (the worker is still spinning); `cold`: after
 * a pause longer than the worker's spin (it sleeps in Atomics.wait and has to be woken).
 */
export function dispatchRoundTrip(): Record<'hot' | 'cold', { median: number; p99: number }> {
  const b = wasmBackend();
  setThreads(2);
  const x = b.wasm.alloc(256);
  const y = b.wasm.alloc(256);
  const call = (split: boolean) => {
    b.cutoffOverride = split ? 0 : Infinity;
    b.dispatch('unaryF32', [0, x, y, 0, 0], 32, 3); // neg
  };
  const sample = (split: boolean, n: number, pauseMs: number) => {
    const us: number[] = [];
    for (let i = 0; i < n; i++) {
      if (pauseMs) for (const end = performance.now() + pauseMs; performance.now() < end;);
      const t0 = performance.now();
      call(split);
      us.push((performance.now() - t0) * 1000);
    }
    return us.sort((p, q) => p - q);
  };
  const q = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  try {
    call(true); // starts the pool
    sample(true, 2000, 0); // warm up
    const one = q(sample(false, 20000, 0), 0.5);
    const hot = sample(true, 20000, 0);
    const cold = sample(true, 300, SPIN_MS + 3);
    return {
      hot: { median: q(hot, 0.5) - one, p99: q(hot, 0.99) - one },
      cold: { median: q(cold, 0.5) - one, p99: q(cold, 0.99) - one },
    };
  } finally {
    b.cutoffOverride = undefined;
    b.wasm.free(x);
    b.wasm.free(y);
  }
}

export async function benchGemm(args: string[]): Promise<void> {
  const sizes = args.length ? args.map(Number) : [128, 256, 512, 1024];
  const tf = await loadTfjs('wasm');
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const n of sizes) {
    const flops = 2 * n * n * n;
    const a = new Float32Array(n * n).map((_, i) => Math.sin(i));
    const b = new Float32Array(n * n).map((_, i) => Math.cos(i));
    const gflops: Record<string, number> = {};
    // Every backend measured here runs matMul synchronously, so the returned tensor is complete:
    // the readback (dataSync) is left out of the GEMM time for all of them.
    await sg.setBackend('wasm');
    const x = sg.tensor(a, [n, n]);
    const y = sg.tensor(b, [n, n]);
    const tx = tf.tensor2d(a, [n, n]);
    const ty = tf.tensor2d(b, [n, n]);
    // The peers that the targets compare, interleaved round by round (see timeInterleaved).
    const fast = timeInterleaved([
      { name: 'simdgrad-wasm-1t', setup: () => setThreads(1), fn: () => sg.matMul(x, y).dispose() },
      { name: 'simdgrad-wasm-2t', setup: () => setThreads(2), fn: () => sg.matMul(x, y).dispose() },
      { name: 'tfjs-wasm', fn: () => tf.matMul(tx, ty).dispose() },
    ]);
    for (const [k, t] of Object.entries(fast)) gflops[k] = flops / t.median / 1e9;
    sg.dispose([x, y]);
    tf.dispose([tx, ty]);
    // The plain-JS references are 50-100x slower: timed once each.
    await sg.setBackend('js');
    const jx = sg.tensor(a, [n, n]);
    const jy = sg.tensor(b, [n, n]);
    gflops['simdgrad-js'] = flops / time('simdgrad-js', () => sg.matMul(jx, jy).dispose()).median / 1e9;
    sg.dispose([jx, jy]);
    await loadTfjs('cpu');
    const cx = tf.tensor2d(a, [n, n]);
    const cy = tf.tensor2d(b, [n, n]);
    gflops['tfjs-cpu'] = flops / time('tfjs-cpu', () => tf.matMul(cx, cy).dispose()).median / 1e9;
    tf.dispose([cx, cy]);
    await loadTfjs('wasm');
    const speedup = gflops['simdgrad-wasm-2t'] / gflops['simdgrad-wasm-1t'];
    const ratio1 = gflops['simdgrad-wasm-1t'] / gflops['tfjs-wasm'];
    const ratio2 = gflops['simdgrad-wasm-2t'] / gflops['tfjs-wasm'];
    rows.push([
      n,
      gflops['simdgrad-wasm-1t'],
      gflops['simdgrad-wasm-2t'],
      `${speedup.toFixed(2)}x`,
      gflops['simdgrad-js'],
      gflops['tfjs-wasm'],
      gflops['tfjs-cpu'],
      `${ratio1.toFixed(2)}x`,
      `${ratio2.toFixed(2)}x`,
    ]);
    json.push({ n, gflops, speedup2t: speedup, ratioToTfjsWasm: ratio1, ratio2tToTfjsWasm: ratio2 });
  }
  await sg.setBackend('wasm');
  const rt = dispatchRoundTrip();
  setThreads(2);
  console.log('\nGEMM, C = A B with square n x n float32 matrices, GFLOP/s (median); tfjs: 1 thread (none in Node)');
  printTable(
    ['n', 'wasm 1t', 'wasm 2t', '2t / 1t', 'simdgrad js', 'tfjs-wasm', 'tfjs-cpu', '1t / tfjs-wasm', '2t / tfjs-wasm'],
    rows,
  );
  const us = (v: number) => v.toFixed(1);
  console.log(
    `dispatch round trip (2 threads): worker spinning ${us(rt.hot.median)} us median, ${us(rt.hot.p99)} us p99; ` +
      `worker asleep ${us(rt.cold.median)} us median, ${us(rt.cold.p99)} us p99`,
  );
  console.log(`results: ${saveResults('gemm', { sizes: json, roundTripMicroseconds: rt })}`);
}
