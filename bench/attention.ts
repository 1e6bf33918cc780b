// `npm run bench -- attention`: multiHeadAttention self-attention at batch 32, 128 tokens, 4 heads,
// key dim 32 (model dim 128). Forward (inference) and forward+backward (gradients of sum(output)
// with respect to every weight) in ms, simdgrad's layer (wasm backend: four projection GEMMs and
// the fused attention kernel of assembly/attention.ts) on the default thread count and on one
// thread, against the same computation composed from tfjs-core ops on tfjs' wasm backend (one
// thread in Node; tfjs-layers exports no MultiHeadAttention), in the same process, interleaved
// (A, B, C, A, B, C...: the machine's load drifts), with ratios. `--rounds N` (default 3).
// PyTorch's nn.MultiheadAttention (bench/attention_peer.py, in the project's .venv: `bash
// scripts/setup-venv.sh --bench`) runs in a child process once per round, between simdgrad's rounds, on
// the same thread count; "not installed" when there is no venv or no torch. Each figure is the median of
// the rounds' medians.
// `--before DIR`: also times the layer of another checkout of simdgrad (DIR/src, its wasm module
// built there: `git clone . /tmp/old && cd /tmp/old && git checkout <commit> && ln -s
// $PWD/node_modules && npm run build:wasm`) in the same interleaved rounds, on the same thread
// count: a before/after comparison that the machine's load cannot skew.
import * as sg from '../src/index.js';
import { fmtNum, printTable, saveResults, timeInterleaved } from './harness.js';
import { getThreads, setThreads } from '../src/threads.js';
import { loadTfjs } from './tfjs-peer.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [BATCH, TOKENS, HEADS, KEY_DIM] = [32, 128, 4, 32];
const D = HEADS * KEY_DIM;

interface Row {
  forwardMs: number;
  trainMs: number;
}

const input = () => Float32Array.from({ length: BATCH * TOKENS * D }, (_, i) => Math.sin(i * 0.37) * 0.5);

interface Candidate {
  forward: () => void;
  train: () => void;
  dispose: () => void;
}

function simdgradCandidate(xv: Float32Array, lib: typeof sg = sg): Candidate {
  const layer = lib.layers.multiHeadAttention({ numHeads: HEADS, keyDim: KEY_DIM });
  const x = lib.tensor(xv, [BATCH, TOKENS, D]);
  (layer.apply([x, x]) as sg.Tensor).dispose(); // builds
  const vars = layer.trainableVariables;
  return {
    forward: () => {
      const y = layer.apply([x, x]) as sg.Tensor;
      y.dataSync();
      y.dispose();
    },
    train: () => {
      const { value, grads } = lib.variableGrads(() => lib.sum(layer.apply([x, x]) as sg.Tensor), vars);
      for (const g of Object.values(grads)) g.dataSync();
      lib.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => {
      x.dispose();
      layer.dispose();
    },
  };
}

async function tfjsCandidate(xv: Float32Array): Promise<Candidate> {
  const tf = await loadTfjs('wasm');
  // tfjs-core's gradient functions are registered by tfjs' bundles (tfjs-layers' here), not by core alone.
  await import('@tensorflow/tfjs-layers');
  type T = import('@tensorflow/tfjs-core').Tensor;
  const w = (shape: number[], s: number) => tf.variable(tf.randomUniform(shape, -0.1, 0.1, 'float32', s));
  const [wq, wk, wv] = [1, 2, 3].map((s) => w([D, D], s));
  const [bq, bk, bv] = [4, 5, 6].map((s) => w([D], s));
  const wo = w([D, D], 7);
  const bo = w([D], 8);
  const x = tf.tensor3d(xv, [BATCH, TOKENS, D]);
  const heads = (t: T) => tf.transpose(tf.reshape(t, [BATCH, TOKENS, HEADS, KEY_DIM]), [0, 2, 1, 3]);
  const mha = () => {
    const x2 = tf.reshape(x, [BATCH * TOKENS, D]);
    const q = tf.mul(heads(tf.add(tf.matMul(x2, wq), bq)), 1 / Math.sqrt(KEY_DIM));
    const k = heads(tf.add(tf.matMul(x2, wk), bk));
    const v = heads(tf.add(tf.matMul(x2, wv), bv));
    const p = tf.softmax(tf.matMul(q, k, false, true));
    const ctx = tf.reshape(tf.transpose(tf.matMul(p, v), [0, 2, 1, 3]), [BATCH * TOKENS, D]);
    return tf.add(tf.matMul(ctx, wo), bo);
  };
  const vars = [wq, bq, wk, bk, wv, bv, wo, bo];
  return {
    forward: () => {
      const y = tf.tidy(mha);
      y.dataSync();
      y.dispose();
    },
    train: () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(mha()) as import('@tensorflow/tfjs-core').Scalar, vars);
      for (const g of Object.values(grads)) g.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => tf.dispose([x, ...vars]),
  };
}

interface TorchRound {
  version?: string;
  forward?: number[];
  train?: number[];
  error?: string;
}

/** One round of the PyTorch peer in a child process: the call times of both phases, or why there are none. */
function torchRound(threads: number): TorchRound {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const py = `${root}.venv/bin/python`;
  if (!existsSync(py)) return { error: 'not installed: no .venv (bash scripts/setup-venv.sh --bench)' };
  const script = fileURLToPath(new URL('./attention_peer.py', import.meta.url));
  const args = ['--threads', String(threads), '--batch', String(BATCH), '--tokens', String(TOKENS)];
  args.push('--heads', String(HEADS), '--key-dim', String(KEY_DIM));
  try {
    const out = execFileSync(py, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    return line ? (JSON.parse(line) as TorchRound) : { error: `no result: ${out.slice(-200)}` };
  } catch (e) {
    return { error: `failed: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n').pop()}` };
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs the attention benchmark and prints one table.
 * @example await benchAttention([]); // npm run bench -- attention
 */
export async function benchAttention(args: string[]): Promise<void> {
  const at = args.indexOf('--rounds');
  const rounds = at >= 0 ? Number(args[at + 1]) : 3;
  const bi = args.indexOf('--before');
  const beforeDir = bi >= 0 ? resolve(args[bi + 1]) : null;
  await sg.setBackend('wasm');
  const threads = getThreads();
  const xv = input();
  const ours = simdgradCandidate(xv);
  const peer = await tfjsCandidate(xv);
  let before: Candidate | null = null;
  if (beforeDir) {
    const lib = (await import(pathToFileURL(join(beforeDir, 'src', 'index.ts')).href)) as typeof sg;
    const thr = (await import(pathToFileURL(join(beforeDir, 'src', 'threads.ts')).href)) as { setThreads(n: number): void };
    await lib.setBackend('wasm');
    thr.setThreads(threads);
    before = simdgradCandidate(xv, lib);
  }
  const perRound: Record<string, { forwardMs: number[]; trainMs: number[] }> = {};
  let torchVersion = '';
  let torchError = '';
  for (let r = 0; r < rounds; r++) {
    for (const phase of ['forward', 'train'] as const) {
      const t = timeInterleaved(
        [
          ...(before ? [{ name: 'before', fn: before[phase] }] : []),
          { name: 'sg', setup: () => setThreads(threads), fn: ours[phase] },
          { name: 'sg1', setup: () => setThreads(1), fn: ours[phase] },
          { name: 'tf', setup: () => setThreads(threads), fn: peer[phase] },
        ],
        1,
        phase === 'forward' ? 1 : 2,
      );
      for (const [k, v] of Object.entries(t))
        (perRound[k] ??= { forwardMs: [], trainMs: [] })[`${phase}Ms` as 'forwardMs'].push(v.median * 1000);
    }
    if (!torchError) {
      const tr = torchRound(threads);
      if (tr.error || !tr.forward || !tr.train) torchError = tr.error ?? 'no times';
      else {
        torchVersion = tr.version ?? '';
        const pt = (perRound.torch ??= { forwardMs: [], trainMs: [] });
        pt.forwardMs.push(median(tr.forward));
        pt.trainMs.push(median(tr.train));
      }
    }
  }
  const rows: Record<string, Row> = {};
  for (const [k, v] of Object.entries(perRound)) rows[k] = { forwardMs: median(v.forwardMs), trainMs: median(v.trainMs) };
  setThreads(threads);
  ours.dispose();
  peer.dispose();
  before?.dispose();
  console.log(
    `\nmultiHeadAttention self-attention, batch ${BATCH}, ${TOKENS} tokens, ${HEADS} heads, key dim ${KEY_DIM} (ms per call, median of interleaved rounds)`,
  );
  const ratio = (a: number, b: number) => `${(b / a).toFixed(2)}x`;
  const line = (name: string, r: Row) => [
    name,
    fmtNum(r.forwardMs),
    fmtNum(r.trainMs),
    ratio(r.forwardMs, rows.tf.forwardMs),
    ratio(r.trainMs, rows.tf.trainMs),
  ];
  printTable(
    ['', 'forward', 'forward+backward', 'speed-up fwd', 'speed-up fwd+bwd'],
    [
      line(`simdgrad wasm, fused kernel, ${threads} thread${threads > 1 ? 's' : ''}`, rows.sg),
      line('simdgrad wasm, fused kernel, 1 thread', rows.sg1),
      line('tfjs wasm, tfjs-core composite, 1 thread', rows.tf),
      rows.torch
        ? line(`PyTorch ${torchVersion} nn.MultiheadAttention, ${threads} thread${threads > 1 ? 's' : ''}`, rows.torch)
        : [`PyTorch: ${torchError}`, '-', '-', '-', '-'],
      ...(rows.before ? [line(`before: ${beforeDir}, ${threads} thread${threads > 1 ? 's' : ''}`, rows.before)] : []),
    ],
  );
  if (rows.torch) {
    const f = (k: 'forwardMs' | 'trainMs') => (rows.torch[k] / rows.sg[k]).toFixed(2);
    console.log(`simdgrad (${threads} threads) vs PyTorch: forward ${f('forwardMs')}x, forward+backward ${f('trainMs')}x (> 1 = simdgrad faster)`);
  }
  if (rows.before) {
    const f = (k: 'forwardMs' | 'trainMs') => (rows.sg[k] / rows.before[k]).toFixed(3);
    console.log(`this tree / before: forward ${f('forwardMs')}, forward+backward ${f('trainMs')} (ms ratio, < 1 = faster)`);
  }
  const file = saveResults('attention', {
    batch: BATCH,
    tokens: TOKENS,
    heads: HEADS,
    keyDim: KEY_DIM,
    threads,
    simdgrad: rows.sg,
    simdgrad1: rows.sg1,
    tfjs: rows.tf,
    torch: rows.torch ? { version: torchVersion, ...rows.torch } : { error: torchError },
    ...(rows.before ? { before: { dir: beforeDir, ...rows.before } } : {}),
  });
  console.log(`results: ${file}`);
}
