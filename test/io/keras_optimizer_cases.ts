// The optimizer-state cases shared by test/io/keras_optimizer.test.ts (npm test) and
// test/io/keras_optimizer_peer.test.ts (npm run test:peers): the optimizers (as
// scripts/fixtures/keras_optimizer_steps.py's CASES), the model, the batch, and the comparison.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from '../../src/index.js';
import { randArray } from '../helpers.js';

export const OPTIMIZER_CASES: [string, sg.OptimizerIdentifier][] = [
  ['adam', { className: 'Adam', config: { learning_rate: 0.01 } }],
  ['adam_amsgrad', { className: 'Adam', config: { learning_rate: 0.01, amsgrad: true } }],
  ['adamw', { className: 'AdamW', config: { learning_rate: 0.01, weight_decay: 0.01 } }],
  ['sgd_momentum', { className: 'SGD', config: { learning_rate: 0.05, momentum: 0.9 } }],
  ['sgd_nesterov', { className: 'SGD', config: { learning_rate: 0.05, momentum: 0.9, nesterov: true } }],
  ['sgd', { className: 'SGD', config: { learning_rate: 0.05 } }],
  ['rmsprop', { className: 'RMSprop', config: { learning_rate: 0.01 } }],
  ['rmsprop_centered_momentum', { className: 'RMSprop', config: { learning_rate: 0.01, momentum: 0.5, centered: true } }],
  ['adagrad', { className: 'Adagrad', config: { learning_rate: 0.05 } }],
  ['adadelta', { className: 'Adadelta', config: { learning_rate: 0.5 } }],
  ['adamax', { className: 'Adamax', config: { learning_rate: 0.01 } }],
  ['nadam', { className: 'Nadam', config: { learning_rate: 0.01 } }],
];

/** Dense -> BatchNormalization -> Dense (trainable and non-trainable weights), compiled. */
export function model(optimizer: sg.OptimizerIdentifier): sg.LayersModel {
  const m = sg.sequential({
    layers: [
      sg.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], name: 'd1' }),
      sg.layers.batchNormalization({ name: 'bn' }),
      sg.layers.dense({ units: 3, activation: 'softmax', name: 'd2' }),
    ],
  });
  m.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return m;
}
export const X = () => sg.tensor(randArray(24, 5), [6, 4]);
export const Y = () => sg.tidy(() => sg.oneHot(sg.tensor([0, 1, 2, 1, 0, 2], [6], 'int32'), 3));
export function values(m: sg.LayersModel): number[][] {
  return m.getWeights().map((t) => {
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  });
}

/** Keras' reference for one case (scripts/fixtures/keras_optimizer_steps.py make). */
export interface ResumeRef {
  keras_version: string;
  x: { shape: number[]; data: number[] };
  y: { shape: number[]; data: number[] };
  loss_after: number;
  iterations: number;
  weights_after: number[][];
}
export const RESUME_DIR = resolve(fileURLToPath(new URL('../fixtures/keras_optimizer', import.meta.url)));

/**
 * One training step of `m` on the reference batch; returns the max |difference| of its weights
 * from `want` (relative to max(1, |want|)) and the iteration count before the step.
 */
export function stepAndCompare(m: sg.LayersModel, ref: Pick<ResumeRef, 'x' | 'y'>, want: number[][]): { diff: number; iterationsLoaded: number } {
  const x = sg.tensor(ref.x.data, ref.x.shape);
  const y = sg.tensor(ref.y.data, ref.y.shape);
  try {
    const iterationsLoaded = m.optimizer.iterations;
    m.trainOnBatch(x, y);
    const got = values(m);
    if (got.length !== want.length) throw new Error(`${got.length} weights but Keras has ${want.length}`);
    let diff = 0;
    got.forEach((g, i) => {
      if (g.length !== want[i].length) throw new Error(`weight ${i}: ${g.length} values but Keras has ${want[i].length}`);
      g.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - want[i][j]) / Math.max(1, Math.abs(want[i][j])) || (Number.isNaN(v) ? Infinity : 0))));
    });
    return { diff, iterationsLoaded };
  } finally {
    sg.dispose([x, y]);
  }
}

