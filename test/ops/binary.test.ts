// Binary ops and comparisons on every backend: values, broadcasting, int32, gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

describe.each(BACKENDS)('binary ops on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('known values, same shape', () => {
    const a = sg.tensor([1, -2, 3, 4]);
    const b = sg.tensor([2, 2, -1, 0.5]);
    expectClose(take(sg.add(a, b)), [3, 0, 2, 4.5]);
    expectClose(take(sg.sub(a, b)), [-1, -4, 4, 3.5]);
    expectClose(take(sg.mul(a, b)), [2, -4, -3, 2]);
    expectClose(take(sg.div(a, b)), [0.5, -1, -3, 8]);
    expectClose(take(sg.maximum(a, b)), [2, 2, 3, 4]);
    expectClose(take(sg.minimum(a, b)), [1, -2, -1, 0.5]);
    expectClose(take(sg.pow(a, b)), [1, 4, 1 / 3, 2]);
    expectClose(take(sg.squaredDifference(a, b)), [1, 16, 16, 12.25]);
    a.dispose();
    b.dispose();
  });

  it('pow of a negative base: NaN unless the exponent is an integer (one ulp off an integer too), as Math.pow', () => {
    // float32 exponents one ulp either side of integers, and the integers themselves
    const ys: number[] = [];
    for (const n of [1, 2, 3, 4, 5, 7, 8, 16, 100, 201]) {
      const f = new Float32Array([n, n, n]);
      const u = new Uint32Array(f.buffer);
      u[0] -= 1;
      u[2] += 1;
      ys.push(...f);
    }
    const want = ys.map((y) => Math.fround(Math.pow(-1.5, y)));
    const a = sg.fill([ys.length], -1.5);
    const b = sg.tensor(ys);
    const got = take(sg.pow(a, b));
    sg.dispose([a, b]);
    ys.forEach((y, i) => {
      if (Number.isNaN(want[i])) expect(got[i], `pow(-1.5, ${y})`).toBeNaN();
      else expect(Math.abs(got[i] - want[i]) / Math.abs(want[i]), `pow(-1.5, ${y})`).toBeLessThan(1e-6);
    });
  });

  it('broadcasting: scalar, row, column, rank-3 against rank-1', () => {
    const m = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expectClose(take(sg.add(m, 10)), [11, 12, 13, 14, 15, 16]);
    expectClose(take(sg.sub(10, m)), [9, 8, 7, 6, 5, 4]);
    const row = sg.tensor([1, 0, -1]);
    expectClose(take(sg.mul(m, row)), [1, 0, -3, 4, 0, -6]);
    const col = sg.tensor([[2], [3]]);
    expectClose(take(sg.mul(m, col)), [2, 4, 6, 12, 15, 18]);
    expectClose(take(sg.add(col, row)), [3, 2, 1, 4, 3, 2]);
    const t3 = sg.tidy(() => sg.reshape(sg.range(0, 12), [2, 3, 2]));
    const v = sg.tensor([100, 200]);
    const y = sg.add(t3, v);
    expect(y.shape).toEqual([2, 3, 2]);
    expectClose(take(y), [100, 201, 102, 203, 104, 205, 106, 207, 108, 209, 110, 211]);
    const mid = sg.tensor([[[1], [2], [3]]]); // [1,3,1]
    expectClose(take(sg.mul(t3, mid)), [0, 1, 4, 6, 12, 15, 6, 7, 16, 18, 30, 33]);
    for (const t of [m, row, col, t3, v, mid]) t.dispose();
  });

  it('size-0 shapes broadcast to size 0', () => {
    const a = sg.zeros([0, 3]);
    const b = sg.ones([3]);
    const y = sg.add(a, b);
    expect(y.shape).toEqual([0, 3]);
    y.dispose();
    a.dispose();
    b.dispose();
  });

  it('int32: floor division, integer results, mixed dtypes upcast', () => {
    const a = sg.tensor([7, -7, 6], undefined, 'int32');
    const b = sg.tensor([2, 2, 3], undefined, 'int32');
    const q = sg.div(a, b);
    expect(q.dtype).toBe('int32');
    expect(take(q)).toEqual([3, -4, 2]);
    expect(take(sg.add(a, b))).toEqual([9, -5, 9]);
    expect(take(sg.mul(a, b))).toEqual([14, -14, 18]);
    expect(take(sg.maximum(a, b))).toEqual([7, 2, 6]);
    const f = sg.add(a, 0.5);
    expect(f.dtype).toBe('float32');
    expectClose(take(f), [7.5, -6.5, 6.5]);
    a.dispose();
    b.dispose();
  });

  it('comparisons return bool with broadcasting; NaN compares false', () => {
    const a = sg.tensor([1, 2, 3, NaN]);
    const cmp = sg.greater(a, 2);
    expect(cmp.dtype).toBe('bool');
    expect(cmp.arraySync()).toEqual([false, false, true, false]);
    cmp.dispose();
    expect(take(sg.greaterEqual(a, 2))).toEqual([0, 1, 1, 0]);
    expect(take(sg.less(a, 2))).toEqual([1, 0, 0, 0]);
    expect(take(sg.lessEqual(a, 2))).toEqual([1, 1, 0, 0]);
    expect(take(sg.equal(a, 2))).toEqual([0, 1, 0, 0]);
    expect(take(sg.notEqual(a, 2))).toEqual([1, 0, 1, 1]);
    const i = sg.tensor([[1], [3]], undefined, 'int32');
    const j = sg.tensor([1, 2, 3], undefined, 'int32');
    expect(take(sg.less(i, j))).toEqual([0, 1, 1, 0, 0, 0]);
    a.dispose();
    i.dispose();
    j.dispose();
  });

  it('maximum and minimum propagate NaN', () => {
    const a = sg.tensor([NaN, 1]);
    const b = sg.tensor([1, NaN]);
    expectClose(take(sg.maximum(a, b)), [NaN, NaN]);
    expectClose(take(sg.minimum(a, b)), [NaN, NaN]);
    a.dispose();
    b.dispose();
  });

  const ops: Array<[string, (a: sg.Tensor, b: sg.Tensor) => sg.Tensor]> = [
    ['add', sg.add],
    ['sub', sg.sub],
    ['mul', sg.mul],
    ['div', sg.div],
    ['maximum', sg.maximum],
    ['minimum', sg.minimum],
    ['squaredDifference', sg.squaredDifference],
  ];
  it.each(ops)('%s: gradients with broadcasting match finite differences', (_n, f) => {
    const a = rand([2, 3], 1, 0.5, 2);
    const b = rand([3], 2, 0.5, 2); // broadcast over rows
    gradCheck(f, [a, b]);
    const c = rand([2, 1], 3, 0.5, 2); // broadcast over columns
    gradCheck(f, [a, c]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('pow: gradients for both arguments', () => {
    const a = rand([4], 4, 0.5, 2);
    const b = rand([4], 5, -1, 2);
    gradCheck(sg.pow, [a, b], { eps: 1e-3 });
    a.dispose();
    b.dispose();
  });

  it('shape mismatch throws naming the op and both shapes, and the engine keeps working', () => {
    const a = sg.zeros([2, 3]);
    const b = sg.zeros([4]);
    expect(() => sg.add(a, b)).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
    expect(() => sg.greater(a, b)).toThrow(/greater: shapes \[2,3\] and \[4\]/);
    a.dispose();
    expect(() => sg.mul(a, b)).toThrow(/mul: tensor \d+ with shape \[2,3\] is already disposed/);
    expectClose(take(sg.add(b, 1)), [1, 1, 1, 1]);
    b.dispose();
  });
});
