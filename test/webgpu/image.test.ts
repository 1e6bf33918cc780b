// WebGPU image and scan kernels (src/backends/webgpu/kernels/{image,scan}.ts) against the js
// oracle within 1e-4 relative: resizeBilinear / resizeNearestNeighbor forward and gradient for
// up- and down-sampling with alignCorners and halfPixelCenters; resizeNearestNeighbor and its
// gradient exactly for every in and out size 1..64 in each mode; cropAndResize (bilinear and
// nearest, boxes partly outside the image, one-pixel crops), image.transform with every fill mode
// and interpolation and its gradient, cumprod's gradient (exclusive, reverse, a zero in x).
// Then fit() of a small UpSampling2D(bilinear) model on webgpu and wasm: the same loss curve.
// ConvLSTM2D: webgpu has no fused ConvLstmSequence kernels, so the layer takes its composed path
// (conv2d, slices and gate math: every piece a WGSL kernel) instead of falling back to the CPU
// kernels, which cannot read GPU-only inputs; fit() of a small ConvLSTM2D model gives the loss
// curve the fused kernels give on wasm (so forward values and every weight gradient agree). The
// composed path itself is checked against tfjs-layers and finite differences in
// test/layers/conv_lstm*.test.ts. (One file with the fits: they share compiled pipelines.)
// topk runs as the WGSL 'TopK' kernel on webgpu (a bitonic sort per row: GPU-only input, ties, NaN,
// int32, rows of 1 to 5000, gradient of the values); ops that compute on the host name themselves and the argument when it has no host copy,
// and work once it is read with await data(); linalg.qr is refused before any kernel runs.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';
import { run1 } from '../../src/ops/util.js';

const r = (shape: number[], seed: number, s = 1) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, -s, s), shape);
const KERNELS = [
  'ResizeBilinear',
  'ResizeBilinearGrad',
  'ResizeNearest',
  'ResizeNearestGrad',
  'CropAndResize',
  'ImageTransform',
  'ImageTransformGrad',
  'CumprodGrad',
  'TopK',
];

/** y and the gradient of sum(y * w) with respect to the first argument. */
function withGrad(f: (x: sg.Tensor) => sg.Tensor, x: sg.Tensor, seed: number): sg.Tensor[] {
  const y = f(x);
  const w = r(y.shape, seed);
  const [g] = sg.grads((t: sg.Tensor) => sg.sum(sg.mul(f(t), w)))([x]);
  return [y, g];
}

describeGpu('webgpu image kernels vs the js oracle', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(KERNELS);

  it('resize bilinear and nearest, up and down, alignCorners / halfPixelCenters: values and gradients', () =>
    vsJs(() => {
      const x = r([2, 3, 5, 2], 1);
      const out: sg.Tensor[] = [];
      let seed = 10;
      for (const size of [
        [7, 4],
        [2, 9],
        [1, 1],
      ] as [number, number][]) {
        for (const [ac, hp] of [
          [false, false],
          [true, false],
          [false, true],
        ]) {
          out.push(...withGrad((t) => sg.resizeBilinear(t, size, ac, hp), x, seed++));
          out.push(...withGrad((t) => sg.resizeNearestNeighbor(t, size, ac, hp), x, seed++));
        }
      }
      // an upsampling factor of 4 (the gradient's output-row window) and a one-pixel input
      out.push(...withGrad((t) => sg.resizeBilinear(t, [12, 20], false, true), x, seed++));
      out.push(...withGrad((t) => sg.resizeBilinear(t, [3, 2], true), r([1, 1, 1, 3], 2), seed++));
      return out;
    }));

  // The source index of output index i is floor (round with alignCorners) of the float64 product
  // scale * i (scale * (i + 0.5) with halfPixelCenters), as tfjs; that product falls just below an
  // integer at 90 (in, out) indices up to 64 (26 -> 46 rows: output row 23 reads row 12, where the
  // exact 23 * 26 / 46 = 13). Every in and out size 1..64 for each mode, alternately along rows
  // and columns, forward and gradient (the kernels called directly: one dispatch each). x holds
  // each pixel's index, so y says which pixel each output read; the gradient of dy (distinct
  // integers) sums exactly. Four concatenated readbacks; compared exactly.
  it('resizeNearestNeighbor and its gradient read the pixels the js kernel reads, every size 1..64, each mode', { timeout: 120_000 }, async () => {
    const where: { I: number; O: number; what: string }[] = []; // the calls, in order
    const sweep = () =>
      sg.tidy(() => {
        const ramp = (n: number, rows: boolean, add: number) =>
          sg.tensor(Float32Array.from({ length: n }, (_, i) => i + add), rows ? [1, n, 1, 1] : [1, 1, n, 1]);
        const x = [false, true].map((rows) => Array.from({ length: 65 }, (_, n) => ramp(n, rows, 0)));
        const dy = [false, true].map((rows) => Array.from({ length: 65 }, (_, n) => ramp(n, rows, 1)));
        const ys: sg.Tensor[][] = [[], []];
        const gs: sg.Tensor[][] = [[], []];
        where.length = 0;
        for (const [ac, hp] of [
          [false, false],
          [true, false],
          [false, true],
        ]) {
          for (let k = 0; k < 4096; k++) {
            const [I, O, rows] = [1 + (k >> 6), 1 + (k & 63), k % 2];
            const attrs = { size: rows ? [O, 1] : [1, O], alignCorners: ac, halfPixelCenters: hp, inShape: x[rows][I].shape };
            ys[rows].push(run1('ResizeNearest', [x[rows][I]], attrs));
            gs[rows].push(run1('ResizeNearestGrad', [dy[rows][O]], attrs));
            where.push({ I, O, what: `${I} -> ${O} ${rows ? 'rows' : 'columns'}, alignCorners ${ac}, halfPixelCenters ${hp}` });
          }
        }
        return [sg.concat(ys[0], 2), sg.concat(ys[1], 1), sg.concat(gs[0], 2), sg.concat(gs[1], 1)];
      });
    await sg.setBackend('js');
    const ref = sweep();
    const want = ref.map((t) => t.dataSync());
    sg.dispose(ref);
    await sg.setBackend('webgpu');
    const out = sweep();
    const bad: string[] = [];
    for (let j = 0; j < 4; j++) {
      const got = await out[j].data();
      expect(got.length).toBe(want[j].length);
      // parts of output j: calls of its axis (j odd: rows), each O (forward) or I (gradient) long
      let i = 0;
      for (let call = j % 2; call < where.length && bad.length < 5; call += 2) {
        const { I, O, what } = where[call];
        for (let e = 0; e < (j < 2 ? O : I); e++, i++) {
          if (got[i] !== want[j][i]) bad.push(`${j < 2 ? 'y' : 'gradient'} ${what}, index ${e}: ${got[i]}, js ${want[j][i]}`);
        }
      }
    }
    sg.dispose(out);
    expect(bad).toEqual([]);
  });

  // Nearest sampling is discontinuous where a source coordinate is half-way between pixels: with
  // host-known boxes / transforms the GPU reads index tables computed in float64 (next tests: the
  // half-way points themselves); GPU-only ones are sampled in float32, so here the points stay away from ties.
  it('cropAndResize: bilinear and nearest, boxes partly outside, flipped and one-pixel crops', () =>
    vsJs(() => {
      const img = r([2, 5, 6, 3], 3);
      const boxes = sg.tensor([0, 0, 1, 1, 0.1, 0.2, 0.7, 0.85, -0.2, 0.33, 0.6, 1.4, 0.8, 0.93, 0.2, 0.15], [4, 4]);
      const ind = sg.tensor([0, 1, 1, 0], [4], 'int32');
      return [
        sg.image.cropAndResize(img, boxes, ind, [4, 3], 'bilinear', 0.5),
        sg.image.cropAndResize(img, boxes, ind, [3, 5], 'nearest', -1),
        sg.image.cropAndResize(img, boxes, ind, [1, 1], 'bilinear'),
      ];
    }));

  it('cropAndResize with a NaN box coordinate reads NaN as on the CPU (host table, GPU-only boxes, bilinear); outside wins', () =>
    vsJs(() => {
      const img = sg.tensor(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
      // NaN y1; NaN x2 with y outside (extrapolation on the CPU); a plain box
      const boxes = sg.tensor([NaN, 0, 1, 1, -2, 0, -1, NaN, 0, 0, 1, 1], [3, 4]);
      const ind = sg.tensor([0, 0, 0], [3], 'int32');
      const gpuBoxes = sg.add(boxes, 0); // no host copy on webgpu: the float32 shader path
      return [
        sg.image.cropAndResize(img, boxes, ind, [2, 2], 'nearest', 7),
        sg.image.cropAndResize(img, gpuBoxes, ind, [2, 2], 'nearest', 7),
        sg.image.cropAndResize(img, boxes, ind, [2, 2], 'bilinear', 7),
      ];
    }));

  it('image.transform: every fill mode and interpolation, per-image and shared transforms; gradients', () =>
    vsJs(() => {
      const x = r([2, 5, 4, 2], 4);
      const out: sg.Tensor[] = [];
      // a rotation with a shift, a zoom out with a projective term; a shared shear
      const perImage = sg.tensor(
        [0.8, -0.6, 1.37, 0.6, 0.8, -0.63, 0, 0, 1.7, 0.1, -2.2, -0.1, 1.6, -1.9, 0.03, -0.02],
        [2, 8],
      );
      const shared = sg.tensor([[1, 0.4, -0.8, 0.2, 1, 0.3, 0, 0]]);
      let seed = 40;
      for (const mode of ['constant', 'reflect', 'wrap', 'nearest']) {
        for (const interp of ['nearest', 'bilinear']) {
          out.push(...withGrad((t) => sg.image.transform(t, perImage, interp, mode, 0.25), x, seed++));
        }
      }
      out.push(...withGrad((t) => sg.image.transform(t, shared, 'bilinear', 'reflect', 0, [6, 3]), x, seed++));
      return out;
    }));

  it('nearest sampling at half-way points (float64 index tables): cropAndResize and image.transform with its gradient', () => {
    const f = Math.fround;
    // Row 3 of the crop of box [0, 0, 0.43749997, 0.0625] of a 9-row image lies at 3.4999998 in
    // float64 (row 3) and at 3.5 in float32 (row 4); column 3 at 0.49999997, which float32's
    // floor(x + 0.5) takes to 1. A shift by 0.49999997 puts column ox at ox + 0.49999997: row/column
    // ox in float64, ox + 0.5 (so ox + 1) in float32 for ox >= 1. Checked here, so the case is a real tie.
    const y2 = 0.4374999701976776;
    const hs32 = f(f(y2 * 8) / 3);
    expect(Math.round(3 * ((y2 * 8) / 3))).toBe(3);
    expect(Math.floor(f(f(3 * hs32) + 0.5))).toBe(4);
    const tx = f(0.5 - 2 ** -25);
    expect(Math.round(2 + tx)).toBe(2);
    expect(Math.floor(f(f(2 + tx) + 0.5))).toBe(3);
    return vsJs(() => {
      const img = r([1, 9, 9, 2], 81);
      const boxes = sg.tensor([0, 0, y2, 0.0624999962747097, 0.1, 0.1, 0.5624999403953552, 0.5624999403953552], [2, 4]);
      const ind = sg.tensor([0, 0], [2], 'int32');
      const x = r([2, 6, 6, 2], 82);
      const shift = sg.tensor([1, 0, tx, 0, 1, tx, 0, 0], [1, 8]);
      const perImage = sg.tensor([1, 0, tx, 0, 1, -tx, 0, 0, 1, 0, -tx, 0, 1, tx, 0, 0], [2, 8]);
      return [
        sg.image.cropAndResize(img, boxes, ind, [4, 4], 'nearest', -1),
        ...withGrad((t) => sg.image.transform(t, shift, 'nearest', 'constant', 0.5), x, 83),
        ...withGrad((t) => sg.image.transform(t, perImage, 'nearest', 'reflect'), x, 84),
        ...withGrad((t) => sg.image.transform(t, perImage, 'nearest', 'wrap', 0, [7, 5]), x, 85),
      ];
    });
  });

  it('cumprod gradient: inclusive / exclusive, forward / reverse, a zero in x, inner axes', () =>
    vsJs(() => {
      const x = sg.tensor([0.5, -1.2, 0, 2, 1.5, 0.7, -0.3, 1.1, 0.9, -2, 0.4, 1.3], [2, 6]);
      const x3 = r([2, 5, 3], 5);
      const out: sg.Tensor[] = [];
      let seed = 60;
      for (const exclusive of [false, true])
        for (const reverse of [false, true]) {
          out.push(...withGrad((t) => sg.cumprod(t, 1, exclusive, reverse), x, seed++));
          out.push(...withGrad((t) => sg.cumprod(t, 1, exclusive, reverse), x3, seed++));
        }
      return out;
    }));
});

describeGpu('fit of an UpSampling2D(bilinear) model on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('trains with the loss curve it has on wasm, no fallback', { timeout: 120_000 }, async () => {
    const X = randArray(16 * 4 * 4 * 2, 31);
    const Y = Array.from({ length: 16 }, (_, i) => (X[i * 32] > 0 ? 1 : 0));
    const train = async (backend: string) => {
      await sg.setBackend(backend);
      if (backend === 'webgpu') sg.webgpu.resetFallbacks();
      const x = sg.tensor(X, [16, 4, 4, 2]);
      const y = sg.tensor(Y, [16, 1]);
      sg.utils.setRandomSeed(5);
      const model = sg.sequential();
      model.add(sg.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', inputShape: [4, 4, 2] }));
      model.add(sg.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }));
      model.add(sg.layers.flatten());
      model.add(sg.layers.dense({ units: 1, activation: 'sigmoid' }));
      const optimizer = sg.train.adam(0.01);
      model.compile({ loss: 'binary_crossentropy', optimizer });
      const h = await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 6 });
      const fallbacks = backend === 'webgpu' ? sg.webgpu.fallbacks() : null;
      sg.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return { loss: h.history.loss as number[], fallbacks };
    };
    const wasm = await train('wasm');
    const gpu = await train('webgpu');
    expect(gpu.fallbacks).toEqual({});
    expect(gpu.loss).toHaveLength(2);
    expectClose(gpu.loss, wasm.loss, 1e-3, 1e-4);
    expect(wasm.loss[1]).toBeLessThan(wasm.loss[0]);
  });
});

describeGpu('ConvLSTM2D on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('fit gives the loss curve it has on wasm (fused kernels there), no fallback', { timeout: 120_000 }, async () => {
    const X = randArray(8 * 3 * 4 * 4 * 1, 41);
    const Y = Array.from({ length: 8 }, (_, i) => (X[i * 48 + 5] > 0 ? 1 : 0));
    const train = async (backend: string) => {
      await sg.setBackend(backend);
      if (backend === 'webgpu') sg.webgpu.resetFallbacks();
      const x = sg.tensor(X, [8, 3, 4, 4, 1]);
      const y = sg.tensor(Y, [8, 1]);
      sg.utils.setRandomSeed(9);
      const model = sg.sequential();
      model.add(sg.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [3, 4, 4, 1] }));
      model.add(sg.layers.flatten());
      model.add(sg.layers.dense({ units: 1, activation: 'sigmoid' }));
      const optimizer = sg.train.adam(0.02);
      model.compile({ loss: 'binary_crossentropy', optimizer });
      const h = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 2 });
      const fallbacks = backend === 'webgpu' ? sg.webgpu.fallbacks() : null;
      sg.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return { loss: h.history.loss as number[], fallbacks };
    };
    const wasm = await train('wasm');
    const gpu = await train('webgpu');
    expect(gpu.fallbacks).toEqual({});
    expect(gpu.loss).toHaveLength(2);
    expectClose(gpu.loss, wasm.loss, 1e-3, 1e-4);
    expect(wasm.loss[1]).toBeLessThan(wasm.loss[0]);
  });
});

/** rows x n values with many ties (multiples of 0.25 in [-4, 4]), NaN, -0, +-Infinity. */
function tieValues(rows: number, n: number, seed: number): Float32Array {
  const v = randArray(rows * n, seed, -4, 4).map((a) => Math.round(a * 4) / 4);
  for (let i = 0; i < v.length; i += 13) v[i] = NaN;
  for (let i = 5; i < v.length; i += 29) v[i] = -0;
  for (let i = 7; i < v.length; i += 101) v[i] = Infinity;
  for (let i = 11; i < v.length; i += 97) v[i] = -Infinity;
  return v;
}

/** On GPU-only inputs (a kernel's result) on webgpu: topk's values and indices for each k. */
function topks(x: sg.Tensor, ks: number[]): sg.Tensor[] {
  const g = x.dtype === 'int32' ? sg.add(x, sg.scalar(0, 'int32')) : sg.mul(x, 1);
  return ks.flatMap((k) => {
    const { values: v, indices } = sg.topk(g, k);
    return [v, indices];
  });
}

describeGpu('webgpu topk and host-computed ops', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('webgpu');
    expect(sg.webgpu.fallbacks().TopK ?? 0).toBe(0);
    await sg.setBackend('wasm');
  });

  it('topk on GPU-only input: ties (lower index first), NaN (largest), -0 and 0, int32, k = n; gradient of the values', () =>
    vsJs(() => {
      // sg.mul makes x a GPU result on webgpu (no host copy): the kernel path, no readback
      const x = sg.mul(sg.tensor([1, 3, NaN, 3, -0, 0, 2, 5, 5, NaN, -1, 4, 0.5, 2, -3, 1, 1, 7, -Infinity, 2, Infinity], [3, 7]), 1);
      const xi = sg.add(sg.tensor([4, -2, 4, 9, 0, 1, 1, 1, -5, 3], [2, 5], 'int32'), sg.scalar(0, 'int32'));
      const xr = sg.mul(r([2, 3, 9], 70), 1);
      const { values, indices } = sg.topk(x, 3);
      const i32 = sg.topk(xi, 5);
      const w = r([2, 3, 4], 71);
      const [g] = sg.grads((t: sg.Tensor) => sg.sum(sg.mul(sg.topk(t, 4).values, w)))([xr]);
      const big = sg.topk(xr, 9);
      return [values, indices, i32.values, i32.indices, g, big.values, big.indices];
    }));

  it('topk (bitonic sort) vs the js host sort: rows of 1 and 7 (k = 1, 3, 7), and 1000 (k = 1, 10, 1000), ties, NaN, -0, infinities', () =>
    vsJs(() => [
      ...topks(sg.tensor([NaN, 2, -0], [3, 1]), [1]),
      ...topks(sg.tensor(tieValues(4, 7, 1), [4, 7]), [1, 3, 7]),
      ...topks(sg.tensor(tieValues(2, 1000, 2), [2, 1000]), [1, 10, 1000]),
    ]));

  it('topk: rows of 5000 (padded to 8192: global passes and workgroup merges), float32 and int32', () =>
    vsJs(() => [
      ...topks(sg.tensor(tieValues(1, 5000, 3), [1, 5000]), [5000]),
      ...topks(sg.tensor(Int32Array.from(randArray(5000, 4, -300, 300), Math.trunc), [1, 5000], 'int32'), [5000]),
    ]));

  it('host-computed ops name the op and argument for a GPU-only input, and work after await data()', async () => {
    await sg.setBackend('wasm');
    const [refUV, refUI, refB, refMV] = sg.tidy(() => {
      const u = sg.unique(sg.tensor([[3, 1], [2, 2], [3, 1]]), 0);
      return [
        u.values,
        u.indices,
        sg.bincount(sg.tensor([1, 1, 3], [3], 'int32'), [], 4),
        sg.multinomial(sg.tensor([[0.1, 2, -1, 0.5]]), 6, 12),
      ].map((t) => Array.from(t.dataSync()));
    });
    await sg.setBackend('webgpu');
    // GPU results (no host copy)
    const [x, ids, ind, logits] = sg.tidy(() => [
      sg.mul(sg.tensor([[3, 1], [2, 2], [3, 1]]), 1),
      sg.add(sg.tensor([1, 1, 3], [3], 'int32'), sg.scalar(0, 'int32')),
      sg.add(sg.tensor([0], [1], 'int32'), sg.scalar(0, 'int32')),
      sg.mul(sg.tensor([[0.1, 2, -1, 0.5]]), 1),
    ]);
    const img = sg.zeros([1, 2, 2, 1]);
    const boxes = sg.tensor([[0, 0, 1, 1]]);
    expect(() => sg.unique(x, 0)).toThrow(/unique: computes on the host and reads 'x' \(shape \[3,2\], float32\).*webgpu.*await x\.data\(\)/);
    expect(() => sg.bincount(ids, [], 4)).toThrow(/bincount: computes on the host and reads 'x'/);
    expect(() => sg.image.cropAndResize(img, boxes, ind, [2, 2])).toThrow(/image\.cropAndResize: computes on the host and reads 'boxInd'/);
    expect(() => sg.multinomial(logits, 6, 12)).toThrow(/multinomial: computes on the host and reads 'logits'/);
    expect(() => sg.tidy(() => sg.gatherND(boxes, sg.reshape(ind, [1, 1])))).toThrow(/gatherND: computes on the host and reads 'indices'/);
    expect(() => sg.tidy(() => sg.image.nonMaxSuppression(sg.slice(sg.reshape(x, [1, 6]), [0, 0], [1, 4]), sg.tensor([1]), 1))).toThrow(
      /image\.nonMaxSuppression: computes on the host and reads 'boxes'/,
    );
    // qr reads values it computes itself: no host copy can help there. Refused before any kernel
    // runs: no dispatch, no new tensor, no buffer (batched and single matrices, and a GPU result).
    const q2 = sg.tensor([[1, 2], [3, 4]]);
    const q3 = sg.tidy(() => sg.mul(sg.ones([2, 3, 2]), 2));
    const [mem0, stats0] = [sg.memory(), sg.webgpu.stats()];
    expect(() => sg.linalg.qr(q2)).toThrow(/linalg\.qr: .*run linalg\.qr on the wasm backend/);
    expect(() => sg.linalg.qr(q3, true)).toThrow(/linalg\.qr: .*run linalg\.qr on the wasm backend/);
    expect(sg.memory()).toEqual(mem0);
    expect(sg.webgpu.stats()).toEqual(stats0);
    sg.dispose([q2, q3]);
    await Promise.all([x.data(), ids.data(), logits.data()]);
    const u = sg.unique(x, 0);
    expect(Array.from(await u.values.data())).toEqual(refUV);
    expect(Array.from(await u.indices.data())).toEqual(refUI);
    const b = sg.bincount(ids, [], 4);
    expect(Array.from(await b.data())).toEqual(refB);
    const m = sg.multinomial(logits, 6, 12); // the softmax runs on the host from the logits' copy
    expect(Array.from(await m.data())).toEqual(refMV);
    sg.dispose([x, ids, img, boxes, ind, logits, u.values, u.indices, b, m]);
  });
});
