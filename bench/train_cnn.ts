// `npm run bench -- train --model cnn`: trains Keras' mnist_cnn model (conv 32, conv 64, max
// pool, dropout, dense 128, dropout, dense 10; adadelta lr 1.0, batch 128) with simdgrad and with
// tfjs-layers on its wasm backend in the same process, and prints training samples per second.
//
// tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel, so tfjs cannot train a conv
// net on wasm at all. The bench (only) patches one in: per-tap XNNPACK matMuls (see
// patchBackpropFilter). simdgrad runs on 1 thread and on 2 (its default here: one per core);
// tfjs-wasm has no threads in Node.
import * as sg from '../src/index.js';
import { convLayers } from '../src/layers/convolutional/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults } from './harness.js';

const BATCH = 128;

export function data(n: number): { x: Float32Array; y: Float32Array } {
  // Synthetic but learnable (speed does not depend on the values; both libraries get the same arrays).
  const x = new Float32Array(n * 784).map((_, i) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + (Math.floor(x[i * 784 + 300] * 10) % 10)] = 1;
  return { x, y };
}

/** Keras' mnist_cnn, compiled with Adadelta(1.0) as the original (also used by bench/native.ts). */
export function mnistCnn(): { model: sg.Sequential; opt: sg.Optimizer } {
  const L = { ...sg.layers, ...convLayers };
  const model = sg.sequential();
  model.add(L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.dropout({ rate: 0.25 }));
  model.add(L.flatten());
  model.add(L.dense({ units: 128, activation: 'relu' }));
  model.add(L.dropout({ rate: 0.5 }));
  model.add(L.dense({ units: 10, activation: 'softmax' }));
  const opt = sg.optimizers.adadelta({ learningRate: 1.0 });
  model.compile({ loss: 'categorical_crossentropy', optimizer: opt, metrics: ['accuracy'] });
  return { model, opt };
}

async function simdgrad(x: Float32Array, y: Float32Array, n: number, epochs: number): Promise<number> {
  await sg.setBackend('wasm');
  const { model, opt } = mnistCnn();
  const xt = sg.tensor(x, [n, 28, 28, 1]);
  const yt = sg.tensor(y, [n, 10]);
  const warm = [sg.slice(xt, 0, BATCH), sg.slice(yt, 0, BATCH)];
  await model.fit(warm[0], warm[1], { epochs: 1, batchSize: BATCH, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs, batchSize: BATCH, verbose: 0 });
  const sps = (n * epochs) / ((performance.now() - t0) / 1000);
  sg.dispose([xt, yt, ...warm]);
  opt.dispose();
  model.dispose();
  return sps;
}

type Tf = Awaited<ReturnType<typeof loadTfjs>>;

/**
 * Registers a Conv2DBackpropFilter kernel for tfjs' wasm backend (bench only), the strongest
 * simple patch we found: per filter tap (kh, kw), gather that tap's input values transposed,
 * xT [C, M] (M = N*OH*OW pixels, a JS loop), and let tfjs-wasm's own BatchMatMul kernel
 * (XNNPACK) compute df[kh, kw] = xT x dy [M, CO]. Measured on the second mnist_cnn layer it runs
 * at ~6 GFLOP/s, above tfjs-wasm's own input gradient (~4) that the issue's ~84 samples/s
 * assumes; an earlier plain JS loop ran at ~1.5 and made tfjs look 2.5x slower than this.
 * (tfjs-cpu's own kernel ran at ~0.2.) 2-d, NHWC, no dilation (what mnist_cnn needs).
 */
function patchBackpropFilter(tf: Tf): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('tfjs-wasm has no BatchMatMul kernel');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      type Info = { dataId: object; shape: number[]; dtype: string };
      const wasm = backend as unknown as {
        readSync(id: object): Float32Array;
        makeOutput(shape: number[], dtype: string): Info;
        typedArrayFromHeap(t: Info): Float32Array;
        disposeData(id: object): void;
      };
      const { x, dy } = inputs as unknown as Record<string, Info>;
      const a = attrs as unknown as { strides: number | number[]; pad: string; filterShape: number[] };
      const [KH, KW, C, CO] = a.filterShape;
      const [N, H, W] = x.shape;
      const [, OH, OW] = dy.shape;
      const M = N * OH * OW;
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const pt = a.pad === 'same' ? Math.floor(Math.max(0, (OH - 1) * sh + KH - H) / 2) : 0;
      const pl = a.pad === 'same' ? Math.floor(Math.max(0, (OW - 1) * sw + KW - W) / 2) : 0;
      const xv = wasm.readSync(x.dataId).slice();
      const dy3 = { ...dy, shape: [1, M, CO] };
      const out = wasm.makeOutput(a.filterShape, 'float32');
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          const xT = wasm.makeOutput([1, C, M], 'float32');
          const xt = wasm.typedArrayFromHeap(xT);
          for (let n = 0, p = 0; n < N; n++)
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sh - pt + kh;
              for (let ow = 0; ow < OW; ow++, p++) {
                const iw = ow * sw - pl + kw;
                const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
                const x0 = ((n * H + ih) * W + iw) * C;
                for (let c = 0; c < C; c++) xt[c * M + p] = inside ? xv[x0 + c] : 0;
              }
            }
          const r = matMul.kernelFunc({ inputs: { a: xT, b: dy3 } as never, backend, attrs: { transposeA: false, transposeB: false } as never }) as unknown as Info;
          // (views are taken after the kernels: a heap growth detaches the older ones)
          wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(r), (kh * KW + kw) * C * CO);
          wasm.disposeData(r.dataId);
          wasm.disposeData(xT.dataId);
        }
      return out as never;
    },
  });
}

async function tfjsLayers(x: Float32Array, y: Float32Array, n: number, epochs: number): Promise<number> {
  const tf = await loadTfjs('wasm');
  patchBackpropFilter(tf);
  const tfl = await import('@tensorflow/tfjs-layers');
  const model = tfl.sequential();
  model.add(tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.dropout({ rate: 0.25 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dropout({ rate: 0.5 }));
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.adadelta(1.0), metrics: ['accuracy'] });
  const xt = tf.tensor4d(x, [n, 28, 28, 1]);
  const yt = tf.tensor2d(y, [n, 10]);
  const warm = [tf.slice(xt, 0, BATCH), tf.slice(yt, 0, BATCH)];
  await model.fit(warm[0], warm[1], { epochs: 1, batchSize: BATCH, verbose: 0 });
  const t0 = performance.now();
  await model.fit(xt, yt, { epochs, batchSize: BATCH, verbose: 0 });
  const sps = (n * epochs) / ((performance.now() - t0) / 1000);
  tf.dispose([xt, yt, ...warm]);
  model.dispose();
  return sps;
}

/**
 * Samples/s of mnist_cnn training, simdgrad vs tfjs-layers on wasm. Args: `[samples]` (default
 * 640, 5 batches; simdgrad trains them 5 times over, tfjs once, so both runs take seconds).
 * @example await benchTrainCnn(['1280']);
 */
export async function benchTrainCnn(args: string[]): Promise<void> {
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 640);
  const { x, y } = data(n);
  const threadsModule = '../src/threads.js';
  const { setThreads } = (await import(threadsModule).catch(() => ({}))) as { setThreads?: (n: number) => void };
  setThreads?.(1);
  const ours = await simdgrad(x, y, n, 5);
  setThreads?.(2);
  const ours2 = setThreads ? await simdgrad(x, y, n, 5) : NaN;
  setThreads?.(1); // quiet workers while tfjs runs
  const theirs = await tfjsLayers(x, y, n, 1);
  console.log(`\nTraining Keras' mnist_cnn (conv32-conv64-maxpool-dense128-dense10, adadelta, batch ${BATCH})`);
  printTable(
    ['library', 'samples/s', 'ratio'],
    [
      ['simdgrad wasm, 1 thread', ours, `${(ours / theirs).toFixed(2)}x`],
      ['simdgrad wasm, 2 threads', ours2, `${(ours2 / theirs).toFixed(2)}x`],
      ['tfjs-layers wasm (+XNNPACK filter grad)', theirs, '1.00x'],
    ],
  );
  console.log(`results: ${saveResults('train-cnn', { samples: n, batch: BATCH, simdgrad1t: ours, simdgrad2t: ours2, tfjsLayersWasm: theirs, ratio1t: ours / theirs, ratio2t: ours2 / theirs })}`);
}
