// tfjs-core's fused.depthwiseConv2d: depthwiseConv2d + bias, then an activation (composed:
// the depthwise kernel has no fused epilogue), with leakyreluAlpha and preluActivationWeights.
import type { TensorLike } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { add } from './binary.js';
import type { ConvActivation } from './conv2d.js';
import type { PadArg, RoundingMode } from './conv_util.js';
import { depthwiseConv2d } from './depthwise.js';
import { AFTER_NAMES, afterActivation } from './prelu.js';
import { relu, relu6 } from './unary.js';
import { scoped, toTensor } from './util.js';

/** Arguments of `fused.depthwiseConv2d` (tfjs-core's). */
export interface FusedDepthwiseConv2DArgs {
  /** [batch, height, width, inChannels] (or unbatched, or NCHW with dataFormat). */
  x: Tensor | TensorLike;
  /** [filterHeight, filterWidth, inChannels, channelMultiplier]. */
  filter: Tensor | TensorLike;
  /** One number or [strideHeight, strideWidth]. */
  strides: number | [number, number];
  /** 'valid', 'same', a number or explicit pairs, as depthwiseConv2d. */
  pad: PadArg;
  /** 'NHWC' (default) or 'NCHW'. */
  dataFormat?: 'NHWC' | 'NCHW';
  /** One number or [rateHeight, rateWidth] (default 1). */
  dilations?: number | [number, number];
  /** How a numeric pad rounds output sizes. */
  dimRoundingMode?: RoundingMode;
  /** Added per output channel: shape [inChannels * channelMultiplier] (or broadcastable). */
  bias?: Tensor | TensorLike;
  /** Applied after the bias: linear (default), relu, relu6, sigmoid, tanh, elu, selu, leakyrelu, prelu. */
  activation?: ConvActivation;
  /** prelu's alpha, broadcast against the output. */
  preluActivationWeights?: Tensor;
  /** leakyrelu's slope (default 0.2). */
  leakyreluAlpha?: number;
}

/**
 * act(depthwiseConv2d(x, filter) + bias), as tfjs-core's `fused.depthwiseConv2d`.
 * @example sg.fused.depthwiseConv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu6' });
 */
export const fusedDepthwiseConv2d = scoped((args: FusedDepthwiseConv2DArgs): Tensor => {
  const op = 'fused.depthwiseConv2d';
  const key = String(args.activation ?? 'linear').toLowerCase();
  const direct: Record<string, (y: Tensor) => Tensor> = { linear: (y) => y, relu, relu6 };
  const act = direct[key] ?? afterActivation(op, key, args);
  if (!act)
    throw new Error(
      `${op}: unknown activation '${args.activation}'; expected one of linear, relu, relu6, ${AFTER_NAMES.join(', ')}`,
    );
  let y = depthwiseConv2d(
    args.x,
    args.filter,
    args.strides,
    args.pad,
    args.dataFormat ?? 'NHWC',
    args.dilations ?? [1, 1],
    args.dimRoundingMode,
  );
  if (args.bias != null) {
    const b = toTensor(args.bias, 'bias', op);
    const c = y.shape[args.dataFormat === 'NCHW' ? 1 : y.rank - 1];
    if (b.size !== c && !(b.size === 1))
      throw new Error(`${op}: bias must have ${c} elements (one per output channel) but has shape [${b.shape}]`);
    y = add(y, args.dataFormat === 'NCHW' && b.rank === 1 ? b.reshape([c, 1, 1]) : b);
  }
  return act(y);
});
