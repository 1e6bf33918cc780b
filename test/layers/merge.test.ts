// Merge layers: forward values and input gradients against tfjs-layers' merge layers on the same
// inputs, on every simdgrad backend (the js backend is the oracle for wasm); subtract (not in
// tfjs) by hand and finite differences; Keras 3's broadcasting across ranks, mask rules,
// symbolic shapes, the two factory spellings, configs and errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, randArray, take, withBackend } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Case = {
  name: string;
  shapes: number[][];
  ours: () => sg.Layer;
  theirs: () => tfl.layers.Layer;
};

const CASES: Case[] = [
  { name: 'add', shapes: [[3, 4], [3, 4], [3, 4]], ours: () => sg.layers.add(), theirs: () => tfl.layers.add({}) as tfl.layers.Layer },
  { name: 'multiply', shapes: [[2, 3, 4], [2, 3, 4]], ours: () => sg.layers.multiply(), theirs: () => tfl.layers.multiply({}) as tfl.layers.Layer },
  { name: 'average', shapes: [[3, 5], [3, 5], [3, 5]], ours: () => sg.layers.average(), theirs: () => tfl.layers.average({}) as tfl.layers.Layer },
  { name: 'maximum', shapes: [[4, 3], [4, 3]], ours: () => sg.layers.maximum(), theirs: () => tfl.layers.maximum({}) as tfl.layers.Layer },
  { name: 'minimum', shapes: [[4, 3], [4, 3], [4, 3]], ours: () => sg.layers.minimum(), theirs: () => tfl.layers.minimum({}) as tfl.layers.Layer },
  // Different ranks: Keras inserts unit dims after the batch one ([3,4] -> [3,1,4]).
  { name: 'add across ranks', shapes: [[3, 4], [3, 2, 4]], ours: () => sg.layers.add(), theirs: () => tfl.layers.add({}) as tfl.layers.Layer },
  { name: 'concatenate axis -1', shapes: [[2, 3, 4], [2, 3, 2]], ours: () => sg.layers.concatenate({ axis: -1 }), theirs: () => tfl.layers.concatenate({ axis: -1 }) as tfl.layers.Layer },
  { name: 'concatenate axis 1', shapes: [[2, 3, 4], [2, 1, 4], [2, 2, 4]], ours: () => sg.layers.concatenate({ axis: 1 }), theirs: () => tfl.layers.concatenate({ axis: 1 }) as tfl.layers.Layer },
  { name: 'dot axes -1 (rank 2)', shapes: [[4, 5], [4, 5]], ours: () => sg.layers.dot({ axes: -1 }), theirs: () => tfl.layers.dot({ axes: -1 }) as tfl.layers.Layer },
  { name: 'dot axes 2 (attention scores)', shapes: [[2, 3, 4], [2, 5, 4]], ours: () => sg.layers.dot({ axes: 2 }), theirs: () => tfl.layers.dot({ axes: 2 }) as tfl.layers.Layer },
  { name: 'dot axes [1, 2]', shapes: [[2, 4], [2, 3, 4]], ours: () => sg.layers.dot({ axes: [1, 2] }), theirs: () => tfl.layers.dot({ axes: [1, 2] }) as tfl.layers.Layer },
  { name: 'dot axes [2, 1]', shapes: [[2, 3, 4], [2, 4, 5]], ours: () => sg.layers.dot({ axes: [2, 1] }), theirs: () => tfl.layers.dot({ axes: [2, 1] }) as tfl.layers.Layer },
  { name: 'dot normalize (cosine)', shapes: [[3, 6], [3, 6]], ours: () => sg.layers.dot({ axes: 1, normalize: true }), theirs: () => tfl.layers.dot({ axes: 1, normalize: true }) as tfl.layers.Layer },
];

/** tfjs-layers' output and d(sum(out * w))/d(input_i) on the same data. */
function tfjsReference(c: Case, data: Float32Array[]): { out: number[]; grads: number[][]; shape: number[]; w: Float32Array } {
  const layer = c.theirs();
  const xs = data.map((d, i) => tf.tensor(d, c.shapes[i]));
  const out = layer.apply(xs) as tf.Tensor;
  const shape = out.shape;
  const w = randArray(out.size, 77, 0.5, 1.5);
  const wt = tf.tensor(w, shape);
  const g = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(layer.apply(ins) as tf.Tensor, wt)))(xs);
  const res = { out: Array.from(out.dataSync()), grads: g.map((t) => Array.from(t.dataSync())), shape, w };
  tf.dispose([xs, out, wt, g]);
  return res;
}

describe('merge layers', () => {
  checkNoLeaks();

  for (const backend of BACKENDS) {
    for (const c of CASES) {
      it(`${c.name} equals tfjs-layers, forward and gradients, on ${backend}`, async () => {
        const data = c.shapes.map((s, i) => randArray(s.reduce((a, b) => a * b, 1), 10 + i));
        const ref = tfjsReference(c, data);
        const w = ref.w;
        await withBackend(backend, () => {
          const layer = c.ours();
          const xs = data.map((d, i) => sg.tensor(d, c.shapes[i]));
          const out = layer.apply(xs) as sg.Tensor;
          expect(out.shape).toEqual(ref.shape);
          expectClose(take(out), ref.out, 1e-5, 1e-6);
          const wt = sg.tensor(w, ref.shape);
          const g = sg.grads((...ins) => sg.sum(sg.mul(layer.apply(ins) as sg.Tensor, wt)))(xs);
          // Read every gradient before freeing: add's gradient may hand two inputs the same tensor.
          g.forEach((t, i) => expectClose(t.dataSync(), ref.grads[i], 1e-4, 1e-5));
          sg.dispose([...g, ...xs, wt]);
          layer.dispose();
        });
      });
    }
  }

  it('wasm equals the js oracle on a broadcasting multiply and a rank-4 dot', async () => {
    const run = () =>
      sg.tidy(() => {
        const a = rand([2, 3], 1);
        const b = rand([2, 4, 3], 2);
        const p = sg.tidy(() => sg.layers.multiply([a, b]));
        const x = rand([2, 3, 2, 5], 3);
        const y = rand([2, 5, 4], 4);
        const d = sg.layers.dot([x, y], { axes: [3, 1] });
        expect(d.shape).toEqual([2, 3, 2, 4]);
        return [p, d];
      });
    const [pj, dj] = (await withBackend('js', run)).map(take);
    for (const b of BACKENDS.filter((n) => n !== 'js')) {
      const [pw, dw] = (await withBackend(b, run)).map(take);
      expectClose(pw, pj, 1e-6, 1e-7);
      expectClose(dw, dj, 1e-5, 1e-6);
    }
  });

  it('subtract: a - b by hand, broadcast across ranks, gradients by finite differences', () => {
    const a = sg.tensor([[1, 2, 3]]);
    const b = sg.tensor([[0.5, 0.25, 1]]);
    const out = sg.layers.subtract([a, b]);
    expect(take(out)).toEqual([0.5, 1.75, 2]);
    const c = sg.tensor([[1, 2]]);
    const d = sg.tensor([[[1, 1], [2, 2], [3, 3]]]);
    const e = sg.layers.subtract([c, d]); // c -> [1, 1, 2]
    expect(e.shape).toEqual([1, 3, 2]);
    expect(take(e)).toEqual([0, 1, -1, 0, -2, -1]);
    const x = rand([2, 3], 5);
    const y = rand([2, 4, 3], 6);
    gradCheck((p, q) => sg.layers.subtract([p, q]), [x, y]);
    // maximum away from ties (|x - y| >= 0.2 > eps), where the finite difference is exact.
    const off = sg.tensor(Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 0.2 : i % 3 === 1 ? -0.3 : 0.5)), [2, 4, 3]);
    const yNear = sg.tidy(() => sg.add(sg.expandDims(x, 1), off));
    gradCheck((p, q) => sg.layers.maximum([p, q]), [x, yNear]);
    sg.dispose([off, yNear]);
    gradCheck((p, q) => sg.layers.dot([p, q], { axes: [1, 2], normalize: true }), [x, y], { eps: 1e-3, rtol: 3e-2, atol: 3e-3 });
    sg.dispose([a, b, c, d, x, y]);
  });

  it('symbolic calls: shapes as Keras, both factory spellings, a functional model that trains', async () => {
    const a = sg.input({ shape: [4] });
    const b = sg.input({ shape: [3, 4] });
    const s = sg.layers.add([a, b]);
    expect(s).toBeInstanceOf(sg.SymbolicTensor);
    expect(s.shape).toEqual([null, 3, 4]);
    const layer = sg.layers.concatenate({ axis: 1, name: 'cat' });
    expect(layer).toBeInstanceOf(sg.Concatenate);
    const c = layer.apply([s, sg.input({ shape: [2, 4] })]) as sg.SymbolicTensor;
    expect(c.shape).toEqual([null, 5, 4]);
    expect(sg.layers.concatenate([sg.input({ shape: [null, 4] }), s], { axis: 1 }).shape).toEqual([null, null, 4]);
    expect(sg.layers.dot([sg.input({ shape: [3, 4] }), sg.input({ shape: [5, 4] })], { axes: 2 }).shape).toEqual([null, 3, 5]);
    expect(sg.layers.dot([sg.input({ shape: [4] }), sg.input({ shape: [4] })], { axes: 1 }).shape).toEqual([null, 1]);
    expect(sg.layers.multiply([sg.input({ shape: [1, 4] }), sg.input({ shape: [3, 1] })]).shape).toEqual([null, 3, 4]);

    // A two-branch model (Keras' merge example): dense branches added, then a softmax head.
    const x1 = sg.input({ shape: [6] });
    const x2 = sg.input({ shape: [5] });
    const h = sg.layers.add([
      sg.layers.dense({ units: 8, activation: 'relu' }).apply(x1),
      sg.layers.dense({ units: 8, activation: 'relu' }).apply(x2),
    ]);
    const both = sg.layers.concatenate([h, sg.layers.multiply([h, h])]);
    const out = sg.layers.dense({ units: 3, activation: 'softmax' }).apply(both);
    const model = sg.model({ inputs: [x1, x2], outputs: out });
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    model.optimizer.learningRate = 0.02;
    const xa = rand([32, 6], 11);
    const xb = rand([32, 5], 12);
    const y = sg.tensor(Array.from({ length: 32 }, (_, i) => i % 3), [32]);
    const h0 = model.evaluate([xa, xb], y) as number;
    await model.fit([xa, xb], y, { epochs: 30, batchSize: 8, verbose: 0, seed: 1 });
    const h1 = model.evaluate([xa, xb], y) as number;
    expect(h1).toBeLessThan(h0 * 0.7);
    sg.dispose([xa, xb, y]);
    model.dispose();
  });

  it('masks follow Keras 3: OR when every input has one; multiply/maximum treat masked entries as neutral; concatenate joins them', () =>
    sg.tidy(() => {
    // x: [batch 1, time 3, features 2]; masks [1, 3].
    const x = sg.tensor([[[1, 2], [3, 4], [5, 6]]]);
    const y = sg.tensor([[[10, -20], [30, 40], [-50, 60]]]);
    const mx = sg.tensor([[1, 0, 1]], [1, 3], 'bool');
    const my = sg.tensor([[1, 1, 0]], [1, 3], 'bool');
    const add = new sg.Add();
    // Add: values plain; mask OR only when both present.
    expect(take(add.call([x, y], { mask: [mx, my] }))).toEqual([11, -18, 33, 44, -45, 66]);
    expect(take(add.computeMask([x, y], [mx, my])!)).toEqual([1, 1, 1]);
    expect(add.computeMask([x, y], [mx, null])).toBeNull();
    // Multiply: a masked-out entry counts as 1; with all masks, entries masked in both are 0.
    const mul = new sg.Multiply();
    const m0 = sg.tensor([[1, 0, 0]], [1, 3], 'bool');
    const m1 = sg.tensor([[0, 1, 0]], [1, 3], 'bool');
    expect(take(mul.call([x, y], { mask: [m0, m1] }))).toEqual([1, 2, 30, 40, 0, 0]);
    expect(take(mul.call([x, y], { mask: [m0, null] }))).toEqual([10, -40, 30, 40, -50, 60]);
    // Maximum: a masked-out entry takes the other operand's value.
    const mx2 = new sg.Maximum();
    expect(take(mx2.call([x, y], { mask: [mx, null] }))).toEqual([10, 2, 30, 40, 5, 60]);
    expect(take(mx2.call([x, y], { mask: [null, my] }))).toEqual([10, 2, 30, 40, 5, 6]);
    // Concatenate on the feature axis: per step, any mask set; an unmasked input counts as all set.
    const cat = new sg.Concatenate({ axis: -1 });
    expect(take(cat.computeMask([x, y], [m0, m1])!)).toEqual([1, 1, 0]);
    expect(take(cat.computeMask([x, y], [m0, null])!)).toEqual([1, 1, 1]);
    expect(cat.computeMask([x, y], [null, null])).toBeNull();
    // Concatenate on the time axis: the masks are joined in time.
    const catT = new sg.Concatenate({ axis: 1 });
    expect(take(catT.computeMask([x, y], [mx, my])!)).toEqual([1, 0, 1, 1, 1, 0]);
    expect(new sg.Dot({ axes: 2 }).computeMask()).toBeNull();
    }));

  it('a mask from embedding(maskZero) flows through a merge to an LSTM, as without the padding', () => {
    const ids = sg.input({ shape: [4], dtype: 'int32' });
    // Two masked branches (Dense does not pass masks on here, so both are embeddings).
    const emb = sg.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true });
    const emb2 = sg.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true });
    const e = emb.apply(ids) as sg.SymbolicTensor;
    const merged = sg.layers.add([e, emb2.apply(ids) as sg.SymbolicTensor]);
    const lstm = sg.layers.lstm({ units: 2 });
    const model = sg.model({ inputs: ids, outputs: lstm.apply(merged) });
    const padded = sg.tensor([[3, 5, 0, 0]], [1, 4], 'int32');
    const short = sg.tensor([[3, 5]], [1, 2], 'int32');
    const full = take(model.predict(padded) as sg.Tensor);
    // The same graph on the unpadded sequence: a second model over the same layers.
    const ids2 = sg.input({ shape: [2], dtype: 'int32' });
    const ee = emb.apply(ids2) as sg.SymbolicTensor;
    const model2 = sg.model({ inputs: ids2, outputs: lstm.apply(sg.layers.add([ee, emb2.apply(ids2) as sg.SymbolicTensor])) });
    expectClose(full, take(model2.predict(short) as sg.Tensor), 1e-5, 1e-6);
    sg.dispose([padded, short]);
    model.dispose();
  });

  it('a model of every merge layer saves in the tfjs-layers format that tfjs-layers loads (same predictions), and loads back', async () => {
    const a = sg.input({ shape: [4] });
    const b = sg.input({ shape: [4] });
    const da = sg.layers.dense({ units: 4, activation: 'tanh' }).apply(a);
    const db = sg.layers.dense({ units: 4 }).apply(b);
    const merged = sg.layers.concatenate(
      [
        sg.layers.add([da, db]),
        sg.layers.subtract([da, db]),
        sg.layers.multiply([da, db]),
        sg.layers.average([da, db]),
        sg.layers.maximum([da, db]),
        sg.layers.minimum([da, db]),
        sg.layers.dot([da, db], { axes: 1, normalize: true }),
      ],
      { axis: -1 },
    );
    const model = sg.model({ inputs: [a, b], outputs: sg.layers.dense({ units: 2 }).apply(merged) });
    const xa = rand([3, 4], 21);
    const xb = rand([3, 4], 22);
    const ours = take(model.predict([xa, xb]) as sg.Tensor);
    const sink = sg.io.memorySink();
    await model.save(sink);
    // tfjs-layers has no Subtract layer: register a stand-in class under Keras' name for the load.
    class TfjsSubtract extends (tfl.layers.add({}).constructor as typeof tfl.layers.Layer) {
      static className = 'Subtract';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        const [p, q] = inputs as tf.Tensor[];
        return tf.sub(p, q);
      }
    }
    tf.serialization.registerClass(TfjsSubtract as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(sink.artifacts as tf.io.ModelArtifacts));
    const pa = tf.tensor(xa.dataSync(), [3, 4]);
    const pb = tf.tensor(xb.dataSync(), [3, 4]);
    const tp = theirs.predict([pa, pb]) as tf.Tensor;
    expectClose(ours, Array.from(tp.dataSync()), 1e-5, 1e-6);
    tf.dispose([pa, pb, tp]);
    theirs.dispose();
    const back = await sg.loadLayersModel(sg.io.fromMemory(sink.artifacts!));
    expectClose(take(back.predict([xa, xb]) as sg.Tensor), ours, 0, 0);
    sg.dispose([xa, xb]);
    back.dispose();
    model.dispose();
  });

  it('configs and errors that name the layer and the shapes', () => {
    expect(new sg.Concatenate({ axis: 1, name: 'c' }).getConfig()).toMatchObject({ name: 'c', axis: 1 });
    expect(new sg.Dot({ axes: [1, 2], normalize: true }).getConfig()).toMatchObject({ axes: [1, 2], normalize: true });
    expect(new sg.Add({ name: 'a' }).getConfig()).toMatchObject({ name: 'a', trainable: true });
    const a = sg.input({ shape: [3] });
    const b = sg.input({ shape: [4] });
    expect(() => sg.layers.add({ name: 'bad_add' }).apply([a, b])).toThrow(/bad_add: inputs have incompatible shapes \(None, 3\), \(None, 4\)/);
    expect(() => sg.layers.subtract({ name: 'sub3' }).apply([a, a, a])).toThrow(/sub3: .*exactly 2 inputs but got 3/);
    expect(() => sg.layers.add({ name: 'one' }).apply(a)).toThrow(/one: .*list of inputs.*\(None, 3\)/);
    expect(() => sg.layers.concatenate({ axis: -1, name: 'cc' }).apply([sg.input({ shape: [2, 3] }), sg.input({ shape: [4, 3] })])).toThrow(
      /cc: .*matching shapes except for the concatenation axis/,
    );
    expect(() => sg.layers.dot({ axes: 1, name: 'dd' }).apply([a, b])).toThrow(/dd: incompatible input shapes: axis 1 of the first has size 3 but axis 1 of the second has 4/);
    expect(() => sg.layers.dot({ axes: 0 })).not.toThrow();
    expect(() => sg.layers.dot({ axes: 0, name: 'd0' }).apply([a, a])).toThrow(/d0: axes 0 must name a non-batch axis/);
    const t = sg.ones([2, 3]);
    const u = sg.ones([2, 4]);
    expect(() => sg.layers.maximum([t, u])).toThrow(/maximum_\d+: inputs have incompatible shapes/);
    sg.dispose([t, u]);
  });
});
