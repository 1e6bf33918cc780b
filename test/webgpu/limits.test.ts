// WebGPU dispatch limits: a MatMul with more batch matrices or row tiles than one launch allows
// (65535 along a dimension) and a recurrent layer with more batch rows run as several launches;
// the tests lower the per-launch limit so small products exercise the split, against the js
// oracle. The device keeps WebGPU's default limit of 8 storage buffers per shader stage (every
// kernel fits it); a program binding more than the device allows is refused, naming it.
import { afterAll, afterEach, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { MAX_GROUPS, type WebGPUBackend } from '../../src/backends/webgpu/backend.js';
import { setMatMulLaunchLimit } from '../../src/backends/webgpu/kernels/matmul.js';
import { setRnnLaunchLimit } from '../../src/backends/webgpu/kernels/rnn.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';

describeGpu('webgpu launch limits', () => {
  checkNoLeaks();
  afterEach(() => {
    setMatMulLaunchLimit(MAX_GROUPS);
    setRnnLaunchLimit(MAX_GROUPS);
  });
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('matMul over more batch matrices and row tiles than one launch: split launches equal the js oracle', async () => {
    await sg.setBackend('webgpu');
    const d0 = sg.webgpu.stats().dispatches;
    setMatMulLaunchLimit(2);
    // 5 batch matrices (3 launches along z) of 70 rows (3 row tiles of 32: 2 launches along y).
    await vsJs(() => sg.matMul(sg.tensor(randArray(5 * 70 * 6, 1), [5, 70, 6]), sg.tensor(randArray(5 * 6 * 9, 2), [5, 6, 9])));
    expect(sg.webgpu.stats().dispatches - d0).toBe(6);
  });

  it('an LSTM over more batch rows than one launch: split launches equal the js oracle, forward and gradients', async () => {
    setRnnLaunchLimit(2); // 5 rows: 3 launches of each recurrent kernel (rows past the first launch start at P.b0)
    for (const make of [() => sg.layers.lstm({ units: 3, returnSequences: true })]) {
      await vsJs(() => {
        sg.utils.setRandomSeed(3);
        const layer = make();
        const x = sg.tensor(randArray(5 * 4 * 2, 6), [5, 4, 2]);
        const y = layer.apply(x) as sg.Tensor;
        const { value, grads } = sg.variableGrads(() => sg.sum(sg.square(layer.apply(x) as sg.Tensor)), layer.trainableWeights.map((w) => w.variable));
        const out = [y, value, ...Object.values(grads)];
        layer.dispose();
        return out;
      });
    }
  });

  it("the device keeps WebGPU's default of 8 storage buffers per shader stage, so every suite's programs fit it (the LSTM/GRU kernels pack theirs)", async () => {
    await sg.setBackend('webgpu');
    const gpu = ENGINE.findBackend('webgpu') as WebGPUBackend;
    expect(gpu.device.limits.maxStorageBuffersPerShaderStage).toBe(8);
    // So every program of every webgpu suite ran under 8: the largest, the LSTM/GRU sequences with
    // step and recurrent masks forward and backward (11 before packing), in rnn.test.ts.
  });

  it('a program binding more storage buffers than the device allows is refused, naming it and the limit', async () => {
    await sg.setBackend('webgpu');
    const gpu = ENGINE.findBackend('webgpu') as WebGPUBackend;
    const max = gpu.device.limits.maxStorageBuffersPerShaderStage;
    const x = sg.tensor([1, 2]);
    const y = sg.zeros([2]);
    const info = (t: sg.Tensor) => ({ dataId: (t.dataId as { handle: object }).handle, shape: t.shape, dtype: t.dtype });
    expect(() =>
      gpu.runProgram({ key: 'too_many', wgsl: () => '', inputs: Array.from({ length: max }, () => info(x)), outputs: [info(y)], workgroups: [1] }),
    ).toThrow(new RegExp(`program 'too_many' binds ${max + 2} storage buffers but this device allows ${max} per shader stage`));
    sg.dispose([x, y]);
  });
});
