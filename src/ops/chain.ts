// Tensor methods for chaining (`x.reshape([2, 3]).sum(1)`), as tfjs-core's Tensor has them,
// generated from ONE table: each entry is the op whose first argument is the tensor. The
// TypeScript declarations come from the same table (module augmentation below), so a method
// can never drift from its function.
import type { DataType, TensorLike } from '../engine/dtype.js';
import type { Shape } from '../engine/shape.js';
import { Tensor, type Variable } from '../engine/tensor.js';
import { erf } from '../activations/erf.js';
import {
  add,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  pow,
  squaredDifference,
  sub,
} from './binary.js';
import { buffer, type TensorBuffer } from './buffer.js';
import { cast } from './cast.js';
import { concat, stack, unstack } from './concat.js';
import { conv1d, conv2d } from './conv2d.js';
import { conv2dTranspose } from './conv_transpose.js';
import { onesLike, variable, zerosLike } from './creation.js';
import { cumprod, cumsum } from './cumulative.js';
import { depthwiseConv2d, separableConv2d } from './depthwise.js';
import { gather, oneHot, unsortedSegmentSum } from './gather.js';
import { dot } from './linalg.js';
import {
  acos,
  acosh,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  cosh,
  divNoNan,
  expm1,
  floorDiv,
  isFinite,
  isInf,
  isNaN,
  logSigmoid,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  mod,
  sinh,
  tan,
} from './math.js';
import { matMul } from './matmul.js';
import { batchNorm } from './moments.js';
import { batchToSpaceND, depthToSpace, spaceToBatchND } from './nd.js';
import { localResponseNormalization, pool } from './nn_extra.js';
import { pad } from './pad.js';
import { avgPool, maxPool } from './pool.js';
import { prelu } from './prelu.js';
import { argMax, argMin, max, mean, min, prod, sum } from './reduce.js';
import { all, any, euclideanNorm, logSumExp, norm } from './reduce_extra.js';
import { reshape, expandDims, squeeze } from './reshape.js';
import { resizeBilinear, resizeNearestNeighbor } from './resize.js';
import { topk, unique } from './selection.js';
import { broadcastTo, mirrorPad, reverse, split, stridedSlice } from './shape_extra.js';
import { slice } from './slice.js';
import { logSoftmax, softmax } from './softmax.js';
import { tile } from './tile.js';
import { transpose } from './transpose.js';
import {
  abs,
  ceil,
  clipByValue,
  cos,
  elu,
  exp,
  floor,
  leakyRelu,
  log,
  log1p,
  neg,
  reciprocal,
  relu,
  relu6,
  round,
  rsqrt,
  selu,
  sigmoid,
  sign,
  sin,
  softplus,
  sqrt,
  square,
  step,
  tanh,
} from './unary.js';
import { where } from './where.js';

type Arg = Tensor | TensorLike;

/** Methods whose receiver is the op's first argument, by tfjs name. */
const CHAIN = {
  // element-wise
  abs,
  acos,
  acosh,
  asin,
  asinh,
  atan,
  atanh,
  ceil,
  clipByValue,
  cos,
  cosh,
  elu,
  erf,
  exp,
  expm1,
  floor,
  isFinite,
  isInf,
  isNaN,
  leakyRelu,
  log,
  log1p,
  logSigmoid,
  logicalNot,
  neg,
  prelu,
  reciprocal,
  relu,
  relu6,
  round,
  rsqrt,
  selu,
  sigmoid,
  sign,
  sin,
  sinh,
  softplus,
  sqrt,
  square,
  step,
  tan,
  tanh,
  add,
  atan2,
  div,
  divNoNan,
  equal,
  floorDiv,
  greater,
  greaterEqual,
  less,
  lessEqual,
  logicalAnd,
  logicalOr,
  logicalXor,
  maximum,
  minimum,
  mod,
  mul,
  notEqual,
  pow,
  squaredDifference,
  sub,
  // reductions and scans
  all,
  any,
  argMax,
  argMin,
  cumprod,
  cumsum,
  euclideanNorm,
  logSumExp,
  max,
  mean,
  min,
  norm,
  prod,
  sum,
  // shapes
  batchToSpaceND,
  broadcastTo,
  depthToSpace,
  expandDims,
  gather,
  mirrorPad,
  pad,
  reshape,
  reverse,
  slice,
  spaceToBatchND,
  split,
  squeeze,
  stridedSlice,
  tile,
  transpose,
  unstack,
  // linear algebra, nn
  batchNorm,
  conv1d,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
  dot,
  localResponseNormalization,
  logSoftmax,
  matMul,
  maxPool,
  avgPool,
  pool,
  resizeBilinear,
  resizeNearestNeighbor,
  separableConv2d,
  softmax,
  // selection, creation
  oneHot,
  onesLike,
  topk,
  unique,
  unsortedSegmentSum,
  zerosLike,
  // tfjs's conveniences
  cast,
  asType: (x: Tensor, dtype: DataType): Tensor => cast(x, dtype),
  toFloat: (x: Tensor): Tensor => cast(x, 'float32'),
  toInt: (x: Tensor): Tensor => cast(x, 'int32'),
  toBool: (x: Tensor): Tensor => cast(x, 'bool'),
  flatten: (x: Tensor): Tensor => reshape(x, [x.size]),
  asScalar: (x: Tensor): Tensor => reshape(x, []),
  as1D: (x: Tensor): Tensor => reshape(x, [x.size]),
  as2D: (x: Tensor, rows: number, columns: number): Tensor => reshape(x, [rows, columns]),
  as3D: (x: Tensor, rows: number, columns: number, depth: number): Tensor => reshape(x, [rows, columns, depth]),
  as4D: (x: Tensor, rows: number, columns: number, depth: number, depth2: number): Tensor =>
    reshape(x, [rows, columns, depth, depth2]),
  as5D: (x: Tensor, a: number, b: number, c: number, d: number, e: number): Tensor => reshape(x, [a, b, c, d, e]),
  reshapeAs: (x: Tensor, other: Tensor): Tensor => reshape(x, other.shape),
  // x.concat(y) / x.concat([y, z], axis) and x.stack(y): the receiver comes first
  concat: (x: Tensor, others: Arg | Arg[], axis = 0): Tensor =>
    concat([x, ...((Array.isArray(others) && !isNumberList(others) ? others : [others]) as Arg[])], axis),
  stack: (x: Tensor, others: Arg | Arg[], axis = 0): Tensor =>
    stack([x, ...((Array.isArray(others) && !isNumberList(others) ? others : [others]) as Arg[])], axis),
  // tfjs: x.where(condition, other) picks x where the condition holds
  where: (x: Tensor, condition: Arg, other: Arg): Tensor => where(condition, x, other),
  variable: (x: Tensor, trainable = true, name?: string, dtype?: DataType): Variable =>
    variable(x, trainable, name, dtype),
  bufferSync: (x: Tensor): TensorBuffer => buffer(x.shape, x.dtype, x.dataSync()),
  buffer: async (x: Tensor): Promise<TensorBuffer> => buffer(x.shape, x.dtype, await x.data()),
};

/** A plain list of numbers (a TensorLike), as opposed to a list of tensors. */
function isNumberList(a: unknown[]): boolean {
  return a.length > 0 && (typeof a[0] === 'number' || typeof a[0] === 'boolean');
}

type Method<F> = F extends (x: never, ...rest: infer A) => infer R ? (...rest: A) => R : never;

type M<K extends keyof typeof CHAIN> = Method<(typeof CHAIN)[K]>;

// Why members one per line rather than `interface Tensor extends Mapped<typeof CHAIN>`: a base
// type computed from the ops' types (which mention Tensor) is circular for TypeScript; member
// types are resolved lazily. The check below makes the list and the table agree exactly.
declare module '../engine/tensor.js' {
  interface Tensor {
    abs: M<'abs'>;
    acos: M<'acos'>;
    acosh: M<'acosh'>;
    asin: M<'asin'>;
    asinh: M<'asinh'>;
    atan: M<'atan'>;
    atanh: M<'atanh'>;
    ceil: M<'ceil'>;
    clipByValue: M<'clipByValue'>;
    cos: M<'cos'>;
    cosh: M<'cosh'>;
    elu: M<'elu'>;
    erf: M<'erf'>;
    exp: M<'exp'>;
    expm1: M<'expm1'>;
    floor: M<'floor'>;
    isFinite: M<'isFinite'>;
    isInf: M<'isInf'>;
    isNaN: M<'isNaN'>;
    leakyRelu: M<'leakyRelu'>;
    log: M<'log'>;
    log1p: M<'log1p'>;
    logSigmoid: M<'logSigmoid'>;
    logicalNot: M<'logicalNot'>;
    neg: M<'neg'>;
    prelu: M<'prelu'>;
    reciprocal: M<'reciprocal'>;
    relu: M<'relu'>;
    relu6: M<'relu6'>;
    round: M<'round'>;
    rsqrt: M<'rsqrt'>;
    selu: M<'selu'>;
    sigmoid: M<'sigmoid'>;
    sign: M<'sign'>;
    sin: M<'sin'>;
    sinh: M<'sinh'>;
    softplus: M<'softplus'>;
    sqrt: M<'sqrt'>;
    square: M<'square'>;
    step: M<'step'>;
    tan: M<'tan'>;
    tanh: M<'tanh'>;
    add: M<'add'>;
    atan2: M<'atan2'>;
    div: M<'div'>;
    divNoNan: M<'divNoNan'>;
    equal: M<'equal'>;
    floorDiv: M<'floorDiv'>;
    greater: M<'greater'>;
    greaterEqual: M<'greaterEqual'>;
    less: M<'less'>;
    lessEqual: M<'lessEqual'>;
    logicalAnd: M<'logicalAnd'>;
    logicalOr: M<'logicalOr'>;
    logicalXor: M<'logicalXor'>;
    maximum: M<'maximum'>;
    minimum: M<'minimum'>;
    mod: M<'mod'>;
    mul: M<'mul'>;
    notEqual: M<'notEqual'>;
    pow: M<'pow'>;
    squaredDifference: M<'squaredDifference'>;
    sub: M<'sub'>;
    all: M<'all'>;
    any: M<'any'>;
    argMax: M<'argMax'>;
    argMin: M<'argMin'>;
    cumprod: M<'cumprod'>;
    cumsum: M<'cumsum'>;
    euclideanNorm: M<'euclideanNorm'>;
    logSumExp: M<'logSumExp'>;
    max: M<'max'>;
    mean: M<'mean'>;
    min: M<'min'>;
    norm: M<'norm'>;
    prod: M<'prod'>;
    sum: M<'sum'>;
    batchToSpaceND: M<'batchToSpaceND'>;
    broadcastTo: M<'broadcastTo'>;
    depthToSpace: M<'depthToSpace'>;
    expandDims: M<'expandDims'>;
    gather: M<'gather'>;
    mirrorPad: M<'mirrorPad'>;
    pad: M<'pad'>;
    reshape: M<'reshape'>;
    reverse: M<'reverse'>;
    slice: M<'slice'>;
    spaceToBatchND: M<'spaceToBatchND'>;
    split: M<'split'>;
    squeeze: M<'squeeze'>;
    stridedSlice: M<'stridedSlice'>;
    tile: M<'tile'>;
    transpose: M<'transpose'>;
    unstack: M<'unstack'>;
    batchNorm: M<'batchNorm'>;
    conv1d: M<'conv1d'>;
    conv2d: M<'conv2d'>;
    conv2dTranspose: M<'conv2dTranspose'>;
    depthwiseConv2d: M<'depthwiseConv2d'>;
    dot: M<'dot'>;
    localResponseNormalization: M<'localResponseNormalization'>;
    logSoftmax: M<'logSoftmax'>;
    matMul: M<'matMul'>;
    maxPool: M<'maxPool'>;
    avgPool: M<'avgPool'>;
    pool: M<'pool'>;
    resizeBilinear: M<'resizeBilinear'>;
    resizeNearestNeighbor: M<'resizeNearestNeighbor'>;
    separableConv2d: M<'separableConv2d'>;
    softmax: M<'softmax'>;
    oneHot: M<'oneHot'>;
    onesLike: M<'onesLike'>;
    topk: M<'topk'>;
    unique: M<'unique'>;
    unsortedSegmentSum: M<'unsortedSegmentSum'>;
    zerosLike: M<'zerosLike'>;
    cast: M<'cast'>;
    asType: M<'asType'>;
    toFloat: M<'toFloat'>;
    toInt: M<'toInt'>;
    toBool: M<'toBool'>;
    flatten: M<'flatten'>;
    asScalar: M<'asScalar'>;
    as1D: M<'as1D'>;
    as2D: M<'as2D'>;
    as3D: M<'as3D'>;
    as4D: M<'as4D'>;
    as5D: M<'as5D'>;
    reshapeAs: M<'reshapeAs'>;
    concat: M<'concat'>;
    stack: M<'stack'>;
    where: M<'where'>;
    variable: M<'variable'>;
    bufferSync: M<'bufferSync'>;
    buffer: M<'buffer'>;
  }
}
type Missing = Exclude<keyof typeof CHAIN, keyof Tensor>;
/** Compile-time proof that every table entry is declared on Tensor. */
export const chainTypesComplete: Missing extends never ? true : Missing = true;

for (const [name, fn] of Object.entries(CHAIN)) {
  if (name in Tensor.prototype) throw new Error(`chain: Tensor already has a member '${name}'`);
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) {
      return (fn as (x: Tensor, ...a: unknown[]) => unknown)(this, ...args);
    },
    writable: true,
    configurable: true,
  });
}

/** The method names (for tests and the README's table). */
export const CHAIN_METHODS: readonly string[] = Object.keys(CHAIN);
export type { Shape };
