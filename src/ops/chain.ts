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
import { dilation2d } from './dilation2d.js';
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
import { fft, ifft, irfft, rfft } from './spectral.js';

/** @inline */
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
  dilation2d,
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
  // spectral (complex64)
  fft,
  ifft,
  rfft,
  irfft,
  // (the return type spelled as an import type: the declaration emit drops the `Variable` import here)
  variable: (x: Tensor, trainable = true, name?: string, dtype?: DataType): import('../engine/tensor.js').Variable =>
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
    /** `x.abs(...)` is `sg.abs(x, ...)`: see {@link abs}. */
    abs: M<'abs'>;
    /** `x.acos(...)` is `sg.acos(x, ...)`: see {@link acos}. */
    acos: M<'acos'>;
    /** `x.acosh(...)` is `sg.acosh(x, ...)`: see {@link acosh}. */
    acosh: M<'acosh'>;
    /** `x.asin(...)` is `sg.asin(x, ...)`: see {@link asin}. */
    asin: M<'asin'>;
    /** `x.asinh(...)` is `sg.asinh(x, ...)`: see {@link asinh}. */
    asinh: M<'asinh'>;
    /** `x.atan(...)` is `sg.atan(x, ...)`: see {@link atan}. */
    atan: M<'atan'>;
    /** `x.atanh(...)` is `sg.atanh(x, ...)`: see {@link atanh}. */
    atanh: M<'atanh'>;
    /** `x.ceil(...)` is `sg.ceil(x, ...)`: see {@link ceil}. */
    ceil: M<'ceil'>;
    /** `x.clipByValue(...)` is `sg.clipByValue(x, ...)`: see {@link clipByValue}. */
    clipByValue: M<'clipByValue'>;
    /** `x.cos(...)` is `sg.cos(x, ...)`: see {@link cos}. */
    cos: M<'cos'>;
    /** `x.cosh(...)` is `sg.cosh(x, ...)`: see {@link cosh}. */
    cosh: M<'cosh'>;
    /** `x.elu(...)` is `sg.elu(x, ...)`: see {@link elu}. */
    elu: M<'elu'>;
    /** `x.erf(...)` is `sg.erf(x, ...)`: see {@link erf}. */
    erf: M<'erf'>;
    /** `x.exp(...)` is `sg.exp(x, ...)`: see {@link exp}. */
    exp: M<'exp'>;
    /** `x.expm1(...)` is `sg.expm1(x, ...)`: see {@link expm1}. */
    expm1: M<'expm1'>;
    /** `x.floor(...)` is `sg.floor(x, ...)`: see {@link floor}. */
    floor: M<'floor'>;
    /** `x.isFinite(...)` is `sg.isFinite(x, ...)`: see {@link isFinite}. */
    isFinite: M<'isFinite'>;
    /** `x.isInf(...)` is `sg.isInf(x, ...)`: see {@link isInf}. */
    isInf: M<'isInf'>;
    /** `x.isNaN(...)` is `sg.isNaN(x, ...)`: see {@link isNaN}. */
    isNaN: M<'isNaN'>;
    /** `x.leakyRelu(...)` is `sg.leakyRelu(x, ...)`: see {@link leakyRelu}. */
    leakyRelu: M<'leakyRelu'>;
    /** `x.log(...)` is `sg.log(x, ...)`: see {@link log}. */
    log: M<'log'>;
    /** `x.log1p(...)` is `sg.log1p(x, ...)`: see {@link log1p}. */
    log1p: M<'log1p'>;
    /** `x.logSigmoid(...)` is `sg.logSigmoid(x, ...)`: see {@link logSigmoid}. */
    logSigmoid: M<'logSigmoid'>;
    /** `x.logicalNot(...)` is `sg.logicalNot(x, ...)`: see {@link logicalNot}. */
    logicalNot: M<'logicalNot'>;
    /** `x.neg(...)` is `sg.neg(x, ...)`: see {@link neg}. */
    neg: M<'neg'>;
    /** `x.prelu(...)` is `sg.prelu(x, ...)`: see {@link prelu}. */
    prelu: M<'prelu'>;
    /** `x.reciprocal(...)` is `sg.reciprocal(x, ...)`: see {@link reciprocal}. */
    reciprocal: M<'reciprocal'>;
    /** `x.relu(...)` is `sg.relu(x, ...)`: see {@link relu}. */
    relu: M<'relu'>;
    /** `x.relu6(...)` is `sg.relu6(x, ...)`: see {@link relu6}. */
    relu6: M<'relu6'>;
    /** `x.round(...)` is `sg.round(x, ...)`: see {@link round}. */
    round: M<'round'>;
    /** `x.rsqrt(...)` is `sg.rsqrt(x, ...)`: see {@link rsqrt}. */
    rsqrt: M<'rsqrt'>;
    /** `x.selu(...)` is `sg.selu(x, ...)`: see {@link selu}. */
    selu: M<'selu'>;
    /** `x.sigmoid(...)` is `sg.sigmoid(x, ...)`: see {@link sigmoid}. */
    sigmoid: M<'sigmoid'>;
    /** `x.sign(...)` is `sg.sign(x, ...)`: see {@link sign}. */
    sign: M<'sign'>;
    /** `x.sin(...)` is `sg.sin(x, ...)`: see {@link sin}. */
    sin: M<'sin'>;
    /** `x.sinh(...)` is `sg.sinh(x, ...)`: see {@link sinh}. */
    sinh: M<'sinh'>;
    /** `x.softplus(...)` is `sg.softplus(x, ...)`: see {@link softplus}. */
    softplus: M<'softplus'>;
    /** `x.sqrt(...)` is `sg.sqrt(x, ...)`: see {@link sqrt}. */
    sqrt: M<'sqrt'>;
    /** `x.square(...)` is `sg.square(x, ...)`: see {@link square}. */
    square: M<'square'>;
    /** `x.step(...)` is `sg.step(x, ...)`: see {@link step}. */
    step: M<'step'>;
    /** `x.tan(...)` is `sg.tan(x, ...)`: see {@link tan}. */
    tan: M<'tan'>;
    /** `x.tanh(...)` is `sg.tanh(x, ...)`: see {@link tanh}. */
    tanh: M<'tanh'>;
    /** `x.add(...)` is `sg.add(x, ...)`: see {@link add}. */
    add: M<'add'>;
    /** `x.atan2(...)` is `sg.atan2(x, ...)`: see {@link atan2}. */
    atan2: M<'atan2'>;
    /** `x.div(...)` is `sg.div(x, ...)`: see {@link div}. */
    div: M<'div'>;
    /** `x.divNoNan(...)` is `sg.divNoNan(x, ...)`: see {@link divNoNan}. */
    divNoNan: M<'divNoNan'>;
    /** `x.equal(...)` is `sg.equal(x, ...)`: see {@link equal}. */
    equal: M<'equal'>;
    /** `x.floorDiv(...)` is `sg.floorDiv(x, ...)`: see {@link floorDiv}. */
    floorDiv: M<'floorDiv'>;
    /** `x.greater(...)` is `sg.greater(x, ...)`: see {@link greater}. */
    greater: M<'greater'>;
    /** `x.greaterEqual(...)` is `sg.greaterEqual(x, ...)`: see {@link greaterEqual}. */
    greaterEqual: M<'greaterEqual'>;
    /** `x.less(...)` is `sg.less(x, ...)`: see {@link less}. */
    less: M<'less'>;
    /** `x.lessEqual(...)` is `sg.lessEqual(x, ...)`: see {@link lessEqual}. */
    lessEqual: M<'lessEqual'>;
    /** `x.logicalAnd(...)` is `sg.logicalAnd(x, ...)`: see {@link logicalAnd}. */
    logicalAnd: M<'logicalAnd'>;
    /** `x.logicalOr(...)` is `sg.logicalOr(x, ...)`: see {@link logicalOr}. */
    logicalOr: M<'logicalOr'>;
    /** `x.logicalXor(...)` is `sg.logicalXor(x, ...)`: see {@link logicalXor}. */
    logicalXor: M<'logicalXor'>;
    /** `x.maximum(...)` is `sg.maximum(x, ...)`: see {@link maximum}. */
    maximum: M<'maximum'>;
    /** `x.minimum(...)` is `sg.minimum(x, ...)`: see {@link minimum}. */
    minimum: M<'minimum'>;
    /** `x.mod(...)` is `sg.mod(x, ...)`: see {@link mod}. */
    mod: M<'mod'>;
    /** `x.mul(...)` is `sg.mul(x, ...)`: see {@link mul}. */
    mul: M<'mul'>;
    /** `x.notEqual(...)` is `sg.notEqual(x, ...)`: see {@link notEqual}. */
    notEqual: M<'notEqual'>;
    /** `x.pow(...)` is `sg.pow(x, ...)`: see {@link pow}. */
    pow: M<'pow'>;
    /** `x.squaredDifference(...)` is `sg.squaredDifference(x, ...)`: see {@link squaredDifference}. */
    squaredDifference: M<'squaredDifference'>;
    /** `x.sub(...)` is `sg.sub(x, ...)`: see {@link sub}. */
    sub: M<'sub'>;
    /** `x.all(...)` is `sg.all(x, ...)`: see {@link all}. */
    all: M<'all'>;
    /** `x.any(...)` is `sg.any(x, ...)`: see {@link any}. */
    any: M<'any'>;
    /** `x.argMax(...)` is `sg.argMax(x, ...)`: see {@link argMax}. */
    argMax: M<'argMax'>;
    /** `x.argMin(...)` is `sg.argMin(x, ...)`: see {@link argMin}. */
    argMin: M<'argMin'>;
    /** `x.cumprod(...)` is `sg.cumprod(x, ...)`: see {@link cumprod}. */
    cumprod: M<'cumprod'>;
    /** `x.cumsum(...)` is `sg.cumsum(x, ...)`: see {@link cumsum}. */
    cumsum: M<'cumsum'>;
    /** `x.euclideanNorm(...)` is `sg.euclideanNorm(x, ...)`: see {@link euclideanNorm}. */
    euclideanNorm: M<'euclideanNorm'>;
    /** `x.logSumExp(...)` is `sg.logSumExp(x, ...)`: see {@link logSumExp}. */
    logSumExp: M<'logSumExp'>;
    /** `x.max(...)` is `sg.max(x, ...)`: see {@link max}. */
    max: M<'max'>;
    /** `x.mean(...)` is `sg.mean(x, ...)`: see {@link mean}. */
    mean: M<'mean'>;
    /** `x.min(...)` is `sg.min(x, ...)`: see {@link min}. */
    min: M<'min'>;
    /** `x.norm(...)` is `sg.norm(x, ...)`: see {@link norm}. */
    norm: M<'norm'>;
    /** `x.prod(...)` is `sg.prod(x, ...)`: see {@link prod}. */
    prod: M<'prod'>;
    /** `x.sum(...)` is `sg.sum(x, ...)`: see {@link sum}. */
    sum: M<'sum'>;
    /** `x.batchToSpaceND(...)` is `sg.batchToSpaceND(x, ...)`: see {@link batchToSpaceND}. */
    batchToSpaceND: M<'batchToSpaceND'>;
    /** `x.broadcastTo(...)` is `sg.broadcastTo(x, ...)`: see {@link broadcastTo}. */
    broadcastTo: M<'broadcastTo'>;
    /** `x.depthToSpace(...)` is `sg.depthToSpace(x, ...)`: see {@link depthToSpace}. */
    depthToSpace: M<'depthToSpace'>;
    /** `x.expandDims(...)` is `sg.expandDims(x, ...)`: see {@link expandDims}. */
    expandDims: M<'expandDims'>;
    /** `x.gather(...)` is `sg.gather(x, ...)`: see {@link gather}. */
    gather: M<'gather'>;
    /** `x.mirrorPad(...)` is `sg.mirrorPad(x, ...)`: see {@link mirrorPad}. */
    mirrorPad: M<'mirrorPad'>;
    /** `x.pad(...)` is `sg.pad(x, ...)`: see {@link pad}. */
    pad: M<'pad'>;
    /** `x.reshape(...)` is `sg.reshape(x, ...)`: see {@link reshape}. */
    reshape: M<'reshape'>;
    /** `x.reverse(...)` is `sg.reverse(x, ...)`: see {@link reverse}. */
    reverse: M<'reverse'>;
    /** `x.slice(...)` is `sg.slice(x, ...)`: see {@link slice}. */
    slice: M<'slice'>;
    /** `x.spaceToBatchND(...)` is `sg.spaceToBatchND(x, ...)`: see {@link spaceToBatchND}. */
    spaceToBatchND: M<'spaceToBatchND'>;
    /** `x.split(...)` is `sg.split(x, ...)`: see {@link split}. */
    split: M<'split'>;
    /** `x.squeeze(...)` is `sg.squeeze(x, ...)`: see {@link squeeze}. */
    squeeze: M<'squeeze'>;
    /** `x.stridedSlice(...)` is `sg.stridedSlice(x, ...)`: see {@link stridedSlice}. */
    stridedSlice: M<'stridedSlice'>;
    /** `x.tile(...)` is `sg.tile(x, ...)`: see {@link tile}. */
    tile: M<'tile'>;
    /** `x.transpose(...)` is `sg.transpose(x, ...)`: see {@link transpose}. */
    transpose: M<'transpose'>;
    /** `x.unstack(...)` is `sg.unstack(x, ...)`: see {@link unstack}. */
    unstack: M<'unstack'>;
    /** `x.batchNorm(...)` is `sg.batchNorm(x, ...)`: see {@link batchNorm}. */
    batchNorm: M<'batchNorm'>;
    /** `x.conv1d(...)` is `sg.conv1d(x, ...)`: see {@link conv1d}. */
    conv1d: M<'conv1d'>;
    /** `x.conv2d(...)` is `sg.conv2d(x, ...)`: see {@link conv2d}. */
    conv2d: M<'conv2d'>;
    /** `x.conv2dTranspose(...)` is `sg.conv2dTranspose(x, ...)`: see {@link conv2dTranspose}. */
    conv2dTranspose: M<'conv2dTranspose'>;
    /** `x.depthwiseConv2d(...)` is `sg.depthwiseConv2d(x, ...)`: see {@link depthwiseConv2d}. */
    depthwiseConv2d: M<'depthwiseConv2d'>;
    /** `x.dilation2d(...)` is `sg.dilation2d(x, ...)`: see {@link dilation2d}. */
    dilation2d: M<'dilation2d'>;
    /** `x.dot(...)` is `sg.dot(x, ...)`: see {@link dot}. */
    dot: M<'dot'>;
    /** `x.localResponseNormalization(...)` is {@link localResponseNormalization}`(x, ...)`. */
    localResponseNormalization: M<'localResponseNormalization'>;
    /** `x.logSoftmax(...)` is `sg.logSoftmax(x, ...)`: see {@link logSoftmax}. */
    logSoftmax: M<'logSoftmax'>;
    /** `x.matMul(...)` is `sg.matMul(x, ...)`: see {@link matMul}. */
    matMul: M<'matMul'>;
    /** `x.maxPool(...)` is `sg.maxPool(x, ...)`: see {@link maxPool}. */
    maxPool: M<'maxPool'>;
    /** `x.avgPool(...)` is `sg.avgPool(x, ...)`: see {@link avgPool}. */
    avgPool: M<'avgPool'>;
    /** `x.pool(...)` is `sg.pool(x, ...)`: see {@link pool}. */
    pool: M<'pool'>;
    /** `x.resizeBilinear(...)` is `sg.resizeBilinear(x, ...)`: see {@link resizeBilinear}. */
    resizeBilinear: M<'resizeBilinear'>;
    /** `x.resizeNearestNeighbor(...)` is `sg.resizeNearestNeighbor(x, ...)`: see {@link resizeNearestNeighbor}. */
    resizeNearestNeighbor: M<'resizeNearestNeighbor'>;
    /** `x.separableConv2d(...)` is `sg.separableConv2d(x, ...)`: see {@link separableConv2d}. */
    separableConv2d: M<'separableConv2d'>;
    /** `x.softmax(...)` is `sg.softmax(x, ...)`: see {@link softmax}. */
    softmax: M<'softmax'>;
    /** `x.oneHot(...)` is `sg.oneHot(x, ...)`: see {@link oneHot}. */
    oneHot: M<'oneHot'>;
    /** `x.onesLike(...)` is `sg.onesLike(x, ...)`: see {@link onesLike}. */
    onesLike: M<'onesLike'>;
    /** `x.topk(...)` is `sg.topk(x, ...)`: see {@link topk}. */
    topk: M<'topk'>;
    /** `x.unique(...)` is `sg.unique(x, ...)`: see {@link unique}. */
    unique: M<'unique'>;
    /** `x.unsortedSegmentSum(...)` is `sg.unsortedSegmentSum(x, ...)`: see {@link unsortedSegmentSum}. */
    unsortedSegmentSum: M<'unsortedSegmentSum'>;
    /** `x.zerosLike(...)` is `sg.zerosLike(x, ...)`: see {@link zerosLike}. */
    zerosLike: M<'zerosLike'>;
    /** `x.cast(...)` is `sg.cast(x, ...)`: see {@link cast}. */
    cast: M<'cast'>;
    /** `x.asType(dtype)` is `sg.cast(x, dtype)` (tfjs's name). */
    asType: M<'asType'>;
    /** `x.toFloat()` is `sg.cast(x, 'float32')`. */
    toFloat: M<'toFloat'>;
    /** `x.toInt()` is `sg.cast(x, 'int32')`. */
    toInt: M<'toInt'>;
    /** `x.toBool()` is `sg.cast(x, 'bool')`. */
    toBool: M<'toBool'>;
    /** This tensor reshaped to 1-D: `[x.size]`. */
    flatten: M<'flatten'>;
    /** This one-element tensor reshaped to a scalar (shape []). */
    asScalar: M<'asScalar'>;
    /** This tensor reshaped to 1-D: `[x.size]`. */
    as1D: M<'as1D'>;
    /** This tensor reshaped to `[rows, columns]`. */
    as2D: M<'as2D'>;
    /** This tensor reshaped to `[rows, columns, depth]`. */
    as3D: M<'as3D'>;
    /** This tensor reshaped to `[rows, columns, depth, depth2]`. */
    as4D: M<'as4D'>;
    /** This tensor reshaped to five dimensions. */
    as5D: M<'as5D'>;
    /** This tensor reshaped to `other`'s shape. */
    reshapeAs: M<'reshapeAs'>;
    /** `x.concat(y, axis)` or `x.concat([y, z], axis)` is `sg.concat([x, y, z], axis)`: this tensor first. */
    concat: M<'concat'>;
    /** `x.stack(y, axis)` or `x.stack([y, z], axis)` is `sg.stack([x, y, z], axis)`: this tensor first. */
    stack: M<'stack'>;
    /** This tensor's values where `condition` holds, else `other`'s: `sg.where(condition, x, other)` (tfjs's order). */
    where: M<'where'>;
    /** `x.fft()` is `sg.fft(x)` (x complex64): see {@link fft}. */
    fft: M<'fft'>;
    /** `x.ifft()` is `sg.ifft(x)` (x complex64): see {@link ifft}. */
    ifft: M<'ifft'>;
    /** `x.rfft(fftLength?)` is `sg.rfft(x, fftLength?)`: see {@link rfft}. */
    rfft: M<'rfft'>;
    /** `x.irfft()` is `sg.irfft(x)` (x complex64): see {@link irfft}. */
    irfft: M<'irfft'>;
    /** A {@link Variable} initialised with this tensor's values: `x.variable(trainable?, name?, dtype?)`. */
    variable: M<'variable'>;
    /** A {@link TensorBuffer} holding a copy of the values (synchronous read). */
    bufferSync: M<'bufferSync'>;
    /** A {@link TensorBuffer} holding a copy of the values (asynchronous read). */
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
