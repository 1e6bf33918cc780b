// Every difference docs/guides/tfjs-users.md states, run here: simdgrad's behaviour, and tfjs-core
// 4.22's (cpu backend) or tfjs-layers' where the guide compares the two. If a claim stops being
// true, this fails and the guide must change with the code.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('the tfjs guide on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
  });
  checkNoLeaks();

  it("setBackend('cpu') selects js", async () => {
    await sg.setBackend('cpu');
    expect(sg.getBackend()).toBe('js');
    await sg.setBackend(backend);
    expect(sg.getBackend()).toBe(backend);
  });

  it('evaluate, trainOnBatch and testOnBatch return numbers', () => {
    const m = sg.sequential();
    m.add(sg.layers.dense({ units: 1, inputShape: [2] }));
    m.compile({ loss: 'meanSquaredError', optimizer: 'sgd', metrics: ['mae'] });
    const x = sg.ones([4, 2]);
    const y = sg.ones([4, 1]);
    for (const r of [m.evaluate(x, y, { verbose: 0 }), m.trainOnBatch(x, y), m.testOnBatch(x, y)]) {
      expect(Array.isArray(r)).toBe(true);
      for (const v of r as number[]) expect(typeof v).toBe('number');
    }
    m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    expect(typeof m.evaluate(x, y, { verbose: 0 })).toBe('number');
    sg.dispose([x, y]);
    m.dispose();
  });

  it("layers are named as Keras 2 named them (tfjs: 'dense_Dense1')", () => {
    const m = sg.sequential();
    m.add(sg.layers.dense({ units: 2, inputShape: [2] }));
    m.add(sg.layers.dropout({ rate: 0.1 }));
    const names = m.layers.map((l) => l.name).filter((n) => !n.endsWith('_input'));
    expect(names).toEqual([expect.stringMatching(/^dense_\d+$/), expect.stringMatching(/^dropout_\d+$/)]);
    m.dispose();
    const t = tfl.layers.dense({ units: 2 });
    expect(t.name).toMatch(/^dense_Dense\d+$/);
  });

  it('bool tensors read back as an Int32Array of 0/1 (tfjs: Uint8Array)', () => {
    const t = sg.tensor([true, false, true]);
    expect(t.dtype).toBe('bool');
    const v = t.dataSync();
    expect(v).toBeInstanceOf(Int32Array);
    expect(Array.from(v)).toEqual([1, 0, 1]);
    t.dispose();
    const u = tf.tensor([true, false]);
    expect(u.dataSync()).toBeInstanceOf(Uint8Array);
    u.dispose();
  });

  it('unary math on int32: float32 results; tfjs refuses log/sin/sigmoid/sqrt of an int32 tensor', () => {
    for (const op of ['exp', 'log', 'sin', 'sigmoid', 'sqrt'] as const) {
      const x = sg.tensor([1, 4], undefined, 'int32');
      const y = sg[op](x);
      expect(y.dtype, op).toBe('float32');
      const ref = tf[op](tf.tensor([1, 4], undefined, 'float32'));
      const a = Array.from(y.dataSync());
      const b = Array.from(ref.dataSync());
      a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
      sg.dispose([x, y]);
      ref.dispose();
    }
    expect(tf.exp(tf.tensor([1], undefined, 'int32')).dtype).toBe('float32');
    for (const op of ['log', 'sin', 'sigmoid', 'sqrt'] as const) {
      expect(() => tf[op](tf.tensor([1], undefined, 'int32')), op).toThrow(/must be float32 tensor/);
    }
    for (const op of ['abs', 'neg', 'square', 'relu'] as const) {
      const x = sg.tensor([-2, 3], undefined, 'int32');
      const y = sg[op](x);
      expect(y.dtype, op).toBe('int32');
      expect(tf[op](tf.tensor([-2, 3], undefined, 'int32')).dtype, op).toBe('int32');
      sg.dispose([x, y]);
    }
  });

  it("elu takes Keras' alpha", () => {
    const y = sg.elu([-1, 2], 2);
    const v = y.dataSync();
    expect(v[0]).toBeCloseTo(2 * (Math.exp(-1) - 1), 6);
    expect(v[1]).toBe(2);
    y.dispose();
  });

  it('argMax/argMin skip NaN (tfjs returns 0 when the NaN is at index 0)', () => {
    const a = sg.argMax([NaN, 1, 3, 2]);
    const b = sg.argMin([NaN, 1, 3, 0.5]);
    expect(a.dataSync()[0]).toBe(2);
    expect(b.dataSync()[0]).toBe(3);
    sg.dispose([a, b]);
    expect(tf.argMax(tf.tensor([NaN, 1, 3, 2])).dataSync()[0]).toBe(0);
  });

  it('an average-pool window over padding only gives 0 (tfjs cpu: NaN)', () => {
    const x = sg.ones([1, 1, 1, 1]);
    const y = sg.avgPool(x, 2, 2, 2);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 1]);
    sg.dispose([x, y]);
    const t = tf.avgPool(tf.ones([1, 1, 1, 1]) as tf.Tensor4D, 2, 2, 2).dataSync();
    expect(Number.isNaN(t[0])).toBe(true);
    expect(t[3]).toBe(1);
  });

  it('a gradient with respect to an int32 tensor is an error that says so', () => {
    const x = sg.tensor([1, 2], undefined, 'int32');
    expect(() => sg.grad((v: sg.Tensor) => sg.sum(v))(x)).toThrow(/float32/);
    x.dispose();
  });

  it("mirrorPad's gradient includes the mirrored copies (tfjs's leaves them out)", () => {
    const x = sg.tensor([1, 2, 3]);
    const g = sg.grad((v: sg.Tensor) => sg.sum(sg.mirrorPad(v, [[1, 1]], 'reflect')))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 3, 1]);
    sg.dispose([x, g]);
    const tg = tf.grad((v: tf.Tensor) => tf.sum(tf.mirrorPad(v, [[1, 1]], 'reflect')))(tf.tensor([1, 2, 3]));
    expect(Array.from(tg.dataSync())).not.toEqual([1, 3, 1]);
  });

  it('topk returns sorted values even with sorted = false', () => {
    const { values, indices } = sg.topk([1, 5, 2, 4], 3, false);
    expect(Array.from(values.dataSync())).toEqual([5, 4, 2]);
    expect(Array.from(indices.dataSync())).toEqual([1, 3, 2]);
    sg.dispose([values, indices]);
  });

  it('range(5, 0) counts down as tfjs; arange(5, 0) is empty as numpy', () => {
    const r = sg.range(5, 0);
    const a = sg.arange(5, 0);
    expect(Array.from(r.dataSync())).toEqual(Array.from(tf.range(5, 0).dataSync()));
    expect(Array.from(r.dataSync())).toEqual([5, 4, 3, 2, 1]);
    expect(a.size).toBe(0);
    sg.dispose([r, a]);
  });

  it("losses.meanSquaredError is tfjs's scalar; losses.keras.meanSquaredError is per sample", () => {
    const yt = sg.tensor([[1, 2], [3, 4]]);
    const yp = sg.tensor([[1, 4], [3, 3]]);
    const s = sg.losses.meanSquaredError(yt, yp);
    const k = sg.losses.keras.meanSquaredError(yt, yp);
    const ref = tf.losses.meanSquaredError(tf.tensor([[1, 2], [3, 4]]), tf.tensor([[1, 4], [3, 3]]));
    expect(s.shape).toEqual([]);
    expect(s.dataSync()[0]).toBeCloseTo(ref.dataSync()[0], 6);
    expect(k.shape).toEqual([2]);
    expect(Array.from(k.dataSync())).toEqual([2, 0.5]);
    sg.dispose([yt, yp, s, k]);
  });

  it("a non-tensor argument keeps tfjs's message", () => {
    const msg = "Argument 'a' passed to 'add' must be a Tensor or TensorLike, but got 'Object'";
    expect(() => sg.add({} as unknown as number, 1)).toThrow(msg);
    expect(() => tf.add({} as unknown as number, 1)).toThrow(msg);
  });

  it('fitDataset takes an iterator() object or an iterable of { xs, ys } batches; tf.data is left out', async () => {
    expect((sg as Record<string, unknown>).data).toBeUndefined();
    const m = sg.sequential();
    m.add(sg.layers.dense({ units: 1, inputShape: [2] }));
    m.compile({ loss: 'meanSquaredError', optimizer: 'sgd' });
    const batches = () => [0, 1].map(() => ({ xs: sg.ones([4, 2]), ys: sg.zeros([4, 1]) }));
    const list = batches();
    const h1 = await m.fitDataset(list, { epochs: 1, verbose: 0 });
    const arr = batches();
    let i = 0;
    const dsLike = { iterator: () => ({ next: async () => (i < arr.length ? { value: arr[i++], done: false } : { value: undefined, done: true }) }) };
    const h2 = await m.fitDataset(dsLike, { epochs: 1, verbose: 0 });
    expect(h1.history.loss).toHaveLength(1);
    expect(h2.history.loss).toHaveLength(1);
    expect(h2.history.loss[0]).toBeLessThan(h1.history.loss[0] + 1e-6);
    sg.dispose([...list.flatMap((b) => [b.xs, b.ys]), ...arr.flatMap((b) => [b.xs, b.ys])]);
    m.dispose();
  });

  it('complex tensors: read back as tfjs; other ops refuse them; irfft keeps the leading dimensions; gradients flow', () => {
    const z = sg.complex([1, 2, 3, 4], [0, 1, 0, -1]);
    const t = tf.complex([1, 2, 3, 4], [0, 1, 0, -1]);
    expect(Array.from(z.dataSync())).toEqual(Array.from(t.dataSync()));
    expect(() => sg.exp(z)).toThrow(/^exp: .*complex64/);
    const y = sg.irfft(z);
    const ty = tf.spectral.irfft(t);
    expect([y.shape, ty.shape]).toEqual([[6], [1, 6]]);
    expect(Array.from(y.dataSync()).map((v) => +v.toFixed(5))).toEqual(Array.from(ty.dataSync()).map((v) => +v.toFixed(5)));
    const one = sg.tensor([1, 2]);
    const g = sg.grad((x: sg.Tensor) => sg.sum(sg.abs(sg.complex(x, x))))(one);
    expect(Array.from(g.dataSync()).map((v) => +v.toFixed(5))).toEqual([1.41421, 1.41421]);
    expect(() => tf.grad((x: tf.Tensor) => tf.sum(tf.abs(tf.complex(x, x))))(tf.tensor([1, 2]))).toThrow();
    sg.dispose([z, y, one, g]);
    tf.dispose([t, ty]);
  });

  it('left out: string tensors; softmax off the last axis, as tfjs', () => {
    expect(() => sg.tensor(['a'] as unknown as number[])).toThrow(/string/);
    const x = sg.tensor([[1, 2], [3, 4]]);
    expect(() => sg.softmax(x, 0)).toThrow(/last/);
    expect(() => tf.softmax(tf.tensor([[1, 2], [3, 4]]), 0)).toThrow(/non-last/);
    x.dispose();
  });
});
