// Keras metrics (src/metrics): per-sample values against tfjs-layers' metrics (or hand-derived
// values), 'accuracy' resolution, display names, MeanMetric running averages and argument errors;
// every backend, no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../src/index.js';
import * as losses from '../src/losses/index.js';
import * as metrics from '../src/metrics/index.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray, take } from './helpers.js';

const SHAPE = [6, 4];
const N = 24;
const P = randArray(N, 3, 0, 1);
const ONEHOT = (() => {
  const v = new Float32Array(N);
  const r = randArray(6, 9, 0, 4);
  for (let i = 0; i < 6; i++) v[i * 4 + Math.floor(r[i])] = 1;
  return v;
})();
const LABELS = Array.from({ length: 6 }, (_, i) => ONEHOT.slice(i * 4, i * 4 + 4).indexOf(1));
const BIN = randArray(N, 4).map((x) => (x > 0 ? 1 : 0));

type TfFn = (t: tf.Tensor, p: tf.Tensor) => tf.Tensor;
const CASES: Array<[string, (t: sg.Tensor, p: sg.Tensor) => sg.Tensor, TfFn, Float32Array, Float32Array]> = [
  ['binaryAccuracy', metrics.binaryAccuracy, tfl.metrics.binaryAccuracy, BIN, P],
  ['categoricalAccuracy', metrics.categoricalAccuracy, tfl.metrics.categoricalAccuracy, ONEHOT, P],
  ['meanSquaredError', metrics.meanSquaredError, tfl.metrics.meanSquaredError, randArray(N, 1), P],
  ['meanAbsoluteError', metrics.mae, tfl.metrics.meanAbsoluteError, randArray(N, 1), P],
  ['meanAbsolutePercentageError', metrics.mape, tfl.metrics.meanAbsolutePercentageError, randArray(N, 1, 0.5, 2), P],
  ['cosineProximity', metrics.cosineProximity, tfl.metrics.cosineProximity, randArray(N, 1), randArray(N, 2)],
  [
    'cosineSimilarity',
    metrics.cosineSimilarity,
    (t, p) => tf.neg(tfl.metrics.cosineProximity(t, p)),
    randArray(N, 1),
    randArray(N, 2),
  ],
  ['categoricalCrossentropy', metrics.categoricalCrossentropy, tfl.metrics.categoricalCrossentropy, ONEHOT, P],
  ['binaryCrossentropy', metrics.binaryCrossentropy, tfl.metrics.binaryCrossentropy, BIN, P],
];

/** Hand top-k: fewer than k scores strictly above the true class's. */
function topK(p: Float32Array, labels: number[], k: number): number[] {
  return labels.map((l, i) => {
    const row = p.slice(i * 4, i * 4 + 4);
    return row.filter((v) => v > row[l]).length < k ? 1 : 0;
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('metrics on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(CASES)('%s matches tfjs-layers per sample', (_name, f, g, t, p) => {
    const want = tf.tidy(() => Array.from(g(tf.tensor(t, SHAPE), tf.tensor(p, SHAPE)).dataSync()));
    const yt = sg.tensor(t, SHAPE);
    const yp = sg.tensor(p, SHAPE);
    const y = f(yt, yp);
    expect(y.shape).toEqual([6]);
    expectClose(take(y), want, 1e-4, 1e-5);
    yt.dispose();
    yp.dispose();
  });

  it('sparse and top-k accuracies', () => {
    const yp = sg.tensor(P, SHAPE);
    const oh = sg.tensor(ONEHOT, SHAPE);
    const want = LABELS.map((l, i) =>
      Array.from(P.slice(i * 4, i * 4 + 4)).indexOf(Math.max(...P.slice(i * 4, i * 4 + 4))) === l ? 1 : 0,
    );
    for (const yt of [sg.tensor(LABELS, [6], 'int32'), sg.tensor(LABELS, [6, 1])]) {
      expectClose(take(metrics.sparseCategoricalAccuracy(yt, yp)), want);
      for (const k of [1, 2, 3, 4]) {
        expectClose(take(metrics.sparseTopKCategoricalAccuracy(yt, yp, k)), topK(P, LABELS, k));
      }
      yt.dispose();
    }
    for (const k of [1, 2, 5]) expectClose(take(metrics.topKCategoricalAccuracy(oh, yp, k)), topK(P, LABELS, k));
    expectClose(take(metrics.topKCategoricalAccuracy(oh, yp, 1)), want);
    // Ties at the boundary count as in (tf.math.in_top_k).
    const tie = sg.tensor([[0.5, 0.5, 0.1]]);
    const l0 = sg.tensor([1], undefined, 'int32');
    expectClose(take(metrics.sparseTopKCategoricalAccuracy(l0, tie, 1)), [1]);
    for (const t of [yp, oh, tie, l0]) t.dispose();
  });

  it('binaryAccuracy threshold, int labels and higher-rank outputs', () => {
    const yt = sg.tensor([[1, 0, 1]], undefined, 'int32');
    const yp = sg.tensor([[0.6, 0.4, 0.2]]);
    expectClose(take(metrics.binaryAccuracy(yt, yp)), [2 / 3]);
    expectClose(take(metrics.binaryAccuracy(yt, yp, 0.1)), [2 / 3]);
    expectClose(take(metrics.binaryAccuracy(yt, yp, 0.7)), [1 / 3]);
    const a = sg.tensor(randArray(24, 5), [2, 3, 4]);
    const r = metrics.categoricalAccuracy(a, a);
    expect(r.shape).toEqual([2, 3]);
    expectClose(take(r), [1, 1, 1, 1, 1, 1]);
    for (const t of [yt, yp, a]) t.dispose();
  });

  it('bad inputs throw clear errors and leak nothing', () => {
    const yp = sg.tensor(P, SHAPE);
    const bad = sg.tensor([0, 1, 2, 9, 0, 1], undefined, 'int32');
    const oh3 = sg.zeros([6, 3]);
    const before = sg.memory().numTensors;
    expect(() => metrics.sparseCategoricalAccuracy(bad, yp)).toThrow(
      'sparseCategoricalAccuracy: label 9 at index 3 of yTrue is out of range: yPred has 4 classes, so labels must be in [0, 4)',
    );
    expect(() => metrics.categoricalAccuracy(oh3, yp)).toThrow(
      'categoricalAccuracy: yTrue has shape [6,3] but yPred has shape [6,4]',
    );
    expect(() => metrics.topKCategoricalAccuracy(oh3, yp, 0)).toThrow(
      "topKCategoricalAccuracy: argument 'k' must be an integer >= 1 but is 0",
    );
    expect(() => metrics.binaryAccuracy(yp, yp, NaN)).toThrow(
      "binaryAccuracy: option 'threshold' must be a finite number but is NaN",
    );
    expect(sg.memory().numTensors).toBe(before);
    for (const t of [yp, bad, oh3]) t.dispose();
  });

  it('MeanMetric keeps a weighted running mean on the host and holds no tensors', () => {
    const m = new metrics.MeanMetric('loss');
    expect(m.result()).toBe(0);
    const a = sg.tensor([1, 2, 3]);
    m.update(a);
    expect(a.isDisposed).toBe(false); // the caller owns it
    m.update([4], [2]);
    expect(m.result()).toBeCloseTo((1 + 2 + 3 + 8) / 5, 10);
    m.reset();
    expect(m.result()).toBe(0);
    const v = sg.tensor([
      [1, 3],
      [5, 7],
    ]);
    const w = sg.tensor([1, 0]);
    m.update(v, w); // per-sample weights over [batch, n] values
    expect(m.result()).toBeCloseTo(2, 10);
    m.update(10, 0.5);
    expect(m.result()).toBeCloseTo((4 + 5) / 2.5, 10);
    expect(() => m.update(v, [1, 2, 3])).toThrow(
      'MeanMetric(loss).update: sampleWeight has shape [3] but values have shape [2,2]',
    );
    const acc = new metrics.MeanMetricWrapper(metrics.binaryAccuracy);
    expect(acc.name).toBe('binary_accuracy');
    const yt = sg.tensor([[1], [0], [1], [1]]);
    const yp = sg.tensor([[0.9], [0.2], [0.3], [0.8]]);
    acc.updateState(yt, yp);
    acc.updateState(yt, yp, [0, 0, 1, 0]);
    expect(acc.result()).toBeCloseTo(3 / 5, 10);
    for (const t of [a, v, w, yt, yp]) t.dispose();
  });
});

describe('metric names and resolution', () => {
  it("resolves 'accuracy' as Keras does", () => {
    const r = (id: string, loss?: string | losses.LossFn, shape?: (number | null)[], target?: (number | null)[]) =>
      metrics.resolveMetric(id, loss, shape, target);
    expect(r('accuracy', 'binary_crossentropy', [null, 3]).fn).toBe(metrics.binaryAccuracy);
    expect(r('accuracy', losses.binaryCrossentropy, [null, 3]).fn).toBe(metrics.binaryAccuracy);
    expect(r('accuracy', 'mse', [null, 1]).fn).toBe(metrics.binaryAccuracy);
    expect(r('acc', 'sparse_categorical_crossentropy', [null, 10]).fn).toBe(metrics.sparseCategoricalAccuracy);
    expect(r('acc', 'sparseCategoricalCrossentropy', [null, 10]).fn).toBe(metrics.sparseCategoricalAccuracy);
    expect(r('accuracy', 'categorical_crossentropy', [null, 10]).fn).toBe(metrics.categoricalAccuracy);
    expect(r('accuracy', (t: sg.Tensor, p: sg.Tensor) => sg.sub(t, p), [null, 10], [null]).fn).toBe(
      metrics.sparseCategoricalAccuracy,
    );
    expect(r('accuracy').fn).toBe(metrics.categoricalAccuracy);
    expect(r('crossentropy', 'binary_crossentropy', [null, 1]).fn).toBe(metrics.binaryCrossentropy);
    expect(r('ce', 'sparse_categorical_crossentropy', [null, 4]).fn).toBe(metrics.sparseCategoricalCrossentropy);
  });

  it('keeps display names as given', () => {
    expect(metrics.resolveMetric('accuracy', 'binary_crossentropy').name).toBe('accuracy');
    expect(metrics.resolveMetric('acc', 'binary_crossentropy').name).toBe('acc');
    expect(metrics.resolveMetric('categorical_accuracy').name).toBe('categorical_accuracy');
    expect(metrics.resolveMetric('mse').name).toBe('mse');
    expect(metrics.resolveMetric(metrics.categoricalAccuracy).name).toBe('categorical_accuracy');
    expect(metrics.resolveMetric(metrics.mse).name).toBe('mean_squared_error');
    function myMetric(t: sg.Tensor, p: sg.Tensor) {
      return sg.sub(t, p);
    }
    expect(metrics.resolveMetric(myMetric)).toEqual({ name: 'myMetric', fn: myMetric });
  });

  it('getMetric resolves names in any case style, loss names too, with suggestions', () => {
    expect(metrics.getMetric('categorical_accuracy')).toBe(metrics.categoricalAccuracy);
    expect(metrics.getMetric('categoricalAccuracy')).toBe(metrics.categoricalAccuracy);
    expect(metrics.getMetric('CategoricalAccuracy')).toBe(metrics.categoricalAccuracy);
    expect(metrics.getMetric('top_k_categorical_accuracy')).toBe(metrics.topKCategoricalAccuracy);
    expect(metrics.getMetric('sparse_top_k_categorical_accuracy')).toBe(metrics.sparseTopKCategoricalAccuracy);
    expect(metrics.getMetric('MAE')).toBe(metrics.meanAbsoluteError);
    expect(metrics.getMetric('msle')).toBe(metrics.meanSquaredLogarithmicError);
    expect(metrics.getMetric('cosine_proximity')).toBe(metrics.cosineProximity);
    expect(metrics.getMetric('kld')).toBe(losses.kullbackLeiblerDivergence);
    expect(() => metrics.getMetric('acuracy')).toThrow("Unknown metric 'acuracy'. Did you mean 'accuracy'?");
    expect(() => metrics.getMetric('categorical_acuracy')).toThrow("Did you mean 'categorical_accuracy'?");
    expect(() => metrics.getMetric('mea')).toThrow("Did you mean 'mae'?");
  });
});
