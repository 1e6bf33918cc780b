// Saving and loading models whose MultiHeadAttention / GroupedQueryAttention takes a symbolic
// attention mask (a second Input passed as attentionMask, Keras' attention_mask=Input) and a key:
// the tfjs-layers format round trip (same predictions), and the .keras format against Keras 3
// itself (the Python venv, JAX backend): Keras loads our file and predicts what we predict, and we
// load the file Keras writes for the same model and weights and predict what Keras predicts.
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

const [B, T, S, D] = [2, 4, 5, 6];

/** q [B, T, D], v [B, S, D], k [B, S, D + 1], mask [B, T, S] (bool; every query keeps a key). */
function data() {
  const mask = Array.from({ length: B * T * S }, (_, i) =>
    (i * 5) % 3 === 0 || i % S === Math.floor(i / S) % T ? 1 : 0,
  );
  return {
    q: Array.from(randArray(B * T * D, 1, -1, 1)),
    v: Array.from(randArray(B * S * D, 2, -1, 1)),
    k: Array.from(randArray(B * S * (D + 1), 3, -1, 1)),
    mask,
  };
}

/**
 * One functional model with both layers: mha(q, v, key=k, attention_mask=m, use_causal_mask) and
 * gqa(q, v, attention_mask=m), outputs [mha, gqa]; weights drawn by seed.
 */
function build(): sg.LayersModel {
  const q = sg.input({ shape: [T, D], name: 'q' });
  const v = sg.input({ shape: [S, D], name: 'v' });
  const k = sg.input({ shape: [S, D + 1], name: 'k' });
  const m = sg.input({ shape: [T, S], dtype: 'bool', name: 'm' });
  const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' });
  const gqa = sg.layers.groupedQueryAttention({ headDim: 2, numQueryHeads: 4, numKeyValueHeads: 2, name: 'gqa' });
  const o1 = mha.apply([q, v, k], { attentionMask: m, useCausalMask: true }) as sg.SymbolicTensor;
  const o2 = gqa.apply([q, v], { attentionMask: m }) as sg.SymbolicTensor;
  const model = sg.model({ inputs: [q, v, k, m], outputs: [o1, o2], name: 'masked_attention' });
  const ws = model.weights.map((w, i) =>
    sg.tensor(
      randArray(
        w.shape.reduce((a, b) => a * b, 1),
        50 + i,
        -0.5,
        0.5,
      ),
      w.shape,
    ),
  );
  model.setWeights(ws);
  sg.dispose(ws);
  return model;
}

function feeds(d: ReturnType<typeof data>): sg.Tensor[] {
  return [
    sg.tensor(d.q, [B, T, D]),
    sg.tensor(d.v, [B, S, D]),
    sg.tensor(d.k, [B, S, D + 1]),
    sg.tensor(d.mask, [B, T, S], 'bool'),
  ];
}

function predict(model: sg.LayersModel, d: ReturnType<typeof data>): number[][] {
  const xs = feeds(d);
  const ys = model.predict(xs) as sg.Tensor[];
  const out = ys.map((y) => Array.from(y.dataSync()));
  sg.dispose([...xs, ...ys]);
  return out;
}

const PY = `
import json, sys
import numpy as np
import keras
ours, theirs, spec = sys.argv[1], sys.argv[2], json.loads(open(sys.argv[3]).read())
d = spec['data']
B, T, S, D = spec['dims']
xs = [np.array(d['q'], 'float32').reshape(B, T, D), np.array(d['v'], 'float32').reshape(B, S, D),
      np.array(d['k'], 'float32').reshape(B, S, D + 1), np.array(d['mask'], bool).reshape(B, T, S)]
res = {}
m = keras.saving.load_model(ours)
res['loaded'] = {'out': [y.ravel().tolist() for y in m.predict(xs, verbose=0)], 'layers': [l.__class__.__name__ for l in m.layers]}
q, v, k = keras.Input((T, D), name='q'), keras.Input((S, D), name='v'), keras.Input((S, D + 1), name='k')
am = keras.Input((T, S), dtype='bool', name='m')
mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name='mha')
gqa = keras.layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, name='gqa')
o1 = mha(q, v, key=k, attention_mask=am, use_causal_mask=True)
o2 = gqa(q, v, attention_mask=am)
m = keras.Model([q, v, k, am], [o1, o2], name='masked_attention')
m.set_weights([np.array(w, 'float32').reshape(s) for w, s in spec['weights']])
m.save(theirs)
res['saved'] = {'out': [y.ravel().tolist() for y in m.predict(xs, verbose=0)]}
print(json.dumps(res))
`;

describe('models with a symbolic attention mask: saved and loaded', () => {
  checkNoLeaks();
  const dir = mkdtempSync(join(tmpdir(), 'sg-attention-save-'));
  const d = data();

  it('tfjs-layers format: the mask input, the key and the call flags come back; same predictions', async () => {
    const model = build();
    const want = predict(model, d);
    await model.save(`file://${dir}/tfjs`);
    const topology = JSON.parse(readFileSync(join(dir, 'tfjs', 'model.json'), 'utf8'));
    const loaded = await sg.loadLayersModel(`file://${dir}/tfjs/model.json`);
    try {
      expect(loaded.inputs.map((t) => t.dtype)).toEqual(['float32', 'float32', 'float32', 'bool']);
      const got = predict(loaded, d);
      got.forEach((g, i) => expectClose(g, want[i], 0, 0));
      // the mask really matters: another mask gives other outputs
      const other = predict(loaded, { ...d, mask: d.mask.map((x, i) => (i % S === 0 ? 1 : x === 1 ? 0 : 1)) });
      expect(other[0]).not.toEqual(want[0]);
      expect(JSON.stringify(topology)).toContain('attention_mask_input');
    } finally {
      model.dispose();
      loaded.dispose();
    }
  });

  it(".keras: Keras 3 loads ours and predicts the same; we load Keras' file and predict what Keras does", async () => {
    const model = build();
    const want = predict(model, d);
    const ws = model.getWeights();
    const weights = ws.map((w) => [Array.from(w.dataSync()), w.shape]);
    sg.dispose(ws); // getWeights returns copies
    const ours = join(dir, 'ours.keras');
    writeFileSync(ours, await sg.keras.toKerasBytes(model));
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify({ data: d, dims: [B, T, S, D], weights }));
    model.dispose();
    // Keras reads ours; Keras writes the same model with the same weights
    const theirs = join(dir, 'theirs.keras');
    const k = JSON.parse(runPython(PY, [ours, theirs, specFile], 240_000).trim().split('\n').pop()!);
    expect(k.loaded.layers).toEqual([
      'InputLayer',
      'InputLayer',
      'InputLayer',
      'InputLayer',
      'MultiHeadAttention',
      'GroupedQueryAttention',
    ]);
    k.loaded.out.forEach((o: number[], i: number) => expectClose(o, want[i], 1e-5, 1e-5));
    k.saved.out.forEach((o: number[], i: number) => expectClose(o, want[i], 1e-5, 1e-5));
    // we read Keras'
    const loaded = await sg.loadModel(new Uint8Array(readFileSync(theirs)));
    try {
      expect(loaded.layers.map((l) => l.className)).toContain('GroupQueryAttention');
      const got = predict(loaded, d);
      got.forEach((g, i) => expectClose(g, k.saved.out[i], 1e-5, 1e-5));
    } finally {
      loaded.dispose();
    }
  }, 600_000);
});
