// The engine: creation, reading, scopes, memory accounting, variables, the gradient API,
// backend switching and errors.
import { describe, expect, it, vi } from 'vitest';
import * as sg from '../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, take } from './helpers.js';
import { Rng } from '../src/engine/random.js';

describe('engine', () => {
  checkNoLeaks();

  it('the default backend is wasm; js is registered too', () => {
    expect(sg.getBackend()).toBe('wasm');
    expect(BACKENDS).toEqual(['js', 'wasm']);
  });

  it('tensor from nested arrays, typed arrays and shapes; scalar; dtypes', async () => {
    const t = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(4);
    expect(t.dtype).toBe('float32');
    expect(t.dataSync()).toBeInstanceOf(Float32Array);
    expect(await t.data()).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(await t.array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    t.dispose();
    const i = sg.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(i.dtype).toBe('int32');
    expect(i.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    i.dispose();
    const s = sg.scalar(3.5);
    expect(s.shape).toEqual([]);
    expect(s.arraySync()).toBe(3.5);
    s.dispose();
    const b = sg.tensor([true, false]);
    expect(b.dtype).toBe('bool');
    expect(b.arraySync()).toEqual([true, false]);
    b.dispose();
    const filled = sg.tensor(7, [2]);
    expect(take(filled)).toEqual([7, 7]);
  });

  it('creation: zeros, ones, fill, range/arange, eye, zerosLike', () => {
    expect(take(sg.zeros([2]))).toEqual([0, 0]);
    expect(take(sg.ones([1, 2]))).toEqual([1, 1]);
    expect(take(sg.fill([3], -2.5))).toEqual([-2.5, -2.5, -2.5]);
    expect(take(sg.range(0, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(take(sg.range(5, 0, -2))).toEqual([5, 3, 1]);
    expect(take(sg.arange(3))).toEqual([0, 1, 2]);
    expect(take(sg.arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75]);
    expect(take(sg.eye(2))).toEqual([1, 0, 0, 1]);
    const i = sg.range(0, 3, 1, 'int32');
    const z = sg.zerosLike(i);
    expect(z.dtype).toBe('int32');
    z.dispose();
    i.dispose();
    const empty = sg.zeros([0, 5]);
    expect(empty.size).toBe(0);
    expect(empty.dataSync().length).toBe(0);
    empty.dispose();
  });

  it('random ops: seeded, reproducible, with the right moments', () => {
    const a = take(sg.randomNormal([20000], 2, 3, 'float32', 7));
    const b = take(sg.randomNormal([20000], 2, 3, 'float32', 7));
    expect(a).toEqual(b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.1);
    expect(Math.abs(sd - 3)).toBeLessThan(0.1);
    const u = take(sg.randomUniform([10000], -1, 3, 'float32', 1));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 1)).toBeLessThan(0.05);
    const t = take(sg.truncatedNormal([10000], 0, 1, 'float32', 3));
    expect(Math.max(...t.map(Math.abs))).toBeLessThanOrEqual(2);
    expect(take(sg.randomNormal([5], 0, 1, 'float32', 8))).not.toEqual(take(sg.randomNormal([5], 0, 1, 'float32', 9)));
    const ints = take(sg.randomUniform([1000], 0, 10, 'int32', 2));
    expect(ints.every((v) => Number.isInteger(v) && v >= 0 && v < 10)).toBe(true);
  });

  it('Rng.fillMask draws exactly what uniform() calls would, and leaves the state after them', () => {
    const a = new Rng(5), b = new Rng(5);
    const mask = a.fillMask(new Float32Array(1001), 0.7, 2);
    const want = Float32Array.from({ length: 1001 }, () => (b.uniform() < 0.7 ? 2 : 0));
    expect(Array.from(mask)).toEqual(Array.from(want));
    expect(a.uint32()).toBe(b.uint32());
    const kept = mask.filter((v) => v === 2).length / 1001;
    expect(kept).toBeGreaterThan(0.65);
    expect(kept).toBeLessThan(0.75);
  });

  it('print and toString', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const t = sg.tensor([1, 2]);
    t.print();
    expect(log).toHaveBeenCalledWith('Tensor [1,2]');
    log.mockRestore();
    t.dispose();
    expect(t.toString()).toMatch(/disposed/);
  });

  it('tidy frees intermediates, keeps returned and kept tensors, nests', () => {
    const before = sg.memory().numTensors;
    let kept!: sg.Tensor;
    const out = sg.tidy(() => {
      const a = sg.ones([4]);
      kept = sg.keep(sg.add(a, 1));
      const inner = sg.tidy(() => sg.mul(sg.add(a, 2), 3)); // a survives the inner scope
      return { y: sg.add(inner, a), list: [sg.neg(a)] };
    });
    expect(sg.memory().numTensors).toBe(before + 3);
    expect(take(out.y)).toEqual([10, 10, 10, 10]);
    expect(take(out.list[0])).toEqual([-1, -1, -1, -1]);
    expect(take(kept)).toEqual([2, 2, 2, 2]);
    expect(() => sg.tidy(() => Promise.resolve() as never)).toThrow(/tidy cannot wrap async code/);
  });

  it('tidy frees everything when its function throws', () => {
    expect(() =>
      sg.tidy(() => {
        sg.ones([100]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
  });

  it('dispose frees containers; disposed tensors are rejected with a clear error', () => {
    const a = sg.ones([2]);
    const b = sg.ones([3]);
    sg.dispose({ a, list: [b] });
    expect(a.isDisposed && b.isDisposed).toBe(true);
    expect(() => a.dataSync()).toThrow(/dataSync: tensor \d+ with shape \[2\] is already disposed/);
    expect(() => sg.relu(a)).toThrow(/Unary: tensor \d+ with shape \[2\] is already disposed|relu: tensor/);
    a.dispose(); // idempotent
  });

  it('memory(): bytes, buffers shared by reshape, peak', () => {
    const m0 = sg.memory();
    const a = sg.zeros([256]);
    const r = sg.reshape(a, [16, 16]);
    const m1 = sg.memory();
    expect(m1.numTensors - m0.numTensors).toBe(2);
    expect(m1.numDataBuffers - m0.numDataBuffers).toBe(1);
    expect(m1.numBytes - m0.numBytes).toBe(1024);
    expect(m1.peakBytes).toBeGreaterThanOrEqual(m1.numBytes);
    a.dispose();
    expect(sg.memory().numDataBuffers).toBe(m1.numDataBuffers); // r still holds the buffer
    expect(take(r).length).toBe(256);
  });

  it('creation errors: ragged arrays, bad shapes, bad dtypes, non-finite', () => {
    expect(() => sg.tensor([[1, 2], [3]])).toThrow(
      /tensor: ragged nested array: expected length 2 at depth 1 but got 1/,
    );
    expect(() => sg.tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fit shape [2,2] (size 4)');
    expect(() => sg.zeros([2, -1])).toThrow(/zeros: invalid shape \[2,-1\]/);
    expect(() => sg.tensor([1], [1], 'float64' as never)).toThrow(/tensor: unknown dtype 'float64'/);
    expect(() => sg.range(0, Infinity)).toThrow(/range: argument 'stop' must be a finite number/);
    expect(() => sg.randomNormal([2], NaN)).toThrow(/randomNormal: argument 'mean' must be a finite number/);
    expect(() => sg.fill([2], NaN, 'int32')).toThrow(/fill: value must be a number and finite for int32/);
  });

  it('a failed kernel leaks nothing', () => {
    const x = sg.tensor([1, 2, 3]);
    const idx = sg.tensor([0, 7], undefined, 'int32');
    // The index check runs inside the kernel after the output buffer is allocated.
    expect(() => sg.gather(x, idx)).toThrow('gather: index 7 is out of range [0, 3)');
    x.dispose();
    idx.dispose();
  });

  it('tensors move between backends on use', async () => {
    await sg.setBackend('js');
    const a = sg.tensor([1, 2, 3]);
    await sg.setBackend('wasm');
    const b = sg.mul(a, 2);
    expect(take(b)).toEqual([2, 4, 6]);
    expect(take(a)).toEqual([1, 2, 3]);
    await expect(sg.setBackend('webgl')).rejects.toThrow(/setBackend: unknown backend 'webgl'; registered: js, wasm, webgpu/);
  });
});

describe.each(BACKENDS)('autodiff on %s', (backend) => {
  checkNoLeaks();

  it('grad, grads, valueAndGrad, valueAndGrads with known values', async () => {
    await sg.setBackend(backend);
    const x = sg.tensor([1, 2, 3]);
    const y = sg.tensor([4, 5, 6]);
    // d/dx sum(x^2 * 3) = 6x
    expectClose(take(sg.grad((t) => sg.sum(sg.mul(sg.square(t), 3)))(x)), [6, 12, 18]);
    // d/dx sum(x * y) = y ; d/dy = x
    const [gx, gy] = sg.grads((a, b) => sg.sum(sg.mul(a, b)))([x, y]);
    expect(take(gx)).toEqual([4, 5, 6]);
    expect(take(gy)).toEqual([1, 2, 3]);
    const { value, grad } = sg.valueAndGrad((t) => sg.sum(sg.exp(t)))(x);
    expectClose(take(value), [Math.E + Math.exp(2) + Math.exp(3)]);
    expectClose(take(grad), [Math.E, Math.exp(2), Math.exp(3)]);
    const r = sg.valueAndGrads((a, b) => sg.sum(sg.div(a, b)))([x, y]);
    expectClose(take(r.value), [1 / 4 + 2 / 5 + 3 / 6]);
    expectClose(take(r.grads[0]), [1 / 4, 1 / 5, 1 / 6]);
    expectClose(take(r.grads[1]), [-1 / 16, -2 / 25, -3 / 36]);
    // Custom dy seeds the backward pass; a non-scalar function needs no sum.
    const dy = sg.tensor([1, 0, 2]);
    expectClose(take(sg.grad((t) => sg.square(t))(x, dy)), [2, 0, 12]);
    // An input the function does not use gets a zero gradient.
    const [used, unused] = sg.grads((a, _b) => sg.sum(a))([x, y]);
    expect(take(used)).toEqual([1, 1, 1]);
    expect(take(unused)).toEqual([0, 0, 0]);
    for (const t of [x, y, dy]) t.dispose();
  });

  it('gradients through a tidy inside f still work (the tape holds what it saved)', async () => {
    await sg.setBackend(backend);
    const x = sg.tensor([0.5, -1]);
    const g = sg.grad((t) => sg.tidy(() => sg.sum(sg.tanh(sg.mul(t, 2)))))(x);
    expectClose(
      take(g),
      [0.5, -1].map((v) => 2 * (1 - Math.tanh(2 * v) ** 2)),
      1e-5,
    );
    x.dispose();
  });

  it('variables: assign, variableGrads (all trainable, or a list), trainable flag', async () => {
    await sg.setBackend(backend);
    const init = [sg.tensor([1, 2]), sg.tensor([3])];
    const w = sg.variable(init[0], true, `w_${backend}`);
    const frozen = sg.variable(init[1], false, `frozen_${backend}`);
    sg.dispose(init); // the variables hold the buffers
    const { value, grads } = sg.variableGrads(() => sg.add(sg.sum(sg.square(w)), sg.sum(frozen)));
    expectClose(take(value), [8]);
    expect(Object.keys(grads)).toEqual([`w_${backend}`]);
    expectClose(take(grads[`w_${backend}`]), [2, 4]);
    const r2 = sg.variableGrads(() => sg.sum(sg.mul(w, frozen)), [frozen]);
    expectClose(take(r2.grads[`frozen_${backend}`]), [3]);
    r2.value.dispose();
    const nv = sg.tensor([5, 6]);
    w.assign(nv);
    nv.dispose();
    expect(take(sg.mul(w, 1))).toEqual([5, 6]);
    const bad = sg.zeros([3]);
    expect(() => w.assign(bad)).toThrow(
      `assign: variable 'w_${backend}' has shape [2] and dtype float32; the new value has shape [3] and dtype float32`,
    );
    bad.dispose();
    const z = sg.zeros([1]);
    expect(() => sg.variable(z, true, `w_${backend}`)).toThrow(/a variable named 'w_\w+' already exists/);
    z.dispose();
    w.dispose();
    frozen.dispose();
  });

  it('errors: non-tensor result, nested gradient calls; the tape is cleaned after a throw', async () => {
    await sg.setBackend(backend);
    const x = sg.tensor([1, 2]);
    expect(() => sg.grad(() => 3 as never)(x)).toThrow(/grad: the function must return a Tensor but returned number/);
    expect(() => sg.grad((t) => sg.sum(sg.grad((u) => sg.sum(u))(t)))(x)).toThrow(
      /gradients of gradients are not supported/,
    );
    expect(() =>
      sg.grad((t) => {
        sg.exp(t);
        throw new Error('inside f');
      })(x),
    ).toThrow('inside f');
    const dy = sg.zeros([3]);
    expect(() => sg.grad((t) => sg.square(t))(x, dy)).toThrow(
      "grad: dy has shape [3] but the function's value has shape [2]",
    );
    expectClose(take(sg.grad((t) => sg.sum(t))(x)), [1, 1]);
    x.dispose();
    dy.dispose();
  });
});
