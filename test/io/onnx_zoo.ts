// The ONNX export zoo: small models of every exportable layer family, with random weights (batch
// norm statistics included) and a random-input maker. Shared by test/io/onnx.test.ts (against
// onnxruntime) and test/io/onnx_python.test.ts (the Python onnx checker).
import * as sg from '../../src/index.js';
import { randArray } from '../helpers.js';

export interface ZooEntry {
  name: string;
  model: sg.LayersModel;
  /** Random inputs for a batch of `n` (seeded), with the ONNX element types. */
  inputs: (n: number, seed: number) => { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }[];
}

const L = sg.layers;

/** Every weight random (seeded); variances positive, as trained batch-norm statistics are. */
export function randomizeWeights(model: sg.LayersModel, seed: number): void {
  const vals = model.weights.map((w, i) => {
    const n = w.shape.reduce((a, c) => a * c, 1);
    const positive = w.name.includes('variance');
    return sg.tensor(randArray(n, seed + i, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5), w.shape);
  });
  model.setWeights(vals);
  for (const v of vals) v.dispose();
}

function floatInputs(...shapes: number[][]) {
  return (n: number, seed: number) =>
    shapes.map((s, i) => {
      const shape = [n, ...s];
      return { data: randArray(shape.reduce((a, c) => a * c, 1), seed + 17 * i, -2, 2), shape, dtype: 'float32' as const };
    });
}

function idInputs(len: number, vocab: number, dtype: 'float32' | 'int32') {
  return (n: number, seed: number) => {
    const r = randArray(n * len, seed, 0, vocab);
    const data = dtype === 'int32' ? Int32Array.from(r, Math.floor) : Float32Array.from(r, Math.floor);
    return [{ data, shape: [n, len], dtype }];
  };
}

function seq(layers: sg.Layer[], name: string): sg.LayersModel {
  return sg.sequential({ layers, name });
}

/** Builds the zoo (the caller disposes the models). */
export function buildZoo(): ZooEntry[] {
  const zoo: ZooEntry[] = [];
  const add = (name: string, model: sg.LayersModel, inputs: ZooEntry['inputs']) => {
    randomizeWeights(model, zoo.length * 100 + 1);
    zoo.push({ name, model, inputs });
  };

  add(
    'mlp_dropout',
    seq(
      [
        L.dense({ units: 16, activation: 'relu', inputShape: [10] }),
        L.dropout({ rate: 0.3 }),
        L.dense({ units: 12, activation: 'tanh' }),
        L.gaussianNoise({ stddev: 0.1 }),
        L.alphaDropout({ rate: 0.1 }),
        L.gaussianDropout({ rate: 0.2 }),
        L.dense({ units: 4, activation: 'softmax' }),
      ],
      'mlp_dropout',
    ),
    floatInputs([10]),
  );

  add(
    'cnn_bn_pool',
    seq(
      [
        L.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 11, 3] }),
        L.batchNormalization({}),
        L.maxPooling2d({ poolSize: 2 }),
        L.conv2d({ filters: 5, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'elu' }),
        L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        L.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, padding: 'valid' }),
        L.spatialDropout2d({ rate: 0.2 }),
        L.flatten(),
        L.dense({ units: 3, activation: 'softmax' }),
      ],
      'cnn_bn_pool',
    ),
    floatInputs([12, 11, 3]),
  );

  add(
    'depthwise_separable',
    seq(
      [
        L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6', inputShape: [9, 10, 3] }),
        L.separableConv2d({ filters: 7, kernelSize: 3, padding: 'valid', dilationRate: 2, activation: 'swish' }),
        L.depthwiseConv2d({ kernelSize: 2, strides: 2, padding: 'same', useBias: false }),
        L.batchNormalization({}),
        L.globalAveragePooling2d(),
        L.dense({ units: 3 }),
      ],
      'depthwise_separable',
    ),
    floatInputs([9, 10, 3]),
  );

  add(
    'conv1d_text',
    seq(
      [
        L.embedding({ inputDim: 50, outputDim: 8, inputLength: 20 }),
        L.conv1d({ filters: 6, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'relu' }),
        L.conv1d({ filters: 6, kernelSize: 3, padding: 'same', strides: 2 }),
        L.maxPooling1d({ poolSize: 2 }),
        L.averagePooling1d({ poolSize: 2, padding: 'same' }),
        L.globalMaxPooling1d(),
        L.dense({ units: 1, activation: 'sigmoid' }),
      ],
      'conv1d_text',
    ),
    idInputs(20, 50, 'float32'),
  );

  add(
    'lstm',
    seq(
      [
        L.lstm({ units: 6, returnSequences: true, inputShape: [7, 5] }),
        L.lstm({ units: 4, goBackwards: true }),
        L.dense({ units: 2 }),
      ],
      'lstm',
    ),
    floatInputs([7, 5]),
  );

  add(
    'gru',
    seq(
      [
        L.gru({ units: 5, returnSequences: true, inputShape: [6, 4] }),
        L.gru({ units: 4, resetAfter: false, returnSequences: true, goBackwards: true }),
        L.gru({ units: 3 }),
      ],
      'gru',
    ),
    floatInputs([6, 4]),
  );

  add(
    'simple_rnn_time_distributed',
    seq(
      [
        L.simpleRNN({ units: 5, returnSequences: true, inputShape: [null, 3] }),
        L.simpleRNN({ units: 4, returnSequences: true, goBackwards: true, activation: 'relu' }),
        L.timeDistributed({ layer: L.dense({ units: 3, activation: 'softmax' }) }),
      ],
      'simple_rnn_time_distributed',
    ),
    floatInputs([8, 3]),
  );

  add(
    'bidirectional',
    seq(
      [
        L.bidirectional({ layer: L.lstm({ units: 4, returnSequences: true }), inputShape: [6, 3] }),
        L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true }), mergeMode: 'sum' }),
        L.bidirectional({ layer: L.simpleRNN({ units: 3 }), mergeMode: 'ave' }),
        L.dense({ units: 2 }),
      ],
      'bidirectional',
    ),
    floatInputs([6, 3]),
  );

  add(
    'conv2d_transpose',
    seq(
      [
        L.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [5, 4, 3] }),
        L.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 3, padding: 'valid' }),
        L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 0 } as never),
        L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: [2, 3], padding: 'valid', outputPadding: [1, 2] } as never),
      ],
      'conv2d_transpose',
    ),
    floatInputs([5, 4, 3]),
  );

  {
    // Two inputs, two outputs, one layer shared by both branches.
    const a = L.input({ shape: [10], name: 'a' });
    const b = L.input({ shape: [5, 10], name: 'b' });
    const shared = L.dense({ units: 6, activation: 'tanh', name: 'shared' });
    const ha = shared.apply(a) as sg.SymbolicTensor;
    const hb = L.globalAveragePooling1d().apply(shared.apply(b) as sg.SymbolicTensor) as sg.SymbolicTensor;
    const outA = L.dense({ units: 3, activation: 'softmax', name: 'out_a' }).apply(ha) as sg.SymbolicTensor;
    const outB = L.dense({ units: 2, name: 'out_b' }).apply(hb) as sg.SymbolicTensor;
    add('functional_two_in_two_out_shared', sg.model({ inputs: [a, b], outputs: [outA, outB], name: 'two_two' }), floatInputs([10], [5, 10]));
  }

  add(
    'shapes_and_norms',
    seq(
      [
        L.zeroPadding2d({ padding: [[1, 2], [0, 1]], inputShape: [6, 5, 2] }),
        L.cropping2d({ cropping: [[1, 0], [2, 1]] }),
        L.upSampling2d({ size: [2, 1] }),
        L.upSampling2d({ size: 2, interpolation: 'bilinear' }),
        L.conv2d({ filters: 3, kernelSize: 3, strides: 3 }),
        L.leakyReLU({ alpha: 0.1 }),
        L.pReLU({ sharedAxes: [1, 2] }),
        L.permute({ dims: [2, 1, 3] }),
        L.reshape({ targetShape: [-1, 6] }),
        L.layerNormalization({}),
        L.upSampling1d({ size: 2 }),
        L.zeroPadding1d({ padding: [1, 2] }),
        L.batchNormalization({ axis: 1 }),
        L.flatten(),
        L.repeatVector({ n: 3 }),
        L.activation({ activation: 'gelu' }),
        L.dense({ units: 4, activation: 'softsign' }),
      ],
      'shapes_and_norms',
    ),
    floatInputs([6, 5, 2]),
  );

  add(
    'conv3d_pool3d',
    seq(
      [
        L.conv3d({ filters: 3, kernelSize: 2, padding: 'same', inputShape: [4, 5, 6, 2] }),
        L.maxPooling3d({ poolSize: 2, padding: 'same' }),
        L.averagePooling3d({ poolSize: [1, 2, 2] }),
        L.flatten(),
      ],
      'conv3d_pool3d',
    ),
    floatInputs([4, 5, 6, 2]),
  );

  {
    // Every activation simdgrad has, one output each.
    const x = L.input({ shape: [7], name: 'x' });
    // Every registered activation: one added without an ONNX form fails here.
    const names = sg.activations.activationNames;
    const outs = names.map((a) => L.dense({ units: 5, activation: a, name: `act_${a}` }).apply(x) as sg.SymbolicTensor);
    add('activations', sg.model({ inputs: x, outputs: outs, name: 'activations' }), floatInputs([7]));
  }

  add(
    'embedding_int32_channels_first',
    (() => {
      const ids = L.input({ shape: [6], dtype: 'int32', name: 'ids' });
      const e = L.embedding({ inputDim: 9, outputDim: 4 }).apply(ids) as sg.SymbolicTensor;
      const c = L.conv1d({ filters: 3, kernelSize: 2, dataFormat: 'channelsFirst', activation: 'softmax' }).apply(e) as sg.SymbolicTensor;
      return sg.model({ inputs: ids, outputs: L.flatten().apply(c) as sg.SymbolicTensor, name: 'emb_cf' });
    })(),
    idInputs(6, 9, 'int32'),
  );

  add(
    'rnn_activations',
    seq(
      [
        L.lstm({ units: 4, returnSequences: true, recurrentActivation: 'hard_sigmoid', activation: 'relu', inputShape: [5, 3] }),
        L.gru({ units: 3, returnSequences: true, activation: 'linear', recurrentActivation: 'hard_sigmoid' }),
        L.simpleRNN({ units: 3, activation: 'linear', useBias: false }),
      ],
      'rnn_activations',
    ),
    floatInputs([5, 3]),
  );

  add(
    'norm_axes',
    seq(
      [
        L.batchNormalization({ axis: 2, inputShape: [4, 5, 6] }),
        L.layerNormalization({ axis: [-2, -1], epsilon: 1e-5 }),
        L.batchNormalization({ center: false, scale: false }),
        L.layerNormalization({ center: false, scale: false }),
      ],
      'norm_axes',
    ),
    floatInputs([4, 5, 6]),
  );

  {
    // A Sequential used as a layer, called on two inputs (inlined twice, weights written once),
    // after augmentation layers that are the identity at inference.
    const inner = sg.sequential({ layers: [L.dense({ units: 5, activation: 'relu', inputShape: [8] }), L.dense({ units: 3 })], name: 'inner' });
    const img = L.input({ shape: [4, 4, 2], name: 'img' });
    const aug = L.randomZoom({ heightFactor: 0.2 }).apply(L.randomFlip({ mode: 'horizontal' }).apply(img) as sg.SymbolicTensor) as sg.SymbolicTensor;
    const flat = L.dense({ units: 8 }).apply(L.flatten().apply(aug) as sg.SymbolicTensor) as sg.SymbolicTensor;
    const v = L.input({ shape: [8], name: 'v' });
    const o1 = inner.apply(flat) as sg.SymbolicTensor;
    const o2 = inner.apply(v) as sg.SymbolicTensor;
    add('nested_model_augmentation', sg.model({ inputs: [img, v], outputs: [o1, o2], name: 'nested' }), floatInputs([4, 4, 2], [8]));
  }

  {
    // returnState, states passed on as initial states, Bidirectional without merging.
    const x = L.input({ shape: [6, 3], name: 'x' });
    const [sq, h, c] = L.lstm({ units: 4, returnSequences: true, returnState: true }).apply(x) as sg.SymbolicTensor[];
    const g = L.gru({ units: 4, goBackwards: true }).apply([sq, h]) as sg.SymbolicTensor;
    const bi = L.bidirectional({ layer: L.simpleRNN({ units: 3, returnState: true, returnSequences: true }), mergeMode: null }).apply(sq) as sg.SymbolicTensor[];
    const l2 = L.lstm({ units: 4 }).apply([sq, h, c]) as sg.SymbolicTensor;
    add('recurrent_states', sg.model({ inputs: x, outputs: [c, g, ...bi, l2], name: 'states' }), floatInputs([6, 3]));
  }

  add(
    'variable_length',
    seq(
      [
        L.conv1d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', inputShape: [null, 4] }),
        L.conv1d({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }),
        L.maxPooling1d({ poolSize: 2, padding: 'same' }),
        L.timeDistributed({ layer: L.dense({ units: 3 }) }),
        L.gru({ units: 3 }),
      ],
      'variable_length',
    ),
    (n: number, seed: number) => floatInputs([10 + n, 4])(n, seed),
  );

  {
    // ConvLSTM2D, unrolled: sequences, goBackwards, valid padding with strides, states fed back.
    const x = L.input({ shape: [4, 6, 5, 2], name: 'frames' });
    const s1 = L.convLstm2d({ filters: 3, kernelSize: 3, padding: 'same', returnSequences: true }).apply(x) as sg.SymbolicTensor;
    const [h2, hState, cState] = L.convLstm2d({ filters: 2, kernelSize: 2, strides: 2, goBackwards: true, returnState: true, recurrentActivation: 'hard_sigmoid' }).apply(s1) as sg.SymbolicTensor[];
    const s3 = L.convLstm2d({ filters: 2, kernelSize: [2, 3], returnSequences: true, returnState: true, activation: 'relu' }).apply(s1) as sg.SymbolicTensor[];
    add('conv_lstm2d', sg.model({ inputs: x, outputs: [h2, hState, cState, ...s3], name: 'conv_lstm' }), floatInputs([4, 6, 5, 2]));
  }

  return zoo;
}
