// `npm run bench -- rnn`: LSTM and GRU layers (`rnn profile [threads] [steps]`: bench/rnn_profile.ts)
// at batch 32, 80 steps, 128 inputs, 128 units.
// Forward (inference, last output) and forward+backward (gradients of sum(output) with respect
// to every weight) in ms, for simdgrad (1 thread; 2 threads too when the thread pool's
// src/threads.ts exists) and tfjs-layers on its wasm backend, in the same process, with ratios.
// Both libraries get the same configuration: recurrentActivation 'sigmoid' (Keras 2/3), GRU
// with resetAfter false (the only GRU tfjs-layers has).
import { existsSync } from 'node:fs';
import * as sg from '../src/index.js';
import { fmtNum, printTable, saveResults, time } from './harness.js';
import { loadTfjs } from './tfjs-peer.js';
import { profileLstm } from './rnn_profile.js';

const [BATCH, STEPS, INPUTS, UNITS] = [32, 80, 128, 128];
type Kind = 'lstm' | 'gru';

interface Row {
  kind: Kind;
  forwardMs: number;
  trainMs: number;
}

function input(): Float32Array {
  const n = BATCH * STEPS * INPUTS;
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);
}

function simdgradRow(kind: Kind, xv: Float32Array): Row {
  const args = { units: UNITS, recurrentActivation: 'sigmoid', resetAfter: false };
  const layer = kind === 'lstm' ? sg.layers.lstm(args) : sg.layers.gru(args);
  const x = sg.tensor(xv, [BATCH, STEPS, INPUTS]);
  layer.apply(x).dispose(); // builds
  const vars = layer.trainableWeights.map((w) => w.variable);
  const fwd = time(`simdgrad ${kind} forward`, () => {
    const y = layer.apply(x) as sg.Tensor;
    y.dataSync();
    y.dispose();
  });
  const train = time(`simdgrad ${kind} forward+backward`, () => {
    const { value, grads } = sg.variableGrads(() => sg.sum(layer.apply(x) as sg.Tensor), vars);
    for (const g of Object.values(grads)) g.dataSync();
    sg.dispose([value, ...Object.values(grads)]);
  });
  x.dispose();
  layer.dispose();
  return { kind, forwardMs: fwd.median * 1000, trainMs: train.median * 1000 };
}

async function tfjsRow(kind: Kind, xv: Float32Array): Promise<Row> {
  const tf = await loadTfjs('wasm');
  const tfl = await import('@tensorflow/tfjs-layers');
  const args = {
    units: UNITS,
    recurrentActivation: 'sigmoid' as const,
    recurrentInitializer: 'glorotUniform' as const,
  };
  const layer = kind === 'lstm' ? tfl.layers.lstm(args) : tfl.layers.gru(args);
  const x = tf.tensor3d(xv, [BATCH, STEPS, INPUTS]);
  (layer.apply(x) as import('@tensorflow/tfjs-core').Tensor).dispose();
  const vars = layer.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs-core').Variable);
  const fwd = time(`tfjs ${kind} forward`, () => {
    const y = layer.apply(x) as import('@tensorflow/tfjs-core').Tensor;
    y.dataSync();
    y.dispose();
  });
  const train = time(`tfjs ${kind} forward+backward`, () => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(layer.apply(x) as import('@tensorflow/tfjs-core').Tensor) as import('@tensorflow/tfjs-core').Scalar,
      vars,
    );
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  x.dispose();
  layer.dispose();
  return { kind, forwardMs: fwd.median * 1000, trainMs: train.median * 1000 };
}

/** The thread pool's setThreads, when src/threads.ts has landed (another issue adds it). */
async function threadControl(): Promise<((n: number) => unknown) | null> {
  if (!existsSync(new URL('../src/threads.ts', import.meta.url))) return null;
  const path = '../src/threads.js';
  const mod = (await import(path)) as { setThreads?: (n: number) => unknown };
  return typeof mod.setThreads === 'function' ? mod.setThreads : null;
}

/**
 * Runs the rnn benchmark and prints one table per layer kind.
 * @example await benchRnn([]); // npm run bench -- rnn
 */
export async function benchRnn(args: string[]): Promise<void> {
  if (args[0] === 'profile') return profileLstm(args.slice(1));
  await sg.setBackend('wasm');
  const xv = input();
  const setThreads = await threadControl();
  const results: Record<string, unknown> = {};
  for (const kind of ['lstm', 'gru'] as Kind[]) {
    if (setThreads) await setThreads(1);
    const one = simdgradRow(kind, xv);
    let two: Row | null = null;
    if (setThreads) {
      await setThreads(2);
      two = simdgradRow(kind, xv);
      await setThreads(1);
    }
    const peer = await tfjsRow(kind, xv);
    await sg.setBackend('wasm');
    console.log(
      `\n${kind.toUpperCase()} layer, batch ${BATCH}, ${STEPS} steps, ${INPUTS} inputs, ${UNITS} units (ms per call, median)`,
    );
    const ratio = (a: number, b: number) => `${(b / a).toFixed(1)}x`;
    const rows: (string | number)[][] = [
      [
        'simdgrad wasm, 1 thread',
        one.forwardMs,
        one.trainMs,
        ratio(one.forwardMs, peer.forwardMs),
        ratio(one.trainMs, peer.trainMs),
      ],
    ];
    if (two) {
      rows.push([
        'simdgrad wasm, 2 threads',
        two.forwardMs,
        two.trainMs,
        ratio(two.forwardMs, peer.forwardMs),
        ratio(two.trainMs, peer.trainMs),
      ]);
    } else {
      rows.push(['simdgrad wasm, 2 threads', 'n/a', 'n/a', '(no src/threads.ts yet)', '']);
    }
    rows.push(['tfjs-layers wasm', peer.forwardMs, peer.trainMs, '1.0x', '1.0x']);
    printTable(['library', 'forward ms', 'fwd+bwd ms', 'fwd speed-up', 'fwd+bwd speed-up'], rows);
    console.log(
      `simdgrad forward+backward is ${fmtNum(peer.trainMs / one.trainMs)}x faster than tfjs-layers wasm (1 thread)`,
    );
    results[kind] = { simdgrad1: one, simdgrad2: two, tfjsWasm: peer };
  }
  console.log(
    `results: ${saveResults('rnn', { batch: BATCH, steps: STEPS, inputs: INPUTS, units: UNITS, ...results })}`,
  );
}
