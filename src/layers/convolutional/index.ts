// The convolutional-network layers of issue 5: classes and the lower-camel factories
// (`convLayers`) that src/layers/index.ts merges into `sg.layers`, as tfjs-layers names them.
import type { LayerArgs } from '../layer.js';
import { Conv1D, Conv2D, Conv2DTranspose, Conv3D, type ConvLayerArgs, type DataFormat } from './conv.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './depthwise.js';
import { Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D } from './reshaping.js';
import { SpatialDropout1D, SpatialDropout2D, type SpatialDropoutArgs } from './spatial_dropout.js';
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
  type PoolingArgs,
} from '../pooling/pooling.js';
import {
  BatchNormalization,
  LayerNormalization,
  type BatchNormalizationArgs,
  type LayerNormalizationArgs,
} from '../normalization/normalization.js';
import { LeakyReLU, PReLU, type PReLUArgs } from '../advanced_activations.js';

type GlobalArgs = LayerArgs & { dataFormat?: DataFormat };
type Pairs = number | [number, number] | [[number, number], [number, number]];

/**
 * Factories for the conv, pooling, normalisation and advanced-activation layers.
 * @example
 * const model = sg.sequential({ layers: [
 *   sg.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
 *   sg.layers.maxPooling2d({ poolSize: 2 }),
 * ] });
 */
export const convLayers = {
  conv1d: (args: ConvLayerArgs) => new Conv1D(args),
  conv2d: (args: ConvLayerArgs) => new Conv2D(args),
  conv3d: (args: ConvLayerArgs) => new Conv3D(args),
  conv2dTranspose: (args: ConvLayerArgs) => new Conv2DTranspose(args),
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  maxPooling1d: (args: PoolingArgs = {}) => new MaxPooling1D(args),
  maxPooling2d: (args: PoolingArgs = {}) => new MaxPooling2D(args),
  maxPooling3d: (args: PoolingArgs = {}) => new MaxPooling3D(args),
  averagePooling1d: (args: PoolingArgs = {}) => new AveragePooling1D(args),
  averagePooling2d: (args: PoolingArgs = {}) => new AveragePooling2D(args),
  averagePooling3d: (args: PoolingArgs = {}) => new AveragePooling3D(args),
  globalMaxPooling1d: (args: GlobalArgs = {}) => new GlobalMaxPooling1D(args),
  globalMaxPooling2d: (args: GlobalArgs = {}) => new GlobalMaxPooling2D(args),
  globalAveragePooling1d: (args: GlobalArgs = {}) => new GlobalAveragePooling1D(args),
  globalAveragePooling2d: (args: GlobalArgs = {}) => new GlobalAveragePooling2D(args),
  upSampling1d: (args: LayerArgs & { size?: number } = {}) => new UpSampling1D(args),
  upSampling2d: (args: LayerArgs & { size?: number | number[]; dataFormat?: DataFormat; interpolation?: 'nearest' | 'bilinear' } = {}) =>
    new UpSampling2D(args),
  zeroPadding1d: (args: LayerArgs & { padding?: number | [number, number] } = {}) => new ZeroPadding1D(args),
  zeroPadding2d: (args: LayerArgs & { padding?: Pairs; dataFormat?: DataFormat } = {}) => new ZeroPadding2D(args),
  cropping2d: (args: LayerArgs & { cropping: Pairs; dataFormat?: DataFormat }) => new Cropping2D(args),
  batchNormalization: (args: BatchNormalizationArgs = {}) => new BatchNormalization(args),
  layerNormalization: (args: LayerNormalizationArgs = {}) => new LayerNormalization(args),
  leakyReLU: (args: LayerArgs & { alpha?: number } = {}) => new LeakyReLU(args),
  pReLU: (args: PReLUArgs = {}) => new PReLU(args),
  spatialDropout1d: (args: SpatialDropoutArgs) => new SpatialDropout1D(args),
  spatialDropout2d: (args: SpatialDropoutArgs) => new SpatialDropout2D(args),
};

export {
  Conv1D,
  Conv2D,
  Conv3D,
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
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
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  ZeroPadding2D,
  Cropping2D,
  BatchNormalization,
  LayerNormalization,
  LeakyReLU,
  PReLU,
  SpatialDropout1D,
  SpatialDropout2D,
};
export type {
  ConvLayerArgs,
  DataFormat,
  DepthwiseConv2DArgs,
  SeparableConv2DArgs,
  PoolingArgs,
  BatchNormalizationArgs,
  LayerNormalizationArgs,
  PReLUArgs,
  SpatialDropoutArgs,
};
