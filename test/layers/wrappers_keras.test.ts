// TimeDistributed with masks, against Keras 3 (the venv of scripts/setup-venv.sh, JAX backend):
// Keras calls the wrapped layer once per time step with that step's slice of the mask
// (mask[:, t]) and hands the input mask on as the output mask. Masking -> TimeDistributed(
// BatchNormalization) -> LSTM (masked batch statistics and moving averages per step, the LSTM and
// the loss masked by what TimeDistributed hands on): predict, evaluate and one train_on_batch;
// Masking on [batch, time, steps, features] -> TimeDistributed(LSTM): the inner LSTM gets
// each row's [batch, steps] mask. Without the venv this file FAILS with the command that makes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

const PY = `
import json, sys
import numpy as np
import keras
from keras import layers
s = json.loads(open(sys.argv[1]).read())
def setw(layer, ws):
    layer.set_weights([np.array(v, 'float32').reshape(sh) for v, sh in ws])
B, T, F = s['B'], s['T'], s['F']
x = np.array(s['x'], 'float32').reshape(B, T, F)
y = np.array(s['y'], 'float32').reshape(B, T, 3)
inp = keras.Input((T, F))
td = layers.TimeDistributed(layers.BatchNormalization(name='bn'), name='td')(layers.Masking(0.0)(inp))
out = layers.LSTM(3, return_sequences=True, name='lstm')(td)
m = keras.Model(inp, out)
setw(m.get_layer('td'), s['td'])
setw(m.get_layer('lstm'), s['lstm'])
m.compile(keras.optimizers.SGD(0.1), 'mse')
p = m.predict(x, verbose=0)
ev = m.evaluate(x, y, verbose=0)
tr = m.train_on_batch(x, y)
after = {n: [w.ravel().tolist() for w in m.get_layer(n).get_weights()] for n in ['td', 'lstm']}
B4, T4, S4, F4 = s['shape4']
x4 = np.array(s['x4'], 'float32').reshape(B4, T4, S4, F4)
i4 = keras.Input((T4, S4, F4))
m4 = keras.Model(i4, layers.TimeDistributed(layers.LSTM(2, name='inner'), name='t4')(layers.Masking(0.0)(i4)))
setw(m4.get_layer('t4'), s['t4'])
p4 = m4.predict(x4, verbose=0)
print(json.dumps({'p': p.ravel().tolist(), 'ev': float(ev), 'tr': float(tr), 'after': after, 'p4': p4.ravel().tolist()}))
`;

const rnd = (shape: number[], seed: number, lo = -0.8, hi = 0.8) =>
  sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);

/** Random weights for a layer, set on it and returned as [values, shape] pairs for Keras. */
function setRandom(layer: sg.layers.Layer, seed: number): [number[], number[]][] {
  const vals = layer.weights.map((w, i) =>
    w.name === 'moving_variance' ? rnd(w.shape, seed + i, 0.5, 1.5) : rnd(w.shape, seed + i),
  );
  layer.setWeights(vals);
  const out = vals.map((v) => [Array.from(v.dataSync()), v.shape] as [number[], number[]]);
  sg.dispose(vals);
  return out;
}

describe('TimeDistributed passes masks to the wrapped layer as Keras 3', () => {
  checkNoLeaks();

  it('Masking -> TimeDistributed(BatchNormalization) -> LSTM and Masking -> TimeDistributed(LSTM) equal Keras', () => {
    const [B, T, F] = [3, 4, 2];
    const x = Array.from(randArray(B * T * F, 1, -2, 2));
    // Masked steps: sample 0 step 3, sample 1 step 1, sample 2 steps 2 and 3.
    for (const [b, t] of [[0, 3], [1, 1], [2, 2], [2, 3]]) x.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
    const y = Array.from(randArray(B * T * 3, 2));
    const inp = sg.input({ shape: [T, F] });
    const tdLayer = sg.layers.timeDistributed({ layer: sg.layers.batchNormalization({ name: 'bn' }), name: 'td' });
    const masked = sg.layers.masking({ maskValue: 0 }).apply(inp) as sg.SymbolicTensor;
    const lstm = sg.layers.lstm({ units: 3, returnSequences: true, name: 'lstm' });
    const model = sg.model({ inputs: inp, outputs: lstm.apply(tdLayer.apply(masked)) as sg.SymbolicTensor });
    const spec: Record<string, unknown> = { B, T, F, x, y, td: setRandom(tdLayer, 10), lstm: setRandom(lstm, 20) };

    const shape4 = [2, 3, 4, 2];
    const x4 = Array.from(randArray(48, 3, -2, 2));
    x4.fill(0, (0 * 12 + 1 * 4 + 2) * 2, (0 * 12 + 1 * 4 + 4) * 2); // sample 0, row 1: steps 2 and 3 padded
    x4.fill(0, (1 * 12 + 2 * 4) * 2, (1 * 12 + 3 * 4) * 2); // sample 1, row 2: every step padded
    const i4 = sg.input({ shape: shape4.slice(1) });
    const t4 = sg.layers.timeDistributed({ layer: sg.layers.lstm({ units: 2, name: 'inner' }), name: 't4' });
    const m4 = sg.model({ inputs: i4, outputs: t4.apply(sg.layers.masking({ maskValue: 0 }).apply(i4)) as sg.SymbolicTensor });
    Object.assign(spec, { shape4, x4, t4: setRandom(t4, 30) });

    const file = join(mkdtempSync(join(tmpdir(), 'sg-td-')), 'spec.json');
    writeFileSync(file, JSON.stringify(spec));
    const keras = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!) as {
      p: number[];
      ev: number;
      tr: number;
      after: Record<string, number[][]>;
      p4: number[];
    };

    const xt = sg.tensor(x, [B, T, F]);
    const yt = sg.tensor(y, [B, T, 3]);
    const p = model.predict(xt) as sg.Tensor;
    expectClose(p.dataSync(), keras.p, 1e-4, 1e-5);
    p.dispose();
    // The output mask is the input mask: the LSTM holds its state over the padded steps.
    sg.tidy(() => {
      const masks: (sg.Tensor | null)[] = [];
      model.execute([xt], false, masks);
      expect(Array.from(masks[0]!.dataSync())).toEqual([1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0]);
    });
    model.compile({ optimizer: sg.train.sgd(0.1), loss: 'mse' });
    expectClose([model.evaluate(xt, yt) as number], [keras.ev], 1e-4, 1e-6);
    // Training: BatchNormalization's statistics per step over the unmasked samples of that step,
    // its moving averages updated once per step (T times), as Keras' per-step calls.
    expectClose([model.trainOnBatch(xt, yt) as number], [keras.tr], 1e-4, 1e-6);
    for (const [name, layer] of [['td', tdLayer], ['lstm', lstm]] as const) {
      const got = layer.getWeights();
      got.forEach((w, i) => expectClose(w.dataSync(), keras.after[name][i], 1e-3, 1e-5));
      sg.dispose(got);
    }

    // Rank 4: the wrapped LSTM gets each row's [batch, steps] mask (a fully padded row gives zeros).
    const x4t = sg.tensor(x4, shape4);
    const p4 = m4.predict(x4t) as sg.Tensor;
    expectClose(p4.dataSync(), keras.p4, 1e-4, 1e-5);
    expect(Array.from(p4.dataSync().slice(10, 12))).toEqual([0, 0]);
    sg.tidy(() => {
      const masks: (sg.Tensor | null)[] = [];
      m4.execute([x4t], false, masks);
      expect(masks[0]!.shape).toEqual([2, 3, 4]);
    });
    sg.dispose([p4, x4t, xt, yt]);
    model.dispose();
    m4.dispose();
  }, 300_000);

  it('a mask that does not fit the input is refused with both shapes', () => {
    const td = sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 2 }), name: 'td_bad' });
    const x = sg.zeros([2, 3, 4]);
    const bad = sg.ones([2, 4]);
    expect(() => td.call(x, { mask: bad })).toThrow(
      'td_bad: the mask of shape [2,4] does not fit the input of shape [2,3,4]: its first two dimensions (batch, time) must be [2,3]',
    );
    sg.dispose([x, bad]);
    td.dispose();
  });
});
