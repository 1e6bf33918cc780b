// The WebGPU backend's storage and engine hooks: synchronous reads only from host copies (with the
// error pointing to data()), the buffer pool, memory accounting, command batching, the counted
// fallback to wasm (and its error for GPU-only inputs), copy-on-write of in-place updates on the
// GPU, and every fused optimizer update against the js oracle.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';
import { WebGPUBackend, type GpuData } from '../../src/backends/webgpu/backend.js';
import { Unary } from '../../src/backends/wasm/codes.generated.js';

describeGpu('webgpu backend: storage, reads, pool, fallback, optimizers', () => {
  checkNoLeaks();
  beforeAll(async () => {
    await sg.setBackend('webgpu');
  });
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('is registered, never the default, and reports its adapter', async () => {
    await sg.setBackend('webgpu');
    expect(sg.getBackend()).toBe('webgpu');
    expect(ENGINE.backendNames()).toContain('webgpu');
    expect(sg.webgpu.adapter()).toMatch(/\S/);
    expect(sg.webgpu.nativeKernels()).toEqual(expect.arrayContaining(['Unary', 'Binary', 'Reduce', 'Transpose', 'AdamUpdate']));
  });

  it('dataSync works on host-made tensors, refuses GPU results (pointing to data()), then works after await data()', async () => {
    await sg.setBackend('webgpu');
    const a = sg.tensor([1, 2, 3]);
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
    const z = sg.zeros([4]);
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0]);
    const b = sg.mul(a, 2);
    expect(() => b.dataSync()).toThrow(/cannot read a tensor synchronously.*await tensor\.data\(\)/);
    expect(() => b.arraySync()).toThrow(/await tensor\.array\(\)/);
    expect(Array.from(await b.data())).toEqual([2, 4, 6]);
    expect(Array.from(b.dataSync())).toEqual([2, 4, 6]); // the read left a host copy
    expect(await b.array()).toEqual([2, 4, 6]);
    sg.dispose([a, z, b]);
  });

  it('memory(): numBytes and webgpu.bytes follow live tensors; buffers return to the pool and are reused', async () => {
    await sg.setBackend('webgpu');
    const m0 = sg.memory();
    const a = sg.tensor(randArray(1000, 1));
    const b = sg.exp(a);
    const m1 = sg.memory();
    expect(m1.numBytes - m0.numBytes).toBe(8000);
    expect((m1['webgpu.bytes'] as number) - (m0['webgpu.bytes'] as number)).toBe(8000);
    expect((m1['webgpu.buffers'] as number) - (m0['webgpu.buffers'] as number)).toBe(2);
    await b.data();
    sg.dispose([a, b]);
    const m2 = sg.memory();
    expect(m2['webgpu.bytes']).toBe(m0['webgpu.bytes']);
    expect((m2['webgpu.pooledBytes'] as number) - (m0['webgpu.pooledBytes'] as number)).toBe(2 * 4096); // 4000 B -> 4 KiB bucket
    const s0 = sg.webgpu.stats();
    const c = sg.tensor(randArray(900, 2)); // 3600 B: the same 4 KiB bucket
    const d = sg.tidy(() => sg.sqrt(sg.abs(c)));
    const s1 = sg.webgpu.stats();
    expect(s1.buffersCreated - s0.buffersCreated).toBe(1); // abs, sqrt: the second intermediate reuses
    expect(s1.buffersReused - s0.buffersReused).toBe(2);
    expect(sg.memory()['webgpu.gpuBytes']).toBe(m2['webgpu.gpuBytes'] + 4096);
    expectClose(await d.data(), Array.from(c.dataSync(), (v) => Math.sqrt(Math.abs(v))), 1e-6);
    sg.dispose([c, d]);
  });

  it('records many dispatches into one submission; pipelines compile once per program', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor(randArray(64, 3));
    const warm = sg.tanh(x);
    await warm.data(); // the pipeline is compiled
    const s0 = sg.webgpu.stats();
    let y = x;
    const made: sg.Tensor[] = [];
    for (let i = 0; i < 20; i++) made.push((y = sg.tanh(y)));
    const s1 = sg.webgpu.stats();
    expect(s1.dispatches - s0.dispatches).toBe(20);
    expect(s1.submits - s0.submits).toBe(0); // nothing submitted until a read
    expect(s1.pipelinesCompiled - s0.pipelinesCompiled).toBe(0);
    await y.data();
    expect(sg.webgpu.stats().submits - s1.submits).toBe(1);
    sg.dispose([x, warm, ...made]);
  });

  it('kernels without a WGSL version run on wasm, counted; a GPU-only input is an error naming the kernel', async () => {
    // A second backend on the same device with no WGSL kernels at all: every kernel is a fallback
    // (the real one has almost none left to test with).
    await sg.setBackend('webgpu');
    const real = ENGINE.findBackend('webgpu') as WebGPUBackend;
    const wasm = ENGINE.findBackend('wasm')!;
    const gpu = new WebGPUBackend({ device: real.device, adapterName: 'test', source: 'webgpu package', keepAlive: [] }, wasm, new Map());
    const info = (v: Float32Array | null, shape: number[]) => ({ dataId: gpu.write(v, shape[0] * shape[1], 'float32'), shape, dtype: 'float32' as const });
    const x = info(Float32Array.from([0, 1, 2, -1, 0.5, 3]), [2, 3]);
    const y = gpu.kernels.get('Unary')!([x], { op: Unary.Exp }) as { dataId: unknown; shape: number[] };
    expect(y.shape).toEqual([2, 3]);
    expect(gpu.fallbackCounts).toEqual({ Unary: 1 });
    expectClose(await gpu.read(y.dataId), [0, 1, 2, -1, 0.5, 3].map(Math.exp), 1e-6);
    const gpuOnly = gpu.makeOutput([2, 3], 'float32'); // a kernel output: no host copy
    expect(() => gpu.kernels.get('Unary')!([gpuOnly], { op: Unary.Exp })).toThrow(
      /Unary: the webgpu backend has no 'Unary' kernel and runs it on wasm, but input 0 \(shape \[2,3\], float32\) is a GPU result with no host copy.*await t\.data\(\)/,
    );
    // An in-place fallback (an optimizer update) uploads the variable it changed.
    const v = info(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const g = info(Float32Array.from([1, 1, 1, 2, 2, 2]), [2, 3]);
    expect(gpu.kernels.get('SgdUpdate')!([v, g], { lr: 0.5, momentum: 0, wdlr: 0, clip: Infinity, gscale: 1 })).toEqual([]);
    expect(gpu.fallbackCounts).toEqual({ Unary: 1, SgdUpdate: 1 });
    gpu.flush();
    expectClose(await gpu.read(v.dataId), [0.5, 1.5, 2.5, 3, 4, 5], 1e-6);
    for (const t of [x, y, gpuOnly, v, g]) gpu.disposeData(t.dataId);
    gpu.releasePool();
  });

  it('host uploads do not submit and land in stream order: a pooled buffer reused by an upload keeps its old values for the dispatches recorded before', async () => {
    await sg.setBackend('webgpu');
    const warm = sg.tidy(() => sg.neg(sg.exp(sg.tensor([1, 2]))));
    await warm.data();
    const s0 = sg.webgpu.stats();
    const a = sg.tensor(randArray(300, 7)); // 1200 B: a 2 KiB bucket
    const b = sg.exp(a); // recorded, not submitted
    const aValues = Array.from(a.dataSync());
    const gpuBuffer = (t: sg.Tensor) => (t.dataId as { handle: GpuData }).handle.buffer;
    const aBuffer = gpuBuffer(a);
    expect(aBuffer).toBeDefined();
    a.dispose(); // its buffer goes back to the pool...
    const c = sg.tensor(randArray(300, 8)); // ...and receives these values, after exp read the old ones
    expect(gpuBuffer(c)).toBe(aBuffer);
    const d = sg.neg(c);
    const s1 = sg.webgpu.stats();
    expect(s1.uploads - s0.uploads).toBe(2);
    expect(s1.submits - s0.submits).toBe(0);
    const [bv, dv] = await Promise.all([b.data(), d.data()]); // two reads, one submit
    expect(sg.webgpu.stats().submits - s1.submits).toBe(1);
    expectClose(bv, aValues.map(Math.exp), 1e-6);
    expectClose(dv, Array.from(c.dataSync(), (v) => -v), 1e-6);
    // An upload larger than the arena's first size (1 MiB) grows it, still without a submit.
    const s2 = sg.webgpu.stats();
    const big = sg.tensor(randArray(400_000, 9));
    const bigSum = sg.sum(big);
    expect(sg.webgpu.stats().submits - s2.submits).toBe(0);
    expect(sg.webgpu.stats().uploads - s2.uploads).toBe(1);
    expect((await bigSum.data())[0]).toBeCloseTo(Array.from(big.dataSync()).reduce((p, q) => p + q, 0), 1);
    sg.dispose([warm, b, c, d, big, bigSum]);
  });

  it('copy-on-write of an in-place update copies on the GPU: the initial value is untouched', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor([0, 1, 2]);
    const init = sg.exp(x); // GPU-only: a host round trip would be impossible
    const v = sg.variable(init, true, 'cow_v');
    const opt = new sg.SGD({ learningRate: 0.5 });
    const g = sg.tensor([1, 1, 1]);
    opt.applyGradients({ cow_v: g });
    expectClose(await v.data(), [1 - 0.5, Math.E - 0.5, Math.exp(2) - 0.5], 1e-5);
    expectClose(await init.data(), [1, Math.E, Math.exp(2)], 1e-5);
    opt.dispose();
    sg.dispose([x, g, init, v]);
  });

  const cases: [string, () => sg.Optimizer][] = [
    ['sgd', () => new sg.SGD({ learningRate: 0.1 })],
    ['sgd momentum', () => new sg.SGD({ learningRate: 0.1, momentum: 0.9 })],
    ['sgd nesterov + clipvalue', () => new sg.SGD({ learningRate: 0.1, momentum: 0.8, nesterov: true, clipvalue: 0.3 })],
    ['rmsprop', () => new sg.RMSprop({ learningRate: 0.01 })],
    ['rmsprop centered + momentum', () => new sg.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true })],
    ['adam', () => new sg.Adam({ learningRate: 0.01 })],
    ['adam amsgrad', () => new sg.Adam({ learningRate: 0.01, amsgrad: true })],
    ['adamw', () => new sg.AdamW({ learningRate: 0.01, weightDecay: 0.1 })],
    ['adagrad', () => new sg.Adagrad({ learningRate: 0.1 })],
    ['adadelta', () => new sg.Adadelta({ learningRate: 1 })],
    ['adamax', () => new sg.Adamax({ learningRate: 0.01 })],
    ['nadam', () => new sg.Nadam({ learningRate: 0.01 })],
  ];
  for (const [name, make] of cases) {
    it(`fused ${name} update, three steps, equals the js kernel`, async () => {
      sg.webgpu.resetFallbacks();
      let k = 0;
      await vsJs(() => {
        const v = sg.variable(sg.tensor(randArray(40, 5), [8, 5]), true, `opt_${name}_${k++}`);
        const opt = make();
        for (let s = 0; s < 3; s++) opt.applyGradients({ [v.name]: sg.tensor(randArray(40, 6 + s), [8, 5]) });
        opt.dispose();
        const out = sg.add(v, 0); // a tensor the tidy returns; the variable is freed here
        v.dispose();
        return out;
      }, 1e-4, 1e-6);
      expect(sg.webgpu.fallbacks()).toEqual({});
    });
  }
});
