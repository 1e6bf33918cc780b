// `npm run bench -- native [rounds]`: simdgrad against the native peers a user would pick on a CPU,
// PyTorch and Keras 3 on JAX (XLA), side by side in one run, alternating (simdgrad, torch, jax,
// simdgrad, ...) so that the load of a shared machine lands on all of them alike.
//   mlp:  the walk-through MLP (bench/train.ts's model), training samples/s, batch 128;
//   cnn:  Keras' mnist_cnn (bench/train_cnn.ts's model), training samples/s, batch 128;
//   lstm: LSTM batch 32, 80 steps, 128 inputs, 128 units, forward + backward, ms per call.
// Each figure is the best of 3 timed repetitions after a warm-up, in each round; the table shows the
// best over the rounds and the ratios (simdgrad / peer for samples/s, peer / simdgrad for ms: > 1
// means simdgrad is faster). The peers run from the project's gitignored .venv through
// bench/native_peers.py (same models, optimisers, data sizes): `bash scripts/setup-venv.sh --bench`
// adds torch to it; a peer that is not installed is reported as such and the bench goes on.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sg from '../src/index.js';
import { setThreads } from '../src/threads.js';
import { printTable, saveResults } from './harness.js';
import { walkthroughMlp, data as mlpData, N as MLP_N } from './train.js';
import { mnistCnn, data as cnnData } from './train_cnn.js';

type Workload = 'mlp' | 'cnn' | 'lstm';
const WORKLOADS: Workload[] = ['mlp', 'cnn', 'lstm'];
const PEERS = ['torch', 'jax'] as const;
const THREADS = 2;
const REPS = 3;
const BATCH = 128;
const CNN_N = 1280;
const [B, T, I, U] = [32, 80, 128, 128];
const unit = (w: Workload) => (w === 'lstm' ? 'ms' : 'samples/s');

async function fitRate(model: sg.LayersModel, x: sg.Tensor, y: sg.Tensor, n: number): Promise<number> {
  await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false }); // warm-up
  let best = 0;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}

/**
 * The LSTM workload (batch 32, 80 steps, 128 inputs, 128 units): `fb()` runs one forward +
 * backward (gradients of sum(last output) with respect to every weight, read back).
 */
export function lstmWorkload(): { fb: () => void; dispose: () => void } {
  const layer = sg.layers.lstm({ units: U, recurrentActivation: 'sigmoid' });
  const x = sg.tensor(
    Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.37) * 0.5),
    [B, T, I],
  );
  layer.apply(x).dispose();
  const vars = layer.trainableWeights.map((v) => v.variable);
  const fb = () => {
    const { value, grads } = sg.variableGrads(() => sg.sum(layer.apply(x) as sg.Tensor), vars);
    for (const g of Object.values(grads)) g.dataSync();
    sg.dispose([value, ...Object.values(grads)]);
  };
  return { fb, dispose: () => (x.dispose(), layer.dispose()) };
}

async function simdgrad(w: Workload): Promise<number> {
  await sg.setBackend('wasm');
  setThreads(THREADS);
  if (w === 'lstm') {
    const { fb, dispose } = lstmWorkload();
    fb();
    let best = Infinity;
    for (let r = 0; r < REPS; r++) {
      const t0 = performance.now();
      fb();
      best = Math.min(best, performance.now() - t0);
    }
    dispose();
    return best;
  }
  if (w === 'mlp') {
    const { x, y } = mlpData();
    const model = walkthroughMlp();
    const [xt, yt] = [sg.tensor(x, [MLP_N, 784]), sg.tensor(y, [MLP_N, 10])];
    const rate = await fitRate(model, xt, yt, MLP_N);
    sg.dispose([xt, yt]);
    model.dispose();
    return rate;
  }
  const { x, y } = cnnData(CNN_N);
  const { model, opt } = mnistCnn();
  const [xt, yt] = [sg.tensor(x, [CNN_N, 28, 28, 1]), sg.tensor(y, [CNN_N, 10])];
  const rate = await fitRate(model, xt, yt, CNN_N);
  sg.dispose([xt, yt]);
  opt.dispose();
  model.dispose();
  return rate;
}

interface PeerResult {
  value?: number;
  version?: string;
  error?: string;
}

function peer(lib: (typeof PEERS)[number], w: Workload): PeerResult {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const py = `${root}.venv/bin/python`;
  if (!existsSync(py)) return { error: 'not installed: no .venv (bash scripts/setup-venv.sh --bench)' };
  const script = fileURLToPath(new URL('./native_peers.py', import.meta.url));
  try {
    const out = execFileSync(
      py,
      [script, '--lib', lib, '--workload', w, '--threads', String(THREADS), '--reps', String(REPS)],
      { encoding: 'utf8', env: { ...process.env, KERAS_BACKEND: 'jax' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    return line ? (JSON.parse(line) as PeerResult) : { error: `no result: ${out.slice(-200)}` };
  } catch (e) {
    return { error: `failed: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n').pop()}` };
  }
}

/**
 * Runs the native-peer comparison and prints one table per workload.
 * @example await benchNative(['2']); // npm run bench -- native 2
 */
export async function benchNative(args: string[]): Promise<void> {
  const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 2);
  const only = args.filter((a) => (WORKLOADS as string[]).includes(a)) as Workload[];
  const workloads = only.length ? only : WORKLOADS;
  const results: Record<string, Record<string, { values: number[]; version?: string; error?: string }>> = {};
  for (let r = 0; r < rounds; r++) {
    for (const w of workloads) {
      const row = (results[w] ??= {});
      (row.simdgrad ??= { values: [] }).values.push(await simdgrad(w));
      for (const lib of PEERS) {
        const res = peer(lib, w);
        const cell = (row[lib] ??= { values: [] });
        if (res.value !== undefined) cell.values.push(res.value);
        cell.version ??= res.version;
        if (res.error) cell.error = res.error;
      }
      console.error(`round ${r + 1}/${rounds} ${w} done`);
    }
  }
  const best = (w: Workload, v: number[]) => (v.length ? (w === 'lstm' ? Math.min(...v) : Math.max(...v)) : NaN);
  for (const w of workloads) {
    const row = results[w];
    const ours = best(w, row.simdgrad.values);
    console.log(`\n${w}: ${unit(w)}, best of ${REPS} repetitions x ${rounds} rounds, ${THREADS} threads`);
    const ratio = (theirs: number) => (w === 'lstm' ? theirs / ours : ours / theirs);
    printTable(
      ['library', unit(w), 'all rounds', 'simdgrad speed-up'],
      [
        ['simdgrad wasm', ours, row.simdgrad.values.map((v) => v.toFixed(w === 'lstm' ? 1 : 0)).join(' '), '1.00x'],
        ...PEERS.map((lib) => {
          const c = row[lib];
          if (!c.values.length) return [lib, '-', (c.error ?? 'no result').slice(0, 100), '-'];
          const theirs = best(w, c.values);
          return [`${lib} (${c.version})`, theirs, c.values.map((v) => v.toFixed(w === 'lstm' ? 1 : 0)).join(' '), `${ratio(theirs).toFixed(2)}x`];
        }),
      ],
    );
  }
  console.log(`results: ${saveResults('native', { threads: THREADS, reps: REPS, rounds, results })}`);
}
