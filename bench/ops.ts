// `npm run bench -- ops`: element-wise and reduction throughput (GB/s of input + output)
// of simdgrad wasm on 1 and 2 threads against tfjs-wasm (1 thread in Node), side by side in one
// process.
import * as sg from '../src/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults, time } from './harness.js';
import { setThreads } from '../src/threads.js';

type Tf = Awaited<ReturnType<typeof loadTfjs>>;
interface OpCase {
  name: string;
  /** Number of input tensors and whether the output is as large as the input. */
  inputs: number;
  outFull: boolean;
  sg: (...x: sg.Tensor[]) => sg.Tensor;
  tf: (tf: Tf, ...x: ReturnType<Tf['tensor']>[]) => ReturnType<Tf['tensor']>;
}

const CASES: OpCase[] = [
  { name: 'add', inputs: 2, outFull: true, sg: (a, b) => sg.add(a, b), tf: (tf, a, b) => tf.add(a, b) },
  { name: 'mul', inputs: 2, outFull: true, sg: (a, b) => sg.mul(a, b), tf: (tf, a, b) => tf.mul(a, b) },
  { name: 'relu', inputs: 1, outFull: true, sg: (a) => sg.relu(a), tf: (tf, a) => tf.relu(a) },
  { name: 'exp', inputs: 1, outFull: true, sg: (a) => sg.exp(a), tf: (tf, a) => tf.exp(a) },
  { name: 'sigmoid', inputs: 1, outFull: true, sg: (a) => sg.sigmoid(a), tf: (tf, a) => tf.sigmoid(a) },
  { name: 'tanh', inputs: 1, outFull: true, sg: (a) => sg.tanh(a), tf: (tf, a) => tf.tanh(a) },
  { name: 'sum (all)', inputs: 1, outFull: false, sg: (a) => sg.sum(a), tf: (tf, a) => tf.sum(a) },
  { name: 'max (rows)', inputs: 1, outFull: false, sg: (a) => sg.max(a, -1), tf: (tf, a) => tf.max(a, -1) },
  { name: 'softmax (rows)', inputs: 1, outFull: true, sg: (a) => sg.softmax(a), tf: (tf, a) => tf.softmax(a) },
];

export async function benchOps(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1 << 20);
  const shape = [n / 256, 256];
  const tf = await loadTfjs('wasm');
  await sg.setBackend('wasm');
  const data = [0, 1].map((k) => new Float32Array(n).map((_, i) => Math.sin(i * (k + 1)) * 3));
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const c of CASES) {
    const bytes = 4 * n * (c.inputs + (c.outFull ? 1 : 0));
    const sx = data.slice(0, c.inputs).map((d) => sg.tensor(d, shape));
    const gsg: number[] = [];
    for (const threads of [1, 2]) {
      setThreads(threads);
      gsg.push(bytes / time(`sg ${c.name} ${threads}t`, () => c.sg(...sx).dispose()).median / 1e9);
    }
    sg.dispose(sx);
    const tx = data.slice(0, c.inputs).map((d) => tf.tensor(d, shape));
    const ttf = time(`tf ${c.name}`, () => c.tf(tf, ...tx).dispose());
    tf.dispose(tx);
    const gtf = bytes / ttf.median / 1e9;
    rows.push([c.name, gsg[0], gsg[1], `${(gsg[1] / gsg[0]).toFixed(2)}x`, gtf, `${(gsg[1] / gtf).toFixed(2)}x`]);
    json.push({
      op: c.name,
      elements: n,
      gbpsSimdgrad1t: gsg[0],
      gbpsSimdgrad2t: gsg[1],
      gbpsTfjsWasm: gtf,
      ratio2tToTfjs: gsg[1] / gtf,
    });
  }
  setThreads(2);
  console.log(`\nElement-wise and reduction ops on ${n} float32 elements ([${shape}]), GB/s (median)`);
  printTable(['op', 'simdgrad 1t', 'simdgrad 2t', '2t / 1t', 'tfjs-wasm', '2t / tfjs'], rows);
  console.log(`results: ${saveResults('ops', json)}`);
}
