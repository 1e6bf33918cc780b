// x and y as maps by input and output name (Keras' dicts, tfjs' named maps) in fit, evaluate,
// trainOnBatch, testOnBatch, validationData and (x) predict; fitDataset and evaluateDataset on batches with
// sample weights (Keras' (x, y, sample_weight) triples and {xs, ys, sampleWeights}). Against
// Keras 3 (the venv of scripts/setup-venv.sh, JAX backend) with the same weights: the history of a
// 2-epoch fit (loss, per-output losses and metrics, val_*), the weights after it, evaluate,
// train_on_batch and test_on_batch. Without the venv this file FAILS with the command that makes it.
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
N, NV = s['N'], s['NV']
arr = lambda k, *sh: np.array(s[k], 'float32').reshape(*sh)
x = {'a': arr('a', N, 3), 'b': arr('b', N, 2)}
y = {'out1': arr('y1', N, 2), 'out2': arr('y2', N, 1)}
sw = {'out1': arr('sw1', N), 'out2': arr('sw2', N)}
xv = {'a': arr('va', NV, 3), 'b': arr('vb', NV, 2)}
yv = {'out1': arr('vy1', NV, 2), 'out2': arr('vy2', NV, 1)}
swv = {'out1': arr('vsw1', NV), 'out2': arr('vsw2', NV)}
def build():
    a = keras.Input((3,), name='a')
    b = keras.Input((2,), name='b')
    h = layers.Dense(4, activation='tanh', name='h')(layers.Concatenate()([a, b]))
    m = keras.Model({'a': a, 'b': b}, {'out1': layers.Dense(2, name='out1')(h), 'out2': layers.Dense(1, activation='sigmoid', name='out2')(h)})
    for n, ws in s['weights'].items():
        m.get_layer(n).set_weights([np.array(v, 'float32').reshape(sh) for v, sh in ws])
    m.compile(keras.optimizers.SGD(0.1), {'out1': 'mse', 'out2': 'binary_crossentropy'}, metrics={'out1': ['mae'], 'out2': ['mae']})
    return m
weights = lambda m: {n: [w.ravel().tolist() for w in m.get_layer(n).get_weights()] for n in ['h', 'out1', 'out2']}
res = {}
m = build()
first = lambda d, k: {n: v[:k] for n, v in d.items()}
res['tob'] = m.train_on_batch(first(x, 4), first(y, 4), return_dict=True)
res['teb'] = m.test_on_batch(first(x, 4), first(y, 4), return_dict=True)
m = build()
h = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(xv, yv))
res['plain'] = {'history': h.history, 'weights': weights(m), 'ev': m.evaluate(xv, yv, batch_size=4, verbose=0, return_dict=True)}
m = build()
h = m.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(xv, yv, swv))
res['weighted'] = {'history': h.history, 'weights': weights(m), 'ev': m.evaluate(xv, yv, sample_weight=swv, batch_size=4, verbose=0, return_dict=True)}
print(json.dumps(res))
`;

type KerasLogs = Record<string, number>;
type KerasFit = { history: Record<string, number[]>; weights: Record<string, number[][]>; ev: KerasLogs };

const N = 12;
const NV = 8;
const rnd = (n: number, seed: number, lo = -1, hi = 1) => Array.from(randArray(n, seed, lo, hi));
const spec = {
  N,
  NV,
  a: rnd(N * 3, 1),
  b: rnd(N * 2, 2),
  y1: rnd(N * 2, 3),
  y2: rnd(N, 4).map((v) => (v > 0 ? 1 : 0)),
  sw1: rnd(N, 5, 0, 2),
  sw2: rnd(N, 6, 0, 2),
  va: rnd(NV * 3, 7),
  vb: rnd(NV * 2, 8),
  vy1: rnd(NV * 2, 9),
  vy2: rnd(NV, 10).map((v) => (v > 0 ? 1 : 0)),
  vsw1: rnd(NV, 11, 0, 2),
  vsw2: rnd(NV, 12, 0, 2),
  weights: {} as Record<string, [number[], number[]][]>,
};
for (const [name, shapes, seed] of [
  ['h', [[5, 4], [4]], 20],
  ['out1', [[4, 2], [2]], 30],
  ['out2', [[4, 1], [1]], 40],
] as const) {
  spec.weights[name] = shapes.map((sh, i) => [rnd(sh.reduce((p, q) => p * q, 1), seed + i, -0.8, 0.8), [...sh]]);
}

/** The Keras model in simdgrad: inputs 'a' and 'b', outputs 'out1' (linear) and 'out2' (sigmoid). */
function build(): sg.LayersModel {
  const a = sg.input({ shape: [3], name: 'a' });
  const b = sg.input({ shape: [2], name: 'b' });
  const h = sg.layers.dense({ units: 4, activation: 'tanh', name: 'h' }).apply(sg.layers.concatenate().apply([a, b])) as sg.SymbolicTensor;
  const o1 = sg.layers.dense({ units: 2, name: 'out1' }).apply(h) as sg.SymbolicTensor;
  const o2 = sg.layers.dense({ units: 1, activation: 'sigmoid', name: 'out2' }).apply(h) as sg.SymbolicTensor;
  const m = sg.model({ inputs: [a, b], outputs: [o1, o2] });
  for (const [name, ws] of Object.entries(spec.weights)) {
    const ts = ws.map(([v, sh]) => sg.tensor(v, sh));
    m.getLayer(name).setWeights(ts);
    sg.dispose(ts);
  }
  m.compile({ optimizer: sg.train.sgd(0.1), loss: { out1: 'mse', out2: 'binaryCrossentropy' }, metrics: { out1: ['mae'], out2: ['mae'] } });
  return m;
}

let keras: { tob: KerasLogs; teb: KerasLogs; plain: KerasFit; weighted: KerasFit } | undefined;
function kerasResults() {
  if (!keras) {
    const file = join(mkdtempSync(join(tmpdir(), 'sg-named-')), 'spec.json');
    writeFileSync(file, JSON.stringify(spec));
    keras = JSON.parse(runPython(PY, [file], 240_000).trim().split('\n').pop()!);
  }
  return keras!;
}

/** Fresh tensors of the data (each dataset batch's tensors are freed by fitDataset). */
const data = (start = 0, n = N, val = false) => {
  const p = val ? 'v' : '';
  const t = (k: string, w: number) => {
    const v = (spec as unknown as Record<string, number[]>)[k];
    return w === 0 ? sg.tensor(v.slice(start, start + n), [n]) : sg.tensor(v.slice(start * w, (start + n) * w), [n, w]);
  };
  return {
    x: { a: t(val ? 'va' : 'a', 3), b: t(val ? 'vb' : 'b', 2) },
    y: { out1: t(`${p}y1`, 2), out2: t(`${p}y2`, 1) },
    sw: { out1: t(`${p}sw1`, 0), out2: t(`${p}sw2`, 0) },
  };
};
const free = (d: ReturnType<typeof data>) => sg.dispose([...Object.values(d.x), ...Object.values(d.y), ...Object.values(d.sw)]);

function expectHistory(h: sg.History, k: Record<string, number[]>, names: string[]) {
  for (const name of names) {
    expect(k[name], name).toBeDefined();
    const got = h.history[name] as number[];
    expect(got, name).toBeDefined();
    expectClose(got, k[name], 1e-4, 1e-6);
  }
}

function expectWeights(m: sg.LayersModel, k: Record<string, number[][]>) {
  for (const name of ['h', 'out1', 'out2']) {
    const ws = m.getLayer(name).getWeights();
    ws.forEach((w, i) => expectClose(w.dataSync(), k[name][i], 1e-4, 1e-6));
    sg.dispose(ws);
  }
}

describe('x and y as maps by input and output name, against Keras 3', () => {
  checkNoLeaks();

  it('fit, evaluate, trainOnBatch, testOnBatch and validationData take maps and equal Keras', async () => {
    const k = kerasResults();
    const m = build();
    const names = m.metricsNames;
    expect(names).toEqual(['loss', 'out1_loss', 'out2_loss', 'out1_mae', 'out2_mae']);
    const first = data(0, 4);
    const tob = m.trainOnBatch(first.x, first.y) as number[];
    expectClose(tob, names.map((n) => k.tob[n]), 1e-4, 1e-6);
    const teb = m.testOnBatch(first.x, first.y) as number[];
    expectClose(teb, names.map((n) => k.teb[n]), 1e-4, 1e-6);
    free(first);
    m.dispose();

    const m2 = build();
    const d = data();
    const v = data(0, NV, true);
    const h = await m2.fit(d.x, d.y, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0, validationData: [v.x, v.y] });
    expectHistory(h, k.plain.history, [...names, ...names.map((n) => `val_${n}`)]);
    expectWeights(m2, k.plain.weights);
    // The map is the list in the model's order, whatever the map's key order.
    const ev = m2.evaluate({ b: v.x.b, a: v.x.a }, { out2: v.y.out2, out1: v.y.out1 }, { batchSize: 4 }) as number[];
    expectClose(ev, names.map((n) => k.plain.ev[n]), 1e-4, 1e-6);
    expect(m2.evaluate([v.x.a, v.x.b], [v.y.out1, v.y.out2], { batchSize: 4 })).toEqual(ev);
    // predict and predictOnBatch take x by input name too (Keras' predict on a dict).
    const byName = m2.predict({ b: v.x.b, a: v.x.a }) as sg.Tensor[];
    const byList = m2.predictOnBatch([v.x.a, v.x.b]) as sg.Tensor[];
    byName.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(byList[i].dataSync())));
    expect(() => m2.predict({ a: v.x.a })).toThrow("predict: x has no entry for the input(s) 'b'; its inputs: a, b");
    sg.dispose([...byName, ...byList]);
    free(d);
    free(v);
    m2.dispose();
  }, 300_000);

  it('unknown and missing names are refused, naming them and the model’s names', async () => {
    const m = build();
    const d = data(0, 4);
    expect(() => m.evaluate({ a: d.x.a, c: d.x.b }, d.y)).toThrow(
      "evaluate: x names the input 'c', which the model does not have; its inputs: a, b",
    );
    expect(() => m.trainOnBatch(d.x, { out1: d.y.out1 })).toThrow(
      "trainOnBatch: y has no entry for the output(s) 'out2'; its outputs: out1, out2",
    );
    expect(() => m.testOnBatch(d.x, { out1: d.y.out1, out3: d.y.out2 })).toThrow(
      "testOnBatch: y names the output 'out3', which the model does not have; its outputs: out1, out2",
    );
    await expect(m.fit(d.x, { out1: d.y.out1, out_2: d.y.out2 }, { verbose: 0 })).rejects.toThrow(
      "fit: y names the output 'out_2', which the model does not have; its outputs: out1, out2",
    );
    await expect(m.fit(d.x, d.y, { verbose: 0, validationData: [{ a: d.x.a }, d.y] })).rejects.toThrow(
      "fit: validationData x has no entry for the input(s) 'b'; its inputs: a, b",
    );
    free(d);
    m.dispose();
  });
});

describe('fitDataset and evaluateDataset with sample weights, against Keras 3 fit with sample_weight', () => {
  checkNoLeaks();

  /** Batches of 4 in order, as [x, y, sampleWeight] (Keras) or {xs, ys, sampleWeights} (tfjs-data style). */
  function dataset(kind: 'tuple' | 'object', val = false) {
    const n = val ? NV : N;
    return {
      length: n / 4,
      *[Symbol.iterator]() {
        for (let s = 0; s < n; s += 4) {
          const d = data(s, 4, val);
          if (kind === 'tuple') yield [d.x, d.y, d.sw] as sg.DatasetBatch;
          // Lists in the model's order here, maps above: both forms reach trainOnBatch.
          else yield { xs: [d.x.a, d.x.b], ys: [d.y.out1, d.y.out2], sampleWeights: [d.sw.out1, d.sw.out2] } as sg.DatasetBatch;
        }
      },
    };
  }

  it('[x, y, sampleWeight] and {xs, ys, sampleWeights} batches train as Keras fit(..., sample_weight) and evaluate as its evaluate', async () => {
    const k = kerasResults();
    for (const kind of ['tuple', 'object'] as const) {
      const m = build();
      const names = m.metricsNames;
      const h = await m.fitDataset(dataset(kind), { epochs: 2, verbose: 0, validationData: dataset(kind, true) });
      expectHistory(h, k.weighted.history, [...names, ...names.map((n) => `val_${n}`)]);
      expectWeights(m, k.weighted.weights);
      const ev = (await m.evaluateDataset(dataset(kind, true))) as number[];
      expectClose(ev, names.map((n) => k.weighted.ev[n]), 1e-4, 1e-6);
      // The weights matter: unweighted, the loss differs.
      const unweighted = [...dataset(kind, true)].map((b) => {
        sg.dispose(Array.isArray(b) ? (b[2] as sg.NamedTensorMap) : (b.sampleWeights as sg.Tensor[]));
        return Array.isArray(b) ? [b[0], b[1]] : { xs: b.xs, ys: b.ys };
      });
      const plain = (await m.evaluateDataset(unweighted as sg.DatasetBatch[])) as number[];
      expect(Math.abs(plain[0] - ev[0])).toBeGreaterThan(1e-3);
      m.dispose();
    }
    // Tensor validationData with a third entry (sample weights) gives the same val_ logs.
    const m = build();
    const v = data(0, NV, true);
    const h = await m.fitDataset(dataset('tuple'), { epochs: 2, verbose: 0, validationData: [v.x, v.y, v.sw], validationBatchSize: 4 });
    expectHistory(h, k.weighted.history, m.metricsNames.map((n) => `val_${n}`));
    free(v);
    m.dispose();
  }, 300_000);

  it('evaluateDataset: batches limit, bad batches and options are refused', async () => {
    const m = build();
    const one = (await m.evaluateDataset(dataset('tuple', true), { batches: 1 })) as number[];
    const d = data(0, 4, true);
    const direct = m.evaluate(d.x, d.y, { sampleWeight: d.sw }) as number[];
    expectClose(one, direct, 1e-6, 1e-7);
    free(d);
    await expect(m.evaluateDataset(dataset('tuple'), { batches: 0 })).rejects.toThrow('evaluateDataset: batches must be a positive integer but is 0');
    await expect(m.evaluateDataset(dataset('tuple'), { steps: 2 } as never)).rejects.toThrow("evaluateDataset: unknown option 'steps'; options: batches");
    const bad = [[sg.ones([4, 3]), sg.ones([4, 2]), 'w']] as unknown as sg.DatasetBatch[];
    await expect(m.evaluateDataset(bad)).rejects.toThrow('batch 0 of the dataset is not {xs, ys} (sampleWeights optional) or [x, y, sampleWeight?] of tensors');
    m.dispose();
  });
});
