// The demo's training worker: simdgrad runs here, never on the page's main thread. It loads the
// digits (mnist-digits.bin), builds the walk-through MLP of examples/mnist_mlp.ts (784-256-128-10,
// dropout 0.4 and 0.3, RMSprop, categorical crossentropy) or loads the one saved in IndexedDB,
// trains it with fit() on request (reporting every batch and epoch), saves it after each epoch,
// and answers predictions, also between training batches (fit yields to the event loop).
import * as sg from '../src/index.js';
import { parseDigits, type Digits } from './digits_format.js';
import { MODEL_URL, type BackendName, type FromWorker, type SavedInfo, type ToWorker } from './protocol.js';

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker) => scope.postMessage(m);

/**
 * The IndexedDB handler of MODEL_URL (as `model.save(MODEL_URL)` would pick it; the handler is
 * named so that a bundler keeps it).
 */
const modelStore = () => sg.io.browserIndexedDB(MODEL_URL.slice('indexeddb://'.length));

let digits: Digits | null = null;
let model: sg.LayersModel | null = null;
let saved: SavedInfo | null = null;
let training = false;
/** Messages that arrived before init finished. */
const queue: ToWorker[] = [];
let initialized = false;

/** The walk-through model (examples/mnist_mlp.ts), compiled. */
function freshModel(): sg.LayersModel {
  const m = sg.sequential();
  m.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  m.add(sg.layers.dropout({ rate: 0.4 }));
  m.add(sg.layers.dense({ units: 128, activation: 'relu' }));
  m.add(sg.layers.dropout({ rate: 0.3 }));
  m.add(sg.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ loss: 'categorical_crossentropy', optimizer: sg.optimizers.rmsprop(), metrics: ['accuracy'] });
  return m;
}

async function init(backend: BackendName): Promise<void> {
  await sg.setBackend(backend);
  await sg.ready();
  post({ type: 'status', text: 'loading the digits' });
  const res = await fetch(new URL('mnist-digits.bin', self.location.href));
  if (!res.ok) throw new Error(`mnist-digits.bin: HTTP ${res.status}`);
  digits = parseDigits(await res.arrayBuffer());
  let loadError: string | undefined;
  try {
    model = await sg.loadLayersModel(modelStore());
    saved = (model.userDefinedMetadata as SavedInfo | undefined) ?? null;
  } catch (e) {
    const msg = (e as Error).message;
    if (!/no saved model/.test(msg)) loadError = msg;
    model = freshModel();
    saved = null;
  }
  // A first small prediction starts the thread pool, so the count below is the one in use.
  sg.tidy(() => {
    model!.predict(sg.zeros([1, 784]));
  });
  post({
    type: 'ready',
    backend: sg.getBackend(),
    threads: sg.getBackend() === 'wasm' ? sg.getThreads() : 1,
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    nTrain: digits.nTrain,
    nTest: digits.nTest,
    params: model.countParams(),
    saved,
    ...(loadError ? { loadError } : {}),
  });
}

async function train(epochs: number, batchSize: number): Promise<void> {
  if (!model || !digits || training) return;
  training = true;
  const d = digits;
  const m = model;
  const first = saved?.epochs ?? 0;
  const [x, y, xt, yt] = sg.tidy(() => [
    sg.tensor(d.xTrain, [d.nTrain, 784]),
    sg.oneHot(sg.tensor(d.yTrain, [d.nTrain], 'int32'), 10),
    sg.tensor(d.xTest, [d.nTest, 784]),
    sg.oneHot(sg.tensor(d.yTest, [d.nTest], 'int32'), 10),
  ]);
  let prev = { loss: 0, acc: 0, seen: 0 };
  let epochStart = 0;
  let lastBatch = 0;
  let rate = 0;
  let current = first;
  const steps = Math.ceil(d.nTrain / batchSize);
  try {
    await m.fit(x, y, {
      epochs: first + epochs,
      initialEpoch: first,
      batchSize,
      validationData: [xt, yt],
      verbose: 0,
      callbacks: {
        onEpochBegin: (epoch) => {
          current = epoch;
          prev = { loss: 0, acc: 0, seen: 0 };
          epochStart = lastBatch = performance.now();
        },
        onBatchEnd: (batch, logs) => {
          // The logs hold the epoch's running means: recover this batch's own values.
          const size = logs?.size ?? batchSize;
          const seen = prev.seen + size;
          const loss = ((logs?.loss ?? 0) * seen - prev.loss * prev.seen) / size;
          const acc = ((logs?.accuracy ?? 0) * seen - prev.acc * prev.seen) / size;
          prev = { loss: logs?.loss ?? 0, acc: logs?.accuracy ?? 0, seen };
          const now = performance.now();
          const inst = (size * 1000) / Math.max(now - lastBatch, 1e-3);
          rate = rate === 0 ? inst : 0.8 * rate + 0.2 * inst;
          lastBatch = now;
          post({ type: 'batch', epoch: current, batch, steps, loss, acc, samplesPerSec: rate });
        },
        onEpochEnd: async (epoch, logs) => {
          const seconds = (performance.now() - epochStart) / 1000;
          const testAcc = logs?.val_accuracy ?? NaN;
          post({
            type: 'epoch',
            epoch,
            loss: logs?.loss ?? NaN,
            acc: logs?.accuracy ?? NaN,
            testLoss: logs?.val_loss ?? NaN,
            testAcc,
            seconds,
            samplesPerSec: d.nTrain / seconds,
          });
          const h = saved?.history ?? { loss: [], acc: [], testLoss: [], testAcc: [] };
          const keep = (a: number[], v: number) => [...a.slice(0, epoch), v];
          const info: SavedInfo = {
            epochs: epoch + 1,
            history: {
              loss: keep(h.loss, logs?.loss ?? NaN),
              acc: keep(h.acc, logs?.accuracy ?? NaN),
              testLoss: keep(h.testLoss, logs?.val_loss ?? NaN),
              testAcc: keep(h.testAcc, testAcc),
            },
            testAccuracy: testAcc,
            savedAt: new Date().toISOString(),
            backend: sg.getBackend(),
          };
          m.userDefinedMetadata = { ...info };
          await m.save(modelStore(), { includeOptimizer: true });
          saved = info;
          post({ type: 'saved', info });
        },
      },
    });
  } finally {
    sg.dispose([x, y, xt, yt]);
    training = false;
  }
  post({ type: 'done', stopped: m.stopTraining, tensors: sg.memory().numTensors });
}

function predict(id: number, pixels: Float32Array): void {
  if (!model) return;
  if (pixels.length !== 784) throw new Error(`predict: expected 784 pixels, got ${pixels.length}`);
  const m = model;
  const probs = sg.tidy(() => Array.from((m.predict(sg.tensor(pixels, [1, 784])) as sg.Tensor).dataSync()));
  post({ type: 'prediction', id, probs, tensors: sg.memory().numTensors });
}

async function forget(): Promise<void> {
  // tfjs' IndexedDB layout (src/io/browser.ts): database 'tensorflowjs', two stores keyed by path.
  const path = MODEL_URL.slice('indexeddb://'.length);
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.open('tensorflowjs', 1);
    req.onupgradeneeded = () => {
      for (const s of ['models_store', 'model_info_store'])
        if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s, { keyPath: 'modelPath' });
    };
    req.onerror = () => reject(new Error(`IndexedDB: ${String(req.error)}`));
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['models_store', 'model_info_store'], 'readwrite');
      tx.objectStore('models_store').delete(path);
      tx.objectStore('model_info_store').delete(path);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(new Error(`IndexedDB: ${String(tx.error)}`));
    };
  });
  model?.dispose();
  model = freshModel();
  saved = null;
  post({ type: 'forgotten' });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      await init(msg.backend);
      initialized = true;
      for (const m of queue.splice(0)) void run(m);
      return;
    case 'train':
      return train(msg.epochs, msg.batchSize);
    case 'stop':
      if (model) model.stopTraining = true;
      return;
    case 'predict':
      return predict(msg.id, msg.pixels);
    case 'forget':
      if (!training) await forget();
      return;
  }
}

function run(msg: ToWorker): Promise<void> {
  return handle(msg).catch((e: unknown) => post({ type: 'error', message: (e as Error).message ?? String(e) }));
}

scope.onmessage = (e) => {
  if (!initialized && e.data.type !== 'init') queue.push(e.data);
  else void run(e.data);
};
