// Bundled for the browser by model_management.test.ts: models saved by simdgrad and by
// tfjs-layers 4.22 in one page, in localStorage and IndexedDB, listed, copied, moved and removed
// with sg.io's model management; tfjs-core's own io.listModels / io.removeModel see the same.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';

const X = [0.5, -1, 2, 0.25, 1.5, -0.75];

function predictSg(m: sg.LayersModel): number[] {
  const x = sg.tensor(X, [2, 3]);
  const y = m.predict(x) as sg.Tensor;
  const out = Array.from(y.dataSync());
  sg.dispose([x, y]);
  return out;
}

function predictTf(m: tfl.LayersModel): number[] {
  return tf.tidy(() => Array.from((m.predict(tf.tensor(X, [2, 3])) as tf.Tensor).dataSync()));
}

/** Both libraries' listings: URLs, and the infos as JSON (dates as stored). */
async function listings() {
  const ours = await sg.io.listModels();
  const theirs = await tf.io.listModels();
  return {
    sg: Object.keys(ours).sort(),
    tf: Object.keys(theirs).sort(),
    sameInfo: JSON.stringify(Object.keys(ours).sort().map((k) => ours[k])) ===
      JSON.stringify(Object.keys(theirs).sort().map((k) => theirs[k])),
  };
}

async function errorOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
}

async function run() {
  await tf.setBackend('cpu');
  localStorage.clear();
  const before = sg.memory().numTensors;
  const m = sg.sequential({ layers: [sg.layers.dense({ units: 2, inputShape: [3], activation: 'tanh', name: 'd' })] });
  const t = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], activation: 'tanh' })] });
  const ref = { sg: predictSg(m), tf: predictTf(t) };
  await m.save('localstorage://sg-model');
  await m.save('indexeddb://sg-model');
  await t.save('localstorage://tf-model');
  await t.save('indexeddb://tf-model');
  const out: Record<string, unknown> = { ref };
  out.initial = await listings();
  const copyInfo = await sg.io.copyModel('localstorage://tf-model', 'indexeddb://tf-copy');
  out.copyInfoType = copyInfo.modelTopologyType;
  await sg.io.copyModel('indexeddb://sg-model', 'localstorage://sg-copy');
  out.afterCopy = await listings();
  await sg.io.moveModel('localstorage://sg-model', 'localstorage://sg-moved');
  await sg.io.moveModel('indexeddb://tf-model', 'localstorage://tf-moved');
  out.afterMove = await listings();
  // Every copy and moved model loads in both libraries and predicts what its original did.
  const preds: Record<string, { sg: number[]; tf: number[] }> = {};
  for (const url of ['indexeddb://tf-copy', 'localstorage://sg-copy', 'localstorage://sg-moved', 'localstorage://tf-moved']) {
    const a = await sg.loadLayersModel(url);
    const b = await tfl.loadLayersModel(url);
    preds[url] = { sg: predictSg(a), tf: predictTf(b) };
    a.dispose();
    b.dispose();
  }
  out.preds = preds;
  const removed = await sg.io.removeModel('indexeddb://tf-copy');
  out.removedType = removed.modelTopologyType;
  await sg.io.removeModel('localstorage://tf-moved');
  await tf.io.removeModel('localstorage://sg-copy'); // tfjs removes what simdgrad copied
  out.afterRemove = await listings();
  out.errors = {
    missing: await errorOf(() => sg.io.removeModel('indexeddb://nope')),
    same: await errorOf(() => sg.io.copyModel('indexeddb://sg-model', 'indexeddb://sg-model')),
    noScheme: await errorOf(() => sg.io.removeModel('sg-model')),
    unknownScheme: await errorOf(() => sg.io.removeModel('file://x')),
  };
  m.dispose();
  out.leaked = sg.memory().numTensors - before;
  return out;
}

(window as unknown as { run: typeof run }).run = run;
