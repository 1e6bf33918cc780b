// The optimizers on every backend: the first three steps against TensorFlow.js's optimizers
// (hyper-parameters mapped so the formulas agree) and against the Keras formulas evaluated by
// hand in float64 (Nadam, AdamW, AMSGrad, centered RMSprop, clipping, decay, schedules); then
// minimize, copy-on-write, flat memory over many steps, checkpointing and errors (names and configs:
// optimizers_config.test.ts); and the
// wasm kernels against the js oracle on odd sizes.
// Tolerances: the kernels compute in float32, the references in float64 (tfjs: float32 op by
// op); three steps of values of order 1 agree within rtol 2e-5 / atol 2e-6.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import type { WasmBackend } from '../src/backends/wasm/index.js';
import type { OptimExports } from '../src/backends/wasm/kernels/optim.js';
import {
  Adadelta,
  Adam,
  AdamW,
  RMSprop,
  getOptimizer,
  optimizers,
  schedules,
  train,
  type Optimizer,
} from '../src/optimizers/index.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray } from './helpers.js';

let counter = 0;
const uniq = (p: string) => `${p}_${counter++}`;

// Two variables (so per-variable state and clipnorm are exercised) and three steps of gradients.
const INITS = [
  [0.5, -1.2, 2.0, 0.1, -0.3],
  [1.5, -0.7],
];
const GRADS = [
  [
    [0.3, -0.8, 1.5, 0.01, -0.2],
    [2.0, -0.5],
  ],
  [
    [-0.1, 0.4, 1.2, 0.05, 0.3],
    [1.0, 0.25],
  ],
  [
    [0.2, -0.6, -0.9, -0.02, 0.1],
    [-0.5, 0.75],
  ],
];

function makeVars(inits: number[][]): sg.Variable[] {
  return inits.map((v) => {
    const t = sg.tensor(v);
    const x = sg.variable(t, true, uniq('w'));
    t.dispose();
    return x;
  });
}

/** Applies each step's gradients with `opt`; returns the variables' values after each step. */
function runSg(opt: Optimizer, inits = INITS, grads = GRADS): number[][][] {
  const vars = makeVars(inits);
  const out: number[][][] = [];
  for (const step of grads) {
    const gs = step.map((g) => sg.tensor(g));
    opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, gs[k]])));
    sg.dispose(gs);
    out.push(vars.map((v) => Array.from(v.dataSync())));
  }
  opt.dispose();
  sg.dispose(vars);
  return out;
}

/** The same with a TensorFlow.js optimizer on tfjs's cpu backend. */
function runTf(opt: tf.Optimizer, inits = INITS, grads = GRADS): number[][][] {
  const vars = inits.map((v) => tf.variable(tf.tensor(v), true, uniq('tfw')));
  const out: number[][][] = [];
  for (const step of grads) {
    const gs = step.map((g) => tf.tensor(g));
    opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, gs[k]])));
    tf.dispose(gs);
    out.push(vars.map((v) => Array.from(v.dataSync())));
  }
  opt.dispose();
  tf.dispose(vars);
  return out;
}

function expectSteps(actual: number[][][], expected: number[][][], rtol = 2e-5, atol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((step, s) => step.forEach((v, k) => expectClose(v, expected[s][k], rtol, atol)));
}

// ---- Keras formulas in float64 ----------------------------------------------------------

interface RefOpts {
  lr: number | ((iteration: number) => number);
  decay?: number;
  clipnorm?: number;
  globalClipnorm?: number;
  clipvalue?: number;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
  rho?: number;
  epsilon?: number;
  centered?: boolean;
  beta1?: number;
  beta2?: number;
  amsgrad?: boolean;
  initialAccumulatorValue?: number;
}

type Kind = 'sgd' | 'rmsprop' | 'adam' | 'adagrad' | 'adadelta' | 'adamax' | 'nadam';

/** Keras 3's update_step for `kind`, transcribed element by element in float64. */
function kerasReference(kind: Kind, o: RefOpts, inits = INITS, grads = GRADS): number[][][] {
  const p = inits.map((a) => a.slice());
  const zeros = () => inits.map((a) => a.map(() => 0));
  const s1 = kind === 'adagrad' ? inits.map((a) => a.map(() => o.initialAccumulatorValue ?? 0.1)) : zeros();
  const s2 = zeros();
  const s3 = zeros();
  const eps = o.epsilon ?? 1e-7;
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const rho = o.rho ?? (kind === 'adadelta' ? 0.95 : 0.9);
  const mom = o.momentum ?? 0;
  let uProduct = 1;
  const out: number[][][] = [];
  grads.forEach((stepGrads, iteration) => {
    const t = iteration + 1;
    let lr = typeof o.lr === 'function' ? o.lr(iteration) : o.lr;
    if (o.decay) lr = lr / (1 + o.decay * iteration);
    let gs = stepGrads.map((g) => g.slice());
    const norm = (g: number[]) => Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    if (o.clipnorm) gs = gs.map((g) => g.map((x) => (x * o.clipnorm!) / Math.max(norm(g), o.clipnorm!)));
    if (o.globalClipnorm) {
      const gn = Math.sqrt(gs.reduce((a, g) => a + norm(g) ** 2, 0));
      gs = gs.map((g) => g.map((x) => (x * o.globalClipnorm!) / Math.max(gn, o.globalClipnorm!)));
    }
    if (o.clipvalue) gs = gs.map((g) => g.map((x) => Math.min(Math.max(x, -o.clipvalue!), o.clipvalue!)));
    if (kind === 'nadam') uProduct *= b1 * (1 - 0.5 * Math.pow(0.96, t));
    gs.forEach((g, k) => {
      for (let i = 0; i < g.length; i++) {
        const gi = g[i];
        if (o.weightDecay) p[k][i] = p[k][i] - p[k][i] * o.weightDecay * lr;
        if (kind === 'sgd') {
          if (mom > 0) {
            s1[k][i] = s1[k][i] * mom - gi * lr;
            p[k][i] += o.nesterov ? s1[k][i] * mom - gi * lr : s1[k][i];
          } else p[k][i] -= lr * gi;
        } else if (kind === 'rmsprop') {
          s1[k][i] = rho * s1[k][i] + (1 - rho) * gi * gi;
          let den = s1[k][i] + eps;
          if (o.centered) {
            s3[k][i] = rho * s3[k][i] + (1 - rho) * gi;
            den = s1[k][i] - s3[k][i] ** 2 + eps;
          }
          const inc = (lr * gi) / Math.sqrt(den);
          if (mom > 0) {
            s2[k][i] = mom * s2[k][i] + inc;
            p[k][i] -= s2[k][i];
          } else p[k][i] -= inc;
        } else if (kind === 'adam') {
          const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
          s1[k][i] += (gi - s1[k][i]) * (1 - b1);
          s2[k][i] += (gi * gi - s2[k][i]) * (1 - b2);
          let v = s2[k][i];
          if (o.amsgrad) v = s3[k][i] = Math.max(s3[k][i], v);
          p[k][i] -= (s1[k][i] * alpha) / (Math.sqrt(v) + eps);
        } else if (kind === 'adagrad') {
          s1[k][i] += gi * gi;
          p[k][i] -= (lr * gi) / Math.sqrt(s1[k][i] + eps);
        } else if (kind === 'adadelta') {
          s1[k][i] = rho * s1[k][i] + (1 - rho) * gi * gi;
          const delta = -(Math.sqrt(s2[k][i] + eps) * gi) / Math.sqrt(s1[k][i] + eps);
          s2[k][i] = rho * s2[k][i] + (1 - rho) * delta * delta;
          p[k][i] += lr * delta;
        } else if (kind === 'adamax') {
          s1[k][i] += (gi - s1[k][i]) * (1 - b1);
          s2[k][i] = Math.max(b2 * s2[k][i], Math.abs(gi));
          p[k][i] -= (lr * s1[k][i]) / ((1 - b1 ** t) * (s2[k][i] + eps));
        } else {
          // Nadam, with Keras' u_product variable (updated once per step, before the updates).
          const uT = b1 * (1 - 0.5 * 0.96 ** t);
          const uT1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
          const uProductT1 = uProduct * uT1;
          s1[k][i] += (gi - s1[k][i]) * (1 - b1);
          s2[k][i] += (gi * gi - s2[k][i]) * (1 - b2);
          const mHat = (uT1 * s1[k][i]) / (1 - uProductT1) + ((1 - uT) * gi) / (1 - uProduct);
          const vHat = s2[k][i] / (1 - b2 ** t);
          p[k][i] -= (mHat * lr) / (Math.sqrt(vHat) + eps);
        }
      }
    });
    out.push(p.map((a) => a.slice()));
  });
  return out;
}

// ---- cases ------------------------------------------------------------------------------

const tfjsCases: Array<[string, () => Optimizer, () => tf.Optimizer]> = [
  ['sgd', () => optimizers.sgd({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
  ['momentum', () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), () => tf.train.momentum(0.1, 0.9)],
  [
    'nesterov',
    () => optimizers.sgd({ learningRate: 0.1, momentum: 0.8, nesterov: true }),
    () => tf.train.momentum(0.1, 0.8, true),
  ],
  ['rmsprop', () => optimizers.rmsprop({ learningRate: 0.01, rho: 0.8 }), () => tf.train.rmsprop(0.01, 0.8, 0, 1e-7)],
  [
    'rmsprop momentum',
    () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 }),
    () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7),
  ],
  // Keras adds epsilon before the bias correction, tfjs after: a tiny epsilon makes them agree.
  [
    'adam',
    () => optimizers.adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1e-10 }),
    () => tf.train.adam(0.1, 0.8, 0.99, 1e-10),
  ],
  [
    'adagrad',
    () => optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.2 }),
    () => tf.train.adagrad(0.1, 0.2),
  ],
  [
    'adamax',
    () => optimizers.adamax({ learningRate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1e-7 }),
    () => tf.train.adamax(0.1, 0.8, 0.99, 1e-7),
  ],
  ['train.adam', () => train.adam(0.05, 0.9, 0.999, 1e-10), () => tf.train.adam(0.05, 0.9, 0.999, 1e-10)],
  ['train.rmsprop momentum', () => train.rmsprop(0.01, 0.9, 0.3), () => tf.train.rmsprop(0.01, 0.9, 0.3)],
  ['train.momentum', () => train.momentum(0.05, 0.5), () => tf.train.momentum(0.05, 0.5)],
  ['train.adagrad', () => train.adagrad(0.3), () => tf.train.adagrad(0.3)],
  [
    'train.adamax decay',
    () => train.adamax(0.1, 0.9, 0.999, null, 0.5),
    () => tf.train.adamax(0.1, 0.9, 0.999, undefined, 0.5),
  ],
];

const refCases: Array<[string, () => Optimizer, Kind, RefOpts]> = [
  ['nadam', () => optimizers.nadam({ learningRate: 0.1 }), 'nadam', { lr: 0.1 }],
  [
    'nadam betas',
    () => optimizers.nadam({ learningRate: 0.05, beta1: 0.8, beta2: 0.9 }),
    'nadam',
    { lr: 0.05, beta1: 0.8, beta2: 0.9 },
  ],
  ['adamw', () => optimizers.adamw({ learningRate: 0.1 }), 'adam', { lr: 0.1, weightDecay: 0.004 }],
  [
    'adamw wd 0.1',
    () => optimizers.adamw({ learningRate: 0.1, weightDecay: 0.1 }),
    'adam',
    { lr: 0.1, weightDecay: 0.1 },
  ],
  ['adam amsgrad', () => optimizers.adam({ learningRate: 0.1, amsgrad: true }), 'adam', { lr: 0.1, amsgrad: true }],
  ['adam default epsilon', () => optimizers.adam({ learningRate: 0.1 }), 'adam', { lr: 0.1 }],
  [
    'rmsprop centered',
    () => optimizers.rmsprop({ learningRate: 0.01, centered: true }),
    'rmsprop',
    { lr: 0.01, centered: true },
  ],
  [
    'rmsprop centered momentum',
    () => optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.9 }),
    'rmsprop',
    { lr: 0.01, centered: true, momentum: 0.9 },
  ],
  [
    'sgd weightDecay',
    () => optimizers.sgd({ learningRate: 0.1, weightDecay: 0.5 }),
    'sgd',
    { lr: 0.1, weightDecay: 0.5 },
  ],
  ['adagrad keras defaults', () => optimizers.adagrad({ learningRate: 0.5 }), 'adagrad', { lr: 0.5 }],
  ['adadelta keras defaults', () => optimizers.adadelta({ learningRate: 1 }), 'adadelta', { lr: 1 }],
  ['adamax keras defaults', () => optimizers.adamax({ learningRate: 0.1 }), 'adamax', { lr: 0.1 }],
  // Clipping: the second variable's first gradient has norm ~2.06, the first ~1.75.
  ['clipnorm (sgd)', () => optimizers.sgd({ learningRate: 0.1, clipnorm: 1 }), 'sgd', { lr: 0.1, clipnorm: 1 }],
  ['clipnorm (adam)', () => optimizers.adam({ learningRate: 0.1, clipnorm: 0.5 }), 'adam', { lr: 0.1, clipnorm: 0.5 }],
  [
    'globalClipnorm (momentum)',
    () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, globalClipnorm: 1.5 }),
    'sgd',
    { lr: 0.1, momentum: 0.9, globalClipnorm: 1.5 },
  ],
  [
    'clipvalue (rmsprop)',
    () => optimizers.rmsprop({ learningRate: 0.01, clipvalue: 0.5 }),
    'rmsprop',
    { lr: 0.01, clipvalue: 0.5 },
  ],
  [
    'clipvalue (nadam)',
    () => optimizers.nadam({ learningRate: 0.1, clipvalue: 0.25 }),
    'nadam',
    { lr: 0.1, clipvalue: 0.25 },
  ],
  ['decay (sgd)', () => optimizers.sgd({ learningRate: 0.1, decay: 0.5 }), 'sgd', { lr: 0.1, decay: 0.5 }],
  ['decay (adam)', () => optimizers.adam({ learningRate: 0.1, decay: 1 }), 'adam', { lr: 0.1, decay: 1 }],
  [
    'exponentialDecay (momentum)',
    () =>
      optimizers.sgd({
        learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }),
        momentum: 0.9,
      }),
    'sgd',
    { lr: (it) => 0.1 * 0.5 ** it, momentum: 0.9 },
  ],
  [
    'piecewiseConstantDecay (adam)',
    () =>
      optimizers.adam({
        learningRate: schedules.piecewiseConstantDecay({ boundaries: [0, 1], values: [0.1, 0.05, 0.01] }),
      }),
    'adam',
    { lr: (it) => (it <= 0 ? 0.1 : it <= 1 ? 0.05 : 0.01) },
  ],
  [
    'inverseTimeDecay + decay (rmsprop)',
    () =>
      optimizers.rmsprop({
        learningRate: schedules.inverseTimeDecay({
          initialLearningRate: 0.01,
          decaySteps: 2,
          decayRate: 1,
          staircase: true,
        }),
        decay: 0.1,
      }),
    'rmsprop',
    { lr: (it) => 0.01 / (1 + Math.floor(it / 2)), decay: 0.1 },
  ],
];

/** One factory per optimizer variant (each kernel path). */
const variants: Array<[string, () => Optimizer]> = [
  ['sgd', () => optimizers.sgd({ learningRate: 0.1 })],
  ['momentum', () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9 })],
  ['nesterov', () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 })],
  ['rmsprop', () => optimizers.rmsprop({ learningRate: 0.01 })],
  ['rmsprop centered momentum', () => optimizers.rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 })],
  ['rmsprop momentum clipvalue', () => optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5, clipvalue: 1 })],
  ['adam', () => optimizers.adam({ learningRate: 0.01 })],
  ['adam amsgrad clipnorm', () => optimizers.adam({ learningRate: 0.01, amsgrad: true, clipnorm: 1 })],
  ['adamw', () => optimizers.adamw({ learningRate: 0.01, weightDecay: 0.1 })],
  ['adagrad', () => optimizers.adagrad({ learningRate: 0.1 })],
  ['adadelta', () => optimizers.adadelta({ learningRate: 1 })],
  ['adamax', () => optimizers.adamax({ learningRate: 0.01, globalClipnorm: 2 })],
  ['nadam', () => optimizers.nadam({ learningRate: 0.01 })],
];

describe.each(BACKENDS)('optimizers on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
    await tf.setBackend('cpu');
  });
  checkNoLeaks();

  it.each(tfjsCases)('%s: three steps match TensorFlow.js', (_name, mine, theirs) => {
    expectSteps(runSg(mine()), runTf(theirs()));
  });

  it.each(refCases)('%s: three steps match the Keras formulas in float64', (_name, mine, kind, opts) => {
    expectSteps(runSg(mine()), kerasReference(kind, opts));
  });

  // Porting note check: tfjs's Adadelta divides by sqrt(old accumulated gradient + eps), Keras by
  // the freshly updated one. tfjs is checked against its own formula, simdgrad against Keras'.
  it('adadelta: Keras formula, where tfjs uses the previous gradient accumulator', () => {
    const lr = 1;
    const rho = 0.9;
    const eps = 1e-6;
    const tfjsFormula: number[][][] = [];
    const p = INITS.map((a) => a.slice());
    const ag = INITS.map((a) => a.map(() => 0));
    const ad = INITS.map((a) => a.map(() => 0));
    for (const step of GRADS) {
      step.forEach((g, k) =>
        g.forEach((gi, i) => {
          const upd = (Math.sqrt(ad[k][i] + eps) / Math.sqrt(ag[k][i] + eps)) * gi;
          ag[k][i] = rho * ag[k][i] + (1 - rho) * gi * gi;
          ad[k][i] = rho * ad[k][i] + (1 - rho) * upd * upd;
          p[k][i] -= lr * upd;
        }),
      );
      tfjsFormula.push(p.map((a) => a.slice()));
    }
    expectSteps(runTf(tf.train.adadelta(lr, rho, eps)), tfjsFormula);
    const mine = runSg(optimizers.adadelta({ learningRate: lr, rho, epsilon: eps }));
    expectSteps(mine, kerasReference('adadelta', { lr, rho, epsilon: eps }));
    expect(Math.abs(mine[0][0][0] - tfjsFormula[0][0][0])).toBeGreaterThan(0.1);
  });

  it('iterations count steps; learningRate evaluates a schedule at iterations', () => {
    const opt = optimizers.sgd({
      learningRate: schedules.piecewiseConstantDecay({ boundaries: [1], values: [0.1, 0.01] }),
    });
    expect(opt.iterations).toBe(0);
    expect(opt.learningRate).toBe(0.1);
    runSgKeep(opt, 2);
    expect(opt.iterations).toBe(2);
    expect(opt.learningRate).toBe(0.01);
    opt.learningRate = 0.5;
    expect(opt.learningRate).toBe(0.5);
    expect(opt.learningRateSchedule).toBeNull();
    opt.dispose();
  });

  it('an empty gradient set (or all-null) is a no-op', () => {
    const opt = optimizers.adam();
    opt.applyGradients({});
    opt.applyGradients({ nothing: null });
    expect(opt.iterations).toBe(0);
    expect(opt.getWeights().map((w) => (w.tensor.dispose(), w.name))).toEqual(['iter']);
  });

  it.each([['adam'], ['sgd'], ['rmsprop'], ['nadam']])('%s: minimize reduces a quadratic', (name) => {
    const target = sg.tensor([1, -2, 3]);
    const [x] = makeVars([[0, 0, 0]]);
    const opt = getOptimizer({ className: name, config: { learning_rate: name === 'sgd' ? 0.1 : 0.05 } });
    const loss = () => sg.sum(sg.square(sg.sub(x, target)));
    const first = opt.minimize(loss, true)!;
    const start = first.dataSync()[0];
    first.dispose();
    for (let i = 0; i < 200; i++) expect(opt.minimize(loss)).toBeNull();
    const end = opt.minimize(loss, true)!;
    expect(start).toBeCloseTo(14, 5);
    expect(end.dataSync()[0]).toBeLessThan(0.05);
    end.dispose();
    opt.dispose();
    sg.dispose([x, target]);
  });

  it('minimize with varList updates only the listed variables', () => {
    const [a, b] = makeVars([
      [1, 2],
      [3, 4],
    ]);
    const opt = optimizers.sgd({ learningRate: 0.5 });
    opt.minimize(() => sg.add(sg.sum(sg.square(a)), sg.sum(sg.square(b))), false, [a]);
    expectClose(a.dataSync(), [0, 0]);
    expectClose(b.dataSync(), [3, 4]);
    opt.dispose();
    sg.dispose([a, b]);
  });

  it("copy-on-write: a tensor sharing the variable's initial buffer is unchanged by a step", () => {
    const init = sg.tensor([1, 2, 3]);
    const w = sg.variable(init, true, uniq('w'));
    const view = sg.reshape(init, [3, 1]);
    const g = sg.tensor([1, 1, 1]);
    for (const opt of [optimizers.adam({ learningRate: 0.1 }), optimizers.sgd({ learningRate: 1, momentum: 0.5 })]) {
      opt.applyGradients({ [w.name]: g });
      opt.dispose();
    }
    expectClose(init.dataSync(), [1, 2, 3]);
    expectClose(view.dataSync(), [1, 2, 3]);
    expect(Array.from(w.dataSync()).every((v, i) => v < i + 1)).toBe(true);
    sg.dispose([init, w, view, g]);
  });

  it.each(variants)('%s: memory() is the same after step 1 and step 50', (_name, make) => {
    const opt = make();
    const vars = makeVars(INITS);
    const gs = GRADS[0].map((g) => sg.tensor(g));
    const named = Object.fromEntries(vars.map((v, k) => [v.name, gs[k]]));
    opt.applyGradients(named);
    const after1 = sg.memory();
    for (let i = 1; i < 50; i++) opt.applyGradients(named);
    const after50 = sg.memory();
    for (const k of ['numTensors', 'numDataBuffers', 'numBytes'] as const) expect(after50[k]).toBe(after1[k]);
    expect(opt.iterations).toBe(50);
    opt.dispose();
    sg.dispose([vars, gs]);
  });

  it('slot variables are non-trainable engine variables, freed by dispose', () => {
    const before = sg.memory().numTensors;
    const vars = makeVars(INITS);
    const opt = optimizers.rmsprop({ momentum: 0.5, centered: true });
    const gs = GRADS[0].map((g) => sg.tensor(g));
    opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: gs[k] })));
    const slotNames = opt.getWeights().map((w) => (w.tensor.dispose(), w.name));
    expect(slotNames).toEqual([
      'iter',
      `${vars[0].name}/rms`,
      `${vars[0].name}/momentum`,
      `${vars[0].name}/mg`,
      `${vars[1].name}/rms`,
      `${vars[1].name}/momentum`,
      `${vars[1].name}/mg`,
    ]);
    const slot = ENGINE.variables.get(`${vars[0].name}/rms`)!;
    expect(slot.trainable).toBe(false);
    expect(sg.memory().numTensors).toBe(before + 2 + 2 + 6);
    opt.dispose();
    expect(ENGINE.variables.has(`${vars[0].name}/rms`)).toBe(false);
    expect(sg.memory().numTensors).toBe(before + 2 + 2);
    sg.dispose([vars, gs]);
  });

  it('two optimizers on one variable keep separate slots', () => {
    const [w] = makeVars([[1, 2]]);
    const g = sg.tensor([1, 1]);
    const a = optimizers.adam();
    const b = optimizers.adam();
    a.applyGradients({ [w.name]: g });
    b.applyGradients({ [w.name]: g });
    expect(ENGINE.variables.has(`${w.name}/m`)).toBe(true);
    expect(ENGINE.variables.has(`${w.name}/m_1`)).toBe(true);
    const names = b.getWeights().map((x) => (x.tensor.dispose(), x.name));
    expect(names).toContain(`${w.name}/m`); // logical names, as saved in checkpoints
    a.dispose();
    b.dispose();
    sg.dispose([w, g]);
  });

  it.each(variants)('%s: getWeights/setWeights resume training exactly', (_name, make) => {
    // Run 3 steps straight; and 2 steps, checkpoint, then 1 step on a fresh optimizer.
    const straight = runSg(make());
    const vars = makeVars(INITS);
    const a = make();
    const step = (opt: Optimizer, s: number) => {
      const gs = GRADS[s].map((g) => sg.tensor(g));
      opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, gs[k]])));
      sg.dispose(gs);
    };
    step(a, 0);
    step(a, 1);
    const saved = a.getWeights();
    expect(saved[0].name).toBe('iter');
    expect(saved[0].tensor.dataSync()[0]).toBe(2);
    step(a, 2); // must not change the snapshot (copy-on-write)
    a.dispose();
    const b = make();
    b.setWeights(saved);
    expect(b.iterations).toBe(2);
    // Rewind the variables to their values after step 2.
    vars.forEach((v, k) => {
      const t = sg.tensor(straight[1][k]);
      v.assign(t);
      t.dispose();
    });
    step(b, 2);
    vars.forEach((v, k) => expectClose(v.dataSync(), straight[2][k], 1e-6, 1e-7));
    b.dispose();
    sg.dispose([vars, saved.map((s) => s.tensor)]);
  });

  it('applyGradients validates before changing anything', () => {
    const [w] = makeVars([[1, 2, 3]]);
    const opt = optimizers.adam();
    const good = sg.tensor([1, 1, 1]);
    const bad = sg.tensor([1, 1]);
    const int = sg.tensor([1, 1, 1], undefined, 'int32');
    expect(() => opt.applyGradients({ [w.name]: bad })).toThrow(
      /adam.applyGradients: variable '.*' has shape \[3\] but its gradient has shape \[2\]/,
    );
    expect(() => opt.applyGradients({ [w.name]: good, nope: good })).toThrow(/no variable named 'nope'/);
    expect(() => opt.applyGradients({ [w.name]: int })).toThrow(/has dtype int32; expected float32/);
    expect(() =>
      opt.applyGradients([
        { name: w.name, tensor: good },
        { name: w.name, tensor: good },
      ]),
    ).toThrow(/more than one gradient/);
    expect(opt.iterations).toBe(0);
    expectClose(w.dataSync(), [1, 2, 3]);
    expect(() => sg.grad((x) => (opt.applyGradients({ [w.name]: good }), sg.square(x)))(good)).toThrow(
      /cannot run inside a gradient call/,
    );
    opt.dispose();
    sg.dispose([w, good, bad, int]);
  });

  it('setWeights rejects names that are not slots of this optimizer', () => {
    const opt = optimizers.adam();
    const t = sg.tensor([1]);
    expect(() => opt.setWeights([{ name: 'w/rms', tensor: t }])).toThrow(
      /'w\/rms' is not a slot of this Adam optimizer/,
    );
    opt.dispose();
    t.dispose();
  });

  it('a schedule that returns NaN is reported at the step', () => {
    class Broken extends schedules.LearningRateSchedule {
      readonly className = 'Broken';
      call() {
        return NaN;
      }
      getConfig() {
        return {};
      }
    }
    const [w] = makeVars([[1]]);
    const g = sg.tensor([1]);
    const opt = optimizers.sgd({ learningRate: new Broken() });
    expect(() => opt.applyGradients({ [w.name]: g })).toThrow(/schedule returned NaN at step 0/);
    opt.dispose();
    sg.dispose([w, g]);
  });
});

/** Applies `steps` updates with constant gradients to a fresh variable, freeing it after. */
function runSgKeep(opt: Optimizer, steps: number): void {
  const [w] = makeVars([[1, 2]]);
  const g = sg.tensor([0.5, -0.5]);
  for (let i = 0; i < steps; i++) opt.applyGradients({ [w.name]: g });
  sg.dispose([w, g]);
}

describe('optimizer kernels: wasm against the js oracle', () => {
  checkNoLeaks();
  const SIZES = [1, 3, 17, 129];

  async function runOn(backend: string, make: () => Optimizer, n: number): Promise<number[]> {
    await sg.setBackend(backend);
    const init = sg.tensor(randArray(n, 1, -2, 2));
    const w = sg.variable(init, true, uniq('w'));
    init.dispose();
    const opt = make();
    for (let s = 0; s < 3; s++) {
      const g = sg.tensor(randArray(n, 10 + s, -3, 3));
      opt.applyGradients({ [w.name]: g });
      g.dispose();
    }
    const out = Array.from(w.dataSync());
    opt.dispose();
    w.dispose();
    return out;
  }

  for (const [name, make] of variants) {
    it.each(SIZES)(`${name}: size %i`, async (n) => {
      const prev = sg.getBackend();
      const before = sg.memory().numTensors;
      try {
        const js = await runOn('js', make, n);
        const wasm = await runOn('wasm', make, n);
        expectClose(wasm, js, 1e-5, 1e-6);
      } finally {
        await sg.setBackend(prev);
      }
      expect(sg.memory().numTensors).toBe(before + 0);
    });
  }

  it('the wasm kernels give bit-identical results however the range is split', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.findBackend('wasm') as WasmBackend;
    const w = b.wasm as unknown as OptimExports;
    const n = 37;
    const bufs = () => [randArray(n, 3, -2, 2), randArray(n, 4, -3, 3), randArray(n, 5, -1, 1), randArray(n, 6, 0, 1)];
    const ptrs = (arrays: Float32Array[]) =>
      arrays.map((a) => {
        const p = b.wasm.alloc(n * 4);
        new Float32Array(b.wasm.memory.buffer, p, n).set(a);
        return p;
      });
    const read = (ps: number[]) => ps.map((p) => Array.from(new Float32Array(b.wasm.memory.buffer, p, n)));
    const whole = ptrs(bufs());
    const split = ptrs(bufs());
    const call = (p: number[], start: number, end: number) =>
      w.nadamUpdateF32(p[0], p[1], p[2], p[3], 0.01, 0.1, 0.001, 0.5, 0.2, 0.01, 1e-7, 0.9, 1.5, 0.01, start, end);
    call(whole, 0, n);
    call(split, 0, 5);
    call(split, 5, 22);
    call(split, 22, n);
    expect(read(split)).toEqual(read(whole));
    const callAdam = (p: number[], start: number, end: number) =>
      w.adamUpdateF32(p[0], p[1], p[2], p[3], 0, 0.01, 0.1, 0.001, 1e-7, 1, Infinity, 0, start, end);
    callAdam(whole, 0, n);
    callAdam(split, 0, 1);
    callAdam(split, 1, 30);
    callAdam(split, 30, n);
    expect(read(split)).toEqual(read(whole));
    for (const p of [...whole, ...split]) b.wasm.free(p);
  });
});
