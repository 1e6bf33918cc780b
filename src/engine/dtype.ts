// Data types, their typed arrays, and value checks shared by the engine and the backends.

/**
 * The element types of a tensor. `bool` is stored as 0/1 in an Int32Array; `complex64` as interleaved
 * (real, imaginary) float32 pairs, 2 floats per element (made by `complex`, read by `real`/`imag`/`spectral.*`).
 */
export type DataType = 'float32' | 'int32' | 'bool' | 'complex64';
/** The typed arrays tensors hold: Float32Array for float32, Int32Array for int32 and bool. */
export type TypedArray = Float32Array | Int32Array;
/** Nested arrays of numbers, as accepted by `tensor()` and returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];
/** Values `tensor()` accepts: a number, nested arrays, a typed array or any array-like of numbers. */
export type TensorLike = NestedArray | TypedArray | ArrayLike<number>;

export const BYTES_PER_ELEMENT = 4;

/** A new zero-filled typed array for `dtype` (`size` floats for complex64: its buffer's length). */
export function makeArray(dtype: DataType, size: number): TypedArray {
  return dtype === 'float32' || dtype === 'complex64' ? new Float32Array(size) : new Int32Array(size);
}

/**
 * The error for a complex64 tensor given to an op (or kernel) that has no complex form: only complex, real,
 * imag, abs, add, sub, mul, the reshapes (reshape, expandDims, squeeze, clone) and the spectral ops take
 * complex64, as its interleaved (real, imaginary) pairs must never be read as plain float32 values.
 */
export function complexError(op: string, arg?: string): Error {
  return new Error(
    `${op}: ${arg ? `argument '${arg}'` : 'an input'} is a complex64 tensor, which ${op} does not support ` +
      `(complex64 is taken only by complex, real, imag, abs, add, sub, mul, reshape, expandDims, squeeze, clone ` +
      `and the spectral ops; use sg.real(x) / sg.imag(x) first)`,
  );
}

export function isFloat(dtype: DataType): boolean {
  return dtype === 'float32';
}

export function checkDtype(op: string, dtype: string): DataType {
  if (dtype === 'complex64')
    throw new Error(`${op}: a complex64 tensor cannot be made directly; use sg.complex(real, imag)`);
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
