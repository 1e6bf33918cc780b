// `npm run bench -- train --model cnn`: trains Keras' mnist_cnn model (conv 32, conv 64, max
// pool, dropout, dense 128, dropout, dense 10; adadelta lr 1.0, batch 128) with simdgrad and with
// tfjs-layers on its wasm backend in the same process, and prints training samples per second.
//
// tfjs-backend-wasm 4.22 registers no Conv2DBackpropFilter kernel, so tfjs cannot train a conv
// net on wasm at all. The bench (only) patches one in: a JS loop (see patchBackpropFilter).
import * as sg from '../src/index.js';
import { convLayers } from '../src/layers/convolutional/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults } from './harness.js';

const BATCH = 128;

function data(n: number): { x: Float32Array; y: Float32Array } {
  // Synthetic but learnable (speed does not depend on the values; both libraries get the same arrays).
  const x = new Float32Array(n * 784).map((_, i) => (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + (Math.floor(x[i * 784 + 300] * 10) % 10)] = 1;
  return { x, y };
}

async function simdgrad(x: Float32Array, y: Float32Array, n: number, epochs: number): Promise<number> {
  await sg.setBackend('wasm');
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
 * Registers a Conv2DBackpropFilter kernel for tfjs' wasm backend (bench only): a plain JS loop,
 * innermost over output channels (contiguous in dy and df). Why not tfjs-cpu's own kernel: it
 * ran at ~0.2 GFLOP/s here, a JS loop written for the layout at ~1.5, closer to what a user
 * patching tfjs would write. 2-d, NHWC, no dilation (what mnist_cnn needs).
 */
function patchBackpropFilter(tf: Tf): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      type Info = { dataId: object; shape: number[]; dtype: string };
      const wasm = backend as unknown as {
        readSync(id: object): Float32Array;
        makeOutput(shape: number[], dtype: string): Info;
        typedArrayFromHeap(t: Info): Float32Array;
      };
      const { x, dy } = inputs as unknown as Record<string, Info>;
      const a = attrs as unknown as { strides: number | number[]; pad: string; filterShape: number[] };
      const [KH, KW, C, CO] = a.filterShape;
      const [N, H, W] = x.shape;
      const [, OH, OW] = dy.shape;
      const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const pt = a.pad === 'same' ? Math.floor(Math.max(0, (OH - 1) * sh + KH - H) / 2) : 0;
      const pl = a.pad === 'same' ? Math.floor(Math.max(0, (OW - 1) * sw + KW - W) / 2) : 0;
      const xv = wasm.readSync(x.dataId);
      const dv = wasm.readSync(dy.dataId);
      const df = new Float32Array(KH * KW * C * CO);
      for (let n = 0; n < N; n++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const d0 = ((n * OH + oh) * OW + ow) * CO;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * sh - pt + kh;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * sw - pl + kw;
                if (iw < 0 || iw >= W) continue;
                const x0 = ((n * H + ih) * W + iw) * C;
                const f0 = (kh * KW + kw) * C;
                for (let c = 0; c < C; c++) {
                  const v = xv[x0 + c];
                  const fb = (f0 + c) * CO;
                  for (let co = 0; co < CO; co++) df[fb + co] += v * dv[d0 + co];
                }
              }
            }
          }
      const out = wasm.makeOutput(a.filterShape, 'float32');
      wasm.typedArrayFromHeap(out).set(df);
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
  // One thread, as tfjs-wasm in Node (setThreads comes with the thread pool, src/threads.ts).
  const threadsModule = '../src/threads.js';
  const { setThreads } = (await import(threadsModule).catch(() => ({}))) as { setThreads?: (n: number) => void };
  setThreads?.(1);
  const ours = await simdgrad(x, y, n, 5);
  const theirs = await tfjsLayers(x, y, n, 1);
  console.log(`\nTraining Keras' mnist_cnn (conv32-conv64-maxpool-dense128-dense10, adadelta, batch ${BATCH}), 1 thread`);
  printTable(
    ['library', 'samples/s', 'ratio'],
    [
      ['simdgrad wasm', ours, `${(ours / theirs).toFixed(2)}x`],
      ['tfjs-layers wasm (+JS filter grad)', theirs, '1.00x'],
    ],
  );
  console.log(`results: ${saveResults('train-cnn', { samples: n, batch: BATCH, simdgrad: ours, tfjsLayersWasm: theirs, ratio: ours / theirs })}`);
}
