// Helpers shared by the op files: argument conversion and validation.
import { ENGINE } from '../engine/engine.js';
import { type DataType, type TensorLike, type TypedArray, complexError } from '../engine/dtype.js';
import { fmt, normAxes, sizeFromShape, type Shape } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';

/** Infers the shape of nested arrays, checking that they are not ragged. */
export function inferShape(op: string, values: TensorLike): number[] {
  if (typeof values === 'number' || typeof values === 'boolean') return [];
  if (ArrayBuffer.isView(values)) return [(values as TypedArray).length];
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  const check = (x: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw new Error(`${op}: ragged nested array: expected a number at depth ${dim}`);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new Error(
        `${op}: ragged nested array: expected length ${shape[dim]} at depth ${dim} ` +
          `but got ${Array.isArray(x) ? x.length : typeof x}`,
      );
    }
    for (const y of x) check(y, dim + 1);
  };
  check(values, 0);
  return shape;
}

/** Flattens nested arrays (or copies a typed array) into a typed array of `dtype`. */
export function flatten(op: string, values: TensorLike, dtype: DataType, size: number): TypedArray {
  const out = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  let i = 0;
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) visit(y);
    else if (typeof x === 'number' || typeof x === 'boolean') out[i++] = dtype === 'bool' ? (x ? 1 : 0) : Number(x);
    else throw new Error(`${op}: expected numbers but found ${typeof x}`);
  };
  if (ArrayBuffer.isView(values) || (typeof values === 'object' && !Array.isArray(values))) {
    const arr = values as ArrayLike<number>;
    if (arr.length !== size) throw new Error(`${op}: ${arr.length} values do not fill shape of size ${size}`);
    for (let k = 0; k < size; k++) out[k] = dtype === 'bool' ? (arr[k] ? 1 : 0) : arr[k];
    return out;
  }
  visit(values);
  if (i !== size) throw new Error(`${op}: ${i} values do not fill shape of size ${size}`);
  return out;
}

/**
 * The dtype values imply, as tfjs: bool for booleans, int32 for Int32Array, Uint8Array and
 * Uint8ClampedArray, else float32.
 */
export function inferDtype(values: TensorLike): DataType {
  if (values instanceof Int32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray)
    return 'int32';
  let v: unknown = values;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'boolean' ? 'bool' : 'float32';
}

/** tfjs's name for what a value is: 'Object', 'Map', 'string'... (for error messages). */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'Object';
  return typeof x;
}

/** Whether `x` is something `tensor()` accepts: a number, boolean, (nested) array or typed array. */
export function isTensorLike(x: unknown): boolean {
  return (
    typeof x === 'number' ||
    typeof x === 'boolean' ||
    Array.isArray(x) ||
    (ArrayBuffer.isView(x) && !(x instanceof DataView))
  );
}

/** Throws when nested values hold strings (string tensors are out of scope). */
function checkNoStrings(op: string, x: unknown): void {
  let v = x;
  while (Array.isArray(v)) v = v[0];
  if (typeof v === 'string')
    throw new Error(`${op}: string tensors are not supported (simdgrad has numeric dtypes only)`);
}

/** The ops that take complex64 tensors through toTensor (views of the buffer: no values read). */
const COMPLEX_OK = new Set(['reshape', 'clone', 'expandDims', 'squeeze']);

/**
 * A Tensor from a Tensor, number or nested array (numbers become float32 unless `dtype`). A complex64
 * tensor is refused here, naming the op, unless the op is one of COMPLEX_OK (complex ops take theirs directly).
 */
export function toTensor(x: Tensor | TensorLike, arg: string, op: string, dtype?: DataType): Tensor {
  if (x instanceof Tensor) {
    ENGINE.assertLive(x, op);
    if (x.dtype === 'complex64' && !COMPLEX_OK.has(op)) throw complexError(op, arg);
    return x;
  }
  if (!isTensorLike(x)) {
    checkNoStrings(op, x);
    throw new Error(
      `Argument '${arg}' passed to '${op}' must be a Tensor or TensorLike, but got '${describeValue(x)}'`,
    );
  }
  checkNoStrings(op, x);
  const shape = inferShape(op, x);
  const dt: DataType = dtype ?? inferDtype(x);
  const values = flatten(op, x, dt, sizeFromShape(shape));
  if (dt === 'int32' && !(x instanceof Int32Array)) checkIntegers(op, arg, x);
  return ENGINE.makeTensor(values, shape, dt);
}

/** Plain values converted to int32 (indices, ids) must be integers: 0.5 is an error, not 0. */
function checkIntegers(op: string, arg: string, x: TensorLike): void {
  const flat: unknown[] = ArrayBuffer.isView(x)
    ? Array.from(x as ArrayLike<number>)
    : Array.isArray(x)
      ? (x as unknown[]).flat(Infinity as 1)
      : [x];
  const at = flat.findIndex((v) => typeof v === 'number' && !Number.isInteger(v));
  if (at >= 0) {
    throw new Error(
      `${op}: argument '${arg}' must hold integers (it is converted to int32) but element ${at} is ${String(flat[at])}`,
    );
  }
}

/**
 * Sorted axes from `axis` (undefined/null: all axes), normalising negatives; a repeated axis
 * is an error (tfjs would reduce it once; naming it twice is almost always a bug).
 */
export function axesArg(op: string, axis: number | number[] | null | undefined, rank: number): number[] {
  const axes = normAxes(op, axis, rank);
  const n = axis == null ? rank : Array.isArray(axis) ? axis.length : 1;
  if (axes.length !== n)
    throw new Error(`${op}: axis ${JSON.stringify(axis)} names a dimension twice (duplicate axes)`);
  return axes;
}

export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (t.dtype !== 'float32')
    throw new Error(`${op}: argument '${arg}' must be float32 but has dtype ${t.dtype} (shape ${fmt(t.shape)})`);
}

export function checkFinite(op: string, arg: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${op}: argument '${arg}' must be a finite number but is ${v}`);
}

export function checkInt(op: string, arg: string, v: number, min = 0): void {
  if (!Number.isInteger(v) || v < min)
    throw new Error(`${op}: argument '${arg}' must be an integer >= ${min} but is ${v}`);
}

export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: invalid shape ${fmt(shape)}: dimensions must be integers >= 0`);
  }
}

/** Runs a kernel with one output. */
export function run1(name: string, inputs: Tensor[], attrs: Record<string, unknown> = {}): Tensor {
  return ENGINE.runKernel(name, inputs, attrs)[0];
}

/** Wraps a composite op so that its intermediates are freed: every op runs as its own scope. */
export function scoped<F extends (...args: never[]) => Tensor>(fn: F): F {
  // ENGINE.tidy's scope handling inline: one closure less on every op call.
  return ((...args: never[]) => {
    ENGINE.startScope();
    let result: Tensor;
    try {
      result = fn(...args);
    } catch (e) {
      ENGINE.endScope();
      throw e;
    }
    ENGINE.endScope(result);
    return result;
  }) as F;
}
