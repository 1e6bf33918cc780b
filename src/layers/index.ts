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

export const layers = {
  /** @example sg.layers.dense({ units: 10, activation: 'softmax' }) */
  dense: (args: DenseArgs) => new Dense(args),
  /** @example sg.layers.dropout({ rate: 0.4 }) */
  dropout: (args: DropoutArgs) => new Dropout(args),
  activation: (args: ActivationArg) => new Activation(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: LayerArgs & { targetShape: number[] }) => new Reshape(args),
  permute: (args: LayerArgs & { dims: number[] }) => new Permute(args),
  repeatVector: (args: LayerArgs & { n: number }) => new RepeatVector(args),
  gaussianNoise: (args: LayerArgs & { stddev: number; seed?: number }) => new GaussianNoise(args),
  gaussianDropout: (args: LayerArgs & { rate: number; seed?: number }) => new GaussianDropout(args),
  alphaDropout: (args: LayerArgs & { rate: number; seed?: number }) => new AlphaDropout(args),
  inputLayer: (args: InputLayerArgs) => new InputLayer(args),
  input,
  ...recurrentLayers,
  ...convLayers,
  ...mergeLayers,
  /** @example sg.layers.lambda({ fn: (x) => sg.mul(x, 2) }) */
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
