// conv3d (tfjs-core signature): the 3-d case of convNd, on the same 'Conv' kernel and gradient.
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { checkFormat, convNd } from './conv2d.js';
import type { PadArg, RoundingMode } from './conv_util.js';

/**
 * 3-d convolution. x: [batch, depth, height, width, inChannels] (or NCDHW), filter:
 * [filterDepth, filterHeight, filterWidth, inChannels, outChannels].
 * Porting note: besides tfjs' 'valid' and 'same', pad may be a number or explicit pairs.
 * @example sg.conv3d(sg.ones([1, 4, 4, 4, 1]), sg.ones([2, 2, 2, 1, 3]), 1, 'valid').shape; // [1, 3, 3, 3, 3]
 * @category Neural network
 */
export function conv3d(
  x: Tensor | TensorLike,
  filter: Tensor | TensorLike,
  strides: number | [number, number, number],
  pad: PadArg,
  dataFormat: 'NDHWC' | 'NCDHW' = 'NDHWC',
  dilations: number | [number, number, number] = [1, 1, 1],
  dimRoundingMode?: RoundingMode,
): Tensor {
  checkFormat('conv3d', dataFormat, ['NDHWC', 'NCDHW']);
  return convNd({ op: 'conv3d', x, filter, nd: 3, strides, pad, channelsFirst: dataFormat === 'NCDHW', dilations, dimRoundingMode });
}
