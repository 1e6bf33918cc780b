// Conv, pooling, reshaping, normalisation and advanced-activation layers against tfjs-layers
// with the same weights, on every backend; BatchNormalization in training and inference mode
// (moving statistics after a step by hand); gradients through layers; errors naming the layer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { convLayers as L } from '../../src/layers/convolutional/index.js';
import { conv2d } from '../../src/ops/conv2d.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray, take } from '../helpers.js';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const size = (s: number[]) => s.reduce((a, c) => a * c, 1);

/**
 * Applies `ours` and `theirs` to the same random input with the same random weights (in
 * `weights` order) and compares the outputs.
 */
function compare(ours: sg.Layer, theirs: tfl.layers.Layer, shape: number[], seed: number, args: { training?: boolean } = {}, tol = 1e-5): void {
  const xv = randArray(size(shape), seed);
  const x = sg.tensor(xv, shape);
  const tx = tf.tensor(xv, shape);
  ours.apply(x).dispose(); // builds
  (theirs.apply(tx) as tf.Tensor).dispose();
  const shapes = ours.weights.map((w) => w.shape);
  expect(theirs.weights.map((w) => w.shape)).toEqual(shapes);
  // Variances (and anything named like one) must be positive.
  const vals = shapes.map((s, i) => randArray(size(s), seed + 1 + i, ours.weights[i].name.includes('variance') ? 0.5 : -1, ours.weights[i].name.includes('variance') ? 2 : 1));
  const ws = vals.map((v, i) => sg.tensor(v, shapes[i]));
  ours.setWeights(ws);
  theirs.setWeights(vals.map((v, i) => tf.tensor(v, shapes[i])));
  const y = ours.apply(x, args);
  const want = theirs.apply(tx, args) as tf.Tensor;
  expect(y.shape).toEqual(want.shape);
  expectClose(take(y), want.dataSync(), tol, tol);
  sg.dispose([x, ...ws]);
  tf.dispose([tx, want]);
  ours.dispose();
}

describe.each(BACKENDS)('conv-network layers on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('conv1d, conv2d, conv3d (activations, strides, same/valid/causal, dilation, channelsFirst) match tfjs-layers', () => {
    const cases: Array<[sg.Layer, tfl.layers.Layer, number[]]> = [
      [L.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'relu' }), tfl.layers.conv1d({ filters: 3, kernelSize: 3, dilationRate: 2, activation: 'relu' }), [2, 9, 4]],
      [L.conv1d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same' }), tfl.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same' }), [2, 7, 3]],
      [L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' }), tfl.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu' }), [2, 7, 6, 3]],
      [L.conv2d({ filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', activation: 'tanh' }), tfl.layers.conv2d({ filters: 3, kernelSize: 3, dataFormat: 'channelsFirst', activation: 'tanh' }), [2, 3, 6, 5]],
      [L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, useBias: false }), tfl.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, useBias: false }), [1, 9, 8, 2]],
      [L.conv3d({ filters: 2, kernelSize: 2, activation: 'relu' }), tfl.layers.conv3d({ filters: 2, kernelSize: 2, activation: 'relu' }), [1, 4, 5, 4, 2]],
    ];
    cases.forEach(([a, b, s], i) => compare(a, b, s, 10 + i));
    // 'causal' (tfjs-layers has no causal conv1d): a valid conv of the input left-padded by
    // dilation * (kernel - 1), as Keras.
    const causal = L.conv1d({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2, kernelInitializer: sg.initializers.randomNormal({ seed: 1 }) });
    const plain = L.conv1d({ filters: 2, kernelSize: 3, dilationRate: 2 });
    const x = sg.tensor(randArray(2 * 7 * 3, 16), [2, 7, 3]);
    const xp = sg.pad(x, [[0, 0], [4, 0], [0, 0]]);
    const yc = causal.apply(x);
    plain.apply(xp).dispose();
    plain.setWeights(causal.weights.map((w) => w.variable));
    expect(yc.shape).toEqual([2, 7, 2]);
    expectClose(take(yc), take(plain.apply(xp)), 1e-6);
    sg.dispose([x, xp]);
    causal.dispose();
    plain.dispose();
  });

  it('conv2dTranspose, depthwiseConv2d, separableConv2d match tfjs-layers', () => {
    const cases: Array<[sg.Layer, tfl.layers.Layer, number[]]> = [
      [L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }), tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }), [2, 3, 4, 2]],
      [L.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: 1, activation: 'relu' }), tfl.layers.conv2dTranspose({ filters: 2, kernelSize: [2, 3], strides: 1, activation: 'relu' }), [1, 4, 4, 3]],
      [L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }), tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }), [2, 5, 6, 3]],
      [L.separableConv2d({ filters: 4, kernelSize: 3 }), tfl.layers.separableConv2d({ filters: 4, kernelSize: 3 }), [2, 6, 6, 3]],
    ];
    cases.forEach(([a, b, s], i) => compare(a, b, s, 20 + i));
  });

  it('conv2dTranspose outputPadding: Keras output sizes, values against tfjs-core conv2dTranspose', () => {
    // [in, kernel, stride, padding, outputPadding, Keras' output size (by its formula)]
    const cases: Array<[number, number, number, 'same' | 'valid', number, number]> = [
      [4, 3, 2, 'same', 0, 7],
      [4, 3, 2, 'same', 1, 8],
      [4, 3, 2, 'valid', 1, 10],
      [3, 3, 3, 'same', 2, 9],
      [5, 4, 2, 'valid', 0, 12],
    ];
    cases.forEach(([n, k, st, pad, op, want], i) => {
      const layer = L.conv2dTranspose({ filters: 2, kernelSize: k, strides: st, padding: pad, outputPadding: [op, 0], useBias: false });
      const xv = randArray(n * n * 3, 60 + i);
      const x = sg.tensor(xv, [1, n, n, 3]);
      const y = layer.apply(x) as sg.Tensor;
      // The width's outputPadding is 0, which is not "none": the same formula with 0.
      const wOut = (n - 1) * st + k - 2 * (pad === 'same' ? Math.floor(k / 2) : 0);
      expect(y.shape).toEqual([1, want, wOut, 2]);
      expect(layer.computeOutputShape([null, n, n, 3])).toEqual([null, want, wOut, 2]);
      const [kt] = layer.getWeights();
      const kv = take(kt);
      const ref = tf.conv2dTranspose(tf.tensor4d(xv, [1, n, n, 3]), tf.tensor4d(kv, [k, k, 2, 3]), [1, want, wOut, 2], st, pad);
      expectClose(take(y), ref.dataSync(), 1e-4, 1e-5);
      expect(layer.getConfig().outputPadding).toEqual([op, 0]);
      tf.dispose(ref);
      sg.dispose([x, y]);
      layer.dispose();
    });
    expect(() => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 })).toThrow(
      /Conv2DTranspose: outputPadding \[2,2\] must be smaller than the strides \[2,2\]/,
    );
    expect(() => L.conv2dTranspose({ filters: 2, kernelSize: 3, outputPadding: -1 })).toThrow(/Conv2DTranspose: 'outputPadding' must be a non-negative integer/);
  });

  it('pooling and global pooling layers match tfjs-layers', () => {
    const cases: Array<[sg.Layer, tfl.layers.Layer, number[]]> = [
      [L.maxPooling1d({ poolSize: 2 }), tfl.layers.maxPooling1d({ poolSize: 2 }), [2, 9, 3]],
      [L.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }), tfl.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }), [2, 9, 3]],
      [L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), [2, 7, 8, 3]],
      [L.averagePooling2d({ poolSize: 2 }), tfl.layers.averagePooling2d({ poolSize: 2 }), [2, 7, 8, 3]],
      [L.maxPooling3d({ poolSize: 2 }), tfl.layers.maxPooling3d({ poolSize: 2 }), [1, 4, 5, 4, 2]],
      [L.averagePooling3d({ poolSize: 2 }), tfl.layers.averagePooling3d({ poolSize: 2 }), [1, 4, 5, 4, 2]],
      [L.globalMaxPooling1d(), tfl.layers.globalMaxPooling1d({}), [2, 5, 3]],
      [L.globalAveragePooling1d(), tfl.layers.globalAveragePooling1d({}), [2, 5, 3]],
      [L.globalMaxPooling2d(), tfl.layers.globalMaxPooling2d({}), [2, 4, 5, 3]],
      [L.globalAveragePooling2d(), tfl.layers.globalAveragePooling2d({}), [2, 4, 5, 3]],
    ];
    cases.forEach(([a, b, s], i) => compare(a, b, s, 30 + i));
  });

  it('upSampling2d (nearest, bilinear), zeroPadding2d, cropping2D match tfjs-layers; 1-d versions by hand', () => {
    const cases: Array<[sg.Layer, tfl.layers.Layer, number[]]> = [
      [L.upSampling2d({ size: [2, 3] }), tfl.layers.upSampling2d({ size: [2, 3] }), [2, 3, 4, 2]],
      [L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), [1, 3, 4, 2]],
      [L.zeroPadding2d({ padding: [[1, 0], [2, 1]] }), tfl.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]] }), [2, 3, 4, 2]],
      [L.cropping2d({ cropping: [[1, 0], [2, 1]] }), tfl.layers.cropping2D({ cropping: [[1, 0], [2, 1]] }), [2, 4, 5, 2]],
    ];
    cases.forEach(([a, b, s], i) => compare(a, b, s, 40 + i));
    const x = sg.tensor([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    expect(take(L.upSampling1d({ size: 2 }).apply(x))).toEqual([1, 2, 1, 2, 3, 4, 3, 4, 5, 6, 5, 6]);
    const z = L.zeroPadding1d({ padding: [1, 2] }).apply(x);
    expect(z.shape).toEqual([1, 6, 2]);
    expect(take(z)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0]);
    x.dispose();
  });

  it('layerNormalization, leakyReLU, pReLU match tfjs-layers', () => {
    const cases: Array<[sg.Layer, tfl.layers.Layer, number[]]> = [
      [L.layerNormalization(), tfl.layers.layerNormalization(), [3, 4, 5]],
      [L.leakyReLU({ alpha: 0.1 }), tfl.layers.leakyReLU({ alpha: 0.1 }), [3, 7]],
      [L.leakyReLU(), tfl.layers.leakyReLU(), [3, 7]],
      [L.pReLU({ sharedAxes: [1, 2] }), tfl.layers.prelu({ sharedAxes: [1, 2] }), [2, 3, 4, 5]],
    ];
    cases.forEach(([a, b, s], i) => compare(a, b, s, 50 + i, {}, 1e-4));
  });

  it('batchNormalization: inference and training outputs match tfjs-layers (axis -1 and channelsFirst axis 1)', () => {
    compare(L.batchNormalization(), tfl.layers.batchNormalization(), [4, 3, 5], 60);
    compare(L.batchNormalization({ epsilon: 0.01 }), tfl.layers.batchNormalization({ epsilon: 0.01 }), [4, 3, 2, 2], 61);
    compare(L.batchNormalization(), tfl.layers.batchNormalization(), [6, 5], 62, { training: true }, 1e-4);
    compare(L.batchNormalization(), tfl.layers.batchNormalization(), [3, 2, 2, 4], 63, { training: true }, 1e-4);
    // axis 1 (channels first) equals axis -1 on the transposed input. Not against tfjs-layers:
    // its inference path with a non-last axis (4.22, cpu) disagrees with the formula by hand.
    for (const training of [false, true]) {
      const a = L.batchNormalization({ axis: 1 });
      const b = L.batchNormalization();
      const x = sg.tensor(randArray(4 * 3 * 2 * 2, 64), [4, 3, 2, 2]);
      const xt = sg.transpose(x, [0, 2, 3, 1]);
      a.apply(x).dispose();
      b.apply(xt).dispose();
      const ws = a.weights.map((w, i) => sg.tensor(randArray(3, 65 + i, i === 3 ? 0.5 : -1, i === 3 ? 2 : 1)));
      a.setWeights(ws);
      b.setWeights(ws);
      const ya = a.apply(x, { training });
      const yb = sg.tidy(() => sg.transpose(b.apply(xt, { training }), [0, 3, 1, 2]));
      expectClose(take(ya), take(yb), 1e-5, 1e-6);
      expectClose(Array.from(a.weights[3].variable.dataSync()), Array.from(b.weights[3].variable.dataSync()), 1e-6);
      sg.dispose([x, xt, ...ws]);
      a.dispose();
      b.dispose();
    }
  });

  it('batchNormalization: moving statistics after a training step match by hand; frozen at inference', () => {
    const bn = L.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
    const x = sg.tensor([1, 10, 3, 20, 5, 60, 7, 30], [4, 2]); // feature 0: 1,3,5,7  feature 1: 10,20,60,30
    bn.apply(x).dispose();
    expect(bn.weights.map((w) => w.name)).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(bn.trainableWeights.length).toBe(2);
    const y = take(bn.apply(x, { training: true }));
    const mean = [4, 30];
    const variance = [5, 350]; // biased: (9 + 1 + 1 + 9) / 4 and (400 + 100 + 900 + 0) / 4
    expectClose(y.filter((_, i) => i % 2 === 0), [1, 3, 5, 7].map((v) => (v - 4) / Math.sqrt(5 + 1e-3)), 1e-5);
    const [mm, mv] = [bn.weights[2].variable, bn.weights[3].variable].map((v) => Array.from(v.dataSync()));
    expectClose(mm, mean.map((m) => 0 * 0.9 + m * 0.1), 1e-6);
    expectClose(mv, variance.map((v) => 1 * 0.9 + v * 0.1), 1e-6);
    // Inference uses (and does not move) the moving statistics.
    const yi = take(bn.apply(x));
    expectClose(yi.slice(0, 2), [0, 1].map((j) => (x.dataSync()[j] - mm[j]) / Math.sqrt(mv[j] + 1e-3)), 1e-5);
    expectClose(Array.from(bn.weights[2].variable.dataSync()), mm, 0);
    // Gradients through the batch statistics.
    const xs = sg.tidy(() => sg.div(x, 10));
    gradCheck((t) => bn.apply(t, { training: true }), [xs], { atol: 5e-3 });
    sg.dispose([x, xs]);
    bn.dispose();
  });

  it('spatialDropout1d/2d drop whole channels in training; identity at inference', () => {
    for (const [layer, shape] of [
      [L.spatialDropout1d({ rate: 0.5, seed: 1 }), [4, 6, 8]],
      [L.spatialDropout2d({ rate: 0.5, seed: 2 }), [4, 3, 3, 8]],
    ] as [sg.Layer, number[]][]) {
      const x = sg.ones(shape);
      expect(take(layer.apply(x)).every((v) => v === 1)).toBe(true);
      const y = take(layer.apply(x, { training: true }));
      const C = shape[shape.length - 1];
      const per = size(shape.slice(1, -1));
      for (let n = 0; n < shape[0]; n++) {
        for (let c = 0; c < C; c++) {
          const vals = new Set(Array.from({ length: per }, (_, p) => y[(n * per + p) * C + c]));
          expect(vals.size).toBe(1);
          expect([0, 2]).toContain([...vals][0]);
        }
      }
      x.dispose();
    }
  });

  it('gradients flow through conv, pooling and batch-norm layers', () => {
    const conv = L.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', kernelInitializer: sg.initializers.randomNormal({ seed: 3 }), biasInitializer: 'ones' });
    const pool = L.averagePooling2d({ poolSize: 2, padding: 'same' });
    const x = sg.tensor(randArray(2 * 4 * 5 * 2, 70), [2, 4, 5, 2]);
    conv.apply(x).dispose();
    gradCheck((t) => pool.apply(conv.apply(t)), [x]);
    const k = conv.weights[0].variable.clone();
    gradCheck((w) => pool.apply(conv2d(x, w, 1, 'valid')), [k]);
    k.dispose();
    x.dispose();
    conv.dispose();
  });

  it('bad input throws naming the layer and the shapes', () => {
    expect(() => L.conv2d({ filters: 0, kernelSize: 3 })).toThrow("Conv2D: 'filters' must be a positive integer but is 0");
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(
      'Conv2D: strides > 1 are not supported together with dilationRate > 1 (strides [2,2], dilationRate [2,2])',
    );
    expect(() => L.conv2d({ filters: 2, kernelSize: [3, 0] })).toThrow("Conv2D: 'kernelSize' must be a positive integer or 2 positive integers but is [3,0]");
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'causal' })).toThrow("Conv2D: padding must be 'valid' or 'same' but is 'causal'");
    const c = L.conv2d({ filters: 2, kernelSize: 5, name: 'c5' });
    const small = sg.zeros([1, 3, 3, 1]);
    expect(() => c.apply(small)).toThrow(/c5: the window \(size 5\) is larger than the padded input \(3 \+ padding = 3\).*input shape \[1,3,3,1\]/);
    const sym = sg.layers.input({ shape: [4, 4, 3] });
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, name: 'r3' }).apply(sg.layers.input({ shape: [4, 3] }))).toThrow(
      'r3: expected an input of rank 4 ([batch, ...2 spatial, channels]) but got shape [null,4,3]',
    );
    const built = L.conv2d({ filters: 2, kernelSize: 3, name: 'ch' });
    built.apply(sym);
    const wrong = sg.zeros([1, 4, 4, 2]);
    expect(() => built.apply(wrong)).toThrow('ch: the layer was built for 3 input channels but got shape [1,4,4,2]');
    expect(() => L.maxPooling2d({ poolSize: 4, name: 'p4' }).apply(small)).toThrow(/p4: the window \(size 4\) is larger than the padded input/);
    expect(() => L.batchNormalization({ axis: 3, name: 'bn3' }).apply(sg.layers.input({ shape: [4] }))).toThrow(/bn3: axis 3 is out of range for an input of shape \[null,4\]/);
    sg.dispose([small, wrong]);
    built.dispose();
  });
});
