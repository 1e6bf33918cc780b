// spectral.fft/ifft/rfft/irfft and signal.stft (issue 13) against tfjs-core's cpu backend on every
// simdgrad backend: power-of-two and other lengths (radix-2 and Bluestein paths), batches, ranks 1-3,
// fftLength cropping and padding; long lengths against a float64 DFT; gradients against finite
// differences (tfjs registers none for FFT/IFFT/RFFT/IRFFT: tf.grad through them throws); bad
// inputs with errors naming the op and argument; no leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const size = (shape: number[]) => shape.reduce((a, c) => a * c, 1);

/** A seeded complex tensor in both libraries. */
function complexPair(shape: number[], seed: number): { s: sg.Tensor; t: tf.Tensor } {
  const re = randArray(size(shape), seed, -1, 1);
  const im = randArray(size(shape), seed + 1, -1, 1);
  return { s: sg.tidy(() => sg.complex(sg.tensor(re, shape), sg.tensor(im, shape))), t: tf.complex(tf.tensor(re, shape), tf.tensor(im, shape)) };
}

/** Same dtype, shape and values (tolerance scaled by the transform length: float32 sums of n terms). */
function same(s: sg.Tensor, t: tf.Tensor, n: number, shape = t.shape): void {
  expect(s.dtype).toBe(t.dtype);
  expect(s.shape).toEqual(shape);
  const tol = 2e-6 * Math.max(n, 4);
  expectClose(s.dataSync(), t.dataSync() as Float32Array, tol, tol);
  s.dispose();
  t.dispose();
}

/** X_k = sum_j x_j exp(-2 pi i jk / n) in float64, per innermost row of interleaved pairs. */
function dft(x: ArrayLike<number>, n: number, inverse = false): Float64Array {
  const out = new Float64Array(x.length);
  const sign = inverse ? 1 : -1;
  for (let o = 0; o < x.length; o += 2 * n) {
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
        const c = Math.cos(a);
        const s = Math.sin(a);
        re += x[o + 2 * j] * c - x[o + 2 * j + 1] * s;
        im += x[o + 2 * j] * s + x[o + 2 * j + 1] * c;
      }
      out[o + 2 * k] = inverse ? re / n : re;
      out[o + 2 * k + 1] = inverse ? im / n : im;
    }
  }
  return out;
}

const REFS: Record<number, Float64Array> = {};

const SHAPES = [[1], [2], [8], [5], [7], [12], [3, 16], [2, 9], [2, 3, 6], [2, 2, 4], [1, 1, 13]];

describe.each(BACKENDS)('spectral on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
  });
  checkNoLeaks();

  it('fft and ifft against tfjs: lengths 1-16 (radix-2 and Bluestein), batches, ranks 1-3', () => {
    SHAPES.forEach((shape, i) => {
      const { s, t } = complexPair(shape, 10 + i);
      const n = shape[shape.length - 1];
      same(sg.fft(s), tf.spectral.fft(t), n);
      same(sg.spectral.ifft(s), tf.spectral.ifft(t), n);
      same(s.fft(), tf.fft(t), n);
      same(s.ifft(), tf.ifft(t), n);
      // round trip
      const back = sg.tidy(() => sg.ifft(sg.fft(s)));
      expectClose(back.dataSync(), s.dataSync(), 1e-5, 1e-5);
      back.dispose();
      s.dispose();
      t.dispose();
    });
  });

  it('long lengths against a float64 DFT: 1000 and 997 (Bluestein), 1024 (radix-2); ifft(fft(z)) = z', () => {
    for (const n of [1000, 997, 1024]) {
      const x = randArray(2 * n, n, -1, 1);
      const ref = (REFS[n] ??= dft(x, n)); // one row: the float64 DFT is O(n^2)
      const z = sg.tidy(() => {
        const v = sg.reshape(sg.tensor(x), [n, 2]);
        return sg.complex(sg.reshape(sg.slice(v, [0, 0], [n, 1]), [n]), sg.reshape(sg.slice(v, [0, 1], [n, 1]), [n]));
      });
      const f = sg.fft(z);
      // values up to ~sqrt(n) in size: float32 output, absolute error a few ulps of the largest
      expectClose(f.dataSync(), ref, 1e-5, 2e-5 * Math.sqrt(n));
      const g = sg.ifft(f);
      expectClose(g.dataSync(), x, 1e-5, 1e-5);
      for (const t of [z, f, g]) t.dispose();
    }
  });

  it('rfft against tfjs: odd and even lengths, ranks 1-3, fftLength cropping and zero-padding', () => {
    const cases: [number[], number | undefined][] = [
      [[1], undefined],
      [[4], undefined],
      [[5], undefined],
      [[3, 8], undefined],
      [[2, 7], undefined],
      [[2, 2, 6], undefined],
      [[6], 4],
      [[6], 5],
      [[5], 8],
      [[2, 3], 7],
      [[2, 2, 10], 16],
    ];
    cases.forEach(([shape, len], i) => {
      const x = randArray(size(shape), 40 + i, -1, 1);
      const n = len ?? shape[shape.length - 1];
      const s = sg.tidy(() => sg.rfft(sg.tensor(x, shape), len));
      same(s, tf.spectral.rfft(tf.tensor(x, shape), len), n);
      const m = sg.tidy(() => sg.tensor(x, shape).rfft(len));
      same(m, tf.rfft(tf.tensor(x, shape), len), n);
    });
    same(sg.rfft([1, 2, 3]), tf.spectral.rfft(tf.tensor([1, 2, 3])), 3);
  });

  it('irfft against tfjs (ranks 1-3, m = 1, 2, odd and even), and irfft(rfft(x)) = x for even lengths', () => {
    for (const [shape, seed] of [[[5], 1], [[2, 4], 2], [[2, 3, 6], 3], [[3, 2], 4], [[2, 1], 5], [[1, 2, 7], 6]] as [number[], number][]) {
      const { s, t } = complexPair(shape, 60 + seed);
      const m = shape[shape.length - 1];
      const n = m <= 2 ? m : 2 * (m - 1);
      const lead = shape.slice(0, -1);
      // tfjs returns [1, n] for a rank-1 input; simdgrad keeps the leading dimensions ([n])
      same(sg.irfft(s), tf.spectral.irfft(t), n, [...lead, n]);
      same(s.irfft(), tf.irfft(t), n, [...lead, n]);
      s.dispose();
      t.dispose();
    }
    for (const shape of [[8], [2, 6], [2, 2, 4]]) {
      const x = rand(shape, 7);
      const y = sg.tidy(() => sg.irfft(sg.rfft(x)));
      expect(y.shape).toEqual(shape);
      expectClose(y.dataSync(), x.dataSync(), 1e-5, 1e-5);
      x.dispose();
      y.dispose();
    }
  });

  it('signal.stft against tfjs: default and explicit fftLength, Hann and Hamming windows', () => {
    const x = randArray(40, 77, -1, 1);
    const cases: [number, number, number | undefined, boolean][] = [
      [8, 4, undefined, false],
      [5, 3, undefined, false],
      [6, 2, 6, false],
      [8, 8, 16, true],
      [7, 5, 4, false],
      [40, 1, undefined, false],
    ];
    for (const [frameLength, frameStep, fftLength, hamming] of cases) {
      const n = fftLength ?? 2 ** Math.ceil(Math.log2(frameLength));
      const s = sg.tidy(() =>
        sg.signal.stft(sg.tensor(x), frameLength, frameStep, fftLength, hamming ? sg.signal.hammingWindow : undefined),
      );
      const t = tf.signal.stft(tf.tensor(x), frameLength, frameStep, fftLength, hamming ? tf.signal.hammingWindow : undefined);
      same(s, t, n);
    }
  });

  it('gradients of fft, ifft, rfft, irfft and stft against finite differences', () => {
    const x = rand([2, 5], 81);
    const y = rand([2, 5], 82);
    const w = rand([2, 3], 83);
    const parts = (z: sg.Tensor) => sg.concat([sg.real(z), sg.imag(z)], -1);
    gradCheck((a, b) => parts(sg.fft(sg.complex(a, b))), [x, y]);
    gradCheck((a, b) => parts(sg.ifft(sg.complex(a, b))), [x, y]);
    const v = rand([4], 84);
    const sig = rand([9], 85);
    const w2 = w.mul(0.5);
    gradCheck((a) => sg.abs(sg.fft(sg.complex(a, sg.zerosLike(a)))), [v]);
    gradCheck((a) => parts(sg.rfft(a)), [x]);
    gradCheck((a) => parts(sg.rfft(a, 8)), [x]);
    gradCheck((a) => parts(sg.rfft(a, 3)), [x]);
    gradCheck((a, b) => sg.irfft(sg.complex(a, b)), [w, w2]);
    gradCheck((a) => sg.abs(sg.signal.stft(a, 4, 2)), [sig], { rtol: 3e-2 });
    // tfjs: no gradient for the FFT kernels
    expect(() => tf.grad((a: tf.Tensor) => tf.sum(tf.real(tf.spectral.rfft(a))))(tf.tensor([1, 2, 3]))).toThrow(/gradient/i);
    for (const t of [x, y, w, v, sig, w2]) t.dispose();
  });

  it('edge cases as tfjs: a signal shorter than one frame, fftLength 1, an empty innermost axis', () => {
    same(sg.tidy(() => sg.signal.stft(sg.tensor([1, 2, 3]), 4, 2)), tf.signal.stft(tf.tensor1d([1, 2, 3]), 4, 2), 4);
    same(sg.rfft([[1, 2, 3]], 1), tf.spectral.rfft(tf.tensor([[1, 2, 3]]), 1), 1);
    const e = sg.tidy(() => sg.fft(sg.complex(sg.zeros([2, 0]), sg.zeros([2, 0]))));
    expect([e.shape, e.dtype, e.dataSync().length]).toEqual([[2, 0], 'complex64', 0]);
    e.dispose();
    const z0 = sg.zeros([2, 0]);
    expect(() => sg.rfft(z0)).toThrow(/^rfft: the innermost dimension is 0 \(shape \[2,0\]\)/);
    z0.dispose();
  });

  it('bad inputs: errors naming the op and argument, nothing allocated', () => {
    const z = sg.complex([1, 2], [0, 0]);
    const zs = sg.complex(1, 2);
    const f = sg.tensor([1, 2, 3]);
    const i = sg.tensor([1, 2], [2], 'int32');
    const scalar = sg.scalar(1);
    const before = sg.memory().numTensors;
    expect(() => sg.fft(f)).toThrow(/^fft: argument 'input' must be complex64 but has dtype float32/);
    expect(() => sg.ifft([1, 2] as never)).toThrow(/^ifft: argument 'input' must be a complex64 Tensor/);
    expect(() => sg.fft(zs)).toThrow(/^fft: input must have at least one dimension/);
    expect(() => sg.rfft(z)).toThrow(/^rfft: argument 'input' is a complex64 tensor/);
    expect(() => sg.rfft(i)).toThrow(/^rfft: input must be float32 .* int32/);
    expect(() => sg.rfft(scalar)).toThrow(/^rfft: input must have at least one dimension/);
    expect(() => sg.rfft(f, 0)).toThrow(/^rfft: argument 'fftLength' must be an integer >= 1 but is 0/);
    expect(() => sg.rfft(f, 2.5)).toThrow(/^rfft: argument 'fftLength' must be an integer >= 1 but is 2.5/);
    expect(() => sg.irfft(f)).toThrow(/^irfft: argument 'input' must be complex64/);
    expect(() => sg.signal.stft(f, 0, 1)).toThrow(/^signal.stft: argument 'frameLength' must be an integer >= 1/);
    expect(() => sg.signal.stft(f, 2, 1, 0)).toThrow(/^signal.stft: argument 'fftLength' must be an integer >= 1/);
    expect(() => sg.signal.stft(f, 2, 1, 4, () => sg.ones([3]))).toThrow(/^signal.stft: windowFn\(2\) returned shape \[3\]/);
    expect(() => sg.signal.stft(z, 2, 1)).toThrow(/^signal.stft: argument 'signal' is a complex64 tensor/);
    expect(sg.memory().numTensors).toBe(before);
    for (const t of [z, zs, f, i, scalar]) t.dispose();
  });
});
