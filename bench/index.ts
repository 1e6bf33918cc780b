// The benchmark entry: `npm run bench -- <suite> [args]`. Suites: gemm, ops, train, rnn, conv, io, attention, native, profile, convlstm, overhead, webgpu.
// Speed is measured here, never in tests; peers run side by side in the same process.
import { benchGemm } from './gemm.js';
import { benchOps } from './ops.js';
import { benchTrain } from './train.js';
import { benchRnn } from './rnn.js';
import { benchConv } from './conv.js';
import { benchTrainCnn } from './train_cnn.js';
import { benchIo } from './io.js';
import { benchAttention } from './attention.js';
import { benchNative } from './native.js';
import { benchConvLstm } from './conv_lstm.js';
import { benchOverhead } from './overhead.js';
import { benchProfile } from './profile.js';
import { benchWebgpu } from './webgpu.js';

const suites: Record<string, (args: string[]) => Promise<void>> = {
  gemm: benchGemm,
  ops: benchOps,
  rnn: benchRnn,
  conv: benchConv,
  // Load time of the walk-through MLP saved in the tfjs-layers format, simdgrad vs tfjs-layers.
  io: benchIo,
  // multiHeadAttention forward and forward+backward against a tfjs-core composite on tfjs wasm.
  attention: benchAttention,
  // The walk-through MLP, mnist_cnn and an LSTM against PyTorch and Keras/JAX (bench/native_peers.py).
  native: benchNative,
  // Time by kernel of one MLP and one mnist_cnn training step, GFLOP/s against the 128-bit limit.
  profile: benchProfile,
  // ConvLSTM2D forward+backward: the layer against the same recurrence composed per step (peak memory, time).
  convlstm: benchConvLstm,
  // simdgrad's webgpu backend vs tfjs-backend-webgpu: GEMM, conv2d, MLP training (bench/webgpu.ts).
  webgpu: benchWebgpu,
  // Engine overhead of small ops, predict latency, cold start, threads without yielding, sizes.
  overhead: benchOverhead,
  // `train --model cnn` trains Keras' mnist_cnn; plain `train` the walk-through MLP.
  train: (a) =>
    a.includes('--model') && a[a.indexOf('--model') + 1] === 'cnn'
      ? benchTrainCnn(a.filter((x) => x !== '--model' && x !== 'cnn'))
      : benchTrain(a),
};
const [name = 'gemm', ...args] = process.argv.slice(2);
const suite = suites[name];
if (!suite) {
  console.error(`unknown bench suite '${name}'; available: ${Object.keys(suites).join(', ')}`);
  process.exit(1);
}
await suite(args);
