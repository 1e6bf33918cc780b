// Data types, their typed arrays, and value checks shared by the engine and the backends.

/** The element types of a tensor. `bool` is stored as 0/1 in an Int32Array. */
export type DataType = 'float32' | 'int32' | 'bool';
/** The typed arrays tensors hold: Float32Array for float32, Int32Array for int32 and bool. */
export type TypedArray = Float32Array | Int32Array;
/** Nested arrays of numbers, as accepted by `tensor()` and returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];
/** Values `tensor()` accepts: a number, nested arrays, a typed array or any array-like of numbers. */
export type TensorLike = NestedArray | TypedArray | ArrayLike<number>;

export const BYTES_PER_ELEMENT = 4;

/** A new zero-filled typed array for `dtype`. */
export function makeArray(dtype: DataType, size: number): TypedArray {
  return dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
}

export function isFloat(dtype: DataType): boolean {
  return dtype === 'float32';
}

export function checkDtype(op: string, dtype: string): DataType {
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new Error(`${op}: unknown dtype '${dtype}'; expected 'float32', 'int32' or 'bool'`);
  }
  return dtype;
}

/** The dtype of a binary op's result: float32 wins, bool+bool stays bool only for logical ops. */
export function upcast(a: DataType, b: DataType): DataType {
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}
