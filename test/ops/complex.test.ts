// complex64 tensors (issue 13): complex, real, imag, abs, add/sub/mul, reading (dataSync/data/array/
// arraySync/print/toString), clone/reshape/dispose and memory(), against tfjs-core's cpu backend on
// every simdgrad backend; gradients against finite differences (tfjs registers none for Complex/Real/
// Imag, so tf.grad through them throws there); every other op refuses complex64 with an error naming
// the op; no leaks.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The same complex tensor in both libraries (seeded values). */
function pair(shape: number[], seed: number): { s: sg.Tensor; t: tf.Tensor } {
  const n = shape.reduce((a, c) => a * c, 1);
  const re = randArray(n, seed, -2, 2);
  const im = randArray(n, seed + 1, -2, 2);
  return { s: sg.tidy(() => sg.complex(sg.tensor(re, shape), sg.tensor(im, shape))), t: tf.complex(tf.tensor(re, shape), tf.tensor(im, shape)) };
}

function same(s: sg.Tensor, t: tf.Tensor, rtol = 1e-6, atol = 1e-6): void {
  expect(s.dtype).toBe(t.dtype);
  expect(s.shape).toEqual(t.shape);
  expectClose(s.dataSync(), t.dataSync() as Float32Array, rtol, atol);
  s.dispose();
  t.dispose();
}

describe.each(BACKENDS)('complex64 on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
  });
  checkNoLeaks();

  it('complex: dtype, shape, interleaved dataSync/data, as tfjs (ranks 0-3)', async () => {
    for (const shape of [[], [1], [5], [2, 3], [2, 1, 4]]) {
      const { s, t } = pair(shape, 3);
      expect(s.size).toBe(t.size);
      expect(s.rank).toBe(t.rank);
      expect(Array.from(await s.data())).toEqual(Array.from((await t.data()) as Float32Array));
      same(s, t, 0, 0);
    }
    // nested arrays and numbers as arguments; int32 parts are cast, as tfjs
    same(sg.complex([[1, 2]], [[3, 4]]), tf.complex([[1, 2]], [[3, 4]]));
    same(
      sg.tidy(() => sg.complex(sg.tensor([1, 2], [2], 'int32'), [5, 6])),
      tf.complex(tf.tensor([1, 2], [2], 'int32'), [5, 6]),
    );
  });

  it('array/arraySync give interleaved innermost rows as tfjs; print and toString show re + imj', async () => {
    for (const shape of [[], [3], [2, 2], [2, 1, 2]]) {
      const { s, t } = pair(shape, 7);
      expect(s.arraySync()).toEqual(t.arraySync());
      expect(await s.array()).toEqual(await t.array());
      s.dispose();
      t.dispose();
    }
    const z = sg.complex([[1, 2]], [[3, -4]]);
    expect(z.toString()).toBe('Tensor [[1 + 3j, 2 + -4j]]');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    z.print(true);
    expect(log.mock.calls[0][0]).toContain('dtype: complex64');
    expect(log.mock.calls[0][0]).toContain('[[1 + 3j, 2 + -4j]]');
    log.mockRestore();
    const s = sg.complex(3, 4);
    expect(s.toString()).toBe('Tensor 3 + 4j');
    expect(await s.bytes()).toEqual(new Uint8Array(Float32Array.of(3, 4).buffer));
    z.dispose();
    s.dispose();
  });

  it('real, imag, abs against tfjs; real/imag of a real tensor: a copy and zeros', () => {
    for (const shape of [[], [4], [3, 5], [2, 2, 3]]) {
      const { s, t } = pair(shape, 11);
      same(sg.real(s), tf.real(t));
      same(sg.imag(s), tf.imag(t));
      same(sg.abs(s), tf.abs(t), 1e-6);
      same(s.abs(), tf.abs(t), 1e-6);
      s.dispose();
      t.dispose();
    }
    expect(take(sg.real([1, -2]))).toEqual([1, -2]);
    expect(take(sg.imag([1, -2]))).toEqual([0, 0]);
    // no overflow in the magnitude (hypot)
    expect(take(sg.tidy(() => sg.abs(sg.complex([3e30], [4e30]))))[0]).toBeCloseTo(5e30, -25);
  });

  it('add, sub, mul of complex tensors with broadcasting and with real operands, against tfjs', () => {
    const a = pair([2, 3], 21);
    const b = pair([3], 22);
    const c = pair([2, 3], 23);
    same(sg.add(a.s, c.s), tf.add(a.t, c.t));
    same(sg.sub(a.s, c.s), tf.sub(a.t, c.t));
    same(sg.mul(a.s, c.s), tf.mul(a.t, c.t), 1e-5, 1e-5);
    // tfjs 4.22's cpu complex mul gives NaN past the first broadcast row ([2, 3] x [3]): its
    // broadcasting is checked against tfjs with the operand tiled to [2, 3]
    const tile2 = (x: tf.Tensor) => tf.tile(tf.reshape(x, [1, 3]), [2, 1]);
    const bt = tf.complex(tile2(tf.real(b.t)), tile2(tf.imag(b.t))); // tfjs' tile refuses complex64
    same(sg.add(a.s, b.s), tf.add(a.t, bt));
    same(sg.sub(b.s, a.s), tf.sub(bt, a.t));
    same(sg.mul(a.s, b.s), tf.mul(a.t, bt), 1e-5, 1e-5);
    same(a.s.mul(b.s), tf.mul(a.t, bt), 1e-5, 1e-5);
    const r = [0.5, -1, 2];
    const rt = tf.complex([r, r], [[0, 0, 0], [0, 0, 0]]);
    same(sg.add(a.s, r), tf.add(a.t, rt));
    same(sg.mul(r, a.s), tf.mul(rt, a.t), 1e-5, 1e-5);
    const d = pair([4], 1);
    expect(() => sg.add(a.s, d.s)).toThrow(/^add: .*\[2,3\].*\[4\]/);
    for (const p of [a, b, c, d]) {
      p.s.dispose();
      p.t.dispose();
    }
    bt.dispose();
    rt.dispose();
  });

  it('clone, reshape, expandDims, squeeze, flatten share the buffer; dispose and memory() count 8 bytes an element', () => {
    const m0 = sg.memory();
    const { s, t } = pair([2, 3], 5);
    const m1 = sg.memory();
    expect(m1.numBytes - m0.numBytes).toBe(2 * 3 * 8);
    expect(m1.numTensors - m0.numTensors).toBe(1);
    const c = s.clone();
    const r = sg.reshape(s, [3, 2]);
    const e = sg.expandDims(s, 0);
    const q = sg.squeeze(e);
    const f = s.flatten();
    expect(sg.memory().numBytes).toBe(m1.numBytes); // views: no new buffer
    expect([c.dtype, r.dtype, e.dtype, q.dtype, f.dtype]).toEqual(Array(5).fill('complex64'));
    same(r, tf.reshape(t, [3, 2]));
    same(f, tf.reshape(t, [6]));
    expect(e.shape).toEqual([1, 2, 3]);
    expect(Array.from(c.dataSync())).toEqual(Array.from(t.dataSync()));
    for (const x of [s, c, e, q]) x.dispose();
    t.dispose();
    expect(sg.memory().numBytes).toBe(m0.numBytes);
    const kept = sg.tidy(() => sg.real(sg.complex([1], [2])));
    expect(take(kept)).toEqual([1]);
    // the engine makes a complex64 tensor from 2 * size interleaved values (8 bytes an element)
    const mb = sg.memory().numBytes;
    const made = ENGINE.makeTensor(Float32Array.of(1, 2, 3, 4), [2], 'complex64');
    expect(sg.memory().numBytes - mb).toBe(16);
    expect(take(sg.tidy(() => sg.imag(made)))).toEqual([2, 4]);
    made.dispose();
    // zerosLike/onesLike of complex64 are refused (no complex fill), not made with the wrong size
    const z1 = sg.complex([1], [2]);
    expect(() => sg.zerosLike(z1)).toThrow(/^zerosLike: .*complex64/);
    expect(() => sg.onesLike(z1)).toThrow(/^onesLike: .*complex64/);
    z1.dispose();
  });

  it('every other op refuses complex64 with an error naming the op (before any kernel reads the pairs)', () => {
    const z = sg.complex([1, 2], [3, 4]);
    const z12 = sg.reshape(z, [1, 2]);
    const z21 = sg.reshape(z, [2, 1]);
    const cond = sg.tensor([true, false]);
    const one = sg.tensor([1]);
    const calls: [string, () => unknown][] = [
      ['exp', () => sg.exp(z)],
      ['sum', () => sg.sum(z)],
      ['matMul', () => sg.matMul(z12, z21)],
      ['cast', () => sg.cast(z, 'float32')],
      ['concat', () => sg.concat([z, z])],
      ['slice', () => sg.slice(z, [0], [1])],
      ['transpose', () => sg.transpose(z)],
      ['gather', () => sg.gather(z, [0])],
      ['div', () => sg.div(z, z)],
      ['maximum', () => sg.maximum(z, 1)],
      ['square', () => z.square()],
      ['relu', () => sg.relu(z)],
      ['where', () => sg.where(cond, z, z)],
      ['rfft', () => sg.rfft(z)],
    ];
    for (const [op, call] of calls) {
      expect(call, op).toThrow(new RegExp(`^${op}: .*complex64`));
    }
    // the engine's own check, for any kernel an op might reach without toTensor
    expect(() => ENGINE.runKernel('Unary', [z], { op: 0 })).toThrow(/^Unary: .*complex64/);
    expect(() => sg.tensor([1, 2], [1], 'complex64')).toThrow(/complex64 tensor cannot be made directly; use sg.complex/);
    expect(() => sg.complex([1, 2], [1, 2, 3])).toThrow(/complex: real has shape \[2\] but imag has shape \[3\]/);
    expect(() => sg.complex({} as never, [1])).toThrow(/Argument 'real' passed to 'complex' must be a Tensor/);
    expect(() => sg.grad((x: sg.Tensor) => sg.complex(x, x))(one)).toThrow(/float32 tensor but returned complex64/);
    for (const t of [z, z12, z21, cond, one]) t.dispose();
  });

  it('gradients through complex, real, imag, abs, add and mul against finite differences', () => {
    const x = rand([3], 31, -2, 2);
    const y = rand([3], 32, -2, 2);
    const u = rand([3], 33, -1, 1);
    gradCheck((a, b) => sg.real(sg.complex(a, b)), [x, y]);
    gradCheck((a, b) => sg.imag(sg.complex(a, b)), [x, y]);
    gradCheck((a, b) => sg.abs(sg.complex(a, b)), [x, y]);
    gradCheck((a, b, c) => sg.imag(sg.mul(sg.complex(a, b), sg.complex(c.reshape([1, 3]), a.reshape([1, 3])))), [x, y, u]);
    gradCheck((a, b, c) => sg.real(sg.mul(sg.add(sg.complex(a, b), sg.complex(c, c)), sg.complex(b, a))), [x, y, u]);
    gradCheck((a, b) => sg.add(sg.real(sg.sub(sg.complex(a, b), b)), sg.imag(sg.reshape(sg.complex(b, a), [3, 1])).reshape([3])), [x, y]);
    // |z| at z = 0: gradient 0 (TensorFlow's div_no_nan), not NaN
    const z0 = sg.zeros([2]);
    const three = sg.scalar(3);
    const [g0] = sg.grads((a: sg.Tensor) => sg.sum(sg.abs(sg.complex(a, sg.zerosLike(a)))))([z0]).map(take);
    expect(g0).toEqual([0, 0]);
    // the analytic d|z|/dx = x / |z| for one value
    const [gx] = sg.grads((a: sg.Tensor) => sg.sum(sg.abs(sg.complex(a, sg.scalar(4)))))([three]).map(take);
    expect(gx).toBeCloseTo(0.6, 6);
    // tfjs has no gradient for Complex: the same program throws there
    expect(() => tf.grad((a: tf.Tensor) => tf.sum(tf.real(tf.complex(a, a))))(tf.tensor([1]))).toThrow(/gradient/i);
    for (const t of [x, y, u, z0, three]) t.dispose();
  });
});

describe('complex64 across backends', () => {
  checkNoLeaks();
  it('a complex tensor made on js moves to wasm with its pairs (written as float32, 2 floats an element)', async () => {
    if (!BACKENDS.includes('js') || !BACKENDS.includes('wasm')) throw new Error('needs the js and wasm backends');
    const prev = sg.getBackend();
    await sg.setBackend('js');
    const z = sg.complex([1, 2, 3], [4, 5, 6]);
    await sg.setBackend('wasm');
    try {
      const t = tf.spectral.fft(tf.complex([1, 2, 3], [4, 5, 6]));
      const f = sg.fft(z); // runs on wasm: z's buffer is moved from js first
      expectClose(f.dataSync(), t.dataSync() as Float32Array, 1e-6, 1e-6);
      f.dispose();
      t.dispose();
    } finally {
      z.dispose();
      await sg.setBackend(prev);
    }
  });
});

describe('complex64 where real values are expected', () => {
  checkNoLeaks();
  it('weight writers, toCategorical, stft window and grad refuse it with errors that name it', () => {
    const z = sg.complex([1.5, -2], [3, 4]);
    try {
      // Before: io.encodeWeights wrote the pairs as 0/1 bytes, callbacks.encodeWeights a file decodeWeights refuses.
      expect(() =>
        sg.io.encodeWeights([{ name: 'z', shape: [2], dtype: 'complex64', values: z.dataSync() }] as never),
      ).toThrow(/weight 'z' has dtype complex64/);
      expect(() => sg.callbacks.encodeWeights([z])).toThrow(/'weights\[0\]' is complex64 \(shape \[2\]\)/);
      expect(() => sg.utils.toCategorical(z, 3)).toThrow(/toCategorical: argument 'y' .* complex64/);
      const one = sg.ones([16]);
      expect(() => sg.signal.stft(one, 8, 4, 8, (() => 3) as never)).toThrow(/windowFn\(8\) must return a Tensor/);
      one.dispose();
      expect(() => sg.grad((a: sg.Tensor) => sg.real(a))(z)).toThrow(/complex64 .*sg\.real \/ sg\.imag/);
      expect(sg.util.bytesPerElement('complex64')).toBe(8);
      expect(tf.util.bytesPerElement('complex64')).toBe(8);
    } finally {
      z.dispose();
    }
  });
});
