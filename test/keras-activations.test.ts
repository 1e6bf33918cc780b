// Keras activations (src/activations): values against tfjs-layers' Activation layer (or
// hand-derived formulas where tfjs differs or lacks one), gradients against finite differences,
// name resolution and serialization, on every backend with no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../src/index.js';
import * as activations from '../src/activations/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray, take } from './helpers.js';

const SHAPE = [3, 7];
const X = randArray(21, 11, -4, 4);
X[0] = 0;
X[1] = 3.2;
X[2] = -3.5;

/** tfjs-layers' activation `name` applied to X. */
function tfjsActivation(name: string): number[] {
  return tf.tidy(() => {
    const layer = tfl.layers.activation({ activation: name as never });
    return Array.from((layer.apply(tf.tensor(X, SHAPE)) as tf.Tensor).dataSync());
  });
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));
// name, simdgrad fn, reference on X (tfjs-layers' name, or values)
const CASES: Array<[string, (x: sg.Tensor) => sg.Tensor, string | ((v: number) => number)]> = [
  ['relu', activations.relu, 'relu'],
  ['relu6', activations.relu6, 'relu6'],
  ['elu', activations.elu, 'elu'],
  ['selu', activations.selu, 'selu'],
  ['gelu', activations.gelu, 'gelu'],
  ['gelu approximate', (x) => activations.gelu(x, true), 'gelu_new'],
  ['silu', activations.silu, 'swish'],
  ['swish', activations.swish, 'swish'],
  ['sigmoid', activations.sigmoid, 'sigmoid'],
  ['hardSigmoid (Keras 3)', activations.hardSigmoid, (v) => Math.min(Math.max(v + 3, 0), 6) / 6],
  ['hardSilu', activations.hardSilu, (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6],
  ['tanh', activations.tanh, 'tanh'],
  ['softplus', activations.softplus, 'softplus'],
  ['softsign', activations.softsign, 'softsign'],
  ['linear', activations.linear, 'linear'],
  ['exponential', activations.exponential, Math.exp],
  ['leakyRelu', activations.leakyRelu, (v) => (v > 0 ? v : 0.2 * v)],
  ['mish', activations.mish, 'mish'],
  ['softmax', activations.softmax, 'softmax'],
  ['logSoftmax', activations.logSoftmax, 'logSoftmax'],
  [
    'relu maxValue+negativeSlope',
    (x) => activations.relu(x, { maxValue: 2, negativeSlope: 0.1 }),
    (v) => (v > 0 ? Math.min(v, 2) : 0.1 * v),
  ],
  ['relu threshold', (x) => activations.relu(x, { threshold: 1 }), (v) => (v > 1 ? v : 0)],
  [
    'relu threshold+negativeSlope',
    (x) => activations.relu(x, { threshold: 1, negativeSlope: 0.5, maxValue: 3 }),
    (v) => (v > 1 ? Math.min(v, 3) : -0.5 * (1 - v)),
  ],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('activations on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(CASES)('%s matches the reference', (_name, f, ref) => {
    const want = typeof ref === 'string' ? tfjsActivation(ref) : Array.from(X, ref);
    const x = sg.tensor(X, SHAPE);
    expectClose(take(f(x)), want, 2e-5, 2e-6);
    x.dispose();
  });

  it.each(CASES.filter(([n]) => !n.startsWith('relu t')))('%s: gradient matches finite differences', (_name, f) => {
    // Keep away from kinks (0, +-3, 6, the thresholds) where central differences straddle.
    const v = randArray(12, 5, -2.8, 2.8).map((a) => (Math.abs(a) < 0.05 ? a + 0.2 : a));
    const x = sg.tensor(v, [3, 4]);
    gradCheck((t) => f(t), [x]);
    x.dispose();
  });

  it('softmax along a non-last axis', () => {
    const x = sg.tensor(X, SHAPE);
    const got = take(activations.softmax(x, 0));
    const want = tf.tidy(() => Array.from(tf.transpose(tf.softmax(tf.transpose(tf.tensor(X, SHAPE)))).dataSync()));
    expectClose(got, want, 1e-5, 1e-6);
    gradCheck((t) => activations.softmax(t, 0), [x]);
    x.dispose();
  });

  it('gelu is accurate in both tails and its gradient is smooth at 0', () => {
    const x = sg.tensor([-10, -6, -1e-3, 0, 1e-3, 6, 10]);
    const got = take(activations.gelu(x));
    // Phi(-6) = 9.8659e-10, Phi(-10) = 7.6199e-24
    // A&S 7.1.26 is accurate to 1.5e-7 absolute; through erfc the far tail keeps ~1% relative accuracy.
    expectClose(got, [-10 * 7.6199e-24, -6 * 9.8659e-10, -1e-3 * 0.4996011, 0, 1e-3 * 0.5003989, 6, 10], 1e-2, 1e-12);
    const g = sg.grad((t: sg.Tensor) => sg.sum(activations.gelu(t)))(x);
    expectClose(take(g), [0, 0, 0.4992, 0.5, 0.5008, 1, 1], 1e-3, 1e-5);
    x.dispose();
  });

  it('erf matches tfjs', () => {
    const v = randArray(50, 3, -3, 3);
    const x = sg.tensor(v);
    const want = tf.tidy(() => Array.from(tf.erf(tf.tensor(v)).dataSync()));
    expectClose(take(activations.erf(x)), want, 1e-5, 3e-7);
    x.dispose();
  });

  it('integer inputs are computed in float32', () => {
    const x = sg.tensor([-1, 0, 2], undefined, 'int32');
    const y = activations.sigmoid(x);
    expect(y.dtype).toBe('float32');
    expectClose(take(y), [sig(-1), 0.5, sig(2)]);
    x.dispose();
  });

  it('linear returns a new handle the caller may dispose separately', () => {
    const x = sg.tensor([1, 2]);
    const y = activations.linear(x);
    expect(y).not.toBe(x);
    y.dispose();
    expectClose(take(x), [1, 2]);
  });

  it('bad arguments throw before computing', () => {
    const x = sg.tensor([1, 2]);
    expect(() => activations.elu(x, NaN)).toThrow("elu: argument 'alpha' must be a finite number but is NaN");
    expect(() => activations.relu(x, { maxValue: -1 })).toThrow("relu: argument 'maxValue' must be >= 0");
    expect(() => activations.softmax(x, 3)).toThrow('softmax: axis 3 is out of range for a tensor of rank 1');
    const s = sg.scalar(1);
    expect(() => activations.softmax(s)).toThrow('softmax: expected a tensor of rank >= 1 but got a scalar');
    s.dispose();
    x.dispose();
    expect(() => activations.relu(x)).toThrow('already disposed');
  });
});

describe('activation names', () => {
  it('getActivation accepts camelCase, snake_case and class-style names', () => {
    expect(activations.getActivation('hard_sigmoid')).toBe(activations.hardSigmoid);
    expect(activations.getActivation('hardSigmoid')).toBe(activations.hardSigmoid);
    expect(activations.getActivation('HardSigmoid')).toBe(activations.hardSigmoid);
    expect(activations.getActivation('leaky_relu')).toBe(activations.leakyRelu);
    expect(activations.getActivation('hard_swish')).toBe(activations.hardSilu);
    expect(activations.getActivation('log_softmax')).toBe(activations.logSoftmax);
    expect(activations.getActivation(undefined)).toBe(activations.linear);
    expect(activations.getActivation(null)).toBe(activations.linear);
    const custom = (x: sg.Tensor) => sg.mul(x, 2);
    expect(activations.getActivation(custom)).toBe(custom);
  });

  it('unknown names throw with the closest name', () => {
    expect(() => activations.getActivation('rleu')).toThrow("Unknown activation 'rleu'. Did you mean 'relu'?");
    expect(() => activations.getActivation('sigmod')).toThrow("Did you mean 'sigmoid'?");
    expect(() => activations.getActivation('hard_sigmod')).toThrow("Did you mean 'hard_sigmoid'?");
    expect(() => activations.getActivation('softmaxx')).toThrow("Did you mean 'softmax'?");
    expect(() => activations.getActivation('qqqqqqqq')).toThrow(/Unknown activation 'qqqqqqqq'. Known names: relu, /);
  });

  it('serializeActivation gives Keras names and round-trips', () => {
    for (const name of activations.activationNames) {
      const fn = activations.getActivation(name);
      expect(activations.serializeActivation(fn)).toBe(name);
    }
    expect(activations.serializeActivation(activations.hardSigmoid)).toBe('hard_sigmoid');
    expect(activations.serializeActivation(activations.swish)).toBe('swish');
    function myAct(x: sg.Tensor) {
      return x;
    }
    expect(activations.serializeActivation(myAct)).toBe('myAct');
    const anonymous = [(x: sg.Tensor) => x][0];
    expect(() => activations.serializeActivation(anonymous)).toThrow(
      'serializeActivation: an anonymous custom activation has no name',
    );
  });
});
