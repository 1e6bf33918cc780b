// WebGPU index kernels where the indices live only on the GPU (a kernel's result, or a batch that
// fit sliced there): an index out of range cannot be checked before the kernel without a readback,
// so Gather / UnsortedSegmentSum flag it in the backend's status buffer and the next read throws the
// js kernel's error (op, index, axis size); the step's reads stay as many as without the check.
// UnsortedSegmentSum adds each element of x into its segment with atomics (O(size of x)): many
// segments and many rows against the js oracle.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';

/** int32 ids that exist only on the GPU on webgpu (an Add's result has no host copy). */
const gpuIds = (v: number[]) => sg.tidy(() => sg.add(sg.tensor(v, [v.length], 'int32'), sg.scalar(0, 'int32')));

describeGpu('webgpu index checks on GPU-only indices, unsortedSegmentSum with many segments', () => {
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
    await m1.fit(good, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const readsGood = sg.webgpu.stats().reads - r0;
    expect(readsGood).toBeGreaterThan(0);
    const m2 = make();
    const r1 = sg.webgpu.stats().reads;
    await expect(m2.fit(bad, y, { epochs: 1, batchSize: 2, verbose: 0 })).rejects.toThrow(/gather: index 12 is out of range \[0, 10\)/);
    expect(sg.webgpu.stats().reads - r1).toBeLessThanOrEqual(readsGood);
    // wasm checks the ids on the host and names the layer.
    await sg.setBackend('wasm');
    const m3 = make();
    const bw = sg.tensor(bad.dataSync(), [4, 3], 'int32');
    const yw = sg.tensor([1, 0, 1, 0], [4, 1]);
    await expect(m3.fit(bw, yw, { epochs: 1, batchSize: 2, verbose: 0 })).rejects.toThrow(/id 12 .* is outside \[0, 10\)/);
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
});
