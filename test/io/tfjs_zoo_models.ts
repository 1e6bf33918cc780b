// The tfjs-format zoo: the same architectures built in simdgrad and in tfjs-layers, with seeded
// inputs. Every layer class tfjs-layers 4.22 also has appears in at least one model; the rest
// are in SG_ONLY (simdgrad -> simdgrad round trips).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { randArray } from '../helpers.js';

export interface ZooInput {
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Values: seeded floats, or ints in [0, vocab). */
  vocab?: number;
}

export interface ZooEntry {
  name: string;
  inputs: ZooInput[];
  sg: () => sg.LayersModel;
  tfjs?: () => tfl.LayersModel;
}

/** Seeded input values for an entry (the same numbers for both libraries). */
export function zooValues(
  entry: ZooEntry,
  seed = 7,
): { values: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' }[] {
  return entry.inputs.map((inp, i) => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const r = randArray(n, seed + i, 0, 1);
    const values = inp.vocab
      ? Int32Array.from(r, (v) => Math.floor(v * inp.vocab!))
      : Float32Array.from(r, (v) => v * 2 - 1);
    return { values, shape: inp.shape, dtype: inp.dtype };
  });
}

const L = sg.layers;
const TL = tfl.layers;
const rnn = { recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' as const };

/** Moves BatchNormalization's moving statistics off their 0/1 starts so the test sees them. */
export function randomizeSg(model: sg.LayersModel, seed = 3): void {
  const ws = model.weights;
  const vals = ws.map((w, i) => {
    const n = w.variable.size;
    const r = randArray(n, seed + i, 0.2, 1.2);
    return sg.tensor(w.name === 'moving_variance' ? r : r.map((v) => v - 0.7), w.variable.shape);
  });
  model.setWeights(vals);
  sg.dispose(vals);
}

export function randomizeTfjs(model: tfl.LayersModel, seed = 3): void {
  const ws = model.weights;
  const vals = ws.map((w, i) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const r = randArray(n, seed + i, 0.2, 1.2);
    return tf.tensor(w.name.endsWith('moving_variance') ? r : r.map((v) => v - 0.7), w.shape as number[]);
  });
  model.setWeights(vals);
  tf.dispose(vals);
}

export const ZOO: ZooEntry[] = [
  {
    name: 'mlp_dropout',
    inputs: [{ shape: [5, 8], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.dense({ units: 16, activation: 'relu', inputShape: [8] }),
          L.dropout({ rate: 0.3 }),
          L.dense({
            units: 12,
            activation: 'tanh',
            kernelRegularizer: sg.regularizers.l2({ l2: 1e-3 }),
            kernelConstraint: sg.constraints.maxNorm({ maxValue: 3 }),
          }),
          L.gaussianNoise({ stddev: 0.1 }),
          L.gaussianDropout({ rate: 0.2 }),
          L.alphaDropout({ rate: 0.1 }),
          L.activation({ activation: 'elu' }),
          L.leakyReLU({ alpha: 0.2 }),
          L.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.dense({ units: 16, activation: 'relu', inputShape: [8] }),
          TL.dropout({ rate: 0.3 }),
          TL.dense({ units: 12, activation: 'tanh' }),
          TL.gaussianNoise({ stddev: 0.1 }),
          TL.gaussianDropout({ rate: 0.2 }),
          TL.alphaDropout({ rate: 0.1 }),
          TL.activation({ activation: 'elu' }),
          TL.leakyReLU({ alpha: 0.2 }),
          TL.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
  },
  {
    name: 'cnn_bn_pool',
    inputs: [{ shape: [3, 12, 12, 2], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 2] }),
          L.batchNormalization(),
          L.maxPooling2d({ poolSize: 2 }),
          L.zeroPadding2d({ padding: 1 }),
          L.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2, activation: 'relu6' }),
          L.averagePooling2d({ poolSize: 2, padding: 'same' }),
          L.upSampling2d({ size: 2 }),
          L.cropping2d({
            cropping: [
              [1, 0],
              [0, 1],
            ],
          }),
          L.pReLU({ sharedAxes: [1, 2] }),
          L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
          L.globalMaxPooling2d(),
          L.dense({ units: 3 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 2] }),
          TL.batchNormalization(),
          TL.maxPooling2d({ poolSize: 2 }),
          TL.zeroPadding2d({ padding: 1 }),
          TL.conv2d({ filters: 3, kernelSize: [2, 3], strides: 2, activation: 'relu6' }),
          TL.averagePooling2d({ poolSize: 2, padding: 'same' }),
          TL.upSampling2d({ size: [2, 2] }),
          TL.cropping2D({
            cropping: [
              [1, 0],
              [0, 1],
            ],
          }),
          TL.prelu({ sharedAxes: [1, 2] }),
          TL.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
          TL.globalMaxPooling2d({}),
          TL.dense({ units: 3 }),
        ],
      }),
  },
  {
    name: 'depthwise_separable',
    inputs: [{ shape: [2, 10, 10, 3], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.depthwiseConv2d({
            kernelSize: 3,
            depthMultiplier: 2,
            padding: 'same',
            activation: 'relu',
            inputShape: [10, 10, 3],
          }),
          L.separableConv2d({ filters: 5, kernelSize: 3, strides: 2 }),
          L.layerNormalization(),
          L.globalAveragePooling2d(),
          L.dense({ units: 2, activation: 'sigmoid' }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.depthwiseConv2d({
            kernelSize: 3,
            depthMultiplier: 2,
            padding: 'same',
            activation: 'relu',
            inputShape: [10, 10, 3],
          }),
          TL.separableConv2d({ filters: 5, kernelSize: 3, strides: 2 }),
          TL.layerNormalization(),
          TL.globalAveragePooling2d({}),
          TL.dense({ units: 2, activation: 'sigmoid' }),
        ],
      }),
  },
  {
    name: 'conv1d_text',
    inputs: [{ shape: [4, 12], dtype: 'int32', vocab: 20 }],
    sg: () =>
      sg.sequential({
        layers: [
          L.embedding({ inputDim: 20, outputDim: 6, inputLength: 12 }),
          L.spatialDropout1d({ rate: 0.2 }),
          L.conv1d({ filters: 5, kernelSize: 3, activation: 'relu', padding: 'same', dilationRate: 2 }),
          L.maxPooling1d({ poolSize: 2 }),
          L.conv1d({ filters: 4, kernelSize: 2, strides: 1 }),
          L.averagePooling1d({ poolSize: 2 }),
          L.globalAveragePooling1d(),
          L.repeatVector({ n: 3 }),
          L.reshape({ targetShape: [4, 3] }),
          L.permute({ dims: [2, 1] }),
          L.flatten(),
          L.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.embedding({ inputDim: 20, outputDim: 6, inputLength: 12 }),
          TL.spatialDropout1d({ rate: 0.2 }),
          TL.conv1d({ filters: 5, kernelSize: 3, activation: 'relu', padding: 'same', dilationRate: 2 }),
          TL.maxPooling1d({ poolSize: 2 }),
          TL.conv1d({ filters: 4, kernelSize: 2, strides: 1 }),
          TL.averagePooling1d({ poolSize: 2 }),
          TL.globalAveragePooling1d({}),
          TL.repeatVector({ n: 3 }),
          TL.reshape({ targetShape: [4, 3] }),
          TL.permute({ dims: [2, 1] }),
          TL.flatten(),
          TL.dense({ units: 2, activation: 'softmax' }),
        ],
      }),
  },
  {
    // GlobalMaxPooling1D on the tfjs side too (the other entries have it only in simdgrad).
    name: 'conv1d_global_max',
    inputs: [{ shape: [3, 9], dtype: 'int32', vocab: 16 }],
    sg: () =>
      sg.sequential({
        layers: [
          L.embedding({ inputDim: 16, outputDim: 5, inputLength: 9 }),
          L.conv1d({ filters: 4, kernelSize: 3, activation: 'tanh' }),
          L.globalMaxPooling1d(),
          L.dense({ units: 2 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.embedding({ inputDim: 16, outputDim: 5, inputLength: 9 }),
          TL.conv1d({ filters: 4, kernelSize: 3, activation: 'tanh' }),
          TL.globalMaxPooling1d({}),
          TL.dense({ units: 2 }),
        ],
      }),
  },
  {
    name: 'rnn_bidirectional',
    inputs: [{ shape: [3, 7], dtype: 'int32', vocab: 15 }],
    sg: () =>
      sg.sequential({
        layers: [
          L.embedding({ inputDim: 15, outputDim: 5, inputLength: 7, maskZero: true }),
          L.bidirectional({ layer: L.lstm({ units: 4, returnSequences: true, ...rnn }), mergeMode: 'concat' }),
          L.gru({ units: 3, returnSequences: true, resetAfter: false, ...rnn }),
          L.timeDistributed({ layer: L.dense({ units: 4, activation: 'relu' }) }),
          L.simpleRNN({ units: 3, recurrentInitializer: 'glorotUniform' }),
          L.dense({ units: 2 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.embedding({ inputDim: 15, outputDim: 5, inputLength: 7, maskZero: true }),
          TL.bidirectional({
            layer: TL.lstm({ units: 4, returnSequences: true, ...rnn }) as tfl.RNN,
            mergeMode: 'concat',
          }),
          TL.gru({ units: 3, returnSequences: true, ...rnn }),
          TL.timeDistributed({ layer: TL.dense({ units: 4, activation: 'relu' }) }),
          TL.simpleRNN({ units: 3, recurrentInitializer: 'glorotUniform' }),
          TL.dense({ units: 2 }),
        ],
      }),
  },
  {
    // The activation layers (layers helper): ELU, ReLU, ThresholdedReLU, Softmax.
    name: 'activation_layers',
    inputs: [{ shape: [3, 6], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.dense({ units: 5, inputShape: [6] }),
          L.elu(),
          L.reLU({ maxValue: 0.6 }),
          L.dense({ units: 4 }),
          L.thresholdedReLU({ theta: 0.1 }),
          L.softmax({ axis: -1 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.dense({ units: 5, inputShape: [6] }),
          TL.elu({}),
          TL.reLU({ maxValue: 0.6 }),
          TL.dense({ units: 4 }),
          TL.thresholdedReLU({ theta: 0.1 }),
          TL.softmax({ axis: -1 }),
        ],
      }),
  },
  {
    // layers.rnn over stock and stacked cells (layers helper); tfjs' cells default to 'hardSigmoid'.
    name: 'rnn_cells',
    inputs: [{ shape: [2, 5, 3], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.rnn({ cell: L.lstmCell({ units: 4, recurrentActivation: 'hard_sigmoid_keras2', recurrentInitializer: 'glorotUniform' }), returnSequences: true, inputShape: [5, 3] }),
          L.rnn({ cell: [L.gruCell({ units: 3, resetAfter: false, ...rnn }), L.simpleRNNCell({ units: 2, recurrentInitializer: 'glorotUniform' })], goBackwards: true }),
          L.dense({ units: 2 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.rnn({ cell: TL.lstmCell({ units: 4, recurrentInitializer: 'glorotUniform' }), returnSequences: true, inputShape: [5, 3] }),
          TL.rnn({
            cell: [TL.gruCell({ units: 3, ...rnn }), TL.simpleRNNCell({ units: 2, recurrentInitializer: 'glorotUniform' })],
            goBackwards: true,
          }),
          TL.dense({ units: 2 }),
        ],
      }),
  },
  {
    name: 'masking_gru_sum',
    inputs: [{ shape: [2, 6, 3], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.masking({ maskValue: 0, inputShape: [6, 3] }),
          L.bidirectional({ layer: L.gru({ units: 2, resetAfter: false, ...rnn }), mergeMode: 'sum' }),
          L.dense({ units: 1 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.masking({ maskValue: 0, inputShape: [6, 3] }),
          TL.bidirectional({ layer: TL.gru({ units: 2, ...rnn }) as tfl.RNN, mergeMode: 'sum' }),
          TL.dense({ units: 1 }),
        ],
      }),
  },
  {
    name: 'functional_shared',
    inputs: [
      { shape: [4, 6], dtype: 'float32' },
      { shape: [4, 6], dtype: 'float32' },
    ],
    sg: () => {
      const a = sg.input({ shape: [6], name: 'in_a' });
      const b = sg.input({ shape: [6], name: 'in_b' });
      const shared = L.dense({ units: 5, activation: 'tanh', name: 'shared' });
      const ha = shared.apply(a);
      const hb = shared.apply(b);
      const h2 = L.dense({ units: 4, activation: 'relu', name: 'second' }).apply(hb);
      const again = shared.apply(L.dense({ units: 6, name: 'back' }).apply(h2));
      const o1 = L.dense({ units: 2, activation: 'softmax', name: 'out_1' }).apply(ha);
      const o2 = L.dense({ units: 1, name: 'out_2' }).apply(again);
      return sg.model({ inputs: [a, b], outputs: [o1, o2], name: 'two_in_two_out' });
    },
    tfjs: () => {
      const a = tfl.input({ shape: [6], name: 'in_a' });
      const b = tfl.input({ shape: [6], name: 'in_b' });
      const shared = TL.dense({ units: 5, activation: 'tanh', name: 'shared' });
      const ha = shared.apply(a) as tfl.SymbolicTensor;
      const hb = shared.apply(b) as tfl.SymbolicTensor;
      const h2 = TL.dense({ units: 4, activation: 'relu', name: 'second' }).apply(hb) as tfl.SymbolicTensor;
      const again = shared.apply(TL.dense({ units: 6, name: 'back' }).apply(h2)) as tfl.SymbolicTensor;
      const o1 = TL.dense({ units: 2, activation: 'softmax', name: 'out_1' }).apply(ha) as tfl.SymbolicTensor;
      const o2 = TL.dense({ units: 1, name: 'out_2' }).apply(again) as tfl.SymbolicTensor;
      return tfl.model({ inputs: [a, b], outputs: [o1, o2], name: 'two_in_two_out' });
    },
  },
  {
    name: 'conv3d',
    inputs: [{ shape: [2, 6, 6, 6, 1], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.conv3d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 6, 1] }),
          L.maxPooling3d({ poolSize: 2 }),
          L.averagePooling3d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 2 }),
        ],
      }),
    tfjs: () =>
      tfl.sequential({
        layers: [
          TL.conv3d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 6, 1] }),
          TL.maxPooling3d({ poolSize: 2 }),
          TL.averagePooling3d({ poolSize: 2 }),
          TL.flatten(),
          TL.dense({ units: 2 }),
        ],
      }),
  },
];

ZOO.push({
  name: 'conv_lstm2d',
  inputs: [{ shape: [2, 3, 6, 6, 2], dtype: 'float32' }],
  sg: () =>
    sg.sequential({
      layers: [
        L.convLstm2d({
          filters: 3,
          kernelSize: 3,
          padding: 'same',
          returnSequences: false,
          inputShape: [3, 6, 6, 2],
          ...rnn,
        }),
        L.flatten(),
        L.dense({ units: 2 }),
      ],
    }),
  tfjs: () =>
    tfl.sequential({
      layers: [
        TL.convLstm2d({
          filters: 3,
          kernelSize: 3,
          padding: 'same',
          returnSequences: false,
          inputShape: [3, 6, 6, 2],
          ...rnn,
        }),
        TL.flatten(),
        TL.dense({ units: 2 }),
      ],
    }),
});

ZOO.push({
  name: 'functional_merges',
  inputs: [
    { shape: [3, 4], dtype: 'float32' },
    { shape: [3, 4], dtype: 'float32' },
  ],
  sg: () => {
    const a = sg.input({ shape: [4], name: 'a' });
    const b = sg.input({ shape: [4], name: 'b' });
    const h = L.dense({ units: 4, activation: 'tanh', name: 'h' });
    const [ha, hb] = [h.apply(a), h.apply(b)];
    const m = [
      L.add({ name: 'add' }).apply([ha, hb]),
      L.multiply({ name: 'mul' }).apply([ha, hb]),
      L.average({ name: 'avg' }).apply([ha, hb, a]),
      L.maximum({ name: 'max' }).apply([ha, b]),
      L.minimum({ name: 'min' }).apply([a, hb]),
      L.dot({ axes: 1, normalize: true, name: 'dot' }).apply([ha, hb]),
    ] as sg.SymbolicTensor[];
    const c = L.concatenate({ axis: -1, name: 'cat' }).apply(m) as sg.SymbolicTensor;
    return sg.model({ inputs: [a, b], outputs: L.dense({ units: 2, name: 'y' }).apply(c), name: 'merges' });
  },
  tfjs: () => {
    const a = tfl.input({ shape: [4], name: 'a' });
    const b = tfl.input({ shape: [4], name: 'b' });
    const h = TL.dense({ units: 4, activation: 'tanh', name: 'h' });
    const [ha, hb] = [h.apply(a), h.apply(b)] as tfl.SymbolicTensor[];
    const m = [
      TL.add({ name: 'add' }).apply([ha, hb]),
      TL.multiply({ name: 'mul' }).apply([ha, hb]),
      TL.average({ name: 'avg' }).apply([ha, hb, a]),
      TL.maximum({ name: 'max' }).apply([ha, b]),
      TL.minimum({ name: 'min' }).apply([a, hb]),
      TL.dot({ axes: 1, normalize: true, name: 'dot' }).apply([ha, hb]),
    ] as tfl.SymbolicTensor[];
    const c = TL.concatenate({ axis: -1, name: 'cat' }).apply(m) as tfl.SymbolicTensor;
    return tfl.model({
      inputs: [a, b],
      outputs: TL.dense({ units: 2, name: 'y' }).apply(c) as tfl.SymbolicTensor,
      name: 'merges',
    });
  },
});

ZOO.push({
  name: 'nested_models',
  inputs: [
    { shape: [3, 5], dtype: 'float32' },
    { shape: [3, 5], dtype: 'float32' },
  ],
  sg: () => {
    const inner = sg.sequential({
      layers: [L.dense({ units: 4, activation: 'relu', inputShape: [5] }), L.dense({ units: 3 })],
      name: 'tower',
    });
    const a = sg.input({ shape: [5], name: 'left' });
    const b = sg.input({ shape: [5], name: 'right' });
    const s = L.add({ name: 'join' }).apply([
      inner.apply(a) as sg.SymbolicTensor,
      inner.apply(b) as sg.SymbolicTensor,
    ]) as sg.SymbolicTensor;
    return sg.model({ inputs: [a, b], outputs: [s, inner.apply(b) as sg.SymbolicTensor], name: 'siamese' });
  },
  tfjs: () => {
    const inner = tfl.sequential({
      layers: [TL.dense({ units: 4, activation: 'relu', inputShape: [5] }), TL.dense({ units: 3 })],
      name: 'tower',
    });
    const a = tfl.input({ shape: [5], name: 'left' });
    const b = tfl.input({ shape: [5], name: 'right' });
    const s = TL.add({ name: 'join' }).apply([
      inner.apply(a) as tfl.SymbolicTensor,
      inner.apply(b) as tfl.SymbolicTensor,
    ]) as tfl.SymbolicTensor;
    return tfl.model({ inputs: [a, b], outputs: [s, inner.apply(b) as tfl.SymbolicTensor], name: 'siamese' });
  },
});

/** Layers tfjs-layers 4.22 does not have: simdgrad -> simdgrad only. */
export const SG_ONLY: ZooEntry[] = [
  {
    name: 'sg_only_layers',
    inputs: [{ shape: [2, 8, 8, 2], dtype: 'float32' }],
    sg: () =>
      sg.sequential({
        layers: [
          L.randomFlip({ mode: 'horizontal', seed: 1, inputShape: [8, 8, 2] }),
          L.randomTranslation({ heightFactor: 0.1, widthFactor: [-0.2, 0.1], seed: 2 }),
          L.randomRotation({ factor: 0.05, fillMode: 'nearest', seed: 3 }),
          L.randomZoom({ heightFactor: 0.1, seed: 4 }),
          L.spatialDropout2d({ rate: 0.2 }),
          L.conv2d({ filters: 2, kernelSize: 3, activation: 'hardSigmoid' }),
          L.reshape({ targetShape: [36, 2] }),
          L.upSampling1d({ size: 2 }),
          L.zeroPadding1d({ padding: 1 }),
          L.conv1d({
            filters: 2,
            kernelSize: 3,
            padding: 'causal',
            dilationRate: 2,
            kernelRegularizer: sg.regularizers.l1({ l1: 0.01 }),
          }),
          L.globalMaxPooling1d(),
          L.dense({ units: 3, activation: 'gelu' }),
        ],
      }),
  },
  {
    name: 'sg_only_attention',
    inputs: [
      { shape: [2, 5, 8], dtype: 'float32' },
      { shape: [2, 4, 8], dtype: 'float32' },
    ],
    sg: () => {
      const q = sg.input({ shape: [5, 8], name: 'q' });
      const v = sg.input({ shape: [4, 8], name: 'v' });
      const mha = L.multiHeadAttention({ numHeads: 2, keyDim: 4, name: 'mha' }).apply([q, v]) as sg.SymbolicTensor;
      const dot = L.attention({ useScale: true, name: 'att' }).apply([mha, v]) as sg.SymbolicTensor;
      const add = L.additiveAttention({ name: 'add_att' }).apply([dot, v]) as sg.SymbolicTensor;
      const gqa = L.groupedQueryAttention({ headDim: 3, numQueryHeads: 4, numKeyValueHeads: 2, name: 'gqa' }).apply([
        add,
        v,
      ]) as sg.SymbolicTensor;
      return sg.model({ inputs: [q, v], outputs: L.dense({ units: 2 }).apply(gqa) as sg.SymbolicTensor });
    },
  },
  {
    name: 'sg_only_subtract',
    inputs: [
      { shape: [2, 3], dtype: 'float32' },
      { shape: [2, 3], dtype: 'float32' },
    ],
    sg: () => {
      const a = sg.input({ shape: [3] });
      const b = sg.input({ shape: [3] });
      return sg.model({
        inputs: [a, b],
        outputs: L.dense({ units: 2 }).apply(L.subtract().apply([a, b]) as sg.SymbolicTensor),
      });
    },
  },
];

/** Every layer class name used in the zoo, for the coverage check. */
export function zooClassNames(): Set<string> {
  const names = new Set<string>();
  for (const e of [...ZOO, ...SG_ONLY]) {
    const m = e.sg();
    const walk = (l: sg.Layer) => {
      names.add(l.className);
      const inner =
        (l as unknown as { layer?: sg.Layer; forwardLayer?: sg.Layer }).layer ??
        (l as unknown as { forwardLayer?: sg.Layer }).forwardLayer;
      if (inner) walk(inner);
      // RNN cells (layers.rnn's cell, StackedRNNCells' cells).
      const cell = (l as unknown as { cell?: sg.Layer }).cell;
      if (cell) walk(cell);
      const cells = (l as unknown as { cells?: sg.Layer[] }).cells;
      if (Array.isArray(cells)) cells.forEach(walk);
    };
    for (const l of m.layers) walk(l);
    m.dispose();
  }
  return names;
}
