// WebGPU attention kernels (src/backends/webgpu/kernels/attention.ts: Attention, AttentionGrad)
// against the js oracle (src/backends/js/kernels/attention.ts) within 1e-4 relative: multi-head
// and grouped-query heads, rank-3 inputs, Hv != H, boolean masks broadcast over batch / heads /
// rows, causal, an additive bias, rows with every key masked ('uniform' and 'zeros'); values and
// the gradients of query, key and value (sg.grads); batch rows in chunks. The MultiHeadAttention
// layer on both (the fused kernel; the composite with scores and seeded dropout) and the Attention
// layer (the fused kernel with an additive -1e9 bias). Then fit() of a
// small MultiHeadAttention model on webgpu and on wasm from one seed: the same loss curve, no
// fallback, no leak.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';
import { setAttentionBatchChunk } from '../../src/backends/webgpu/kernels/attention.js';

const r = (shape: number[], seed: number, s = 1) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, -s, s), shape);
const KERNELS = ['Attention', 'AttentionGrad'];

/** The attention output and the gradients of a weighted sum of it with respect to q, k and v. */
function withGrads(q: sg.Tensor, k: sg.Tensor, v: sg.Tensor, args: sg.DotProductAttentionArgs): sg.Tensor[] {
  const out = sg.dotProductAttention(q, k, v, args);
  const w = r(out.shape, 77);
  const g = sg.grads((a: sg.Tensor, b: sg.Tensor, c: sg.Tensor) => sg.sum(sg.mul(sg.dotProductAttention(a, b, c, args), w)))([q, k, v]);
  return [out, ...g];
}

describeGpu('webgpu attention vs the js oracle', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(KERNELS);

  it('multi-head: plain, causal (T > S and T < S), Hv != H, rank 3', () =>
    vsJs(() => [
      ...withGrads(r([2, 3, 2, 4], 1), r([2, 5, 2, 4], 2), r([2, 5, 2, 3], 3), {}),
      ...withGrads(r([1, 4, 2, 3], 4), r([1, 3, 2, 3], 5), r([1, 3, 2, 2], 6), { isCausal: true, scale: 0.7 }),
      ...withGrads(r([2, 3, 1, 4], 4), r([2, 6, 1, 4], 5), r([2, 6, 1, 4], 6), { isCausal: true }),
      ...withGrads(r([2, 3, 5], 7), r([2, 4, 5], 8), r([2, 4, 2], 9), {}),
    ]));

  it('batch rows in chunks (one row per chunk: offsets into q, k, v, masks, outputs and gradients)', async () => {
    setAttentionBatchChunk(1);
    try {
      await vsJs(() => {
        const mask = sg.tensor([1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1], [2, 1, 2, 5]);
        return withGrads(r([2, 2, 4, 3], 21), r([2, 5, 2, 3], 22), r([2, 5, 2, 4], 23), { mask, bias: r([2, 4, 2, 5], 24) });
      });
    } finally {
      setAttentionBatchChunk(Infinity);
    }
  });

  it('grouped-query heads (4 query heads over 2 key/value heads) with a causal mask', () =>
    vsJs(() => withGrads(r([2, 4, 4, 3], 10), r([2, 4, 2, 3], 11), r([2, 4, 2, 5], 12), { isCausal: true })));

  it('masks broadcast over batch, heads and rows; a bias; rows with no key ("uniform" and "zeros")', () =>
    vsJs(() => {
      const q = r([2, 3, 2, 4], 13);
      const k = r([2, 4, 2, 4], 14);
      const v = r([2, 4, 2, 3], 15);
      // [B, 1, T, S] with row 1 of batch 0 fully masked; [T, S] broadcast over batch and heads
      const m1 = sg.tensor([1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0], [2, 1, 3, 4], 'bool');
      const m2 = sg.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 1], [3, 4]);
      const bias = r([2, 2, 3, 4], 16, 2);
      const headBias = r([1, 2, 1, 4], 17, 2);
      return [
        ...withGrads(q, k, v, { mask: m1 }),
        ...withGrads(q, k, v, { mask: m1, emptyRows: 'zeros', bias }),
        ...withGrads(q, k, v, { mask: m2, isCausal: true, bias: headBias }),
        ...withGrads(q, k, v, { bias }),
      ];
    }));

  it('a row whose kept logits are all NaN is NaN (as Keras), not treated as masked; a masked row keeps its convention', () =>
    vsJs(() => {
      const qa = randArray(2 * 3 * 2 * 4, 18, -1, 1);
      qa[(0 * 3 + 2) * 2 * 4 + 1 * 4] = NaN; // batch 0, row 2, head 1: every logit NaN
      const q = sg.tensor(qa, [2, 3, 2, 4]);
      const k = r([2, 4, 2, 4], 19);
      const v = r([2, 4, 2, 3], 20);
      const m = sg.tensor([1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0], [2, 1, 3, 4]);
      const ba = randArray(2 * 3 * 4, 25, -1, 1);
      ba.fill(NaN, 4, 8); // head 0, row 1: NaN biases at every key
      const bias = sg.tensor(ba, [1, 2, 3, 4]);
      const outs = [
        ...withGrads(q, k, v, { mask: m }),
        ...withGrads(q, k, v, { mask: m, emptyRows: 'zeros' }),
        ...withGrads(r([2, 3, 2, 4], 26), k, v, { bias, isCausal: true }),
      ];
      if (sg.getBackend() !== 'js') return outs;
      const o = outs[0].dataSync();
      // (the oracle) the NaN row is NaN, the row with every key masked (batch 0, row 1) is finite
      for (let d = 0; d < 3; d++) expect(o[(0 * 3 + 2) * 6 + 3 + d]).toBeNaN();
      for (let d = 0; d < 6; d++) expect(Number.isFinite(o[(0 * 3 + 1) * 6 + d])).toBe(true);
      return outs;
    }));
});

describeGpu('attention layers on webgpu vs the js oracle', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('webgpu');
    expect(sg.webgpu.fallbacks()).toEqual({});
    await sg.setBackend('wasm');
  });

  it('MultiHeadAttention (attention mask, causal, scores, seeded dropout in training); Attention (value mask, causal)', async () => {
    await sg.setBackend('webgpu');
    sg.webgpu.resetFallbacks();
    await vsJs(() => {
      sg.utils.setRandomSeed(8);
      const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.4, seed: 5 });
      const x = r([2, 4, 5], 81);
      const v = r([2, 3, 5], 82);
      const am = sg.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1], [2, 4, 3], 'int32');
      const fused = mha.apply([x, v], { attentionMask: am }) as sg.Tensor;
      const [o, scores] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true }) as sg.Tensor[];
      const dropped = mha.apply([x, v], { attentionMask: am, training: true }) as sg.Tensor;
      // the Attention layer: one head of the fused kernel, Keras' -1e9 mask as its additive bias
      const att = sg.layers.attention({});
      const vm = sg.tensor([1, 1, 0, 1, 0, 1], [2, 3], 'bool');
      const a1 = att.apply([x, v], { mask: [null, vm], useCausalMask: true }) as sg.Tensor;
      mha.dispose();
      att.dispose();
      return [fused, o, scores, dropped, a1];
    });
  });
});

describeGpu('fit of a MultiHeadAttention model on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('trains with the loss curve it has on wasm, no fallback', { timeout: 120_000 }, async () => {
    const X = randArray(32 * 6 * 8, 21);
    const Y = Array.from({ length: 32 }, (_, i) => (X[i * 48] + X[i * 48 + 9] > 0 ? 1 : 0));
    const train = async (backend: string) => {
      await sg.setBackend(backend);
      if (backend === 'webgpu') sg.webgpu.resetFallbacks();
      const x = sg.tensor(X, [32, 6, 8]);
      const y = sg.tensor(Y, [32, 1]);
      sg.utils.setRandomSeed(3);
      const inp = sg.input({ shape: [6, 8] });
      const att = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([inp, inp]) as sg.SymbolicTensor;
      const pooled = sg.layers.globalAveragePooling1d().apply(att) as sg.SymbolicTensor;
      const out = sg.layers.dense({ units: 1, activation: 'sigmoid' }).apply(pooled) as sg.SymbolicTensor;
      const model = sg.model({ inputs: inp, outputs: out });
      const optimizer = sg.train.adam(0.01);
      model.compile({ loss: 'binary_crossentropy', optimizer });
      const h = await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, seed: 4 });
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
