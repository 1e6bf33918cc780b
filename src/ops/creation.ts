// Tensor creation: from values, constants, ranges and random distributions.
import { ENGINE } from '../engine/engine.js';
import { checkDtype, type DataType, type TensorLike } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';
import { fmt, sizeFromShape, type Shape } from '../engine/shape.js';
import { Tensor, Variable } from '../engine/tensor.js';
import { checkFinite, checkShape, flatten, inferDtype, inferShape } from './util.js';

/**
 * A tensor from nested arrays or a flat typed array (with `shape`).
 * @example
 * sg.tensor([[1, 2], [3, 4]]);            // float32 [2,2]
 * sg.tensor([1, 2, 3, 4], [2, 2], 'int32');
 */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DataType): Tensor {
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

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DataType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new Error(`scalar: expected a number but got ${typeof value}`);
  return tensor(value, [], dtype);
}

export function tensor1d(values: TensorLike, dtype?: DataType): Tensor {
  const t = tensor(values, undefined, dtype);
  if (t.rank !== 1) {
    t.dispose();
    throw new Error(`tensor1d: expected a flat array but got shape ${fmt(inferShape('tensor1d', values))}`);
  }
  return t;
}

export function tensor2d(values: TensorLike, shape?: [number, number], dtype?: DataType): Tensor {
  const t = tensor(values, shape, dtype);
  if (t.rank !== 2) {
    t.dispose();
    throw new Error(`tensor2d: expected rank 2 but got shape ${fmt(t.shape)}`);
  }
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: Shape, value: number, dtype: DataType = 'float32'): Tensor {
  checkShape('fill', shape);
  checkDtype('fill', dtype);
  if (typeof value !== 'number' || (dtype !== 'float32' && !Number.isFinite(value))) {
    throw new Error(
      `fill: value must be a number${dtype !== 'float32' ? ' and finite for ' + dtype : ''} but is ${value}`,
    );
  }
  const size = sizeFromShape(shape);
  if (value === 0) return ENGINE.makeTensor(null, shape, dtype);
  const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  arr.fill(value);
  return ENGINE.makeTensor(arr, shape, dtype);
}

export function zeros(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

export function ones(shape: Shape, dtype: DataType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return ones(x.shape, x.dtype);
}

/**
 * Numbers from `start` to `stop` (exclusive) by `step`, as tfjs `range`.
 * @example sg.range(0, 5).print(); // [0, 1, 2, 3, 4]
 */
export function range(start: number, stop: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  checkFinite('range', 'start', start);
  checkFinite('range', 'stop', stop);
  checkFinite('range', 'step', step);
  if (step === 0) throw new Error('range: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const arr = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) arr[i] = start + i * step;
  return ENGINE.makeTensor(arr, [n], dtype);
}

/** numpy-style `arange(stop)` or `arange(start, stop, step)`. */
export function arange(startOrStop: number, stop?: number, step = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  return stop === undefined ? range(0, startOrStop, step, dtype) : range(startOrStop, stop, step, dtype);
}

/** The n x n identity matrix. */
export function eye(n: number, dtype: DataType = 'float32'): Tensor {
  const arr = dtype === 'float32' ? new Float32Array(n * n) : new Int32Array(n * n);
  for (let i = 0; i < n; i++) arr[i * n + i] = 1;
  return ENGINE.makeTensor(arr, [n, n], dtype);
}

function randomTensor(op: string, shape: Shape, sample: () => number, dtype: DataType): Tensor {
  checkShape(op, shape);
  if (dtype === 'bool') throw new Error(`${op}: dtype bool is not supported`);
  const size = sizeFromShape(shape);
  const arr = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) arr[i] = sample();
  return ENGINE.makeTensor(arr, shape, dtype);
}

/**
 * Samples from a normal distribution. The same seed gives the same values.
 * @example sg.randomNormal([2, 3], 0, 1, 'float32', 42);
 */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, dtype: DataType = 'float32', seed?: number): Tensor {
  checkFinite('randomNormal', 'mean', mean);
  checkFinite('randomNormal', 'stdDev', stdDev);
  const rng = new Rng(seed);
  return randomTensor('randomNormal', shape, () => mean + stdDev * rng.normal(), dtype);
}

/** Samples uniformly from [minval, maxval). */
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
  const f =
    dtype === 'int32'
      ? () => Math.floor(minval + (maxval - minval) * rng.uniform())
      : () => minval + (maxval - minval) * rng.uniform();
  return randomTensor('randomUniform', shape, f, dtype);
}

/** A normal distribution whose samples beyond two standard deviations are drawn again. */
export function truncatedNormal(
  shape: Shape,
  mean = 0,
  stdDev = 1,
  dtype: DataType = 'float32',
  seed?: number,
): Tensor {
  checkFinite('truncatedNormal', 'mean', mean);
  checkFinite('truncatedNormal', 'stdDev', stdDev);
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
 */
export function variable(initialValue: Tensor, trainable = true, name?: string, dtype?: DataType): Variable {
  return ENGINE.makeVariable(initialValue, trainable, name, dtype);
}
