// model.predict's paths (issue 17: one batch runs on the inputs themselves, no slice or concat;
// the graph runs over slot arrays): results equal predictOnBatch, a per-row loop and the js
// backend; one sample has the bits of its row in a batch of many (the wasm GEMV vs the GEMM) on
// 1 and 2 threads; several batches (with a ragged last one), several inputs and outputs, an int32
// input cast, a graph whose output is its input (the result is a tensor of its own), masks;
// errors for bad input unchanged; no leaked tensors.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { setThreads } from '../../src/threads.js';
import { checkNoLeaks, expectClose, onJsAndWasm, randArray } from '../helpers.js';

onJsAndWasm();
checkNoLeaks();

/** The walk-through MLP's structure (dense relu, dropout, dense relu, dropout, dense softmax), small. */
function mlp(k: number, u1: number, u2: number, seed = 1): sg.LayersModel {
  const m = sg.sequential();
  m.add(
    sg.layers.dense({
      units: u1,
      activation: 'relu',
      inputShape: [k],
      kernelInitializer: sg.initializers.glorotUniform({ seed }),
    }),
  );
  m.add(sg.layers.dropout({ rate: 0.4 }));
  m.add(
    sg.layers.dense({
      units: u2,
      activation: 'relu',
      kernelInitializer: sg.initializers.glorotUniform({ seed: seed + 1 }),
    }),
  );
  m.add(sg.layers.dropout({ rate: 0.3 }));
  m.add(
    sg.layers.dense({
      units: 10,
      activation: 'softmax',
      kernelInitializer: sg.initializers.glorotUniform({ seed: seed + 3 }),
      biasInitializer: sg.initializers.randomUniform({ minval: -1, maxval: 1, seed: seed + 2 }),
    }),
  );
  return m;
}

const bits = (v: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(v).buffer));
const read = (t: sg.Tensor | sg.Tensor[]) => {
  const v = Array.from((t as sg.Tensor).dataSync());
  (t as sg.Tensor).dispose();
  return v;
};

describe('predict', () => {
  it('one sample and one batch: the bits of the same rows predicted in a batch of many, on 1 and 2 threads', () => {
    const K = 70;
    const n = 37;
    const m = mlp(K, 150, 33);
    const xv = randArray(n * K, 5, 0, 1);
    const x = sg.tensor(xv, [n, K]);
    for (const threads of [1, 2]) {
      setThreads(threads);
      const all = read(m.predict(x, { batchSize: 64 }));
      for (const rows of [1, 2, 4, 5]) {
        const xr = sg.tensor(xv.subarray(0, rows * K), [rows, K]);
        expect(bits(read(m.predict(xr))), `${rows} rows, ${threads} threads`).toEqual(bits(all.slice(0, rows * 10)));
        expect(bits(read(m.predictOnBatch(xr)))).toEqual(bits(all.slice(0, rows * 10)));
        xr.dispose();
      }
      // the default batch size (32): two batches, the last of 5 rows; same bits
      expect(bits(read(m.predict(x)))).toEqual(bits(all));
      expect(bits(read(m.predict(x, { batchSize: 7 })))).toEqual(bits(all));
    }
    sg.dispose([x]);
    m.dispose();
  });

  it('equals the js backend and a per-row loop of predictOnBatch', () => {
    const K = 13;
    const xv = randArray(9 * K, 6, -1, 1);
    const run = (backend: string) => {
      void sg.setBackend(backend); // both created in beforeAll: synchronous
      const m = mlp(K, 21, 6, 3);
      const x = sg.tensor(xv, [9, K]);
      const batch = read(m.predict(x, { batchSize: 4 }));
      const last = sg.slice(x, [8, 0], [1, K]);
      const one = read(m.predict(last));
      last.dispose();
      const rows: number[] = [];
      for (let i = 0; i < 9; i++) {
        const xi = sg.slice(x, [i, 0], [1, K]);
        rows.push(...read(m.predictOnBatch(xi)));
        xi.dispose();
      }
      x.dispose();
      m.dispose();
      return { batch, one, rows };
    };
    const w = run('wasm');
    const j = run('js');
    void sg.setBackend('wasm');
    expectClose(w.batch, j.batch, 1e-5, 1e-6);
    expectClose(w.batch, w.rows, 1e-6, 1e-7);
    expect(w.one).toEqual(w.batch.slice(80));
    expect(j.batch.slice(80)).toEqual(j.one);
  });

  it('several inputs and outputs, one batch and several: the same values; an int32 input is cast', () => {
    const a = sg.input({ shape: [5], name: 'a' });
    const b = sg.input({ shape: [3], name: 'b' });
    const h = sg.layers
      .dense({ units: 4, activation: 'tanh', name: 'h' })
      .apply(sg.layers.concatenate().apply([a, b]) as sg.SymbolicTensor[]) as sg.SymbolicTensor;
    const o1 = sg.layers.dense({ units: 2, name: 'o1' }).apply(h) as sg.SymbolicTensor;
    const o2 = sg.layers.dense({ units: 1, activation: 'sigmoid', name: 'o2' }).apply(h) as sg.SymbolicTensor;
    const m = sg.model({ inputs: [a, b], outputs: [o1, o2] });
    const xa = sg.tensor(randArray(11 * 5, 7), [11, 5]);
    const xbI = sg.tensor(
      Int32Array.from({ length: 33 }, (_, i) => (i % 7) - 3),
      [11, 3],
      'int32',
    );
    const xb = sg.cast(xbI, 'float32');
    const whole = m.predict([xa, xb]) as sg.Tensor[];
    const parts = m.predict({ a: xa, b: xbI }, { batchSize: 4 }) as sg.Tensor[];
    expect(whole.map((t) => t.shape)).toEqual([
      [11, 2],
      [11, 1],
    ]);
    for (let i = 0; i < 2; i++) expect(bits(read(parts[i]))).toEqual(bits(read(whole[i])));
    sg.dispose([xa, xb, xbI]);
    m.dispose();
  });

  it('a graph whose output is its input: predict returns a tensor of its own (disposing it keeps x)', () => {
    const inp = sg.input({ shape: [3] });
    const m = sg.model({ inputs: inp, outputs: inp });
    const x = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    for (const bs of [32, 1]) {
      const y = m.predict(x, { batchSize: bs }) as sg.Tensor;
      expect(y).not.toBe(x);
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
      y.dispose();
      expect(x.isDisposed).toBe(false);
    }
    const z = m.predictOnBatch(x) as sg.Tensor;
    expect(z).not.toBe(x);
    z.dispose();
    expect(x.isDisposed).toBe(false);
    x.dispose();
    m.dispose();
  });

  it('a model listing one output twice: predict and predictOnBatch return two tensors, each disposable alone', () => {
    const inp = sg.input({ shape: [3] });
    const d = sg.layers.dense({ units: 2, kernelInitializer: 'ones' }).apply(inp) as sg.SymbolicTensor;
    const m = sg.model({ inputs: inp, outputs: [d, d] });
    const x = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    for (const run of [() => m.predict(x, { batchSize: 32 }), () => m.predict(x, { batchSize: 1 }), () => m.predictOnBatch(x)]) {
      const [p, q] = run() as sg.Tensor[];
      expect(p).not.toBe(q);
      p.dispose();
      expect(Array.from(q.dataSync())).toEqual([6, 6, 15, 15]);
      q.dispose();
    }
    x.dispose();
    m.dispose();
  });

  it('masks ride along as before: embedding(maskZero) + LSTM predicts the same in one batch and per row', () => {
    const m = sg.sequential();
    m.add(sg.layers.embedding({ inputDim: 9, outputDim: 4, maskZero: true, inputLength: 5 }));
    m.add(sg.layers.lstm({ units: 3 }));
    m.add(sg.layers.dense({ units: 2 }));
    const ids = [1, 2, 0, 0, 0, 3, 4, 5, 6, 0, 7, 8, 1, 2, 3];
    const x = sg.tensor(ids, [3, 5]);
    const all = read(m.predict(x));
    // row 0 with its padding cut off gives the same output: the mask reached the LSTM
    const short = sg.tensor([1, 2], [1, 2]);
    const m2 = sg.sequential();
    m2.add(sg.layers.embedding({ inputDim: 9, outputDim: 4, maskZero: true }));
    m2.add(sg.layers.lstm({ units: 3 }));
    m2.add(sg.layers.dense({ units: 2 }));
    m2.build([null, null]);
    const ws = m.getWeights();
    m2.setWeights(ws);
    sg.dispose(ws);
    expectClose(read(m2.predict(short)), all.slice(0, 2), 1e-5, 1e-6);
    sg.dispose([x, short]);
    m.dispose();
    m2.dispose();
  });

  it('bad input: the same errors as before, naming the model, the input and the shapes', () => {
    const m = mlp(6, 5, 4);
    const name = m.name;
    const x = sg.zeros([2, 7]);
    expect(() => m.predict(x)).toThrow(
      `${name}: input '${m.inputs[0].node!.layer.name}' expects shape (None, 6) but got [2,7]`,
    );
    expect(() => m.predict([x, x])).toThrow(`${name}: expected 1 input tensor(s) but got 2`);
    expect(() => m.predict(x, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => m.predict(42 as never)).toThrow(
      `${name}: predict: x must be a tensor, a list of tensors or a map by input name but is number`,
    );
    const d = sg.zeros([1, 6]);
    d.dispose();
    expect(() => m.predict(d)).toThrow(/disposed/);
    x.dispose();
    m.dispose();
  });
});
