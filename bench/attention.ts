// `npm run bench -- attention`: multiHeadAttention self-attention at batch 32, 128 tokens, 4 heads,
// key dim 32 (model dim 128). Forward (inference) and forward+backward (gradients of sum(output)
// with respect to every weight) in ms, simdgrad's layer (wasm backend, composed from matMul,
// transpose and softmax; no fused attention kernel yet) against the same computation composed
// from tfjs-core ops on tfjs' wasm backend (tfjs-layers exports no MultiHeadAttention), in the
// same process, with ratios.
import * as sg from '../src/index.js';
import { fmtNum, printTable, saveResults, time } from './harness.js';
import { loadTfjs } from './tfjs-peer.js';

const [BATCH, TOKENS, HEADS, KEY_DIM] = [32, 128, 4, 32];
const D = HEADS * KEY_DIM;

interface Row {
  forwardMs: number;
  trainMs: number;
}

const input = () => Float32Array.from({ length: BATCH * TOKENS * D }, (_, i) => Math.sin(i * 0.37) * 0.5);

function simdgradRow(xv: Float32Array): Row {
  const layer = sg.layers.multiHeadAttention({ numHeads: HEADS, keyDim: KEY_DIM });
  const x = sg.tensor(xv, [BATCH, TOKENS, D]);
  (layer.apply([x, x]) as sg.Tensor).dispose(); // builds
  const vars = layer.trainableVariables;
  const fwd = time('simdgrad mha forward', () => {
    const y = layer.apply([x, x]) as sg.Tensor;
    y.dataSync();
    y.dispose();
  });
  const train = time('simdgrad mha forward+backward', () => {
    const { value, grads } = sg.variableGrads(() => sg.sum(layer.apply([x, x]) as sg.Tensor), vars);
    for (const g of Object.values(grads)) g.dataSync();
    sg.dispose([value, ...Object.values(grads)]);
  });
  x.dispose();
  layer.dispose();
  return { forwardMs: fwd.median * 1000, trainMs: train.median * 1000 };
}

async function tfjsRow(xv: Float32Array): Promise<Row> {
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
  const fwd = time('tfjs mha forward', () => {
    const y = tf.tidy(mha);
    y.dataSync();
    y.dispose();
  });
  const train = time('tfjs mha forward+backward', () => {
    const { value, grads } = tf.variableGrads(() => tf.sum(mha()) as import('@tensorflow/tfjs-core').Scalar, vars);
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([x, ...vars]);
  return { forwardMs: fwd.median * 1000, trainMs: train.median * 1000 };
}

/**
 * Runs the attention benchmark and prints one table.
 * @example await benchAttention([]); // npm run bench -- attention
 */
export async function benchAttention(_args: string[]): Promise<void> {
  await sg.setBackend('wasm');
  const xv = input();
  const ours = simdgradRow(xv);
  const peer = await tfjsRow(xv);
  await sg.setBackend('wasm');
  console.log(
    `\nmultiHeadAttention self-attention, batch ${BATCH}, ${TOKENS} tokens, ${HEADS} heads, key dim ${KEY_DIM} (ms per call, median)`,
  );
  const ratio = (a: number, b: number) => `${(b / a).toFixed(2)}x`;
  printTable(
    ['', 'forward', 'forward+backward', 'speed-up fwd', 'speed-up fwd+bwd'],
    [
      [
        'simdgrad wasm (composed ops)',
        fmtNum(ours.forwardMs),
        fmtNum(ours.trainMs),
        ratio(ours.forwardMs, peer.forwardMs),
        ratio(ours.trainMs, peer.trainMs),
      ],
      ['tfjs wasm (tfjs-core composite)', fmtNum(peer.forwardMs), fmtNum(peer.trainMs), '1x', '1x'],
    ],
  );
  const file = saveResults('attention', {
    batch: BATCH,
    tokens: TOKENS,
    heads: HEADS,
    keyDim: KEY_DIM,
    simdgrad: ours,
    tfjs: peer,
  });
  console.log(`results: ${file}`);
}
