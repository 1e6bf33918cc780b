// Attention, AdditiveAttention and MultiHeadAttention against Keras 3 itself (the Python venv of
// scripts/setup-venv.sh, JAX backend): the same layer, the same weights, the same inputs with
// padded (all-zero) steps masked by Masking layers, causal masks and an explicit attention mask;
// outputs and attention scores must agree within 1e-5. simdgrad's side runs the layer eagerly with
// the masks made here, and once through a functional model with masking layers (the graph path).
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

interface Case {
  name: string;
  kind: 'attention' | 'mha';
  /** Keras constructor (Python) and ours. */
  py: string;
  make: () => sg.Layer;
  q: number[];
  v: number[];
  k?: number[];
  /** [sample, step] pairs zeroed in query / value / key (masked by Masking). */
  zeros?: { q?: [number, number][]; v?: [number, number][]; k?: [number, number][] };
  causal?: boolean;
  /** An explicit attention mask [B, T, S] (MultiHeadAttention only), as 0/1. */
  attentionMask?: boolean;
}

const CASES: Case[] = [
  {
    name: 'dot',
    kind: 'attention',
    py: 'keras.layers.Attention()',
    make: () => sg.layers.attention(),
    q: [2, 3, 4],
    v: [2, 5, 4],
  },
  {
    name: 'dot_scale_masks_causal',
    kind: 'attention',
    py: 'keras.layers.Attention(use_scale=True)',
    make: () => sg.layers.attention({ useScale: true }),
    q: [2, 4, 3],
    v: [2, 4, 3],
    k: [2, 4, 3],
    zeros: {
      q: [[0, 3]],
      v: [
        [1, 1],
        [0, 2],
      ],
    },
    causal: true,
  },
  {
    name: 'concat_scale_masks',
    kind: 'attention',
    py: "keras.layers.Attention(use_scale=True, score_mode='concat')",
    make: () => sg.layers.attention({ useScale: true, scoreMode: 'concat' }),
    q: [2, 3, 4],
    v: [2, 5, 4],
    zeros: {
      q: [[1, 0]],
      v: [
        [0, 4],
        [1, 2],
      ],
    },
  },
  {
    name: 'additive_masks',
    kind: 'attention',
    py: 'keras.layers.AdditiveAttention()',
    make: () => sg.layers.additiveAttention(),
    q: [2, 3, 4],
    v: [2, 5, 6],
    k: [2, 5, 4],
    zeros: { q: [[0, 2]], v: [[1, 0]] },
  },
  {
    name: 'additive_causal_noscale',
    kind: 'attention',
    py: 'keras.layers.AdditiveAttention(use_scale=False)',
    make: () => sg.layers.additiveAttention({ useScale: false }),
    q: [2, 4, 3],
    v: [2, 4, 3],
    causal: true,
  },
  {
    name: 'mha_cross',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 4 }),
    q: [2, 4, 5],
    v: [2, 6, 3],
    k: [2, 6, 7],
  },
  {
    name: 'mha_masks',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=3, key_dim=2)',
    make: () => sg.layers.multiHeadAttention({ numHeads: 3, keyDim: 2 }),
    q: [2, 4, 5],
    v: [2, 6, 5],
    zeros: {
      q: [[0, 3]],
      v: [
        [0, 5],
        [1, 0],
        [1, 1],
      ],
    },
  },
  {
    name: 'mha_causal_self',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }),
    q: [2, 5, 6],
    v: [2, 5, 6],
    causal: true,
  },
  {
    name: 'mha_causal_masks_nobias_outshape',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False, output_shape=(2, 3))',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, useBias: false, outputShape: [2, 3] }),
    q: [2, 5, 4],
    v: [2, 5, 4],
    zeros: {
      q: [[1, 4]],
      v: [
        [0, 0],
        [1, 3],
      ],
    },
    causal: true,
  },
  {
    name: 'mha_attention_mask',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3)',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3 }),
    q: [2, 3, 4],
    v: [2, 4, 4],
    k: [2, 4, 5],
    zeros: { v: [[1, 2]] },
    attentionMask: true,
  },
  {
    name: 'gqa_masks',
    kind: 'mha',
    py: 'keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)',
    make: () => sg.layers.groupedQueryAttention({ headDim: 3, numQueryHeads: 4, numKeyValueHeads: 2 }),
    q: [2, 4, 6],
    v: [2, 5, 6],
    zeros: { q: [[0, 3]], v: [[0, 4], [1, 0]] },
  },
  {
    name: 'gqa_multi_query_causal_key_nobias',
    kind: 'mha',
    py: 'keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=1, use_bias=False)',
    make: () => sg.layers.groupQueryAttention({ headDim: 2, numQueryHeads: 3, numKeyValueHeads: 1, useBias: false }),
    q: [2, 5, 4],
    v: [2, 5, 4],
    k: [2, 5, 3],
    causal: true,
  },
  {
    name: 'gqa_attention_mask_gate_window',
    kind: 'mha',
    py: 'keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_gate=True, sliding_window=2)',
    make: () =>
      sg.layers.groupedQueryAttention({ headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2, useGate: true, slidingWindow: 2 }),
    q: [2, 4, 4],
    v: [2, 6, 4],
    attentionMask: true,
  },
  {
    name: 'gqa_dropout_inference_masks',
    kind: 'mha',
    py: 'keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=2, dropout=0.5)',
    make: () => sg.layers.groupedQueryAttention({ headDim: 2, numQueryHeads: 2, numKeyValueHeads: 2, dropout: 0.5 }),
    q: [2, 3, 4],
    v: [2, 4, 4],
    zeros: { q: [[1, 2]], v: [[0, 1]] },
  },
  {
    name: 'mha_axes_2_rank4',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(2,))',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, attentionAxes: [2] }),
    q: [2, 3, 4, 5],
    v: [2, 3, 6, 4],
  },
  {
    name: 'mha_axes_1_rank4_key_valuedim',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4, attention_axes=-3)',
    make: () => sg.layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, attentionAxes: -3 }),
    q: [2, 4, 3, 5],
    v: [2, 5, 3, 4],
    k: [2, 5, 3, 6],
  },
  {
    name: 'mha_axes_1_3_rank5',
    kind: 'mha',
    py: 'keras.layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 3))',
    make: () => sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1, 3] }),
    q: [2, 3, 2, 4, 3],
    v: [2, 2, 2, 3, 3],
  },
];

const PY = `
import json, sys
import numpy as np
import keras
spec = json.loads(open(sys.argv[1]).read())
out = {}
for c in spec['cases']:
    layer = eval(c['py'])
    arrs = [np.array(c['data'][n], 'float32').reshape(c[n]) for n in c['names']]
    ins = [keras.Input(a.shape[1:]) for a in arrs]
    xs = [keras.layers.Masking()(t) for t in ins] if c['masking'] else list(ins)
    feeds = list(arrs)
    kw = {'return_attention_scores': True}
    if c.get('causal'): kw['use_causal_mask'] = True
    if c['kind'] == 'mha':
        if c.get('attention_mask') is not None:
            am = keras.Input(c['attention_mask_shape'][1:], dtype='bool')
            ins.append(am)
            feeds.append(np.array(c['attention_mask'], bool).reshape(c['attention_mask_shape']))
            kw['attention_mask'] = am
        res = layer(xs[0], xs[1], key=xs[2] if len(xs) > 2 else None, **kw)
    else:
        res = layer(xs, **kw)
    for w in layer.weights:
        key = '/'.join(w.path.split('/')[1:])
        w.assign(np.array(c['weights'][key], 'float32').reshape(w.shape))
    m = keras.Model(ins, list(res))
    o, s = m.predict(feeds, verbose=0)
    # the same layer without return_attention_scores (MultiHeadAttention: ops.dot_product_attention)
    kw.pop('return_attention_scores')
    # (Keras 3.15's jax path fails when value_dim != key_dim: jax.nn.dot_product_attention and its
    # fallback reshape the output to the query's head size. Those cases fall back to the scores
    # path's output, marked, which equals it when no query row is fully masked.)
    try:
        plain = layer(xs[0], xs[1], key=xs[2] if len(xs) > 2 else None, **kw) if c['kind'] == 'mha' else layer(xs, **kw)
        p = keras.Model(ins, plain).predict(feeds, verbose=0)
        out_of_scores = False
    except Exception:
        p, out_of_scores = o, True
    out[c['name']] = {'out': o.ravel().tolist(), 'out_shape': list(o.shape), 'scores': s.ravel().tolist(), 'scores_shape': list(s.shape), 'plain': p.ravel().tolist(), 'plain_of_scores_path': out_of_scores}
print(json.dumps(out))
`;

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Inputs with the listed steps zeroed, and their [B, T] masks (0 where zeroed). */
function inputsOf(c: Case, seed: number) {
  const names = c.k ? ['q', 'v', 'k'] : ['q', 'v'];
  const data: Record<string, number[]> = {};
  const masks: Record<string, number[]> = {};
  names.forEach((n, i) => {
    const shape = c[n as 'q'] as number[];
    const a = randArray(size(shape), seed + i, -1.5, 1.5);
    const [B, T, F] = shape;
    const m = new Array<number>(B * T).fill(1);
    for (const [b, t] of c.zeros?.[n as 'q'] ?? []) {
      a.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
      m[b * T + t] = 0;
    }
    data[n] = Array.from(a);
    masks[n] = m;
  });
  return { names, data, masks };
}

/** A [B, T, S] 0/1 mask with at least one key per query. */
function attentionMaskOf(c: Case): { shape: number[]; values: number[] } {
  const [B, T] = c.q;
  const S = c.v[1];
  const values: number[] = [];
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) values.push((b + t + 2 * s) % 3 === 0 || s === t ? 1 : 0);
  return { shape: [B, T, S], values };
}

describe('attention layers against Keras 3', () => {
  checkNoLeaks();
  let keras: Record<
    string,
    {
      out: number[];
      out_shape: number[];
      scores: number[];
      scores_shape: number[];
      plain: number[];
      plain_of_scores_path: boolean;
    }
  >;
  const weights: Record<string, Record<string, number[]>> = {};

  /** A new layer of the case, built by one call on zeros, with the case's weights once drawn. */
  function built(c: Case): sg.Layer {
    const layer = c.make();
    const xs = [c.q, c.v, ...(c.k ? [c.k] : [])].map((s) => sg.zeros(s));
    sg.dispose(layer.apply(xs) as sg.Tensor);
    sg.dispose(xs);
    const w = weights[c.name];
    if (w) {
      const ws = layer.weights.map((lw) => sg.tensor(w[lw.name], lw.shape));
      layer.setWeights(ws);
      sg.dispose(ws);
    }
    return layer;
  }

  beforeAll(() => {
    const cases = CASES.map((c, ci) => {
      const { names, data, masks } = inputsOf(c, 100 + 10 * ci);
      // Build ours once to learn the weight names and shapes; draw the values here.
      const layer = built(c);
      const w: Record<string, number[]> = {};
      layer.weights.forEach(
        (lw, i) => (w[lw.name] = Array.from(randArray(size(lw.shape), 500 + 10 * ci + i, -0.6, 0.6))),
      );
      weights[c.name] = w;
      layer.dispose();
      const am = c.attentionMask ? attentionMaskOf(c) : null;
      return {
        name: c.name,
        kind: c.kind,
        py: c.py,
        names,
        data,
        masks,
        q: c.q,
        v: c.v,
        k: c.k,
        masking: !!c.zeros,
        causal: !!c.causal,
        attention_mask: am?.values ?? null,
        attention_mask_shape: am?.shape ?? null,
        weights: w,
      };
    });
    const file = join(mkdtempSync(join(tmpdir(), 'sg-attention-')), 'spec.json');
    writeFileSync(file, JSON.stringify({ cases }));
    keras = JSON.parse(runPython(PY, [file], 540_000).trim().split('\n').pop()!);
    (globalThis as Record<string, unknown>).__attentionCases = cases;
  }, 600_000);

  for (const c of CASES) {
    it(`${c.name}: outputs and scores equal Keras' within 1e-5`, () => {
      const spec = (
        (globalThis as Record<string, unknown>).__attentionCases as {
          name: string;
          data: Record<string, number[]>;
          masks: Record<string, number[]>;
        }[]
      ).find((s) => s.name === c.name)!;
      const layer = built(c);
      const names = c.k ? ['q', 'v', 'k'] : ['q', 'v'];
      const xs = names.map((n) => sg.tensor(spec.data[n], c[n as 'q'] as number[]));
      const masks = c.zeros
        ? names.map((n) => sg.tensor(spec.masks[n], (c[n as 'q'] as number[]).slice(0, 2), 'int32'))
        : null;
      const am = c.attentionMask ? attentionMaskOf(c) : null;
      const amT = am ? sg.tensor(am.values, am.shape, 'int32') : null;
      const [out, scores] = layer.apply(xs, {
        mask: masks,
        useCausalMask: c.causal,
        returnAttentionScores: true,
        attentionMask: amT,
      }) as sg.Tensor[];
      try {
        const want = keras[c.name];
        expectClose(out.shape, want.out_shape, 0, 0);
        expectClose(scores.shape, want.scores_shape, 0, 0);
        expectClose(out.dataSync(), want.out, 1e-5, 1e-5);
        expectClose(scores.dataSync(), want.scores, 1e-5, 1e-5);
        // Without scores: MultiHeadAttention runs the fused kernel where Keras calls
        // ops.dot_product_attention (fully masked query rows then get uniform weights there).
        // Keras failed only where value and key dims differ; those cases have no fully masked
        // query row, where both of Keras' paths agree.
        expect(want.plain_of_scores_path).toBe(c.name === 'mha_cross' || c.name === 'mha_attention_mask');
        const plain = layer.apply(xs, { mask: masks, useCausalMask: c.causal, attentionMask: amT }) as sg.Tensor;
        try {
          expectClose(plain.dataSync(), want.plain, 1e-5, 1e-5);
        } finally {
          plain.dispose();
        }
      } finally {
        sg.dispose([out, scores, ...xs, ...(masks ?? [])]);
        if (amT) amT.dispose();
        layer.dispose();
      }
    });
  }

  it('mha_attention_mask with the mask as a second Input of a functional model (Keras attention_mask=Input)', () => {
    const c = CASES.find((x) => x.name === 'mha_attention_mask')!;
    const spec = (
      (globalThis as Record<string, unknown>).__attentionCases as { name: string; data: Record<string, number[]> }[]
    ).find((s) => s.name === c.name)!;
    const am = attentionMaskOf(c);
    const [qi, vi, ki] = [c.q, c.v, c.k!].map((s) => sg.input({ shape: s.slice(1) }));
    const mi = sg.input({ shape: am.shape.slice(1), dtype: 'int32' });
    const mha = c.make();
    const masked = [vi, ki].map((t) => sg.layers.masking().apply(t) as sg.SymbolicTensor);
    const res = mha.apply([qi, ...masked], { attentionMask: mi, returnAttentionScores: true }) as sg.SymbolicTensor[];
    const plainOut = mha.apply([qi, ...masked], { attentionMask: mi }) as sg.SymbolicTensor;
    expect(res[0].shape).toEqual([null, ...c.q.slice(1)]);
    const model = sg.model({ inputs: [qi, vi, ki, mi], outputs: [...res, plainOut] });
    const ws = mha.weights.map((lw) => sg.tensor(weights[c.name][lw.name], lw.shape));
    mha.setWeights(ws);
    sg.dispose(ws);
    const xs = [
      sg.tensor(spec.data.q, c.q),
      sg.tensor(spec.data.v, c.v),
      sg.tensor(spec.data.k, c.k!),
      sg.tensor(am.values, am.shape, 'int32'),
    ];
    const [out, scores, plain] = model.predict(xs) as sg.Tensor[];
    try {
      expectClose(out.dataSync(), keras[c.name].out, 1e-5, 1e-5);
      expectClose(scores.dataSync(), keras[c.name].scores, 1e-5, 1e-5);
      expectClose(plain.dataSync(), keras[c.name].plain, 1e-5, 1e-5);
    } finally {
      sg.dispose([out, scores, plain, ...xs]);
      model.dispose();
    }
  });

  it('mha_masks through a functional model with masking layers gives the same (masks reach the layer by the graph)', () => {
    const c = CASES.find((x) => x.name === 'mha_masks')!;
    const spec = (
      (globalThis as Record<string, unknown>).__attentionCases as { name: string; data: Record<string, number[]> }[]
    ).find((s) => s.name === c.name)!;
    const qi = sg.input({ shape: c.q.slice(1) });
    const vi = sg.input({ shape: c.v.slice(1) });
    const mha = c.make();
    const res = mha.apply(
      [sg.layers.masking().apply(qi) as sg.SymbolicTensor, sg.layers.masking().apply(vi) as sg.SymbolicTensor],
      {
        returnAttentionScores: true,
      },
    ) as sg.SymbolicTensor[];
    const model = sg.model({ inputs: [qi, vi], outputs: res });
    const ws = mha.weights.map((lw) => sg.tensor(weights[c.name][lw.name], lw.shape));
    mha.setWeights(ws);
    sg.dispose(ws);
    const xs = [sg.tensor(spec.data.q, c.q), sg.tensor(spec.data.v, c.v)];
    const [out, scores] = model.predict(xs) as sg.Tensor[];
    try {
      expectClose(out.dataSync(), keras[c.name].out, 1e-5, 1e-5);
      expectClose(scores.dataSync(), keras[c.name].scores, 1e-5, 1e-5);
    } finally {
      sg.dispose([out, scores, ...xs]);
      model.dispose();
    }
  });
});
