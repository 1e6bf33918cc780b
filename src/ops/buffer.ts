// TensorBuffer and buffer() (tfjs-core): a mutable, host-side array with a shape, for building a
// tensor element by element, then `toTensor()`.
import { checkDtype, type DataType, type TypedArray } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt, sizeFromShape, stridesOf, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { checkShape } from './util.js';

/**
 * A mutable buffer of values with a shape (tfjs's TensorBuffer).
 * @example
 * const b = sg.buffer([2, 2]);
 * b.set(5, 0, 1);
 * b.toTensor().print(); // [[0, 5], [0, 0]]
 */
export class TensorBuffer {
  /** Number of elements (the product of the shape). */
  readonly size: number;
  /** Row-major strides of every dimension but the last (tfjs's layout). */
  readonly strides: number[];
  /** The values, row-major (Float32Array for float32, Int32Array for int32 and bool). */
  readonly values: TypedArray;
  /** The shape (a copy of the one given). */
  readonly shape: number[];

  constructor(
    shape: Shape,
    /** The dtype of the values and of the tensor `toTensor()` makes. */
    readonly dtype: DataType,
    values?: TypedArray,
  ) {
    this.shape = shape.slice();
    this.size = sizeFromShape(shape);
    this.strides = stridesOf(shape).slice(0, -1);
    if (values && values.length !== this.size)
      throw new Error(`buffer: ${values.length} values do not fill shape ${fmt(shape)} (size ${this.size})`);
    this.values = values ?? (dtype === 'float32' ? new Float32Array(this.size) : new Int32Array(this.size));
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Sets the value at `locs` (one index per dimension). */
  set(value: number | boolean, ...locs: number[]): void {
    this.values[this.locToIndex(locs.length ? locs : [0])] = Number(value);
  }

  /** The value at `locs`. */
  get(...locs: number[]): number {
    return this.values[this.locToIndex(locs.length ? locs : [0])];
  }

  /** The flat (row-major) index of the element at `locs`; throws when a location is out of range. */
  locToIndex(locs: number[]): number {
    if (this.rank === 0) return 0;
    if (locs.length !== this.rank || locs.some((l, i) => !Number.isInteger(l) || l < 0 || l >= this.shape[i]))
      throw new Error(`TensorBuffer: location ${fmt(locs)} is out of range for shape ${fmt(this.shape)}`);
    let idx = locs[locs.length - 1];
    for (let i = 0; i < locs.length - 1; i++) idx += this.strides[i] * locs[i];
    return idx;
  }

  /** The location (one index per dimension) of the element at flat index `index`. */
  indexToLoc(index: number): number[] {
    const loc: number[] = [];
    for (const s of this.strides) {
      loc.push(Math.floor(index / s));
      index -= loc[loc.length - 1] * s;
    }
    loc.push(index);
    return this.rank === 0 ? [] : loc;
  }

  /** A new tensor with a copy of the values. */
  toTensor(): Tensor {
    return ENGINE.makeTensor(this.values, this.shape, this.dtype);
  }
}

/**
 * A TensorBuffer of `shape` (zeros, or a view of `values`).
 * @example const b = sg.buffer([3], 'int32');
 * @category Creation
 */
export function buffer(shape: Shape, dtype: DataType = 'float32', values?: TypedArray): TensorBuffer {
  checkShape('buffer', shape);
  checkDtype('buffer', dtype);
  return new TensorBuffer(shape, dtype, values);
}
