// `npm run bench -- ops`: element-wise and reduction throughput (GB/s of input + output)
// of simdgrad wasm on 1 and 2 threads against tfjs-wasm (1 thread in Node), side by side in one
// process. `npm run bench -- ops cutoffs`: the measurements behind the thread cut-offs in
// src/backends/wasm/index.ts (one call on 1 thread and split over 2, sizes 2^10..2^20; and the
// one-thread ns per element of every unary op and its gradient).
import * as sg from '../src/index.js';
import { wasmBackend } from './gemm.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults, time } from './harness.js';
import { setThreads } from '../src/threads.js';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
interface OpCase {
  name: string;
  /** Number of input tensors and whether the output is as large as the input. */
  inputs: number;
  outFull: boolean;
  sg: (...x: sg.Tensor[]) => sg.Tensor;
  tf: (tf: Tf, ...x: ReturnType<Tf['tensor']>[]) => ReturnType<Tf['tensor']>;
}

const CASES: OpCase[] = [
  { name: 'add', inputs: 2, outFull: true, sg: (a, b) => sg.add(a, b), tf: (tf, a, b) => tf.add(a, b) },
  { name: 'mul', inputs: 2, outFull: true, sg: (a, b) => sg.mul(a, b), tf: (tf, a, b) => tf.mul(a, b) },
  { name: 'relu', inputs: 1, outFull: true, sg: (a) => sg.relu(a), tf: (tf, a) => tf.relu(a) },
  { name: 'exp', inputs: 1, outFull: true, sg: (a) => sg.exp(a), tf: (tf, a) => tf.exp(a) },
  { name: 'sigmoid', inputs: 1, outFull: true, sg: (a) => sg.sigmoid(a), tf: (tf, a) => tf.sigmoid(a) },
  { name: 'tanh', inputs: 1, outFull: true, sg: (a) => sg.tanh(a), tf: (tf, a) => tf.tanh(a) },
  { name: 'sum (all)', inputs: 1, outFull: false, sg: (a) => sg.sum(a), tf: (tf, a) => tf.sum(a) },
  { name: 'max (rows)', inputs: 1, outFull: false, sg: (a) => sg.max(a, -1), tf: (tf, a) => tf.max(a, -1) },
  { name: 'softmax (rows)', inputs: 1, outFull: true, sg: (a) => sg.softmax(a), tf: (tf, a) => tf.softmax(a) },
];

export async function benchOps(args: string[]): Promise<void> {
  if (args[0] === 'cutoffs') return benchCutoffs();
  const n = Number(args[0] ?? 1 << 20);
  const shape = [n / 256, 256];
  const tf = await loadTfjs('wasm');
  await sg.setBackend('wasm');
  const data = [0, 1].map((k) => new Float32Array(n).map((_, i) => Math.sin(i * (k + 1)) * 3));
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const c of CASES) {
    const bytes = 4 * n * (c.inputs + (c.outFull ? 1 : 0));
    const sx = data.slice(0, c.inputs).map((d) => sg.tensor(d, shape));
    const gsg: number[] = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      gsg.push(bytes / time(`sg ${c.name} ${threads}t`, () => c.sg(...sx).dispose()).median / 1e9);
    }
    sg.dispose(sx);
    const tx = data.slice(0, c.inputs).map((d) => tf.tensor(d, shape));
    const ttf = time(`tf ${c.name}`, () => c.tf(tf, ...tx).dispose());
    tf.dispose(tx);
    const gtf = bytes / ttf.median / 1e9;
    rows.push([c.name, gsg[0], gsg[1], `${(gsg[1] / gsg[0]).toFixed(2)}x`, gtf, `${(gsg[1] / gtf).toFixed(2)}x`]);
    json.push({
      op: c.name,
      elements: n,
      gbpsSimdgrad1t: gsg[0],
      gbpsSimdgrad2t: gsg[1],
      gbpsTfjsWasm: gtf,
      ratio2tToTfjs: gsg[1] / gtf,
    });
  }
  setThreads(2);
  console.log(`\nElement-wise and reduction ops on ${n} float32 elements ([${shape}]), GB/s (median)`);
  printTable(['op', 'simdgrad 1t', 'simdgrad 2t', '2t / 1t', 'tfjs-wasm', '2t / tfjs'], rows);
  console.log(`results: ${saveResults('ops', json)}`);
}

/**
 * Times `fn` in interleaved batches, one thread (cut-offs off) then forced onto two (every
 * cut-off 0), keeping the fastest batch of each: the figure least disturbed by other processes.
 * Returns microseconds per call.
 */
function oneVsTwo(fn: () => void, reps: number): [number, number] {
  const b = wasmBackend();
  for (let i = 0; i < 3; i++) fn();
  const best = [Infinity, Infinity];
  try {
    for (let r = 0; r < 15; r++) {
      for (const [k, cut] of [
        [0, Infinity],
        [1, 0],
      ] as const) {
        b.cutoffOverride = cut;
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) fn();
        best[k] = Math.min(best[k], ((performance.now() - t0) * 1000) / reps);
      }
    }
  } finally {
    b.cutoffOverride = undefined;
  }
  return [best[0], best[1]];
}

const rand = (shape: number[], seed: number) => sg.randomNormal(shape, 0, 1, 'float32', seed);

/** Kernel families and a call of each on about n elements (GEMM: n multiply-adds). */
const CUTOFF_CASES: [string, (n: number) => () => void][] = [
  [
    'relu',
    (n) =>
      (
        (x) => () =>
          sg.relu(x).dispose()
      )(rand([n], 1)),
  ],
  [
    'exp',
    (n) =>
      (
        (x) => () =>
          sg.exp(x).dispose()
      )(rand([n], 1)),
  ],
  [
    'tanh',
    (n) =>
      (
        (x) => () =>
          sg.tanh(x).dispose()
      )(rand([n], 1)),
  ],
  [
    'add',
    (n) =>
      (
        (x, y) => () =>
          sg.add(x, y).dispose()
      )(rand([n], 1), rand([n], 2)),
  ],
  [
    'add, broadcast row',
    (n) =>
      (
        (x, y) => () =>
          sg.add(x, y).dispose()
      )(rand([n / 64, 64], 1), rand([64], 2)),
  ],
  [
    'sum, 64-wide rows',
    (n) =>
      (
        (x) => () =>
          sg.sum(x, -1).dispose()
      )(rand([n / 64, 64], 1)),
  ],
  [
    'sum, middle axis',
    (n) =>
      (
        (x) => () =>
          sg.sum(x, 1).dispose()
      )(rand([Math.max(1, n / 4096), 64, 64], 1)),
  ],
  [
    'argMax, 64-wide rows',
    (n) =>
      (
        (x) => () =>
          sg.argMax(x, -1).dispose()
      )(rand([n / 64, 64], 1)),
  ],
  [
    'softmax, 64-wide rows',
    (n) =>
      (
        (x) => () =>
          sg.softmax(x).dispose()
      )(rand([n / 64, 64], 1)),
  ],
  [
    'gemm (n = M N K)',
    (n) => {
      const d = Math.round(Math.cbrt(n));
      return (
        (a, b) => () =>
          sg.matMul(a, b).dispose()
      )(rand([d, d], 1), rand([d, d], 2));
    },
  ],
];

/** The Unary op codes' names, by code (assembly/codes.ts). */
const UNARY_NAMES = [
  'neg',
  'abs',
  'square',
  'sqrt',
  'exp',
  'log',
  'relu',
  'relu6',
  'elu',
  'selu',
  'leakyRelu',
  'sigmoid',
  'tanh',
  'softplus',
  'clip',
  'reciprocal',
  'rsqrt',
  'sign',
  'floor',
  'ceil',
  'round',
  'sin',
  'cos',
  'log1p',
  'step',
];

async function benchCutoffs(): Promise<void> {
  await sg.setBackend('wasm');
  setThreads(2);
  console.log('\nOne call on 1 thread / split over 2 threads, microseconds (best of 15 batches), and the ratio');
  const sizes = Array.from({ length: 11 }, (_, k) => 1 << (k + 10));
  const rows: (string | number)[][] = [];
  for (const [name, make] of CUTOFF_CASES) {
    const row: (string | number)[] = [name];
    for (const n of sizes) {
      const [t1, t2] = oneVsTwo(make(n), Math.max(3, Math.floor(1e5 / n)));
      row.push(`${t1.toFixed(1)}/${t2.toFixed(1)} ${(t1 / t2).toFixed(2)}x`);
    }
    rows.push(row);
  }
  printTable(['kernel', ...sizes.map((n) => `2^${Math.log2(n)}`)], rows);

  // One-thread ns per element of each unary op and its gradient, n = 2^15 (in L2).
  setThreads(1);
  const w = wasmBackend().wasm;
  const n = 1 << 15;
  const [x, y, dy, dx, out] = [0, 1, 2, 3, 4].map(() => w.alloc(n * 4));
  new Float32Array(w.memory.buffer, x, n).set(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3));
  const nsPerElement = (f: () => void) => {
    for (let i = 0; i < 20; i++) f();
    let best = Infinity;
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) f();
      best = Math.min(best, (((performance.now() - t0) / 20) * 1e6) / n);
    }
    return best;
  };
  const ops = UNARY_NAMES.map((name, op) => [name, op] as const);
  printTable(
    ['unary op', 'ns/element', 'gradient ns/element'],
    ops.map(([name, op]) => [
      name,
      nsPerElement(() => w.unaryF32(op, x, out, 0, n, 0.2, 6)),
      nsPerElement(() => w.unaryGradF32(op, x, out, dy, dx, 0, n, 0.2, 6)),
    ]),
  );
  for (const p of [x, y, dy, dx, out]) w.free(p);
  setThreads(2);
}
