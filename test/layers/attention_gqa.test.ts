// GroupedQueryAttention beyond the Keras values of attention_keras.test.ts: input and weight
// gradients against finite differences on every backend (masks, causal, gate, sliding window,
// multi-query), wasm against the js oracle; with as many key/value heads as query heads it equals
// MultiHeadAttention with the same weights; dropout in training only; configs rebuild the layer
// under both of Keras' class names; bad arguments fail naming the layer.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, withBackend } from '../helpers.js';

describe('GroupedQueryAttention', () => {
  checkNoLeaks();

  for (const backend of BACKENDS) {
    it(`${backend}: input gradients equal finite differences (masks, causal, gate, window, one key head)`, async () => {
      await withBackend(backend, () => {
        const q = rand([1, 3, 4], 5);
        const v = rand([1, 4, 4], 6);
        const vm = sg.tensor([1, 1, 0, 1], [1, 4], 'int32');
        const gqa = sg.layers.groupedQueryAttention({ headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2 });
        const gated = sg.layers.groupedQueryAttention({
          headDim: 2,
          numQueryHeads: 2,
          numKeyValueHeads: 1,
          useGate: true,
          slidingWindow: 2,
        });
        gradCheck((a, b) => gqa.apply([a, b], { mask: [null, vm], useCausalMask: true }) as sg.Tensor, [q, v]);
        gradCheck((a, b) => gated.apply([a, b]) as sg.Tensor, [q, v]);
        sg.dispose([q, v, vm]);
        gqa.dispose();
        gated.dispose();
      });
    });
  }

  it('weight gradients: wasm equals the js oracle; the fused path equals the scores path', async () => {
    const run = () =>
      sg.tidy(() => {
        const gqa = sg.layers.groupedQueryAttention({
          headDim: 3,
          numQueryHeads: 6,
          numKeyValueHeads: 2,
          useGate: true,
        });
        const q = rand([2, 5, 4], 11);
        const v = rand([2, 6, 4], 12);
        const vm = sg.tensor([1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1], [2, 6], 'int32');
        sg.dispose(gqa.apply([q, v]) as sg.Tensor);
        gqa.setWeights(gqa.weights.map((w, i) => rand(w.shape, 40 + i, -0.7, 0.7)));
        const wOut = rand([2, 5, 4], 99, 0.5, 1.5);
        const loss = (scores: boolean) => () => {
          const r = gqa.apply([q, v], { mask: [null, vm], returnAttentionScores: scores });
          return sg.sum(sg.mul(Array.isArray(r) ? r[0] : (r as sg.Tensor), wOut));
        };
        const fused = sg.variableGrads(loss(false), gqa.trainableVariables).grads;
        const composed = sg.variableGrads(loss(true), gqa.trainableVariables).grads;
        const out = gqa.trainableVariables.map((tv) => [
          Array.from(fused[tv.name].dataSync()),
          Array.from(composed[tv.name].dataSync()),
        ]);
        gqa.dispose();
        return out;
      });
    const oracle = await withBackend('js', run);
    for (const b of BACKENDS) {
      const r = await withBackend(b, run);
      r.forEach(([f, c], i) => {
        expectClose(f, c, 1e-4, 1e-5);
        expectClose(f, oracle[i][0], 1e-4, 1e-5);
      });
    }
  });

  it('with numKeyValueHeads = numQueryHeads it is MultiHeadAttention with the same weights', () => {
    const q = rand([2, 4, 6], 1);
    const v = rand([2, 5, 6], 2);
    const gqa = sg.layers.groupedQueryAttention({ headDim: 3, numQueryHeads: 2, numKeyValueHeads: 2 });
    const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3 });
    sg.dispose([gqa.apply([q, v]) as sg.Tensor, mha.apply([q, v]) as sg.Tensor]);
    expect(gqa.weights.map((w) => w.shape)).toEqual(mha.weights.map((w) => w.shape));
    const ws = gqa.getWeights();
    mha.setWeights(ws);
    const a = gqa.apply([q, v], { useCausalMask: true }) as sg.Tensor;
    const b = mha.apply([q, v], { useCausalMask: true }) as sg.Tensor;
    expectClose(a.dataSync(), b.dataSync(), 1e-6, 1e-7);
    sg.dispose([q, v, a, b, ...ws]);
    gqa.dispose();
    mha.dispose();
  });

  it('dropout acts in training only, seeded; scores [B, numQueryHeads, T, S] rows sum to 1', () => {
    const gqa = sg.layers.groupedQueryAttention({
      headDim: 2,
      numQueryHeads: 4,
      numKeyValueHeads: 1,
      dropout: 0.5,
      seed: 3,
    });
    const x = rand([2, 5, 6], 1);
    const [a, sa] = gqa.apply([x, x], { returnAttentionScores: true }) as sg.Tensor[];
    const [b, sb] = gqa.apply([x, x], { returnAttentionScores: true, training: true }) as sg.Tensor[];
    const c = gqa.apply([x, x]) as sg.Tensor;
    expect(sa.shape).toEqual([2, 4, 5, 5]);
    expectClose(c.dataSync(), a.dataSync(), 1e-6, 1e-7);
    expect(Array.from(b.dataSync())).not.toEqual(Array.from(a.dataSync()));
    const rows = sg.sum(sa, -1);
    expectClose(rows.dataSync(), new Array(2 * 4 * 5).fill(1), 1e-5, 1e-6);
    sg.dispose([a, sa, b, sb, c, x, rows]);
    gqa.dispose();
  });

  it("getConfig rebuilds the layer under Keras' class names, with the same outputs", () => {
    const l = sg.layers.groupQueryAttention({
      headDim: 2,
      numQueryHeads: 4,
      numKeyValueHeads: 2,
      useBias: false,
      useGate: true,
      slidingWindow: 3,
      dropout: 0.1,
    });
    expect(l.className).toBe('GroupQueryAttention');
    expect(l.getConfig()).toMatchObject({
      headDim: 2,
      numQueryHeads: 4,
      numKeyValueHeads: 2,
      useBias: false,
      useGate: true,
      slidingWindow: 3,
      dropout: 0.1,
    });
    const q = rand([2, 3, 4], 2);
    const y0 = l.apply([q, q]) as sg.Tensor;
    for (const className of ['GroupQueryAttention', 'GroupedQueryAttention']) {
      const copy = sg.serialization.deserializeLayer({
        className,
        config: { ...l.getConfig(), name: `${l.name}_${className}` },
      });
      sg.dispose(copy.apply([q, q]) as sg.Tensor);
      const w = l.getWeights();
      copy.setWeights(w);
      const y = copy.apply([q, q]) as sg.Tensor;
      expectClose(y.dataSync(), y0.dataSync(), 1e-6, 1e-7);
      sg.dispose([y, ...w]);
      copy.dispose();
    }
    sg.dispose([q, y0]);
    l.dispose();
  });

  it('bad arguments and inputs fail naming the layer, the argument and the shapes', () => {
    const mk = (a: object) => () => sg.layers.groupedQueryAttention(a as never);
    expect(mk({ headDim: 2, numQueryHeads: 3, numKeyValueHeads: 2 })).toThrow(
      "GroupedQueryAttention: 'numQueryHeads' (3) must be divisible by 'numKeyValueHeads' (2)",
    );
    expect(mk({ headDim: 0, numQueryHeads: 2, numKeyValueHeads: 1 })).toThrow(/'headDim' must be a positive integer/);
    expect(mk({ headDim: 2, numQueryHeads: 2, numKeyValueHeads: 1, slidingWindow: 0 })).toThrow(
      /'slidingWindow' must be null or a positive integer/,
    );
    expect(mk({ headDim: 2, numQueryHeads: 2, numKeyValueHeads: 1, dropout: 1 })).toThrow(
      /'dropout' must be a number in \[0, 1\)/,
    );
    const l = sg.layers.groupedQueryAttention({ headDim: 2, numQueryHeads: 2, numKeyValueHeads: 1, name: 'g' });
    sg.tidy(() => {
      const q = sg.zeros([2, 3, 4]);
      expect(() => l.apply([q, sg.zeros([2, 5, 3])])).toThrow(
        "g: the query's and the value's last dimensions must be equal but got [2,3,4], [2,5,3]",
      );
      expect(() => l.apply([q, sg.zeros([2, 5, 4]), sg.zeros([2, 4, 4])])).toThrow(
        /value and key must have the same steps/,
      );
      expect(() => l.apply([q, sg.zeros([2, 5, 4])], { attentionMask: sg.zeros([2, 3, 4]) })).toThrow(
        'g: attentionMask must have shape [2, 3, 5] (batch, query steps, key steps) but has shape [2,3,4]',
      );
      expect(() => l.apply(q)).toThrow(/must be called on \[query, value\] or \[query, value, key\]/);
    });
    l.dispose();
  });
});
