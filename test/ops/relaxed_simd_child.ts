// Child process of relaxed_simd.test.ts (run by a Node with relaxed SIMD: Node 22, or Node 20 with
// --experimental-wasm-relaxed-simd): loads the wasm backend as the variant named in argv[2]
// ('auto' | 'plain'), runs GEMMs and convolutions (forward and both gradients) of odd shapes on
// 1 thread and split over 2 (every cut-off forced to 0), the same on the js backend, and prints
// one JSON line: the variant in use, whether 1 and 2 threads gave the same bits, the largest error
// against the js oracle, and the wasm outputs' bits (the test compares the two variants' bits).
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import type { WasmBackend } from '../../src/backends/wasm/index.js';
import { setThreads } from '../../src/threads.js';
import { randArray } from '../helpers.js';

const variant = process.argv[2];
sg.setRelaxedSimd(variant === 'plain' ? false : 'auto');
await sg.setBackend('wasm');
const backend = ENGINE.findBackend('wasm') as WasmBackend;
const t = (shape: number[], seed: number) =>
  sg.tensor(randArray(shape.reduce((a, c) => a * c, 1), seed, -1, 1), shape);

// [M, K, N, transposeA, transposeB]: ragged tiles, fewer than 4 rows (the unpacked path), K over
// one 512 block, and a split whose last chunk has < 4 rows (M = 6).
const gemms: [number, number, number, boolean, boolean][] = [
  [6, 37, 19, false, false],
  [3, 600, 40, false, false],
  [33, 700, 21, true, false],
  [17, 9, 70, false, true],
  [128, 200, 64, true, true],
];
const cases: (() => sg.Tensor[])[] = gemms.map(([M, K, N, tA, tB], i) => () => {
  const a = t(tA ? [K, M] : [M, K], 10 + i);
  const b = t(tB ? [N, K] : [K, N], 20 + i);
  const y = sg.matMul(a, b, tA, tB);
  sg.dispose([a, b]);
  return [y];
});
// A conv layer's three products: winograd (3x3, stride 1) and im2col + GEMM (5x5, stride 2).
for (const [k, s] of [[3, 1], [5, 2]] as const) {
  cases.push(() => {
    const x = t([3, 13, 11, 6], 40 + k);
    const f = t([k, k, 6, 10], 50 + k);
    const { value, grads } = sg.valueAndGrads((xx: sg.Tensor, ff: sg.Tensor) =>
      sg.sum(sg.mul(sg.conv2d(xx, ff, s, 'same'), sg.conv2d(xx, ff, s, 'same'))),
    )([x, f]);
    const y = sg.conv2d(x, f, s, 'same');
    sg.dispose([x, f, value]);
    return [y, ...grads];
  });
}

const read = (ts: sg.Tensor[]) => ts.map((x) => Array.from(x.dataSync()));
const run = (f: () => sg.Tensor[]) => {
  const ts = f();
  const out = read(ts);
  sg.dispose(ts);
  return out;
};
const bits = (vs: number[][]) => vs.map((v) => Array.from(new Uint32Array(Float32Array.from(v).buffer)));

let sameAcrossThreads = true;
let maxErr = 0;
let splits = 0;
const all: number[][][] = [];
for (const c of cases) {
  await sg.setBackend('wasm');
  setThreads(1);
  backend.cutoffOverride = undefined;
  const one = run(c);
  setThreads(2);
  backend.cutoffOverride = 0;
  const before = backend.threadsInfo().splitJobs;
  const two = run(c);
  splits += backend.threadsInfo().splitJobs - before;
  backend.cutoffOverride = undefined;
  if (JSON.stringify(bits(one)) !== JSON.stringify(bits(two))) sameAcrossThreads = false;
  await sg.setBackend('js');
  const ref = run(c);
  one.forEach((v, i) =>
    v.forEach((x, j) => {
      maxErr = Math.max(maxErr, Math.abs(x - ref[i][j]) / (1 + Math.abs(ref[i][j])));
    }),
  );
  all.push(bits(one));
}
await sg.setBackend('wasm');
console.log(JSON.stringify({ relaxed: sg.getRelaxedSimd(), sameAcrossThreads, splits, maxErr, bits: all }));
