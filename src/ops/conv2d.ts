// conv1d, conv2d and fused.conv2d (tfjs-core signatures), the shared n-d front end `convNd`,
// and the gradients of the three convolution kernels. Every convolution runs as the 3-d kernel
// 'Conv' on channels-last [N, D, H, W, C] views (1-d and 2-d get unit depth/height by a reshape,
// which shares the buffer), so one fast kernel and one gradient rule serve conv1d/2d/3d.
import { Act, Unary } from '../backends/wasm/codes.generated.js';
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { add } from './binary.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { relu, relu6 } from './unary.js';
import { AFTER_NAMES, afterActivation } from './prelu.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import {
  checkRank,
  checkStridesDilations,
  spatialGeom,
  tupleArg,
  type PadArg,
  type RoundingMode,
} from './conv_util.js';

/** The kernel attrs of a convolution (3-d, channels-last). */
export interface ConvAttrs {
  strides: number[];
  dilations: number[];
  pads: number[];
  out: number[];
  [key: string]: unknown;
}

const geomAttrs = (a: Record<string, unknown>): ConvAttrs => ({
  strides: a.strides as number[],
  dilations: a.dilations as number[],
  pads: a.pads as number[],
  out: a.out as number[],
});

registerGradient('Conv', {
  saveInputs: [0, 1],
  saveOutputs: true,
  // y = act(conv(x, f) + b): dz = act'(y) dy (relu/relu6 derivatives are functions of y),
  // dx = ConvBackpropInput(dz, f), df = ConvBackpropFilter(x, dz), db = dz summed per channel.
  grad: ([dy], { inputs: [x, f], outputs: [y], attrs, inputInfos }) => {
    const g = attrs.gradOp as Unary | null | undefined;
    let cached: Tensor | undefined;
    const dz = () => (cached ??= g == null ? dy : run1('UnaryGrad', [y, y, dy], { op: g, alpha: 0, beta: 0 }));
    const a = geomAttrs(attrs);
    const thunks: ((() => Tensor) | null)[] = [
      () => run1('ConvBackpropInput', [dz(), f], Object.assign({}, a, { inShape: x.shape })),
      () => run1('ConvBackpropFilter', [x, dz()], Object.assign({}, a, { filterShape: f.shape })),
    ];
    if (inputInfos.length > 2) {
      const co = inputInfos[2].shape[0];
      thunks.push(() => sum(reshape(dz(), [-1, co]), 0));
    }
    return thunks;
  },
});

registerGradient('ConvBackpropInput', {
  saveInputs: true,
  // dx = sum dy f over taps is bilinear in (dy, f): d dy = conv(g, f), d f = filter gradient of (g, dy).
  grad: ([g], { inputs: [dy, f], attrs }) => {
    const a = geomAttrs(attrs);
    return [() => run1('Conv', [g, f], a), () => run1('ConvBackpropFilter', [g, dy], Object.assign({}, a, { filterShape: f.shape }))];
  },
});

registerGradient('ConvBackpropFilter', {
  saveInputs: true,
  grad: ([g], { inputs: [x, dy], attrs }) => {
    const a = geomAttrs(attrs);
    return [() => run1('ConvBackpropInput', [dy, g], Object.assign({}, a, { inShape: x.shape })), () => run1('Conv', [x, g], a)];
  },
});

/** Activations the conv epilogue computes (see fused.matMul for why only relu/relu6 fuse). */
const FUSED: Record<string, { act: Act; grad: Unary | null }> = {
  linear: { act: Act.Linear, grad: null },
  relu: { act: Act.Relu, grad: Unary.Relu },
  relu6: { act: Act.Relu6, grad: Unary.Relu6 },
};

/** Activations `fusedConv2d` (tfjs's `fused.conv2d`) applies after the bias, by name. */
export type ConvActivation = 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'leakyrelu' | 'prelu';

export interface ConvNdArgs {
  op: string;
  x: Tensor | TensorLike;
  filter: Tensor | TensorLike;
  /** Number of spatial dimensions: 1, 2 or 3. */
  nd: number;
  strides?: number | number[];
  pad: PadArg;
  channelsFirst?: boolean;
  dilations?: number | number[];
  dimRoundingMode?: RoundingMode;
  bias?: Tensor;
  activation?: string;
  preluActivationWeights?: Tensor;
  leakyreluAlpha?: number;
}

/**
 * The n-d convolution behind conv1d/conv2d/conv3d and the conv layers: validates everything,
 * then runs one 'Conv' kernel on channels-last 5-d views. x: [N, ...spatial, C] (or
 * [N, C, ...spatial] with channelsFirst; unbatched inputs get a batch of 1), filter:
 * [...window, C, CO].
 * @category Neural network
 */
export const convNd = scoped((args: ConvNdArgs): Tensor => {
  const { op, nd } = args;
  const x0 = toTensor(args.x, 'x', op);
  const f = toTensor(args.filter, 'filter', op);
  checkFloat(op, 'x', x0);
  checkFloat(op, 'filter', f);
  checkRank(op, 'x', x0.shape, [nd + 1, nd + 2]);
  checkRank(op, 'filter', f.shape, [nd + 2]);
  const key = String(args.activation ?? 'linear').toLowerCase();
  const fused = FUSED[key];
  const after = fused ? null : afterActivation(op, key, args);
  if (!fused && !after)
    throw new Error(
      `${op}: unknown activation '${args.activation}'; expected one of ${[...Object.keys(FUSED), ...AFTER_NAMES].join(', ')}`,
    );
  const unbatched = x0.rank === nd + 1;
  let x = unbatched ? reshape(x0, [1, ...x0.shape]) : x0;
  const cf = !!args.channelsFirst;
  if (cf) x = transpose(x, [0, ...Array.from({ length: nd }, (_, i) => i + 2), 1]);
  const C = x.shape[nd + 1];
  const window = f.shape.slice(0, nd);
  const CO = f.shape[nd + 1];
  const shapes = `x ${fmt(x0.shape)}${cf ? ' (channels first)' : ''} and filter ${fmt(f.shape)}`;
  if (f.shape[nd] !== C) {
    throw new Error(`${op}: the input has ${C} channels but the filter expects ${f.shape[nd]}; ${shapes}`);
  }
  const strides = tupleArg(op, 'strides', args.strides, nd);
  const dilations = tupleArg(op, 'dilations', args.dilations, nd);
  checkStridesDilations(op, strides, dilations);
  const inS = x.shape.slice(1, nd + 1);
  const explicitDims = Array.from({ length: nd }, (_, i) => (cf ? i + 2 : i + 1));
  const sg = spatialGeom(op, inS, window, strides, dilations, args.pad, explicitDims, args.dimRoundingMode, shapes);
  let bias = args.bias;
  let lateBias: Tensor | undefined;
  if (bias) {
    toTensor(bias, 'bias', op);
    checkFloat(op, 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== CO) {
      lateBias = bias; // broadcast by an add after the kernel
      bias = undefined;
    }
  }
  const lift = (v: number[], fill: number) => [...new Array<number>(3 - nd).fill(fill), ...v];
  const x5 = reshape(x, [x.shape[0], ...lift(inS, 1), C]);
  const f5 = reshape(f, [...lift(window, 1), C, CO]);
  const spec = fused && !lateBias ? fused : FUSED.linear;
  const attrs = {
    strides: lift(strides, 1),
    dilations: lift(dilations, 1),
    pads: lift(sg.pads, 0),
    out: lift(sg.out, 1),
    act: spec.act,
    gradOp: spec.grad,
  };
  let y = run1('Conv', bias ? [x5, f5, bias] : [x5, f5], attrs);
  y = reshape(y, [x.shape[0], ...sg.out, CO]);
  if (lateBias) y = add(y, lateBias);
  if (lateBias && fused && fused.act !== Act.Linear) y = key === 'relu' ? relu(y) : relu6(y);
  if (after) y = after(y);
  if (cf) y = transpose(y, [0, nd + 1, ...Array.from({ length: nd }, (_, i) => i + 1)]);
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
});

/**
 * 2-d convolution (tfjs-core's conv2d). x: [batch, height, width, inChannels] (or NCHW with
 * dataFormat 'NCHW'), filter: [filterHeight, filterWidth, inChannels, outChannels].
 * @example sg.conv2d(sg.ones([1, 5, 5, 1]), sg.ones([3, 3, 1, 2]), 1, 'same').shape; // [1, 5, 5, 2]
 * @category Neural network
 */
export function conv2d(
  x: Tensor | TensorLike,
  filter: Tensor | TensorLike,
  strides: number | [number, number],
  pad: PadArg,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dilations: number | [number, number] = [1, 1],
  dimRoundingMode?: RoundingMode,
): Tensor {
  checkFormat('conv2d', dataFormat, ['NHWC', 'NCHW']);
  return convNd({
    op: 'conv2d',
    x,
    filter,
    nd: 2,
    strides,
    pad,
    channelsFirst: dataFormat === 'NCHW',
    dilations,
    dimRoundingMode,
  });
}

/**
 * 1-d convolution (tfjs-core's conv1d). x: [batch, width, inChannels], filter: [filterWidth,
 * inChannels, outChannels].
 * @example sg.conv1d(sg.ones([1, 8, 2]), sg.ones([3, 2, 4]), 1, 'valid').shape; // [1, 6, 4]
 * @category Neural network
 */
export function conv1d(
  x: Tensor | TensorLike,
  filter: Tensor | TensorLike,
  stride: number,
  pad: PadArg,
  dataFormat: 'NWC' | 'NCW' = 'NWC',
  dilation = 1,
  dimRoundingMode?: RoundingMode,
): Tensor {
  checkFormat('conv1d', dataFormat, ['NWC', 'NCW']);
  return convNd({
    op: 'conv1d',
    x,
    filter,
    nd: 1,
    strides: stride,
    pad,
    channelsFirst: dataFormat === 'NCW',
    dilations: dilation,
    dimRoundingMode,
  });
}

export function checkFormat(op: string, v: string, allowed: string[]): void {
  if (!allowed.includes(v))
    throw new Error(`${op}: dataFormat must be ${allowed.map((a) => `'${a}'`).join(' or ')} but is '${v}'`);
}

/** Arguments of {@link fusedConv2d} (tfjs's `fused.conv2d`): conv2d, plus bias, then activation. */
export interface FusedConv2DArgs {
  /** The input [batch, h, w, inChannels] (NHWC). */
  x: Tensor | TensorLike;
  /** The filter [fh, fw, inChannels, outChannels]. */
  filter: Tensor | TensorLike;
  /** The stride, one number or [strideH, strideW]. */
  strides: number | [number, number];
  /** 'valid', 'same', a number of pixels on every side, or explicit [before, after] pairs (tfjs's forms). */
  pad: PadArg;
  /** 'NHWC' (default). */
  dataFormat?: 'NHWC' | 'NCHW';
  /** The dilation, one number or [dh, dw] (default 1). */
  dilations?: number | [number, number];
  /** How a numeric pad rounds the output size ('floor', 'round' or 'ceil'). */
  dimRoundingMode?: RoundingMode;
  /** Added per output channel: shape [outChannels] (or broadcastable to the output). */
  bias?: Tensor;
  /** Applied after the bias (default 'linear'). */
  activation?: ConvActivation;
  /** prelu's alpha, broadcast against the output (tfjs's preluActivationWeights). */
  preluActivationWeights?: Tensor;
  /** leakyrelu's slope (default 0.2). */
  leakyreluAlpha?: number;
}

/**
 * act(conv2d(x, filter) + bias) with the bias add and relu/relu6 in the GEMM epilogue
 * (tfjs-core's fused.conv2d), with tfjs's leakyreluAlpha and preluActivationWeights.
 * @example sg.fusedConv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' });
 * @category Neural network
 */
export function fusedConv2d(args: FusedConv2DArgs, op = 'fusedConv2d'): Tensor {
  const dataFormat = args.dataFormat ?? 'NHWC';
  checkFormat(op, dataFormat, ['NHWC', 'NCHW']);
  return convNd({
    op,
    x: args.x,
    filter: args.filter,
    nd: 2,
    strides: args.strides,
    pad: args.pad,
    channelsFirst: dataFormat === 'NCHW',
    dilations: args.dilations,
    dimRoundingMode: args.dimRoundingMode,
    bias: args.bias,
    activation: args.activation,
    preluActivationWeights: args.preluActivationWeights,
    leakyreluAlpha: args.leakyreluAlpha,
  });
}
