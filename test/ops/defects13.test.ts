// The wrong answers of issue 13 (and the op-level silent acceptances of issue 14 item 8), each
// pinned by a test that failed before its fix; values against tfjs-core's cpu backend or by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take } from '../helpers.js';

const i32 = (v: number[], shape?: number[]) => sg.tensor(v, shape, 'int32');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('issue 13 defects on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('1: the gradient flows through clone()', () => {
    const x = sg.scalar(5);
    expect(take(sg.grad((a) => sg.square(a.clone()))(x))).toEqual([10]);
    expect(take(sg.grad((a) => sg.square(sg.clone(a)))(x))).toEqual([10]);
    x.dispose();
  });

  it('2: the gradient of unsortedSegmentSum with respect to its data', () => {
    const x = rand([4, 3], 1);
    const ids = i32([2, 0, 2, 1]);
    gradCheck((a) => sg.unsortedSegmentSum(a, ids, 3), [x]);
    const dy = sg.tidy(() => sg.reshape(sg.range(0, 9), [3, 3]));
    const g = sg.grad((a) => sg.unsortedSegmentSum(a, ids, 3))(x, dy);
    expect(take(g)).toEqual([6, 7, 8, 0, 1, 2, 6, 7, 8, 3, 4, 5]);
    sg.dispose([x, ids, dy]);
  });

  it('3: avgPool3d (and avgPool) with a numeric pad give 0 where a window covers only padding', () => {
    const x = sg.ones([1, 2, 2, 2, 1]);
    const y = sg.avgPool3d(x, 2, 2, 2);
    const expected = tf.tidy(() => Array.from(tf.avgPool3d(tf.ones([1, 2, 2, 2, 1]), 2, 2, 2).dataSync()));
    expect(take(y)).toEqual(expected);
    const x2 = sg.ones([1, 2, 2, 1]);
    expect(take(sg.avgPool(x2, 2, 2, 2))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    x2.dispose();
    // the gradient stays finite
    const g = sg.grad((a) => sg.avgPool3d(a, 2, 2, 2))(x);
    expect(take(g).every(Number.isFinite)).toBe(true);
    x.dispose();
  });

  it('4: fused.conv2d honours leakyreluAlpha and supports prelu', () => {
    const x = rand([1, 4, 4, 2], 2);
    const f = rand([3, 3, 2, 3], 3);
    const ours = take(
      sg.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'leakyrelu', leakyreluAlpha: 0.5 }),
    );
    const alpha = rand([3], 4);
    const prelu = take(
      sg.fused.conv2d({ x, filter: f, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha }),
    );
    const [ref, refP] = tf.tidy(() => {
      const tx = tf.tensor(x.dataSync(), x.shape as [number, number, number, number]);
      const tfF = tf.tensor(f.dataSync(), f.shape as [number, number, number, number]);
      const ta = tf.tensor(alpha.dataSync(), alpha.shape);
      return [
        Array.from(
          tf.fused
            .conv2d({ x: tx, filter: tfF, strides: 1, pad: 'same', activation: 'leakyrelu', leakyreluAlpha: 0.5 })
            .dataSync(),
        ),
        Array.from(
          tf.fused
            .conv2d({ x: tx, filter: tfF, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: ta })
            .dataSync(),
        ),
      ];
    });
    expectClose(ours, ref, 1e-5, 1e-5);
    expectClose(prelu, refP, 1e-5, 1e-5);
    sg.dispose([x, f, alpha]);
  });

  it('5: gather with batchDims gives tfjs shapes and values (and its gradient)', () => {
    const x = rand([2, 3, 4], 5);
    const idx = i32([0, 2, 1, 1, 3, 0], [2, 3]);
    const y = sg.gather(x, idx, 2, 1);
    const ref = tf.tidy(() => {
      const r = tf.gather(tf.tensor(x.dataSync(), [2, 3, 4]), tf.tensor(idx.dataSync(), [2, 3], 'int32'), 2, 1);
      return { shape: r.shape, v: Array.from(r.dataSync()) };
    });
    expect(y.shape).toEqual(ref.shape);
    expectClose(take(y), ref.v);
    gradCheck((a) => sg.gather(a, idx, 2, 1), [x]);
    expect(() =>
      sg.gather(
        x,
        [
          [0, 4, 1],
          [1, 3, 0],
        ],
        2,
        1,
      ),
    ).toThrow(/gather: .*index 4/);
    expect(() => sg.gather(x, idx, 0, 2)).toThrow(/batchDims/);
    sg.dispose([x, idx]);
  });

  it('6: dtype arguments are validated; eye takes tfjs arguments', () => {
    expect(() => sg.randomNormal([2], 0, 1, null as never)).toThrow(/randomNormal: .*dtype/);
    expect(() => sg.truncatedNormal([2], 0, 1, null as never)).toThrow(/truncatedNormal: .*dtype/);
    expect(() => sg.randomUniform([2], 0, 1, 'x' as never)).toThrow(/randomUniform: .*dtype/);
    expect(() => sg.zeros([2], 'float64' as never)).toThrow(/zeros: .*dtype/);
    const e = sg.eye(3, 3, null as never, 'int32');
    expect(e.dtype).toBe('int32');
    expect(take(e)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const r = sg.eye(2, 3, [2]);
    expect(r.shape).toEqual([2, 2, 3]);
    expect(take(r)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
    expect(() => sg.eye(3, 3, null as never, 3 as never)).toThrow(/eye: .*dtype/);
  });

  it('6b: every dtype argument is validated, naming the op', () => {
    const bad = 'float64' as never;
    const calls: Array<[string, () => unknown]> = [
      ['tensor', () => sg.tensor([1], undefined, bad)],
      ['tensor3d', () => sg.tensor3d([[[1]]], undefined, bad)],
      ['fill', () => sg.fill([1], 1, bad)],
      ['zeros', () => sg.zeros([1], bad)],
      ['ones', () => sg.ones([1], bad)],
      ['range', () => sg.range(0, 2, 1, bad)],
      ['eye', () => sg.eye(2, 2, null, bad)],
      ['randomNormal', () => sg.randomNormal([1], 0, 1, bad)],
      ['randomUniform', () => sg.randomUniform([1], 0, 1, bad)],
      ['truncatedNormal', () => sg.truncatedNormal([1], 0, 1, bad)],
      ['cast', () => sg.cast([1], bad)],
      ['oneHot', () => sg.oneHot([1], 2, 1, 0, bad)],
      ['buffer', () => sg.buffer([1], bad)],
    ];
    for (const [op, call] of calls) expect(call, op).toThrow(new RegExp(`^${op}: .*dtype`));
  });

  it('7: int32 randomNormal/truncatedNormal round instead of truncating', () => {
    const t = sg.truncatedNormal([20000], 5, 1, 'int32', 7);
    const m = take(t).reduce((a, b) => a + b, 0) / 20000;
    expect(Math.abs(m - 5)).toBeLessThan(0.05);
    const n = sg.randomNormal([20000], -3, 2, 'int32', 8);
    expect(Math.abs(take(n).reduce((a, b) => a + b, 0) / 20000 + 3)).toBeLessThan(0.1);
  });

  it('randomGamma: seeded, mean alpha/beta and variance alpha/beta^2 (also for alpha < 1)', () => {
    for (const [alpha, beta] of [
      [2.5, 2],
      [0.5, 1],
    ]) {
      const v = take(sg.randomGamma([40000], alpha, beta, 'float32', 11));
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const varc = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
      expect(Math.abs(m - alpha / beta)).toBeLessThan(0.03 * (alpha / beta) + 0.01);
      expect(Math.abs(varc - alpha / beta ** 2)).toBeLessThan(0.06 * (alpha / beta ** 2) + 0.01);
      expect(v.every((x) => x > 0)).toBe(true);
    }
    expect(take(sg.randomGamma([3], 2, 1, 'float32', 5))).toEqual(take(sg.randomGamma([3], 2, 1, 'float32', 5)));
    expect(() => sg.randomGamma([2], -1)).toThrow(/randomGamma: alpha/);
  });

  it('8: argMax/argMin skip NaNs', () => {
    expect(take(sg.argMax([1, NaN, 3, 2]))).toEqual([2]);
    expect(take(sg.argMin([1, NaN, 0, 2]))).toEqual([2]);
    expect(
      take(
        sg.argMax(
          [
            [NaN, 1],
            [2, NaN],
          ],
          1,
        ),
      ),
    ).toEqual([1, 0]);
    expect(take(sg.argMax([NaN, NaN]))).toEqual([0]);
  });

  it('9: depthwiseConv2d and conv2d accept null dilations', () => {
    const x = sg.ones([1, 3, 3, 1]);
    const f = sg.ones([2, 2, 1, 1]);
    expect(take(sg.depthwiseConv2d(x, f, 1, 'valid', 'NHWC', null as never))).toEqual([4, 4, 4, 4]);
    expect(take(sg.conv2d(x, f, 1, 'valid', 'NHWC', null as never))).toEqual([4, 4, 4, 4]);
    sg.dispose([x, f]);
  });

  it('10: a gradient with respect to an int32 tensor is an error, not zeros', () => {
    const a = sg.tensor([2, 3]);
    const b = i32([2, 3]);
    expect(() => sg.grads((p, q) => sg.pow(p, q))([a, b])).toThrow(/grads: .*int32/);
    expect(() => sg.grad((q) => sg.pow(a, q))(b)).toThrow(/grad: .*int32/);
    sg.dispose([a, b]);
  });

  it('11a: the gradient of prod is exact where the input holds zeros', () => {
    const x = sg.tensor([1, 2, 0, 4]);
    expect(take(sg.grad((a) => sg.prod(a))(x))).toEqual([0, 0, 8, 0]);
    const z = sg.tensor([
      [1, 0, 0],
      [2, 3, 4],
    ]);
    expect(take(sg.grad((a) => sg.prod(a, 1))(z))).toEqual([0, 0, 0, 12, 8, 6]);
    const r = rand([3, 4], 9);
    gradCheck((a) => sg.prod(a, 0), [r]);
    sg.dispose([x, z, r]);
  });

  it('11b: squeeze(x, []) squeezes every unit dimension, as tfjs', () => {
    const x = sg.ones([1, 2, 1]);
    const y = sg.squeeze(x, []);
    expect(y.shape).toEqual([2]);
    sg.dispose([x, y]);
  });

  it('11c: typed arrays give tfjs dtypes', () => {
    const a = sg.tensor(new Uint8Array([1, 2]));
    const b = sg.tensor(new Float64Array([1.5]));
    const c = sg.tensor(new Uint8ClampedArray([3]));
    expect([a.dtype, b.dtype, c.dtype]).toEqual(['int32', 'float32', 'int32']);
    sg.dispose([a, b, c]);
  });

  it('11d: ops given plain arrays leak nothing', () => {
    const before = sg.memory().numTensors;
    take(sg.exp([1, 2]));
    take(sg.add([1, 2], [3, 4]));
    take(sg.greater([1, 2], 1));
    take(sg.cast([1.5, 2], 'int32'));
    take(sg.reshape([1, 2, 3, 4] as never, [2, 2]));
    take(sg.transpose([[1, 2]] as never));
    take(sg.slice([1, 2, 3] as never, [1], [1]));
    take(sg.pad([1, 2] as never, [[1, 1]]));
    take(sg.tile([1, 2] as never, [2]));
    take(sg.matMul([[1, 2]] as never, [[3], [4]] as never));
    take(sg.softmax([1, 2] as never));
    take(sg.expandDims([1, 2] as never));
    take(sg.squeeze([[1, 2]] as never));
    take(sg.concat([[1], [2]] as never));
    sg.dispose(sg.unstack([[1, 2]] as never));
    const m = sg.moments([1, 2, 3]);
    sg.dispose([m.mean, m.variance]);
    take(sg.batchNorm([1, 2], [1, 1], [1, 1]));
    take(sg.onesLike([1, 2] as never));
    take(sg.stack([[1], [2]] as never));
    take(sg.unsortedSegmentSum([1, 2] as never, [0, 0] as never, 1));
    expect(sg.memory().numTensors).toBe(before);
  });

  it('11e: range counts down as tfjs', () => {
    expect(take(sg.range(-2, -8))).toEqual([-2, -3, -4, -5, -6, -7]);
    expect(take(sg.range(-2, -8, -2))).toEqual([-2, -4, -6]);
    expect(take(sg.range(-2, -8, 2))).toEqual([]);
    expect(take(sg.range(0, 3))).toEqual([0, 1, 2]);
  });

  it('12: non-tensor arguments are named in the error', () => {
    const t = sg.scalar(1);
    expect(() => sg.add({} as never, t)).toThrow(
      "Argument 'a' passed to 'add' must be a Tensor or TensorLike, but got 'Object'",
    );
    expect(() => sg.matMul({} as never, t)).toThrow(/Argument 'a' passed to 'matMul'.*'Object'/);
    expect(() => sg.tensor(['a'] as never)).toThrow(/tensor: string tensors are not supported/);
    t.dispose();
  });

  it('issue 14 item 8: silent acceptances are errors naming the op', () => {
    const x = sg.ones([2, 2]);
    expect(() => sg.eye(-1)).toThrow(/eye: .*numRows/);
    expect(() => sg.eye(2.5)).toThrow(/eye: .*numRows/);
    expect(() => sg.mean(x, [0, 0])).toThrow(/mean: .*duplicate/);
    expect(() => sg.sum(x, [1, -1])).toThrow(/sum: .*duplicate/);
    expect(() => sg.gather(x, [0.5])).toThrow(/gather: .*indices.*integer/);
    expect(() => sg.oneHot([0.5], 3)).toThrow(/oneHot: .*indices.*integer/);
    expect(() => sg.zeros([-1])).toThrow(/^zeros: /);
    expect(() => sg.ones([1.5])).toThrow(/^ones: /);
    x.dispose();
  });
});
