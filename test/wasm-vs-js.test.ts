// Every SIMD kernel of the wasm backend against the js oracle on random inputs of odd sizes
// (1, 3, 17, 129), so the v128 bodies and their scalar tails both run.
// Tolerances: element-wise ops use polynomial exp/log approximations (documented in
// assembly/simdmath.ts) and agree within rtol 1e-5; reductions and GEMM sum in another order,
// so they agree within rtol 1e-4 / atol 1e-5 of values of order 1-10.
import { describe, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks, expectClose, randArray } from './helpers.js';

const SIZES = [1, 3, 17, 129];

/** Runs `f` on fresh copies of `inputs` on both backends and compares the results. */
async function compare(
  f: (...xs: sg.Tensor[]) => sg.Tensor,
  inputs: Array<{ values: Float32Array | Int32Array; shape: number[] }>,
  rtol: number,
  atol: number,
) {
  const results: Record<string, Float32Array | Int32Array> = {};
  for (const b of ['js', 'wasm']) {
    await sg.setBackend(b);
    const xs = inputs.map((i) => sg.tensor(i.values, i.shape));
    const y = sg.tidy(() => f(...xs));
    results[b] = y.dataSync();
    sg.dispose([y, xs]);
  }
  expectClose(results.wasm, results.js, rtol, atol);
}

const f32 = (shape: number[], seed: number, lo = -3, hi = 3) => ({
  values: randArray(
    shape.reduce((a, c) => a * c, 1),
    seed,
    lo,
    hi,
  ),
  shape,
});

describe('wasm against the js oracle', () => {
  checkNoLeaks();

  const unary: Array<[string, (x: sg.Tensor) => sg.Tensor, number?, number?]> = [
    ['neg', sg.neg],
    ['abs', sg.abs],
    ['square', sg.square],
    ['sqrt', sg.sqrt, 0, 9],
    ['rsqrt', sg.rsqrt, 0.01, 9],
    ['exp', sg.exp, -80, 80],
    ['log', sg.log, 1e-6, 100],
    ['log1p', sg.log1p, -0.9, 9],
    ['reciprocal', sg.reciprocal],
    ['relu', sg.relu],
    ['relu6', sg.relu6, -3, 9],
    ['elu', (x) => sg.elu(x, 0.7)],
    ['selu', sg.selu],
    ['leakyRelu', (x) => sg.leakyRelu(x, 0.1)],
    ['sigmoid', sg.sigmoid, -30, 30],
    ['tanh', sg.tanh, -12, 12],
    ['softplus', sg.softplus, -30, 30],
    ['sign', sg.sign],
    ['floor', sg.floor],
    ['ceil', sg.ceil],
    ['round', sg.round],
    ['sin', sg.sin],
    ['cos', sg.cos],
    ['step', (x) => sg.step(x, 0.3)],
    ['clipByValue', (x) => sg.clipByValue(x, -1, 2)],
  ];
  it.each(unary)('%s forward and backward', async (_n, f, lo = -3, hi = 3) => {
    for (const n of SIZES) {
      await compare(f, [f32([n], n, lo, hi)], 2e-6, 1e-30);
      await compare((x) => sg.grad((t) => sg.sum(sg.mul(f(t), 1.5)))(x), [f32([n], n + 1, lo, hi)], 1e-5, 1e-30);
    }
  });

  const binary: Array<[string, (a: sg.Tensor, b: sg.Tensor) => sg.Tensor]> = [
    ['add', sg.add],
    ['sub', sg.sub],
    ['mul', sg.mul],
    ['div', sg.div],
    ['maximum', sg.maximum],
    ['minimum', sg.minimum],
    ['pow', sg.pow],
    ['squaredDifference', sg.squaredDifference],
    ['greater', sg.greater],
    ['greaterEqual', sg.greaterEqual],
    ['less', sg.less],
    ['lessEqual', sg.lessEqual],
    ['equal', (a, b) => sg.equal(sg.round(a), sg.round(b))],
    ['notEqual', (a, b) => sg.notEqual(sg.round(a), sg.round(b))],
  ];
  it.each(binary)('%s with every broadcast pattern, float32 and int32', async (name, f) => {
    const lo = name === 'pow' ? 0.1 : -3;
    for (const n of SIZES) {
      const pairs = [
        [[n], [n]], // same shape
        [[n], []], // tensor op scalar
        [[], [n]], // scalar op tensor
        [[3, n], [n]], // row vector
        [
          [3, n],
          [3, 1],
        ], // column vector
        [
          [2, 3, n],
          [3, 1],
        ], // rank 3 with a middle broadcast
        [
          [n, 1],
          [1, 5],
        ], // outer product
      ];
      for (const [sa, sb] of pairs) {
        await compare(f, [f32(sa, n, lo, 3), f32(sb, n + 7, lo, 3)], 1e-6, 1e-30);
        if (name !== 'pow' && name !== 'div') {
          const ia = { values: Int32Array.from(f32(sa, n).values, (v) => Math.round(v * 3)), shape: sa };
          const ib = { values: Int32Array.from(f32(sb, n + 3).values, (v) => Math.round(v * 3)), shape: sb };
          await compare(f, [ia, ib], 0, 0);
        }
      }
    }
  });

  it('int32 division floors on both backends', async () => {
    const a = { values: Int32Array.from([7, -7, 7, -7, 0, 9]), shape: [6] };
    const b = { values: Int32Array.from([2, 2, -2, -2, 3, 4]), shape: [6] };
    await compare(sg.div, [a, b], 0, 0);
  });

  const reductions: Array<[string, (x: sg.Tensor) => sg.Tensor]> = [
    ['sum last', (x) => sg.sum(x, -1)],
    ['sum first', (x) => sg.sum(x, 0)],
    ['sum all', (x) => sg.sum(x)],
    ['max last', (x) => sg.max(x, -1)],
    ['max first', (x) => sg.max(x, 0)],
    ['min last', (x) => sg.min(x, -1)],
    ['min first', (x) => sg.min(x, 0)],
    ['prod last', (x) => sg.prod(x, -1)],
    ['mean first', (x) => sg.mean(x, 0)],
    ['argMax last', (x) => sg.argMax(x, -1)],
    ['argMin last', (x) => sg.argMin(x, -1)],
    ['argMax first', (x) => sg.argMax(x, 0)],
    ['softmax', (x) => sg.softmax(x)],
    ['logSoftmax', (x) => sg.logSoftmax(x)],
  ];
  it.each(reductions)('%s over odd sizes', async (name, f) => {
    for (const n of SIZES) {
      for (const shape of [[n], [5, n], [n, 7]]) {
        const lo = name.startsWith('prod') ? 0.9 : -3;
        const hi = name.startsWith('prod') ? 1.1 : 3;
        await compare(f, [f32(shape, n * 3 + shape.length, lo, hi)], 1e-4, 1e-5);
        if (!name.startsWith('arg')) {
          await compare((x) => sg.grad((t) => sg.sum(sg.mul(f(t), 1.5)))(x), [f32(shape, n * 5, lo, hi)], 1e-4, 1e-5);
        }
      }
    }
  });

  it('matMul: every transpose mode over sizes 1, 3, 17, 129, batched, with gradients', async () => {
    for (const M of SIZES) {
      for (const N of SIZES) {
        for (const K of [1, 17, 129]) {
          for (const [tA, tB] of [
            [false, false],
            [true, false],
            [false, true],
            [true, true],
          ]) {
            const a = f32(tA ? [K, M] : [M, K], M + N + K, -1, 1);
            const b = f32(tB ? [N, K] : [K, N], M * N + K, -1, 1);
            await compare((x, y) => sg.matMul(x, y, tA, tB), [a, b], 1e-4, 1e-5);
          }
        }
      }
    }
    await compare((x, y) => sg.matMul(x, y), [f32([3, 17, 5], 1, -1, 1), f32([5, 129], 2, -1, 1)], 1e-4, 1e-5);
    await compare(
      (x, y) => sg.grads((p, q) => sg.sum(sg.matMul(p, q)))([x, y])[0],
      [f32([17, 33], 3), f32([33, 9], 4)],
      1e-4,
      1e-5,
    );
  });
});
