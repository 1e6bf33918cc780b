// The babi_memnn model's gradients (Embedding x3, dot, softmax, add, permute, concatenate, LSTM,
// Dense, sparse categorical cross-entropy; dropout off) against central finite differences of
// the loss, on generated task-1 data: the composition the example trains, checked as a whole.
// (Against Keras 3 on the same weights and batch, scratch-only, the gradients agreed within
// 1.2e-6 of each weight's largest value: see the example's header.)
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { babiData, vectorize } from '../../examples/lib/babi.js';

describe('example babi_memnn: gradients', () => {
  it('match finite differences of the loss for every weight of the model', async () => {
    Object.assign(process.env, { EPOCHS: '1', N_BLOCKS: '2', N_TEST_BLOCKS: '1', VERBOSE: '0', TASK: '1' });
    const ex = await import('../../examples/babi_memnn.js');
    const before = sg.memory().numTensors;
    const d = babiData(1, 4, 1, 21);
    const v = vectorize(d.train, d.storyMaxlen, d.queryMaxlen);
    const n = 12;
    const xs = sg.tensor(v.stories.slice(0, n).flat(), [n, d.storyMaxlen], 'int32');
    const xq = sg.tensor(v.queries.slice(0, n).flat(), [n, d.queryMaxlen], 'int32');
    const y = sg.tensor(v.answers.slice(0, n), [n], 'float32');
    const model = ex.buildModel(d.storyMaxlen, d.queryMaxlen, d.vocabSize, 5);
    // Weights larger than the initializers' so that every path (the softmax over the question's
    // words included) carries a gradient well above float32 noise.
    let a = 7;
    const rnd = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const fresh = model.weights.map((w) => sg.tensor(Array.from({ length: w.variable.size }, () => 0.4 * rnd()), w.variable.shape));
    model.setWeights(fresh);
    sg.dispose(fresh);
    const lossOf = () =>
      sg.tidy(() => sg.losses.sparseCategoricalCrossentropy(y, model.execute([xs, xq], false)[0]).mean());
    const vars = model.trainableWeights.map((w) => w.variable);
    expect(vars.map((x) => x.shape)).toEqual([
      [d.vocabSize, 64], [d.vocabSize, 64], [d.vocabSize, 4], [d.storyMaxlen + 64, 128], [32, 128], [128], [32, d.vocabSize], [d.vocabSize],
    ]);
    const { value, grads } = sg.variableGrads(lossOf, vars);
    const ids = new Set([...v.stories.slice(0, n).flat(), ...v.queries.slice(0, n).flat()]);
    const eps = 2e-3;
    let checked = 0;
    for (const x of vars) {
      const g = grads[x.name].dataSync();
      const vals = Float32Array.from(x.dataSync());
      // The coordinates with the largest gradients (and, for embeddings, only rows of words in the batch).
      const cols = x.shape.length === 2 ? x.shape[1] : 1;
      const order = [...g.keys()]
        .filter((i) => x.shape[0] !== d.vocabSize || x.shape.length !== 2 || ids.has(Math.floor(i / cols)))
        .sort((p, q) => Math.abs(g[q]) - Math.abs(g[p]))
        .slice(0, 4);
      for (const i of order) {
        const at = (delta: number) => {
          const w = Float32Array.from(vals);
          w[i] += delta;
          const t = sg.tensor(w, x.shape);
          x.assign(t);
          t.dispose();
          const l = lossOf();
          const out = l.dataSync()[0];
          l.dispose();
          return out;
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        const restore = sg.tensor(vals, x.shape);
        x.assign(restore);
        restore.dispose();
        expect(Math.abs(fd - g[i])).toBeLessThan(2e-2 * Math.abs(g[i]) + 2e-4);
        checked++;
      }
    }
    expect(checked).toBe(32);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    sg.dispose([value, ...Object.values(grads), xs, xq, y]);
    model.dispose();
    expect(sg.memory().numTensors).toBe(before);
  }, 120_000);
});
