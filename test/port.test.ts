// Porting from TensorFlow.js: five small programs written as tfjs programs (chaining, rank-specific
// creators, a custom training loop with optimizer.minimize, image ops, data-dependent ops) run
// unchanged on tfjs-core and on simdgrad; each program receives the library as `tf`, which is
// all that changes when a program is ported (the import). Their results must agree.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as sg from '../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** 1. Tensor chaining, as tfjs code writes it. */
function chaining(tf: TF): number[] {
  return tf.tidy(() => {
    const x = tf.tensor2d([
      [1, -2, 3],
      [4, 5, -6],
    ]);
    const a = x.abs().sqrt().mul(tf.scalar(2)).sum(1).expandDims(1);
    const b = x.transpose().matMul(x).div(10).relu().mean(0, true).reshape([3, 1]);
    const c = x.maximum(0).add(1).log().max(1, true).sub(a.sigmoid()).tanh();
    const d = x.asType('float32').square().cumsum(1).reverse(1).slice([0, 1], [2, 2]).flatten();
    const e = x.clipByValue(-1, 4).pow(2).neg().exp().argMax(1).toFloat();
    const f = x
      .reshape([3, 2])
      .concat(tf.ones([3, 2]), 1)
      .stack(tf.zeros([3, 4]))
      .sum([0, 2]);
    const g = x.norm().mul(x.logSumExp(1).mean()).asScalar().as1D();
    return [a, b, c, d, e, f, g].flatMap((t) => Array.from(t.dataSync() as ArrayLike<number>));
  });
}

/** 2. Rank-specific creators, buffers and shape helpers. */
function creators(tf: TF): number[] {
  const buf = tf.buffer([2, 3], 'float32');
  buf.set(7, 1, 2);
  buf.set(-1, 0, 0);
  const out = tf.tidy(() => {
    const t3 = tf.tensor3d([
      [[1], [2]],
      [[3], [4]],
    ]);
    const t4 = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const t5 = tf.tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]);
    const t6 = tf.tensor6d([1, 2], [1, 1, 1, 1, 1, 2]);
    const parts = [
      t3.sum(),
      t4.mean([1, 2]),
      t5.max(),
      t6.reshape([2]),
      tf.linspace(0, 1, 5),
      buf.toTensor().reshape([6]),
      tf
        .oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3)
        .toFloat()
        .reshape([9]),
      tf.concat2d([tf.ones([1, 2]), tf.zeros([1, 2])], 0).reshape([4]),
      tf.slice1d(tf.tensor1d([5, 6, 7, 8]), 1, 2),
      tf
        .pad2d(tf.ones([1, 1]), [
          [1, 0],
          [0, 1],
        ])
        .reshape([4]),
      tf.range(0, 6, 2),
      tf.eye(2, 3).reshape([6]),
      tf.fill([2], 3.5),
      tf.onesLike([1, 2, 3]),
    ];
    return parts.flatMap((t: TF) => Array.from(t.dataSync() as ArrayLike<number>));
  });
  return out;
}

/** 3. tfjs-examples polynomial-regression-core: variables, optimizer.minimize, tf.losses. */
function training(tf: TF): number[] {
  const [a, b, c, d] = tf.tidy(() => [0.1, -0.2, 0.3, 0.05].map((v) => tf.variable(tf.scalar(v))));
  const xs = tf.linspace(-1, 1, 40);
  const ys = tf.tidy(() => xs.pow(3).mul(0.6).add(xs.square().mul(-0.2)).add(xs.mul(0.3)).add(0.1));
  const predict = (x: TF) =>
    tf.tidy(() =>
      a
        .mul(x.pow(tf.scalar(3, 'int32')))
        .add(b.mul(x.square()))
        .add(c.mul(x))
        .add(d),
    );
  const optimizer = tf.train.sgd(0.5);
  const costs: number[] = [];
  for (let i = 0; i < 75; i++) {
    const cost = optimizer.minimize(() => tf.losses.meanSquaredError(ys, predict(xs)), true);
    if (i % 25 === 0) costs.push(cost.dataSync()[0]);
    cost.dispose();
  }
  const out = [a, b, c, d].map((v) => v.dataSync()[0]);
  tf.dispose([a, b, c, d, xs, ys]);
  optimizer.dispose();
  return [...out, ...costs];
}

/** 4. Image ops on a small batch. */
function imageOps(tf: TF): number[] {
  return tf.tidy(() => {
    const img = tf.linspace(0, 1, 2 * 6 * 8 * 3).reshape([2, 6, 8, 3]);
    const resized = tf.image.resizeBilinear(img, [4, 5]);
    const nearest = tf.image.resizeNearestNeighbor(img, [3, 3], true);
    const flipped = tf.image.flipLeftRight(img);
    const crops = tf.image.cropAndResize(
      img,
      tf.tensor2d([
        [0, 0, 0.5, 0.5],
        [0.25, 0.1, 1, 0.9],
      ]),
      tf.tensor1d([1, 0], 'int32'),
      [3, 3],
    );
    const kernel = tf.ones([3, 3, 3, 2]).div(27);
    const conv = tf.conv2d(flipped, kernel, 1, 'same').maxPool(2, 2, 'valid').avgPool([1, 2], 1, 'valid');
    const gray = tf.image.rgbToGrayscale(resized);
    const boxes = tf.tensor2d([
      [0, 0, 1, 1],
      [0, 0.1, 1, 1.1],
      [0, 2, 1, 3],
      [0.5, 0.5, 0.9, 0.9],
    ]);
    const nms = tf.image.nonMaxSuppression(boxes, tf.tensor1d([0.9, 0.8, 0.7, 0.95]), 3, 0.5).toFloat();
    return [resized, nearest, crops, conv, gray, nms].flatMap((t: TF) => Array.from(t.dataSync() as ArrayLike<number>));
  });
}

/** 5. tf.grads, tf.variableGrads, topk, data-dependent ops, softmax classifier with adam. */
async function dataOps(tf: TF): Promise<number[]> {
  const x = tf.tensor2d([
    [0.5, -1, 2],
    [1.5, 0.2, -0.3],
    [-0.7, 0.8, 0.1],
    [0.3, 0.3, 0.3],
  ]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([2, 0, 1, 2], 'int32'), 3).toFloat());
  const w = tf.tidy(() =>
    tf.variable(
      tf.tensor2d([
        [0.1, -0.2, 0.3],
        [0.0, 0.1, -0.1],
        [0.2, 0.2, 0.0],
      ]),
      true,
      'port_w',
    ),
  );
  const opt = tf.train.adam(0.05);
  for (let i = 0; i < 20; i++) opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, x.matMul(w)));
  const [gx] = tf.grads((t: TF) => t.square().sum())([x]);
  const { values, indices } = tf.topk(x, 2);
  const keep = tf.tensor1d([true, false, true, false], 'bool');
  const big = x.greater(0.4);
  const mask = await tf.booleanMaskAsync(x, keep);
  const where = await tf.whereAsync(big);
  tf.dispose([keep, big]);
  const res = [w, gx, values, indices.toFloat(), mask, where.toFloat()];
  const out = res.flatMap((t: TF) => Array.from(t.dataSync() as ArrayLike<number>));
  tf.dispose([x, labels, w, gx, values, indices, mask, where]);
  tf.dispose(res.filter((t) => !t.isDisposed));
  opt.dispose();
  return out;
}

beforeAll(async () => {
  await tfjs.setBackend('cpu');
});

describe.each(BACKENDS)('tfjs programs ported to simdgrad (%s)', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('1: Tensor chaining', () => {
    expectClose(chaining(sg), chaining(tfjs), 1e-5, 1e-5);
  });

  it('2: rank-specific creators and buffers', () => {
    expectClose(creators(sg), creators(tfjs), 1e-6, 1e-6);
  });

  it('3: a custom training loop with optimizer.minimize and tf.losses', () => {
    const ours = training(sg);
    const theirs = training(tfjs);
    expectClose(ours, theirs, 1e-4, 1e-5);
    expect(ours[ours.length - 1]).toBeLessThan(ours[4]); // the cost fell
  });

  it('4: image ops', () => {
    expectClose(imageOps(sg), imageOps(tfjs), 1e-5, 1e-5);
  });

  it('5: grads, topk, async selections, adam', async () => {
    expectClose(await dataOps(sg), await dataOps(tfjs), 1e-4, 1e-5);
  });
});

describe('what tfjs programs see of simdgrad', () => {
  it("setBackend('cpu') selects the plain-JavaScript backend; console.log shows the values", async () => {
    const prev = sg.getBackend();
    await sg.setBackend('cpu');
    expect(sg.getBackend()).toBe('js');
    await sg.setBackend(prev);
    const t = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const { inspect } = await import('node:util');
    expect(inspect(t)).toBe('Tensor float32 [2,2] [[1,2],[3,4]]');
    t.dispose();
  });
});
