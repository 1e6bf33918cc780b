// Attention layers: MultiHeadAttention against tfjs-layers' own (internal) MultiHeadAttention;
// all three against a composite written here from simdgrad's ops in Keras' einsum equations, on
// every backend (values, input and weight gradients); input gradients against finite
// differences with padding and causal masks; dropout, configs and bad input. Keras 3 itself is
// the reference of attention_keras.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers' internal layers use chained ops (t.add), which tfjs-core registers here.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { MultiHeadAttention as TfMHA } from '@tensorflow/tfjs-layers/dist/layers/nlp/multihead_attention.js';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take, withBackend } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Keras 3's MultiHeadAttention in its own einsum equations, with a [B,T,S] 0/1 mask (or null).
 * `uniformEmpty`: a query row with every key masked keeps its softmax (uniform weights), as Keras'
 * ops.dot_product_attention path (no returned scores, no dropout); else it is zeroed, as Keras'
 * Softmax-with-mask path.
 */
function mhaRef(
  q: sg.Tensor,
  v: sg.Tensor,
  k: sg.Tensor,
  w: sg.Tensor[],
  keyDim: number,
  mask: sg.Tensor | null,
  uniformEmpty = false,
): sg.Tensor[] {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
  const query = sg.add(sg.einsum('abc,cde->abde', q, wq), bq);
  const key = sg.add(sg.einsum('abc,cde->abde', k, wk), bk);
  const value = sg.add(sg.einsum('abc,cde->abde', v, wv), bv);
  let scores = sg.einsum('aecd,abcd->acbe', key, sg.mul(query, 1 / Math.sqrt(keyDim)));
  let m: sg.Tensor | null = null;
  if (mask) {
    m = sg.expandDims(mask, 1);
    scores = sg.where(sg.greater(m, 0.5), scores, -1e9); // Keras' Softmax / jnp.where: no gradient where masked
  }
  let probs = sg.softmax(scores, -1);
  if (m && !uniformEmpty) probs = sg.mul(probs, m);
  const ctx = sg.einsum('acbe,aecd->abcd', probs, value);
  return [sg.add(sg.einsum('abcd,cde->abe', ctx, wo), bo), probs];
}

/** Keras' Attention / AdditiveAttention: scores, -1e9 where the value mask or causal mask is 0, softmax, query mask. */
function attRef(
  kind: 'dot' | 'additive',
  q: sg.Tensor,
  v: sg.Tensor,
  k: sg.Tensor,
  scale: sg.Tensor,
  qm: sg.Tensor | null,
  sm: sg.Tensor | null,
): sg.Tensor {
  let scores: sg.Tensor;
  if (kind === 'dot') scores = sg.mul(sg.einsum('btd,bsd->bts', q, k), scale);
  else scores = sg.sum(sg.mul(sg.tanh(sg.add(sg.expandDims(q, 2), sg.expandDims(k, 1))), scale), -1);
  if (sm) scores = sg.sub(scores, sg.mul(sg.sub(1, sm), 1e9));
  let out = sg.einsum('bts,bsd->btd', sg.softmax(scores, -1), v);
  if (qm) out = sg.mul(out, sg.expandDims(qm, -1));
  return out;
}

const causal = (t: number, s: number) =>
  sg.tensor(
    Array.from({ length: t * s }, (_, i) => (Math.floor(i / s) >= i % s ? 1 : 0)),
    [1, t, s],
  );

describe('MultiHeadAttention against tfjs-layers', () => {
  checkNoLeaks();
  const cases: { name: string; causal?: boolean; mask?: boolean; k?: boolean; valueDim?: number }[] = [
    { name: 'cross-attention with a key', k: true, valueDim: 4 },
    { name: 'causal self-attention', causal: true },
    { name: 'explicit attention mask', mask: true },
  ];
  for (const c of cases) {
    it(`${c.name}: same outputs and scores as tfjs-layers' MultiHeadAttention`, () => {
      const [B, T, S, D] = [2, 4, c.causal ? 4 : 5, 6];
      const shapes = { q: [B, T, D], v: [B, S, 3], k: [B, S, 5] };
      if (c.causal) shapes.v = shapes.q;
      const qd = randArray(B * T * D, 1, -1, 1);
      const vd = randArray(
        shapes.v.reduce((a, b) => a * b),
        2,
        -1,
        1,
      );
      const kd = randArray(
        shapes.k.reduce((a, b) => a * b),
        3,
        -1,
        1,
      );
      const md = Array.from({ length: B * T * S }, (_, i) => (i % 3 === 0 || i % S === 0 ? 1 : 0));
      // tfjs
      const tq = tf.tensor(qd, shapes.q);
      const tv = c.causal ? tq : tf.tensor(vd, shapes.v);
      const tk = c.k ? tf.tensor(kd, shapes.k) : undefined;
      const tm = c.mask ? tf.tensor(md, [B, T, S], 'bool') : undefined;
      const tfl = new TfMHA({ numHeads: 2, keyDim: 3, valueDim: c.valueDim });
      tfl.buildFromSignature(shapes.q, shapes.v, c.k ? shapes.k : undefined);
      const [to, ts] = tfl.callAndReturnAttentionScores(tq, {
        value: tv,
        key: tk,
        useCausalMask: c.causal,
        attentionMask: tm,
      });
      // ours, with tfjs' weights by name
      const ours = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: c.valueDim });
      const xs = [
        sg.tensor(qd, shapes.q),
        c.causal ? sg.tensor(qd, shapes.q) : sg.tensor(vd, shapes.v),
        ...(c.k ? [sg.tensor(kd, shapes.k)] : []),
      ];
      const am = c.mask ? sg.tensor(md, [B, T, S], 'int32') : null;
      sg.dispose(ours.apply(xs) as sg.Tensor);
      // tfjs keeps the weights in its four EinsumDense sublayers (kernel, then bias), Keras' order.
      const t = tfl as unknown as Record<string, { getWeights(): tf.Tensor[] }>;
      const tfWeights = ['queryDense', 'keyDense', 'valueDense', 'outputDense'].flatMap((n) => t[n].getWeights());
      expect(tfWeights.map((w) => w.shape)).toEqual(ours.weights.map((w) => w.shape));
      const ws = tfWeights.map((w) => sg.tensor(w.dataSync() as Float32Array, w.shape));
      ours.setWeights(ws);
      const [o, s] = ours.apply(xs, {
        useCausalMask: c.causal,
        attentionMask: am,
        returnAttentionScores: true,
      }) as sg.Tensor[];
      try {
        expect(o.shape).toEqual(to.shape);
        expect(s.shape).toEqual(ts.shape);
        expectClose(o.dataSync(), to.dataSync(), 1e-5, 1e-5);
        expectClose(s.dataSync(), ts.dataSync(), 1e-5, 1e-5);
      } finally {
        sg.dispose([o, s, ...xs, ...ws, ...(am ? [am] : [])]);
        ours.dispose();
        tf.dispose([to, ts, tq, tv, ...(tk ? [tk] : []), ...(tm ? [tm] : [])]);
        // tfjs' MultiHeadAttention is never marked built by buildFromSignature: dispose its sublayers.
        for (const n of ['queryDense', 'keyDense', 'valueDense', 'outputDense'])
          (tfl as unknown as Record<string, { dispose(): void }>)[n].dispose();
      }
    });
  }
});

describe('attention layers against a composite of simdgrad ops, on every backend', () => {
  checkNoLeaks();

  it('MultiHeadAttention: values, input and weight gradients with query/value masks and a causal mask', async () => {
    const run = () =>
      sg.tidy(() => {
        const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, name: 'mha_ref' });
        const q = rand([2, 4, 5], 11);
        const v = rand([2, 4, 5], 12);
        const qm = sg.tensor([1, 1, 1, 0, 1, 1, 1, 1], [2, 4], 'int32');
        const vm = sg.tensor([1, 0, 1, 1, 1, 1, 1, 0], [2, 4], 'int32');
        sg.dispose(mha.apply([q, v]) as sg.Tensor);
        const init = mha.weights.map((w, i) => rand(w.shape, 30 + i, -0.7, 0.7));
        mha.setWeights(init);
        const wOut = rand([2, 4, 5], 99, 0.5, 1.5);
        const call = (qq: sg.Tensor, vv: sg.Tensor) =>
          mha.apply([qq, vv], { mask: [qm, vm], useCausalMask: true }) as sg.Tensor;
        const out = call(q, v);
        const { grads } = sg.variableGrads(() => sg.sum(sg.mul(call(q, v), wOut)), mha.trainableVariables);
        const dIn = sg.grads((qq: sg.Tensor, vv: sg.Tensor) => sg.sum(sg.mul(call(qq, vv), wOut)))([q, v]);
        // The reference: Keras' equations, mask = q[B,T,1] & v[B,1,S] & causal[1,T,S].
        const mask = sg.mul(
          sg.mul(sg.expandDims(sg.cast(qm, 'float32'), -1), sg.expandDims(sg.cast(vm, 'float32'), 1)),
          causal(4, 4),
        );
        const refLoss = (qq: sg.Tensor, vv: sg.Tensor, ...w: sg.Tensor[]) =>
          sg.sum(sg.mul(mhaRef(qq, vv, vv, w, 3, mask, true)[0], wOut));
        const ref = mhaRef(q, v, v, init, 3, mask, true)[0];
        const refGrads = sg.grads(refLoss)([q, v, ...init]);
        const res = {
          out: Array.from(out.dataSync()),
          ref: Array.from(ref.dataSync()),
          grads: mha.trainableVariables.map((tv) => Array.from(grads[tv.name].dataSync())),
          dIn: dIn.map((t) => Array.from(t.dataSync())),
          refGrads: refGrads.map((t) => Array.from(t.dataSync())),
        };
        mha.dispose();
        return res;
      });
    const oracle = await withBackend('js', run);
    for (const b of BACKENDS) {
      const r = await withBackend(b, run);
      expectClose(r.out, r.ref, 1e-5, 1e-5);
      expectClose(r.out, oracle.out, 1e-5, 1e-6);
      r.grads.forEach((g, i) => expectClose(g, r.refGrads[2 + i], 1e-4, 1e-5));
      r.dIn.forEach((g, i) => expectClose(g, r.refGrads[i], 1e-4, 1e-5));
      r.grads.forEach((g, i) => expectClose(g, oracle.grads[i], 1e-4, 1e-5));
    }
  });

  for (const kind of ['dot', 'concat', 'additive'] as const) {
    it(`${kind === 'additive' ? 'AdditiveAttention' : `Attention (${kind})`}: values and gradients with masks and a causal mask`, async () => {
      const run = () =>
        sg.tidy(() => {
          const layer =
            kind === 'additive'
              ? sg.layers.additiveAttention()
              : sg.layers.attention({ useScale: true, scoreMode: kind });
          const q = rand([2, 3, 4], 21);
          const v = rand([2, 3, 4], 22);
          const qm = sg.tensor([1, 0, 1, 1, 1, 1], [2, 3], 'int32');
          const vm = sg.tensor([1, 1, 0, 0, 1, 1], [2, 3], 'int32');
          sg.dispose(layer.apply([q, v]) as sg.Tensor);
          const scale = kind === 'additive' ? rand([4], 23) : sg.scalar(0.8);
          if (kind === 'concat') layer.setWeights([scale, sg.scalar(1.3)]);
          else layer.setWeights([scale]);
          const call = (qq: sg.Tensor, vv: sg.Tensor) =>
            layer.apply([qq, vv], { mask: [qm, vm], useCausalMask: true }) as sg.Tensor;
          const sm = sg.mul(sg.expandDims(sg.cast(vm, 'float32'), 1), causal(3, 3));
          const qmf = sg.cast(qm, 'float32');
          // concat: w * sum(tanh(scale * (q + k))), w = 1.3 here.
          const ref = (qq: sg.Tensor, vv: sg.Tensor) =>
            kind === 'concat' ? attConcat(qq, vv, scale, 1.3, qmf, sm) : attRef(kind, qq, vv, vv, scale, qmf, sm);
          const wOut = rand([2, 3, 4], 98, 0.5, 1.5);
          const refOut = ref(q, v);
          const out = call(q, v);
          const dIn = sg.grads((qq: sg.Tensor, vv: sg.Tensor) => sg.sum(sg.mul(call(qq, vv), wOut)))([q, v]);
          const dRef = sg.grads((qq: sg.Tensor, vv: sg.Tensor) => sg.sum(sg.mul(ref(qq, vv), wOut)))([q, v]);
          const res = { out: take(out), ref: take(refOut), dIn: dIn.map(take), dRef: dRef.map(take) };
          layer.dispose();
          return res;
        });
      const oracle = await withBackend('js', run);
      for (const b of BACKENDS) {
        const r = await withBackend(b, run);
        expectClose(r.out, r.ref, 1e-5, 1e-5);
        expectClose(r.out, oracle.out, 1e-5, 1e-6);
        r.dIn.forEach((g, i) => expectClose(g, r.dRef[i], 1e-4, 1e-5));
      }
    });
  }
});

/** Keras' concat score mode: w * sum(tanh(scale * (q + k))). */
function attConcat(q: sg.Tensor, v: sg.Tensor, scale: sg.Tensor, w: number, qm: sg.Tensor, sm: sg.Tensor): sg.Tensor {
  let scores = sg.mul(sg.sum(sg.tanh(sg.mul(sg.add(sg.expandDims(q, 2), sg.expandDims(v, 1)), scale)), -1), w);
  scores = sg.sub(scores, sg.mul(sg.sub(1, sm), 1e9));
  return sg.mul(sg.einsum('bts,bsd->btd', sg.softmax(scores, -1), v), sg.expandDims(qm, -1));
}

describe('attention gradients against finite differences', () => {
  checkNoLeaks();
  for (const backend of BACKENDS) {
    it(`${backend}: MultiHeadAttention (masks, causal), Attention and AdditiveAttention input gradients`, async () => {
      await withBackend(backend, () => {
        const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2 });
        const att = sg.layers.attention({ useScale: true });
        const add = sg.layers.additiveAttention();
        const q = rand([1, 3, 3], 5);
        const v = rand([1, 3, 3], 6);
        const vm = sg.tensor([1, 1, 0], [1, 3], 'int32');
        gradCheck((a, b) => mha.apply([a, b], { mask: [null, vm], useCausalMask: true }) as sg.Tensor, [q, v]);
        gradCheck((a, b) => att.apply([a, b], { mask: [null, vm], useCausalMask: true }) as sg.Tensor, [q, v]);
        gradCheck((a, b) => add.apply([a, b], { mask: [null, vm] }) as sg.Tensor, [q, v]);
        // attention along axis 2 of [batch, X, Y, features] (axis 1 acts as a batch axis)
        const axes = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2] });
        const q4 = rand([1, 2, 3, 2], 7);
        const v4 = rand([1, 2, 2, 2], 8);
        gradCheck((a, b) => axes.apply([a, b]) as sg.Tensor, [q4, v4]);
        sg.dispose([q, v, vm, q4, v4]);
        axes.dispose();
        mha.dispose();
        att.dispose();
        add.dispose();
      });
    });
  }
});

describe('attention layers: dropout, configs, symbolic shapes, bad input', () => {
  checkNoLeaks();

  it('dropout acts in training only, seeded, and the returned scores are the undropped weights', () => {
    const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.5, seed: 7 });
    const x = rand([2, 5, 6], 1);
    const [a, sa] = mha.apply([x, x], { returnAttentionScores: true }) as sg.Tensor[];
    const [b, sb] = mha.apply([x, x], { returnAttentionScores: true, training: true }) as sg.Tensor[];
    const c = mha.apply([x, x]) as sg.Tensor; // the fused kernel (no scores asked for)
    expectClose(c.dataSync(), a.dataSync(), 1e-6, 1e-7);
    expect(Array.from(b.dataSync())).not.toEqual(Array.from(a.dataSync()));
    expectClose(sb.dataSync(), sa.dataSync(), 1e-6, 1e-7);
    // Each row of scores sums to 1.
    const rows = sg.sum(sa, -1);
    expectClose(rows.dataSync(), new Array(2 * 2 * 5).fill(1), 1e-5, 1e-6);
    sg.dispose([a, sa, b, sb, c, x, rows]);
    mha.dispose();
  });

  it('getConfig rebuilds each layer by className (Keras keys), with the same outputs', () => {
    const layers = [
      sg.layers.attention({ useScale: true, scoreMode: 'concat', dropout: 0.1 }),
      sg.layers.additiveAttention({ useScale: false }),
      sg.layers.multiHeadAttention({
        numHeads: 3,
        keyDim: 2,
        valueDim: 5,
        useBias: false,
        outputShape: 7,
        dropout: 0.2,
      }),
    ];
    expect(layers[2].getConfig()).toMatchObject({
      numHeads: 3,
      keyDim: 2,
      valueDim: 5,
      useBias: false,
      outputShape: [7],
      dropout: 0.2,
      attentionAxes: null,
    });
    expect(layers[0].getConfig()).toMatchObject({ useScale: true, scoreMode: 'concat', dropout: 0.1 });
    const q = rand([2, 3, 4], 2);
    for (const l of layers) {
      const copy = sg.serialization.deserializeLayer({
        className: l.className,
        config: { ...l.getConfig(), name: `${l.name}_copy` },
      });
      const y0 = l.apply([q, q]) as sg.Tensor;
      const y1 = copy.apply([q, q]) as sg.Tensor;
      const w = l.getWeights();
      copy.setWeights(w);
      const y2 = copy.apply([q, q]) as sg.Tensor;
      expect(copy.className).toBe(l.className);
      expect(y2.shape).toEqual(y0.shape);
      expectClose(y2.dataSync(), y0.dataSync(), 1e-6, 1e-7);
      sg.dispose([y0, y1, y2, ...w]);
      copy.dispose();
      l.dispose();
    }
    q.dispose();
  });

  it('symbolic shapes: output, scores, the query mask handed on, and a model that trains', async () => {
    const tokens = sg.input({ shape: [6], dtype: 'int32' });
    const emb = sg.layers.embedding({ inputDim: 10, outputDim: 8, maskZero: true }).apply(tokens) as sg.SymbolicTensor;
    const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 });
    const [y, s] = mha.apply([emb, emb], { returnAttentionScores: true }) as sg.SymbolicTensor[];
    expect(y.shape).toEqual([null, 6, 8]);
    expect(s.shape).toEqual([null, 2, 6, 6]);
    const pooled = sg.layers.globalAveragePooling1d().apply(y) as sg.SymbolicTensor;
    const out = sg.layers.dense({ units: 1, activation: 'sigmoid' }).apply(pooled) as sg.SymbolicTensor;
    const model = sg.model({ inputs: tokens, outputs: out });
    model.compile({ loss: 'binaryCrossentropy', optimizer: sg.train.adam(0.01) });
    const x = sg.tensor(
      [
        [1, 2, 3, 0, 0, 0],
        [4, 5, 0, 0, 0, 0],
        [1, 2, 6, 7, 0, 0],
        [4, 8, 9, 0, 0, 0],
      ],
      [4, 6],
      'int32',
    );
    const t = sg.tensor([[1], [0], [1], [0]]);
    const h = await model.fit(x, t, { epochs: 30, batchSize: 4, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[29]).toBeLessThan(losses[0] * 0.8);
    sg.dispose([x, t]);
    model.optimizer?.dispose?.();
    model.dispose();
  });

  it('bad input fails naming the layer, the argument and the shapes', () => {
    expect(() => sg.layers.multiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(
      /MultiHeadAttention: 'numHeads' must be a positive integer but is 0/,
    );
    expect(() => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2.5 })).toThrow(/'keyDim'/);
    expect(() => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow(
      /'dropout' must be a number in \[0, 1\)/,
    );
    expect(() => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2] })).not.toThrow();
    expect(() => sg.layers.attention({ scoreMode: 'general' as never })).toThrow(
      /Attention: 'scoreMode' must be 'dot' or 'concat'/,
    );
    const q = sg.zeros([2, 3, 4]);
    const v = sg.zeros([2, 5, 6]);
    const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mh' });
    expect(() => mha.apply(q)).toThrow(
      /mh: a MultiHeadAttention layer must be called on \[query, value\] .*one input of shape \[2,3,4\]/,
    );
    const x4 = sg.zeros([1, 2, 3, 4]);
    const ax = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2], name: 'ax' });
    const x4b = sg.zeros([1, 3, 3, 4]);
    expect(() => ax.apply([x4, x4], { useCausalMask: true })).toThrow(
      /ax: attentionAxes \[2\] takes no masks \(inputs' masks, attentionMask, useCausalMask\)/,
    );
    expect(() =>
      sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [3], name: 'ax3' }).apply([x4, x4]),
    ).toThrow(
      /ax3: attentionAxes must be distinct axes between the batch and the features \(1 to 2, .*\) of inputs of rank 4 but is \[3\]/,
    );
    expect(() =>
      sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2], name: 'ax4' }).apply([x4, x4b]),
    ).toThrow(
      /ax4: with attentionAxes \[2\] the query's other axes \[1\] act as batch axes and must equal the value's/,
    );
    ax.dispose();
    x4b.dispose();
    const att = sg.layers.attention({ name: 'at' });
    expect(() => att.apply([q, v])).toThrow(
      /at: query and key must have the same last dimension but got \[2,3,4\], \[2,5,6\]/,
    );
    const bad = sg.zeros([2, 4]);
    expect(() => mha.apply([q, v], { mask: [bad, null] })).toThrow(
      /mh: the query mask must have shape \[2, 3\] \(batch, steps\) but has shape \[2,4\]/,
    );
    const am = sg.zeros([2, 3, 4]);
    expect(() => mha.apply([q, v], { attentionMask: am })).toThrow(/mh: attentionMask must have shape \[2, 3, 5\]/);
    sg.dispose([q, v, bad, am, x4]);
    mha.dispose();
  });
});
