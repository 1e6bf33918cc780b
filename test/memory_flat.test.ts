// Memory stays flat over long training (issue 14, "keep what holds"): an MLP, a CNN and an LSTM
// train for 20 epochs on tiny data, and memory() (tensors, buffers, bytes, the peak and the wasm
// heap) read at the end of epoch 1 equals memory() at the end of epoch 20, on both backends.
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { checkNoLeaks } from './helpers.js';

const EPOCHS = 20;

afterAll(() => sg.setBackend('wasm'));

function mlp(): sg.LayersModel {
  return sg.sequential({
    layers: [
      sg.layers.dense({
        units: 16,
        activation: 'relu',
        inputShape: [8],
        kernelInitializer: sg.initializers.glorotUniform({ seed: 1 }),
      }),
      sg.layers.dropout({ rate: 0.2, seed: 2 } as never),
      sg.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: sg.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
}

function cnn(): sg.LayersModel {
  return sg.sequential({
    layers: [
      sg.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [8, 8, 1],
        kernelInitializer: sg.initializers.heNormal({ seed: 1 }),
      }),
      sg.layers.maxPooling2d({ poolSize: 2 }),
      sg.layers.batchNormalization(),
      sg.layers.flatten(),
      sg.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: sg.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

function lstm(): sg.LayersModel {
  return sg.sequential({
    layers: [
      sg.layers.lstm({ units: 6, inputShape: [5, 4], kernelInitializer: sg.initializers.glorotUniform({ seed: 1 }) }),
      sg.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: sg.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

const CASES: [string, () => sg.LayersModel, number[]][] = [
  ['MLP', mlp, [8]],
  ['CNN', cnn, [8, 8, 1]],
  ['LSTM', lstm, [5, 4]],
];

describe(`memory() after epoch 1 equals memory() after epoch ${EPOCHS}`, () => {
  checkNoLeaks();

  for (const backend of ['wasm', 'js']) {
    for (const [name, make, shape] of CASES) {
      it(`${name} on ${backend}: ${EPOCHS} epochs with validation, adam and metrics`, async () => {
        await sg.setBackend(backend);
        const before = sg.memory().numTensors;
        const n = 24;
        const x = sg.randomNormal([n, ...shape], 0, 1, 'float32', 7);
        const y = sg.utils.toCategorical(
          Array.from({ length: n }, (_, i) => i % 3),
          3,
        );
        const model = make();
        model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
        const snapshots: Record<string, number | boolean>[] = [];
        const record = sg.customCallback({ onEpochEnd: () => void snapshots.push({ ...sg.memory() }) });
        const h = await model.fit(x, y, {
          epochs: EPOCHS,
          batchSize: 8,
          validationSplit: 0.25,
          verbose: 0,
          callbacks: [record],
        });
        expect(h.epoch.length).toBe(EPOCHS);
        expect(snapshots.length).toBe(EPOCHS);
        expect(snapshots[EPOCHS - 1]).toEqual(snapshots[0]);
        model.dispose();
        sg.dispose([x, y]);
        expect(sg.memory().numTensors).toBe(before);
      });
    }
  }
});
