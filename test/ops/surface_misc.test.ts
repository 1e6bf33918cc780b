// The rest of the tfjs-core surface added for issue 13: maxPoolWithArgmax, TensorBuffer, util,
// env, nextFrame, disposeVariables, dropout, multinomial, the async selections, chaining methods
// (typed), int32/bool inputs, and clear errors for bad input (naming op and argument, no leaks).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray, take } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('tfjs-core helpers on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('maxPoolWithArgmax: values and indexes as tfjs', () => {
    const v = randArray(2 * 5 * 4 * 3, 3);
    for (const include of [false, true]) {
      const x = sg.tensor(v, [2, 5, 4, 3]);
      const { result, indexes } = sg.maxPoolWithArgmax(x, 2, [2, 1], 'same', include);
      const ref = tf.tidy(() => {
        const r = tf.maxPoolWithArgmax(tf.tensor(v, [2, 5, 4, 3]) as tf.Tensor4D, 2, [2, 1], 'same', include);
        return { r: Array.from(r.result.dataSync()), i: Array.from(r.indexes.dataSync()), s: r.indexes.shape };
      });
      expect(indexes.shape).toEqual(ref.s);
      expect(indexes.dtype).toBe('int32');
      expectClose(take(result), ref.r);
      expect(take(indexes)).toEqual(ref.i);
      x.dispose();
    }
  });

  it('TensorBuffer: set/get/toTensor, and x.bufferSync() / await x.buffer()', async () => {
    const b = sg.buffer([2, 3], 'int32');
    b.set(4, 1, 2);
    expect(b.get(1, 2)).toBe(4);
    expect(b.indexToLoc(5)).toEqual([1, 2]);
    expect(take(b.toTensor())).toEqual([0, 0, 0, 0, 0, 4]);
    expect(() => b.set(1, 2, 0)).toThrow(/TensorBuffer: location \[2,0\] is out of range for shape \[2,3\]/);
    const x = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.bufferSync().get(1, 0)).toBe(3);
    expect((await x.buffer()).get(0, 1)).toBe(2);
    x.dispose();
  });

  it('util, env, nextFrame, backend', async () => {
    expect(sg.util.sizeFromShape([2, 3, 4])).toBe(24);
    expect(sg.util.computeStrides([2, 3, 4])).toEqual([12, 4]);
    const a = [1, 2, 3, 4, 5];
    sg.util.shuffle(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(sg.util.flatten([[1, [2]], [3]])).toEqual([1, 2, 3]);
    expect(Array.from(sg.util.createShuffledIndices(4)).sort()).toEqual([0, 1, 2, 3]);
    sg.env().set('PROD', true);
    expect(sg.env().getBool('PROD')).toBe(true);
    expect(sg.env().get('IS_NODE')).toBe(true);
    await sg.nextFrame();
    expect(sg.backend().name).toBe(backend);
  });

  it('disposeVariables frees every variable', () => {
    const v = sg.tidy(() => sg.variable(sg.ones([2]), true, 'dv_test'));
    expect(v.isDisposed).toBe(false);
    sg.disposeVariables();
    expect(v.isDisposed).toBe(true);
  });

  it('dropout: keeps about 1 - rate, scales by 1 / (1 - rate), seeded', () => {
    const x = sg.ones([4000]);
    const v = take(sg.dropout(x, 0.25, undefined, 5));
    const kept = v.filter((e) => e !== 0);
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(0.03);
    expectClose(kept.slice(0, 3), [4 / 3, 4 / 3, 4 / 3]);
    expect(take(sg.dropout(x, 0.25, undefined, 5))).toEqual(v);
    expect(() => sg.dropout(x, 1)).toThrow(/dropout: rate must be in \[0, 1\)/);
    x.dispose();
  });

  it('multinomial: frequencies follow the probabilities', () => {
    const logits = sg.tidy(() => sg.log(sg.tensor([[0.2, 0.5, 0.3]])));
    const s = take(sg.multinomial(logits, 6000, 9));
    logits.dispose();
    const freq = [0, 1, 2].map((k) => s.filter((v) => v === k).length / 6000);
    expectClose(freq, [0.2, 0.5, 0.3], 0, 0.03);
  });

  it('async selections as tfjs', async () => {
    const [d, i] = await sg.setdiff1dAsync([7, 1, 5, 1, 9], [1, 9]);
    expect([take(d), take(i)]).toEqual([
      [7, 5],
      [0, 2],
    ]);
    const m = await sg.booleanMaskAsync(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [true, false, true],
    );
    expect(m.shape).toEqual([2, 2]);
    expect(take(m)).toEqual([1, 2, 5, 6]);
    const w = await sg.whereAsync([
      [true, false],
      [false, true],
    ]);
    expect(w.shape).toEqual([2, 2]);
    expect(take(w)).toEqual([0, 0, 1, 1]);
  });

  it('chaining methods are typed and installed from one table', () => {
    const x = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const y: sg.Tensor = sg.tidy(() => x.reshape([4]).toInt().toFloat().square().sum().asScalar());
    expect(take(y)).toEqual([30]);
    const z = sg.tidy(() => x.where(x.greater(2), -1));
    expect(take(z)).toEqual([-1, -1, 3, 4]);
    const parts = x.split(2, 1);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 1],
    ]);
    sg.dispose(parts);
    for (const name of sg.CHAIN_METHODS)
      expect(typeof (x as unknown as Record<string, unknown>)[name], name).toBe('function');
    x.dispose();
  });

  it('int32 and bool inputs where tfjs allows them', () => {
    const i = sg.tensor([3, -1, 2], undefined, 'int32');
    expect(sg.tidy(() => sg.cumsum(i).dtype)).toBe('int32');
    expect(take(sg.cumsum(i))).toEqual([3, 2, 4]);
    expect(take(sg.reverse(i))).toEqual([2, -1, 3]);
    expect(sg.tidy(() => sg.tan(i).dtype)).toBe('float32');
    expect(sg.tidy(() => sg.mod(i, 2).dtype)).toBe('float32'); // a plain number is float32, as tfjs
    const tk = sg.topk(i, 2);
    expect(take(tk.values)).toEqual([3, 2]);
    tk.indices.dispose();
    const bl = sg.tensor([true, false]);
    expect(take(sg.logicalNot(bl))).toEqual([0, 1]);
    expect(take(sg.argMax(bl))).toEqual([0]);
    sg.dispose([i, bl]);
  });

  it('bad input: clear errors naming op and argument, nothing leaked, the next call works', () => {
    const x = sg.ones([2, 3]);
    const img = sg.ones([1, 3, 3, 1]);
    const f1 = sg.ones([1, 1, 1, 1]);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => sg.split(x, 4, 1), /split: 4 parts do not divide dimension 1 of size 3/],
      [() => sg.split(x, [1, 1], 1), /split: sizes \[1,1\] do not sum to dimension 1 of size 3/],
      [() => sg.cumsum(1), /cumsum: argument 'x' must have rank >= 1/],
      [() => sg.logicalAnd(x, x), /logicalAnd: argument 'a' must be bool but has dtype float32/],
      [() => sg.all(x), /all: argument 'x' must be bool/],
      [() => sg.norm(x, 3, [0, 1]), /norm: ord 3 is not a matrix norm/],
      [() => sg.broadcastTo(x, [3, 3]), /broadcastTo: x \[2,3\] cannot be broadcast to \[3,3\]/],
      [() => sg.stridedSlice(x, [0], [1], [0]), /stridedSlice: strides\[0\] must be a non-zero integer/],
      [
        () =>
          sg.mirrorPad(
            x,
            [
              [2, 0],
              [0, 0],
            ],
            'reflect',
          ),
        /mirrorPad: paddings\[0\] = \[2, 0\] must be integers in \[0, 1\]/,
      ],
      [() => sg.dot(x, x), /dot: inner dimensions of \[2,3\] and \[2,3\] do not match/],
      [() => sg.einsum('i1,jk->ik', x, x), /einsum: operand 0 of 'i1,jk->ik' has a subscript other than letters and '...': 'i1'/],
      [() => sg.einsum('ij,jk->ik', x, x), /einsum: label 'j' is 3 in one operand and 2 in operand 1/],
      [() => sg.gatherND(x, [[2, 0]]), /gatherND: index \[2,0\] is out of bounds for shape \[2,3\]/],
      [() => sg.scatterND([[0]], [1, 2], [2]), /scatterND: updates must have shape \[1\]/],
      [() => sg.depthToSpace([[[[1, 1, 1]]]], 2), /depthToSpace: the depth 3 must be divisible by blockSize\^2 = 4/],
      [() => sg.topk(x, 4), /topk: k \(4\) must be <= the last dimension \(3\)/],
      [() => sg.bincount([1, -1], null, 3), /bincount: values must be >= 0 but found -1/],
      [
        () => sg.image.cropAndResize(img, [[0, 0, 1, 1]], [3], [2, 2]),
        /image.cropAndResize: boxInd 3 is out of range \[0, 1\)/,
      ],
      [
        () => sg.image.nonMaxSuppression([[0, 0, 1, 1]], [0.5, 0.2], 2),
        /image.nonMaxSuppression: scores must have shape \[1\]/,
      ],
      [() => sg.signal.frame(x, 2, 1), /signal.frame: signal must be a vector but has shape \[2,3\]/],
      [() => sg.tensor3d([1, 2]), /tensor3d: expected values of rank 3/],
      [() => sg.linspace(0, 1, 0), /linspace: argument 'num' must be an integer >= 1/],
      [() => sg.linalg.qr([1, 1, 1]), /linalg.qr: x must have rank >= 2/],
      [() => sg.customGrad(1 as never), /customGrad: expected a function/],
      [() => sg.concat2d([[1, 2]] as never), /concat2d: x must have rank 2 but has shape \[2\]/],
      [
        () => sg.fused.conv2d({ x: img, filter: f1, strides: 1, pad: 'same', activation: 'prelu' }),
        /fused.conv2d: activation 'prelu' needs preluActivationWeights/,
      ],
    ];
    for (const [call, re] of cases) {
      const before = sg.memory().numTensors;
      expect(call).toThrow(re);
      expect(sg.memory().numTensors, String(re)).toBe(before);
    }
    expect(take(sg.tidy(() => sg.split(x, 3, 1)[0].sum()))).toEqual([2]);
    sg.dispose([x, img, f1]);
  });
});
