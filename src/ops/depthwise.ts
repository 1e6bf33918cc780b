// depthwiseConv2d and separableConv2d (tfjs-core signatures) and the depthwise gradients.
// Output channel c*multiplier + m sees only input channel c. Porting note: the depthwise
// kernels are plain loops on both backends for now (not the GEMM), see the issue 5 report.
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { checkFormat, conv2d } from './conv2d.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import { checkRank, checkStridesDilations, spatialGeom, tupleArg, type PadArg, type RoundingMode } from './conv_util.js';

const geom = (a: Record<string, unknown>) => ({ strides: a.strides, dilations: a.dilations, pads: a.pads, out: a.out });

registerGradient('DepthwiseConv', {
  saveInputs: true,
  grad: ([dy], { inputs: [x, f], attrs }) => [
    () => run1('DepthwiseConvBackpropInput', [dy, f], Object.assign({}, geom(attrs), { inShape: x.shape })),
    () => run1('DepthwiseConvBackpropFilter', [x, dy], Object.assign({}, geom(attrs), { filterShape: f.shape })),
  ],
});

registerGradient('DepthwiseConvBackpropInput', {
  saveInputs: true,
  grad: ([g], { inputs: [dy, f], attrs }) => [
    () => run1('DepthwiseConv', [g, f], geom(attrs)),
    () => run1('DepthwiseConvBackpropFilter', [g, dy], Object.assign({}, geom(attrs), { filterShape: f.shape })),
  ],
});

registerGradient('DepthwiseConvBackpropFilter', {
  saveInputs: true,
  grad: ([g], { inputs: [x, dy], attrs }) => [
    () => run1('DepthwiseConvBackpropInput', [dy, g], Object.assign({}, geom(attrs), { inShape: x.shape })),
    () => run1('DepthwiseConv', [x, g], geom(attrs)),
  ],
});

/**
 * Depthwise 2-d convolution. x: [batch, height, width, inChannels] (or NCHW), filter:
 * [filterHeight, filterWidth, inChannels, channelMultiplier]; output channels inChannels * multiplier.
 * @example sg.depthwiseConv2d(sg.ones([1, 5, 5, 3]), sg.ones([3, 3, 3, 2]), 1, 'same').shape; // [1, 5, 5, 6]
 * @category Neural network
 * @function
 */
export const depthwiseConv2d = scoped(
  (
    xIn: Tensor | TensorLike,
    filterIn: Tensor | TensorLike,
    stridesArg: number | [number, number],
    pad: PadArg,
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
    dilationsArg: number | [number, number] = [1, 1],
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const op = 'depthwiseConv2d';
    checkFormat(op, dataFormat, ['NHWC', 'NCHW']);
    const x0 = toTensor(xIn, 'x', op);
    const f = toTensor(filterIn, 'filter', op);
    checkFloat(op, 'x', x0);
    checkFloat(op, 'filter', f);
    checkRank(op, 'x', x0.shape, [3, 4]);
    checkRank(op, 'filter', f.shape, [4]);
    const unbatched = x0.rank === 3;
    let x = unbatched ? reshape(x0, [1, ...x0.shape]) : x0;
    const cf = dataFormat === 'NCHW';
    if (cf) x = transpose(x, [0, 2, 3, 1]);
    const shapes = `x ${fmt(x0.shape)} and filter ${fmt(f.shape)}`;
    if (f.shape[2] !== x.shape[3]) {
      throw new Error(`${op}: the input has ${x.shape[3]} channels but the filter expects ${f.shape[2]}; ${shapes}`);
    }
    const strides = tupleArg(op, 'strides', stridesArg, 2);
    const dilations = tupleArg(op, 'dilations', dilationsArg, 2);
    checkStridesDilations(op, strides, dilations);
    const g = spatialGeom(op, x.shape.slice(1, 3), f.shape.slice(0, 2), strides, dilations, pad, cf ? [2, 3] : [1, 2], dimRoundingMode, shapes);
    let y = run1('DepthwiseConv', [x, f], { strides, dilations, pads: g.pads, out: g.out });
    if (cf) y = transpose(y, [0, 3, 1, 2]);
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  },
);

/**
 * Depthwise convolution followed by a 1x1 (pointwise) convolution. depthwiseFilter:
 * [fh, fw, inChannels, multiplier], pointwiseFilter: [1, 1, inChannels * multiplier, outChannels].
 * @example sg.separableConv2d(x, dw, pw, 1, 'same');
 * @category Neural network
 * @function
 */
export const separableConv2d = scoped(
  (
    x: Tensor | TensorLike,
    depthwiseFilter: Tensor | TensorLike,
    pointwiseFilter: Tensor | TensorLike,
    strides: number | [number, number],
    pad: 'valid' | 'same',
    dilation: number | [number, number] = [1, 1],
    dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  ): Tensor => {
    const op = 'separableConv2d';
    const pw = toTensor(pointwiseFilter, 'pointwiseFilter', op);
    const dw = toTensor(depthwiseFilter, 'depthwiseFilter', op);
    checkRank(op, 'pointwiseFilter', pw.shape, [4]);
    checkRank(op, 'depthwiseFilter', dw.shape, [4]);
    if (pw.shape[0] !== 1 || pw.shape[1] !== 1 || pw.shape[2] !== dw.shape[2] * dw.shape[3]) {
      throw new Error(
        `${op}: pointwiseFilter must be [1, 1, ${dw.shape[2] * dw.shape[3]}, outChannels] for depthwiseFilter ${fmt(dw.shape)} but is ${fmt(pw.shape)}`,
      );
    }
    const d = depthwiseConv2d(x, dw, strides, pad, dataFormat, dilation);
    return conv2d(d, pw, 1, 'valid', dataFormat);
  },
);
