// Core layers against tfjs-layers with the same weights (constant initializers, arange inputs),
// on every backend; training/inference behaviour of the noise layers; errors naming the layer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, take } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** arange(n) scaled into [-1, 1), shaped. */
const arangeValues = (shape: number[]) => {
  const n = shape.reduce((a, c) => a * c, 1);
  return Float32Array.from({ length: n }, (_, i) => (2 * i) / n - 1);
};

describe.each(BACKENDS)('core layers on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'relu6'])(
    'dense with activation %s matches tfjs-layers for the same weights (rank 2 and rank 3 inputs)',
    (activation) => {
      for (const inShape of [
        [4, 6],
        [2, 3, 6],
      ]) {
        const kernel = arangeValues([6, 5]);
        const bias = Float32Array.from([0.1, -0.2, 0.3, -0.4, 0.5]);
        const x = arangeValues(inShape);
        const ours = sg.layers.dense({ units: 5, activation });
        const xs = sg.tensor(x, inShape);
        ours.apply(xs).dispose(); // builds
        const w = [sg.tensor(kernel, [6, 5]), sg.tensor(bias, [5])];
        ours.setWeights(w);
        const y = take(ours.apply(xs));
        const theirs = tfl.layers.dense({ units: 5, activation: activation as 'relu' });
        const tx = tf.tensor(x, inShape);
        (theirs.apply(tx) as tf.Tensor).dispose();
        theirs.setWeights([tf.tensor(kernel, [6, 5]), tf.tensor(bias, [5])]);
        const want = (theirs.apply(tx) as tf.Tensor).dataSync();
        expectClose(y, want, 1e-5, 1e-6);
        sg.dispose([xs, w]);
        ours.dispose();
      }
    },
  );

  it('dense: initializers, useBias false, weights and params, gradients through the layer', () => {
    const d = sg.layers.dense({ units: 3, useBias: false, kernelInitializer: 'ones' });
    const x = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(take(d.apply(x))).toEqual([3, 3, 3, 7, 7, 7]);
    expect(d.countParams()).toBe(6);
    expect(d.weights.map((w) => w.name)).toEqual(['kernel']);
    const d2 = sg.layers.dense({
      units: 2,
      activation: 'tanh',
      kernelInitializer: sg.initializers.randomNormal({ seed: 3 }),
    });
    d2.apply(x).dispose();
    gradCheck((t) => d2.apply(t), [x]);
    const wide = sg.zeros([2, 5]);
    expect(() => d2.apply(wide)).toThrow(
      /dense_\d+: expected an input whose last dimension is 2 but got shape \[2,5\]/,
    );
    sg.dispose([x, wide]);
    d.dispose();
    d2.dispose();
  });

  it('dropout: identity at inference; in training zeros about `rate` and scales by 1/(1-rate)', () => {
    const drop = sg.layers.dropout({ rate: 0.25, seed: 1 });
    const x = sg.ones([100, 100]);
    expect(take(drop.apply(x))).toEqual(new Array(10000).fill(1));
    const y = take(drop.apply(x, { training: true }));
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 10000 - 0.25)).toBeLessThan(0.02);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const shared = sg.layers.dropout({ rate: 0.5, noiseShape: [1, null], seed: 2 });
    const z = sg.ones([3, 8]);
    const r = take(shared.apply(z, { training: true }));
    for (let j = 0; j < 8; j++) expect(r[j]).toBe(r[8 + j]); // one mask row broadcast over the batch
    expect(() => sg.layers.dropout({ rate: 1 })).toThrow(/Dropout: 'rate' must be a number in \[0, 1\) but is 1/);
    sg.dispose([x, z]);
  });

  it('activation, flatten, reshape, permute, repeatVector match tfjs-layers', () => {
    const x = arangeValues([2, 3, 4]);
    const cases: Array<[sg.Layer, tfl.layers.Layer]> = [
      [sg.layers.activation({ activation: 'softmax' }), tfl.layers.activation({ activation: 'softmax' })],
      [sg.layers.flatten(), tfl.layers.flatten()],
      [sg.layers.reshape({ targetShape: [4, -1] }), tfl.layers.reshape({ targetShape: [4, 3] })],
      [sg.layers.permute({ dims: [2, 1] }), tfl.layers.permute({ dims: [2, 1] })],
    ];
    for (const [ours, theirs] of cases) {
      const xs = sg.tensor(x, [2, 3, 4]);
      const y = ours.apply(xs);
      const want = theirs.apply(tf.tensor(x, [2, 3, 4])) as tf.Tensor;
      expect(y.shape).toEqual(want.shape);
      expectClose(take(y), want.dataSync(), 1e-6);
      xs.dispose();
    }
    const v = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const rep = sg.layers.repeatVector({ n: 3 }).apply(v);
    expect(rep.shape).toEqual([2, 3, 2]);
    expect(take(rep)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    v.dispose();
  });

  it('gaussianNoise, gaussianDropout, alphaDropout: identity at inference, right statistics in training', () => {
    const x = sg.tidy(() => sg.randomNormal([200, 100], 0, 1, 'float32', 5));
    for (const layer of [
      sg.layers.gaussianNoise({ stddev: 0.5, seed: 1 }),
      sg.layers.gaussianDropout({ rate: 0.2, seed: 1 }),
      sg.layers.alphaDropout({ rate: 0.2, seed: 1 }),
    ]) {
      expectClose(take(layer.apply(x)), x.dataSync());
      const y = take(layer.apply(x, { training: true }));
      const mean = y.reduce((s, v) => s + v, 0) / y.length;
      const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
      const wantVar = layer instanceof sg.GaussianNoise ? 1.25 : layer instanceof sg.GaussianDropout ? 1 + 0.25 : 1;
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(Math.abs(variance - wantVar)).toBeLessThan(0.08);
    }
    x.dispose();
  });

  it('layer names follow Keras 2.0 (dense_1, dense_2) and are unique', () => {
    const a = sg.layers.dense({ units: 1 });
    const b = sg.layers.dense({ units: 1 });
    expect(a.name).toMatch(/^dense_\d+$/);
    expect(Number(b.name.split('_')[1])).toBe(Number(a.name.split('_')[1]) + 1);
    expect(sg.layers.dense({ units: 1, name: 'head' }).name).toBe('head');
  });

  it('bad arguments throw naming the layer and argument', () => {
    expect(() => sg.layers.dense({ units: 0 })).toThrow("Dense: 'units' must be a positive integer but is 0");
    expect(() => sg.layers.dense({ units: 2, activation: 'rleu' })).toThrow(/Did you mean 'relu'/);
    expect(() => sg.layers.permute({ dims: [1, 3] })).toThrow(/Permute: 'dims' must be a permutation/);
    const r = sg.layers.reshape({ targetShape: [5] });
    const x = sg.input({ shape: [6] });
    expect(() => r.apply(x)).toThrow(/reshape_\d+: cannot reshape \[null,6\] \(6 values per sample\) into \[null,5\]/);
  });
});
