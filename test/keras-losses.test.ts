// Keras losses (src/losses): per-sample values against tfjs-layers' loss functions and tfjs-core's
// tf.losses (or hand-derived values where they differ), gradients against finite differences,
// argument errors before any kernel runs, and name resolution; every backend, no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers' loss functions (not re-exported from its index).
import * as tll from '@tensorflow/tfjs-layers/dist/losses.js';
import * as sg from '../src/index.js';
import * as losses from '../src/losses/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray, take } from './helpers.js';

type TfFn = (t: tf.Tensor, p: tf.Tensor) => tf.Tensor;
type SgFn = (t: sg.Tensor, p: sg.Tensor) => sg.Tensor;

const SHAPE = [4, 5];
const N = 20;
const probs = (seed: number) => randArray(N, seed, 0.05, 0.95);
const oneHotRows = (seed: number) => {
  const v = new Float32Array(N);
  const r = randArray(4, seed, 0, 5);
  for (let i = 0; i < 4; i++) v[i * 5 + Math.floor(r[i])] = 1;
  return v;
};
const binary = (seed: number) => randArray(N, seed).map((x) => (x > 0 ? 1 : 0));
const pm1 = (seed: number) => randArray(N, seed).map((x) => (x > 0 ? 1 : -1));

// name, simdgrad fn, tfjs fn, yTrue, yPred
const CASES: Array<[string, SgFn, TfFn, Float32Array, Float32Array]> = [
  ['meanSquaredError', losses.meanSquaredError, tll.meanSquaredError, randArray(N, 1), randArray(N, 2)],
  ['meanAbsoluteError', losses.meanAbsoluteError, tll.meanAbsoluteError, randArray(N, 1), randArray(N, 2)],
  [
    'meanAbsolutePercentageError',
    losses.meanAbsolutePercentageError,
    tll.meanAbsolutePercentageError,
    randArray(N, 1, 0.5, 2),
    randArray(N, 2),
  ],
  [
    'meanSquaredLogarithmicError',
    losses.meanSquaredLogarithmicError,
    tll.meanSquaredLogarithmicError,
    randArray(N, 1, 0, 3),
    randArray(N, 2, -0.5, 3),
  ],
  ['kullbackLeiblerDivergence', losses.kullbackLeiblerDivergence, tll.kullbackLeiblerDivergence, probs(1), probs(2)],
  ['hinge (+-1 labels)', losses.hinge, tll.hinge, pm1(1), randArray(N, 2, -2, 2)],
  ['squaredHinge (+-1 labels)', losses.squaredHinge, tll.squaredHinge, pm1(1), randArray(N, 2, -2, 2)],
  ['categoricalHinge', losses.categoricalHinge, tll.categoricalHinge, oneHotRows(1), randArray(N, 2, -2, 2)],
  ['logcosh', losses.logcosh, tll.logcosh, randArray(N, 1, -3, 3), randArray(N, 2, -3, 3)],
  ['poisson', losses.poisson, tll.poisson, randArray(N, 1, 0, 3), randArray(N, 2, 0.1, 3)],
  ['cosineSimilarity', losses.cosineSimilarity, tll.cosineProximity, randArray(N, 1), randArray(N, 2)],
  ['binaryCrossentropy', losses.binaryCrossentropy, tll.binaryCrossentropy, binary(1), probs(2)],
  ['binaryCrossentropy soft labels', losses.binaryCrossentropy, tll.binaryCrossentropy, probs(1), probs(2)],
  [
    'categoricalCrossentropy',
    losses.categoricalCrossentropy,
    (t, p) => tll.categoricalCrossentropy(t, p),
    oneHotRows(1),
    probs(2),
  ],
  [
    'categoricalCrossentropy fromLogits',
    (t, p) => losses.categoricalCrossentropy(t, p, { fromLogits: true }),
    (t, p) => tll.categoricalCrossentropy(t, p, true),
    oneHotRows(1),
    randArray(N, 2, -3, 3),
  ],
  [
    'binaryCrossentropy fromLogits',
    (t, p) => losses.binaryCrossentropy(t, p, { fromLogits: true }),
    (t, p) => tf.mean(tf.losses.sigmoidCrossEntropy(t, p, undefined, 0, tf.Reduction.NONE), -1),
    binary(1),
    randArray(N, 2, -5, 5),
  ],
  [
    'binaryCrossentropy fromLogits + labelSmoothing',
    (t, p) => losses.binaryCrossentropy(t, p, { fromLogits: true, labelSmoothing: 0.2 }),
    (t, p) => tf.mean(tf.losses.sigmoidCrossEntropy(t, p, undefined, 0.2, tf.Reduction.NONE), -1),
    binary(1),
    randArray(N, 2, -5, 5),
  ],
  [
    'categoricalCrossentropy fromLogits + labelSmoothing',
    (t, p) => losses.categoricalCrossentropy(t, p, { fromLogits: true, labelSmoothing: 0.1 }),
    (t, p) => tf.losses.softmaxCrossEntropy(t, p, undefined, 0.1, tf.Reduction.NONE),
    oneHotRows(1),
    randArray(N, 2, -3, 3),
  ],
  [
    'huber',
    (t, p) => losses.huber(t, p, 0.7),
    (t, p) => tf.mean(tf.losses.huberLoss(t, p, undefined, 0.7, tf.Reduction.NONE), -1),
    randArray(N, 1, -2, 2),
    randArray(N, 2, -2, 2),
  ],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('losses on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(CASES)('%s matches tfjs per sample', (_name, f, g, t, p) => {
    const want = tf.tidy(() => Array.from(g(tf.tensor(t, SHAPE), tf.tensor(p, SHAPE)).dataSync()));
    const yt = sg.tensor(t, SHAPE);
    const yp = sg.tensor(p, SHAPE);
    const y = f(yt, yp);
    expect(y.shape).toEqual([4]);
    expectClose(take(y), want, 1e-4, 1e-5);
    yt.dispose();
    yp.dispose();
  });

  it.each(CASES)('%s: gradient with respect to yPred', (name, f, _g, t, p) => {
    if (
      name === 'categoricalHinge' ||
      name.startsWith('hinge') ||
      name.startsWith('squaredHinge') ||
      name === 'meanAbsoluteError'
    ) {
      // Piecewise-linear: keep the predictions away from the kinks.
      p = p.map((v) => (Math.abs(v) < 0.1 ? v + 0.3 : v));
    }
    const yt = sg.tensor(t, SHAPE);
    const yp = sg.tensor(p, SHAPE);
    gradCheck((x) => f(yt, x), [yp], { eps: 1e-3, rtol: 3e-2, atol: 3e-3 });
    yt.dispose();
    yp.dispose();
  });

  it('regression losses are differentiable in yTrue too', () => {
    const yt = sg.tensor(randArray(6, 3), [2, 3]);
    const yp = sg.tensor(randArray(6, 4), [2, 3]);
    for (const f of [losses.meanSquaredError, losses.logcosh, losses.huber, losses.cosineSimilarity]) {
      gradCheck((t, p) => f(t, p), [yt, yp]);
    }
    yt.dispose();
    yp.dispose();
  });

  it('sparseCategoricalCrossentropy matches tfjs for int32 and float labels, probabilities and logits', () => {
    const labels = [3, 0, 4, 1];
    const p = probs(7);
    const logits = randArray(N, 8, -3, 3);
    for (const [values, fromLogits] of [
      [p, false],
      [logits, true],
    ] as const) {
      const want = tf.tidy(() =>
        Array.from(
          // tfjs-layers' sparse form clips logits to [eps, 1 - eps] (a bug), so compare with its one-hot form.
          tll
            .categoricalCrossentropy(
              tf.oneHot(tf.tensor(labels, [4], 'int32'), 5),
              tf.tensor(values, SHAPE),
              fromLogits,
            )
            .dataSync(),
        ),
      );
      const yp = sg.tensor(values, SHAPE);
      for (const yt of [sg.tensor(labels, [4], 'int32'), sg.tensor(labels, [4, 1])]) {
        expectClose(take(losses.sparseCategoricalCrossentropy(yt, yp, { fromLogits })), want as number[], 1e-4, 1e-5);
        gradCheck((x) => losses.sparseCategoricalCrossentropy(yt, x, { fromLogits }), [yp], {
          eps: 1e-3,
          rtol: 3e-2,
          atol: 3e-3,
        });
        yt.dispose();
      }
      yp.dispose();
    }
  });

  it('categoricalCrossentropy renormalises and clips probabilities as Keras', () => {
    // Rows not summing to 1 are renormalised; a zero probability is clipped to 1e-7.
    const yt = sg.tensor([
      [0, 1, 0],
      [1, 0, 0],
    ]);
    const yp = sg.tensor([
      [1, 2, 1],
      [0, 0.5, 0.5],
    ]);
    expectClose(take(losses.categoricalCrossentropy(yt, yp)), [-Math.log(0.5), -Math.log(1e-7)], 1e-4);
    // labelSmoothing on probabilities: targets (1 - s) t + s / 3.
    const s = 0.3;
    const want = -(s / 3) * Math.log(0.25) * 2 - (1 - s + s / 3) * Math.log(0.5);
    const smoothed = take(losses.categoricalCrossentropy(yt, yp, { labelSmoothing: s }));
    expectClose([smoothed[0]], [want], 1e-4);
    yt.dispose();
    yp.dispose();
  });

  it('binaryCrossentropy is finite for saturated probabilities and extreme logits, with the right gradient at logit 0', () => {
    const yt = sg.tensor([[1, 0, 1, 0]]);
    const yp = sg.tensor([[0, 1, 1, 0]]);
    // Two saturated misses clipped to 1e-7 and float32(1 - 1e-7); two clipped hits (~0).
    const bce = (-Math.log(1e-7) - Math.log(1 - Math.fround(1 - 1e-7))) / 4;
    expectClose(take(losses.binaryCrossentropy(yt, yp)), [bce], 1e-3);
    const logits = sg.tensor([[-100, 100, 100, -100]]);
    expectClose(take(losses.binaryCrossentropy(yt, logits, { fromLogits: true })), [50], 1e-6);
    const zero = sg.zeros([1, 4]);
    // d/dx mean(softplus(x) - x t) at x = 0 is (0.5 - t) / 4.
    const g = sg.grad((x: sg.Tensor) => sg.sum(losses.binaryCrossentropy(yt, x, { fromLogits: true })))(zero);
    expectClose(take(g), [-0.125, 0.125, -0.125, 0.125]);
    for (const t of [yt, yp, logits, zero]) t.dispose();
  });

  it('hinge converts {0, 1} labels to {-1, 1} as Keras', () => {
    const p = sg.tensor([
      [0.3, -0.4],
      [2, 0.5],
    ]);
    const y01 = sg.tensor([
      [1, 0],
      [0, 1],
    ]);
    const ypm = sg.tensor([
      [1, -1],
      [-1, 1],
    ]);
    const want = [(0.7 + 0.6) / 2, (3 + 0.5) / 2];
    expectClose(take(losses.hinge(y01, p)), want, 1e-6);
    expectClose(take(losses.hinge(ypm, p)), want, 1e-6);
    expectClose(take(losses.squaredHinge(y01, p)), [(0.49 + 0.36) / 2, (9 + 0.25) / 2], 1e-6);
    for (const t of [p, y01, ypm]) t.dispose();
  });

  it('hand-derived values', () => {
    sg.tidy(() => {
      const cases: Array<[sg.Tensor, number[]]> = [
        [losses.meanSquaredError(sg.tensor([[0, 1]]), sg.tensor([[1, 1]])), [0.5]],
        [losses.meanAbsolutePercentageError(sg.tensor([[2, 4]]), sg.tensor([[1, 4]])), [25]],
        [losses.meanSquaredLogarithmicError(sg.tensor([[0]]), sg.tensor([[Math.E - 1]])), [1]],
        [losses.huber(sg.tensor([[0, 0]]), sg.tensor([[0.5, 3]])), [(0.125 + 2.5) / 2]],
        [
          losses.kld(sg.tensor([[0.5, 0.5]]), sg.tensor([[0.25, 0.75]])),
          [0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75)],
        ],
        [losses.categoricalHinge(sg.tensor([[0, 1]]), sg.tensor([[0.3, 0.6]])), [0.7]],
        [losses.logcosh(sg.tensor([[0, 0]]), sg.tensor([[1, 50]])), [(Math.log(Math.cosh(1)) + 50 - Math.LN2) / 2]],
        [losses.poisson(sg.tensor([[1]]), sg.tensor([[2]])), [2 - Math.log(2)]],
        [
          losses.cosineSimilarity(
            sg.tensor([
              [1, 0],
              [0, 1],
            ]),
            sg.tensor([
              [2, 0],
              [1, 0],
            ]),
          ),
          [-1, 0],
        ],
      ];
      for (const [got, want] of cases) expectClose(got.dataSync(), want, 1e-5, 1e-6);
    });
  });

  it('returns per-sample losses over every leading dimension and aligns a trailing 1', () => {
    const yt = sg.tensor(randArray(24, 1), [2, 3, 4]);
    const yp = sg.tensor(randArray(24, 2), [2, 3, 4]);
    const y = losses.meanSquaredError(yt, yp);
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    const a = sg.tensor([1, 2, 3]);
    const b = sg.tensor([[1], [1], [1]]);
    const r1 = losses.meanAbsoluteError(a, b);
    expect(r1.shape).toEqual([3]);
    expectClose(take(r1), [0, 1, 2]);
    const r2 = losses.meanAbsoluteError(b, a); // yPred [3]: Keras squeezes yTrue and reduces to a scalar
    expect(r2.shape).toEqual([]);
    expectClose(take(r2), [1]);
    const ints = sg.tensor([[1, 0]], undefined, 'int32');
    const p = sg.tensor([[0.8, 0.2]]);
    expectClose(take(losses.binaryCrossentropy(ints, p)), [-Math.log(0.8)], 1e-5);
    for (const t of [yt, yp, a, b, ints, p]) t.dispose();
  });

  it('bad inputs throw clear errors before computing and leak nothing', () => {
    const t = sg.tensor(oneHotRows(1), [4, 5]);
    const p5 = sg.tensor(probs(2), [4, 5]);
    const p4 = sg.tensor(probs(2).slice(0, 16), [4, 4]);
    const ti = sg.tensor([[1, 0]], undefined, 'int32');
    const labels = sg.tensor([0, 7, 1, 2], undefined, 'int32');
    const negative = sg.tensor([0, -1, 1, 2], undefined, 'int32');
    const nan = sg.tensor([0, NaN, 1, 2]);
    const frac = sg.tensor([0, 1.5, 1, 2]);
    const wrong = sg.tensor([0, 1, 2], undefined, 'int32');
    const before = sg.memory();
    const cases: Array<[() => unknown, string]> = [
      [
        () => losses.categoricalCrossentropy(t, p4),
        'categoricalCrossentropy: yTrue has shape [4,5] but yPred has shape [4,4]',
      ],
      [() => losses.meanSquaredError(t, p4), 'meanSquaredError: yTrue has shape [4,5] but yPred has shape [4,4]'],
      [
        () => losses.categoricalCrossentropy(t, p5, { labelSmoothing: NaN }),
        "categoricalCrossentropy: option 'labelSmoothing' must be a number in [0, 1] but is NaN",
      ],
      [() => losses.binaryCrossentropy(t, p5, { labelSmoothing: 2 }), "binaryCrossentropy: option 'labelSmoothing'"],
      [() => losses.huber(t, p5, -1), "huber: option 'delta' must be a number in [0, Infinity] but is -1"],
      [() => losses.meanSquaredError(ti, ti), 'meanSquaredError: yPred must be float32 but has dtype int32'],
      [
        () => losses.sparseCategoricalCrossentropy(labels, p5),
        'sparseCategoricalCrossentropy: label 7 at index 1 of yTrue is out of range: yPred has 5 classes, so labels must be in [0, 5)',
      ],
      [() => losses.sparseCategoricalCrossentropy(negative, p5), 'label -1 at index 1'],
      [
        () => losses.sparseCategoricalCrossentropy(nan, p5),
        'sparseCategoricalCrossentropy: label NaN at index 1 of yTrue is not an integer class index',
      ],
      [() => losses.sparseCategoricalCrossentropy(frac, p5), 'label 1.5 at index 1'],
      [
        () => losses.sparseCategoricalCrossentropy(wrong, p5),
        'sparseCategoricalCrossentropy: yTrue has shape [3] but yPred has shape [4,5]; sparse labels must have shape [4] or [4,1]',
      ],
      [() => losses.meanSquaredError(t, [[1, 2]]), 'meanSquaredError: yTrue has shape [4,5] but yPred has shape [1,2]'],
    ];
    for (const [f, msg] of cases) {
      expect(f).toThrow(msg);
      expect(sg.memory().numTensors).toBe(before.numTensors);
      expect(sg.memory().numBytes).toBe(before.numBytes);
    }
    const dead = sg.tensor([1]);
    dead.dispose();
    expect(() => losses.meanSquaredError(dead, p5)).toThrow(
      "meanSquaredError: 'yTrue' (shape [1]) is already disposed",
    );
    for (const x of [t, p5, p4, ti, labels, negative, nan, frac, wrong]) x.dispose();
  });
});

describe('loss names', () => {
  it('getLoss resolves names, aliases and class-style names', () => {
    expect(losses.getLoss('categorical_crossentropy')).toBe(losses.categoricalCrossentropy);
    expect(losses.getLoss('categoricalCrossentropy')).toBe(losses.categoricalCrossentropy);
    expect(losses.getLoss('CategoricalCrossentropy')).toBe(losses.categoricalCrossentropy);
    expect(losses.getLoss('sparse_categorical_crossentropy')).toBe(losses.sparseCategoricalCrossentropy);
    expect(losses.getLoss('mse')).toBe(losses.meanSquaredError);
    expect(losses.getLoss('MSE')).toBe(losses.meanSquaredError);
    expect(losses.getLoss('mae')).toBe(losses.meanAbsoluteError);
    expect(losses.getLoss('mape')).toBe(losses.meanAbsolutePercentageError);
    expect(losses.getLoss('msle')).toBe(losses.meanSquaredLogarithmicError);
    expect(losses.getLoss('kld')).toBe(losses.kullbackLeiblerDivergence);
    expect(losses.getLoss('kullback_leibler_divergence')).toBe(losses.kullbackLeiblerDivergence);
    expect(losses.getLoss('huber_loss')).toBe(losses.huber);
    expect(losses.getLoss('logcosh')).toBe(losses.logcosh);
    expect(losses.getLoss('log_cosh')).toBe(losses.logcosh);
    const custom = (t: sg.Tensor, p: sg.Tensor) => sg.sub(t, p);
    expect(losses.getLoss(custom)).toBe(custom);
    expect(losses.lossName('MSE')).toBe('mean_squared_error');
    expect(losses.lossName(losses.binaryCrossentropy)).toBe('binary_crossentropy');
  });

  it('unknown names throw with the closest name', () => {
    expect(() => losses.getLoss('categorical_crossentropi')).toThrow(
      "Unknown loss 'categorical_crossentropy'".replace('crossentropy', 'crossentropi') +
        ". Did you mean 'categorical_crossentropy'?",
    );
    expect(() => losses.getLoss('msee')).toThrow("Unknown loss 'msee'. Did you mean 'mse'?");
    expect(() => losses.getLoss('binary_crosentropy')).toThrow("Did you mean 'binary_crossentropy'?");
  });
});
