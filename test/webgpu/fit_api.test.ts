// The training API besides fit on webgpu: trainOnBatch, testOnBatch and evaluate return a promise
// of their numbers (the reads are issued after the step and share one submit; nothing inside the
// step waits on the GPU), predictOnBatch, the optimizers' clipnorm / globalClipnorm
// (norms computed on the GPU) and classWeight (weights picked on the GPU), and a custom model whose
// trainStep override calls super.trainStep() (the base step's values are promises on webgpu, which
// fit and trainOnBatch await). Every value is compared with the same calls on wasm from the same seed.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose, randArray } from '../helpers.js';
import { describeGpu } from './helpers.js';

const N = 24;
const X = randArray(N * 6, 31);
const LABELS = Array.from({ length: N }, (_, i) => (X[i * 6] + X[i * 6 + 1] > 0 ? 2 : i % 2));
const Y = LABELS.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));

/** A seeded 6-8-3 softmax classifier compiled with `optimizer`. */
function makeModel(optimizer: sg.Optimizer): sg.LayersModel {
  sg.utils.setRandomSeed(21);
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: 8, activation: 'tanh', inputShape: [6] }));
  model.add(sg.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ loss: 'categorical_crossentropy', optimizer, metrics: ['accuracy'] });
  return model;
}

async function weightsOf(model: sg.LayersModel): Promise<number[]> {
  const out: number[] = [];
  const ws = model.getWeights(); // copies
  for (const w of ws) out.push(...(await w.data()));
  sg.dispose(ws);
  return out;
}

type Values = number | number[];
const flat = (v: Values): number[] => (Array.isArray(v) ? v : [v]);

/** The on-batch calls and evaluate on one backend; on webgpu also what the GPU counters saw. */
async function onBatchRun(backend: string) {
  await sg.setBackend(backend);
  const gpu = backend === 'webgpu';
  if (gpu) sg.webgpu.resetFallbacks();
  const x = sg.tensor(X, [N, 6]);
  const y = sg.tensor(Y, [N, 3]);
  const sw = sg.tensor(Array.from({ length: N }, (_, i) => 0.5 + (i % 3) * 0.25));
  const opt = new sg.Adam({ learningRate: 0.05 });
  const model = makeModel(opt);
  const train: number[][] = [];
  const steps: { sync: boolean; submits: number }[] = [];
  for (let s = 0; s < 3; s++) {
    const s0 = gpu ? sg.webgpu.stats() : null;
    const r = model.trainOnBatch(x, y, sw, { 0: 2, 2: 0.5 });
    // Nothing in the step waited on the GPU: the work is still unsubmitted when the call returns.
    if (s0) steps.push({ sync: !(r instanceof Promise), submits: sg.webgpu.stats().submits - s0.submits });
    train.push(flat(await r));
  }
  const test = flat(await model.testOnBatch(x, y, sw));
  const evaluated = flat(await model.evaluate(x, y, { batchSize: 10 }));
  const p = model.predictOnBatch(x) as sg.Tensor;
  const predicted = Array.from(await p.data());
  const weights = await weightsOf(model);
  const fallbacks = gpu ? sg.webgpu.fallbacks() : null;
  sg.dispose([x, y, sw, p]);
  model.dispose();
  opt.dispose();
  return { train, test, evaluated, predicted, weights, steps, fallbacks };
}

/** Two epochs of fit with an optimizer option; the losses and the trained weights. */
async function clipRun(backend: string, clip: Record<string, number>) {
  await sg.setBackend(backend);
  if (backend === 'webgpu') sg.webgpu.resetFallbacks();
  const x = sg.tensor(X, [N, 6]);
  const y = sg.tensor(Y, [N, 3]);
  const opt = new sg.SGD({ learningRate: 0.5, momentum: 0.5, ...clip });
  const model = makeModel(opt);
  const h = await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const weights = await weightsOf(model);
  const fallbacks = backend === 'webgpu' ? sg.webgpu.fallbacks() : null;
  sg.dispose([x, y]);
  model.dispose();
  opt.dispose();
  return { loss: h.history.loss as number[], weights, fallbacks };
}

describeGpu('trainOnBatch, testOnBatch, evaluate, predictOnBatch, gradient clipping and classWeight on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('trainOnBatch (sampleWeight + classWeight), testOnBatch, evaluate and predictOnBatch equal wasm; the webgpu calls return promises', async () => {
    const wasm = await onBatchRun('wasm');
    const gpu = await onBatchRun('webgpu');
    expect(gpu.fallbacks).toEqual({});
    expect(gpu.steps).toEqual([0, 1, 2].map(() => ({ sync: false, submits: 0 })));
    expect(wasm.train[0]).toHaveLength(2); // loss, accuracy
    for (let s = 0; s < 3; s++) expectClose(gpu.train[s], wasm.train[s], 1e-4, 1e-5);
    expect(wasm.train[2][0]).toBeLessThan(wasm.train[0][0]); // the steps trained
    expectClose(gpu.test, wasm.test, 1e-4, 1e-5);
    expectClose(gpu.evaluated, wasm.evaluated, 1e-4, 1e-5);
    expectClose(gpu.predicted, wasm.predicted, 1e-4, 1e-5);
    expectClose(gpu.weights, wasm.weights, 1e-4, 1e-5);
  });

  it('a trainOnBatch step is one submit with its reads; evaluate reads once after its last batch', async () => {
    await sg.setBackend('webgpu');
    const x = sg.tensor(X, [N, 6]);
    const y = sg.tensor(Y, [N, 3]);
    const model = makeModel(new sg.SGD({ learningRate: 0.1, clipnorm: 0.5 }));
    await model.trainOnBatch(x, y); // pipelines compiled
    const s0 = sg.webgpu.stats();
    const loss = await model.trainOnBatch(x, y);
    const s1 = sg.webgpu.stats();
    expect(flat(loss)).toHaveLength(2);
    expect(s1.submits - s0.submits).toBe(1);
    expect(s1.reads - s0.reads).toBe(2); // the loss and accuracy's sum (its count is a host number)
    await model.evaluate(x, y, { batchSize: 8 }); // 3 batches
    const s2 = sg.webgpu.stats();
    expect(s2.submits - s1.submits).toBe(1);
    sg.dispose([x, y]);
    model.dispose();
  });

  // clipvalue is a kernel attribute (backend.test.ts checks it against the js kernel).
  for (const clip of [{ clipnorm: 0.05 }, { globalClipnorm: 0.08 }]) {
    it(`fit with ${JSON.stringify(clip)} trains as on wasm (the norms stay on the GPU)`, async () => {
      const wasm = await clipRun('wasm', clip);
      const gpu = await clipRun('webgpu', clip);
      expect(gpu.fallbacks).toEqual({});
      expectClose(gpu.loss, wasm.loss, 1e-4, 1e-5);
      expectClose(gpu.weights, wasm.weights, 1e-4, 1e-5);
      // The clipping mattered: the same run unclipped ends elsewhere.
      const free = await clipRun('wasm', {});
      expect(Math.max(...free.weights.map((w, i) => Math.abs(w - wasm.weights[i])))).toBeGreaterThan(1e-3);
    });
  }

  it('globalClipnorm gives NaN updates when a gradient is not finite, as on the host', async () => {
    const run = async (backend: string) => {
      await sg.setBackend(backend);
      const init = sg.tensor([1, 2, 3]);
      const v = sg.variable(init, true, `gclip_${backend}`);
      const opt = new sg.SGD({ learningRate: 0.1, globalClipnorm: 1 });
      const g = sg.tensor([Infinity, 1, 1]);
      const gGpu = sg.mul(g, 1); // a GPU result on webgpu
      opt.applyGradients({ [v.name]: gGpu });
      const out = Array.from(await v.data());
      sg.dispose([init, v, g, gGpu]);
      opt.dispose();
      return out;
    };
    expect(await run('webgpu')).toEqual(await run('wasm'));
    expect((await run('wasm')).every(Number.isNaN)).toBe(true);
  });

  it('a trainStep override calling super.trainStep(): fit (2 steps) and trainOnBatch equal wasm (weights and logs)', { timeout: 60_000 }, async () => {
    const run = async (backend: string) => {
      await sg.setBackend(backend);
      let calls = 0;
      class Extended extends sg.LayersModel {
        override trainStep(data: sg.StepData): sg.StepLogs {
          calls++;
          const logs = super.trainStep(data);
          return { ...logs, steps: calls };
        }
      }
      sg.utils.setRandomSeed(4);
      const inp = sg.input({ shape: [3] });
      const h = sg.layers.dense({ units: 4, activation: 'tanh' }).apply(inp) as sg.SymbolicTensor;
      const model = new Extended({ inputs: inp, outputs: sg.layers.dense({ units: 2 }).apply(h) });
      const optimizer = sg.optimizers.adam({ learningRate: 0.05 });
      model.compile({ optimizer, loss: 'mse', metrics: ['mae'] });
      const x = sg.tensor(randArray(8 * 3, 21), [8, 3]);
      const y = sg.tensor(randArray(8 * 2, 22), [8, 2]);
      const hist = await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
      const tob = (await model.trainOnBatch(x, y)) as number[];
      const weights: number[][] = [];
      for (const w of model.getWeights()) {
        weights.push(Array.from(await w.data()));
        w.dispose();
      }
      const names = model.metricsNames;
      sg.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return { history: hist.history, tob, weights, names, calls };
    };
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    expect(gpu.calls).toBe(3);
    expect(gpu.names).toEqual(wasm.names);
    expect(Object.keys(gpu.history).sort()).toEqual(['loss', 'mae', 'steps']);
    expect(gpu.history.steps).toEqual([1.5]);
    expectClose(gpu.history.loss as number[], wasm.history.loss as number[], 1e-4, 1e-5);
    expectClose(gpu.history.mae as number[], wasm.history.mae as number[], 1e-4, 1e-5);
    expectClose(gpu.tob, wasm.tob, 1e-4, 1e-5);
    expect(gpu.weights.length).toBe(4);
    for (let k = 0; k < gpu.weights.length; k++) expectClose(gpu.weights[k], wasm.weights[k], 1e-4, 1e-5);
  });
});
