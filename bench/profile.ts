// `npm run bench -- profile [mlp|cnn] [steps] [threads]`: where one training step's time goes.
// With mlp, PyTorch's step of the same model beside it (.venv, bench/native_peers.py --workload mlp-profile).
// `npm run bench -- profile gemm [reps]`: the MLP's GEMMs alone, 1 and 2 threads, beside PyTorch's torch.mm (.venv).
// Trains the walk-through MLP (bench/train.ts's model: 784-256-128-10, dropout, RMSprop, batch
// 128) and Keras' mnist_cnn (bench/train_cnn.ts's model, Adadelta, batch 128) one batch at a
// time as fit() runs a step (the batch sliced out of the data, model.trainStep inside a scope),
// timing every kernel the engine runs (by kernel, input shapes and the attributes that pick a
// code path), and prints per step: ms, share of the step, and for the GEMM-shaped kernels
// (MatMul, FusedMatMul, Conv and its two gradients) GFLOP/s counted as 2 x multiply-adds of the
// direct product (so Winograd convs can exceed the limit) against the 128-bit limit: PEAK_CORE
// (the dev box's measured f32x4 mul+add peak, one core) x the threads, and against the ceiling
// of the GEMM's own micro-kernel measured on the machine at hand (bench/gemm-ceiling.ts: its inner
// loop alone on L1-resident panels, for the build in use) x the threads. "engine + js" is the
// step's time outside any kernel: tape, gradient bookkeeping, tensor objects, the fit loop.
import * as sg from '../src/index.js';
import { setThreads } from '../src/threads.js';
import { ENGINE } from '../src/engine/engine.js';
import { sliceRows } from '../src/models/model.js';
import type { Attrs, KernelFunc, TensorInfo } from '../src/backends/backend.js';
import { walkthroughMlp, data as mlpData } from './train.js';
import { mnistCnn, data as cnnData } from './train_cnn.js';
import { printTable, saveResults } from './harness.js';
import { gemmCeiling } from './gemm-ceiling.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * GFLOP/s of one core at the 128-bit SIMD limit on the Zen 5 dev box (f32x4 mul + add, V8): a fixed
 * figure, printed as such. On another CPU the micro-kernel ceiling (bench/gemm-ceiling.ts, measured
 * where the bench runs) is the limit to read: on a 2-core Intel Xeon with AVX-512 (session 25) it
 * was 34-35 GFLOP/s a thread for the plain build, about half of this.
 */
export const PEAK_CORE = 66;
const BATCH = 128;
/** Batches of distinct data the steps cycle through. */
const BATCHES = 4;

interface Entry {
  calls: number;
  /** ms in each step (best-of over steps is what the table shows: the machine may be shared). */
  perStep: number[];
  flops: number;
}

/** Multiply-adds x 2 of the direct product a GEMM-shaped kernel computes; 0 for other kernels. */
function flopsOf(name: string, ins: TensorInfo[], attrs: Attrs, out: TensorInfo | TensorInfo[]): number {
  const o = Array.isArray(out) ? out[0] : out;
  const size = (s: readonly number[]) => s.reduce((a, c) => a * c, 1);
  if (name === 'MatMul' || name === 'FusedMatMul') {
    const [a] = ins;
    const K = attrs.transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
    return 2 * size(o.shape) * K;
  }
  if (name === 'Conv') {
    // out [N, (D,) OH, OW, CO]; filter [(KD,) KH, KW, C, CO]: per output, KD*KH*KW*C.
    const f = ins[1].shape;
    return 2 * size(o.shape) * (size(f) / f[f.length - 1]);
  }
  if (name === 'ConvBackpropInput') {
    // dy [N, OH, OW, CO] against the filter: per dy element, KD*KH*KW*C.
    const [dy, f] = ins;
    return 2 * size(dy.shape) * (size(f.shape) / f.shape[f.shape.length - 1]);
  }
  if (name === 'ConvBackpropFilter') {
    // out is the filter gradient [.., C, CO]; per filter element one product per dy position.
    const dy = ins[1].shape;
    return 2 * size(o.shape) * (size(dy) / dy[dy.length - 1]);
  }
  return 0;
}

function keyOf(name: string, ins: TensorInfo[], attrs: Attrs): string {
  const shapes = ins.map((t) => `[${t.shape.join(',')}]`).join('');
  const flags: string[] = [];
  if (attrs.transposeA) flags.push('tA');
  if (attrs.transposeB) flags.push('tB');
  if (attrs.act) flags.push(`act${String(attrs.act)}`);
  if (attrs.op !== undefined && typeof attrs.op !== 'object') flags.push(`op${String(attrs.op)}`);
  return `${name} ${shapes}${flags.length ? ' ' + flags.join(',') : ''}`;
}

/** Wraps every kernel of the active backend with a timer; returns the table, a step counter and an undo. */
function instrument(): { table: Map<string, Entry>; step: { i: number }; restore: () => void } {
  const b = ENGINE.backend as unknown as { kernels: Map<string, KernelFunc> };
  const table = new Map<string, Entry>();
  const step = { i: 0 };
  const saved = new Map(b.kernels);
  for (const [name, k] of saved) {
    b.kernels.set(name, (ins, attrs, be) => {
      const t0 = performance.now();
      const out = k(ins, attrs, be);
      const ms = performance.now() - t0;
      const key = keyOf(name, ins, attrs);
      let e = table.get(key);
      if (!e)
        table.set(
          key,
          (e = { calls: 0, perStep: [], flops: flopsOf(name, ins, attrs, out as TensorInfo | TensorInfo[]) }),
        );
      e.calls++;
      e.perStep[step.i] = (e.perStep[step.i] ?? 0) + ms;
      return out;
    });
  }
  return { table, step, restore: () => saved.forEach((k, n) => b.kernels.set(n, k)) };
}

interface Profile {
  model: string;
  threads: number;
  steps: number;
  stepMs: number;
  bareStepMs: number;
  /** Process CPU ms per step, the least over runs of 10 untimed steps (all threads; at 1 thread the step's). */
  bareCpuMs: number;
  /** Per kernel: calls per step, its best ms over the steps, share of the best step, GFLOP/s. */
  rows: {
    kernel: string;
    calls: number;
    ms: number;
    share: number;
    gflops?: number;
    ofPeak?: number;
    ofCeiling?: number;
  }[];
  /** GFLOP/s of the GEMM micro-kernel alone on this machine, one thread, for the build in use. */
  ceiling: number;
}

/**
 * Profiles `steps` training steps of one model (as fit() runs them). Each kernel's figure is its best step (the
 * least disturbed on a shared machine); the step time is the best step without timers, and
 * "engine + js" the best step's time outside kernels.
 */
export async function profileModel(which: 'mlp' | 'cnn', steps: number, threads: number): Promise<Profile> {
  await sg.setBackend('wasm');
  setThreads(threads);
  let model: sg.LayersModel;
  let dispose: () => void;
  let x: sg.Tensor;
  let y: sg.Tensor;
  if (which === 'mlp') {
    const d = mlpData();
    model = walkthroughMlp();
    x = sg.tensor(d.x.subarray(0, BATCHES * BATCH * 784), [BATCHES * BATCH, 784]);
    y = sg.tensor(d.y.subarray(0, BATCHES * BATCH * 10), [BATCHES * BATCH, 10]);
    dispose = () => model.dispose();
  } else {
    const d = cnnData(BATCHES * BATCH);
    const m = mnistCnn();
    model = m.model;
    x = sg.tensor(d.x, [BATCHES * BATCH, 28, 28, 1]);
    y = sg.tensor(d.y, [BATCHES * BATCH, 10]);
    dispose = () => {
      m.opt.dispose();
      m.model.dispose();
    };
  }
  // fit()'s step with shuffle: false: the batch's rows (sliceRows, as fit), trainStep in a scope.
  let at = 0;
  const step = () =>
    sg.tidy(() => {
      const bx = sliceRows(x, at * BATCH, BATCH);
      const by = sliceRows(y, at * BATCH, BATCH);
      at = (at + 1) % BATCHES;
      model.trainStep({ x: bx, y: by });
    });
  // Warm-up: JIT and wasm tier-up (background compiles would count in the CPU figure), pool start, optimizer slots.
  for (let i = 0; i < 20; i++) step();
  // Bare step time first (no timers), median of `steps`.
  // CPU: the least per step over runs of 10 steps (as PyTorch's figure: best of 3 runs of 50).
  const bare: number[] = [];
  let bareCpuMs = Infinity;
  for (let i = 0; i < steps; i += 10) {
    const cpu0 = process.cpuUsage();
    const n = Math.min(10, steps - i);
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      step();
      bare.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    bareCpuMs = Math.min(bareCpuMs, (cpu.user + cpu.system) / 1000 / n);
  }
  const { table, step: stepNo, restore } = instrument();
  const outside: number[] = [];
  for (let i = 0; i < steps; i++) {
    stepNo.i = i;
    const t0 = performance.now();
    step();
    const ms = performance.now() - t0;
    let inside = 0;
    for (const e of table.values()) inside += e.perStep[i] ?? 0;
    outside.push(ms - inside);
  }
  restore();
  sg.dispose([x, y]);
  dispose();
  const best = (v: number[]) => Math.min(...v.filter((t) => t !== undefined));
  const peak = PEAK_CORE * threads;
  const ceiling = kernelCeiling();
  const rows = [...table.entries()].map(([kernel, e]) => {
    const ms = best(e.perStep);
    const gflops = e.flops ? (e.flops * (e.calls / steps)) / (ms * 1e6) : undefined;
    const ofCeiling = gflops ? gflops / (ceiling * threads) : undefined;
    return {
      kernel,
      calls: e.calls / steps,
      ms,
      share: 0,
      gflops,
      ofPeak: gflops ? gflops / peak : undefined,
      ofCeiling,
    };
  });
  rows.push({
    kernel: 'engine + js (outside kernels)',
    calls: 0,
    ms: best(outside),
    share: 0,
    gflops: undefined,
    ofPeak: undefined,
    ofCeiling: undefined,
  });
  // The sum of the best figures: a step with every part at its least disturbed.
  const stepMs = rows.reduce((a, r) => a + r.ms, 0);
  for (const r of rows) r.share = r.ms / stepMs;
  rows.sort((a, b) => b.ms - a.ms);
  return { model: which, threads, steps, stepMs, bareStepMs: best(bare), bareCpuMs, rows, ceiling };
}

function print(p: Profile): void {
  const name = p.model === 'mlp' ? 'walk-through MLP (784-256-128-10, RMSprop)' : 'mnist_cnn (Adadelta)';
  console.log(
    `\n${name}, batch ${BATCH}, ${p.threads} thread(s), ${p.steps} steps, ` +
      `${sg.getRelaxedSimd() ? 'relaxed-SIMD' : 'plain SIMD'} build, Node ${process.versions.node}: ` +
      `best step ${p.bareStepMs.toFixed(2)} ms untimed (${Math.round((BATCH * 1000) / p.bareStepMs)} samples/s), ` +
      `process CPU ${p.bareCpuMs.toFixed(2)} ms a step (best run of 10), ` +
      `${p.stepMs.toFixed(2)} ms as the sum of each part's best; limit ${PEAK_CORE * p.threads} GFLOP/s ` +
      `(PEAK_CORE: the Zen 5 dev box's f32x4 peak, not measured here); ` +
      `micro-kernel ceiling here ${(p.ceiling * p.threads).toFixed(1)} GFLOP/s (${p.ceiling.toFixed(1)} a thread)`,
  );
  printTable(
    ['kernel [input shapes] path', 'calls', 'ms/step', 'share', 'GFLOP/s', 'of limit', 'of ceiling'],
    p.rows
      .filter((r) => r.share >= 0.003)
      .map((r) => [
        r.kernel,
        r.calls ? r.calls.toFixed(0) : '',
        r.ms.toFixed(3),
        `${(100 * r.share).toFixed(1)}%`,
        r.gflops ? r.gflops.toFixed(1) : '',
        r.ofPeak ? `${(100 * r.ofPeak).toFixed(0)}%` : '',
        r.ofCeiling ? `${(100 * r.ofCeiling).toFixed(0)}%` : '',
      ]),
  );
  const kinds = new Map<string, number>();
  for (const r of p.rows) kinds.set(kindOf(r.kernel), (kinds.get(kindOf(r.kernel)) ?? 0) + r.ms);
  console.log(
    `by kind: ${[...kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([k, ms]) => `${k} ${ms.toFixed(2)} ms (${((100 * ms) / p.stepMs).toFixed(0)}%)`)
      .join(', ')}`,
  );
}

/** The kind of a profile row (simdgrad kernel or PyTorch op), for the side-by-side summary. */
function kindOf(name: string): string {
  if (/^(MatMul|FusedMatMul|Conv|aten::mm|aten::addmm)\b/.test(name)) return 'GEMM';
  if (/Update|Optimizer\.step|zero_grad|aten::(sqrt|addcdiv_|addcmul_|add_|mul_|div_)$/.test(name)) return 'optimizer';
  if (/^Dropout|bernoulli|aten::(mul|div)$/.test(name)) return 'dropout';
  if (name.startsWith('engine + js')) return 'engine + js';
  return 'other kernels';
}

interface TorchProfile {
  cpuMs: number;
  wallMs: number;
  ops: { name: string; ms: number; calls: number }[];
}

/**
 * PyTorch's step of the same MLP (bench/native_peers.py --workload mlp-profile in the project's
 * .venv): CPU and wall ms per step, each op's self CPU ms per step (torch.autograd.profiler).
 */
function torchMlpProfile(threads: number): TorchProfile | string {
  return runTorchPeer<TorchProfile>(['--workload', 'mlp-profile', '--threads', String(threads), '--reps', '3']);
}

/**
 * Runs bench/native_peers.py with PyTorch in the project's .venv and returns the `value` of its
 * last JSON line, or why there is none (not installed, its error, the last line of its stderr).
 */
function runTorchPeer<T>(args: string[]): T | string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const py = `${root}.venv/bin/python`;
  if (!existsSync(py)) return 'not installed (no .venv)';
  const script = fileURLToPath(new URL('./native_peers.py', import.meta.url));
  try {
    const out = execFileSync(py, [script, '--lib', 'torch', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const line = out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    const r = line ? (JSON.parse(line) as { value?: T; error?: string }) : { error: 'no result' };
    return r.value ?? r.error ?? 'no result';
  } catch (e) {
    return `failed: ${String((e as { stderr?: string }).stderr ?? e)
      .trim()
      .split('\n')
      .pop()}`;
  }
}

function printTorch(t: TorchProfile | string, threads: number): void {
  if (typeof t === 'string') {
    console.log(`\nPyTorch, same MLP step, ${threads} thread(s): ${t}`);
    return;
  }
  const total = t.ops.reduce((a, o) => a + o.ms, 0);
  console.log(
    `\nPyTorch, same MLP step (one batch at a time), ${threads} thread(s): best ${t.wallMs.toFixed(2)} ms a step ` +
      `(${Math.round((BATCH * 1000) / t.wallMs)} samples/s), process CPU ${t.cpuMs.toFixed(2)} ms a step; ` +
      `ops by self CPU under torch.autograd.profiler (${total.toFixed(2)} ms a step in all, profiler included)`,
  );
  printTable(
    ['op', 'calls', 'ms/step', 'share'],
    t.ops
      .filter((o) => o.ms / total >= 0.01)
      .map((o) => [o.name, o.calls.toFixed(0), o.ms.toFixed(3), `${((100 * o.ms) / total).toFixed(1)}%`]),
  );
  const kinds = new Map<string, number>();
  for (const o of t.ops) kinds.set(kindOf(o.name), (kinds.get(kindOf(o.name)) ?? 0) + o.ms);
  console.log(
    `by kind: ${[...kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([k, ms]) => `${k} ${ms.toFixed(2)} ms (${((100 * ms) / total).toFixed(0)}%)`)
      .join(', ')}`,
  );
}

/** The walk-through MLP's GEMMs in one training step (batch 128): [M, K, N, transposeA, transposeB, label]. */
export const MLP_GEMMS: [number, number, number, boolean, boolean, string][] = [
  [128, 784, 256, false, false, 'dense 1 forward'],
  [784, 128, 256, true, false, 'dense 1 dW = x^T dy'],
  [128, 256, 128, false, false, 'dense 2 forward'],
  [256, 128, 128, true, false, 'dense 2 dW'],
  [128, 128, 256, false, true, 'dense 2 dX = dy W^T'],
  [128, 128, 10, false, false, 'dense 3 forward'],
  [128, 10, 128, false, true, 'dense 3 dX'],
];

/**
 * GFLOP/s of the MLP's GEMMs alone (sg.matMul, best of `reps` calls) on 1 and 2 threads, against
 * the 128-bit limit; with `SG_RELAXED=0` in the environment on the plain SIMD build where the
 * runtime would take the relaxed one (to compare the two under Node 22; see benchProfile).
 */
export async function profileGemms(
  reps: number,
): Promise<{ label: string; shape: string; gflops: number[]; torch: number[] }[]> {
  await sg.setBackend('wasm');
  const rows: { label: string; shape: string; gflops: number[]; torch: number[] }[] = [];
  for (const [M, K, N, tA, tB, label] of MLP_GEMMS) {
    const a = sg.randomUniform(tA ? [K, M] : [M, K], -1, 1, 'float32', 1);
    const b = sg.randomUniform(tB ? [N, K] : [K, N], -1, 1, 'float32', 2);
    const gflops: number[] = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      let best = Infinity;
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        sg.matMul(a, b, tA, tB).dispose();
        best = Math.min(best, performance.now() - t0);
      }
      gflops.push((2 * M * N * K) / (best * 1e6));
    }
    sg.dispose([a, b]);
    rows.push({ label, shape: `${M}x${K}x${N}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`, gflops, torch: [] });
  }
  setThreads(2);
  const torch = [1, 2].map((t) => torchGemms(t, reps));
  rows.forEach((r, i) => (r.torch = torch.map((t) => (Array.isArray(t) ? t[i] : NaN))));
  const ceiling = kernelCeiling();
  console.log(
    `\nThe MLP's GEMMs alone (M x K x N), best of ${reps} calls; ${sg.getRelaxedSimd() ? 'relaxed-SIMD' : 'plain SIMD'} build, ` +
      `Node ${process.versions.node}; limit ${PEAK_CORE} GFLOP/s a thread (PEAK_CORE: the Zen 5 dev box's f32x4 peak, ` +
      `not measured here); micro-kernel ceiling here ` +
      `${ceiling.toFixed(1)} GFLOP/s a thread; PyTorch torch.mm ${typeof torch[0] === 'string' ? torch[0] : 'on the same shapes'}`,
  );
  const pct = (v: number, of: number) => `${((100 * v) / of).toFixed(0)}%`;
  const tv = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1));
  printTable(
    [
      'GEMM',
      'M x K x N',
      '1 thread GFLOP/s',
      'of limit',
      'of ceiling',
      'torch 1T',
      '2 threads',
      'of limit',
      'of ceiling',
      'torch 2T',
    ],
    rows.map((r) => [
      r.label,
      r.shape,
      r.gflops[0].toFixed(1),
      pct(r.gflops[0], PEAK_CORE),
      pct(r.gflops[0], ceiling),
      tv(r.torch[0]),
      r.gflops[1].toFixed(1),
      pct(r.gflops[1], 2 * PEAK_CORE),
      pct(r.gflops[1], 2 * ceiling),
      tv(r.torch[1]),
    ]),
  );
  return rows;
}

/** The micro-kernel ceiling (GFLOP/s, one thread) for the build the backend runs. */
function kernelCeiling(): number {
  const c = gemmCeiling();
  return sg.getRelaxedSimd() && c.fma !== null ? c.fma : c.plain;
}

/** torch.mm GFLOP/s on MLP_GEMMS' shapes (bench/native_peers.py in the project's .venv), or why not. */
function torchGemms(threads: number, reps: number): number[] | string {
  const shapes = JSON.stringify(MLP_GEMMS.map(([M, K, N, tA, tB]) => [M, K, N, tA ? 1 : 0, tB ? 1 : 0]));
  return runTorchPeer<number[]>(['--workload', 'gemm', '--threads', String(threads), '--reps', String(reps), '--shapes', shapes]);
}

/**
 * Prints the per-kernel profile of one training step of the walk-through MLP and of mnist_cnn
 * (`gemm`: the MLP's GEMMs alone).
 * @example await benchProfile(['mlp', '30', '2']); // npm run bench -- profile mlp 30 2
 */
export async function benchProfile(args: string[]): Promise<void> {
  // SG_RELAXED=0: the plain SIMD build where the runtime would take the relaxed one (Node 22).
  if (process.env.SG_RELAXED === '0') sg.setRelaxedSimd(false);
  if (args.includes('gemm')) {
    const reps = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
    const rows = await profileGemms(reps);
    console.log(`results: ${saveResults('profile-gemm', { peakCore: PEAK_CORE, ceiling: gemmCeiling(), rows })}`);
    return;
  }
  const nums = args.filter((a) => /^\d+$/.test(a)).map(Number);
  const steps = nums[0] ?? 20;
  const threads = nums[1] ?? 2;
  const only = args.filter((a) => a === 'mlp' || a === 'cnn') as ('mlp' | 'cnn')[];
  const out: Profile[] = [];
  for (const m of only.length ? only : (['mlp', 'cnn'] as const)) {
    const p = await profileModel(m, m === 'cnn' ? Math.max(3, Math.round(steps / 4)) : steps, threads);
    print(p);
    out.push(p);
    if (m === 'mlp') printTorch(torchMlpProfile(threads), threads);
  }
  console.log(`results: ${saveResults('profile', { peakCore: PEAK_CORE, profiles: out })}`);
}
