// Bundled for the browser by browser_storage.test.ts: simdgrad's browser save handlers in a real
// page (headless Chromium): indexeddb:// and localstorage:// save and load back (with the
// optimizer's state), tfjs-layers 4.22 in the same page loads what simdgrad stored and simdgrad
// loads what tfjs-layers stored, and downloads:// triggers the downloads the test catches
// (model.json + weights.bin, a .keras and a .h5 file); ONNX export runs in the page.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';

/** The input the page and the test predict on. */
export const INPUT = Array.from({ length: 12 }, (_, i) => Math.sin(i * 0.9));

/** A small MLP with fixed weights, compiled with Adam and trained two steps (so the optimizer has state). */
export function trainedModel(lib: typeof sg): sg.LayersModel {
  const m = lib.sequential({
    name: 'page_mlp',
    layers: [lib.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], name: 'h' }), lib.layers.dense({ units: 2, activation: 'softmax', name: 'out' })],
  });
  const ws = m.getWeights();
  const fresh = ws.map((t, k) => lib.tensor(Array.from({ length: t.size }, (_, i) => Math.cos(i * 1.7 + k) * 0.5), t.shape));
  m.setWeights(fresh);
  lib.dispose([...ws, ...fresh]);
  m.compile({ optimizer: lib.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
  const x = lib.tensor(INPUT, [3, 4]);
  const y = lib.tensor([1, 0, 0, 1, 1, 0], [3, 2]);
  m.trainOnBatch(x, y);
  m.trainOnBatch(x, y);
  lib.dispose([x, y]);
  return m;
}

function predictSg(m: sg.LayersModel): number[] {
  const x = sg.tensor(INPUT, [3, 4]);
  const y = m.predict(x) as sg.Tensor;
  const out = Array.from(y.dataSync());
  sg.dispose([x, y]);
  return out;
}

function predictTf(m: tf.LayersModel | tfl.LayersModel): number[] {
  const x = tf.tensor(INPUT, [3, 4]);
  const y = (m as tfl.LayersModel).predict(x) as tf.Tensor;
  const out = Array.from(y.dataSync());
  tf.dispose([x, y]);
  return out;
}

/** The keys IndexedDB holds in tfjs' database (read with the raw API, not through a handler). */
async function idbKeys(): Promise<Record<string, string[]>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('tensorflowjs');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const out: Record<string, string[]> = {};
  for (const store of Array.from(db.objectStoreNames)) {
    out[store] = await new Promise<string[]>((resolve, reject) => {
      const req = db.transaction(store, 'readonly').objectStore(store).getAllKeys();
      req.onsuccess = () => resolve((req.result as IDBValidKey[]).map(String).sort());
      req.onerror = () => reject(req.error);
    });
  }
  db.close();
  return out;
}

(globalThis as { run?: unknown }).run = async (step: 'storage' | 'download') => {
  await tf.setBackend('cpu');
  const m = trainedModel(sg);
  const before = predictSg(m);
  if (step === 'download') {
    await m.save('downloads://dl_mlp', { includeOptimizer: true });
    await m.save('downloads://dl_mlp.keras');
    await m.save('downloads://dl_mlp.h5');
    // ONNX export in the page: the bytes go back to the test, which runs them in onnxruntime-node.
    const onnx = Array.from(sg.onnx.exportModel(m));
    m.optimizer.dispose(); // passed to compile as an object: the caller's to free
    m.dispose();
    return { before, onnx };
  }
  const out: Record<string, unknown> = { before, isNode: typeof (globalThis as { process?: unknown }).process !== 'undefined' };

  // indexeddb://: simdgrad saves, simdgrad loads (the optimizer continues), tfjs-layers loads.
  out.idbSave = (await m.save('indexeddb://sg-mlp', { includeOptimizer: true })).modelArtifactsInfo;
  const back = await sg.loadLayersModel('indexeddb://sg-mlp');
  out.idbBack = predictSg(back);
  out.idbIterations = back.optimizer.iterations;
  const x = sg.tensor(INPUT, [3, 4]);
  const y = sg.tensor([1, 0, 0, 1, 1, 0], [3, 2]);
  out.nextStepSame = m.trainOnBatch(x, y) === back.trainOnBatch(x, y) && predictSg(m).every((v, i) => v === predictSg(back)[i]);
  sg.dispose([x, y]);
  back.dispose();
  const tfFromSg = await tfl.loadLayersModel('indexeddb://sg-mlp');
  out.idbTfjs = predictTf(tfFromSg);

  // tfjs-layers saves its own model to IndexedDB; simdgrad loads it.
  const tm = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 2 })] });
  await tm.save('indexeddb://tfjs-mlp');
  out.tfjsOwn = predictTf(tm);
  const sgFromTf = await sg.loadLayersModel('indexeddb://tfjs-mlp');
  out.tfjsBySg = predictSg(sgFromTf);
  sgFromTf.dispose();
  out.idbKeys = await idbKeys();

  // localstorage://: the same both ways, and the keys tfjs uses.
  const m2 = trainedModel(sg);
  await m2.save('localstorage://sg-mlp-ls', { includeOptimizer: true });
  m2.optimizer.dispose();
  m2.dispose();
  const back2 = await sg.loadLayersModel('localstorage://sg-mlp-ls');
  out.lsBack = predictSg(back2);
  out.lsIterations = back2.optimizer.iterations;
  back2.dispose();
  out.lsTfjs = predictTf(await tfl.loadLayersModel('localstorage://sg-mlp-ls'));
  out.lsKeys = Object.keys(localStorage).filter((k) => k.startsWith('tensorflowjs_models/sg-mlp-ls/')).sort();

  // A missing model is a clear error.
  try {
    await sg.loadLayersModel('indexeddb://no-such-model');
    out.missing = 'loaded';
  } catch (e) {
    out.missing = (e as Error).message;
  }
  m.optimizer.dispose();
  m.dispose();
  out.tensorsLeft = sg.memory().numTensors;
  return out;
};
