// The built-in layer classes that saved configs name: the one list serialization registers at
// start-up (src/io/serialization.ts). A new layer class is added here (and gets getConfig()
// returning its constructor arguments) to be savable and loadable by its `className`.
import type { Layer } from './layer.js';
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
} from './core/basic.js';
import { Dense } from './core/dense.js';
import { InputLayer } from './core/input.js';
import { Embedding } from './embedding.js';
import { Masking } from './masking.js';
import { Bidirectional, TimeDistributed } from './wrappers.js';
import { GRU } from './recurrent/gru.js';
import { LSTM } from './recurrent/lstm.js';
import { SimpleRNN } from './recurrent/simple_rnn.js';
import { Conv1D, Conv2D, Conv2DTranspose, Conv3D } from './convolutional/conv.js';
import { DepthwiseConv2D, SeparableConv2D } from './convolutional/depthwise.js';
import { Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D } from './convolutional/reshaping.js';
import { SpatialDropout1D, SpatialDropout2D } from './convolutional/spatial_dropout.js';
import {
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
} from './pooling/pooling.js';
import { BatchNormalization, LayerNormalization } from './normalization/normalization.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU } from './advanced_activations.js';
import { ConvLSTM2D } from './recurrent/conv_lstm.js';
import { GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells } from './recurrent/cells.js';
import { RNN } from './recurrent/rnn.js';
import { RandomFlip, RandomRotation, RandomTranslation, RandomZoom } from './preprocessing/random_image.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { Lambda } from './core/lambda.js';
import { AdditiveAttention, Attention, GroupedQueryAttention, MultiHeadAttention } from './attention/index.js';

/** A layer class as the registry keeps it: constructible from its config, with a className. */
export type LayerClass = (abstract new (...args: never[]) => Layer) & { className: string };

/** Every built-in layer class, registered under its static `className`. */
export const BUILTIN_LAYER_CLASSES: LayerClass[] = [
  InputLayer,
  Dense,
  Dropout,
  Activation,
  Flatten,
  Reshape,
  Permute,
  RepeatVector,
  GaussianNoise,
  GaussianDropout,
  AlphaDropout,
  Embedding,
  Masking,
  LSTM,
  GRU,
  SimpleRNN,
  Bidirectional,
  TimeDistributed,
  Conv1D,
  Conv2D,
  Conv3D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
  Cropping2D,
  SpatialDropout1D,
  SpatialDropout2D,
  MaxPooling1D,
  MaxPooling2D,
  MaxPooling3D,
  AveragePooling1D,
  AveragePooling2D,
  AveragePooling3D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  BatchNormalization,
  LayerNormalization,
  LeakyReLU,
  PReLU,
  ELU,
  ReLU,
  Softmax,
  ThresholdedReLU,
  ConvLSTM2D,
  RNN,
  SimpleRNNCell,
  LSTMCell,
  GRUCell,
  StackedRNNCells,
  RandomFlip,
  RandomTranslation,
  RandomRotation,
  RandomZoom,
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  Dot,
  Lambda,
  Attention,
  AdditiveAttention,
  MultiHeadAttention,
  GroupedQueryAttention,
];
