// Keras initializers, regularizers and constraints (src/initializers, src/regularizers,
// src/constraints) and the shared name helpers (src/utils/names.ts): statistics and fans of the
// random initializers, seeded reproducibility, orthogonality, values against tfjs-layers,
// gradients of the penalties, name and config resolution; every backend, no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../src/index.js';
import * as initializers from '../src/initializers/index.js';
import * as regularizers from '../src/regularizers/index.js';
import * as constraints from '../src/constraints/index.js';
import { closestName, editDistance, toCamelCase, toSnakeCase } from '../src/utils/names.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray, take } from './helpers.js';

function stats(v: number[]): { mean: number; variance: number; maxAbs: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, variance, maxAbs: v.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
}

/** (W^T W) for W [rows, cols] given row-major values. */
function gram(v: number[], rows: number, cols: number): number[] {
  const g = new Array<number>(cols * cols).fill(0);
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += v[r * cols + i] * v[r * cols + j];
      g[i * cols + j] = s;
    }
  return g;
}
const eye = (n: number, gain = 1) => Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? gain : 0));

const DENSE = [784, 256];
const CONV = [3, 3, 32, 64];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fans', () => {
  it('computes Keras fans for dense and conv kernels', () => {
    expect(initializers.computeFans(DENSE)).toEqual({ fanIn: 784, fanOut: 256 });
    expect(initializers.computeFans(CONV)).toEqual({ fanIn: 3 * 3 * 32, fanOut: 3 * 3 * 64 });
    expect(initializers.computeFans([5])).toEqual({ fanIn: 5, fanOut: 5 });
    expect(initializers.computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(initializers.computeFans([7, 16, 8])).toEqual({ fanIn: 112, fanOut: 56 });
  });
});

describe.each(BACKENDS)('initializers on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  // name, initializer, shape, expected variance, |limit| (uniform bound or 2 stddev of the truncation)
  const TRUNC = 0.87962566103423978;
  const CASES: Array<[string, initializers.Initializer, number[], number, number]> = [
    [
      'glorotUniform dense',
      initializers.glorotUniform({ seed: 1 }),
      DENSE,
      2 / (784 + 256),
      Math.sqrt(6 / (784 + 256)),
    ],
    [
      'glorotNormal dense',
      initializers.glorotNormal({ seed: 2 }),
      DENSE,
      2 / (784 + 256),
      (2 * Math.sqrt(2 / 1040)) / TRUNC,
    ],
    ['heNormal conv', initializers.heNormal({ seed: 3 }), CONV, 2 / 288, (2 * Math.sqrt(2 / 288)) / TRUNC],
    ['heUniform conv', initializers.heUniform({ seed: 4 }), CONV, 2 / 288, Math.sqrt(6 / 288)],
    ['lecunNormal dense', initializers.lecunNormal({ seed: 5 }), DENSE, 1 / 784, (2 * Math.sqrt(1 / 784)) / TRUNC],
    ['lecunUniform conv', initializers.lecunUniform({ seed: 6 }), CONV, 1 / 288, Math.sqrt(3 / 288)],
    [
      'varianceScaling fan_out untruncated',
      initializers.varianceScaling({ scale: 3, mode: 'fan_out', distribution: 'untruncated_normal', seed: 7 }),
      CONV,
      3 / 576,
      Infinity,
    ],
    ['randomNormal', initializers.randomNormal({ mean: 0, stddev: 0.2, seed: 8 }), DENSE, 0.04, Infinity],
    ['truncatedNormal', initializers.truncatedNormal({ stddev: 0.2, seed: 9 }), DENSE, 0.04 * TRUNC ** 2, 0.4],
    ['randomUniform', initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: 10 }), DENSE, 0.09 / 3, 0.3],
  ];

  it.each(CASES)('%s has the right variance and bounds', (_name, init, shape, variance, limit) => {
    const w = init.apply(shape);
    expect(w.shape).toEqual(shape);
    expect(w.dtype).toBe('float32');
    const s = stats(take(w));
    expect(Math.abs(s.mean)).toBeLessThan(0.05 * Math.sqrt(variance));
    expect(s.variance / variance).toBeGreaterThan(0.97);
    expect(s.variance / variance).toBeLessThan(1.03);
    expect(s.maxAbs).toBeLessThanOrEqual(limit * (1 + 1e-6));
  });

  it.each(CASES)('%s is reproducible from its seed', (_name, init, shape) => {
    const a = take(init.apply(shape));
    const b = take(init.apply(shape));
    expect(a).toEqual(b);
    const again = initializers.getInitializer(initializers.serializeInitializer(init));
    expect(take(again.apply(shape))).toEqual(a);
  });

  it('different or missing seeds give different values', () => {
    const a = take(initializers.glorotUniform({ seed: 1 }).apply([10]));
    const b = take(initializers.glorotUniform({ seed: 2 }).apply([10]));
    expect(a).not.toEqual(b);
    const u = initializers.glorotUniform();
    expect(take(u.apply([10]))).not.toEqual(take(u.apply([10])));
  });

  it('constant, zeros, ones, identity', () => {
    expectClose(take(initializers.constant({ value: 0.5 }).apply([2, 2])), [0.5, 0.5, 0.5, 0.5]);
    expectClose(take(initializers.zeros().apply([3])), [0, 0, 0]);
    const ones = initializers.ones().apply([2], 'int32');
    expect(ones.dtype).toBe('int32');
    expectClose(take(ones), [1, 1]);
    expectClose(take(initializers.identity({ gain: 2 }).apply([3, 3])), eye(3, 2));
    expectClose(take(initializers.identity().apply([2, 3])), [1, 0, 0, 0, 1, 0]);
    const tfId = tf.tidy(() => Array.from(tfl.initializers.identity({ gain: 2 }).apply([3, 3]).dataSync()));
    expectClose(take(initializers.identity({ gain: 2 }).apply([3, 3])), tfId);
  });

  it('orthogonal gives orthonormal columns (or rows), scaled by gain', () => {
    const tall = take(initializers.orthogonal({ seed: 1 }).apply([64, 32]));
    expectClose(gram(tall, 64, 32), eye(32), 0, 1e-5);
    const wide = take(initializers.orthogonal({ seed: 2 }).apply([16, 40]));
    // rows orthonormal: (W^T)^T (W^T) = W W^T
    const t: number[] = [];
    for (let j = 0; j < 40; j++) for (let i = 0; i < 16; i++) t.push(wide[i * 40 + j]);
    expectClose(gram(t, 40, 16), eye(16), 0, 1e-5);
    const conv = take(initializers.orthogonal({ gain: 2, seed: 3 }).apply([3, 3, 4, 8]));
    expectClose(gram(conv, 36, 8), eye(8, 4), 0, 4e-5);
    const square = take(initializers.orthogonal({ seed: 4 }).apply([20, 20]));
    expectClose(gram(square, 20, 20), eye(20), 0, 1e-5);
    expect(take(initializers.orthogonal({ seed: 4 }).apply([20, 20]))).toEqual(square);
  });

  it('bad arguments throw clear errors', () => {
    expect(() => initializers.orthogonal().apply([5])).toThrow('Orthogonal: shape must have rank >= 2 but is [5]');
    expect(() => initializers.identity().apply([2, 2, 2])).toThrow('Identity: shape must be 2-D but is [2,2,2]');
    expect(() => initializers.glorotUniform().apply([2, -1])).toThrow('invalid shape [2,-1]');
    expect(() => initializers.heNormal().apply([2, 2], 'int32')).toThrow(
      "HeNormal: only float32 is supported but dtype is 'int32'",
    );
    expect(() => initializers.varianceScaling({ scale: -1 })).toThrow("VarianceScaling: 'scale' must be > 0 but is -1");
    expect(() => initializers.varianceScaling({ mode: 'fan_sideways' as never })).toThrow(
      "VarianceScaling: 'mode' must be 'fan_in', 'fan_out' or 'fan_avg' but is 'fan_sideways'",
    );
    expect(() => initializers.randomNormal({ stddev: NaN })).toThrow(
      "RandomNormal: 'stddev' must be a finite number but is NaN",
    );
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow(
      "RandomUniform: 'minval' (1) must be <= 'maxval' (0)",
    );
    expect(() => initializers.glorotUniform({ seed: 1.5 })).toThrow(
      "GlorotUniform: 'seed' must be an integer but is 1.5",
    );
  });
});

describe('initializer names and configs', () => {
  it('resolves names in any case style, configs and instances', () => {
    expect(initializers.getInitializer('glorot_uniform')).toBeInstanceOf(initializers.GlorotUniform);
    expect(initializers.getInitializer('glorotUniform')).toBeInstanceOf(initializers.GlorotUniform);
    expect(initializers.getInitializer('GlorotUniform')).toBeInstanceOf(initializers.GlorotUniform);
    expect(initializers.getInitializer(undefined)).toBeInstanceOf(initializers.GlorotUniform);
    expect(initializers.getInitializer('he_normal')).toBeInstanceOf(initializers.HeNormal);
    expect(initializers.getInitializer('LeCunNormal')).toBeInstanceOf(initializers.LecunNormal);
    expect(initializers.getInitializer('zeros')).toBeInstanceOf(initializers.Zeros);
    expect(initializers.getInitializer('Orthogonal')).toBeInstanceOf(initializers.Orthogonal);
    const vs = initializers.getInitializer({
      class_name: 'VarianceScaling',
      config: { scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 3 },
    } as never) as initializers.VarianceScaling;
    expect(vs.getConfig()).toEqual({ scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 3 });
    const c = initializers.getInitializer({ className: 'Constant', config: { value: 3 } });
    expect(initializers.serializeInitializer(c)).toEqual({ className: 'Constant', config: { value: 3 } });
    expect(initializers.serializeInitializer(initializers.heNormal({ seed: 1 }))).toEqual({
      className: 'HeNormal',
      config: { seed: 1 },
    });
    const mine = initializers.ones();
    expect(initializers.getInitializer(mine)).toBe(mine);
    const camel = initializers.varianceScaling({ mode: 'fanAvg', distribution: 'truncatedNormal' }).getConfig();
    expect(camel).toMatchObject({ mode: 'fan_avg', distribution: 'truncated_normal' });
  });

  it('unknown names throw with the closest name', () => {
    expect(() => initializers.getInitializer('glorot_unifrom')).toThrow(
      "Unknown initializer 'glorot_unifrom'. Did you mean 'glorot_uniform'?",
    );
    expect(() => initializers.getInitializer('heNormall')).toThrow("Did you mean 'he_normal'?");
    expect(() => initializers.getInitializer({ config: {} } as never)).toThrow(
      "getInitializer: a config needs a 'className' string",
    );
  });
});

describe.each(BACKENDS)('regularizers and constraints on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();
  const V = randArray(12, 21, -2, 2);

  it.each([
    ['l1', regularizers.l1({ l1: 0.3 }), tfl.regularizers.l1({ l1: 0.3 })],
    ['l2', regularizers.l2({ l2: 0.2 }), tfl.regularizers.l2({ l2: 0.2 })],
    ['l1l2', regularizers.l1l2({ l1: 0.01, l2: 0.05 }), tfl.regularizers.l1l2({ l1: 0.01, l2: 0.05 })],
    ['l1l2 defaults', regularizers.l1l2(), tfl.regularizers.l1l2()],
  ] as const)('%s matches tfjs-layers and has the right gradient', (_name, reg, tfReg) => {
    const want = tf.tidy(() => Array.from(tfReg.apply(tf.tensor(V, [3, 4])).dataSync()));
    const w = sg.tensor(V, [3, 4]);
    const y = reg.apply(w);
    expect(y.shape).toEqual([]);
    expectClose(take(y), want, 1e-5);
    gradCheck((x) => reg.apply(x), [w]);
    w.dispose();
  });

  it('l2 has no 1/2 factor; zero coefficients give 0; names and configs resolve', () => {
    const w = sg.tensor([1, -2]);
    expectClose(take(regularizers.l2({ l2: 1 }).apply(w)), [5]);
    expectClose(take(new regularizers.L1L2().apply(w)), [0]);
    expect(regularizers.getRegularizer('l1')).toBeInstanceOf(regularizers.L1);
    expect(regularizers.getRegularizer('L1L2')).toBeInstanceOf(regularizers.L1L2);
    expect(regularizers.getRegularizer('l1_l2')).toBeInstanceOf(regularizers.L1L2);
    expect(regularizers.getRegularizer(undefined)).toBeUndefined();
    const r = regularizers.getRegularizer({ className: 'L2', config: { l2: 0.5 } })!;
    expectClose(take(r.apply(w)), [2.5]);
    expect(regularizers.serializeRegularizer(r)).toEqual({ className: 'L2', config: { l2: 0.5 } });
    const custom = regularizers.getRegularizer((x: sg.Tensor) => sg.sum(sg.abs(x)))!;
    expectClose(take(custom.apply(w)), [3]);
    expect(() => regularizers.getRegularizer('l3')).toThrow("Unknown regularizer 'l3'. Did you mean 'l1'?");
    expect(() => regularizers.l2({ l2: -1 })).toThrow("L2: 'l2' must be a finite number >= 0 but is -1");
    expect(() => regularizers.l1({ l1: NaN })).toThrow("L1: 'l1' must be a finite number >= 0 but is NaN");
    const wi = sg.tensor([1], undefined, 'int32');
    expect(() => regularizers.l2().apply(wi)).toThrow("L2: argument 'x' must be float32 but has dtype int32");
    wi.dispose();
    w.dispose();
  });

  it.each([
    [
      'maxNorm',
      constraints.maxNorm({ maxValue: 1.5, axis: 0 }),
      () => tfl.constraints.maxNorm({ maxValue: 1.5, axis: 0 }),
    ],
    [
      'maxNorm axis 1',
      constraints.maxNorm({ maxValue: 1, axis: 1 }),
      () => tfl.constraints.maxNorm({ maxValue: 1, axis: 1 }),
    ],
    ['unitNorm', constraints.unitNorm({ axis: 0 }), () => tfl.constraints.unitNorm({ axis: 0 })],
    ['nonNeg', constraints.nonNeg(), () => tfl.constraints.nonNeg()],
    [
      'minMaxNorm',
      constraints.minMaxNorm({ minValue: 1, maxValue: 1.5, rate: 0.7, axis: 1 }),
      () => tfl.constraints.minMaxNorm({ minValue: 1, maxValue: 1.5, rate: 0.7, axis: 1 }),
    ],
  ] as const)('%s matches tfjs-layers', (_name, c, tfc) => {
    const want = tf.tidy(() =>
      Array.from(
        tfc()
          .apply(tf.tensor(V, [3, 4]))
          .dataSync(),
      ),
    );
    const w = sg.tensor(V, [3, 4]);
    const y = c.apply(w);
    expect(y.shape).toEqual([3, 4]);
    expectClose(take(y), want, 1e-5, 1e-6);
    w.dispose();
  });

  it('constraint names, configs and errors', () => {
    expect(constraints.getConstraint('max_norm')).toBeInstanceOf(constraints.MaxNorm);
    expect(constraints.getConstraint('maxNorm')).toBeInstanceOf(constraints.MaxNorm);
    expect(constraints.getConstraint('nonneg')).toBeInstanceOf(constraints.NonNeg);
    expect(constraints.getConstraint('NonNeg')).toBeInstanceOf(constraints.NonNeg);
    expect(constraints.getConstraint('unit_norm')).toBeInstanceOf(constraints.UnitNorm);
    expect(constraints.getConstraint(null)).toBeUndefined();
    const m = constraints.getConstraint({ class_name: 'MaxNorm', config: { max_value: 3, axis: [0, 1] } } as never)!;
    expect(m.getConfig()).toEqual({ maxValue: 3, axis: [0, 1] });
    expect(constraints.serializeConstraint(m)).toEqual({ className: 'MaxNorm', config: { maxValue: 3, axis: [0, 1] } });
    expect(() => constraints.getConstraint('max_nrom')).toThrow(
      "Unknown constraint 'max_nrom'. Did you mean 'max_norm'?",
    );
    expect(() => constraints.maxNorm({ maxValue: -2 })).toThrow(
      "MaxNorm: 'maxValue' must be a finite number >= 0 but is -2",
    );
    expect(() => constraints.minMaxNorm({ minValue: 2, maxValue: 1 })).toThrow(
      "MinMaxNorm: 'minValue' (2) must be <= 'maxValue' (1)",
    );
    const w = sg.tensor([1, 2]);
    const before = sg.memory().numTensors;
    expect(() => constraints.maxNorm({ axis: 1 }).apply(w)).toThrow(
      'MaxNorm: axis 1 is out of range for a tensor of rank 1',
    );
    expect(sg.memory().numTensors).toBe(before);
    w.dispose();
  });
});

describe('name helpers', () => {
  it('converts between camelCase and snake_case', () => {
    expect(toCamelCase('hard_sigmoid')).toBe('hardSigmoid');
    expect(toCamelCase('sparse_categorical_crossentropy')).toBe('sparseCategoricalCrossentropy');
    expect(toCamelCase('GlorotUniform')).toBe('glorotUniform');
    expect(toCamelCase('relu')).toBe('relu');
    expect(toCamelCase('MSE')).toBe('mse');
    expect(toCamelCase('max_value')).toBe('maxValue');
    expect(toSnakeCase('hardSigmoid')).toBe('hard_sigmoid');
    expect(toSnakeCase('GlorotUniform')).toBe('glorot_uniform');
    expect(toSnakeCase('categorical_accuracy')).toBe('categorical_accuracy');
  });

  it('finds the closest name by edit distance, or none', () => {
    expect(editDistance('rleu', 'relu')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('rleu', ['relu', 'elu', 'selu'])).toBe('relu');
    expect(closestName('HardSigmod', ['hard_sigmoid', 'sigmoid'])).toBe('hard_sigmoid');
    expect(closestName('zzzzzz', ['relu', 'elu'])).toBeUndefined();
  });
});
