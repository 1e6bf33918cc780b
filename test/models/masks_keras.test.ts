// Masks through the layers Keras lets them through (supports_masking: Dense on sequences,
// Dropout, Activation, LayerNormalization, BatchNormalization with masked batch statistics,
// GlobalAveragePooling1D's masked mean) and into the loss and metrics (Keras 3 weights them by the
// output's mask), against Keras 3 itself (the venv of scripts/setup-venv.sh, JAX backend) with
// the same weights: predict, evaluate and the weights after one train_on_batch.
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

const PY = `
import json, sys
import numpy as np
import keras
from keras import layers
spec = json.loads(open(sys.argv[1]).read())
B, T = spec['B'], spec['T']
tok = keras.Input((T,), dtype='int32')
e = layers.Embedding(8, 4, mask_zero=True, name='emb')(tok)
d1 = layers.Dense(5, activation='tanh', name='d1')(e)
dr = layers.Dropout(0.0, name='dr')(d1)
ac = layers.Activation('relu', name='ac')(dr)
ln = layers.LayerNormalization(name='ln')(ac)
bn = layers.BatchNormalization(name='bn')(ln)
seq = layers.LSTM(3, return_sequences=True, name='lstm')(bn)
out = layers.Dense(2, name='out')(seq)
pooled = layers.GlobalAveragePooling1D(name='gap')(bn)
pool_out = layers.Dense(1, name='pool_out')(pooled)
m = keras.Model(tok, [out, pool_out])
for name, ws in spec['weights'].items():
    m.get_layer(name).set_weights([np.array(v, 'float32').reshape(s) for v, s in ws])
m.compile(keras.optimizers.SGD(0.1), ['mse', 'mse'], metrics=[['mae'], ['mae']])
x = np.array(spec['x'], 'int32').reshape(B, T)
y1 = np.array(spec['y1'], 'float32').reshape(B, T, 2)
y2 = np.array(spec['y2'], 'float32').reshape(B, 1)
p1, p2 = m.predict(x, verbose=0)
ev = m.evaluate(x, [y1, y2], verbose=0, return_dict=True)
tr = m.train_on_batch(x, [y1, y2], return_dict=True)
after = {name: [w.ravel().tolist() for w in m.get_layer(name).get_weights()] for name in spec['weights']}
# A model used as a layer hands its output's mask on: inner (Embedding mask_zero -> Dense) -> LSTM.
tin = keras.Input((T,), dtype='int32')
inner = keras.Model(tin, layers.Dense(3, name='n_dense')(layers.Embedding(8, 4, mask_zero=True, name='n_emb')(tin)), name='inner')
tout = keras.Input((T,), dtype='int32')
nested = keras.Model(tout, layers.LSTM(2, name='n_lstm')(inner(tout)))
for name, ws in spec['nested'].items():
    nested.get_layer('inner').get_layer(name).set_weights([np.array(v, 'float32').reshape(s) for v, s in ws]) if name != 'n_lstm' else nested.get_layer(name).set_weights([np.array(v, 'float32').reshape(s) for v, s in ws])
pn = nested.predict(x, verbose=0)
print(json.dumps({'p1': p1.ravel().tolist(), 'p2': p2.ravel().tolist(), 'ev': {k: float(v) for k, v in ev.items()}, 'tr': {k: float(v) for k, v in tr.items()}, 'after': after, 'nested': pn.ravel().tolist()}))
`;

/** The same model in simdgrad, with the Keras layer names. */
function build(T: number): sg.LayersModel {
  const tok = sg.input({ shape: [T], dtype: 'int32' });
  const e = sg.layers.embedding({ inputDim: 8, outputDim: 4, maskZero: true, name: 'emb' }).apply(tok) as sg.SymbolicTensor;
  const d1 = sg.layers.dense({ units: 5, activation: 'tanh', name: 'd1' }).apply(e) as sg.SymbolicTensor;
  const dr = sg.layers.dropout({ rate: 0, name: 'dr' }).apply(d1) as sg.SymbolicTensor;
  const ac = sg.layers.activation({ activation: 'relu', name: 'ac' }).apply(dr) as sg.SymbolicTensor;
  const ln = sg.layers.layerNormalization({ name: 'ln' }).apply(ac) as sg.SymbolicTensor;
  const bn = sg.layers.batchNormalization({ name: 'bn' }).apply(ln) as sg.SymbolicTensor;
  const seq = sg.layers.lstm({ units: 3, returnSequences: true, name: 'lstm' }).apply(bn) as sg.SymbolicTensor;
  const out = sg.layers.dense({ units: 2, name: 'out' }).apply(seq) as sg.SymbolicTensor;
  const pooled = sg.layers.globalAveragePooling1d({ name: 'gap' }).apply(bn) as sg.SymbolicTensor;
  const poolOut = sg.layers.dense({ units: 1, name: 'pool_out' }).apply(pooled) as sg.SymbolicTensor;
  return sg.model({ inputs: tok, outputs: [out, poolOut] });
}

const WEIGHTED = ['emb', 'd1', 'ln', 'bn', 'lstm', 'out', 'pool_out'];

describe('masks through Dense, Dropout, Activation and the normalizations, against Keras 3', () => {
  checkNoLeaks();

  it('Embedding(maskZero) -> Dense -> Dropout -> Activation -> LN -> BN -> LSTM / GAP1D: predict, evaluate and one train step equal Keras', () => {
    const B = 4;
    const T = 6;
    // Padding at the end and one padded step in the middle (the LSTM skips it).
    const x = [3, 1, 4, 0, 0, 0, 5, 2, 0, 6, 7, 0, 1, 1, 1, 1, 1, 2, 7, 0, 0, 0, 0, 0];
    const y1 = Array.from(randArray(B * T * 2, 11));
    const y2 = Array.from(randArray(B, 12));
    const model = build(T);
    // Weights: random for every layer (BatchNormalization's moving statistics too), the same on both sides.
    const weights: Record<string, [number[], number[]][]> = {};
    let seed = 100;
    for (const name of WEIGHTED) {
      const layer = model.getLayer(name);
      const vals = layer.weights.map((w) => {
        const isVar = w.name === 'moving_variance';
        return sg.tensor(randArray(w.variable.size, seed++, isVar ? 0.5 : -0.8, isVar ? 1.5 : 0.8), w.shape);
      });
      layer.setWeights(vals);
      weights[name] = vals.map((v) => [Array.from(v.dataSync()), v.shape]);
      sg.dispose(vals);
    }
    // The nested case: inner model (Embedding maskZero -> Dense) called as a layer, then an LSTM.
    const tin = sg.input({ shape: [T], dtype: 'int32' });
    const nEmb = sg.layers.embedding({ inputDim: 8, outputDim: 4, maskZero: true, name: 'n_emb' });
    const nDense = sg.layers.dense({ units: 3, name: 'n_dense' });
    const inner = sg.model({ inputs: tin, outputs: nDense.apply(nEmb.apply(tin)) as sg.SymbolicTensor, name: 'inner' });
    const tout = sg.input({ shape: [T], dtype: 'int32' });
    const nLstm = sg.layers.lstm({ units: 2, name: 'n_lstm' });
    const nested = sg.model({ inputs: tout, outputs: nLstm.apply(inner.apply(tout) as sg.SymbolicTensor) as sg.SymbolicTensor });
    const nestedWeights: Record<string, [number[], number[]][]> = {};
    for (const layer of [nEmb, nDense, nLstm]) {
      const vals = layer.weights.map((w) => sg.tensor(randArray(w.variable.size, seed++, -0.8, 0.8), w.shape));
      layer.setWeights(vals);
      nestedWeights[layer.name] = vals.map((v) => [Array.from(v.dataSync()), v.shape]);
      sg.dispose(vals);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'sg-masks-')), 'spec.json');
    writeFileSync(file, JSON.stringify({ B, T, x, y1, y2, weights, nested: nestedWeights }));
    const keras = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!) as {
      p1: number[];
      p2: number[];
      ev: Record<string, number>;
      tr: Record<string, number>;
      after: Record<string, number[][]>;
      nested: number[];
    };

    const xt = sg.tensor(x, [B, T], 'int32');
    const y1t = sg.tensor(y1, [B, T, 2]);
    const y2t = sg.tensor(y2, [B, 1]);
    const pn = nested.predict(xt) as sg.Tensor;
    expectClose(pn.dataSync(), keras.nested, 1e-4, 1e-5);
    pn.dispose();
    nested.dispose();
    const [p1, p2] = model.predict(xt) as sg.Tensor[];
    expectClose(p1.dataSync(), keras.p1, 1e-4, 1e-5);
    expectClose(p2.dataSync(), keras.p2, 1e-4, 1e-5);
    sg.dispose([p1, p2]);

    model.compile({ optimizer: sg.train.sgd(0.1), loss: ['mse', 'mse'], metrics: [['mae'], ['mae']] });
    // Keras' names: loss, out_loss, pool_out_loss, out_mae, pool_out_mae.
    const names = model.metricsNames;
    const ev = model.evaluate(xt, [y1t, y2t]) as number[];
    expect(ev.length).toBe(5);
    const kerasEv = [keras.ev.loss, keras.ev.out_loss, keras.ev.pool_out_loss, keras.ev.out_mae, keras.ev.pool_out_mae];
    expectClose(ev, kerasEv, 1e-4, 1e-6);
    // The mask matters: without it the sequence loss would be the mean over every step.
    const out = sg.tidy(() => (model.predict(xt) as sg.Tensor[])[0]);
    const unmasked = sg.tidy(() => sg.mean(sg.square(sg.sub(out, y1t))).dataSync()[0]);
    out.dispose();
    expect(Math.abs(unmasked - keras.ev.out_loss)).toBeGreaterThan(1e-3);

    const tr = model.trainOnBatch(xt, [y1t, y2t]) as number[];
    expectClose(tr.slice(0, 3), [keras.tr.loss, keras.tr.out_loss, keras.tr.pool_out_loss], 1e-4, 1e-6);
    for (const name of WEIGHTED) {
      const got = model.getLayer(name).getWeights();
      got.forEach((w, i) => {
        try {
          expectClose(w.dataSync(), keras.after[name][i], 1e-3, 1e-5);
        } catch (err) {
          throw new Error(`${name} weight ${i} after one step (${names.join(', ')}): ${(err as Error).message}`);
        }
      });
      sg.dispose(got);
    }
    sg.dispose([xt, y1t, y2t]);
    model.dispose();
  }, 300_000);

  it('a mask reaching Flatten (no masking support) is dropped with Keras 3 warning, once per layer', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const tok = sg.input({ shape: [3], dtype: 'int32' });
      const e = sg.layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(tok) as sg.SymbolicTensor;
      const flat = sg.layers.flatten({ name: 'flat_m' }).apply(e) as sg.SymbolicTensor;
      const out = sg.layers.dense({ units: 1 }).apply(flat) as sg.SymbolicTensor;
      const model = sg.model({ inputs: tok, outputs: out });
      const x = sg.tensor([[1, 0, 0]], [1, 3], 'int32');
      const masks: (sg.Tensor | null)[] = [];
      sg.tidy(() => {
        model.execute([x], false, masks);
        model.execute([x], false, masks);
        expect(masks).toEqual([null]);
      });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain("Layer 'flat_m' (of type Flatten) was passed an input with a mask");
      x.dispose();
      model.dispose();
    } finally {
      warn.mockRestore();
    }
  });

  it('Dropout in training, GaussianNoise and TimeDistributed(Dense) hand the mask on unchanged', () => {
    const tok = sg.input({ shape: [4], dtype: 'int32' });
    let h = sg.layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true }).apply(tok) as sg.SymbolicTensor;
    h = sg.layers.dropout({ rate: 0.5, seed: 1 }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.gaussianNoise({ stddev: 0.1, seed: 2 }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 2 }) }).apply(h) as sg.SymbolicTensor;
    const model = sg.model({ inputs: tok, outputs: h });
    const x = sg.tensor([[1, 2, 0, 0], [0, 3, 4, 0]], [2, 4], 'int32');
    sg.tidy(() => {
      const masks: (sg.Tensor | null)[] = [];
      model.execute([x], true, masks);
      expect(Array.from(masks[0]!.dataSync())).toEqual([1, 1, 0, 0, 0, 1, 1, 0]);
    });
    x.dispose();
    model.dispose();
  });
});
