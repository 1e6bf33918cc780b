// Threads (issue 3): every kernel that the wasm backend splits over its worker pool gives results
// bit-identical to one thread, at sizes just below and just above its cut-off and, with every
// cut-off forced to 0, at small odd sizes whose chunks end mid-vector; setThreads/getThreads;
// allocations and the module's data survive worker start-up; a trap in a chunk surfaces as an
// error and leaves the pool usable. (The process-exit and fallback checks spawn child processes:
// test/threads-process.test.ts; the browser: test/browser.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import {
  BINARY_COST,
  PARALLEL_MIN_WORK,
  UNARY_COST,
  UNARY_GRAD_COST,
  instantiateSync,
  type WasmBackend,
} from '../src/backends/wasm/index.js';
import { getThreads, setThreads } from '../src/threads.js';
import { Binary, Unary } from '../src/backends/wasm/codes.generated.js';
import { optimizers } from '../src/optimizers/index.js';
import { checkNoLeaks, randArray } from './helpers.js';

let backend: WasmBackend;
let prevBackend: string;

beforeAll(async () => {
  prevBackend = sg.getBackend();
  await sg.setBackend('wasm');
  backend = ENGINE.findBackend('wasm') as WasmBackend;
});
afterAll(async () => {
  backend.cutoffOverride = undefined;
  setThreads(2);
  await sg.setBackend(prevBackend);
});
checkNoLeaks();

/** The bits of every output (float32 as its u32 pattern, so -0 and NaN payloads count). */
function bits(ts: sg.Tensor | sg.Tensor[]): number[][] {
  const list = Array.isArray(ts) ? ts : [ts];
  const out = list.map((t) => {
    const d = t.dataSync();
    return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);
  });
  sg.dispose(list);
  return out;
}

/**
 * Runs `f` on one thread and on two (with the real cut-offs, or all forced to 0) and expects the
 * same bits; returns how many calls of kernel `fn` were split on two threads.
 */
function compare(f: () => sg.Tensor | sg.Tensor[], forced: boolean, fn?: string, threads = 2): number {
  setThreads(1);
  backend.cutoffOverride = undefined;
  const one = bits(f());
  setThreads(threads);
  backend.cutoffOverride = forced ? 0 : undefined;
  const count = () => {
    const info = backend.threadsInfo();
    return fn ? (info.splits[fn] ?? 0) : info.splitJobs;
  };
  const before = count();
  const two = bits(f());
  const split = count() - before;
  backend.cutoffOverride = undefined;
  expect(two).toEqual(one);
  return split;
}

const t = (shape: number[], seed: number, lo = -3, hi = 3) =>
  sg.tensor(
    randArray(
      shape.reduce((a, c) => a * c, 1),
      seed,
      lo,
      hi,
    ),
    shape,
  );

/** A kernel family: `run(n)` makes one call of `fn` whose work is about `n` units. */
interface Case {
  name: string;
  fn: string;
  /** Work units per element for the size -> work conversion (1 for most). */
  cost?: number;
  run: (n: number) => sg.Tensor | sg.Tensor[];
}

const unary = (name: string, op: number, f: (x: sg.Tensor) => sg.Tensor): Case => ({
  name,
  fn: 'unaryF32',
  cost: UNARY_COST[op] ?? 1,
  run: (n) => sg.tidy(() => f(t([n], 1))),
});
const unaryGrad = (name: string, op: number, f: (x: sg.Tensor) => sg.Tensor): Case => ({
  name: `${name} gradient`,
  fn: 'unaryGradF32',
  cost: UNARY_GRAD_COST[op] ?? 1,
  run: (n) => sg.tidy(() => sg.grads((x: sg.Tensor) => sg.sum(sg.mul(f(x), t([n], 2))))([t([n], 1)])),
});

const CASES: Case[] = [
  unary('relu', Unary.Relu, sg.relu),
  unary('exp', Unary.Exp, sg.exp),
  unary('tanh', Unary.Tanh, sg.tanh),
  unary('sigmoid', Unary.Sigmoid, sg.sigmoid),
  unary('log', Unary.Log, (x) => sg.log(sg.abs(x))),
  unary('elu', Unary.Elu, (x) => sg.elu(x)),
  unaryGrad('tanh', Unary.Tanh, sg.tanh),
  unaryGrad('relu', Unary.Relu, sg.relu),
  { name: 'add', fn: 'binaryF32', run: (n) => sg.tidy(() => sg.add(t([n], 1), t([n], 2))) },
  {
    name: 'mul, broadcast rows',
    fn: 'binaryF32',
    run: (n) => sg.tidy(() => sg.mul(t([Math.ceil(n / 37), 37], 1), t([37], 2))),
  },
  {
    name: 'pow',
    fn: 'binaryF32',
    cost: BINARY_COST[Binary.Pow],
    run: (n) => sg.tidy(() => sg.pow(t([n], 1, 0.1, 3), t([n], 2))),
  },
  { name: 'greater', fn: 'compareF32', run: (n) => sg.tidy(() => sg.greater(t([n], 1), t([n], 2))) },
  {
    name: 'int32 add',
    fn: 'binaryI32',
    run: (n) => sg.tidy(() => sg.add(sg.cast(t([n], 1, -99, 99), 'int32'), sg.cast(t([n], 2, -99, 99), 'int32'))),
  },
  {
    name: 'int32 less',
    fn: 'compareI32',
    run: (n) => sg.tidy(() => sg.less(sg.cast(t([n], 1, -9, 9), 'int32'), sg.cast(t([n], 2, -9, 9), 'int32'))),
  },
  { name: 'sum over rows', fn: 'reduceF32', run: (n) => sg.tidy(() => sg.sum(t([Math.ceil(n / 63), 63], 1), -1)) },
  { name: 'max over rows', fn: 'reduceF32', run: (n) => sg.tidy(() => sg.max(t([Math.ceil(n / 63), 63], 1), -1)) },
  {
    name: 'sum over a middle axis',
    fn: 'reduceMidF32',
    run: (n) => sg.tidy(() => sg.sum(t([Math.ceil(n / (9 * 13)), 9, 13], 1), 1)),
  },
  { name: 'argMax', fn: 'argReduceF32', run: (n) => sg.tidy(() => sg.argMax(t([Math.ceil(n / 61), 61], 1), -1)) },
  { name: 'softmax', fn: 'softmaxF32', run: (n) => sg.tidy(() => sg.softmax(t([Math.ceil(n / 59), 59], 1))) },
  { name: 'logSoftmax', fn: 'softmaxF32', run: (n) => sg.tidy(() => sg.logSoftmax(t([Math.ceil(n / 59), 59], 1))) },
  // GEMM: work = M*N*K. Row split (M/4 >= N/8), column split (few rows), transposes, fused epilogue.
  {
    name: 'matMul, rows',
    fn: 'gemmF32',
    run: (n) => {
      const d = Math.max(1, Math.round(Math.cbrt(n)));
      return sg.tidy(() => sg.matMul(t([d + 3, d], 1), t([d, d - 1 || 1], 2)));
    },
  },
  {
    name: 'matMul, columns (5 rows)',
    fn: 'gemmF32',
    run: (n) => {
      const d = Math.max(1, Math.round(Math.sqrt(n / 5)));
      return sg.tidy(() => sg.matMul(t([5, d], 1), t([d, d + 5], 2)));
    },
  },
  {
    // 1-4 rows run as GEMVs (assembly/gemv.ts), split by columns.
    name: 'matMul, GEMV (3 rows)',
    fn: 'gemvF32',
    run: (n) => {
      const d = Math.max(1, Math.round(Math.sqrt(n / 3)));
      return sg.tidy(() => sg.matMul(t([3, d], 1), t([d, d + 13], 2))); // N > 16 at n = 300: two chunks
    },
  },
  {
    name: 'matMul, transposed, fused bias + relu',
    fn: 'gemmF32',
    run: (n) => {
      const d = Math.max(1, Math.round(Math.cbrt(n)));
      return sg.tidy(() =>
        sg.fused.matMul({
          a: t([d, d + 2], 1),
          b: t([d + 1, d], 2),
          transposeA: true,
          transposeB: true,
          bias: t([d + 1], 3),
          activation: 'relu',
        }),
      );
    },
  },
  {
    name: 'matMul, long K (several K blocks)',
    fn: 'gemmF32',
    run: (n) => {
      const d = Math.max(1, Math.round(Math.sqrt(n / 1100)));
      return sg.tidy(() => sg.matMul(t([d, 1100], 1), t([1100, d], 2)));
    },
  },
];

describe('threads: bit-identical to one thread', () => {
  for (const c of CASES) {
    it(`${c.name}: just below and above the cut-off`, () => {
      const cutoff = PARALLEL_MIN_WORK[c.fn];
      expect(cutoff, `no cut-off for ${c.fn}`).toBeGreaterThan(0);
      const atCut = Math.ceil(cutoff / (c.cost ?? 1));
      // Below: not split. Above (twice the cut-off, as the sizes are rounded to shapes): split.
      const below = compare(() => c.run(Math.floor(atCut * 0.6)), false, c.fn);
      const above = compare(() => c.run(atCut * 2), false, c.fn);
      expect(below).toBe(0);
      expect(above).toBeGreaterThan(0);
    });
    it(`${c.name}: every call split, small odd sizes`, () => {
      for (const n of [1, 7, 33, 301, 2049]) compare(() => c.run(n), true);
    });
  }

  it('a whole-tensor sum, max and mean of 2^20 values: split over threads, the same bits, close to float64', () => {
    const v = randArray(1 << 20, 77);
    const x = sg.tensor(v);
    const ref = v.reduce((a, b) => a + b, 0);
    const run = (threads: number) => {
      setThreads(threads);
      return [sg.sum(x), sg.max(x), sg.mean(x)].map((t) => {
        const r = t.dataSync()[0];
        t.dispose();
        return r;
      });
    };
    const one = run(1);
    const two = run(2);
    expect(two).toEqual(one);
    expect(Math.abs(one[0] - ref)).toBeLessThan(1e-3 * Math.sqrt(v.length));
    expect(one[1]).toBe(v.reduce((a, b) => Math.max(a, b), -Infinity));
    x.dispose();
  });

  it('optimizer updates (all seven kernels) over a few steps', () => {
    const make = [
      () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
      () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
      () => optimizers.adam({ learningRate: 0.01, amsgrad: true }),
      () => optimizers.adagrad({ learningRate: 0.1 }),
      () => optimizers.adadelta({ learningRate: 1 }),
      () => optimizers.adamax({ learningRate: 0.01 }),
      () => optimizers.nadam({ learningRate: 0.01 }),
    ];
    const cut = Math.max(
      ...[
        'sgdUpdateF32',
        'rmspropUpdateF32',
        'adamUpdateF32',
        'adagradUpdateF32',
        'adadeltaUpdateF32',
        'adamaxUpdateF32',
        'nadamUpdateF32',
      ].map((f) => PARALLEL_MIN_WORK[f]),
    );
    let k = 0;
    for (const mk of make) {
      for (const [n, forced] of [
        [2 * cut + 5, false],
        [301, true],
      ] as const) {
        const run = () => {
          const init = t([n], 5);
          const v = sg.variable(init, true, `threads_opt_${k++}`);
          init.dispose();
          const opt = mk();
          for (let step = 0; step < 3; step++) {
            const g = t([n], 10 + step);
            opt.applyGradients({ [v.name]: g });
            g.dispose();
          }
          opt.dispose();
          return v as sg.Tensor;
        };
        expect(compare(run, forced)).toBeGreaterThan(0);
      }
    }
  });
});

describe('threads: more threads than cores', () => {
  it('4 threads: GEMM by rows and by columns, softmax; bit-identical', () => {
    const cases = CASES.filter((c) =>
      ['matMul, rows', 'matMul, columns (5 rows)', 'matMul, GEMV (3 rows)', 'softmax'].includes(c.name),
    );
    for (const c of cases) for (const n of [300, 70_000]) expect(compare(() => c.run(n), true, c.fn, 4)).toBe(1);
    expect(backend.threadsInfo()).toMatchObject({ threads: 4, ready: 3 });
    setThreads(2);
  });
});

describe('threads: settings and the pool', () => {
  it('setThreads / getThreads, with the number of cores by default', async () => {
    const os = await import('node:os');
    expect(getThreads()).toBeGreaterThanOrEqual(1);
    setThreads(3);
    expect(getThreads()).toBe(3);
    setThreads(1);
    expect(getThreads()).toBe(1);
    for (const bad of [0, -1, 1.5, NaN, 65]) expect(() => setThreads(bad)).toThrow(RangeError);
    expect(getThreads()).toBe(1);
    // The default (before any setThreads) in a fresh process is the core count; checked in
    // threads-process.test.ts. Here: the same figure the default uses.
    expect(os.availableParallelism()).toBeGreaterThanOrEqual(1);
    setThreads(2);
  });

  it('starts lazily, uses its workers, and stops with setThreads(1)', () => {
    setThreads(1);
    expect(backend.threadsInfo().threads).toBe(1);
    setThreads(2);
    expect(backend.threadsInfo().threads).toBe(1); // nothing started yet
    bits(sg.tidy(() => sg.matMul(t([256, 256], 1), t([256, 256], 2))));
    expect(backend.threadsInfo()).toMatchObject({ threads: 2, ready: 1, shared: true });
    setThreads(1);
    expect(backend.threadsInfo().threads).toBe(1);
    setThreads(2);
  });

  it('allocations and the data segments survive worker start-up', () => {
    setThreads(1);
    // A fresh instance whose memory holds nothing but the data segments (nothing allocated yet):
    // its last non-zero byte bounds the data the workers must not rewrite.
    const fresh = new Uint8Array(instantiateSync({ shared: false }).memory.buffer);
    let end = fresh.length;
    while (end > 0 && fresh[end - 1] === 0) end--;
    expect(end).toBeGreaterThan(1024);
    const heap = () => new Uint8Array(backend.wasm.memory.buffer);
    expect(heap().slice(0, end)).toEqual(fresh.slice(0, end));
    const p = backend.wasm.alloc(4096);
    const pattern = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 255);
    heap().set(pattern, p);
    setThreads(2);
    const y = sg.tidy(() => sg.matMul(t([200, 200], 1), t([200, 200], 2)));
    y.dispose();
    expect(backend.threadsInfo().ready).toBe(1);
    expect(heap().slice(p, p + 4096)).toEqual(pattern);
    expect(heap().slice(0, end)).toEqual(fresh.slice(0, end));
    // The allocator still works and hands out fresh blocks.
    const q = backend.wasm.alloc(64);
    expect(q).not.toBe(p);
    backend.wasm.free(q);
    backend.wasm.free(p);
  });

  it('a trap in any chunk becomes an error, and the pool keeps working', () => {
    setThreads(2);
    backend.cutoffOverride = 0;
    const end = backend.wasm.memory.buffer.byteLength;
    // unaryF32(op, x, out, start, end, alpha, beta) with x running past the end of memory from
    // element 1000 on: chunk 0 (the caller's) is fine, chunk 1 traps, on a worker or the caller.
    const out = backend.wasm.alloc(2000 * 4);
    try {
      expect(() => backend.dispatch('unaryF32', [Unary.Relu, end - 1000 * 4, out, 0, 0], 2000, 3)).toThrow();
    } finally {
      backend.cutoffOverride = undefined;
      backend.wasm.free(out);
    }
    expect(compare(() => sg.tidy(() => sg.exp(t([100000], 1))), true)).toBeGreaterThan(0);
  });
});
