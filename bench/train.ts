// `npm run bench -- train`: trains the keras R walk-through MLP (784-256-128-10, dropout,
// rmsprop, categorical cross-entropy, batch 128) with simdgrad on 1 and 2 threads and with
// tfjs-layers on its wasm backend (1 thread in Node) in the same process, and prints training
// samples per second and the ratios.
import * as sg from '../src/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults } from './harness.js';
import { setThreads } from '../src/threads.js';

export const N = 6400; // one epoch of the walk-through's 8,000 training digits less the 20% validation split
const BATCH = 128;

export function data(): { x: Float32Array; y: Float32Array } {
  // Synthetic but learnable: fixed random inputs, labels from a fixed linear map (speed does not
  // depend on the values; the same arrays go to both libraries).
  const x = new Float32Array(N * 784).map((_, i) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1);
  const y = new Float32Array(N * 10);
  for (let i = 0; i < N; i++) y[i * 10 + (Math.floor(x[i * 784 + 7] * 10) % 10)] = 1;
  return { x, y };
}

/** The walk-through MLP, compiled as the keras R announcement does (also used by bench/native.ts). */
export function walkthroughMlp(): sg.Sequential {
  const model = sg.sequential();
  model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  model.add(sg.layers.dropout({ rate: 0.4 }));
  model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
  model.add(sg.layers.dropout({ rate: 0.3 }));
  model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ loss: 'categorical_crossentropy', optimizer: sg.optimizers.rmsprop(), metrics: ['accuracy'] });
  return model;
}

async function simdgrad(x: Float32Array, y: Float32Array, epochs: number, threads: number): Promise<number> {
  await sg.setBackend('wasm');
  setThreads(threads);
  const model = walkthroughMlp();
  const xt = sg.tensor(x, [N, 784]);
  const yt = sg.tensor(y, [N, 10]);
  await model.fit(xt, yt, { epochs: 1, batchSize: BATCH, verbose: 0 }); // warm-up
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs, batchSize: BATCH, verbose: 0 });
  const sps = (N * epochs) / ((performance.now() - t0) / 1000);
  sg.dispose([xt, yt]);
  model.dispose();
  return sps;
}

async function tfjsLayers(x: Float32Array, y: Float32Array, epochs: number): Promise<number> {
  const tf = await loadTfjs('wasm');
  const tfl = await import('@tensorflow/tfjs-layers');
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  model.add(tfl.layers.dropout({ rate: 0.4 }));
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: 0.3 }));
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.rmsprop(0.001), metrics: ['accuracy'] });
  const xt = tf.tensor2d(x, [N, 784]);
  const yt = tf.tensor2d(y, [N, 10]);
  await model.fit(xt, yt, { epochs: 1, batchSize: BATCH, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs, batchSize: BATCH, verbose: 0 });
  const sps = (N * epochs) / ((performance.now() - t0) / 1000);
  tf.dispose([xt, yt]);
  model.dispose();
  return sps;
}

export async function benchTrain(args: string[]): Promise<void> {
  const epochs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
  const { x, y } = data();
  const one = await simdgrad(x, y, epochs, 1);
  const two = await simdgrad(x, y, epochs, 2);
  setThreads(2);
  const theirs = await tfjsLayers(x, y, epochs);
  console.log(
    `\nTraining the walk-through MLP (784-256-128-10, dropout, rmsprop, batch ${BATCH}), ${N} samples x ${epochs} epochs`,
  );
  printTable(
    ['library', 'samples/s', 'ratio to tfjs'],
    [
      ['simdgrad wasm, 1 thread', one, `${(one / theirs).toFixed(2)}x`],
      ['simdgrad wasm, 2 threads', two, `${(two / theirs).toFixed(2)}x`],
      ['tfjs-layers wasm (1 thread)', theirs, '1.00x'],
    ],
  );
  console.log(
    `results: ${saveResults('train', { epochs, samples: N, batch: BATCH, simdgrad1t: one, simdgrad2t: two, tfjsLayersWasm: theirs, ratio1t: one / theirs, ratio2t: two / theirs })}`,
  );
}
