// Sample weights, class weights and loss weights per output of a two-output model, against
// Keras 3 (the venv of scripts/setup-venv.sh, JAX backend) with the same weights: evaluate with a
// list of sample weights and with one for every output, train_on_batch and a 2-epoch fit (SGD, no
// shuffle). Keras 3 refuses class_weight for several outputs; ours per output equals Keras given
// the sample weights Keras would derive from it (data_adapter_utils.class_weight_to_sample_weights).
// Without the venv this file FAILS with the command that makes it (see test/io/hdf5_python.ts).
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
spec = json.loads(open(sys.argv[1]).read())
N = spec['N']
def build():
    a = keras.Input((3,))
    o1 = layers.Dense(1, name='o1')(a)
    o2 = layers.Dense(2, activation='softmax', name='o2')(a)
    m = keras.Model(a, [o1, o2])
    for name, ws in spec['weights'].items():
        m.get_layer(name).set_weights([np.array(v, 'float32').reshape(s) for v, s in ws])
    m.compile(keras.optimizers.SGD(0.1), ['mse', 'categorical_crossentropy'], loss_weights=[1.0, 0.5])
    return m
x = np.array(spec['x'], 'float32').reshape(N, 3)
y1 = np.array(spec['y1'], 'float32').reshape(N, 1)
y2 = np.array(spec['y2'], 'float32').reshape(N, 2)
sw1 = np.array(spec['sw1'], 'float32'); sw2 = np.array(spec['sw2'], 'float32')
cw = {0: 1.0, 1: 3.0}
sw2cw = np.array([cw[int(np.argmax(r))] for r in y2], 'float32')
out = {}
m = build()
out['ev_list'] = m.evaluate(x, [y1, y2], sample_weight=[sw1, sw2], verbose=0)
out['ev_one'] = m.evaluate(x, [y1, y2], sample_weight=sw1, verbose=0)
m.train_on_batch(x, [y1, y2], sample_weight=[sw1, sw2])
out['tob'] = [w.ravel().tolist() for w in m.get_weights()]
m = build()
m.fit(x, [y1, y2], sample_weight=[sw1, sw2], batch_size=4, epochs=2, shuffle=False, verbose=0)
out['fit'] = [w.ravel().tolist() for w in m.get_weights()]
m = build()
m.fit(x, [y1, y2], sample_weight=[np.ones(N, 'float32'), sw2cw], batch_size=4, epochs=2, shuffle=False, verbose=0)
out['fit_cw'] = [w.ravel().tolist() for w in m.get_weights()]
print(json.dumps(out))
`;

function build(weights: Record<string, [number[], number[]][]>): sg.LayersModel {
  const a = sg.input({ shape: [3] });
  const o1 = sg.layers.dense({ units: 1, name: 'o1' }).apply(a) as sg.SymbolicTensor;
  const o2 = sg.layers.dense({ units: 2, activation: 'softmax', name: 'o2' }).apply(a) as sg.SymbolicTensor;
  const m = sg.model({ inputs: a, outputs: [o1, o2] });
  for (const [name, ws] of Object.entries(weights)) {
    const ts = ws.map(([v, s]) => sg.tensor(v, s));
    m.getLayer(name).setWeights(ts);
    sg.dispose(ts);
  }
  m.compile({ optimizer: sg.train.sgd(0.1), loss: ['mse', 'categorical_crossentropy'], lossWeights: { o1: 1, o2: 0.5 } });
  return m;
}

function weightsOf(m: sg.LayersModel): number[][] {
  const ws = m.getWeights();
  const out = ws.map((w) => Array.from(w.dataSync()));
  sg.dispose(ws);
  return out;
}

describe('sample, class and loss weights per output, against Keras 3', () => {
  checkNoLeaks();

  it('evaluate, trainOnBatch and fit with per-output weights equal Keras', async () => {
    const N = 10;
    const x = Array.from(randArray(N * 3, 1));
    const y1 = Array.from(randArray(N, 2));
    const labels = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1];
    const y2 = labels.flatMap((l) => (l ? [0, 1] : [1, 0]));
    const sw1 = Array.from(randArray(N, 3, 0, 2));
    const sw2 = Array.from(randArray(N, 4, 0, 2));
    const weights: Record<string, [number[], number[]][]> = {
      o1: [[Array.from(randArray(3, 5)), [3, 1]], [[0.1], [1]]],
      o2: [[Array.from(randArray(6, 6)), [3, 2]], [[0.2, -0.1], [2]]],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'sg-sw-')), 'spec.json');
    writeFileSync(file, JSON.stringify({ N, x, y1, y2, sw1, sw2, weights }));
    const k = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!) as Record<string, number[] | number[][]>;

    const xt = sg.tensor(x, [N, 3]);
    const y1t = sg.tensor(y1, [N, 1]);
    const y2t = sg.tensor(y2, [N, 2]);
    const sw1t = sg.tensor(sw1);
    const sw2t = sg.tensor(sw2);

    let m = build(weights);
    expectClose(m.evaluate(xt, [y1t, y2t], { sampleWeight: [sw1t, sw2t] }) as number[], k.ev_list as number[], 1e-5, 1e-6);
    // The map form by output name is the same weighting.
    expectClose(m.evaluate(xt, [y1t, y2t], { sampleWeight: { o1: sw1t, o2: sw2t } }) as number[], k.ev_list as number[], 1e-5, 1e-6);
    // One tensor weights every output (Keras 3).
    expectClose(m.evaluate(xt, [y1t, y2t], { sampleWeight: sw1t }) as number[], k.ev_one as number[], 1e-5, 1e-6);
    m.trainOnBatch(xt, [y1t, y2t], [sw1t, sw2t]);
    (k.tob as number[][]).forEach((w, i) => expectClose(weightsOf(m)[i], w, 1e-4, 1e-6));
    m.dispose();

    m = build(weights);
    await m.fit(xt, [y1t, y2t], { sampleWeight: [sw1t, sw2t], batchSize: 4, epochs: 2, shuffle: false, verbose: 0 });
    (k.fit as number[][]).forEach((w, i) => expectClose(weightsOf(m)[i], w, 1e-4, 1e-6));
    m.dispose();

    // classWeight for the second output only, by name.
    m = build(weights);
    await m.fit(xt, [y1t, y2t], { classWeight: { o2: { 0: 1, 1: 3 } }, batchSize: 4, epochs: 2, shuffle: false, verbose: 0 });
    (k.fit_cw as number[][]).forEach((w, i) => expectClose(weightsOf(m)[i], w, 1e-4, 1e-6));
    m.dispose();
    sg.dispose([xt, y1t, y2t, sw1t, sw2t]);
  }, 300_000);

  it('bad per-output weights are refused naming the output, before any step', async () => {
    const m = build({});
    const x = sg.ones([4, 3]);
    const ys = [sg.ones([4, 1]), sg.tensor([[1, 0], [0, 1], [1, 0], [0, 1]])];
    const sw = sg.ones([4]);
    const short = sg.ones([3]);
    const before = weightsOf(m);
    await expect(m.fit(x, ys, { sampleWeight: [sw], verbose: 0 })).rejects.toThrow(/sampleWeight has 1 entries but the model has 2 output\(s\) \(o1, o2\)/);
    await expect(m.fit(x, ys, { sampleWeight: { o3: sw } as never, verbose: 0 })).rejects.toThrow(/names the output 'o3'.*outputs: o1, o2/);
    expect(() => m.evaluate(x, ys, { sampleWeight: [sw, short] })).toThrow(/sampleWeight of output 'o2' must have shape \[4\]/);
    await expect(m.fit(x, ys, { classWeight: { 0: 1, 1: 2 }, verbose: 0 })).rejects.toThrow(/only supported for models with a single output/);
    expect(() => m.trainOnBatch(x, ys, undefined, { o2: { 0: -1 } })).toThrow(/classWeight for class 0 is -1/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: { o1: 1 } })).toThrow(/no loss weight for output 'o2'/);
    expect(weightsOf(m)).toEqual(before);
    sg.dispose([x, ...ys, sw, short]);
    m.dispose();
  });
});
