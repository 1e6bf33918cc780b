// Tensor creation: from values, constants, ranges and random distributions.
import { ENGINE } from '../engine/engine.js';
import { checkDtype, type DataType, type TensorLike } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';
import { fmt, sizeFromShape, type Shape } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import {
  checkFinite,
  checkInt,
  checkShape,
  describeValue,
  flatten,
  inferDtype,
  inferShape,
  isTensorLike,
  toTensor,
} from './util.js';

/**
 * A tensor from nested arrays or a flat typed array (with `shape`).
 * @example
 * sg.tensor([[1, 2], [3, 4]]);            // float32 [2,2]
 * sg.tensor([1, 2, 3, 4], [2, 2], 'int32');
 * @category Creation
 */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DataType): Tensor {
  let first: unknown = values;
  while (Array.isArray(first)) first = first[0];
  if (typeof first === 'string')
    throw new Error('tensor: string tensors are not supported (simdgrad has numeric dtypes only)');
  if (!isTensorLike(values)) {
    throw new Error(
      `tensor: values must be numbers, booleans, nested arrays or a typed array but got '${describeValue(values)}'`,
    );
  }
  if (dtype != null) checkDtype('tensor', dtype);
  const inferred = inferShape('tensor', values);
  const dt = checkDtype('tensor', dtype ?? inferDtype(values));
  let s: Shape = inferred;
  if (shape) {
    checkShape('tensor', shape);
    const n = sizeFromShape(inferred);
    if (inferred.length > 0 && sizeFromShape(shape) !== n) {
      throw new Error(`tensor: ${n} values do not fit shape ${fmt(shape)} (size ${sizeFromShape(shape)})`);
    }
    s = shape;
  }
  if (inferred.length === 0 && sizeFromShape(s) !== 1) {
    // A single number with a shape fills it, as tfjs does.
    return fill(s, Number(values), dt);
  }
  return ENGINE.makeTensor(flatten('tensor', values, dt, sizeFromShape(s)), s, dt);
}

/** A tensor of a fixed rank (tensor1d..tensor6d share this check). */
function rankTensor(op: string, rank: number, values: TensorLike, shape?: Shape, dtype?: DataType): Tensor {
  if (shape != null && isTensorLike(values) && !(typeof values === 'number' || typeof values === 'boolean')) {
    const n = sizeFromShape(inferShape(op, values));
    if (Array.isArray(shape) && n !== sizeFromShape(shape))
      throw new Error(`${op}: ${n} values do not fit shape ${fmt(shape)} (size ${sizeFromShape(shape)})`);
  }
  if (shape != null && shape.length !== rank)
    throw new Error(`${op}: shape ${fmt(shape)} must have ${rank} dimensions`);
  if (dtype != null) checkDtype(op, dtype);
  const t = tensor(values, shape, dtype);
  if (t.rank !== rank) {
    t.dispose();
    throw new Error(`${op}: expected values of rank ${rank} (or a shape) but got shape ${fmt(t.shape)}`);
  }
  return t;
}

/**
 * A rank-3 tensor.
 * @example sg.tensor3d([[[1], [2]], [[3], [4]]]).shape; // [2, 2, 1]
 * @category Creation
 */
export function tensor3d(values: TensorLike, shape?: [number, number, number], dtype?: DataType): Tensor {
  return rankTensor('tensor3d', 3, values, shape, dtype);
}
/**
 * A rank-4 tensor.
 * @example sg.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]).shape; // [1, 2, 2, 1]
 * @category Creation
 */
export function tensor4d(values: TensorLike, shape?: [number, number, number, number], dtype?: DataType): Tensor {
  return rankTensor('tensor4d', 4, values, shape, dtype);
}
/**
 * A rank-5 tensor.
 * @example sg.tensor5d([1, 2], [1, 1, 1, 1, 2]).shape; // [1, 1, 1, 1, 2]
 * @category Creation
 */
export function tensor5d(
  values: TensorLike,
  shape?: [number, number, number, number, number],
  dtype?: DataType,
): Tensor {
  return rankTensor('tensor5d', 5, values, shape, dtype);
}
/**
 * A rank-6 tensor.
 * @example sg.tensor6d([1], [1, 1, 1, 1, 1, 1]).shape; // [1, 1, 1, 1, 1, 1]
 * @category Creation
 */
export function tensor6d(
  values: TensorLike,
  shape?: [number, number, number, number, number, number],
  dtype?: DataType,
): Tensor {
  return rankTensor('tensor6d', 6, values, shape, dtype);
}

/**
 * A rank-0 tensor.
 * @example sg.scalar(3.5); // 3.5
 * @category Creation
 */
export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new Error(`scalar: expected a number but got ${typeof value}`);
  return tensor(value, [], dtype);
}

/**
 * A rank-1 tensor; throws when `values` is not a flat array.
 * @example sg.tensor1d([1, 2, 3]);
 * @category Creation
 */
export function tensor1d(values: TensorLike, dtype?: DataType): Tensor {
  const t = tensor(values, undefined, dtype);
  if (t.rank !== 1) {
    t.dispose();
    throw new Error(`tensor1d: expected a flat array but got shape ${fmt(inferShape('tensor1d', values))}`);
  }
  return t;
}

/**
 * A rank-2 tensor from nested arrays, or from flat values with `shape`.
 * @example sg.tensor2d([1, 2, 3, 4], [2, 2]); // [[1, 2], [3, 4]]
 * @category Creation
 */
export function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor {
  return rankTensor('tensor2d', 2, values, shape, dtype);
}

/**
 * A tensor of `shape` filled with `value`.
 * @example sg.fill([2, 2], 7); // [[7, 7], [7, 7]]
 * @category Creation
 */
export function fill(shape: Shape, value: number, dtype: DataType = 'float32', op = 'fill'): Tensor {
  if (!Array.isArray(shape))
    throw new Error(`${op}: shape must be an array of integers but is ${JSON.stringify(shape)}`);
  checkShape(op, shape);
  checkDtype(op, dtype);
  if (typeof value !== 'number' || (dtype !== 'float32' && !Number.isFinite(value))) {
    throw new Error(
      `${op}: value must be a number${dtype !== 'float32' ? ' and finite for ' + dtype : ''} but is ${value}`,
    );
  }
  const size = sizeFromShape(shape);
  if (value === 0) return ENGINE.makeTensor(null, shape, dtype);
  const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  arr.fill(value);
  return ENGINE.makeTensor(arr, shape, dtype);
}

/**
 * A tensor of `shape` filled with 0.
 * @example sg.zeros([2, 3]);
 * @category Creation
 */
export function zeros(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 0, dtype, 'zeros');
}

/**
 * A tensor of `shape` filled with 1.
 * @example sg.ones([3], 'int32'); // [1, 1, 1]
 * @category Creation
 */
export function ones(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype, 'ones');
}

/**
 * Zeros of x's shape and dtype (x may be a plain array, as in tfjs).
 * @example sg.zerosLike([[1, 2]]); // [[0, 0]]
 * @category Creation
 */
export function zerosLike(x: Tensor | TensorLike): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertLive(x, 'zerosLike');
    return fill(x.shape, 0, x.dtype, 'zerosLike');
  }
  const t = toTensor(x, 'x', 'zerosLike');
  const z = fill(t.shape, 0, t.dtype, 'zerosLike');
  t.dispose();
  return z;
}

/**
 * Ones of x's shape and dtype (x may be a plain array, as in tfjs).
 * @example sg.onesLike([[1, 2]]); // [[1, 1]]
 * @category Creation
 */
export function onesLike(x: Tensor | TensorLike): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertLive(x, 'onesLike');
    return fill(x.shape, 1, x.dtype, 'onesLike');
  }
  const t = toTensor(x, 'x', 'onesLike');
  const z = fill(t.shape, 1, t.dtype, 'onesLike');
  t.dispose();
  return z;
}

/**
 * Numbers from `start` to `stop` (exclusive) by `step`, as tfjs `range`.
 * @example sg.range(0, 5).print(); // [0, 1, 2, 3, 4]
 * @category Creation
 */
export function range(start: number, stop: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  checkFinite('range', 'start', start);
  checkFinite('range', 'stop', stop);
  checkFinite('range', 'step', step);
  if (step === 0) throw new Error('range: step must not be 0');
  checkDtype('range', dtype);
  // As tfjs: the default step counts down when stop < start; an explicit step of the wrong sign
  // gives an empty range.
  if (stop < start && step === 1) step = -1;
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkSize('range', n);
  const arr = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return ENGINE.makeTensor(arr, [n], dtype);
}

/**
 * numpy-style `arange(stop)` or `arange(start, stop, step)`.
 * @example sg.arange(0, 5, 2); // [0, 2, 4]
 * @category Creation
 */
export function arange(startOrStop: number, stop?: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const [a, b] = stop === undefined ? [0, startOrStop] : [startOrStop, stop];
  // numpy semantics: a positive step over a decreasing range is empty (range would count down).
  if (step > 0 && b < a) return range(a, a, 1, dtype);
  return range(a, b, step, dtype);
}

/** Throws before allocating when an op computed a size no buffer can hold. */
function checkSize(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1)
    throw new Error(`${op}: the result would have ${n} elements, more than a tensor can hold (2^31 - 1)`);
}

/**
 * The identity matrix, as tfjs: numRows x numColumns (default square), optionally repeated over
 * `batchShape` (leading dimensions).
 * @example sg.eye(2).print(); // [[1, 0], [0, 1]]
 * @category Creation
 */
export function eye(
  numRows: number,
  numColumns?: number | null,
  batchShape?: number[] | null,
  dtype: DataType = 'float32',
): Tensor {
  checkInt('eye', 'numRows', numRows, 0);
  const cols = numColumns ?? numRows;
  checkInt('eye', 'numColumns', cols, 0);
  checkDtype('eye', dtype);
  const batch = batchShape ?? [];
  if (!Array.isArray(batch))
    throw new Error(`eye: batchShape must be an array of integers but is ${JSON.stringify(batchShape)}`);
  checkShape('eye', batch);
  const B = sizeFromShape(batch);
  checkSize('eye', B * numRows * cols);
  const arr = dtype === 'float32' ? new Float32Array(B * numRows * cols) : new Int32Array(B * numRows * cols);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Math.min(numRows, cols); i++) arr[b * numRows * cols + i * cols + i] = 1;
  return ENGINE.makeTensor(arr, [...batch, numRows, cols], dtype);
}

/**
 * `num` evenly spaced values from `start` to `stop` (both included), float32.
 * @example sg.linspace(0, 1, 5).print(); // [0, 0.25, 0.5, 0.75, 1]
 * @category Creation
 */
export function linspace(start: number, stop: number, num: number): Tensor {
  checkFinite('linspace', 'start', start);
  checkFinite('linspace', 'stop', stop);
  checkInt('linspace', 'num', num, 1);
  checkSize('linspace', num);
  const arr = new Float32Array(num);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) arr[i] = start + i * step;
  return ENGINE.makeTensor(arr, [num], 'float32');
}

function randomTensor(op: string, shape: Shape, sample: () => number, dtype: DataType): Tensor {
  if (!Array.isArray(shape))
    throw new Error(`${op}: shape must be an array of integers but is ${JSON.stringify(shape)}`);
  checkShape(op, shape);
  checkDtype(op, dtype);
  if (dtype === 'bool') throw new Error(`${op}: dtype bool is not supported`);
  const size = sizeFromShape(shape);
  checkSize(op, size);
  const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  // int32 samples round to the nearest integer, as tfjs (truncation would skew them toward 0).
  if (dtype === 'int32') for (let i = 0; i < size; i++) arr[i] = Math.round(sample());
  else for (let i = 0; i < size; i++) arr[i] = sample();
  return ENGINE.makeTensor(arr, shape, dtype);
}

/**
 * Samples from a normal distribution. The same seed gives the same values.
 * @example sg.randomNormal([2, 3], 0, 1, 'float32', 42);
 * @category Creation
 */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  checkFinite('randomNormal', 'mean', mean);
  checkFinite('randomNormal', 'stdDev', stdDev);
  if (stdDev < 0) throw new Error(`randomNormal: stdDev must be >= 0 but is ${stdDev}`);
  const rng = new Rng(seed);
  return randomTensor('randomNormal', shape, () => mean + stdDev * rng.normal(), dtype);
}

/**
 * Samples uniformly from [minval, maxval).
 * @example sg.randomUniform([2, 3], -1, 1, 'float32', 42).shape; // [2, 3]
 * @category Creation
 */
export function randomUniform(
  shape: Shape,
  minval = 0,
  maxval = 1,
  dtype: DataType = 'float32',
  seed?: number,
): Tensor {
  checkFinite('randomUniform', 'minval', minval);
  checkFinite('randomUniform', 'maxval', maxval);
  const rng = new Rng(seed);
  // int32: floor of a uniform sample in [minval, maxval), so randomTensor's rounding is a no-op.
  const f =
    dtype === 'int32'
      ? () => Math.floor(minval + (maxval - minval) * rng.uniform())
      : () => minval + (maxval - minval) * rng.uniform();
  return randomTensor('randomUniform', shape, f, dtype);
}

/**
 * A normal distribution whose samples beyond two standard deviations are drawn again.
 * @example sg.truncatedNormal([3], 0, 1, 'float32', 7).shape; // [3]
 * @category Creation
 */
export function truncatedNormal(
  shape: Shape,
  mean = 0,
  stdDev = 1,
  dtype: DataType = 'float32',
  seed?: number,
): Tensor {
  checkFinite('truncatedNormal', 'mean', mean);
  checkFinite('truncatedNormal', 'stdDev', stdDev);
  if (stdDev < 0) throw new Error(`truncatedNormal: stdDev must be >= 0 but is ${stdDev}`);
  const rng = new Rng(seed);
  const sample = () => {
    let z: number;
    do z = rng.normal();
    while (Math.abs(z) > 2);
    return mean + stdDev * z;
  };
  return randomTensor('truncatedNormal', shape, sample, dtype);
}

/**
 * A mutable variable initialised with a copy of `initialValue`'s buffer (shared, not copied).
 * @example
 * const w = sg.variable(sg.zeros([3]), true, 'w');
 * @category Creation
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  return ENGINE.makeVariable(initialValue, trainable, name, dtype);
}

/**
 * Samples from a gamma distribution with shape `alpha` and rate `beta` (Marsaglia-Tsang, as
 * tfjs); the same seed gives the same values. Porting note: the stream differs from tfjs's
 * (another generator), the distribution is the same.
 * @example sg.randomGamma([3], 2, 1, 'float32', 7);
 * @category Creation
 */
export function randomGamma(shape: Shape, alpha: number, beta = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  checkFinite('randomGamma', 'alpha', alpha);
  checkFinite('randomGamma', 'beta', beta);
  if (alpha <= 0 || beta <= 0) throw new Error(`randomGamma: alpha (${alpha}) and beta (${beta}) must be > 0`);
  const rng = new Rng(seed);
  // alpha < 1: sample with alpha + 1 and scale by u^(1/alpha).
  const a = alpha < 1 ? alpha + 1 : alpha;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  const sample = () => {
    let v: number;
    let x: number;
    for (;;) {
      do {
        x = rng.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = rng.uniform();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) break;
    }
    let g = d * v;
    if (alpha < 1) g *= Math.pow(rng.uniform(), 1 / alpha);
    return g / beta;
  };
  return randomTensor('randomGamma', shape, sample, dtype);
}
