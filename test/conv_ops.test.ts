// Convolution ops on every backend: values and gradients against tfjs-core's cpu backend on
// random inputs (odd sizes, every padding/stride/dilation combination Keras allows), gradients
// against finite differences (also where tfjs has none: dilation), the fused epilogue, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import type { WasmBackend } from '../src/backends/wasm/index.js';
import { conv1d, conv2d, fusedConv2d } from '../src/ops/conv2d.js';
import { conv3d } from '../src/ops/conv3d.js';
import { conv2dTranspose } from '../src/ops/conv_transpose.js';
import { depthwiseConv2d, separableConv2d } from '../src/ops/depthwise.js';
import type { PadArg } from '../src/ops/conv_util.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take } from './helpers.js';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const size = (s: number[]) => s.reduce((a, c) => a * c, 1);

/** The same random values as an sg tensor and a tf tensor. */
function pair(shape: number[], seed: number): [sg.Tensor, tf.Tensor] {
  const v = randArray(size(shape), seed);
  return [sg.tensor(v, shape), tf.tensor(v, shape)];
}

function same(ours: sg.Tensor, theirs: tf.Tensor, rtol = 1e-4, atol = 1e-5): void {
  expect(ours.shape).toEqual(theirs.shape);
  expectClose(take(ours), theirs.dataSync(), rtol, atol);
  theirs.dispose();
}

type Conv2dCase = [number[], number[], number | [number, number], PadArg, number | [number, number]];
// x, filter, strides, pad, dilations
const CONV2D_CASES: Conv2dCase[] = [
  [[2, 7, 9, 3], [3, 3, 3, 4], 1, 'valid', 1],
  [[2, 7, 9, 3], [3, 2, 3, 4], 1, 'same', 1],
  [[1, 9, 8, 2], [3, 3, 2, 5], 2, 'same', 1],
  [[1, 9, 8, 2], [3, 3, 2, 5], 2, 'valid', 1],
  [[2, 8, 7, 3], [2, 3, 3, 2], [2, 1], 'same', 1],
  [[1, 9, 10, 2], [3, 3, 2, 3], 1, 'same', 2],
  [[1, 9, 10, 2], [3, 2, 2, 3], 1, 'valid', [2, 1]],
  [[1, 6, 7, 2], [3, 3, 2, 3], 1, [[0, 0], [1, 2], [0, 1], [0, 0]], 1],
  [[1, 6, 6, 2], [3, 3, 2, 2], 1, 1, 1],
  [[2, 5, 5, 7], [1, 1, 7, 9], 1, 'valid', 1],
  [[1, 4, 4, 3], [4, 4, 3, 2], 1, 'valid', 1],
  [[4, 7, 9, 8], [3, 3, 8, 12], 1, 'same', 1], // Winograd on wasm (>= 16 output tiles)
];

describe.each(BACKENDS)('convolution ops on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(CONV2D_CASES)('conv2d x %j filter %j strides %j pad %j dilations %j matches tfjs (values and gradients)', (xs, fs, s, p, d) => {
    const [x, tx] = pair(xs, 1);
    const [f, tfl] = pair(fs, 2);
    const want = tf.conv2d(tx as tf.Tensor4D, tfl as tf.Tensor4D, s, p as 'same', 'NHWC', d);
    const y = conv2d(x, f, s, p, 'NHWC', d);
    const [dy, tdy] = pair(want.shape, 3);
    same(y, want);
    const dil = typeof d === 'number' ? d : Math.max(...d);
    if (dil === 1) {
      // tfjs has no gradient for dilated convolutions; those are checked by finite differences below.
      const [gx, gf] = sg.grads((a, b) => conv2d(a, b, s, p, 'NHWC', d))([x, f], dy);
      const [tgx, tgf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, p as 'same'))([tx, tfl], tdy);
      same(gx, tgx);
      same(gf, tgf);
    }
    sg.dispose([x, f, dy]);
    tf.dispose([tx, tfl, tdy]);
  });

  it.each([
    [[1, 5, 6, 2], [3, 3, 2, 2], 2, 'same', 1],
    [[1, 6, 5, 2], [2, 3, 2, 2], 1, 'valid', 2],
    [[2, 4, 5, 1], [3, 3, 1, 3], 1, 'same', 1],
  ] as Conv2dCase[])('conv2d gradients match finite differences: x %j filter %j strides %j pad %j dilations %j', (xs, fs, s, p, d) => {
    const x = rand(xs, 4);
    const f = rand(fs, 5);
    gradCheck((a, b) => conv2d(a, b, s, p, 'NHWC', d), [x, f]);
    sg.dispose([x, f]);
  });

  it('conv2d with dataFormat NCHW equals the NHWC result transposed', () => {
    const [x] = pair([2, 3, 7, 6], 6); // NCHW
    const [f] = pair([3, 3, 3, 4], 7);
    const y = conv2d(x, f, [2, 1], 'same', 'NCHW');
    const want = sg.tidy(() => sg.transpose(conv2d(sg.transpose(x, [0, 2, 3, 1]), f, [2, 1], 'same'), [0, 3, 1, 2]));
    expect(y.shape).toEqual([2, 4, 4, 6]);
    expectClose(take(y), take(want), 1e-5, 1e-6);
    const xs = sg.tidy(() => sg.slice(x, [0, 0, 0, 0], [1, 3, 4, 4]));
    gradCheck((a) => conv2d(a, f, 1, 'valid', 'NCHW'), [xs]);
    sg.dispose([x, f, xs]);
  });

  it('an unbatched (rank 3) input gives an unbatched output', () => {
    const [x, tx] = pair([5, 6, 2], 8);
    const [f, tfl] = pair([3, 3, 2, 3], 9);
    same(conv2d(x, f, 1, 'same'), tf.conv2d(tx as tf.Tensor3D, tfl as tf.Tensor4D, 1, 'same'));
    sg.dispose([x, f]);
    tf.dispose([tx, tfl]);
  });

  it('fused.conv2d: bias and relu/relu6 in the epilogue match conv + bias + activation, with gradients', () => {
    const [x, tx] = pair([2, 6, 5, 3], 10);
    const [f, tfl] = pair([3, 3, 3, 4], 11);
    const [b, tb] = pair([4], 12);
    for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'elu'] as const) {
      const want = tf.fused.conv2d({ x: tx as tf.Tensor4D, filter: tfl as tf.Tensor4D, strides: 1, pad: 'same', bias: tb, activation });
      same(fusedConv2d({ x, filter: f, strides: 1, pad: 'same', bias: b, activation }), want);
    }
    const xs = sg.tidy(() => sg.mul(sg.slice(x, [0, 0, 0, 0], [1, 4, 4, 3]), 3));
    gradCheck((a, w, c) => fusedConv2d({ x: a, filter: w, strides: 1, pad: 'valid', bias: c, activation: 'relu' }), [xs, f, b]);
    sg.dispose([x, f, b, xs]);
    tf.dispose([tx, tfl, tb]);
  });

  it('conv1d (strides, same/valid, dilation, NCW) matches tfjs', () => {
    for (const [xs, fs, s, p, d] of [
      [[2, 11, 3], [3, 3, 4], 1, 'valid', 1],
      [[2, 11, 3], [4, 3, 2], 2, 'same', 1],
      [[1, 13, 2], [3, 2, 3], 1, 'same', 3],
    ] as [number[], number[], number, 'same', number][]) {
      const [x, tx] = pair(xs, 13);
      const [f, tfl] = pair(fs, 14);
      same(conv1d(x, f, s, p, 'NWC', d), tf.conv1d(tx as tf.Tensor3D, tfl as tf.Tensor3D, s, p, 'NWC', d));
      sg.dispose([x, f]);
      tf.dispose([tx, tfl]);
    }
    const x = rand([1, 3, 6], 15); // NCW
    const f = rand([2, 3, 2], 16);
    const want = sg.tidy(() => sg.transpose(conv1d(sg.transpose(x, [0, 2, 1]), f, 1, 'valid'), [0, 2, 1]));
    expectClose(take(conv1d(x, f, 1, 'valid', 'NCW')), take(want), 1e-5, 1e-6);
    const xt = sg.tidy(() => sg.transpose(x, [0, 2, 1]));
    gradCheck((a, b) => conv1d(a, b, 2, 'same'), [xt, f]);
    sg.dispose([x, f, xt]);
  });

  it('conv3d matches tfjs (valid/same, strides) with gradients', () => {
    for (const [xs, fs, s, p] of [
      [[1, 5, 6, 4, 2], [2, 3, 2, 2, 3], 1, 'valid'],
      [[2, 5, 4, 5, 3], [3, 3, 3, 3, 2], 2, 'same'],
      [[2, 5, 6, 5, 1], [2, 3, 2, 1, 6], 2, 'same'], // K = 12: the small-K kernels, over depth
    ] as [number[], number[], number, 'same'][]) {
      const [x, tx] = pair(xs, 17);
      const [f, tfl] = pair(fs, 18);
      const want = tf.conv3d(tx as tf.Tensor5D, tfl as tf.Tensor5D, s, p);
      const [dy, tdy] = pair(want.shape, 19);
      same(conv3d(x, f, s, p), want);
      const [gx, gf] = sg.grads((a, b) => conv3d(a, b, s, p))([x, f], dy);
      const [tgx, tgf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, s, p))([tx, tfl], tdy);
      same(gx, tgx);
      same(gf, tgf);
      sg.dispose([x, f, dy]);
      tf.dispose([tx, tfl, tdy]);
    }
    const x = rand([1, 3, 3, 4, 1], 20);
    const f = rand([2, 2, 2, 1, 2], 21);
    gradCheck((a, b) => conv3d(a, b, 1, 'same'), [x, f]);
    sg.dispose([x, f]);
  });

  it('conv2dTranspose matches tfjs (valid/same, strides 1 and 2) with gradients', () => {
    for (const [xs, fs, out, s, p] of [
      [[2, 4, 5, 3], [3, 3, 2, 3], [2, 6, 7, 2], 1, 'valid'],
      [[1, 3, 4, 2], [3, 3, 4, 2], [1, 6, 8, 4], 2, 'same'],
      [[1, 3, 3, 2], [2, 2, 3, 2], [1, 6, 6, 3], 2, 'valid'],
    ] as [number[], number[], [number, number, number, number], number, 'same'][]) {
      const [x, tx] = pair(xs, 22);
      const [f, tfl] = pair(fs, 23);
      const want = tf.conv2dTranspose(tx as tf.Tensor4D, tfl as tf.Tensor4D, out, s, p);
      const [dy, tdy] = pair(want.shape, 24);
      same(conv2dTranspose(x, f, out, s, p), want);
      const [gx, gf] = sg.grads((a, b) => conv2dTranspose(a, b, out, s, p))([x, f], dy);
      const [tgx, tgf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, out, s, p))([tx, tfl], tdy);
      same(gx, tgx);
      same(gf, tgf);
      sg.dispose([x, f, dy]);
      tf.dispose([tx, tfl, tdy]);
    }
    const x = rand([1, 2, 3, 2], 25);
    const f = rand([2, 2, 2, 2], 26);
    gradCheck((a, b) => conv2dTranspose(a, b, [1, 4, 6, 2], 2, 'same'), [x, f]);
    sg.dispose([x, f]);
  });

  it('depthwiseConv2d and separableConv2d match tfjs with gradients', () => {
    for (const [xs, fs, s, p, d] of [
      [[2, 7, 6, 3], [3, 3, 3, 2], 1, 'same', 1],
      [[1, 8, 7, 2], [3, 2, 2, 1], 2, 'valid', 1],
      [[1, 8, 9, 2], [3, 3, 2, 2], 1, 'valid', 2],
      // depth multiplier 1 with 6 channels: the SIMD lanes and a scalar tail on wasm
      [[2, 9, 8, 6], [3, 3, 6, 1], 2, 'same', 1],
      [[1, 7, 7, 8], [3, 3, 8, 1], 1, 'valid', 2],
    ] as [number[], number[], number, 'same', number][]) {
      const [x, tx] = pair(xs, 27);
      const [f, tfl] = pair(fs, 28);
      const want = tf.depthwiseConv2d(tx as tf.Tensor4D, tfl as tf.Tensor4D, s, p, 'NHWC', d);
      same(depthwiseConv2d(x, f, s, p, 'NHWC', d), want);
      if (d === 1) {
        const [dy, tdy] = pair(want.shape, 29);
        const [gx, gf] = sg.grads((a, b) => depthwiseConv2d(a, b, s, p))([x, f], dy);
        const [tgx, tgf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, p))([tx, tfl], tdy);
        same(gx, tgx);
        same(gf, tgf);
        sg.dispose([dy]);
        tf.dispose([tdy]);
      }
      sg.dispose([x, f]);
      tf.dispose([tx, tfl]);
    }
    const [x, tx] = pair([2, 6, 5, 3], 30);
    const [dw, tdw] = pair([3, 3, 3, 2], 31);
    const [pw, tpw] = pair([1, 1, 6, 4], 32);
    same(separableConv2d(x, dw, pw, 1, 'same'), tf.separableConv2d(tx as tf.Tensor4D, tdw as tf.Tensor4D, tpw as tf.Tensor4D, 1, 'same'));
    const xs = sg.tidy(() => sg.slice(x, [0, 0, 0, 0], [1, 4, 4, 3]));
    gradCheck((a, b, c) => separableConv2d(a, b, c, 1, 'valid'), [xs, dw, pw]);
    gradCheck((a, b) => depthwiseConv2d(a, b, 1, 'same', 'NHWC', 2), [xs, dw]);
    sg.dispose([x, dw, pw, xs]);
    tf.dispose([tx, tdw, tpw]);
  });

  it('bad input throws naming the op and the shapes before any kernel runs', () => {
    const x = sg.zeros([1, 5, 5, 3]);
    const f = sg.zeros([3, 3, 3, 2]);
    const big = sg.zeros([7, 7, 3, 2]);
    const wrongC = sg.zeros([3, 3, 4, 2]);
    const flat = sg.zeros([5, 5]);
    const small = sg.zeros([1, 3, 3, 2]);
    const tf4 = sg.zeros([3, 3, 4, 2]);
    const before = sg.memory();
    expect(() => conv2d(x, big, 1, 'valid')).toThrow(/conv2d: the window \(size 7\) is larger than the padded input \(5 \+ padding = 5\).*x \[1,5,5,3\] and filter \[7,7,3,2\]/);
    expect(() => conv2d(x, wrongC, 1, 'valid')).toThrow('conv2d: the input has 3 channels but the filter expects 4; x [1,5,5,3] and filter [3,3,4,2]');
    expect(() => conv2d(flat, f, 1, 'valid')).toThrow("conv2d: 'x' must have rank 3 or 4 but has shape [5,5]");
    expect(() => conv2d(x, f, 0, 'valid')).toThrow("conv2d: 'strides' must be a positive integer or 2 positive integers but is 0");
    expect(() => conv2d(x, f, 1, 'valid', 'NHWC', [1, 0])).toThrow(/conv2d: 'dilations' must be/);
    expect(() => conv2d(x, f, 2, 'same', 'NHWC', 2)).toThrow('conv2d: either strides or dilations must be 1, but strides are [2,2] and dilations [2,2]');
    expect(() => conv2d(x, f, 1, 'full' as 'same')).toThrow(/conv2d: pad must be/);
    expect(() => conv2d(x, f, 1, 'valid', 'NHWC', 3)).toThrow(/dilation 3, effective 7\) is larger than the padded input/);
    expect(() => conv2dTranspose(small, tf4, [1, 8, 8, 4], 2, 'same')).toThrow(
      "conv2dTranspose: a convolution of outputShape with this filter, strides and pad gives spatial size [4,4], not x's [3,3]",
    );
    expect(() => depthwiseConv2d(x, wrongC, 1, 'same')).toThrow('depthwiseConv2d: the input has 3 channels but the filter expects 4');
    expect(() => conv3d(flat, f, 1, 'valid')).toThrow("conv3d: 'x' must have rank 4 or 5 but has shape [5,5]");
    // Failed ops leave nothing behind.
    expect(sg.memory().numTensors).toBe(before.numTensors);
    expect(sg.memory().numBytes).toBe(before.numBytes);
    sg.dispose([x, f, big, wrongC, flat, small, tf4]);
  });
});

describe('wasm conv kernels against the js oracle on GEMM-sized shapes', () => {
  checkNoLeaks();
  it('3x3 stride-1 convolutions with >= 8 channels (multiples of 4) and >= 16 tiles take Winograd in all three passes', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.backend as WasmBackend;
    const called: string[] = [];
    const orig = b.dispatch.bind(b);
    b.dispatch = (fn, ...rest) => {
      called.push(fn);
      return orig(fn, ...rest);
    };
    try {
      const x = rand([4, 10, 9, 16], 50);
      const f = rand([3, 3, 16, 8], 51);
      const dy = rand([4, 8, 7, 8], 52);
      sg.grads((a, w) => conv2d(a, w, 1, 'valid'))([x, f], dy).forEach((t) => t.dispose());
      expect(called).toEqual(expect.arrayContaining(['winogradF32', 'winogradFilterGradF32']));
      expect(called.filter((c) => c === 'winogradF32').length).toBe(2); // forward and input gradient
      called.length = 0;
      // Too few 4x4 tiles (2 x 1 x 1 = 2): im2col + GEMM.
      const xs = rand([2, 4, 4, 16], 53);
      conv2d(xs, f, 1, 'same').dispose();
      expect(called).not.toContain('winogradF32');
      sg.dispose([x, f, dy, xs]);
    } finally {
      b.dispatch = orig;
    }
  });

  it.each([
    [[3, 13, 11, 35], [3, 3, 35, 20], 1, 'same', 1],
    [[2, 17, 15, 9], [5, 3, 9, 13], 2, 'valid', 1],
    [[1, 12, 14, 6], [3, 3, 6, 10], 1, 'same', 2],
    [[5, 9, 9, 1], [3, 3, 1, 32], 1, 'valid', 1],
    // Small K (<= 16): the transposed input gradient. One image larger than a chunk (6,400
    // output pixels > 5,461 rows of 9 floats), a strided 2x2x2 filter (the scalar col2im), a
    // dilated 3x3x1 'same' one.
    // Winograd F(2x2, 3x3) (3x3, stride 1, channels multiples of 4, >= 8): odd output sizes
    // (partial tiles), 'same' and 'valid', explicit pads up to 2 (the input gradient's pad 2 - p).
    [[3, 13, 11, 8], [3, 3, 8, 12], 1, 'same', 1],
    [[4, 10, 9, 16], [3, 3, 16, 8], 1, 'valid', 1],
    [[3, 9, 10, 8], [3, 3, 8, 8], 1, [[0, 0], [2, 1], [0, 2], [0, 0]], 1],
    [[1, 80, 80, 1], [3, 3, 1, 4], 1, 'same', 1],
    [[2, 31, 30, 2], [2, 2, 2, 6], 2, 'same', 1],
    [[3, 15, 14, 1], [3, 3, 1, 5], 1, 'same', 2],
  ] as Conv2dCase[])('x %j filter %j: forward (+bias, relu), input and filter gradients', async (xs, fs, s, p, d) => {
    const xv = randArray(size(xs), 40);
    const fv = randArray(size(fs), 41);
    const bv = randArray(fs[3], 42);
    const run = () => {
      const x = sg.tensor(xv, xs);
      const f = sg.tensor(fv, fs);
      const b = sg.tensor(bv, [fs[3]]);
      const y = fusedConv2d({ x, filter: f, strides: s, pad: p, dilations: d, bias: b, activation: 'relu' });
      const dy = rand(y.shape, 43);
      const g = sg.grads((a, w) => conv2d(a, w, s, p, 'NHWC', d))([x, f], dy);
      const out = [take(y), ...g.map(take)];
      sg.dispose([x, f, b, dy]);
      return out;
    };
    await sg.setBackend('js');
    const want = run();
    await sg.setBackend('wasm');
    const got = run();
    got.forEach((v, i) => expectClose(v, want[i], 1e-4, 1e-4));
  });
});

describe('wasm Winograd convolutions with a NaN or an infinity', () => {
  checkNoLeaks();
  // Winograd's transforms subtract and mix a 6x6 tile (Inf - Inf = NaN), so one non-finite value
  // would make NaN of outputs that never read it: such inputs take im2col + GEMM, and NaN and
  // infinities fall exactly where the js oracle puts them.
  const expectSameNonFinite = (got: number[], want: number[], what: string) => {
    expect(got.length, what).toBe(want.length);
    const nanAt = (v: number[]) => v.flatMap((x, i) => (Number.isNaN(x) ? [i] : []));
    const infAt = (v: number[]) => v.flatMap((x, i) => (x === Infinity || x === -Infinity ? [`${i}:${x}`] : []));
    expect(nanAt(got), `${what}: NaN positions`).toEqual(nanAt(want));
    expect(infAt(got), `${what}: infinities`).toEqual(infAt(want));
    const fin = (v: number[]) => v.filter((_, i) => Number.isFinite(want[i]));
    expectClose(fin(got), fin(want), 1e-4, 1e-4);
  };
  it.each([
    [[3, 13, 11, 8], [3, 3, 8, 12], 'same'],
    [[4, 10, 9, 16], [3, 3, 16, 8], 'valid'],
  ] as [number[], number[], PadArg][])('x %j filter %j %s: forward (+bias, relu), input and filter gradients', async (xs, fs, p) => {
    const xv = randArray(size(xs), 60);
    const fv = randArray(size(fs), 61);
    const bv = randArray(fs[3], 62);
    // where: the tensor that holds the bad value; the value sits inside the image, away from tile edges.
    const run = (where: 'x' | 'dy', bad: number) => {
      const xa = xv.slice();
      if (where === 'x') xa[((1 * xs[1] + 5) * xs[2] + 6) * xs[3]] = bad;
      const x = sg.tensor(xa, xs);
      const f = sg.tensor(fv, fs);
      const b = sg.tensor(bv, [fs[3]]);
      const y = fusedConv2d({ x, filter: f, strides: 1, pad: p, bias: b, activation: 'relu' });
      const dya = randArray(size(y.shape), 63);
      if (where === 'dy') dya[((1 * y.shape[1] + 5) * y.shape[2] + 6) * y.shape[3] + 1] = bad;
      const dy = sg.tensor(dya, y.shape);
      const g = sg.grads((a, w) => conv2d(a, w, 1, p))([x, f], dy);
      const out = [take(y), ...g.map(take)];
      sg.dispose([x, f, b, dy]);
      return out;
    };
    for (const where of ['x', 'dy'] as const) {
      for (const bad of [NaN, Infinity]) {
        await sg.setBackend('js');
        const want = run(where, bad);
        await sg.setBackend('wasm');
        const wb = ENGINE.backend as WasmBackend;
        const called: string[] = [];
        const orig = wb.dispatch.bind(wb);
        wb.dispatch = (fn, ...rest) => {
          called.push(fn);
          return orig(fn, ...rest);
        };
        let got: number[][];
        try {
          got = run(where, bad);
        } finally {
          wb.dispatch = orig;
        }
        const names = ['y', 'dx', 'df'];
        // The bad value reaches outputs: the check is not vacuous.
        expect(want.some((v) => v.some((e) => !Number.isFinite(e)))).toBe(true);
        got.forEach((v, i) => expectSameNonFinite(v, want[i], `${where} = ${bad}: ${names[i]}`));
        // The pass whose inputs are finite (the input gradient for a bad x, the forward for a bad
        // dy: the fused forward and the one inside grads) still takes Winograd; the passes that
        // read the bad value take im2col + GEMM.
        expect(called.filter((c) => c === 'winogradF32').length, `${where} = ${bad}: ${called}`).toBe(where === 'dy' ? 2 : 1);
        expect(called).not.toContain('winogradFilterGradF32');
      }
    }
  });
});
