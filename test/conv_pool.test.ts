// Pooling, resize, moments and batchNorm ops on every backend against tfjs-core's cpu backend
// and finite differences; and the wasm conv/pool kernels give bit-identical results however
// their range is split (what the thread pool relies on).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import type { WasmBackend } from '../src/backends/wasm/index.js';
import type { ConvExports } from '../src/backends/wasm/kernels/conv.js';
import { GEOM_FIELDS, type ConvGeom } from '../src/backends/js/kernels/conv.js';
import { avgPool, avgPool3d, maxPool, maxPool3d } from '../src/ops/pool.js';
import { resizeBilinear, resizeNearestNeighbor } from '../src/ops/resize.js';
import { batchNorm, moments } from '../src/ops/moments.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take } from './helpers.js';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

const size = (s: number[]) => s.reduce((a, c) => a * c, 1);

function pair(shape: number[], seed: number): [sg.Tensor, tf.Tensor] {
  const v = randArray(size(shape), seed);
  return [sg.tensor(v, shape), tf.tensor(v, shape)];
}

function same(ours: sg.Tensor, theirs: tf.Tensor, rtol = 1e-5, atol = 1e-6): void {
  expect(ours.shape).toEqual(theirs.shape);
  expectClose(take(ours), theirs.dataSync(), rtol, atol);
  theirs.dispose();
}

type PoolCase = [number[], number | [number, number], number | [number, number], 'valid' | 'same'];
const POOL_CASES: PoolCase[] = [
  [[2, 8, 8, 5], 2, 2, 'valid'],
  [[2, 7, 9, 6], 3, 2, 'same'],
  [[1, 7, 9, 6], 3, 2, 'valid'],
  [[1, 5, 7, 9], [3, 2], 1, 'same'],
  [[3, 6, 5, 4], [2, 3], [1, 2], 'valid'],
  [[1, 9, 9, 3], 3, 3, 'same'],
];

describe.each(BACKENDS)('pooling, resize and moments on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(POOL_CASES)('maxPool and avgPool x %j window %j strides %j %s match tfjs (values and gradients)', (xs, k, s, p) => {
    const [x, tx] = pair(xs, 1);
    for (const type of ['max', 'avg'] as const) {
      const ours = type === 'max' ? maxPool : avgPool;
      const theirs = type === 'max' ? tf.maxPool : tf.avgPool;
      const want = theirs(tx as tf.Tensor4D, k, s, p);
      const [dy, tdy] = pair(want.shape, 2);
      same(ours(x, k, s, p), want);
      // tfjs' avgPool gradient divides by the full window also where 'same' padding cuts it
      // (its forward divides by the taps inside); ours matches the forward (checked below).
      if (type === 'max' || p === 'valid') {
        const g = sg.grad((a) => ours(a, k, s, p))(x, dy);
        same(g, tf.grad((a: tf.Tensor) => theirs(a as tf.Tensor4D, k, s, p))(tx, tdy));
      }
      sg.dispose(dy);
      tdy.dispose();
    }
    sg.dispose(x);
    tx.dispose();
  });

  it('pool gradients match finite differences (avg with same padding, max with overlapping windows)', () => {
    const x = rand([1, 5, 6, 3], 3);
    // Distinct values at least 0.05 apart, so the +-eps steps never change a window's maximum.
    const perm = Array.from({ length: 90 }, (_, i) => ((i * 37) % 90) * 0.05);
    const xm = sg.tensor(perm, [1, 5, 6, 3]);
    gradCheck((a) => avgPool(a, 3, 2, 'same'), [x]);
    gradCheck((a) => maxPool(a, 3, 1, 'same'), [xm]);
    gradCheck((a) => avgPool3d(sg.reshape(a, [1, 5, 6, 3, 1]), 2, 1, 'same'), [x]);
    sg.dispose([x, xm]);
  });

  it('maxPool3d and avgPool3d match tfjs', () => {
    for (const [xs, k, s, p] of [
      [[2, 5, 6, 4, 3], 2, 2, 'valid'],
      [[1, 5, 5, 5, 2], 3, 2, 'same'],
    ] as [number[], number, number, 'same'][]) {
      const [x, tx] = pair(xs, 4);
      same(maxPool3d(x, k, s, p), tf.maxPool3d(tx as tf.Tensor5D, k, s, p));
      same(avgPool3d(x, k, s, p), tf.avgPool3d(tx as tf.Tensor5D, k, s, p));
      const want = tf.maxPool3d(tx as tf.Tensor5D, k, s, p);
      const [dy, tdy] = pair(want.shape, 5);
      want.dispose();
      same(sg.grad((a) => maxPool3d(a, k, s, p))(x, dy), tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, k, s, p))(tx, tdy));
      sg.dispose([x, dy]);
      tf.dispose([tx, tdy]);
    }
  });

  it('maxPool takes the first maximum of a window and ignores NaN, as tfjs', () => {
    const x = sg.tensor([1, 3, 3, 2, NaN, 0, 5, NaN], [1, 2, 4, 1]);
    const y = maxPool(x, 2, 2, 'valid');
    expect(take(y)).toEqual([3, 5]);
    const g = sg.grad((a) => maxPool(a, 2, 2, 'valid'))(x);
    expect(take(g)).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    x.dispose();
    // The same rules lane by lane (4 channels: the vector 2x2 path on wasm). Per channel, the
    // taps (0,0) (0,1) (1,0) (1,1) hold: c0 1 3 3 2, c1 NaN 0 5 NaN, c2 2 2 2 2, c3 -1 -1 7 -1.
    const taps = [[1, NaN, 2, -1], [3, 0, 2, -1], [3, 5, 2, 7], [2, NaN, 2, -1]];
    const x4 = sg.tensor(taps.flat(), [1, 2, 2, 4]);
    expect(take(maxPool(x4, 2, 2, 'valid'))).toEqual([3, 5, 2, 7]);
    const dy4 = sg.tensor([10, 20, 30, 40], [1, 1, 1, 4]);
    const g4 = sg.grad((a) => maxPool(a, 2, 2, 'valid'))(x4, dy4);
    expect(take(g4)).toEqual([0, 0, 30, 0, 10, 0, 0, 0, 0, 20, 0, 40, 0, 0, 0, 0]);
    sg.dispose([x4, dy4]);
  });

  it('pool errors name the op and shapes', () => {
    const x = sg.zeros([1, 3, 3, 2]);
    const flat = sg.zeros([3, 3]);
    expect(() => maxPool(x, 4, 1, 'valid')).toThrow(/maxPool: the window \(size 4\) is larger than the padded input \(3 \+ padding = 3\).*x \[1,3,3,2\]/);
    expect(() => avgPool(x, 2, 0, 'valid')).toThrow("avgPool: 'strides' must be a positive integer or 2 positive integers but is 0");
    expect(() => maxPool3d(flat, 2, 1, 'valid')).toThrow("maxPool3d: 'x' must have rank 4 or 5 but has shape [3,3]");
    sg.dispose([x, flat]);
  });

  it.each([
    [[2, 3, 4, 2], [6, 8], false, false],
    [[1, 5, 3, 3], [3, 7], false, true],
    [[1, 4, 5, 1], [7, 3], true, false],
    [[1, 4, 4, 2], [9, 10], false, false],
  ] as [number[], [number, number], boolean, boolean][])('resizeNearestNeighbor / resizeBilinear %j -> %j (alignCorners %s, halfPixelCenters %s) match tfjs; gradients match finite differences', (xs, sz, ac, hp) => {
    const [x, tx] = pair(xs, 6);
    for (const [ours, theirs] of [
      [resizeNearestNeighbor, tf.image.resizeNearestNeighbor],
      [resizeBilinear, tf.image.resizeBilinear],
    ] as const) {
      same(ours(x, sz, ac, hp), theirs(tx as tf.Tensor4D, sz, ac, hp));
      // Not against tfjs: tfjs-cpu 4.22's resize gradients disagree with finite differences
      // (nearest) or swap height and width (bilinear on non-square images).
      const small = sg.tidy(() => sg.slice(x, [0, 0, 0, 0], [1, ...xs.slice(1)]));
      gradCheck((a) => ours(a, sz, ac, hp), [small]);
      small.dispose();
    }
    sg.dispose(x);
    tx.dispose();
  });

  it('moments and batchNorm match tfjs, with gradients', () => {
    const [x, tx] = pair([4, 3, 5], 8);
    for (const axes of [[0], [0, 1], [2]]) {
      const m = moments(x, axes, true);
      const t = tf.moments(tx, axes, true);
      same(m.mean, t.mean);
      same(m.variance, t.variance);
    }
    const [mu, tmu] = pair([5], 9);
    const v = sg.tensor(randArray(5, 10, 0.5, 2));
    const tv = tf.tensor(v.dataSync());
    const [o, to] = pair([5], 11);
    const [s, ts] = pair([5], 12);
    same(batchNorm(x, mu, v, o, s, 1e-3), tf.batchNorm(tx, tmu, tv, to, ts, 1e-3));
    const xs = sg.tidy(() => sg.slice(x, [0, 0, 0], [2, 3, 5]));
    gradCheck((a, b) => {
      const { mean, variance } = moments(a, [0, 1], true);
      return batchNorm(a, mean, variance, undefined, b, 1e-3);
    }, [xs, s]);
    sg.dispose([x, mu, v, o, s, xs]);
    tf.dispose([tx, tmu, tv, to, ts]);
  });
});

describe('wasm conv and pool kernels: results independent of the range split', () => {
  it('forward, input gradient, filter gradient and pools split at odd points equal the whole call bit for bit', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.backend as WasmBackend;
    const w = b.wasm as unknown as ConvExports & WasmBackend['wasm'];
    const g: ConvGeom = { N: 3, D: 1, H: 9, W: 8, C: 5, OD: 1, OH: 5, OW: 4, CO: 11, KD: 1, KH: 3, KW: 3, SD: 1, SH: 2, SW: 2, DD: 1, DH: 1, DW: 1, PD: 0, PH: 1, PW: 1 };
    const K = 45;
    const M = 3 * 5 * 4;
    const f32 = (n: number, seed: number) => {
      const p = w.alloc(n * 4);
      new Float32Array(w.memory.buffer, p, n).set(randArray(n, seed));
      return p;
    };
    const gp = w.alloc(GEOM_FIELDS.length * 4);
    new Int32Array(w.memory.buffer, gp, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => g[k]));
    const x = f32(3 * 9 * 8 * 5, 1);
    const f = f32(K * 11, 2);
    const bias = f32(11, 3);
    const dy = f32(M * 11, 4);
    const work = w.alloc(w.gemmWorkspaceBytes());
    const col = w.alloc(K * 512 * 4);
    const outA = w.alloc(3 * 9 * 8 * 5 * 4);
    const outB = w.alloc(3 * 9 * 8 * 5 * 4);
    const read = (p: number, n: number) => Array.from(new Float32Array(w.memory.buffer, p, n));
    const check = (n: number, whole: () => void, parts: Array<() => void>) => {
      whole();
      const a = read(outA, n);
      parts.forEach((p) => p());
      expect(read(outB, n)).toEqual(a);
    };
    check(M * 11, () => w.conv3dF32(gp, x, f, bias, outA, 1, work, col, 7, 0, M), [
      () => w.conv3dF32(gp, x, f, bias, outB, 1, work, col, 7, 0, 13),
      () => w.conv3dF32(gp, x, f, bias, outB, 1, work, col, 7, 13, 41),
      () => w.conv3dF32(gp, x, f, bias, outB, 1, work, col, 7, 41, M),
    ]);
    check(3 * 9 * 8 * 5, () => w.conv3dBackpropInputF32(gp, dy, f, outA, work, col, 7, 0, 3), [
      () => w.conv3dBackpropInputF32(gp, dy, f, outB, work, col, 7, 0, 1),
      () => w.conv3dBackpropInputF32(gp, dy, f, outB, work, col, 7, 1, 3),
    ]);
    check(K * 11, () => w.conv3dBackpropFilterF32(gp, x, dy, outA, work, col, 16, 0, 11), [
      () => w.conv3dBackpropFilterF32(gp, x, dy, outB, work, col, 16, 0, 3),
      () => w.conv3dBackpropFilterF32(gp, x, dy, outB, work, col, 16, 3, 11),
    ]);
    // Pools: the same geometry read as a 3x3 window, stride 2 (CO ignored).
    const pg: ConvGeom = { ...g, CO: 5 };
    new Int32Array(w.memory.buffer, gp, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => pg[k]));
    for (const isMax of [0, 1]) {
      check(M * 5, () => w.pool3dF32(gp, isMax, x, outA, 0, M), [() => w.pool3dF32(gp, isMax, x, outB, 0, 29), () => w.pool3dF32(gp, isMax, x, outB, 29, M)]);
    }
    check(3 * 9 * 8 * 5, () => w.maxPool3dGradF32(gp, x, dy, outA, 0, 3), [() => w.maxPool3dGradF32(gp, x, dy, outB, 0, 2), () => w.maxPool3dGradF32(gp, x, dy, outB, 2, 3)]);
    check(3 * 9 * 8 * 5, () => w.avgPool3dGradF32(gp, dy, outA, 0, 3), [() => w.avgPool3dGradF32(gp, dy, outB, 0, 1), () => w.avgPool3dGradF32(gp, dy, outB, 1, 3)]);
    for (const p of [gp, x, f, bias, dy, work, col, outA, outB]) w.free(p);
  });

  it('Winograd F(4x4, 3x3), forward and filter gradient: against direct sums, and splits (odd tiles; channels) equal the whole call bit for bit', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.backend as WasmBackend;
    const w = b.wasm as unknown as ConvExports & WasmBackend['wasm'];
    // 'same' 3x3 over 7x9 (odd sizes: partial tiles), C 8 -> CO 12, two images.
    const g: ConvGeom = { N: 2, D: 1, H: 7, W: 9, C: 8, OD: 1, OH: 7, OW: 9, CO: 12, KD: 1, KH: 3, KW: 3, SD: 1, SH: 1, SW: 1, DD: 1, DH: 1, DW: 1, PD: 0, PH: 1, PW: 1 };
    const f32 = (n: number, seed: number) => {
      const p = w.alloc(n * 4);
      new Float32Array(w.memory.buffer, p, n).set(randArray(n, seed));
      return p;
    };
    const gp = w.alloc(GEOM_FIELDS.length * 4);
    new Int32Array(w.memory.buffer, gp, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => g[k]));
    const nx = g.N * g.H * g.W * g.C, ny = g.N * g.OH * g.OW * g.CO;
    const x = f32(nx, 1), f = f32(9 * g.C * g.CO, 2), bias = f32(g.CO, 3);
    const u = w.alloc(36 * g.C * g.CO * 4 + 72);
    const work = w.alloc(w.gemmWorkspaceBytes());
    const chunk = 5;
    const head = 1152 + 144 * g.C; // transform scratch and one input window
    const buf = w.alloc(head + 144 * chunk * (g.C + g.CO));
    const yA = w.alloc(ny * 4), yB = w.alloc(ny * 4);
    const read = (p: number) => Array.from(new Float32Array(w.memory.buffer, p, ny));
    w.winogradFilterF32(f, g.C, g.CO, u, 0);
    const tiles = g.N * 2 * 3; // 4x4 tiles over 7 x 9
    w.winogradF32(gp, x, u, bias, yA, 0, work, buf, chunk, 0, tiles);
    const xv = new Float32Array(w.memory.buffer, x, nx).slice();
    const fv = new Float32Array(w.memory.buffer, f, 9 * g.C * g.CO).slice();
    const bv = new Float32Array(w.memory.buffer, bias, g.CO).slice();
    const want = new Float32Array(ny);
    for (let n = 0; n < g.N; n++)
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++)
          for (let co = 0; co < g.CO; co++) {
            let v = bv[co];
            for (let kh = 0; kh < 3; kh++)
              for (let kw = 0; kw < 3; kw++) {
                const ih = oh + kh - 1, iw = ow + kw - 1;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                for (let c = 0; c < g.C; c++) v += xv[((n * g.H + ih) * g.W + iw) * g.C + c] * fv[((kh * 3 + kw) * g.C + c) * g.CO + co];
              }
            want[((n * g.OH + oh) * g.OW + ow) * g.CO + co] = v;
          }
    const whole = read(yA);
    // F(4x4, 3x3) rounds more than a direct sum (transform constants up to 8 and 1/24): 1.7e-5 measured here.
    expectClose(whole, want, 5e-5, 5e-5);
    for (const cuts of [[0, 1, 7, tiles], [0, 5, tiles - 1, tiles]]) {
      for (let i = 0; i + 1 < cuts.length; i++) w.winogradF32(gp, x, u, bias, yB, 0, work, buf, chunk, cuts[i], cuts[i + 1]);
      expect(read(yB)).toEqual(whole);
    }
    // The filter gradient: against direct sums, then split by output channels at multiples of 4.
    const dy = w.alloc(ny * 4);
    new Float32Array(w.memory.buffer, dy, ny).set(randArray(ny, 9));
    const dyv = new Float32Array(w.memory.buffer, dy, ny).slice();
    const nf = 9 * g.C * g.CO;
    const fbuf = w.alloc(head + 144 * chunk * (g.C + g.CO) + 144 * g.C * g.CO);
    const dfA = w.alloc(nf * 4), dfB = w.alloc(nf * 4);
    const readF = (p: number) => Array.from(new Float32Array(w.memory.buffer, p, nf));
    w.winogradFilterGradF32(gp, x, dy, dfA, work, fbuf, chunk, 0, g.CO);
    const dfWant = new Float32Array(nf);
    for (let n = 0; n < g.N; n++)
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++)
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const ih = oh + kh - 1, iw = ow + kw - 1;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              for (let c = 0; c < g.C; c++)
                for (let co = 0; co < g.CO; co++)
                  dfWant[((kh * 3 + kw) * g.C + c) * g.CO + co] += xv[((n * g.H + ih) * g.W + iw) * g.C + c] * dyv[((n * g.OH + oh) * g.OW + ow) * g.CO + co];
            }
    const dfWhole = readF(dfA);
    expectClose(dfWhole, dfWant, 1e-4, 1e-4);
    for (const cuts of [[0, 4, g.CO], [0, 8, g.CO]]) {
      for (let i = 0; i + 1 < cuts.length; i++) w.winogradFilterGradF32(gp, x, dy, dfB, work, fbuf, chunk, cuts[i], cuts[i + 1]);
      expect(readF(dfB)).toEqual(dfWhole);
    }
    for (const p of [gp, x, f, bias, u, work, buf, yA, yB, dy, fbuf, dfA, dfB]) w.free(p);
  });

  it('depthwise kernels (multiplier 1 and 2): splits at odd points equal the whole call bit for bit', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.backend as WasmBackend;
    const w = b.wasm as unknown as ConvExports & WasmBackend['wasm'];
    for (const mult of [1, 2]) {
      const C = 6, CO = C * mult;
      const g: ConvGeom = { N: 3, D: 1, H: 9, W: 8, C, OD: 1, OH: 5, OW: 4, CO, KD: 1, KH: 3, KW: 3, SD: 1, SH: 2, SW: 2, DD: 1, DH: 1, DW: 1, PD: 0, PH: 1, PW: 1 };
      const M = 3 * 5 * 4;
      const f32 = (n: number, seed: number) => {
        const p = w.alloc(n * 4);
        new Float32Array(w.memory.buffer, p, n).set(randArray(n, seed));
        return p;
      };
      const gp = w.alloc(GEOM_FIELDS.length * 4);
      new Int32Array(w.memory.buffer, gp, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => g[k]));
      const x = f32(3 * 9 * 8 * C, 1);
      const f = f32(9 * CO, 2);
      const dy = f32(M * CO, 4);
      const n = Math.max(M * CO, 3 * 9 * 8 * C);
      const outA = w.alloc(n * 4);
      const outB = w.alloc(n * 4);
      const read = (p: number, k: number) => Array.from(new Float32Array(w.memory.buffer, p, k));
      const check = (k: number, whole: () => void, parts: Array<() => void>) => {
        whole();
        const a = read(outA, k);
        parts.forEach((p) => p());
        expect(read(outB, k)).toEqual(a);
      };
      check(M * CO, () => w.depthwiseF32(gp, mult, x, f, outA, 0, M), [
        () => w.depthwiseF32(gp, mult, x, f, outB, 0, 7),
        () => w.depthwiseF32(gp, mult, x, f, outB, 7, 33),
        () => w.depthwiseF32(gp, mult, x, f, outB, 33, M),
      ]);
      check(3 * 9 * 8 * C, () => w.depthwiseBackpropInputF32(gp, mult, dy, f, outA, 0, 3), [
        () => w.depthwiseBackpropInputF32(gp, mult, dy, f, outB, 0, 1),
        () => w.depthwiseBackpropInputF32(gp, mult, dy, f, outB, 1, 3),
      ]);
      check(9 * CO, () => w.depthwiseBackpropFilterF32(gp, mult, x, dy, outA, 0, 9), [
        () => w.depthwiseBackpropFilterF32(gp, mult, x, dy, outB, 0, 4),
        () => w.depthwiseBackpropFilterF32(gp, mult, x, dy, outB, 4, 9),
      ]);
      for (const p of [gp, x, f, dy, outA, outB]) w.free(p);
    }
  });

  it('the small-K kernels (transposed input gradient, direct filter gradient and forward): values, and the same bits on any split', async () => {
    await sg.setBackend('wasm');
    const b = ENGINE.backend as WasmBackend;
    const w = b.wasm as unknown as ConvExports & WasmBackend['wasm'];
    const geoms: ConvGeom[] = [
      // 3x3x1, stride 1, 'same' (the contiguous SIMD col2im), 4 images of 9x8
      { N: 4, D: 1, H: 9, W: 8, C: 1, OD: 1, OH: 9, OW: 8, CO: 13, KD: 1, KH: 3, KW: 3, SD: 1, SH: 1, SW: 1, DD: 1, DH: 1, DW: 1, PD: 0, PH: 1, PW: 1 },
      // 2x2x3, stride 2 (the strided col2im), 4 images of 9x8x3
      { N: 4, D: 1, H: 9, W: 8, C: 3, OD: 1, OH: 5, OW: 4, CO: 7, KD: 1, KH: 2, KW: 2, SD: 1, SH: 2, SW: 2, DD: 1, DH: 1, DW: 1, PD: 0, PH: 0, PW: 0 },
    ];
    for (const g of geoms) {
      const K = g.KH * g.KW * g.C;
      const pixIn = g.H * g.W * g.C;
      const M = g.OH * g.OW;
      const f32 = (n: number, seed: number) => {
        const p = w.alloc(n * 4);
        new Float32Array(w.memory.buffer, p, n).set(randArray(n, seed));
        return p;
      };
      const gp = w.alloc(GEOM_FIELDS.length * 4);
      new Int32Array(w.memory.buffer, gp, GEOM_FIELDS.length).set(GEOM_FIELDS.map((k) => g[k]));
      const f = f32(K * g.CO, 2);
      const dy = f32(g.N * M * g.CO, 4);
      const work = w.alloc(w.gemmWorkspaceBytes());
      const col = w.alloc(K * 512 * 4);
      const outA = w.alloc(g.N * pixIn * 4);
      const outB = w.alloc(g.N * pixIn * 4);
      const read = (p: number) => Array.from(new Float32Array(w.memory.buffer, p, g.N * pixIn));
      w.conv3dBackpropInputF32(gp, dy, f, outA, work, col, 512, 0, g.N);
      const whole = read(outA);
      // The js oracle on the same numbers (it sums each element in a different order).
      const fv = new Float32Array(w.memory.buffer, f, K * g.CO).slice();
      const dyv = new Float32Array(w.memory.buffer, dy, g.N * M * g.CO).slice();
      const want = new Float32Array(g.N * pixIn);
      for (let n = 0; n < g.N; n++)
        for (let oh = 0; oh < g.OH; oh++)
          for (let ow = 0; ow < g.OW; ow++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.SH + kh - g.PH, iw = ow * g.SW + kw - g.PW;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                for (let c = 0; c < g.C; c++)
                  for (let co = 0; co < g.CO; co++)
                    want[((n * g.H + ih) * g.W + iw) * g.C + c] +=
                      dyv[((n * g.OH + oh) * g.OW + ow) * g.CO + co] * fv[((kh * g.KW + kw) * g.C + c) * g.CO + co];
              }
      expectClose(whole, want, 1e-5, 1e-5);
      // Chunks smaller than an image (5 rows), of one image (M) and of several; splits at every
      // image. (The chunk size is fixed per geometry; it may change the order of a sum.)
      for (const rows of [5, M, 3 * M - 1]) {
        w.conv3dBackpropInputF32(gp, dy, f, outA, work, col, rows, 0, g.N);
        const whole = read(outA);
        expectClose(whole, want, 1e-5, 1e-5);
        for (const cut of [1, 2, 3]) {
          w.conv3dBackpropInputF32(gp, dy, f, outB, work, col, rows, 0, cut);
          w.conv3dBackpropInputF32(gp, dy, f, outB, work, col, rows, cut, g.N);
          expect(read(outB)).toEqual(whole);
        }
      }
      // The direct filter gradient: against the same loops, then split by output channels at
      // odd points (8-, 4- and 1-wide column groups), with a zero-row buffer of 2 rows of 9.
      const x = f32(g.N * pixIn, 5);
      const xv = new Float32Array(w.memory.buffer, x, g.N * pixIn).slice();
      const dfWant = new Float32Array(K * g.CO);
      for (let n = 0; n < g.N; n++)
        for (let oh = 0; oh < g.OH; oh++)
          for (let ow = 0; ow < g.OW; ow++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.SH + kh - g.PH, iw = ow * g.SW + kw - g.PW;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                for (let c = 0; c < g.C; c++)
                  for (let co = 0; co < g.CO; co++)
                    dfWant[((kh * g.KW + kw) * g.C + c) * g.CO + co] +=
                      xv[((n * g.H + ih) * g.W + iw) * g.C + c] * dyv[((n * g.OH + oh) * g.OW + ow) * g.CO + co];
              }
      const readDf = (p: number) => Array.from(new Float32Array(w.memory.buffer, p, K * g.CO));
      w.conv3dBackpropFilterF32(gp, x, dy, outA, work, col, 2, 0, g.CO);
      const dfWhole = readDf(outA);
      expectClose(dfWhole, dfWant, 1e-5, 1e-5);
      for (const cuts of [[0, 5, g.CO], [0, 1, 2, 6, g.CO], [0, g.CO - 1, g.CO]]) {
        for (let i = 0; i + 1 < cuts.length; i++) w.conv3dBackpropFilterF32(gp, x, dy, outB, work, col, 2, cuts[i], cuts[i + 1]);
        expect(readDf(outB)).toEqual(dfWhole);
      }
      // The direct forward (+ bias, each fused activation): against the same loops, then split
      // by output pixels at odd points (mid-row, inside 4-pixel tiles).
      const bias = f32(g.CO, 6);
      const bv = new Float32Array(w.memory.buffer, bias, g.CO).slice();
      const M2 = g.N * M;
      const pre = new Float32Array(M2 * g.CO);
      for (let p = 0; p < M2; p++) {
        const n = Math.floor(p / M), oh = Math.floor((p % M) / g.OW), ow = p % g.OW;
        for (let co = 0; co < g.CO; co++) {
          let v = 0;
          for (let kh = 0; kh < g.KH; kh++)
            for (let kw = 0; kw < g.KW; kw++) {
              const ih = oh * g.SH + kh - g.PH, iw = ow * g.SW + kw - g.PW;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              for (let c = 0; c < g.C; c++) v += xv[((n * g.H + ih) * g.W + iw) * g.C + c] * fv[((kh * g.KW + kw) * g.C + c) * g.CO + co];
            }
          pre[p * g.CO + co] = v + bv[co];
        }
      }
      const acts: Array<(v: number) => number> = [(v) => v, (v) => Math.max(v, 0), (v) => Math.min(Math.max(v, 0), 6), (v) => 1 / (1 + Math.exp(-v)), Math.tanh];
      const yA = w.alloc(M2 * g.CO * 4);
      const yB = w.alloc(M2 * g.CO * 4);
      const readOut = (p: number) => Array.from(new Float32Array(w.memory.buffer, p, M2 * g.CO));
      acts.forEach((fn, act) => {
        w.conv3dF32(gp, x, f, bias, yA, act, work, col, 16, 0, M2);
        const yWhole = readOut(yA);
        expectClose(yWhole, Array.from(pre, fn), 1e-5, 1e-5);
        for (const cuts of [[0, 3, 13, M2], [0, 1, M2 - 2, M2]]) {
          for (let i = 0; i + 1 < cuts.length; i++) w.conv3dF32(gp, x, f, bias, yB, act, work, col, 16, cuts[i], cuts[i + 1]);
          expect(readOut(yB)).toEqual(yWhole);
        }
      });
      for (const p of [gp, f, dy, x, bias, work, col, outA, outB, yA, yB]) w.free(p);
    }
  });
});
