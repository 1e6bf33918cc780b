// WebGPU reductions (Reduce over any axes, both the thread-per-output and the workgroup-per-output
// paths, ArgReduce, Softmax, Cumulative) and data movement (Transpose, Slice, Concat, Pad, Tile,
// Gather, UnsortedSegmentSum, OneHot) against the js oracle, read back with await data(); and
// gradients through them. Every op here must run natively (no fallback).
// Indices that live only on the GPU (a kernel's result, or a batch fit sliced there) cannot be
// checked before the kernel without a readback: Gather / UnsortedSegmentSum flag the first one out
// of range in the backend's status buffer and the next read throws the js kernel's error (op,
// index, axis size), with no more reads per step. UnsortedSegmentSum adds with atomics (O(size of x)).
// FFT and ComplexAbs (the spectral ops over complex64 views) run natively too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';

/** int32 ids that exist only on the GPU on webgpu (an Add's result has no host copy). */
const gpuIds = (v: number[]) => sg.tidy(() => sg.add(sg.tensor(v, [v.length], 'int32'), sg.scalar(0, 'int32')));

const t3 = () => sg.tensor(randArray(2 * 3 * 4, 11, -2, 2), [2, 3, 4]);
const t4 = () => sg.tensor(randArray(2 * 3 * 4 * 5, 12, -2, 2), [2, 3, 4, 5]);

describeGpu('webgpu reductions and data movement vs the js oracle', () => {
  checkNoLeaks();
  beforeAll(async () => {
    await sg.setBackend('webgpu');
    sg.webgpu.resetFallbacks();
  });
  afterAll(async () => {
    await sg.setBackend('webgpu');
    expect(sg.webgpu.fallbacks()).toEqual({});
    await sg.setBackend('wasm');
  });

  it('sum/mean/max/min/prod over every axis choice of a rank-3 tensor, keepDims', () =>
    vsJs(() => {
      const out: sg.Tensor[] = [];
      for (const axes of [undefined, 0, 1, 2, [0, 2], [1, 2], [0, 1, 2], -1]) {
        out.push(sg.sum(t3(), axes), sg.mean(t3(), axes), sg.max(t3(), axes), sg.min(t3(), axes));
      }
      out.push(sg.prod(sg.add(t3(), 2.5), 1), sg.sum(t3(), [0, 2], true));
      return out;
    }));
  it('long reductions (one workgroup per output): rows of 1000, a column of 3000, 20000 to a scalar', () =>
    vsJs(() => {
      const a = sg.tensor(randArray(3 * 1000, 13), [3, 1000]);
      const b = sg.tensor(randArray(3000 * 3, 14), [3000, 3]);
      const c = sg.tensor(randArray(20000, 15, 0, 1));
      return [sg.sum(a, 1), sg.max(a, 1), sg.min(a, 1), sg.mean(b, 0), sg.sum(c), sg.max(c), sg.prod(sg.add(sg.mul(a, 0.01), 1), 1)];
    }));
  it('int32 reductions', () =>
    vsJs(() => {
      const a = sg.tensor(Int32Array.from(randArray(600, 16, -50, 50), Math.trunc), [2, 300], 'int32');
      return [sg.sum(a, 1), sg.max(a), sg.min(a, 0), sg.sum(a)];
    }));
  it('argMax/argMin over each axis (first index wins ties)', () =>
    vsJs(() => {
      const r = sg.round(t3());
      return [sg.argMax(t3(), 0), sg.argMax(t3(), 1), sg.argMin(t3(), 2), sg.argMax(r, -1), sg.argMin(r, 1)];
    }));
  it('softmax and logSoftmax (large logits), logSumExp over an inner axis', () =>
    vsJs(() => [
      sg.softmax(sg.mul(t3(), 10)),
      sg.logSoftmax(sg.mul(t3(), 10)),
      sg.softmax(sg.transpose(t3(), [0, 2, 1])),
      sg.logSumExp(t3(), 1),
    ]));
  it('cumsum/cumprod: exclusive, reverse, each axis', () =>
    vsJs(() => [
      sg.cumsum(t3(), 1),
      sg.cumsum(t3(), 2, true, false),
      sg.cumsum(t3(), 0, false, true),
      sg.cumprod(t3(), 2),
      sg.cumprod(t3(), 1, true, true),
    ]));
  it('transpose (rank 2 to 4), slice, reverse', () =>
    vsJs(() => [
      sg.transpose(t3()),
      sg.transpose(t4(), [2, 0, 3, 1]),
      sg.transpose(sg.tensor([[1, 2, 3]])),
      sg.slice(t4(), [1, 0, 2, 1], [1, 3, 2, 3]),
      sg.slice(t3(), [0, 1], [-1, 2]),
      sg.reverse(t3(), [0, 2]),
    ]));
  it('concat along each axis (a copy per input, or a shader when rows interleave), stack, split', () =>
    vsJs(() => [
      sg.concat([t3(), sg.neg(t3())], 0),
      sg.concat([t3(), sg.slice(t3(), [0, 0, 0], [2, 2, 4])], 1),
      sg.concat([t3(), sg.exp(t3()), sg.slice(t3(), [0, 0, 1], [2, 3, 2])], 2),
      sg.stack([t3(), t3()], 1),
      ...sg.split(t4(), [2, 3], 3),
      sg.concat([sg.tensor([1, 2], [2], 'int32'), sg.tensor([3], [1], 'int32')]),
    ]));
  it('pad with a constant, tile', () =>
    vsJs(() => [
      sg.pad(t3(), [
        [1, 0],
        [0, 2],
        [1, 1],
      ]),
      sg.pad(sg.tensor([1, 2, 3], [3], 'int32'), [[2, 1]], 7),
      sg.pad(t3(), [[0, 0], [1, 1], [0, 0]], -1.5),
      sg.tile(t3(), [2, 1, 3]),
      sg.tile(sg.tensor([1, 2], [2], 'int32'), [3]),
    ]));
  it('gather on each axis, oneHot, unsortedSegmentSum', () =>
    vsJs(() => {
      const idx = sg.tensor([2, 0, 2, 1], [4], 'int32');
      return [
        sg.gather(t3(), sg.tensor([1, 0, 1], [3], 'int32'), 0),
        sg.gather(t3(), sg.tensor([0, 2, 2], [3], 'int32'), 1),
        sg.gather(t3(), sg.tensor([3, 0], [2], 'int32'), 2),
        sg.oneHot(idx, 4),
        sg.oneHot(sg.tensor([1, -1, 5], [3], 'int32'), 3, 2, -1),
        sg.unsortedSegmentSum(sg.tensor(randArray(12, 17), [4, 3]), idx, 3),
      ];
    }));
  it('gather checks host-known indices with the js kernel\'s error', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor([1, 2, 3]);
    const i = sg.tensor([0, 3], [2], 'int32');
    expect(() => sg.gather(x, i)).toThrow(/gather: index 3 is out of range \[0, 3\)/);
    sg.dispose([x, i]);
  });
  it('gradients through reductions, softmax, gather, concat, pad, slice, transpose, tile', () =>
    vsJs(() => {
      const a = sg.tensor(randArray(24, 18, -1, 1), [2, 3, 4]);
      const f = (p: sg.Tensor) =>
        sg.addN([
          sg.sum(sg.mul(sg.softmax(p), sg.logSoftmax(sg.mul(p, 2)))),
          sg.sum(sg.max(p, 1)),
          sg.sum(sg.mean(p, [0, 2])),
          sg.sum(sg.square(sg.gather(p, sg.tensor([1, 1, 0], [3], 'int32'), 1))),
          sg.sum(sg.concat([p, sg.square(p)], 2)),
          sg.sum(sg.mul(sg.pad(p, [[0, 0], [1, 0], [0, 1]]), 0.5)),
          sg.sum(sg.exp(sg.slice(p, [0, 1, 1], [2, 2, 2]))),
          sg.sum(sg.mul(sg.transpose(p, [2, 0, 1]), sg.tensor(randArray(24, 19), [4, 2, 3]))),
          sg.sum(sg.tile(sg.sin(p), [1, 2, 1])),
          sg.sum(sg.cumsum(p, 1)),
        ]);
      return sg.grad(f)(a);
    }));

  it('gather with a GPU-only index out of range: the next read throws the js error (op, index, axis size), once', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor(randArray(5 * 3, 1), [5, 3]);
    const ids = gpuIds([0, 7, 1]);
    const y = sg.gather(x, ids); // no error yet: the ids cannot be read synchronously
    const z = sg.mul(y, 2);
    await expect(z.data()).rejects.toThrow(/^gather: index 7 is out of range \[0, 5\) \(found on the GPU/);
    // Reported once: the status was reset, and a later read of valid work succeeds.
    const ids2 = gpuIds([4, 0]);
    const ok = sg.gather(x, ids2);
    expect(Array.from(await ok.data())).toEqual(Array.from(x.dataSync().slice(12, 15)).concat(Array.from(x.dataSync().slice(0, 3))));
    // The CPU kernel's message for the same ids (same op, index and range).
    await sg.setBackend('wasm');
    expect(() => sg.tidy(() => sg.gather(sg.tensor([1, 2]), sg.tensor([0, 7], [2], 'int32')))).toThrow(/^gather: index 7 is out of range \[0, 2\)/);
    await sg.setBackend('webgpu');
    sg.dispose([x, ids, y, z, ids2, ok]);
  });

  it('a negative GPU-only id, and a tensor with a host copy read while the check is pending', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor(randArray(4 * 2 * 3, 2), [4, 2, 3]);
    const ids = gpuIds([1, -2]);
    const y = sg.gather(x, ids, 1);
    const host = sg.tensor([1, 2, 3]); // has a host copy: its read still reports the pending error
    await expect(host.data()).rejects.toThrow(/^gather: index -2 is out of range \[0, 2\)/);
    expect(Array.from(await host.data())).toEqual([1, 2, 3]);
    sg.dispose([x, ids, y, host]);
  });

  it('unsortedSegmentSum with a GPU-only segment id out of range throws at the next read', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor([1, 2, 3, 4]);
    const ids = gpuIds([0, 1, 3, 1]);
    const s = sg.unsortedSegmentSum(x, ids, 3);
    await expect(s.data()).rejects.toThrow(/^unsortedSegmentSum: index 3 is out of range \[0, 3\)/);
    sg.dispose([x, ids, s]);
  });

  it('fit of an Embedding model with an id out of range in the data: fit rejects with the gather error; reads per step unchanged', { timeout: 60_000 }, async () => {
    await sg.setBackend('webgpu');
    const make = () => {
      sg.utils.setRandomSeed(1);
      const m = sg.sequential();
      m.add(sg.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 3 }));
      m.add(sg.layers.flatten());
      m.add(sg.layers.dense({ units: 1 }));
      m.compile({ loss: 'mse', optimizer: 'sgd' });
      return m;
    };
    const good = sg.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2], [4, 3], 'int32');
    const bad = sg.tensor([1, 2, 3, 4, 5, 6, 7, 12, 9, 0, 1, 2], [4, 3], 'int32');
    const y = sg.tensor([1, 0, 1, 0], [4, 1]);
    const m1 = make();
    const r0 = sg.webgpu.stats().reads;
    await m1.fit(good, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const readsGood = sg.webgpu.stats().reads - r0;
    expect(readsGood).toBeGreaterThan(0);
    const m2 = make();
    const r1 = sg.webgpu.stats().reads;
    await expect(m2.fit(bad, y, { epochs: 1, batchSize: 4, verbose: 0 })).rejects.toThrow(/gather: index 12 is out of range \[0, 10\)/);
    expect(sg.webgpu.stats().reads - r1).toBeLessThanOrEqual(readsGood);
    // wasm checks the ids on the host and names the layer.
    await sg.setBackend('wasm');
    const m3 = make();
    const bw = sg.tensor(bad.dataSync(), [4, 3], 'int32');
    const yw = sg.tensor([1, 0, 1, 0], [4, 1]);
    await expect(m3.fit(bw, yw, { epochs: 1, batchSize: 4, verbose: 0 })).rejects.toThrow(/id 12 .* is outside \[0, 10\)/);
    sg.dispose([bw, yw]);
    m3.dispose();
    await sg.setBackend('webgpu');
    sg.dispose([good, bad, y]);
    m1.dispose();
    m2.dispose();
  });

  it('unsortedSegmentSum (atomic adds, O(size of x)): 3000 rows into 1200 segments, rows of 3, float32 and int32, and its gradient', () =>
    vsJs(() => {
      const n = 3000;
      const ids = sg.tensor(Int32Array.from({ length: n }, (_, i) => (i * 37) % 1200), [n], 'int32');
      const x = sg.tensor(randArray(n * 3, 3), [n, 3]);
      const xi = sg.tensor(Int32Array.from(randArray(n, 4, -100, 100), Math.trunc), [n], 'int32');
      const g = sg.grad((v: sg.Tensor) => sg.sum(sg.square(sg.unsortedSegmentSum(v, ids, 1200))))(x);
      return [sg.unsortedSegmentSum(x, ids, 1200), sg.unsortedSegmentSum(xi, ids, 1200), sg.unsortedSegmentSum(x, sg.tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n], 'int32'), 2), g];
    }, 1e-4, 1e-5));

  it('fft / ifft / rfft / irfft (lengths 1, 5, 8, 100) and complex abs run natively: values and a gradient', () =>
    vsJs(() => {
      const out: sg.Tensor[] = [];
      for (const n of [1, 5, 8, 100]) {
        const z = sg.complex(sg.tensor(randArray(2 * n, 30 + n), [2, n]), sg.tensor(randArray(2 * n, 40 + n), [2, n]));
        const f = sg.fft(z);
        out.push(sg.real(f), sg.imag(f), sg.real(sg.ifft(z)), sg.imag(sg.ifft(f)));
        const x = sg.tensor(randArray(3 * n, 50 + n), [3, n]);
        const rf = sg.rfft(x);
        out.push(sg.real(rf), sg.imag(rf), sg.irfft(rf));
      }
      const w = sg.complex(sg.tensor([3, 0, -1e30, NaN, Infinity, 0]), sg.tensor([4, 0, 1e30, 1, NaN, -2]));
      out.push(sg.abs(w));
      const x = sg.tensor(randArray(2 * 8, 60), [2, 8]);
      out.push(sg.grad((t: sg.Tensor) => sg.sum(sg.square(sg.abs(sg.rfft(t)))))(x));
      return out;
    }, 1e-4, 2e-5));

  it('fft of long rows: radix-2 in workgroup memory (256, 2048) and the direct sum (1000), float32 sums against float64', () =>
    vsJs(() => {
      const out: sg.Tensor[] = [];
      for (const [rows, n] of [[3, 256], [1, 2048], [1, 1000]]) {
        const z = sg.complex(sg.tensor(randArray(rows * n, n), [rows, n]), sg.tensor(randArray(rows * n, n + 1), [rows, n]));
        const f = sg.fft(z);
        out.push(sg.real(f), sg.imag(f), sg.real(sg.ifft(f)));
      }
      return out;
    }, 1e-4, 2e-3));

  it('fft of a row longer than 2048 with a host copy (4096) runs the CPU kernel: counted fallback, values against js', async () => {
    const n = 4096;
    const make = () => sg.complex(sg.tensor(randArray(n, 70), [1, n]), sg.tensor(randArray(n, 71), [1, n]));
    await sg.setBackend('js');
    const ref = sg.tidy(() => { const f = sg.fft(make()); return [sg.real(f), sg.imag(f)]; });
    const expected = [Array.from(ref[0].dataSync()), Array.from(ref[1].dataSync())];
    sg.dispose(ref);
    await sg.setBackend('webgpu');
    expect(sg.webgpu.fallbacks()).toEqual({});
    const z = sg.tidy(make);
    await z.data(); // the host copy the fallback needs
    const f = sg.fft(z);
    const parts = [sg.real(f), sg.imag(f)];
    try {
      expect(sg.webgpu.fallbacks()).toEqual({ FFT: 1 });
      for (let k = 0; k < 2; k++) expectClose(Array.from(await parts[k].data()), expected[k], 1e-4, 1e-4);
    } finally {
      sg.dispose([z, f, ...parts]);
      sg.webgpu.resetFallbacks(); // the suite's end check: nothing else fell back
    }
  });

  it("a trainStep override that drops super.trainStep()'s pending reads: a GPU-only id out of range is no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    class Dropping extends sg.LayersModel {
      override trainStep(data: sg.StepData): sg.StepLogs {
        super.trainStep(data); // its loss read is the one that reports the index error
        return { steps: 1 };
      }
    }
    const inp = sg.input({ shape: [2], dtype: 'int32' });
    const e = sg.layers.embedding({ inputDim: 5, outputDim: 3 }).apply(inp) as sg.SymbolicTensor;
    const model = new Dropping({ inputs: inp, outputs: sg.layers.flatten().apply(e) as sg.SymbolicTensor });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = sg.tensor([1, 2, 3, 9], [2, 2], 'int32'); // 9 >= inputDim; fit slices the batch on the GPU
    const y = sg.zeros([2, 6]);
    try {
      const h = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
      expect(h.history).toEqual({ steps: [1] });
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      sg.dispose([x, y]);
      model.dispose();
    }
  });
});
