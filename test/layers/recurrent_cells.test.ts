// layers.rnn({cell}) with stock, stacked and user-defined cells:
// - tfjs-layers 4.22: models with rnn(lstmCell), rnn([gruCell, simpleRNNCell]) (goBackwards,
//   masks) and the lstm/gru layers with tfjs' default recurrentActivation 'hardSigmoid' (Keras 2's,
//   on the fused kernels' new code): tfjs saves -> simdgrad loads, simdgrad saves -> tfjs loads,
//   same predictions;
// - Keras 3.15: a .keras and a legacy .h5 file with RNN(LSTMCell), RNN([GRUCell, SimpleRNNCell])
//   and LSTM(activation='gelu') (the composed path) load and predict as Keras;
// - rnn(stock cell) runs the fused kernel and equals the composed loop (a stack of one) and the
//   LSTM/GRU/SimpleRNN layers with the same weights, values and all gradients, on every backend;
// - a user-defined cell: values against a plain loop, gradients by finite differences, state
//   lists, returnState, initialState, stateful, masks, Keras-style [output, [states]];
// - configs round-trip, errors name the layer. The Keras part needs the venv and FAILS without it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take, withBackend } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TL = tfl.layers;
const g = { recurrentInitializer: 'glorotUniform' as const }; // tfjs' orthogonal needs tfjs-core's chaining API

function tfModels(): [string, () => tfl.LayersModel, number[]][] {
  return [
    [
      'masking, rnn(lstmCell) sequences, rnn(gruCell) (tfjs defaults: hardSigmoid)',
      () =>
        tfl.sequential({
          layers: [
            TL.masking({ maskValue: 0, inputShape: [5, 3] }),
            TL.rnn({ cell: TL.lstmCell({ units: 4, ...g }), returnSequences: true }),
            TL.rnn({ cell: TL.gruCell({ units: 3, ...g }) }),
            TL.dense({ units: 2 }),
          ],
        }),
      [2, 5, 3],
    ],
    [
      'rnn([gruCell, simpleRNNCell]) goBackwards, stacked',
      () =>
        tfl.sequential({
          layers: [
            TL.rnn({ cell: [TL.gruCell({ units: 3, ...g }), TL.simpleRNNCell({ units: 2, ...g })], goBackwards: true, returnSequences: true, inputShape: [4, 3] }),
            TL.flatten(),
          ],
        }),
      [3, 4, 3],
    ],
    [
      'lstm and gru layers with the default recurrentActivation hardSigmoid',
      () =>
        tfl.sequential({
          layers: [
            TL.lstm({ units: 4, returnSequences: true, inputShape: [6, 2], ...g }),
            TL.gru({ units: 3, returnSequences: true, ...g }),
            TL.simpleRNN({ units: 2, activation: 'relu', ...g }),
          ],
        }),
      [2, 6, 2],
    ],
  ];
}

function inputData(shape: number[], seed: number): Float32Array {
  const x = randArray(shape.reduce((a, b) => a * b, 1), seed, -1, 1);
  if (shape[1] === 5) x.fill(0, 2 * 3, 3 * 3).fill(0, (5 + 4) * 3, (5 + 5) * 3); // masked steps
  return x;
}

describe('layers.rnn with cells', () => {
  checkNoLeaks();

  for (const [name, build, shape] of tfModels()) {
    it(`tfjs-layers <-> simdgrad: ${name}`, async () => {
      const theirs = build();
      theirs.setWeights(theirs.weights.map((w, i) => tf.tensor(randArray(w.shape.reduce((a, b) => a! * b!, 1)!, 40 + i, -0.8, 0.8), w.shape as number[])));
      let art: tf.io.ModelArtifacts | undefined;
      await theirs.save(tf.io.withSaveHandler(async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
      const x = inputData(shape, 9);
      const xt = tf.tensor(x, shape);
      const ref = Array.from((theirs.predict(xt) as tf.Tensor).dataSync());
      const ours = await sg.loadLayersModel(sg.io.fromMemory(art as sg.io.ModelArtifacts));
      const sx = sg.tensor(x, shape);
      expectClose(take(ours.predict(sx) as sg.Tensor), ref, 1e-5, 1e-6);
      expect(ours.countParams()).toBe(theirs.countParams());
      const sink = sg.io.memorySink();
      await ours.save(sink);
      const back = await tfl.loadLayersModel(tf.io.fromMemory(sink.artifacts as tf.io.ModelArtifacts));
      expectClose(Array.from((back.predict(xt) as tf.Tensor).dataSync()), ref, 1e-6, 1e-7);
      tf.dispose(xt);
      back.dispose();
      theirs.dispose();
      ours.dispose();
      sx.dispose();
    });
  }

  it('Keras 3: .keras and legacy .h5 files with RNN(LSTMCell), RNN([GRUCell, SimpleRNNCell]) and LSTM(gelu) load and predict as Keras; Keras loads the same kinds from simdgrad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-rnncell-'));
    const x = randArray(2 * 5 * 3, 17, -1, 1);
    // The other direction: simdgrad writes a .keras with the same kinds of layers (and the
    // activation layers), Keras loads it and predicts.
    const inp = sg.input({ shape: [5, 3] });
    let h = sg.layers.rnn({ cell: sg.layers.lstmCell({ units: 4 }), returnSequences: true }).apply(inp) as sg.SymbolicTensor;
    h = sg.layers.rnn({ cell: [sg.layers.gruCell({ units: 3 }), sg.layers.simpleRNNCell({ units: 2 })], returnSequences: true, goBackwards: true }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.lstm({ units: 3, activation: 'gelu' }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.elu({ alpha: 0.5 }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.reLU({ maxValue: 0.9, negativeSlope: 0.1, threshold: 0.05 }).apply(h) as sg.SymbolicTensor;
    h = sg.layers.softmax({ axis: -1 }).apply(sg.layers.dense({ units: 3 }).apply(h) as sg.SymbolicTensor) as sg.SymbolicTensor;
    const ours = sg.model({ inputs: inp, outputs: h });
    const ws = ours.weights.map((w, i) => sg.tensor(randArray(w.variable.size, 90 + i, -1.5, 1.5), w.variable.shape));
    ours.setWeights(ws);
    sg.dispose(ws);
    await ours.save(`file://${join(dir, 'sg.keras')}`);
    const xs = sg.tensor(x, [2, 5, 3]);
    const oursPred = take(ours.predict(xs) as sg.Tensor);
    xs.dispose();
    ours.dispose();
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ x: Array.from(x), dir }));
    const PY = `
import json, sys
import numpy as np
import keras
spec = json.loads(open(sys.argv[1]).read())
x = np.array(spec['x'], 'float32').reshape(2, 5, 3)
inp = keras.Input((5, 3))
h = keras.layers.RNN(keras.layers.LSTMCell(4), return_sequences=True)(inp)
h = keras.layers.RNN([keras.layers.GRUCell(3), keras.layers.SimpleRNNCell(2)], return_sequences=True, go_backwards=True)(h)
h = keras.layers.LSTM(3, activation='gelu', recurrent_activation='hard_sigmoid')(h)
m = keras.Model(inp, h)
rng = np.random.default_rng(3)
m.set_weights([rng.uniform(-0.8, 0.8, w.shape).astype('float32') for w in m.get_weights()])
m.save(spec['dir'] + '/m.keras')
m.save(spec['dir'] + '/m.h5')
theirs = keras.models.load_model(spec['dir'] + '/sg.keras')
print(json.dumps({'ref': m.predict(x, verbose=0).ravel().tolist(), 'sg': theirs.predict(x, verbose=0).ravel().tolist(),
  'classes': [l.__class__.__name__ for l in theirs.layers]}))
`;
    const res = JSON.parse(runPython(PY, [join(dir, 'spec.json')], 240_000).trim().split('\n').pop()!) as { ref: number[]; sg: number[]; classes: string[] };
    const ref = res.ref;
    expect(res.classes).toEqual(['InputLayer', 'RNN', 'RNN', 'LSTM', 'ELU', 'ReLU', 'Dense', 'Softmax']);
    expectClose(res.sg, oursPred, 1e-5, 1e-6);
    const xt = sg.tensor(x, [2, 5, 3]);
    for (const f of ['m.keras', 'm.h5']) {
      const m = await sg.loadModel(new Uint8Array(readFileSync(join(dir, f))));
      const kinds = m.layers.map((l) => l.className).filter((n) => n !== 'InputLayer');
      expect(kinds).toEqual(['RNN', 'RNN', 'LSTM']);
      expect((m.layers.find((l) => l.className === 'RNN') as sg.RNN).cell.className).toBe('LSTMCell');
      try {
        expectClose(take(m.predict(xt) as sg.Tensor), ref, 1e-5, 1e-6);
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`);
      }
      m.dispose();
    }
    xt.dispose();
  }, 300_000);

  it('rnn(stock cell) runs the fused kernel and equals the composed loop and the LSTM/GRU/SimpleRNN layers: values and gradients, on every backend', async () => {
    const makers: [string, () => sg.Layer, () => sg.Layer][] = [
      ['lstm', () => sg.layers.lstmCell({ units: 4 }), () => sg.layers.lstm({ units: 4, returnSequences: true, goBackwards: true })],
      ['gru', () => sg.layers.gruCell({ units: 4 }), () => sg.layers.gru({ units: 4, returnSequences: true, goBackwards: true })],
      ['gru reset before', () => sg.layers.gruCell({ units: 4, resetAfter: false }), () => sg.layers.gru({ units: 4, resetAfter: false, returnSequences: true, goBackwards: true })],
      ['simple', () => sg.layers.simpleRNNCell({ units: 4 }), () => sg.layers.simpleRNN({ units: 4, returnSequences: true, goBackwards: true })],
    ];
    for (const backend of BACKENDS) {
      await withBackend(backend, () => {
        for (const [name, cell, layer] of makers) {
          const x = rand([3, 5, 2], 3);
          const mask = sg.tensor([1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1], [3, 5], 'bool');
          const fused = sg.layers.rnn({ cell: cell(), returnSequences: true, goBackwards: true });
          const composed = sg.layers.rnn({ cell: sg.layers.stackedRNNCells({ cells: [cell()] }), returnSequences: true, goBackwards: true });
          const plain = layer();
          sg.tidy(() => void [fused, composed, plain].forEach((l) => l.apply(x)));
          const ws = fused.getWeights().map((w, i) => {
            const v = rand(w.shape, 60 + i, -0.7, 0.7);
            w.dispose();
            return v;
          });
          for (const l of [fused, composed, plain]) l.setWeights(ws);
          expect((fused as sg.RNN).fusedKind).not.toBeNull();
          expect((composed as sg.RNN).fusedKind).toBeNull();
          const w = rand([3, 5, 4], 80, 0.5, 1.5);
          const results = [fused, composed, plain].map((l) => {
            const vars = l.trainableWeights.map((tw) => tw.variable);
            const y = take(l.apply(x, { mask }) as sg.Tensor);
            const { value, grads } = sg.variableGrads(() => sg.sum(sg.mul(l.apply(x, { mask }) as sg.Tensor, w)), vars);
            const gs = vars.map((v) => take(grads[v.name]));
            const gx = take(sg.grad((v: sg.Tensor) => sg.sum(sg.mul(l.apply(v, { mask }) as sg.Tensor, w)))(x));
            value.dispose();
            return [y, gx, ...gs];
          });
          for (const k of [1, 2]) {
            results[k].forEach((v, i) => {
              try {
                expectClose(v, results[0][i], 2e-5, 2e-6);
              } catch (e) {
                throw new Error(`${name} on ${backend}, ${['fused', 'composed', 'layer'][k]} ${i === 0 ? 'values' : i === 1 ? 'input gradient' : `weight gradient ${i - 2}`}: ${(e as Error).message}`);
              }
            });
          }
          sg.dispose([x, mask, w, ...ws]);
          for (const l of [fused, composed, plain]) l.dispose();
        }
      });
    }
  }, 120_000);

  it('a user-defined cell: values as a plain loop, gradients by finite differences, two states, returnState, initialState, masks, stateful', () => {
    /** Keras' MinimalRNNCell plus a running sum as a second state; returns Keras' [output, [states]]. */
    class MinimalCell extends sg.Layer {
      static override className = 'MinimalCell';
      readonly stateSize = [3, 2];
      kernel?: sg.LayerWeight;
      rec?: sg.LayerWeight;
      override build(s: (number | null)[]): void {
        this.kernel = this.addWeight('kernel', [s[s.length - 1] as number, 3], 'glorotUniform');
        this.rec = this.addWeight('recurrent_kernel', [3, 3], 'glorotUniform');
        this.built = true;
      }
      call(inputs: sg.Tensor | sg.Tensor[]): sg.Tensor[] {
        const [x, h, s] = inputs as sg.Tensor[];
        const out = sg.tanh(sg.add(sg.matMul(x, this.kernel!.variable), sg.matMul(h, this.rec!.variable)));
        return [out, [out, sg.add(s, sg.slice(out, [0, 0], [-1, 2]))]] as never;
      }
    }
    const cell = new MinimalCell();
    const layer = sg.layers.rnn({ cell, returnSequences: true, returnState: true });
    const x = rand([2, 4, 3], 21);
    const h0 = rand([2, 3], 22, -0.5, 0.5);
    const s0 = rand([2, 2], 23, -0.5, 0.5);
    const mask = sg.tensor([1, 0, 1, 1, 1, 1, 0, 1], [2, 4]);
    const [y, hT, sT] = layer.apply(x, { initialState: [h0, s0], mask }) as sg.Tensor[];
    expect(y.shape).toEqual([2, 4, 3]);
    expect(sT.shape).toEqual([2, 2]);
    // The same recurrence by hand, row by row, in float64.
    const [K, R] = layer.getWeights().map((t) => Array.from(take(t) as number[]));
    const xv = x.dataSync();
    const mv = mask.dataSync();
    const ys: number[] = [];
    const hs: number[] = [];
    const ss: number[] = [];
    for (let b = 0; b < 2; b++) {
      let h = Array.from(h0.dataSync().slice(b * 3, b * 3 + 3));
      let s = Array.from(s0.dataSync().slice(b * 2, b * 2 + 2));
      let prev = h.slice();
      for (let t = 0; t < 4; t++) {
        if (mv[b * 4 + t] === 0) {
          ys.push(...prev);
          continue;
        }
        const o = [0, 1, 2].map((j) => {
          let z = 0;
          for (let i = 0; i < 3; i++) z += xv[(b * 4 + t) * 3 + i] * K[i * 3 + j];
          for (let i = 0; i < 3; i++) z += h[i] * R[i * 3 + j];
          return Math.tanh(z);
        });
        s = s.map((v, j) => v + o[j]);
        h = o;
        prev = o;
        ys.push(...o);
      }
      hs.push(...h);
      ss.push(...s);
    }
    expectClose(take(y), ys, 1e-5, 1e-6);
    expectClose(take(hT), hs, 1e-5, 1e-6);
    expectClose(take(sT), ss, 1e-5, 1e-6);
    gradCheck((v, a, b) => sg.concat((layer.apply(v, { initialState: [a, b] }) as sg.Tensor[]).map((t) => sg.reshape(t, [-1])), 0), [x, h0, s0]);
    // stateful: two calls on halves equal one call on the whole sequence.
    const st = sg.layers.rnn({ cell: new MinimalCell(), stateful: true, returnSequences: true, batchInputShape: [2, 2, 3] });
    const whole = sg.layers.rnn({ cell: new MinimalCell(), returnSequences: true });
    sg.tidy(() => void [st, whole].forEach((l) => l.apply(x)));
    const lw = layer.getWeights();
    whole.setWeights(lw);
    st.setWeights(lw);
    sg.dispose(lw);
    (st as sg.RNN).resetStates(); // the build call above ran a batch
    const [x1, x2] = [sg.slice(x, [0, 0, 0], [2, 2, 3]), sg.slice(x, [0, 2, 0], [2, 2, 3])];
    const a1 = take(st.apply(x1) as sg.Tensor);
    const a2 = take(st.apply(x2) as sg.Tensor);
    const all = take(whole.apply(x) as sg.Tensor);
    expectClose([...[0, 1].flatMap((b) => [...a1.slice(b * 6, b * 6 + 6), ...a2.slice(b * 6, b * 6 + 6)])], all, 1e-5, 1e-6);
    (st as sg.RNN).resetStates();
    expectClose(take(st.apply(x1) as sg.Tensor), a1, 1e-6, 1e-7);
    sg.dispose([x, h0, s0, mask, x1, x2]);
    for (const l of [layer, st, whole]) l.dispose();
  });

  it('symbolic use, configs round-trip (stock and stacked cells), dropout trains, errors name the layer', async () => {
    const inp = sg.input({ shape: [5, 3] });
    const r = sg.layers.rnn({ cell: [sg.layers.lstmCell({ units: 4, dropout: 0.2, recurrentDropout: 0.2, seed: 1 }), sg.layers.gruCell({ units: 2 })], returnState: true });
    const outs = r.apply(inp) as sg.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([[null, 2], [null, 4], [null, 4], [null, 2]]);
    const model = sg.model({ inputs: inp, outputs: outs[0] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = rand([4, 5, 3], 5);
    const y = rand([4, 2], 6);
    const h = await model.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.history.loss.every((v) => Number.isFinite(v as number))).toBe(true);
    const sink = sg.io.memorySink();
    await model.save(sink);
    const back = await sg.loadLayersModel(sg.io.fromMemory(sink.artifacts!));
    expectClose(take(back.predict(x) as sg.Tensor), take(model.predict(x) as sg.Tensor), 0, 0);
    const cfg = (back.layers.find((l) => l.className === 'RNN') as sg.RNN).getConfig();
    expect((cfg.cell as { className: string }).className).toBe('StackedRNNCells');
    back.dispose();
    model.dispose();
    sg.dispose([x, y]);
    expect(() => sg.layers.rnn({ cell: sg.layers.dense({ units: 2 }) })).toThrow(/RNN: 'cell' must be a recurrent cell .* a Dense without stateSize/);
    expect(() => sg.layers.stackedRNNCells({ cells: [] })).toThrow(/StackedRNNCells: 'cells' must be a non-empty list/);
    expect(() => sg.layers.lstmCell({ units: 0 })).toThrow(/LSTMCell: 'units' must be a positive integer/);
    const l = sg.layers.rnn({ cell: sg.layers.simpleRNNCell({ units: 2 }) });
    const bad = sg.zeros([2, 3]);
    expect(() => l.apply(bad)).toThrow(new RegExp(`${l.name}: expected an input of shape \\[batch, time, features\\] but got \\[2,3\\]`));
    const x3 = sg.zeros([2, 3, 4]);
    const s = sg.zeros([2, 5]);
    expect(() => l.apply(x3, { initialState: s })).toThrow(new RegExp(`${l.name}: initial state 0 must have shape \\[2,2\\] but has shape \\[2,5\\]`));
    sg.dispose([bad, x3, s]);
    l.dispose();
  });
});
