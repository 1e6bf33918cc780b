// The demo page's script. It does not import simdgrad: the engine runs in the page's own worker
// (worker.ts), so the main thread only draws (curves, bars, the pad) and never blocks on a
// kernel. The page state is also on `window.demoState` (read by test/demo/demo.test.ts).
import { LineChart } from './charts.js';
import { DrawingPad } from './pad.js';
import type { BackendName, FromWorker, SavedInfo, ToWorker } from './protocol.js';

/** 12345 -> '12,345' (no Intl: its first use costs a long task). */
const thousands = (n: number) => String(Math.round(n)).replace(/\B(?=(\d{3})+$)/g, ',');

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the page shows, also read by the tests. */
interface DemoState {
  ready: boolean;
  backend: string;
  threads: number;
  isolated: boolean;
  training: boolean;
  epochsDone: number;
  testAccuracy: number | null;
  saved: SavedInfo | null;
  /** Where the model came from when the worker started: IndexedDB or a fresh one. */
  loadedFromIndexedDB: boolean;
  predictions: number;
  /** Live tensors in the worker: after training (the data freed) and after the last prediction. */
  tensorsAfterTraining: number;
  tensorsAfterPrediction: number;
  probs: number[] | null;
  /** The longest main-thread task (ms) seen by the 'longtask' observer while training (0: none >= 50 ms). */
  longestTaskWhileTraining: number;
  errors: string[];
}

const state: DemoState = {
  ready: false,
  backend: '',
  threads: 0,
  isolated: window.crossOriginIsolated === true,
  training: false,
  epochsDone: 0,
  testAccuracy: null,
  saved: null,
  loadedFromIndexedDB: false,
  predictions: 0,
  tensorsAfterTraining: -1,
  tensorsAfterPrediction: -1,
  probs: null,
  longestTaskWhileTraining: 0,
  errors: [],
};
(window as unknown as { demoState: DemoState }).demoState = state;

// ---- long tasks on this thread ----
try {
  new PerformanceObserver((list) => {
    if (!state.training) return;
    for (const e of list.getEntries())
      state.longestTaskWhileTraining = Math.max(state.longestTaskWhileTraining, e.duration);
    showLongest();
  }).observe({ type: 'longtask', buffered: true });
} catch {
  $('longest').textContent = 'not measured (no longtask observer in this browser)';
}
function showLongest(): void {
  const ms = state.longestTaskWhileTraining;
  $('longest').textContent = ms > 0 ? `${ms.toFixed(0)} ms` : 'none over 50 ms';
}

// ---- charts ----
const lossChart = new LineChart($<HTMLCanvasElement>('loss-chart'), {
  title: 'loss',
  yMin: 0,
  digits: 2,
  series: [
    { name: 'batch', color: '#9ab8e0', width: 1 },
    { name: 'train (epoch)', color: '#1f5fbf', width: 2, dots: true },
    { name: 'test (epoch)', color: '#d9480f', width: 2, dots: true },
  ],
});
const accChart = new LineChart($<HTMLCanvasElement>('acc-chart'), {
  title: 'accuracy',
  yMin: 0,
  yMax: 1,
  digits: 2,
  series: [
    { name: 'batch', color: '#9ab8e0', width: 1 },
    { name: 'train (epoch)', color: '#1f5fbf', width: 2, dots: true },
    { name: 'test (epoch)', color: '#d9480f', width: 2, dots: true },
  ],
});

// ---- prediction bars ----
const bars = $('bars');
for (let d = 0; d < 10; d++) {
  const bar = document.createElement('div');
  bar.className = 'bar';
  bar.dataset.digit = String(d);
  bar.dataset.p = '0';
  bar.innerHTML = `<span class="p">0%</span><div class="track"><div class="fill"></div></div><span class="d">${d}</span>`;
  bars.appendChild(bar);
}
function showProbs(probs: number[] | null): void {
  const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
  bars.querySelectorAll<HTMLElement>('.bar').forEach((bar, d) => {
    const p = probs ? probs[d] : 0;
    bar.dataset.p = p.toFixed(4);
    bar.classList.toggle('best', d === best);
    (bar.querySelector('.fill') as HTMLElement).style.height = `${(p * 100).toFixed(1)}%`;
    (bar.querySelector('.p') as HTMLElement).textContent = `${Math.round(p * 100)}%`;
  });
  $('guess').textContent = probs ? `${best} (${(probs[best] * 100).toFixed(1)}%)` : '-';
}

// ---- the worker ----
const params = new URLSearchParams(location.search);
let backend: BackendName = params.get('backend') === 'js' ? 'js' : 'wasm';
$<HTMLSelectElement>('backend').value = backend;
let worker: Worker;
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

function startWorker(): void {
  state.ready = false;
  setControls();
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'simdgrad-demo' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => fail(`worker: ${e.message}`);
  $('status').textContent = `starting the ${backend} backend`;
  send({ type: 'init', backend });
}

function fail(message: string): void {
  state.errors.push(message);
  $('status').textContent = `error: ${message}`;
  $('status').classList.add('error');
}

function showSaved(): void {
  const s = state.saved;
  $('saved').textContent = s
    ? `${state.loadedFromIndexedDB ? 'loaded from' : 'saved to'} IndexedDB: ${s.epochs} epoch${s.epochs === 1 ? '' : 's'} trained, test accuracy ${s.testAccuracy.toFixed(4)}, saved ${s.savedAt.slice(0, 19).replace('T', ' ')} UTC`
    : 'none yet: a fresh, untrained model (it is saved after every epoch)';
}

let latestBatch: Extract<FromWorker, { type: 'batch' }> | null = null;
let textPending = false;

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'status':
      $('status').textContent = m.text;
      return;
    case 'ready':
      state.ready = true;
      state.backend = m.backend;
      state.threads = m.threads;
      state.isolated = m.isolated;
      state.saved = m.saved;
      state.loadedFromIndexedDB = m.saved !== null;
      state.epochsDone = m.saved?.epochs ?? 0;
      state.testAccuracy = m.saved?.testAccuracy ?? null;
      $('backend-used').textContent = m.backend;
      $('threads').textContent = String(m.threads);
      $('isolation').textContent = m.isolated ? 'yes (COOP/COEP)' : 'no';
      $('notice').hidden = m.isolated;
      $('data').textContent =
        `${thousands(m.nTrain)} training and ${thousands(m.nTest)} test digits; ${thousands(m.params)} parameters`;
      $('status').textContent = m.loadError ? `could not load the saved model (${m.loadError}); a fresh one` : 'ready';
      showSaved();
      showEpochs();
      lossChart.clear();
      accChart.clear();
      if (m.saved?.history) {
        // The per-epoch curves of the saved model (the per-batch ones are not kept).
        const h = m.saved.history;
        h.loss.forEach((v, e) => lossChart.add(1, e + 1, v));
        h.testLoss.forEach((v, e) => lossChart.add(2, e + 1, v));
        h.acc.forEach((v, e) => accChart.add(1, e + 1, v));
        h.testAcc.forEach((v, e) => accChart.add(2, e + 1, v));
      }
      setControls();
      predictNow();
      return;
    case 'batch': {
      const x = m.epoch + (m.batch + 1) / m.steps;
      lossChart.add(0, x, m.loss);
      accChart.add(0, x, m.acc);
      latestBatch = m;
      if (!textPending) {
        // The two lines follow at most 4 times a second (fewer style and layout passes).
        textPending = true;
        setTimeout(() => {
          textPending = false;
          if (!latestBatch || !state.training) return;
          $('progress').textContent =
            `epoch ${latestBatch.epoch + 1}, batch ${latestBatch.batch + 1}/${latestBatch.steps}`;
          $('rate').textContent = `${thousands(latestBatch.samplesPerSec)} samples/s`;
        }, 250);
      }
      return;
    }
    case 'epoch':
      lossChart.add(1, m.epoch + 1, m.loss);
      lossChart.add(2, m.epoch + 1, m.testLoss);
      accChart.add(1, m.epoch + 1, m.acc);
      accChart.add(2, m.epoch + 1, m.testAcc);
      state.epochsDone = m.epoch + 1;
      state.testAccuracy = m.testAcc;
      latestBatch = null; // the epoch's figures replace the last batch's
      $('progress').textContent = `epoch ${m.epoch + 1} done`;
      $('rate').textContent =
        `${thousands(m.samplesPerSec)} samples/s (epoch ${m.epoch + 1}: ${m.seconds.toFixed(1)} s)`;
      $('train-acc').textContent = `${m.acc.toFixed(4)} (loss ${m.loss.toFixed(4)})`;
      showEpochs();
      predictNow();
      return;
    case 'saved':
      state.saved = m.info;
      state.loadedFromIndexedDB = false;
      showSaved();
      return;
    case 'done':
      state.training = false;
      state.tensorsAfterTraining = m.tensors;
      $('status').textContent = m.stopped ? 'stopped' : 'trained';
      setControls();
      return;
    case 'forgotten':
      state.saved = null;
      state.epochsDone = 0;
      state.testAccuracy = null;
      lossChart.clear();
      accChart.clear();
      $('status').textContent = 'the saved model is deleted; a fresh one';
      showSaved();
      showEpochs();
      predictNow();
      return;
    case 'prediction':
      inFlight = false;
      state.predictions++;
      state.probs = m.probs;
      state.tensorsAfterPrediction = m.tensors;
      showProbs(pad.isEmpty ? null : m.probs);
      if (dirty) predictNow();
      return;
    case 'error':
      inFlight = false;
      state.training = false;
      setControls();
      fail(m.message);
      return;
  }
}

function showEpochs(): void {
  $('epochs-done').textContent = String(state.epochsDone);
  $('test-acc').textContent = state.testAccuracy === null ? '-' : state.testAccuracy.toFixed(4);
  $('test-acc').dataset.value = state.testAccuracy === null ? '' : String(state.testAccuracy);
}

function setControls(): void {
  $<HTMLButtonElement>('train').disabled = !state.ready || state.training;
  $<HTMLButtonElement>('stop').disabled = !state.training;
  $<HTMLButtonElement>('forget').disabled = !state.ready || state.training;
  $<HTMLSelectElement>('backend').disabled = state.training;
}

// ---- controls ----
$('train').addEventListener('click', () => {
  const epochs = Math.max(1, Math.min(100, Math.floor(Number($<HTMLInputElement>('epochs').value) || 1)));
  state.training = true;
  state.longestTaskWhileTraining = 0;
  showLongest();
  setControls();
  $('status').textContent = `training ${epochs} epoch${epochs === 1 ? '' : 's'}`;
  send({ type: 'train', epochs, batchSize: 128 });
});
$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('forget').addEventListener('click', () => send({ type: 'forget' }));
$<HTMLSelectElement>('backend').addEventListener('change', (e) => {
  backend = (e.target as HTMLSelectElement).value as BackendName;
  params.set('backend', backend);
  history.replaceState(null, '', `?${params}`);
  worker.terminate();
  startWorker();
});

// ---- drawing and predicting ----
let inFlight = false;
let dirty = false;
let nextId = 0;
const pad = new DrawingPad($<HTMLCanvasElement>('pad'), () => predictNow());
function predictNow(): void {
  if (!state.ready) return;
  if (pad.isEmpty) {
    showProbs(null);
    return;
  }
  if (inFlight) {
    dirty = true;
    return;
  }
  dirty = false;
  inFlight = true;
  const pixels = pad.toInput($<HTMLCanvasElement>('preview'));
  send({ type: 'predict', id: nextId++, pixels }, [pixels.buffer]);
}
$('clear').addEventListener('click', () => {
  pad.clear();
  $<HTMLCanvasElement>('preview').getContext('2d')!.clearRect(0, 0, 28, 28);
  showProbs(null);
});

showProbs(null);
showLongest();
startWorker();
