// The wasm backend's GEMV (assembly/gemv.ts), which runs rank-2 matMul / fused.matMul of 1-4 rows
// (batch-1 inference): values against the js oracle for M = 1..5 (5 takes the GEMM), K and N not
// multiples of 4 or 8 (the K % 4 sweeps and the strided tail columns), every fused activation,
// with and without bias, transposeA with one row; NaN, infinities and -0 kept as the js oracle
// keeps them; bit-identical to one thread when split over two (every cut-off forced to 0 and at
// the real cut-off), and bit-identical to the same row computed inside a GEMM of many rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { GEMV_MAX_ROWS, PARALLEL_MIN_WORK, type WasmBackend } from '../../src/backends/wasm/index.js';
import { setThreads } from '../../src/threads.js';
import { checkNoLeaks, expectClose, onJsAndWasm, randArray } from '../helpers.js';

type Act = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh';
const ACTS: Act[] = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'];

let wasm: WasmBackend;
onJsAndWasm(); // both created before the tests: switches are synchronous
beforeAll(() => {
  wasm = ENGINE.findBackend('wasm') as WasmBackend;
});
afterAll(() => {
  wasm.cutoffOverride = undefined;
});
checkNoLeaks();

interface Case {
  M: number;
  K: number;
  N: number;
  act: Act;
  bias: boolean;
  tA?: boolean;
  /** Values written into A and B after the random fill (index, value). */
  special?: [number, number][];
}

/** fused.matMul of the case on `backend`: the output's values (float32). */
function product(backend: string, c: Case, seed: number): Float32Array {
  void sg.setBackend(backend); // synchronous once created (beforeAll)
  expect(sg.getBackend()).toBe(backend);
  const av = randArray(c.M * c.K, seed, -2, 2);
  const bv = randArray(c.K * c.N, seed + 1, -2, 2);
  for (const [i, v] of c.special ?? []) {
    if (i < av.length) av[i] = v;
    else bv[i - av.length] = v;
  }
  return sg.tidy(() => {
    const a = sg.tensor(av, c.tA ? [c.K, c.M] : [c.M, c.K]);
    const b = sg.tensor(bv, [c.K, c.N]);
    const bias = c.bias ? sg.tensor(randArray(c.N, seed + 2, -1, 1)) : undefined;
    return sg.fused.matMul({ a, b, bias, activation: c.act, transposeA: !!c.tA }).dataSync() as Float32Array;
  });
}

const bitsOf = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

/** The number of gemvF32 calls split over threads so far. */
const gemvSplits = () => wasm.threadsInfo().splits.gemvF32 ?? 0;

describe('GEMV (wasm, few-row matMul) against the js oracle', () => {
  it('M = 1..5, K and N with every remainder, every activation, with and without bias', () => {
    setThreads(1);
    let seed = 1;
    for (const M of [1, 2, 3, 4, 5])
      for (const [K, N] of [
        [1, 1],
        [3, 5],
        [7, 9],
        [17, 13],
        [33, 37],
        [64, 24],
      ])
        for (const act of ACTS)
          for (const bias of [false, true]) {
            const c = { M, K, N, act, bias };
            const got = product('wasm', c, seed);
            const want = product('js', c, seed);
            seed += 3;
            // The sums run in float32 on both; K <= 64 terms of |a b| <= 4.
            expectClose(got, want, 1e-5, 1e-5 * Math.sqrt(K));
          }
  });

  it('transposeA with one row (A^T of a [K, 1] column is the same vector)', () => {
    setThreads(1);
    for (const act of ACTS) {
      const c = { M: 1, K: 23, N: 19, act, bias: true, tA: true };
      expectClose(product('wasm', c, 7), product('js', c, 7), 1e-5, 1e-4);
    }
    // two rows of A^T take the GEMM; same values
    const c2 = { M: 2, K: 23, N: 19, act: 'relu' as const, bias: true, tA: true };
    expectClose(product('wasm', c2, 9), product('js', c2, 9), 1e-5, 1e-4);
  });

  it('NaN, infinities and -0 propagate as on js (relu keeps NaN; -0 * x)', () => {
    setThreads(1);
    // A is [2, 9]: a NaN in row 0, +Inf in row 1; B [9, 11]: -Inf in a tail column (10) and a -0.
    const special: [number, number][] = [
      [3, NaN],
      [9 + 4, Infinity],
      [18 + 10, -Infinity],
      [18 + 11 + 2, -0],
    ];
    for (const act of ACTS) {
      for (const bias of [false, true]) {
        const c = { M: 2, K: 9, N: 11, act, bias, special };
        const got = product('wasm', c, 21);
        const want = product('js', c, 21);
        expect(want.some(Number.isNaN), act).toBe(true); // the case holds what it tests
        if (act === 'linear') expect(want.some((v) => Math.abs(v) === Infinity)).toBe(true);
        expectClose(got, want, 1e-5, 1e-5); // NaN where NaN, the same infinities
      }
    }
    // -0 stays -0: a row of zeros times a negative B, linear, no bias (0 + -0 = 0 in both, but a
    // K = 1 product of -0 * 1 is -0).
    const c = { M: 1, K: 1, N: 9, act: 'linear' as const, bias: false, special: [[0, -0]] as [number, number][] };
    const got = product('wasm', c, 3);
    const want = product('js', c, 3);
    expect(bitsOf(got)).toEqual(bitsOf(want));
  });
});

describe('GEMV over threads', () => {
  it('split by columns: bit-identical to one thread (forced splits, odd sizes; and the real cut-off)', () => {
    let seed = 100;
    for (const [M, K, N] of [
      [1, 37, 53],
      [3, 9, 100],
      [4, 130, 17],
      [2, 5, 5],
    ])
      for (const act of ['relu', 'tanh'] as const) {
        const c = { M, K, N, act, bias: true };
        setThreads(1);
        wasm.cutoffOverride = undefined;
        const one = bitsOf(product('wasm', c, seed));
        setThreads(2);
        wasm.cutoffOverride = 0;
        const before = gemvSplits();
        const two = bitsOf(product('wasm', c, seed));
        wasm.cutoffOverride = undefined;
        expect(gemvSplits() - before, `${M}x${K}x${N} split`).toBe(N > 16 ? 1 : 0);
        expect(two).toEqual(one);
        seed += 3;
      }
    // The real cut-off: M*N*K just above splits, below does not (784 x 256, one row: the MLP).
    const cut = PARALLEL_MIN_WORK.gemvF32;
    setThreads(2);
    for (const [K, N, split] of [
      [784, 256, cut <= 784 * 256],
      [100, Math.floor((0.6 * cut) / 100), false],
    ] as const) {
      const c = { M: 1, K, N, act: 'relu' as const, bias: true };
      const before = gemvSplits();
      const two = bitsOf(product('wasm', c, 5));
      expect(gemvSplits() - before > 0).toBe(split);
      setThreads(1);
      expect(two).toEqual(bitsOf(product('wasm', c, 5)));
      setThreads(2);
    }
  });

  it('a row through the GEMV has the bits of the same row inside a GEMM of many rows', () => {
    setThreads(1);
    const K = 45;
    const N = 27;
    const rows = GEMV_MAX_ROWS + 7;
    const av = randArray(rows * K, 50, -2, 2);
    const bv = randArray(K * N, 51, -2, 2);
    const biasV = randArray(N, 52, -1, 1);
    for (const act of ACTS) {
      const [all, first, firstTwo] = sg.tidy(() => {
        const a = sg.tensor(av, [rows, K]);
        const b = sg.tensor(bv, [K, N]);
        const bias = sg.tensor(biasV);
        const f = (x: sg.Tensor) => sg.fused.matMul({ a: x, b, bias, activation: act }).dataSync() as Float32Array;
        return [f(a), f(sg.slice(a, [0, 0], [1, K])), f(sg.slice(a, [0, 0], [2, K]))];
      });
      expect(bitsOf(first), act).toEqual(bitsOf(all.subarray(0, N)));
      expect(bitsOf(firstTwo), act).toEqual(bitsOf(all.subarray(0, 2 * N)));
    }
  });

  it('the same with K past the 512-deep blocks of the GEMM (K 513 and 1100)', () => {
    setThreads(1);
    for (const K of [513, 1100]) {
      const N = 37;
      const rows = GEMV_MAX_ROWS + 3;
      const av = randArray(rows * K, 60 + K, -1, 1);
      const bv = randArray(K * N, 61 + K, -1, 1);
      const [all, first] = sg.tidy(() => {
        const a = sg.tensor(av, [rows, K]);
        const b = sg.tensor(bv, [K, N]);
        const f = (x: sg.Tensor) => sg.matMul(x, b).dataSync() as Float32Array;
        return [f(a), f(sg.slice(a, [0, 0], [1, K]))];
      });
      expect(bitsOf(first), `K ${K}`).toEqual(bitsOf(all.subarray(0, N)));
    }
  });
});
