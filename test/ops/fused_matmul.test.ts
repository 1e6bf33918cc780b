// fused.matMul on every backend: equals matMul + bias + activation, gradients, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

describe.each(BACKENDS)('fused.matMul on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('known values: [[1,2],[3,4]] x [[1,-1],[1,-1]] + [0.5, 0.5], relu', () => {
    const a = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = sg.tensor([
      [1, -1],
      [1, -1],
    ]);
    const bias = sg.tensor([0.5, 0.5]);
    expectClose(take(sg.fused.matMul({ a, b, bias })), [3.5, -2.5, 7.5, -6.5]);
    expectClose(take(sg.fused.matMul({ a, b, bias, activation: 'relu' })), [3.5, 0, 7.5, 0]);
    expectClose(take(sg.fused.matMul({ a, b, bias, activation: 'relu6' })), [3.5, 0, 6, 0]);
    expectClose(
      take(sg.fused.matMul({ a, b, activation: 'sigmoid' })),
      [3, -3, 7, -7].map((v) => 1 / (1 + Math.exp(-v))),
    );
    for (const t of [a, b, bias]) t.dispose();
  });

  it.each(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'leakyrelu'] as const)(
    '%s: equals the unfused composite, in all transpose modes',
    (activation) => {
      for (const [tA, tB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const a = rand(tA ? [17, 5] : [5, 17], 31, -1, 1);
        const b = rand(tB ? [9, 17] : [17, 9], 32, -1, 1);
        const bias = rand([9], 33, -1, 1);
        const fusedOut = take(sg.fused.matMul({ a, b, bias, activation, transposeA: tA, transposeB: tB }));
        const ref = sg.tidy(() => {
          const z = sg.add(sg.matMul(a, b, tA, tB), bias);
          const f: Record<string, (x: sg.Tensor) => sg.Tensor> = {
            linear: (x) => x,
            relu: sg.relu,
            relu6: sg.relu6,
            sigmoid: sg.sigmoid,
            tanh: sg.tanh,
            elu: (x) => sg.elu(x),
            selu: sg.selu,
            leakyrelu: (x) => sg.leakyRelu(x),
          };
          return f[activation](z);
        });
        expectClose(fusedOut, take(ref), 1e-5, 1e-6);
        for (const t of [a, b, bias]) t.dispose();
      }
    },
  );

  it.each(['linear', 'relu', 'sigmoid'] as const)(
    '%s: gradients for a, b and bias match finite differences',
    (activation) => {
      const a = rand([3, 4], 41, -1, 1);
      const b = rand([4, 5], 42, -1, 1);
      const bias = rand([5], 43, -0.5, 0.5);
      gradCheck((x, y, z) => sg.fused.matMul({ a: x, b: y, bias: z, activation }), [a, b, bias]);
      const aT = sg.transpose(a);
      const bT = sg.transpose(b);
      gradCheck((x, y) => sg.fused.matMul({ a: x, b: y, transposeA: true, transposeB: true, activation }), [aT, bT]);
      for (const t of [a, b, bias, aT, bT]) t.dispose();
    },
  );

  it('relu and relu6 keep NaN (as sg.relu and tfjs), -0 becomes 0', () => {
    const a = sg.tensor([[NaN], [2], [-0], [-3]]);
    const b = sg.tensor([[1]]);
    const ys = (['relu', 'relu6'] as const).map((activation) => take(sg.fused.matMul({ a, b, activation })));
    for (const t of [a, b]) t.dispose();
    for (const y of ys) {
      expect(Number.isNaN(y[0])).toBe(true);
      expect(y[1]).toBe(2);
      expect(Object.is(y[2], 0)).toBe(true);
      expect(Object.is(y[3], 0)).toBe(true);
    }
  });

  it('a broadcastable non-vector bias works; errors name the op', () => {
    const a = sg.ones([2, 3]);
    const b = sg.ones([3, 2]);
    const colBias = sg.tensor([[1], [2]]);
    expectClose(take(sg.fused.matMul({ a, b, bias: colBias, activation: 'relu' })), [4, 4, 5, 5]);
    const bad = sg.ones([4]);
    expect(() => sg.fused.matMul({ a, b, bias: bad })).toThrow(
      /fused.matMul: bias \[4\] does not broadcast to the product's shape \[2,2\]/,
    );
    expect(() => sg.fused.matMul({ a, b: a })).toThrow(/fused.matMul: inner dimensions do not match/);
    expect(() => sg.fused.matMul({ a, b, activation: 'swish' as never })).toThrow(
      /fused.matMul: unknown activation 'swish'/,
    );
    for (const t of [a, b, colBias, bad]) t.dispose();
  });
});
