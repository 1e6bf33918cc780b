// Reductions, arg-reductions and softmax on every backend.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, take } from '../helpers.js';

describe.each(BACKENDS)('reductions on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  // x = [[[0,1,2],[3,4,5]], [[6,7,8],[9,10,11]]]  (shape [2,2,3])
  const make = () => sg.tidy(() => sg.reshape(sg.range(0, 12), [2, 2, 3]));

  it('sum over every axis choice, keepDims', () => {
    const x = make();
    expectClose(take(sg.sum(x)), [66]);
    expectClose(take(sg.sum(x, 0)), [6, 8, 10, 12, 14, 16]);
    expectClose(take(sg.sum(x, 1)), [3, 5, 7, 15, 17, 19]);
    expectClose(take(sg.sum(x, -1)), [3, 12, 21, 30]);
    expectClose(take(sg.sum(x, [0, 2])), [3 + 21, 12 + 30]); // non-contiguous axes
    const k = sg.sum(x, [1], true);
    expect(k.shape).toEqual([2, 1, 3]);
    k.dispose();
    x.dispose();
  });

  it('mean, max, min, prod', () => {
    const x = make();
    expectClose(take(sg.mean(x, 2)), [1, 4, 7, 10]);
    expectClose(take(sg.max(x, [0, 1])), [9, 10, 11]);
    expectClose(take(sg.min(x, 1)), [0, 1, 2, 6, 7, 8]);
    const small = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    expectClose(take(sg.prod(small, 1)), [2, 12]);
    const withNaN = sg.tensor([1, NaN, 3]);
    expectClose(take(sg.max(withNaN)), [NaN]);
    withNaN.dispose();
    small.dispose();
    x.dispose();
  });

  it('int32 sums stay int32; mean of int32 is float32', () => {
    const i = sg.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      undefined,
      'int32',
    );
    const s = sg.sum(i, 0);
    expect(s.dtype).toBe('int32');
    expect(take(s)).toEqual([4, 6]);
    const m = sg.mean(i);
    expect(m.dtype).toBe('float32');
    expectClose(take(m), [2.5]);
    i.dispose();
  });

  it('sums over size-0 dimensions are 0; max over them throws', () => {
    const z = sg.zeros([3, 0]);
    expectClose(take(sg.sum(z, 1)), [0, 0, 0]);
    expect(() => sg.max(z, 1)).toThrow(/max: cannot reduce over an empty dimension \(shape \[3,0\]/);
    z.dispose();
  });

  it('argMax and argMin along any axis; first index wins ties', () => {
    const x = sg.tensor([
      [1, 5, 5],
      [7, 0, 2],
    ]);
    expect(take(sg.argMax(x, 1))).toEqual([1, 0]);
    expect(take(sg.argMin(x, 1))).toEqual([0, 1]);
    expect(take(sg.argMax(x, 0))).toEqual([1, 0, 0]);
    expect(take(sg.argMax(x))).toEqual([1, 0, 0]); // default axis 0, as tfjs
    const a = sg.argMax(x, -1);
    expect(a.dtype).toBe('int32');
    a.dispose();
    x.dispose();
  });

  it('softmax and logSoftmax: known values, rows sum to 1, stable for large logits', () => {
    const x = sg.tensor([
      [1, 2, 3],
      [1000, 1000, 1000],
    ]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    expectClose(take(sg.softmax(x)), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3]);
    expectClose(
      take(sg.logSoftmax(x)),
      [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)],
      1e-5,
      1e-5,
    );
    expect(() => sg.softmax(x, 0)).toThrow(/softmax: only the last dimension is supported/);
    x.dispose();
  });

  it.each([
    ['sum all', (t: sg.Tensor) => sg.sum(t)],
    ['sum axis 0', (t: sg.Tensor) => sg.sum(t, 0)],
    ['sum axes 0,2', (t: sg.Tensor) => sg.sum(t, [0, 2], true)],
    ['mean axis 1', (t: sg.Tensor) => sg.mean(t, 1)],
    ['max axis 2', (t: sg.Tensor) => sg.max(t, 2)],
    ['min all', (t: sg.Tensor) => sg.min(t)],
    ['prod axis 1', (t: sg.Tensor) => sg.prod(t, 1)],
    ['softmax', (t: sg.Tensor) => sg.softmax(t)],
    ['logSoftmax', (t: sg.Tensor) => sg.logSoftmax(t)],
  ])('%s: gradient matches finite differences', (_n, f) => {
    // Distinct values at least 0.1 apart, so max/min have no tie within the finite-difference step.
    const x = sg.tensor(
      Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) * 0.1 + 0.5),
      [2, 3, 4],
    );
    gradCheck(f, [x]);
    x.dispose();
  });
});
