// Unary ops on every backend: known values, size 0, int32, gradients against finite differences.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, take } from '../helpers.js';

const x = [-2, -0.5, 0, 0.5, 3];
const S = 1.0507009873554805;
const A = 1.6732632423543772;
const sig = (v: number) => 1 / (1 + Math.exp(-v));

// [name, op, expected values on x]
const cases: Array<[string, (t: sg.Tensor) => sg.Tensor, number[]]> = [
  ['neg', sg.neg, [2, 0.5, -0, -0.5, -3]],
  ['abs', sg.abs, [2, 0.5, 0, 0.5, 3]],
  ['square', sg.square, [4, 0.25, 0, 0.25, 9]],
  ['exp', sg.exp, x.map(Math.exp)],
  ['relu', sg.relu, [0, 0, 0, 0.5, 3]],
  ['relu6', sg.relu6, [0, 0, 0, 0.5, 3]],
  ['elu', (t) => sg.elu(t), x.map((v) => (v > 0 ? v : Math.expm1(v)))],
  ['selu', sg.selu, x.map((v) => (v > 0 ? S * v : S * A * Math.expm1(v)))],
  ['leakyRelu', (t) => sg.leakyRelu(t, 0.1), [-0.2, -0.05, 0, 0.5, 3]],
  ['sigmoid', sg.sigmoid, x.map(sig)],
  ['tanh', sg.tanh, x.map(Math.tanh)],
  ['softplus', sg.softplus, x.map((v) => Math.log(1 + Math.exp(v)))],
  ['sign', sg.sign, [-1, -1, 0, 1, 1]],
  ['floor', sg.floor, [-2, -1, 0, 0, 3]],
  ['ceil', sg.ceil, [-2, -0, 0, 1, 3]],
  ['round', sg.round, [-2, -0, 0, 0, 3]], // half to even
  ['sin', sg.sin, x.map(Math.sin)],
  ['cos', sg.cos, x.map(Math.cos)],
  ['clipByValue', (t) => sg.clipByValue(t, -1, 1), [-1, -0.5, 0, 0.5, 1]],
  ['step', (t) => sg.step(t, 0.5), [0.5, 0.5, 0.5, 1, 1]],
];
const positive = [0.25, 1, 2, 9];
const posCases: Array<[string, (t: sg.Tensor) => sg.Tensor, number[]]> = [
  ['sqrt', sg.sqrt, [0.5, 1, Math.SQRT2, 3]],
  ['rsqrt', sg.rsqrt, [2, 1, Math.SQRT1_2, 1 / 3]],
  ['log', sg.log, positive.map(Math.log)],
  ['log1p', sg.log1p, positive.map(Math.log1p)],
  ['reciprocal', sg.reciprocal, [4, 1, 0.5, 1 / 9]],
];

describe.each(BACKENDS)('unary ops on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(cases)('%s: known values', (_name, f, want) => {
    const t = sg.tensor(x);
    expectClose(take(f(t)), want, 1e-6, 1e-6);
    t.dispose();
  });

  it.each(posCases)('%s: known values', (_name, f, want) => {
    const t = sg.tensor(positive);
    expectClose(take(f(t)), want, 1e-6, 1e-7);
    t.dispose();
  });

  it.each([...cases, ...posCases])('%s: size 0 and shape kept', (_name, f) => {
    const t = sg.zeros([2, 0, 3]);
    const y = f(t);
    expect(y.shape).toEqual([2, 0, 3]);
    expect(y.dataSync().length).toBe(0);
    y.dispose();
    t.dispose();
  });

  it('special values: exp overflow, log of 0 and negatives, saturation', () => {
    const t = sg.tensor([100, -100, 0, -1, NaN]);
    expectClose(take(sg.exp(t)), [Infinity, 0, 1, Math.exp(-1), NaN]);
    expectClose(take(sg.sigmoid(t)), [1, 0, 0.5, sig(-1), NaN]);
    expectClose(take(sg.tanh(t)), [1, -1, 0, Math.tanh(-1), NaN]);
    expectClose(take(sg.softplus(t)), [100, 0, Math.LN2, Math.log1p(Math.exp(-1)), NaN]);
    expectClose(take(sg.log(t)), [Math.log(100), NaN, -Infinity, NaN, NaN], 1e-6);
    expectClose(take(sg.relu(t)), [100, 0, 0, 0, NaN]);
    t.dispose();
  });

  it('int32 stays int32 for neg/abs/square/relu, becomes float32 for exp', () => {
    const t = sg.tensor([-3, 0, 2], undefined, 'int32');
    for (const f of [sg.neg, sg.abs, sg.square, sg.relu]) {
      const y = f(t);
      expect(y.dtype).toBe('int32');
      y.dispose();
    }
    expect(take(sg.neg(t))).toEqual([3, -0, -2].map((v) => v | 0));
    const e = sg.exp(t);
    expect(e.dtype).toBe('float32');
    expectClose(take(e), [Math.exp(-3), 1, Math.exp(2)]);
    t.dispose();
  });

  const diffable = cases.filter(([n]) => !['sign', 'floor', 'ceil', 'round', 'step'].includes(n));
  it.each(diffable)('%s: gradient matches finite differences', (_name, f) => {
    // Points away from the kinks (0 for relu-likes, the clip bounds, 6 for relu6).
    const t = sg.tensor([
      [-1.7, -0.6, 0.3],
      [0.8, 1.4, 2.2],
    ]);
    gradCheck(f, [t]);
    t.dispose();
  });

  it.each(posCases)('%s: gradient matches finite differences', (_name, f) => {
    const t = sg.tensor([0.5, 1.3, 2.7]);
    gradCheck(f, [t], { eps: 1e-3 });
    t.dispose();
  });

  it('rejects non-finite parameters and bool input before running a kernel', () => {
    const t = sg.tensor([1, 2]);
    expect(() => sg.leakyRelu(t, NaN)).toThrow(/leakyRelu: argument 'alpha' must be a finite number/);
    expect(() => sg.clipByValue(t, 0, Infinity)).toThrow(/clipByValue: argument 'clipValueMax'/);
    expect(() => sg.clipByValue(t, 2, 1)).toThrow(/clipValueMin \(2\) must be <= clipValueMax \(1\)/);
    const b = sg.greater(t, 1);
    expect(() => sg.relu(b)).toThrow(/relu: argument 'x' must be numeric but has dtype bool/);
    b.dispose();
    expectClose(take(sg.relu(t)), [1, 2]); // still works after the errors
    t.dispose();
  });
});
