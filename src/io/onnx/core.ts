// ONNX converters of the core layers: Dense, the dropout, noise and augmentation layers
// (identity at inference), Flatten, Reshape, Permute, RepeatVector, Embedding, Masking, BatchNormalization,
// LayerNormalization.
import type { LayerWeight } from '../../layers/layer.js';
import type { SymbolicShape } from '../../layers/symbolic.js';
import { DT, float } from './proto.js';
import { activation } from './activations.js';
import { Unsupported, type Converter, type OnnxGraph } from './graph.js';

/** A weight's values as an initializer (shared between calls of the same layer). */
export function weightInit(g: OnnxGraph, w: LayerWeight): string {
  return g.floatInit(`${w.owner.name}/${w.name}`, () => ({ data: w.variable.dataSync(), dims: w.shape }));
}

const identity: Converter = (_g, { inputs: [x] }) => [x.name];

interface DenseLike {
  name: string;
  units: number;
  activationName: string;
  kernel?: LayerWeight;
  bias?: LayerWeight;
}

/** x W + b then the activation; Gemm for rank-2 inputs, MatMul (+ Add) above. */
export function denseNodes(g: OnnxGraph, l: DenseLike, x: { name: string; shape: SymbolicShape }): string {
  const W = weightInit(g, l.kernel!);
  let y: string;
  if (x.shape.length === 2) {
    y = g.op('Gemm', l.bias ? [x.name, W, weightInit(g, l.bias)] : [x.name, W], {}, `${l.name}/Gemm`);
  } else {
    y = g.op('MatMul', [x.name, W], {}, `${l.name}/MatMul`);
    if (l.bias) y = g.op('Add', [y, weightInit(g, l.bias)], {}, `${l.name}/BiasAdd`);
  }
  return activation(g, l.activationName, y, l.name);
}

function batchNorm(g: OnnxGraph, l: {
  name: string;
  axis: number;
  epsilon: number;
  gamma?: LayerWeight;
  beta?: LayerWeight;
  movingMean?: LayerWeight;
  movingVariance?: LayerWeight;
}, x: { name: string; shape: SymbolicShape }): string {
  const r = x.shape.length;
  const a = l.axis < 0 ? l.axis + r : l.axis;
  const n = l.movingMean!.shape[0];
  const ones = () => ({ data: new Float32Array(n).fill(1), dims: [n] });
  const zeros = () => ({ data: new Float32Array(n), dims: [n] });
  const gamma = l.gamma ? weightInit(g, l.gamma) : g.floatInit(`${l.name}/gamma`, ones);
  const beta = l.beta ? weightInit(g, l.beta) : g.floatInit(`${l.name}/beta`, zeros);
  const mean = weightInit(g, l.movingMean!);
  const variance = weightInit(g, l.movingVariance!);
  const bn = (input: string) =>
    g.op('BatchNormalization', [input, gamma, beta, mean, variance], { epsilon: float(l.epsilon) }, `${l.name}/BatchNormalization`);
  if (a === 1) return bn(x.name);
  if (a === r - 1) return g.channelsLast(bn(g.channelsFirst({ ...x, dtype: 'float32' }, l.name)), r, l.name);
  // A middle axis: the inference form y = x * scale + shift with per-feature constants.
  const gv = l.gamma?.variable.dataSync();
  const bv = l.beta?.variable.dataSync();
  const mv = l.movingMean!.variable.dataSync();
  const vv = l.movingVariance!.variable.dataSync();
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    scale[i] = (gv ? gv[i] : 1) / Math.sqrt(vv[i] + l.epsilon);
    shift[i] = (bv ? bv[i] : 0) - mv[i] * scale[i];
  }
  const dims = [n, ...new Array<number>(r - 1 - a).fill(1)];
  const s = g.floatInit(`${l.name}/scale`, () => ({ data: scale, dims }));
  const b = g.floatInit(`${l.name}/shift`, () => ({ data: shift, dims }));
  return g.op('Add', [g.op('Mul', [x.name, s], {}, `${l.name}/Mul`), b], {}, `${l.name}/Add`);
}

export const coreConverters: Record<string, Converter> = {
  Dense: (g, { layer, inputs: [x] }) => [denseNodes(g, layer as DenseLike, x)],

  Dropout: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  // Image augmentation: only while training; the identity at inference.
  RandomFlip: identity,
  RandomTranslation: identity,
  RandomRotation: identity,
  RandomZoom: identity,

  Flatten: (g, { layer, inputs: [x] }) => [
    g.op('Flatten', [x.name], { axis: 1 }, `${(layer as { name: string }).name}/Flatten`),
  ],
  Reshape: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; targetShape: number[] };
    return [g.op('Reshape', [x.name, g.i64([0, ...l.targetShape])], {}, `${l.name}/Reshape`)];
  },
  Permute: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; dims: number[] };
    return [g.op('Transpose', [x.name], { perm: [0, ...l.dims] }, `${l.name}/Transpose`)];
  },
  RepeatVector: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; n: number };
    const u = g.op('Unsqueeze', [x.name, g.i64([1])], {}, `${l.name}/Unsqueeze`);
    return [g.op('Tile', [u, g.i64([1, l.n, 1])], {}, `${l.name}/Tile`)];
  },

  Embedding: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; embeddings?: LayerWeight };
    // Gather takes int32 or int64 indices; float ids (simdgrad accepts them) are cast first.
    const ids = x.dtype === 'int32' ? x.name : g.op('Cast', [x.name], { to: DT.INT64 }, `${l.name}/Cast`);
    return [g.op('Gather', [weightInit(g, l.embeddings!), ids], { axis: 0 }, `${l.name}/Gather`)];
  },
  Masking: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; maskValue: number };
    // Steps whose features all equal maskValue are zeroed: x * max(x != v) over the features.
    const ne = g.op('Not', [g.op('Equal', [x.name, g.f32([l.maskValue], [])], {}, `${l.name}/Equal`)], {}, `${l.name}/Not`);
    const keep = g.reduce('ReduceMax', g.op('Cast', [ne], { to: DT.FLOAT }, `${l.name}/Cast`), [-1], true, `${l.name}/ReduceMax`);
    return [g.op('Mul', [x.name, keep], {}, `${l.name}/Mul`)];
  },

  BatchNormalization: (g, { layer, inputs: [x] }) => [batchNorm(g, layer as Parameters<typeof batchNorm>[1], x)],
  LayerNormalization: (g, { layer, inputs: [x] }) => {
    const l = layer as { name: string; axis: number[]; epsilon: number; gamma?: LayerWeight; beta?: LayerWeight };
    const r = x.shape.length;
    const axes = [...new Set(l.axis.map((a) => (a < 0 ? a + r : a)))].sort((p, q) => p - q);
    // ONNX's LayerNormalization normalises over axes [axis, rank): trailing axes only.
    if (axes.some((a, i) => a !== r - axes.length + i)) {
      throw new Unsupported(`axis ${JSON.stringify(l.axis)} is not the trailing axes of a rank-${r} input`);
    }
    const dims = axes.map((a) => x.shape[a] as number);
    const n = dims.reduce((p, c) => p * c, 1);
    const scale = l.gamma ? weightInit(g, l.gamma) : g.floatInit(`${l.name}/gamma`, () => ({ data: new Float32Array(n).fill(1), dims }));
    const bias = l.beta ? weightInit(g, l.beta) : g.floatInit(`${l.name}/beta`, () => ({ data: new Float32Array(n), dims }));
    if (g.opset >= 17) {
      return [
        g.op('LayerNormalization', [x.name, scale, bias], { axis: axes[0], epsilon: float(l.epsilon) }, `${l.name}/LayerNormalization`),
      ];
    }
    // Before opset 17: (x - mean) / sqrt(var + eps) * scale + bias, the biased variance.
    const p = l.name;
    const centered = g.op('Sub', [x.name, g.reduce('ReduceMean', x.name, axes, true, `${p}/mean`)], {}, `${p}/center`);
    const variance = g.reduce('ReduceMean', g.op('Mul', [centered, centered], {}, `${p}/square`), axes, true, `${p}/variance`);
    const std = g.op('Sqrt', [g.op('Add', [variance, g.f32([l.epsilon], [])], {}, `${p}/add_epsilon`)], {}, `${p}/std`);
    const normed = g.op('Div', [centered, std], {}, `${p}/normalize`);
    return [g.op('Add', [g.op('Mul', [normed, scale], {}, `${p}/scale`), bias], {}, `${p}/shift`)];
  },
};
