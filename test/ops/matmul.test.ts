// matMul on every backend: known values, transposes, batches, size 0, gradients, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

describe.each(BACKENDS)('matMul on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('known values in all four transpose modes', () => {
    const a = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]); // 2x3
    const b = sg.tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]); // 3x2
    const want = [58, 64, 139, 154];
    expectClose(take(sg.matMul(a, b)), want);
    const aT = sg.transpose(a);
    const bT = sg.transpose(b);
    expectClose(take(sg.matMul(aT, b, true, false)), want);
    expectClose(take(sg.matMul(a, bT, false, true)), want);
    expectClose(take(sg.matMul(aT, bT, true, true)), want);
    for (const t of [a, b, aT, bT]) t.dispose();
  });

  it('batched with broadcast batch dims', () => {
    const a = sg.tidy(() => sg.reshape(sg.range(0, 12), [2, 2, 3]));
    const b = sg.tidy(() => sg.expandDims(sg.reshape(sg.range(0, 6), [3, 2]), 0));
    const y = sg.matMul(a, b); // [2,2,3] x [1,3,2] -> [2,2,2]
    expect(y.shape).toEqual([2, 2, 2]);
    // batch 0: [[0,1,2],[3,4,5]] x [[0,1],[2,3],[4,5]] = [[10,13],[28,40]]
    // batch 1: [[6,7,8],[9,10,11]] x same = [[46,67],[64,94]]
    expectClose(take(y), [10, 13, 28, 40, 46, 67, 64, 94]);
    a.dispose();
    b.dispose();
  });

  it('size 0: K = 0 gives zeros, M = 0 gives an empty result', () => {
    const a = sg.zeros([2, 0]);
    const b = sg.zeros([0, 3]);
    expectClose(take(sg.matMul(a, b)), [0, 0, 0, 0, 0, 0]);
    const c = sg.zeros([0, 4]);
    const d = sg.ones([4, 3]);
    const y = sg.matMul(c, d);
    expect(y.shape).toEqual([0, 3]);
    y.dispose();
    for (const t of [a, b, c, d]) t.dispose();
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('gradients match finite differences (transposeA %s, transposeB %s)', (tA, tB) => {
    const a = rand(tA ? [4, 3] : [3, 4], 11);
    const b = rand(tB ? [2, 4] : [4, 2], 12);
    gradCheck((x, y) => sg.matMul(x, y, tA, tB), [a, b]);
    a.dispose();
    b.dispose();
  });

  it('batched gradients with a broadcast batch', () => {
    const a = rand([2, 3, 4], 13);
    const b = rand([4, 2], 14);
    gradCheck((x, y) => sg.matMul(x, y), [a, b]);
    a.dispose();
    b.dispose();
  });

  it('errors name the op and shapes', () => {
    const a = sg.zeros([2, 3]);
    const b = sg.zeros([4, 2]);
    expect(() => sg.matMul(a, b)).toThrow('matMul: inner dimensions do not match: a [2,3] and b [4,2] give 3 vs 4');
    const v = sg.zeros([3]);
    expect(() => sg.matMul(a, v)).toThrow(
      /matMul: both arguments must have rank >= 2 but got shapes \[2,3\] and \[3\]/,
    );
    const i = sg.zeros([3, 2], 'int32');
    expect(() => sg.matMul(a, i)).toThrow(/matMul: argument 'b' must be float32 but has dtype int32/);
    for (const t of [a, b, v, i]) t.dispose();
  });
});
