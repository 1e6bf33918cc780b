// `npm run bench -- gemm`: square GEMM GFLOP/s of simdgrad (wasm, js) against tfjs (wasm, cpu),
// measured side by side in one process, with the ratio to tfjs-wasm.
import * as sg from '../src/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults, time } from './harness.js';

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
    for (const backend of ['wasm', 'js']) {
      await sg.setBackend(backend);
      const x = sg.tensor(a, [n, n]);
      const y = sg.tensor(b, [n, n]);
      const t = time(`simdgrad-${backend}`, () => {
        const c = sg.matMul(x, y);
        c.dataSync();
        c.dispose();
      });
      gflops[`simdgrad-${backend}`] = flops / t.median / 1e9;
      sg.dispose([x, y]);
    }
    for (const backend of ['wasm', 'cpu'] as const) {
      await loadTfjs(backend);
      const x = tf.tensor2d(a, [n, n]);
      const y = tf.tensor2d(b, [n, n]);
      const t = time(`tfjs-${backend}`, () => {
        const c = tf.matMul(x, y);
        c.dataSync();
        c.dispose();
      });
      gflops[`tfjs-${backend}`] = flops / t.median / 1e9;
      tf.dispose([x, y]);
    }
    const ratio = gflops['simdgrad-wasm'] / gflops['tfjs-wasm'];
    rows.push([
      n,
      gflops['simdgrad-wasm'],
      gflops['simdgrad-js'],
      gflops['tfjs-wasm'],
      gflops['tfjs-cpu'],
      `${ratio.toFixed(2)}x`,
    ]);
    json.push({ n, gflops, ratioToTfjsWasm: ratio });
  }
  console.log('\nGEMM, C = A B with square n x n float32 matrices, GFLOP/s (median), 1 thread');
  printTable(['n', 'simdgrad wasm', 'simdgrad js', 'tfjs-wasm', 'tfjs-cpu', 'wasm / tfjs-wasm'], rows);
  console.log(`results: ${saveResults('gemm', json)}`);
}
