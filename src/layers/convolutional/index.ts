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

/** @inline */
type GlobalArgs = LayerArgs & { dataFormat?: DataFormat };
/** @inline */
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
  /**
   * A {@link Conv1D} layer: 1-d convolution over [batch, steps, channels].
   * @example sg.layers.conv1d({ filters: 16, kernelSize: 5, activation: 'relu' });
   */
  conv1d: (args: ConvLayerArgs) => new Conv1D(args),
  /**
   * A {@link Conv2D} layer: 2-d convolution over [batch, h, w, channels].
   * @example sg.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] });
   */
  conv2d: (args: ConvLayerArgs) => new Conv2D(args),
  /**
   * A {@link Conv3D} layer: 3-d convolution over [batch, d, h, w, channels].
   * @example sg.layers.conv3d({ filters: 8, kernelSize: 3 });
   */
  conv3d: (args: ConvLayerArgs) => new Conv3D(args),
  /**
   * A {@link Conv2DTranspose} layer (transposed convolution, upsampling).
   * @example sg.layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' });
   */
  conv2dTranspose: (args: ConvLayerArgs) => new Conv2DTranspose(args),
  /**
   * A {@link DepthwiseConv2D} layer.
   * @example sg.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 });
   */
  depthwiseConv2d: (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(args),
  /**
   * A {@link SeparableConv2D} layer (depthwise, then 1x1).
   * @example sg.layers.separableConv2d({ filters: 32, kernelSize: 3 });
   */
  separableConv2d: (args: SeparableConv2DArgs) => new SeparableConv2D(args),
  /**
   * A {@link MaxPooling1D} layer.
   * @example sg.layers.maxPooling1d({ poolSize: 2 });
   */
  maxPooling1d: (args: PoolingArgs = {}) => new MaxPooling1D(args),
  /**
   * A {@link MaxPooling2D} layer.
   * @example sg.layers.maxPooling2d({ poolSize: 2 });
   */
  maxPooling2d: (args: PoolingArgs = {}) => new MaxPooling2D(args),
  /**
   * A {@link MaxPooling3D} layer.
   * @example sg.layers.maxPooling3d({ poolSize: 2 });
   */
  maxPooling3d: (args: PoolingArgs = {}) => new MaxPooling3D(args),
  /**
   * An {@link AveragePooling1D} layer.
   * @example sg.layers.averagePooling1d({ poolSize: 2 });
   */
  averagePooling1d: (args: PoolingArgs = {}) => new AveragePooling1D(args),
  /**
   * An {@link AveragePooling2D} layer.
   * @example sg.layers.averagePooling2d({ poolSize: 2 });
   */
  averagePooling2d: (args: PoolingArgs = {}) => new AveragePooling2D(args),
  /**
   * An {@link AveragePooling3D} layer.
   * @example sg.layers.averagePooling3d({ poolSize: 2 });
   */
  averagePooling3d: (args: PoolingArgs = {}) => new AveragePooling3D(args),
  /**
   * A {@link GlobalMaxPooling1D} layer: the maximum over the steps.
   * @example sg.layers.globalMaxPooling1d();
   */
  globalMaxPooling1d: (args: GlobalArgs = {}) => new GlobalMaxPooling1D(args),
  /**
   * A {@link GlobalMaxPooling2D} layer: the maximum over height and width.
   * @example sg.layers.globalMaxPooling2d();
   */
  globalMaxPooling2d: (args: GlobalArgs = {}) => new GlobalMaxPooling2D(args),
  /**
   * A {@link GlobalAveragePooling1D} layer: the mean over the steps.
   * @example sg.layers.globalAveragePooling1d();
   */
  globalAveragePooling1d: (args: GlobalArgs = {}) => new GlobalAveragePooling1D(args),
  /**
   * A {@link GlobalAveragePooling2D} layer: the mean over height and width.
   * @example sg.layers.globalAveragePooling2d();
   */
  globalAveragePooling2d: (args: GlobalArgs = {}) => new GlobalAveragePooling2D(args),
  /**
   * An {@link UpSampling1D} layer: repeats each step `size` times (default 2).
   * @example sg.layers.upSampling1d({ size: 2 });
   */
  upSampling1d: (args: LayerArgs & { size?: number } = {}) => new UpSampling1D(args),
  /**
   * An {@link UpSampling2D} layer: scales height and width by `size` (default 2), 'nearest' or 'bilinear'.
   * @example sg.layers.upSampling2d({ size: 2, interpolation: 'bilinear' });
   */
  upSampling2d: (args: LayerArgs & { size?: number | number[]; dataFormat?: DataFormat; interpolation?: 'nearest' | 'bilinear' } = {}) =>
    new UpSampling2D(args),
  /**
   * A {@link ZeroPadding1D} layer: zeros before and after the steps.
   * @example sg.layers.zeroPadding1d({ padding: 2 });
   */
  zeroPadding1d: (args: LayerArgs & { padding?: number | [number, number] } = {}) => new ZeroPadding1D(args),
  /**
   * A {@link ZeroPadding2D} layer: zero rows and columns around each image.
   * @example sg.layers.zeroPadding2d({ padding: [[1, 1], [2, 2]] });
   */
  zeroPadding2d: (args: LayerArgs & { padding?: Pairs; dataFormat?: DataFormat } = {}) => new ZeroPadding2D(args),
  /**
   * A {@link Cropping2D} layer: removes rows and columns at the edges.
   * @example sg.layers.cropping2d({ cropping: [[2, 2], [4, 4]] });
   */
  cropping2d: (args: LayerArgs & { cropping: Pairs; dataFormat?: DataFormat }) => new Cropping2D(args),
  /**
   * A {@link BatchNormalization} layer.
   * @example sg.layers.batchNormalization({ momentum: 0.99 });
   */
  batchNormalization: (args: BatchNormalizationArgs = {}) => new BatchNormalization(args),
  /**
   * A {@link LayerNormalization} layer.
   * @example sg.layers.layerNormalization({ epsilon: 1e-6 });
   */
  layerNormalization: (args: LayerNormalizationArgs = {}) => new LayerNormalization(args),
  /**
   * A {@link LeakyReLU} layer: x, or alpha * x below 0 (default alpha 0.3, Keras).
   * @example sg.layers.leakyReLU({ alpha: 0.2 });
   */
  leakyReLU: (args: LayerArgs & { alpha?: number } = {}) => new LeakyReLU(args),
  /**
   * A {@link PReLU} layer: a leaky ReLU with a learned slope per unit.
   * @example sg.layers.pReLU();
   */
  pReLU: (args: PReLUArgs = {}) => new PReLU(args),
  /**
   * A {@link SpatialDropout1D} layer: drops whole channels of [batch, steps, channels].
   * @example sg.layers.spatialDropout1d({ rate: 0.2 });
   */
  spatialDropout1d: (args: SpatialDropoutArgs) => new SpatialDropout1D(args),
  /**
   * A {@link SpatialDropout2D} layer: drops whole feature maps.
   * @example sg.layers.spatialDropout2d({ rate: 0.2 });
   */
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
