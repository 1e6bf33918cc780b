// `npm run bench -- conv`: GFLOP/s of conv2d forward, input gradient and filter gradient on the
// two mnist_cnn layer shapes, simdgrad (wasm backend, 1 thread, and 2 threads where the
// backend offers setThreads) against tfjs-core's wasm backend (XNNPACK) in the same process.
// tfjs-wasm registers no Conv2DBackpropFilter kernel, so its filter gradient is reported missing.
//
// FLOPs counted: 2 * N * OH * OW * KH * KW * C * CO for each of the three (the same products),
// also where a kernel does fewer: Winograd F(4x4, 3x3) (3x3 stride-1 convolutions with channel
// counts multiples of 4, e.g. the second layer, all three passes) multiplies 4x less, so its
// GFLOP/s are "direct-convolution equivalent", which is what a user's time per call reflects.
// Optional args: `--tune` also sweeps the im2col chunk size (convTuning) for the forward;
// `--compare` first measures the first layer through im2col + GEMM and through the small-K
// kernels (assembly/conv.ts, smallKMax) on one thread.
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { conv2d } from '../src/ops/conv2d.js';
import { convTuning, type ConvExports } from '../src/backends/wasm/kernels/conv.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults, time } from './harness.js';

interface Shape {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
}

export const CONV_SHAPES: Shape[] = [
  { name: 'conv1 [128,28,28,1] * 3x3x1x32', x: [128, 28, 28, 1], f: [3, 3, 1, 32] },
  { name: 'conv2 [128,26,26,32] * 3x3x32x64', x: [128, 26, 26, 32], f: [3, 3, 32, 64] },
];

const fill = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5);
const size = (s: number[]) => s.reduce((a, c) => a * c, 1);

function outShape(s: Shape): [number, number, number, number] {
  return [s.x[0], s.x[1] - s.f[0] + 1, s.x[2] - s.f[1] + 1, s.f[3]];
}

function flops(s: Shape): number {
  const y = outShape(s);
  return 2 * size(y) * s.f[0] * s.f[1] * s.f[2];
}

type Pass = 'forward' | 'input grad' | 'filter grad';
const PASSES: Pass[] = ['forward', 'input grad', 'filter grad'];

/** Seconds per call of each pass for simdgrad on the current thread count. */
function simdgradTimes(s: Shape): Record<Pass, number> {
  const y = outShape(s);
  const x = sg.tensor(fill(size(s.x), 1), s.x);
  const f = sg.tensor(fill(size(s.f), 2), s.f);
  const dy = sg.tensor(fill(size(y), 3), y);
  // The kernels as the gradient runs them: 3-d views with unit depth.
  const x5 = sg.reshape(x, [s.x[0], 1, s.x[1], s.x[2], s.x[3]]);
  const f5 = sg.reshape(f, [1, ...s.f]);
  const dy5 = sg.reshape(dy, [y[0], 1, y[1], y[2], y[3]]);
  const attrs = { strides: [1, 1, 1], dilations: [1, 1, 1], pads: [0, 0, 0], out: [1, y[1], y[2]] };
  const run = (name: string, ins: sg.Tensor[], extra: Record<string, unknown> = {}) => () =>
    ENGINE.runKernel(name, ins, { ...attrs, ...extra })[0].dispose();
  const res = {
    forward: time('fwd', () => conv2d(x, f, 1, 'valid').dispose()).median,
    'input grad': time('dx', run('ConvBackpropInput', [dy5, f5], { inShape: x5.shape })).median,
    'filter grad': time('df', run('ConvBackpropFilter', [x5, dy5], { filterShape: f5.shape })).median,
  };
  sg.dispose([x, f, dy, x5, f5, dy5]);
  return res;
}

async function tfjsTimes(s: Shape): Promise<Record<Pass, number>> {
  const tf = await loadTfjs('wasm');
  const y = outShape(s);
  const x = tf.tensor4d(fill(size(s.x), 1), s.x);
  const f = tf.tensor4d(fill(size(s.f), 2), s.f);
  const dy = tf.tensor4d(fill(size(y), 3), y);
  const res = {
    forward: time('tf fwd', () => tf.conv2d(x, f, 1, 'valid').dispose()).median,
    // conv2dTranspose runs the Conv2DBackpropInput kernel: the input gradient.
    'input grad': time('tf dx', () => tf.conv2dTranspose(dy, f, s.x, 1, 'valid').dispose()).median,
    'filter grad': NaN,
  };
  try {
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: s.f });
  } catch {
    // missing on tfjs-wasm 4.22 (reported as '-')
  }
  tf.dispose([x, f, dy]);
  return res;
}

type Setter = (n: number) => void | Promise<unknown>;

export async function benchConv(args: string[]): Promise<void> {
  await sg.setBackend('wasm');
  // setThreads comes with the thread pool (src/threads.ts); a variable path keeps this file
  // compiling in a build without it.
  const threadsModule = '../src/threads.js';
  const setThreads =
    (sg as unknown as { setThreads?: Setter }).setThreads ??
    ((await import(threadsModule).catch(() => ({}))) as { setThreads?: Setter }).setThreads;
  if (args.includes('--tune')) {
    for (const kb of [32, 64, 128, 192, 256, 512, 1024]) {
      convTuning.colBytes = kb * 1024;
      const t = simdgradTimes(CONV_SHAPES[1]);
      console.log(`colBytes ${kb} KiB: forward ${(flops(CONV_SHAPES[1]) / t.forward / 1e9).toFixed(1)} GFLOP/s, input grad ${(flops(CONV_SHAPES[1]) / t['input grad'] / 1e9).toFixed(1)}`);
    }
    convTuning.colBytes = 192 * 1024;
  }
  if (args.includes('--compare')) {
    // The small-K kernels (direct forward and filter gradient, transposed input gradient)
    // against im2col + GEMM on the first layer, one thread (the switch is per module instance).
    if (setThreads) await setThreads(1);
    const w = (ENGINE.backend as unknown as { wasm: ConvExports }).wasm;
    const s = CONV_SHAPES[0];
    const old = w.convSmallKMax(0);
    const gemm = simdgradTimes(s);
    w.convSmallKMax(old);
    const small = simdgradTimes(s);
    console.log(`\n${s.name}, 1 thread, GFLOP/s: im2col + GEMM vs the small-K kernels (K = 9)`);
    printTable(
      ['pass', 'im2col + GEMM', 'small-K', 'ratio'],
      PASSES.map((p) => [p, flops(s) / gemm[p] / 1e9, flops(s) / small[p] / 1e9, `${(gemm[p] / small[p]).toFixed(2)}x`]),
    );
    // Winograd F(4x4, 3x3) against im2col + GEMM on the second layer.
    const s2 = CONV_SHAPES[1];
    convTuning.winograd = false;
    const plain = simdgradTimes(s2);
    convTuning.winograd = true;
    const wino = simdgradTimes(s2);
    console.log(`\n${s2.name}, 1 thread, GFLOP/s (direct-convolution FLOPs): im2col + GEMM vs Winograd F(4x4, 3x3)`);
    printTable(
      ['pass', 'im2col + GEMM', 'Winograd', 'ratio'],
      PASSES.map((p) => [p, flops(s2) / plain[p] / 1e9, flops(s2) / wino[p] / 1e9, `${(plain[p] / wino[p]).toFixed(2)}x`]),
    );
  }
  const rows: (string | number)[][] = [];
  const results: unknown[] = [];
  for (const s of CONV_SHAPES) {
    if (setThreads) await setThreads(1);
    const one = simdgradTimes(s);
    let two: Record<Pass, number> | null = null;
    if (setThreads) {
      await setThreads(2);
      two = simdgradTimes(s);
      await setThreads(1);
    }
    if (setThreads) await setThreads(1); // quiet workers while tfjs runs
    const peer = await tfjsTimes(s);
    await sg.setBackend('wasm');
    const gf = (t: number) => flops(s) / t / 1e9;
    for (const p of PASSES) {
      const ours = gf(one[p]);
      const ours2 = two ? gf(two[p]) : NaN;
      const theirs = gf(peer[p]);
      const theirsDx = gf(peer['input grad']);
      rows.push([
        s.name,
        p,
        ours,
        ours2,
        theirs,
        Number.isFinite(theirs) ? `${(ours / theirs).toFixed(2)}x` : 'missing',
        p === 'forward' ? '' : `${(ours / theirsDx).toFixed(1)}x`,
      ]);
      results.push({ shape: s.name, pass: p, simdgrad1: ours, simdgrad2: two ? ours2 : null, tfjsWasm: Number.isFinite(theirs) ? theirs : null });
    }
  }
  console.log('\nconv2d on the mnist_cnn shapes, GFLOP/s (valid padding, stride 1)');
  printTable(
    ['shape', 'pass', 'simdgrad 1t', 'simdgrad 2t', 'tfjs-wasm', 'ratio', 'vs tfjs dx'],
    rows,
  );
  if (!setThreads) console.log('(2 threads: no setThreads in this build yet)');

  // Depthwise 3x3 (MobileNet's block shape): forward and both gradients; the js oracle's
  // loops (what the wasm backend ran before it had these kernels) for reference.
  const dwRows: (string | number)[][] = [];
  const dwX: [number, number, number, number] = [16, 56, 56, 64];
  const dwF: [number, number, number, number] = [3, 3, 64, 1];
  const dwFlops = 2 * dwX[0] * dwX[1] * dwX[2] * dwX[3] * 9;
  const dwTimes = (): Record<Pass, number> => {
    const x = sg.tensor(fill(size(dwX), 1), dwX);
    const f = sg.tensor(fill(size(dwF), 2), dwF);
    const dy = sg.tensor(fill(size(dwX), 3), dwX);
    const attrs = { strides: [1, 1], dilations: [1, 1], pads: [1, 1], out: [dwX[1], dwX[2]] };
    const res = {
      forward: time('dw', () => ENGINE.runKernel('DepthwiseConv', [x, f], attrs)[0].dispose()).median,
      'input grad': time('dw dx', () => ENGINE.runKernel('DepthwiseConvBackpropInput', [dy, f], { ...attrs, inShape: dwX })[0].dispose()).median,
      'filter grad': time('dw df', () => ENGINE.runKernel('DepthwiseConvBackpropFilter', [x, dy], { ...attrs, filterShape: dwF })[0].dispose()).median,
    };
    sg.dispose([x, f, dy]);
    return res;
  };
  if (setThreads) await setThreads(1);
  const dw1 = dwTimes();
  let dw2: Record<Pass, number> | null = null;
  if (setThreads) {
    await setThreads(2);
    dw2 = dwTimes();
    await setThreads(1);
  }
  await sg.setBackend('js');
  const dwJs = dwTimes();
  const tf = await loadTfjs('wasm');
  const tx = tf.tensor4d(fill(size(dwX), 1), dwX);
  const tfw = tf.tensor4d(fill(size(dwF), 2), dwF);
  const dwTf = time('tf dw', () => tf.depthwiseConv2d(tx, tfw, 1, 'same').dispose()).median;
  tf.dispose([tx, tfw]);
  await sg.setBackend('wasm');
  for (const p of PASSES) {
    const gf = (t: number) => dwFlops / t / 1e9;
    const theirs = p === 'forward' ? gf(dwTf) : NaN;
    dwRows.push([p, gf(dw1[p]), dw2 ? gf(dw2[p]) : NaN, gf(dwJs[p]), theirs, Number.isFinite(theirs) ? `${(dwTf / dw1[p]).toFixed(2)}x` : '-']);
    results.push({ shape: `depthwise [${dwX}] * [${dwF}] same`, pass: p, simdgrad1: gf(dw1[p]), simdgrad2: dw2 ? gf(dw2[p]) : null, simdgradJs: gf(dwJs[p]), tfjsWasm: Number.isFinite(theirs) ? theirs : null });
  }
  console.log(`\ndepthwiseConv2d [${dwX}] * 3x3x64x1, same, GFLOP/s (tfjs-wasm: forward only; its gradients run tfjs' own composites)`);
  printTable(['pass', 'simdgrad 1t', 'simdgrad 2t', 'simdgrad js', 'tfjs-wasm', 'ratio'], dwRows);
  console.log(`results: ${saveResults('conv', results)}`);
}
