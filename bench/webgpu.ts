// `npm run bench -- webgpu [--sizes 1024,2048,4096] [--conv 8,56,56,64,64] [--train-samples 1280]
// [--timeout 300] [--only gemm|conv|train]`: simdgrad's webgpu backend against
// @tensorflow/tfjs-backend-webgpu, side by side on the same adapter in Node (Dawn, the `webgpu`
// package; tfjs-webgpu gets the same Dawn through navigator.gpu). Items: float32 GEMM n x n x n
// (GFLOP/s), conv2d 3x3 'same' NHWC (GFLOP/s), and walk-through MLP training steps (784-256-128-10,
// dropout, rmsprop, batch 128; samples/s). Each measurement runs in its own child process, so a
// driver crash or a timeout costs one row, not the table; the rows also compare the two libraries'
// outputs (max relative difference over a sample of the GEMM / conv results).
//
// On SwiftShader (Chromium's CPU Vulkan, the only adapter on a machine without a GPU) the figures
// measure a CPU emulation: correctness only. Also, Dawn on SwiftShader in these containers aborts
// the process (glibc futex/mutex assertions) when one dispatch runs for more than a few hundred
// milliseconds while Node polls for the result; the child processes record that as 'crashed'.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { printTable, saveResults } from './harness.js';

const CHROMIUM = '/usr/lib/chromium';
const CHILD = 'SG_BENCH_WEBGPU_CHILD';

interface Item {
  what: 'gemm' | 'conv' | 'train';
  lib: 'simdgrad' | 'tfjs';
  /** n for gemm; [N, H, W, C, CO] for conv; samples for train. */
  size: number[];
}

interface Measured {
  ok: boolean;
  adapter?: string;
  seconds?: number;
  gflops?: number;
  samplesPerSec?: number;
  sample?: number[];
  error?: string;
}

/** Deterministic inputs shared by both libraries. */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((((Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453) % 1) + 1) % 1) - 0.5;
  return a;
}

/** Every 997th value (at most 512), to compare the libraries' results. */
function sampleOf(v: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length && out.length < 512; i += 997) out.push(v[i]);
  return out;
}

const gemmFlops = (n: number) => 2 * n * n * n;
const convFlops = ([N, H, W, C, CO]: number[]) => 2 * N * H * W * CO * 9 * C;

/** Installs Dawn as navigator.gpu (tfjs-webgpu looks there) and returns the adapter's name. */
async function installDawn(): Promise<void> {
  const pkg = 'webgpu';
  const { create, globals } = (await import(pkg)) as { create(o: string[]): GPU; globals: Record<string, unknown> };
  for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
}

/** Repeats `step` until `minSeconds` have passed (at least `minReps` times); seconds per call. */
async function timeAsync(step: () => Promise<void>, minReps = 2, minSeconds = 1): Promise<number> {
  let reps = 0;
  const t0 = performance.now();
  while (reps < minReps || performance.now() - t0 < minSeconds * 1000) {
    await step();
    reps++;
  }
  return (performance.now() - t0) / 1000 / reps;
}

async function runSimdgrad(item: Item): Promise<Measured> {
  const sg = await import('../src/index.js');
  await sg.setBackend('webgpu');
  const adapter = sg.webgpu.adapter();
  if (item.what === 'gemm') {
    const [n] = item.size;
    const a = sg.tensor(values(n * n, 1), [n, n]);
    const b = sg.tensor(values(n * n, 2), [n, n]);
    const first = sg.matMul(a, b);
    const sample = sampleOf(await first.data());
    first.dispose();
    const seconds = await timeAsync(async () => {
      const y = sg.matMul(a, b);
      await sg.webgpu.sync();
      y.dispose();
    });
    return { ok: true, adapter, seconds, gflops: gemmFlops(n) / seconds / 1e9, sample };
  }
  if (item.what === 'conv') {
    const [N, H, W, C, CO] = item.size;
    const x = sg.tensor(values(N * H * W * C, 3), [N, H, W, C]);
    const f = sg.tensor(values(9 * C * CO, 4), [3, 3, C, CO]);
    const first = sg.conv2d(x, f, 1, 'same');
    const sample = sampleOf(await first.data());
    first.dispose();
    const seconds = await timeAsync(async () => {
      const y = sg.conv2d(x, f, 1, 'same');
      await sg.webgpu.sync();
      y.dispose();
    });
    return { ok: true, adapter, seconds, gflops: convFlops(item.size) / seconds / 1e9, sample };
  }
  const [samples] = item.size;
  const { walkthroughMlp, data } = await import('./train.js');
  const { x, y } = data();
  const model = walkthroughMlp();
  const xt = sg.tensor(x.subarray(0, samples * 784), [samples, 784]);
  const yt = sg.tensor(y.subarray(0, samples * 10), [samples, 10]);
  await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 }); // warm-up: pipelines
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  return { ok: true, adapter, seconds, samplesPerSec: samples / seconds, error: fallbackNote(sg.webgpu.fallbacks()) };
}

function fallbackNote(fb: Record<string, number>): string | undefined {
  const keys = Object.keys(fb);
  return keys.length ? `wasm fallbacks: ${keys.map((k) => `${k} x${fb[k]}`).join(', ')}` : undefined;
}

async function runTfjs(item: Item): Promise<Measured> {
  await installDawn();
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.enableProdMode();
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not initialise');
  await tf.ready();
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } };
  const adapter = backend.adapterInfo ? `${backend.adapterInfo.vendor ?? ''} ${backend.adapterInfo.architecture ?? ''}`.trim() : 'webgpu';
  if (item.what === 'gemm') {
    const [n] = item.size;
    const a = tf.tensor2d(values(n * n, 1), [n, n]);
    const b = tf.tensor2d(values(n * n, 2), [n, n]);
    const first = tf.matMul(a, b);
    const sample = sampleOf(await first.data());
    first.dispose();
    const seconds = await timeAsync(async () => {
      const y = tf.matMul(a, b);
      await y.data(); // tfjs has no separate sync: a read waits for the queue
      y.dispose();
    });
    return { ok: true, adapter, seconds, gflops: gemmFlops(n) / seconds / 1e9, sample };
  }
  if (item.what === 'conv') {
    const [N, H, W, C, CO] = item.size;
    const x = tf.tensor4d(values(N * H * W * C, 3), [N, H, W, C]);
    const f = tf.tensor4d(values(9 * C * CO, 4), [3, 3, C, CO]);
    const first = tf.conv2d(x, f, 1, 'same');
    const sample = sampleOf(await first.data());
    first.dispose();
    const seconds = await timeAsync(async () => {
      const y = tf.conv2d(x, f, 1, 'same');
      await y.data();
      y.dispose();
    });
    return { ok: true, adapter, seconds, gflops: convFlops(item.size) / seconds / 1e9, sample };
  }
  const [samples] = item.size;
  const tfl = await import('@tensorflow/tfjs-layers');
  const { data } = await import('./train.js');
  const { x, y } = data();
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
  model.add(tfl.layers.dropout({ rate: 0.4 }));
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: 0.3 }));
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.rmsprop(0.001), metrics: ['accuracy'] });
  const xt = tf.tensor2d(x.subarray(0, samples * 784), [samples, 784]);
  const yt = tf.tensor2d(y.subarray(0, samples * 10), [samples, 10]);
  await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs: 1, batchSize: 128, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  return { ok: true, adapter, seconds, samplesPerSec: samples / seconds };
}

/** The child: measures one item and prints it as a RESULT line. */
async function child(): Promise<void> {
  const item = JSON.parse(process.env[CHILD]!) as Item;
  let res: Measured;
  try {
    res = item.lib === 'simdgrad' ? await runSimdgrad(item) : await runTfjs(item);
  } catch (e) {
    res = { ok: false, error: (e as Error).message.split('\n')[0] };
  }
  console.log(`RESULT ${JSON.stringify(res)}`);
  process.exit(0);
}

/**
 * Runs one item in a child process; never throws. When Dawn finds no adapter with the system's
 * Vulkan drivers (none installed, or one Dawn rejects, such as Debian 12's lavapipe), the item is
 * retried on Chromium's SwiftShader (its Vulkan loader and ICD).
 */
async function measure(item: Item, timeoutS: number): Promise<Measured> {
  const first = await measureIn(item, timeoutS, {});
  const noAdapter = !first.ok && /no WebGPU adapter|did not initialise|adapter/i.test(first.error ?? '');
  if (!noAdapter || process.env.VK_ICD_FILENAMES || !existsSync(`${CHROMIUM}/vk_swiftshader_icd.json`)) return first;
  return measureIn(item, timeoutS, {
    LD_LIBRARY_PATH: [CHROMIUM, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    VK_ICD_FILENAMES: `${CHROMIUM}/vk_swiftshader_icd.json`,
  });
}

function measureIn(item: Item, timeoutS: number, extra: Record<string, string>): Promise<Measured> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra, [CHILD]: JSON.stringify(item) };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve(JSON.parse(line.slice(7)) as Measured);
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutS} s` : `crashed (exit ${code ?? signal})`;
      const last = err.split('\n').filter((l) => l.trim() && !l.includes('XDG_RUNTIME_DIR') && !l.startsWith('npm warn')).pop();
      resolve({ ok: false, error: `${why}${last ? `: ${last.trim().slice(0, 160)}` : ''}` });
    });
  });
}

/** Max relative difference between two result samples. */
function maxRel(a?: number[], b?: number[]): number | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `npm run bench -- webgpu`: see the header. */
export async function benchWebgpu(args: string[]): Promise<void> {
  if (process.env[CHILD]) return child();
  const sizes = (arg(args, '--sizes') ?? '1024,2048,4096').split(',').map(Number);
  const conv = (arg(args, '--conv') ?? '8,56,56,64,64').split(',').map(Number);
  const trainSamples = Number(arg(args, '--train-samples') ?? 1280);
  const timeoutS = Number(arg(args, '--timeout') ?? 300);
  const only = arg(args, '--only');
  const items: Item[][] = [];
  if (!only || only === 'gemm') for (const n of sizes) items.push([{ what: 'gemm', lib: 'simdgrad', size: [n] }, { what: 'gemm', lib: 'tfjs', size: [n] }]);
  if (!only || only === 'conv') items.push([{ what: 'conv', lib: 'simdgrad', size: conv }, { what: 'conv', lib: 'tfjs', size: conv }]);
  if (!only || only === 'train') items.push([{ what: 'train', lib: 'simdgrad', size: [trainSamples] }, { what: 'train', lib: 'tfjs', size: [trainSamples] }]);
  const rows: (string | number)[][] = [];
  const results: unknown[] = [];
  let adapter = '';
  for (const [mine, theirs] of items) {
    const a = await measure(mine, timeoutS);
    const b = await measure(theirs, timeoutS);
    adapter ||= a.adapter ?? b.adapter ?? '';
    const label = mine.what === 'gemm' ? `GEMM n=${mine.size[0]}` : mine.what === 'conv' ? `conv2d 3x3 same [${conv}]` : `MLP training, ${trainSamples} samples`;
    const unit = mine.what === 'train' ? 'samples/s' : 'GFLOP/s';
    const va = mine.what === 'train' ? a.samplesPerSec : a.gflops;
    const vb = theirs.what === 'train' ? b.samplesPerSec : b.gflops;
    const diff = maxRel(a.sample, b.sample);
    rows.push([
      label,
      unit,
      a.ok ? va! : `- (${a.error})`,
      b.ok ? vb! : `- (${b.error})`,
      a.ok && b.ok ? `${(va! / vb!).toFixed(2)}x` : '-',
      diff === undefined ? '-' : diff.toExponential(1),
    ]);
    results.push({ item: label, unit, simdgrad: a, tfjsWebgpu: b, ratio: a.ok && b.ok ? va! / vb! : null, maxRelDiff: diff ?? null });
    const notes = [a.ok && a.error, !a.ok && `simdgrad: ${a.error}`, !b.ok && `tfjs: ${b.error}`].filter(Boolean);
    if (notes.length) console.log(`${label}: ${notes.join('; ')}`);
  }
  const swift = /swiftshader/i.test(adapter);
  console.log(`\nsimdgrad webgpu vs @tensorflow/tfjs-backend-webgpu, adapter: ${adapter || 'none'}${swift ? ' (CPU emulation: correctness only, not GPU speed)' : ''}`);
  for (const r of rows) for (let i = 2; i < 4; i++) if (typeof r[i] === 'string' && String(r[i]).length > 60) r[i] = `${String(r[i]).slice(0, 57)}...`;
  printTable(['item', 'unit', 'simdgrad webgpu', 'tfjs-webgpu', 'ratio', 'max rel diff'], rows);
  console.log(`results: ${saveResults('webgpu', { adapter, swiftshader: swift, timeoutS, results })}`);
}
