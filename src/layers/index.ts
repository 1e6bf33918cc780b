// The `layers` namespace: lower-camel factories for every layer class, as tfjs-layers.
import {
  Activation,
  AlphaDropout,
  Dropout,
  Flatten,
  GaussianDropout,
  GaussianNoise,
  Permute,
  RepeatVector,
  Reshape,
  type DropoutArgs,
} from './core/basic.js';
import { Dense, type DenseArgs } from './core/dense.js';
import { InputLayer, input, type InputLayerArgs } from './core/input.js';
import type { LayerArgs } from './layer.js';
import { recurrentLayers } from './recurrent/index.js';
import { convLayers } from './convolutional/index.js';
import { mergeLayers } from './merge.js';
import { getRegisteredLambda, lambda, registerLambda } from './core/lambda.js';
import { preprocessingLayers } from './preprocessing/index.js';
import { attentionLayers } from './attention/index.js';
import { activationLayers } from './advanced_activations.js';

type ActivationArg = ConstructorParameters<typeof Activation>[0];

/**
 * The layer factories, as tfjs-layers' `tf.layers`: `sg.layers.dense({ units: 10 })` makes a {@link Dense}. Each
 * takes Keras' arguments in camelCase.
 * @namespace
 * @example const model = sg.sequential({ layers: [sg.layers.dense({ units: 10, inputShape: [4] })] });
 */
export const layers = {
  /**
   * A {@link Dense} layer: activation(dot(input, kernel) + bias).
   * @example sg.layers.dense({ units: 10, activation: 'softmax' })
   */
  dense: (args: DenseArgs) => new Dense(args),
  /**
   * A {@link Dropout} layer: zeroes a fraction `rate` of the inputs while training (scaling the rest by 1 / (1 - rate)).
   * @example sg.layers.dropout({ rate: 0.4 })
   */
  dropout: (args: DropoutArgs) => new Dropout(args),
  /**
   * An {@link Activation} layer: applies an activation by name.
   * @example sg.layers.activation({ activation: 'relu' })
   */
  activation: (args: ActivationArg) => new Activation(args),
  /**
   * A {@link Flatten} layer: [batch, ...] to [batch, product of the rest].
   * @example sg.layers.flatten()
   */
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  /**
   * A {@link Reshape} layer: each sample to `targetShape` (one -1 allowed).
   * @example sg.layers.reshape({ targetShape: [28, 28, 1] })
   */
  reshape: (args: LayerArgs & { targetShape: number[] }) => new Reshape(args),
  /**
   * A {@link Permute} layer: permutes the non-batch axes (1-based, as Keras).
   * @example sg.layers.permute({ dims: [2, 1] })
   */
  permute: (args: LayerArgs & { dims: number[] }) => new Permute(args),
  /**
   * A {@link RepeatVector} layer: [batch, features] to [batch, n, features].
   * @example sg.layers.repeatVector({ n: 3 })
   */
  repeatVector: (args: LayerArgs & { n: number }) => new RepeatVector(args),
  /**
   * A {@link GaussianNoise} layer: adds N(0, stddev^2) noise while training.
   * @example sg.layers.gaussianNoise({ stddev: 0.1 })
   */
  gaussianNoise: (args: LayerArgs & { stddev: number; seed?: number }) => new GaussianNoise(args),
  /**
   * A {@link GaussianDropout} layer: multiplies by N(1, rate / (1 - rate)) noise while training.
   * @example sg.layers.gaussianDropout({ rate: 0.2 })
   */
  gaussianDropout: (args: LayerArgs & { rate: number; seed?: number }) => new GaussianDropout(args),
  /**
   * An {@link AlphaDropout} layer: dropout that keeps SELU's mean and variance.
   * @example sg.layers.alphaDropout({ rate: 0.1 })
   */
  alphaDropout: (args: LayerArgs & { rate: number; seed?: number }) => new AlphaDropout(args),
  /**
   * An {@link InputLayer}: the entry of a model, with a batch input shape.
   * @example sg.layers.inputLayer({ inputShape: [784] })
   */
  inputLayer: (args: InputLayerArgs) => new InputLayer(args),
  input,
  ...recurrentLayers,
  ...convLayers,
  ...mergeLayers,
  /**
   * A {@link Lambda} layer: wraps a function of tensors (saving needs a registered name, see `registerLambda`).
   * @example sg.layers.lambda({ fn: (x) => sg.mul(x, 2) })
   */
  lambda,
  registerLambda,
  getRegisteredLambda,
  ...preprocessingLayers,
  ...attentionLayers,
  ...activationLayers,
};

export {
  Activation,
  AlphaDropout,
  Dense,
  Dropout,
  Flatten,
  GaussianDropout,
  GaussianNoise,
  InputLayer,
  Permute,
  RepeatVector,
  Reshape,
};
export { Layer, LayerWeight, type LayerArgs, type CallArgs } from './layer.js';
export {
  Bidirectional,
  Embedding,
  GRU,
  LSTM,
  Masking,
  RecurrentLayer,
  SimpleRNN,
  TimeDistributed,
  recurrentLayers,
  type BidirectionalArgs,
  type EmbeddingArgs,
  type GRUArgs,
  type LSTMArgs,
  type MaskingArgs,
  type MergeMode,
  type RecurrentArgs,
  type TimeDistributedArgs,
} from './recurrent/index.js';
export { ConvLSTM2D, type ConvLSTM2DArgs } from './recurrent/index.js';
export {
  GRUCell,
  LSTMCell,
  RNN,
  SimpleRNNCell,
  StackedRNNCells,
  StockCell,
  isCell,
  runCellSequence,
  type CellSequenceOptions,
  type GRUCellArgs,
  type LSTMCellArgs,
  type RNNArgs,
  type RNNCellArgs,
  type RNNCellLike,
  type StackedRNNCellsArgs,
} from './recurrent/index.js';
export { SymbolicTensor, type SymbolicShape } from './symbolic.js';
export * from './convolutional/index.js';
export * from './preprocessing/index.js';
export {
  Add,
  Average,
  Concatenate,
  Dot,
  Maximum,
  Merge,
  Minimum,
  Multiply,
  Subtract,
  batchDot,
  mergeLayers,
  type ConcatenateArgs,
  type DotArgs,
  type MergeFactory,
} from './merge.js';
export { Lambda, lambda, registerLambda, getRegisteredLambda, type LambdaArgs, type LambdaFn } from './core/lambda.js';
export * from './attention/index.js';
export {
  ELU,
  ReLU,
  Softmax,
  ThresholdedReLU,
  activationLayers,
  type ELUArgs,
  type ReLUArgs,
  type SoftmaxArgs,
  type ThresholdedReLUArgs,
} from './advanced_activations.js';
