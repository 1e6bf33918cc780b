// WebGPU 'MatMul' / 'FusedMatMul' (the tiled GEMM of src/backends/webgpu/kernels/matmul.ts) against
// the js oracle: transposes, batch broadcasting, sizes that are not multiples of the tile or of 4
// (scalar loads) and ones that are (vec4 loads), 32- and 64-wide tiles, bias and every epilogue
// activation; gradients through sg.grads on webgpu vs js. Values are read back with await data().
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { Act } from '../../src/backends/wasm/codes.generated.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, vsJs } from './helpers.js';

const r = (shape: number[], seed: number) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed), shape);

describeGpu('webgpu MatMul / FusedMatMul vs the js oracle', () => {
  checkNoLeaks();
  beforeAll(async () => {
    await sg.setBackend('webgpu');
    sg.webgpu.resetFallbacks();
  });
  afterAll(async () => {
    await sg.setBackend('webgpu');
    const fb = sg.webgpu.fallbacks();
    expect(fb.MatMul ?? 0).toBe(0);
    expect(fb.FusedMatMul ?? 0).toBe(0);
    expect(sg.webgpu.nativeKernels()).toEqual(expect.arrayContaining(['MatMul', 'FusedMatMul']));
    await sg.setBackend('wasm');
  });

  // [a shape, b shape, transposeA, transposeB]
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false], // scalar loads, one partial tile
    [[1, 9], [9, 1], false, false], // vector x vector (same pipeline)
    [[8, 12], [12, 16], false, false], // vec4 loads of A and B, vec4 stores
    [[12, 8], [16, 12], true, true], // transposed vec4 loads
    [[13, 9], [13, 17], true, false], // transposed scalar loads
    [[3, 37, 33], [33, 35], false, false], // batch of A against one B (broadcast), several tiles
    [[2, 1, 4, 8], [3, 8, 4], false, false], // batch broadcast on both sides (two batch digits)
    [[257, 4], [4, 260], false, false], // 64 x 64 tiles, partial in both directions
    [[4, 0], [0, 8], false, false], // K = 0: zeros
  ];
  for (const [as, bs, tA, tB] of cases) {
    it(`matMul ${as} x ${bs}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`, () =>
      vsJs(() => sg.matMul(r(as, 1), r(bs, 2), tA, tB)));
  }

  it('fused.matMul with bias and relu / relu6, odd and vec4 widths', () =>
    vsJs(() => [
      sg.fused.matMul({ a: r([7, 5], 3), b: r([5, 11], 4), bias: r([11], 5), activation: 'relu' }),
      sg.fused.matMul({ a: sg.mul(r([6, 20], 6), 4), b: r([20, 8], 7), bias: r([8], 8), activation: 'relu6' }),
    ]));

  it('epilogue activations (sigmoid, tanh codes) on the FusedMatMul kernel', () =>
    vsJs(() =>
      [Act.Linear, Act.Relu, Act.Relu6, Act.Sigmoid, Act.Tanh].map((act) => {
        const a = sg.mul(r([9, 6], 12), 5);
        const b = r([6, 11], 13);
        const bias = r([11], 14);
        return ENGINE.runKernel('FusedMatMul', [a, b, bias], { transposeA: false, transposeB: false, act })[0];
      }),
    ));

  it('gradients of matMul (batched, transposed) and fused.matMul + relu', () =>
    vsJs(() => {
      const a = r([2, 5, 6], 15);
      const b = r([6, 7], 16);
      const c = r([7, 6], 17);
      const bias = r([7], 18);
      const f = (p: sg.Tensor, q: sg.Tensor, s: sg.Tensor, t: sg.Tensor) =>
        sg.add(
          sg.sum(sg.square(sg.matMul(p, q))),
          sg.sum(sg.fused.matMul({ a: sg.reshape(p, [10, 6]), b: s, transposeB: true, bias: t, activation: 'relu' })),
        );
      return sg.grads(f)([a, b, c, bias]);
    }));
});
