// ONNX export of the merge layers against onnxruntime: every merge class in functional models,
// with Keras' rank broadcasting (a [b, n] input merged with [b, t, n]) and Dot over each axis form.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as sg from '../../src/index.js';
import { mergeLayers as M } from '../../src/layers/merge.js';
import { randArray } from '../helpers.js';
import { randomizeWeights } from './onnx_zoo.js';

const L = sg.layers;

/** Max |onnxruntime - predict| over batch sizes 1 and 3, and the largest |output|. */
async function diff(model: sg.LayersModel, shapes: number[][]): Promise<{ d: number; scale: number }> {
  const session = await ort.InferenceSession.create(sg.onnx.exportModel(model));
  let d = 0;
  let scale = 0;
  for (const n of [1, 3]) {
    const data = shapes.map((s, i) => randArray(n * s.reduce((a, c) => a * c, 1), 31 * n + i, -2, 2));
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => (feeds[name] = new ort.Tensor('float32', data[i], [n, ...shapes[i]])));
    const res = await session.run(feeds);
    const xs = data.map((v, i) => sg.tensor(v, [n, ...shapes[i]]));
    const p = model.predict(xs.length === 1 ? xs[0] : xs);
    const ps = Array.isArray(p) ? p : [p];
    session.outputNames.forEach((name, i) => {
      expect(res[name].dims).toEqual(ps[i].shape);
      const want = ps[i].dataSync();
      const got = res[name].data as Float32Array;
      for (let k = 0; k < want.length; k++) {
        d = Math.max(d, Math.abs(got[k] - want[k]));
        scale = Math.max(scale, Math.abs(want[k]));
      }
    });
    sg.dispose([...xs, ...ps]);
  }
  await session.release();
  return { d, scale };
}

describe('onnx.exportModel: merge layers in onnxruntime', () => {
  it('add, subtract, multiply, average, maximum, minimum and concatenate, with rank broadcasting', async () => {
    const before = sg.memory().numTensors;
    const a = L.input({ shape: [6] });
    const b = L.input({ shape: [4, 6] });
    const c = L.input({ shape: [4, 6] });
    const ha = L.dense({ units: 6, activation: 'tanh' }).apply(a) as sg.SymbolicTensor;
    const outs = [
      M.add([ha, b, c]),
      M.subtract([b, ha]),
      M.multiply([ha, b, c]),
      M.average([b, c, ha]),
      M.maximum([b, ha]),
      M.minimum([ha, c]),
      M.concatenate([b, c], { axis: 1 }),
      M.concatenate([b, c]),
      M.add([ha]),
    ];
    const m = sg.model({ inputs: [a, b, c], outputs: outs });
    randomizeWeights(m, 3);
    const { d, scale } = await diff(m, [[6], [4, 6], [4, 6]]);
    expect(d).toBeLessThanOrEqual(1e-4);
    expect(scale).toBeGreaterThan(0.1);
    m.dispose();
    expect(sg.memory().numTensors).toBe(before);
  });

  it('dot: vectors, attention scores over the last axes, other axes, normalised, rank 4', async () => {
    const before = sg.memory().numTensors;
    const v1 = L.input({ shape: [5] });
    const v2 = L.input({ shape: [5] });
    const q = L.input({ shape: [3, 5] });
    const k = L.input({ shape: [4, 5] });
    const t = L.input({ shape: [5, 3] });
    const r4 = L.input({ shape: [2, 3, 5] });
    const outs = [
      M.dot([v1, v2], { axes: -1 }),
      M.dot([v1, v2], { axes: 1, normalize: true }),
      M.dot([q, k], { axes: 2 }),
      M.dot([q, t], { axes: [2, 1] }),
      M.dot([q, k], { axes: [2, 2], normalize: true }),
      M.dot([v1, k], { axes: [1, 2] }),
      M.dot([q, v1], { axes: [2, 1] }),
      M.dot([r4, k], { axes: [3, 2] }),
    ];
    const m = sg.model({ inputs: [v1, v2, q, k, t, r4], outputs: outs });
    const { d, scale } = await diff(m, [[5], [5], [3, 5], [4, 5], [5, 3], [2, 3, 5]]);
    expect(d).toBeLessThanOrEqual(1e-4);
    expect(scale).toBeGreaterThan(0.1);
    m.dispose();
    expect(sg.memory().numTensors).toBe(before);
  });

  it('refuses a mask reaching multiply, maximum or minimum', () => {
    const ids = L.input({ shape: [4] });
    const e1 = L.embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(ids) as sg.SymbolicTensor;
    const e2 = L.embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(ids) as sg.SymbolicTensor;
    const m = sg.model({ inputs: ids, outputs: [M.multiply([e1, e2], { name: 'prod' }), M.add([e1, e2], { name: 'plus' })] });
    let msg = '';
    try {
      sg.onnx.exportModel(m);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('prod (Multiply): its input carries a mask');
    expect(msg).not.toContain('plus');
    m.dispose();
  });
});
