// ONNX converters of the convolutional family: Conv1D/2D/3D, DepthwiseConv2D, SeparableConv2D,
// Conv2DTranspose, max/average pooling 1d/2d/3d, global pooling, ZeroPadding, Cropping and
// UpSampling. Convolutions and pools run on channels-first twins (see graph.ts).
import type { LayerWeight } from '../../layers/layer.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { activation, elementwise } from './activations.js';
import { weightInit } from './core.js';
import { INT64_MAX, Unsupported, permute, type Converter, type OnnxGraph, type Val } from './graph.js';
import type { AttrValue } from './proto.js';

type Format = 'channelsFirst' | 'channelsLast';

/** The spatial sizes of a shape in a data format. */
function spatialOf(shape: SymbolicShape, nd: number, format: Format): (number | null)[] {
  return format === 'channelsLast' ? shape.slice(1, nd + 1) : shape.slice(2, nd + 2);
}

/**
 * ONNX pads for TensorFlow's 'same' (the extra pixel at the end, as SAME_UPPER), 'valid' or
 * 'causal' (all of it before); auto_pad where a spatial size is unknown.
 */
export function padAttrs(
  padding: string,
  spatial: (number | null)[],
  k: number[],
  s: number[],
  d: number[],
): Record<string, AttrValue> {
  const nd = k.length;
  if (padding === 'valid') return { pads: new Array<number>(2 * nd).fill(0) };
  if (padding === 'causal') return { pads: [d[0] * (k[0] - 1), 0] };
  if (spatial.some((n) => n === null)) return { auto_pad: 'SAME_UPPER' };
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((n, i) => {
    const eff = (k[i] - 1) * d[i] + 1;
    const out = Math.ceil((n as number) / s[i]);
    const total = Math.max(0, (out - 1) * s[i] + eff - (n as number));
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: [...begin, ...end] };
}

interface ConvLike {
  name: string;
  kernelSize: number[];
  strides: number[];
  dilationRate: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat: Format;
  activationName: string;
  bias?: LayerWeight;
}

/** The channels-first input of a layer, and how to give its result back in the layer's format. */
function layout(g: OnnxGraph, l: { name: string; dataFormat: Format }, x: Val, nd: number) {
  const cf = l.dataFormat === 'channelsFirst';
  return {
    input: cf ? x.name : g.channelsFirst(x, l.name),
    /** Activation (element-wise ones on the channels-first value), then back to the layer's format. */
    finish: (y: string, act = 'linear') => {
      // Channels-first layers apply their activation to their own output as is (softmax on its last axis).
      if (cf) return activation(g, act, y, l.name, -1);
      if (elementwise(act)) return g.channelsLast(activation(g, act, y, l.name, 1), nd + 2, l.name);
      return activation(g, act, g.channelsLast(y, nd + 2, l.name), l.name, -1);
    },
  };
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** Keras kernel [k..., in, out] as ONNX's [out, in, k...]. */
export function convWeight(g: OnnxGraph, w: LayerWeight, nd: number): string {
  return g.floatInit(`${w.owner.name}/${w.name}:OI${'HWD'.slice(0, nd)}`, () =>
    permute(w.variable.dataSync(), w.shape, [nd + 1, nd, ...range(nd)]),
  );
}

function conv(g: OnnxGraph, l: ConvLike & { kernel?: LayerWeight }, x: Val): string {
  const nd = l.kernelSize.length;
  const io = layout(g, l, x, nd);
  const attrs = {
    kernel_shape: l.kernelSize,
    strides: l.strides,
    dilations: l.dilationRate,
    group: 1,
    ...padAttrs(l.padding, spatialOf(x.shape, nd, l.dataFormat), l.kernelSize, l.strides, l.dilationRate),
  };
  const ins = [io.input, convWeight(g, l.kernel!, nd)];
  if (l.bias) ins.push(weightInit(g, l.bias));
  return io.finish(g.op('Conv', ins, attrs, `${l.name}/Conv`), l.activationName);
}

interface DepthwiseLike extends ConvLike {
  depthMultiplier: number;
  depthwiseKernel?: LayerWeight;
  pointwiseKernel?: LayerWeight;
}

/** Depthwise conv as a grouped Conv: Keras [kh, kw, in, mult] -> [in * mult, 1, kh, kw]. */
function depthwise(g: OnnxGraph, l: DepthwiseLike, x: Val): string {
  const io = layout(g, l, x, 2);
  const dk = l.depthwiseKernel!;
  const [kh, kw, inC, mult] = dk.shape;
  const W = g.floatInit(`${l.name}/depthwise_kernel:grouped`, () => {
    const p = permute(dk.variable.dataSync(), dk.shape, [2, 3, 0, 1]);
    return { data: p.data, dims: [inC * mult, 1, kh, kw] };
  });
  const attrs = {
    kernel_shape: l.kernelSize,
    strides: l.strides,
    dilations: l.dilationRate,
    group: inC,
    ...padAttrs(l.padding, spatialOf(x.shape, 2, l.dataFormat), l.kernelSize, l.strides, l.dilationRate),
  };
  if (!l.pointwiseKernel) {
    const ins = [io.input, W];
    if (l.bias) ins.push(weightInit(g, l.bias));
    return io.finish(g.op('Conv', ins, attrs, `${l.name}/DepthwiseConv`), l.activationName);
  }
  const dw = g.op('Conv', [io.input, W], attrs, `${l.name}/DepthwiseConv`);
  const ins = [dw, convWeight(g, l.pointwiseKernel, 2)];
  if (l.bias) ins.push(weightInit(g, l.bias));
  const pw = g.op('Conv', ins, { kernel_shape: [1, 1], strides: [1, 1], dilations: [1, 1], group: 1, pads: [0, 0, 0, 0] }, `${l.name}/PointwiseConv`);
  return io.finish(pw, l.activationName);
}

/**
 * Conv2DTranspose: ONNX's ConvTranspose is the same operation (the gradient of a convolution).
 * Kernel [kh, kw, out, in] -> [in, out, kh, kw]. The padding in front is the forward
 * convolution's (from the output size to the input size, as simdgrad and TensorFlow compute it);
 * the rest is end padding, or output_padding where the output is longer.
 */
function convTranspose(g: OnnxGraph, l: ConvLike & { kernel?: LayerWeight }, x: Val, out: SymbolicShape): string {
  const io = layout(g, l, x, 2);
  const inS = spatialOf(x.shape, 2, l.dataFormat);
  const outS = spatialOf(out, 2, l.dataFormat);
  if (inS.some((n) => n === null) || outS.some((n) => n === null)) {
    throw new Unsupported(`the spatial size of the input ${JSON.stringify(x.shape)} must be known`);
  }
  const begin: number[] = [];
  const end: number[] = [];
  const outputPadding: number[] = [];
  inS.forEach((nn, i) => {
    const n = nn as number;
    const o = outS[i] as number;
    const k = l.kernelSize[i];
    const s = l.strides[i];
    const front = l.padding === 'same' ? Math.floor(Math.max(0, (n - 1) * s + k - o) / 2) : 0;
    const rest = (n - 1) * s + k - front - o;
    begin.push(front);
    end.push(Math.max(rest, 0));
    outputPadding.push(Math.max(-rest, 0));
  });
  const W = g.floatInit(`${l.name}/kernel:IOHW`, () => permute(l.kernel!.variable.dataSync(), l.kernel!.shape, [3, 2, 0, 1]));
  const ins = [io.input, W];
  if (l.bias) ins.push(weightInit(g, l.bias));
  const attrs: Record<string, AttrValue> = { kernel_shape: l.kernelSize, strides: l.strides, pads: [...begin, ...end] };
  if (outputPadding.some((p) => p > 0)) attrs.output_padding = outputPadding;
  return io.finish(g.op('ConvTranspose', ins, attrs, `${l.name}/ConvTranspose`), l.activationName);
}

interface PoolLike {
  name: string;
  poolSize: number[];
  strides: number[];
  padding: 'valid' | 'same';
  dataFormat: Format;
}

const pool =
  (op: 'MaxPool' | 'AveragePool'): Converter =>
  (g, { layer, inputs: [x] }) => {
    const l = layer as PoolLike;
    const nd = l.poolSize.length;
    const io = layout(g, l, x, nd);
    const ones = new Array<number>(nd).fill(1);
    // Average pools with 'same' padding divide by the window's pixels inside the input, as
    // TensorFlow: count_include_pad 0 (ONNX's default).
    const attrs = { kernel_shape: l.poolSize, strides: l.strides, ...padAttrs(l.padding, spatialOf(x.shape, nd, l.dataFormat), l.poolSize, l.strides, ones) };
    return [io.finish(g.op(op, [io.input], attrs, `${l.name}/${op}`))];
  };

const globalPool =
  (op: 'ReduceMax' | 'ReduceMean', nd: number): Converter =>
  (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; dataFormat: Format };
    // After a conv or pool the channels-first twin is reduced, so no Transpose back is needed.
    const twin = l.dataFormat === 'channelsLast' ? g.twinOf(x.name) : undefined;
    const axes = l.dataFormat === 'channelsLast' && !twin ? range(nd, 1) : range(nd, 2);
    return [g.reduce(op, twin ?? x.name, axes, false, `${l.name}/${op}`)];
  };

/** The [begin..., end...] pads of every axis for padding pairs on the spatial axes. */
function padsFor(rank: number, spatialAxes: number[], pairs: [number, number][]): number[] {
  const b = new Array<number>(rank).fill(0);
  const e = new Array<number>(rank).fill(0);
  spatialAxes.forEach((a, i) => {
    b[a] = pairs[i][0];
    e[a] = pairs[i][1];
  });
  return [...b, ...e];
}

function resize(g: OnnxGraph, name: string, x: string, scales: number[], mode: 'nearest' | 'linear'): string {
  // simdgrad's (and tfjs') resize without alignCorners or halfPixelCenters maps output i to
  // input i / scale: 'asymmetric'; nearest rounds down.
  const attrs: Record<string, AttrValue> = { mode, coordinate_transformation_mode: 'asymmetric' };
  if (mode === 'nearest') attrs.nearest_mode = 'floor';
  return g.op('Resize', [x, '', g.f32(scales)], attrs, `${name}/Resize`);
}

export const convConverters: Record<string, Converter> = {
  Conv1D: (g, { layer, inputs: [x] }) => [conv(g, layer as ConvLike, x)],
  Conv2D: (g, { layer, inputs: [x] }) => [conv(g, layer as ConvLike, x)],
  Conv3D: (g, { layer, inputs: [x] }) => [conv(g, layer as ConvLike, x)],
  DepthwiseConv2D: (g, { layer, inputs: [x] }) => [depthwise(g, layer as DepthwiseLike, x)],
  SeparableConv2D: (g, { layer, inputs: [x] }) => [depthwise(g, layer as DepthwiseLike, x)],
  Conv2DTranspose: (g, { layer, inputs: [x], outShapes: [out] }) => [convTranspose(g, layer as ConvLike, x, out)],

  MaxPooling1D: pool('MaxPool'),
  MaxPooling2D: pool('MaxPool'),
  MaxPooling3D: pool('MaxPool'),
  AveragePooling1D: pool('AveragePool'),
  AveragePooling2D: pool('AveragePool'),
  AveragePooling3D: pool('AveragePool'),
  GlobalMaxPooling1D: globalPool('ReduceMax', 1),
  GlobalMaxPooling2D: globalPool('ReduceMax', 2),
  GlobalAveragePooling1D: globalPool('ReduceMean', 1),
  GlobalAveragePooling2D: globalPool('ReduceMean', 2),

  ZeroPadding1D: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; padding: [number, number] };
    return [g.op('Pad', [x.name, g.i64(padsFor(3, [1], [l.padding]))], { mode: 'constant' }, `${l.name}/Pad`)];
  },
  ZeroPadding2D: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; padding: [number, number][]; dataFormat: Format };
    const axes = l.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    return [g.op('Pad', [x.name, g.i64(padsFor(4, axes, l.padding))], { mode: 'constant' }, `${l.name}/Pad`)];
  },
  Cropping2D: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; cropping: [number, number][]; dataFormat: Format };
    const axes = l.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    const starts = l.cropping.map((c) => c[0]);
    const ends = l.cropping.map((c) => (c[1] > 0 ? -c[1] : INT64_MAX));
    return [g.slice(x.name, starts, ends, axes, `${l.name}/Slice`)];
  },
  UpSampling1D: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; size: number };
    return [resize(g, l.name, x.name, [1, l.size, 1], 'nearest')];
  },
  UpSampling2D: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; size: number[]; dataFormat: Format; interpolation: 'nearest' | 'bilinear' };
    const scales = l.dataFormat === 'channelsLast' ? [1, ...l.size, 1] : [1, 1, ...l.size];
    return [resize(g, l.name, x.name, scales, l.interpolation === 'bilinear' ? 'linear' : 'nearest')];
  },
};
