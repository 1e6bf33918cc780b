// The measurements behind `npx simdgrad bench` and the package's bench.html page: simdgrad's own
// kernels and models timed on the machine it runs on. No Node built-ins here (the page imports
// this file as it is); src/cli.ts adds the peers a Node machine may have installed.
import {
  conv2d,
  dispose,
  getRelaxedSimd,
  getThreads,
  grad,
  layers,
  matMul,
  optimizers,
  randomUniform,
  relaxedSimdSupported,
  sequential,
  setThreads,
  sum,
  tensor,
  tidy,
  variableGrads,
  type Tensor,
} from './index.js';

/** The bench kinds `npx simdgrad bench <kind>` and bench.html run. */
export const BENCH_KINDS = ['gemm', 'conv', 'rnn', 'train', 'native'] as const;
/** One of BENCH_KINDS. */
export type BenchKind = (typeof BENCH_KINDS)[number];

/** One line of results: what was run, on how many threads, and its figure. */
export interface BenchRow {
  /** What ran, e.g. 'matMul 512x512x512'. */
  what: string;
  /** Threads of the wasm backend (or the peer's, for a peer row). */
  threads: number;
  /** The figure (see unit). */
  value: number;
  /** 'GFLOP/s', 'samples/s' or 'ms'. */
  unit: string;
  /** Who ran it: 'simdgrad' or a peer's name. */
  library: string;
}

/** What the runtime offers simdgrad: WebAssembly SIMD, relaxed SIMD, threads. */
export function runtimeSupport(): string {
  const shared = typeof SharedArrayBuffer === 'function';
  const relaxed = relaxedSimdSupported();
  return (
    'WebAssembly SIMD: yes (required); ' +
    `relaxed SIMD: ${relaxed ? `yes (${getRelaxedSimd() ? 'in use' : 'off'})` : 'no'}; ` +
    `threads: ${shared && getThreads() > 1 ? `yes (default ${getThreads()})` : shared ? `yes (${getThreads()})` : 'no (no SharedArrayBuffer)'}`
  );
}

/** Best milliseconds of `fn` over at least 3 runs filling about `budgetMs` (after one warm-up). */
export function bestMs(fn: () => void, budgetMs: number): number {
  fn();
  let best = Infinity;
  const end = performance.now() + budgetMs;
  for (let i = 0; i < 3 || (performance.now() < end && i < 1000); i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Sets the thread count and, above one, starts the pool with a small matMul and yields once: a
 * browser's workers only start when the caller's event loop runs (Node's are up at once).
 */
async function useThreads(t: number): Promise<void> {
  setThreads(t);
  if (t > 1) {
    const a = randomUniform([256, 256], -1, 1, 'float32', 9);
    matMul(a, a).dispose();
    a.dispose();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The thread counts to compare: 1 and the requested count (once when it is 1). */
function threadCounts(threads: number): number[] {
  return threads > 1 ? [1, threads] : [1];
}

/** Square float32 matMuls: GFLOP/s for each size and thread count. */
export async function benchGemmRows(sizes: number[], threads: number, budgetMs = 300): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const a = randomUniform([n, n], -1, 1, 'float32', 1);
    const b = randomUniform([n, n], -1, 1, 'float32', 2);
    for (const t of threadCounts(threads)) {
      await useThreads(t);
      const ms = bestMs(() => matMul(a, b).dispose(), budgetMs);
      rows.push({ what: `matMul ${n}x${n}x${n}`, threads: t, value: (2 * n * n * n) / (ms * 1e6), unit: 'GFLOP/s', library: 'simdgrad' });
    }
    dispose([a, b]);
  }
  return rows;
}

/** mnist_cnn's second convolution (batch 32, 26x26x32 -> 24x24x64, 3x3): forward and forward+backward GFLOP/s. */
export async function benchConvRows(threads: number, budgetMs = 400, batch = 32): Promise<BenchRow[]> {
  const [B, H, W, CI, CO, K] = [batch, 26, 26, 32, 64, 3];
  const x = randomUniform([B, H, W, CI], -1, 1, 'float32', 1);
  const f = randomUniform([K, K, CI, CO], -0.1, 0.1, 'float32', 2);
  const flop = 2 * B * (H - K + 1) * (W - K + 1) * CO * CI * K * K;
  const g = grad((w: Tensor) => sum(conv2d(x, w, 1, 'valid')));
  const rows: BenchRow[] = [];
  for (const t of threadCounts(threads)) {
    await useThreads(t);
    const fwd = bestMs(() => conv2d(x, f, 1, 'valid').dispose(), budgetMs);
    // the forward and the filter gradient: two convolutions' worth of multiply-adds (dx is not asked for)
    const both = bestMs(() => tidy(() => g(f)).dispose(), budgetMs);
    const what = `conv2d ${B}x${H}x${W}x${CI} -> ${CO}, 3x3`;
    rows.push({ what: `${what}, forward`, threads: t, value: flop / (fwd * 1e6), unit: 'GFLOP/s', library: 'simdgrad' });
    rows.push({ what: `${what}, forward + filter gradient`, threads: t, value: (2 * flop) / (both * 1e6), unit: 'GFLOP/s', library: 'simdgrad' });
  }
  dispose([x, f]);
  return rows;
}

/** LSTM, batch 32, 80 steps, 128 inputs, 128 units: forward and forward + backward, ms. */
export async function benchRnnRows(threads: number, budgetMs = 1500, batch = 32, steps = 80): Promise<BenchRow[]> {
  const [B, T, I, U] = [batch, steps, 128, 128];
  const layer = layers.lstm({ units: U });
  const x = randomUniform([B, T, I], -0.5, 0.5, 'float32', 1);
  (layer.apply(x) as Tensor).dispose(); // builds the weights
  const vars = layer.trainableWeights.map((w) => w.variable);
  const rows: BenchRow[] = [];
  for (const t of threadCounts(threads)) {
    await useThreads(t);
    const fwd = bestMs(() => (layer.apply(x) as Tensor).dispose(), budgetMs);
    const train = bestMs(() => {
      const { value, grads } = variableGrads(() => sum(layer.apply(x) as Tensor), vars);
      dispose([value, ...Object.values(grads)]);
    }, budgetMs);
    rows.push({ what: `LSTM B${B} T${T} I${I} U${U}, forward`, threads: t, value: fwd, unit: 'ms', library: 'simdgrad' });
    rows.push({ what: `LSTM B${B} T${T} I${I} U${U}, forward + backward`, threads: t, value: train, unit: 'ms', library: 'simdgrad' });
  }
  x.dispose();
  layer.dispose();
  return rows;
}

/** Deterministic inputs in [0, 1) and one-hot labels (speed does not depend on the values). */
function data(n: number, features: number, classes: number): { x: Tensor; y: Tensor } {
  const xv = new Float32Array(n * features).map((_, i) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1);
  const yv = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) yv[i * classes + (i % classes)] = 1;
  return { x: tensor(xv, [n, features]), y: tensor(yv, [n, classes]) };
}

/** Training throughput of the Keras walk-through MLP (784-256-128-10, RMSprop, batch 128) and mnist_cnn (Adadelta, batch 128), samples/s. */
export async function benchTrainRows(threads: number, opts: { mlpSamples?: number; cnnSamples?: number } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const mlpN = opts.mlpSamples ?? 6400;
  const cnnN = opts.cnnSamples ?? 1280;
  for (const t of threadCounts(threads)) {
    await useThreads(t);
    // The walk-through MLP, compiled as the keras R announcement does.
    const mlp = sequential();
    mlp.add(layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
    mlp.add(layers.dropout({ rate: 0.4 }));
    mlp.add(layers.dense({ units: 128, activation: 'relu' }));
    mlp.add(layers.dropout({ rate: 0.3 }));
    mlp.add(layers.dense({ units: 10, activation: 'softmax' }));
    mlp.compile({ loss: 'categoricalCrossentropy', optimizer: optimizers.rmsprop(), metrics: ['accuracy'] });
    const d = data(mlpN, 784, 10);
    rows.push({ what: 'walk-through MLP training, batch 128', threads: t, value: await samplesPerSecond(mlp, d.x, d.y, mlpN), unit: 'samples/s', library: 'simdgrad' });
    dispose([d.x, d.y]);
    mlp.dispose();
    // Keras' mnist_cnn.
    const cnn = sequential();
    cnn.add(layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
    cnn.add(layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
    cnn.add(layers.maxPooling2d({ poolSize: 2 }));
    cnn.add(layers.dropout({ rate: 0.25 }));
    cnn.add(layers.flatten());
    cnn.add(layers.dense({ units: 128, activation: 'relu' }));
    cnn.add(layers.dropout({ rate: 0.5 }));
    cnn.add(layers.dense({ units: 10, activation: 'softmax' }));
    cnn.compile({ loss: 'categoricalCrossentropy', optimizer: optimizers.adadelta({ learningRate: 1.0 }), metrics: ['accuracy'] });
    const c = data(cnnN, 784, 10);
    const cx = c.x.reshape([cnnN, 28, 28, 1]);
    rows.push({ what: 'mnist_cnn training, batch 128', threads: t, value: await samplesPerSecond(cnn, cx, c.y, cnnN), unit: 'samples/s', library: 'simdgrad' });
    dispose([c.x, cx, c.y]);
    cnn.dispose();
  }
  return rows;
}

/** One warm-up epoch, then the best of two timed epochs. */
async function samplesPerSecond(model: ReturnType<typeof sequential>, x: Tensor, y: Tensor, n: number): Promise<number> {
  await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
  let best = 0;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}

/** Rows as an aligned text table (library, what, threads, value unit). */
export function formatRows(rows: BenchRow[]): string {
  const cells = rows.map((r) => [
    r.library,
    r.what,
    String(r.threads),
    r.value >= 100 ? r.value.toFixed(0) : r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2),
    r.unit,
  ]);
  const head = ['library', 'benchmark', 'threads', 'value', 'unit'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 1 || i === 0 || i === 4 ? v.padEnd(w[i]) : v.padStart(w[i]))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...cells.map(line)].join('\n');
}

/**
 * Runs one bench kind with simdgrad alone (peers are the caller's business) and returns its rows.
 * `native` is the training and LSTM workloads of `npm run bench -- native`: train + rnn here.
 */
export async function runBenchKind(kind: BenchKind, threads: number, sizes: number[] = [], quick = false): Promise<BenchRow[]> {
  const before = getThreads();
  // quick: small workloads and short timings, to see that everything runs (the figures mean little)
  const ms = quick ? 20 : undefined;
  const train = quick ? { mlpSamples: 256, cnnSamples: 128 } : {};
  try {
    if (kind === 'gemm') return await benchGemmRows(sizes.length ? sizes : quick ? [64, 128] : [256, 512, 1024], threads, ms);
    if (kind === 'conv') return await benchConvRows(threads, ms, quick ? 2 : 32);
    if (kind === 'rnn') return await benchRnnRows(threads, ms, quick ? 4 : 32, quick ? 8 : 80);
    if (kind === 'train') return await benchTrainRows(threads, train);
    return [...(await benchTrainRows(threads, train)), ...(await benchRnnRows(threads, ms, quick ? 4 : 32, quick ? 8 : 80))];
  } finally {
    setThreads(before);
  }
}
