// More of tfjs-core's `util` helpers that programs and custom layers call (shape and index
// arithmetic, type tests, typed-array makers, clamp, repeatedTry...), merged into `sg.util` by
// env.ts. Semantics and errors follow tfjs-core 4.22's; the string helpers are out of scope.
import type { DataType } from '../engine/dtype.js';

function check(expr: boolean, msg: () => string): void {
  if (!expr) throw new Error(msg());
}

/** tfjs' typed-array constructor for a dtype: Float32Array, Int32Array, Uint8Array (bool). */
function arrayFor(dtype: DataType | undefined, size: number): Float32Array | Int32Array | Uint8Array {
  if (dtype == null || dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new Error(`util: unknown data type '${String(dtype)}' (simdgrad has float32, int32 and bool)`);
}

/** Nested arrays of `shape` from flat values (row-major), as tfjs' toNestedArray. */
function toNestedArray(shape: number[], a: ArrayLike<number>): unknown {
  if (shape.length === 0) return a[0];
  const size = shape.reduce((p, c) => p * c, 1);
  if (size === 0) return [];
  check(size === a.length, () => `[${shape}] does not match the input size ${a.length}.`);
  const build = (off: number, dims: number[]): unknown => {
    if (dims.length === 1) return Array.from({ length: dims[0] }, (_, i) => a[off + i]);
    const inner = dims.slice(1).reduce((p, c) => p * c, 1);
    return Array.from({ length: dims[0] }, (_, i) => build(off + i * inner, dims.slice(1)));
  };
  return build(0, shape);
}

/** Normalised axes (sorted as given, negatives resolved) for `shape`, as tfjs' parseAxisParam. */
function parseAxisParam(axis: number | number[] | null | undefined, shape: number[]): number[] {
  const rank = shape.length;
  const ax = axis == null ? shape.map((_, i) => i) : ([] as number[]).concat(axis);
  check(
    ax.every((a) => a >= -rank && a < rank),
    () => `All values in axis param must be in range [-${rank}, ${rank}) but got axis ${ax}`,
  );
  check(
    ax.every((a) => Number.isInteger(a)),
    () => `All values in axis param must be integers but got axis ${ax}`,
  );
  return ax.map((a) => (a < 0 ? rank + a : a));
}

/** The helpers added to `util`. */
export const utilExtra = {
  /** Whether two shapes are equal, null entries matching anything (tfjs' arraysEqualWithNull). */
  arraysEqualWithNull: (a: Array<number | null>, b: Array<number | null>): boolean =>
    a.length === b.length && a.every((v, i) => v === null || b[i] === null || v === b[i]),
  /** Throws unless every dimension is an integer >= 0. */
  assertNonNegativeIntegerDimensions(shape: number[]): void {
    shape.forEach((d) =>
      check(Number.isInteger(d) && d >= 0, () => `Tensor must have a shape comprised of positive integers but got shape [${shape}].`),
    );
  },
  /** Throws `msg()` when `a` is null or undefined. */
  assertNonNull(a: unknown): void {
    check(a != null, () => 'The input to the tensor constructor must be a non-null value.');
  },
  /** Throws unless the two shapes are equal. */
  assertShapesMatch(shapeA: number[], shapeB: number[], errorMessagePrefix = ''): void {
    check(
      shapeA.length === shapeB.length && shapeA.every((v, i) => v === shapeB[i]),
      () => errorMessagePrefix + ` Shapes ${shapeA} and ${shapeB} must match`,
    );
  },
  /** Bytes per element of a dtype (float32 and int32: 4, bool: 1, complex64: 8), as tfjs. */
  bytesPerElement(dtype: DataType): number {
    if (dtype === 'float32' || dtype === 'int32') return 4;
    if (dtype === 'complex64') return 8;
    if (dtype === 'bool') return 1;
    throw new Error(`Unknown dtype ${dtype}`);
  },
  /** Throws when a value to upload is NaN or infinite (tfjs' debug-mode check). */
  checkConversionForErrors(vals: ArrayLike<number>, dtype: DataType): void {
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (Number.isNaN(v) || !Number.isFinite(v)) throw new Error(`A tensor of type ${dtype} being uploaded contains ${v}.`);
    }
  },
  /** min(max(x, min), max). */
  clamp: (min: number, x: number, max: number): number => Math.max(min, Math.min(x, max)),
  /** The squared Euclidean distance of two arrays. */
  distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let r = 0;
    for (let i = 0; i < a.length; i++) r += (Number(a[i]) - Number(b[i])) ** 2;
    return r;
  },
  /** The global fetch (tfjs' util.fetch). */
  fetch: (input: string | URL | Request, init?: RequestInit): Promise<Response> => globalThis.fetch(input, init),
  /** A zeroed typed array of a dtype (bool: Uint8Array), as tfjs. */
  getArrayFromDType: (dtype: DataType, size: number) => arrayFor(dtype, size),
  /** The same as getArrayFromDType (tfjs keeps both names). */
  getTypedArrayFromDType: (dtype: DataType, size: number) => arrayFor(dtype, size),
  /** Whether casting from oldType to newType can lose information, as tfjs. */
  hasEncodingLoss(oldType: DataType, newType: DataType): boolean {
    if (newType === 'float32') return false;
    if (newType === 'int32' && oldType !== 'float32') return false;
    if (newType === 'bool' && oldType === 'bool') return false;
    return true;
  },
  /** Row-major coordinates of a flat index (strides: all but the last dimension's). */
  indexToLoc(index: number, rank: number, strides: number[]): number[] {
    if (rank === 0) return [];
    if (rank === 1) return [index];
    const locs = new Array<number>(rank);
    for (let i = 0; i < rank - 1; i++) {
      locs[i] = Math.floor(index / strides[i]);
      index -= locs[i] * strides[i];
    }
    locs[rank - 1] = index;
    return locs;
  },
  /** The flat index of row-major coordinates (strides: all but the last dimension's). */
  locToIndex(locs: number[], rank: number, strides: number[]): number {
    if (rank === 0) return 0;
    if (rank === 1) return locs[0];
    let index = locs[locs.length - 1];
    for (let i = 0; i < locs.length - 1; i++) index += strides[i] * locs[i];
    return index;
  },
  /** A shape with its one -1 resolved for `size` elements, as tfjs. */
  inferFromImplicitShape(shape: number[], size: number): number[] {
    let prod = 1;
    let implicit = -1;
    shape.forEach((d, i) => {
      if (d >= 0) prod *= d;
      else if (d === -1) {
        if (implicit !== -1) throw new Error(`Shapes can only have 1 implicit size. Found -1 at dim ${implicit} and dim ${i}`);
        implicit = i;
      } else throw new Error(`Shapes can not be < 0. Found ${d} at dim ${i}`);
    });
    if (implicit === -1) {
      if (size > 0 && size !== prod) throw new Error(`Size(${size}) must match the product of shape ${shape}`);
      return shape;
    }
    if (prod === 0) throw new Error(`Cannot infer the missing size in [${shape}] when there are 0 elements`);
    if (size % prod !== 0) throw new Error(`The implicit shape can't be a fractional number. Got ${size} / ${prod}`);
    const out = shape.slice();
    out[implicit] = size / prod;
    return out;
  },
  /** typeof x === 'boolean'. */
  isBoolean: (x: unknown): boolean => typeof x === 'boolean',
  /** Whether x is a function. */
  isFunction: (x: unknown): boolean => typeof x === 'function',
  /** Whether x is an integer. */
  isInt: (x: number): boolean => x % 1 === 0,
  /** typeof x === 'number'. */
  isNumber: (x: unknown): boolean => typeof x === 'number',
  /** Whether x is a thenable. */
  isPromise: (x: unknown): boolean => !!x && typeof (x as { then?: unknown }).then === 'function',
  /** Whether a shape is a scalar's ([] or [1] with rank 0... as tfjs: length 0). */
  isScalarShape: (shape: number[]): boolean => shape.length === 0,
  /** typeof x === 'string'. */
  isString: (x: unknown): boolean => typeof x === 'string',
  /** Whether dtype names a tfjs dtype (simdgrad computes with float32, int32 and bool). */
  isValidDtype: (dtype: string): boolean => ['bool', 'complex64', 'float32', 'int32', 'string'].includes(dtype),
  /** A typed array of ones of a dtype. */
  makeOnesTypedArray: (size: number, dtype: DataType) => arrayFor(dtype, size).fill(1),
  /** A typed array of zeros of a dtype. */
  makeZerosTypedArray: (size: number, dtype: DataType) => arrayFor(dtype, size),
  /** Nested arrays of zeros of `shape`. */
  makeZerosNestedTypedArray: (shape: number[], dtype: DataType): unknown =>
    toNestedArray(shape, arrayFor(dtype, shape.reduce((p, c) => p * c, 1))),
  /** The smallest divisor of `size` that is >= start (size when there is none below it). */
  nearestDivisor(size: number, start: number): number {
    for (let i = start; i < size; i++) if (size % i === 0) return i;
    return size;
  },
  /** The nearest even number >= val. */
  nearestLargerEven: (val: number): number => (val % 2 === 0 ? val : val + 1),
  parseAxisParam,
  /** A number in [a, b) from Math.random(), as tfjs. */
  randUniform(a: number, b: number): number {
    const r = Math.random();
    return b * r + (1 - r) * a;
  },
  /** Resolves when checkFn() holds, retrying with delays; rejects after maxCounter tries. */
  repeatedTry(
    checkFn: () => boolean,
    delayFn: (counter: number) => number = () => 0,
    maxCounter?: number,
    scheduleFn: (fn: () => void, ms: number) => void = (fn, ms) => setTimeout(fn, ms),
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      let tries = 0;
      const attempt = () => {
        if (checkFn()) return resolve();
        tries++;
        const next = delayFn(tries);
        if (maxCounter != null && tries >= maxCounter) return reject();
        scheduleFn(attempt, next);
      };
      attempt();
    });
  },
  /** Pads a string with spaces on the right to `size`. */
  rightPad: (a: string, size: number): string => (size <= a.length ? a : a + ' '.repeat(size - a.length)),
  /** The shape without size-1 dimensions (only those in `axis`), and which were kept, as tfjs. */
  squeezeShape(shape: number[], axis?: number[]): { newShape: number[]; keptDims: number[] } {
    const newShape: number[] = [];
    const keptDims: number[] = [];
    const axes = axis == null || (Array.isArray(axis) && axis.length === 0) ? null : parseAxisParam(axis, shape).sort();
    let j = 0;
    for (let i = 0; i < shape.length; i++) {
      if (axes != null) {
        if (axes[j] === i && shape[i] !== 1) throw new Error(`Can't squeeze axis ${i} since its dim '${shape[i]}' is not 1`);
        if ((axes[j] == null || axes[j] > i) && shape[i] === 1) {
          newShape.push(shape[i]);
          keptDims.push(i);
        }
        if (axes[j] <= i) j++;
      }
      if (shape[i] !== 1) {
        newShape.push(shape[i]);
        keptDims.push(i);
      }
    }
    return { newShape, keptDims };
  },
  /** Swaps a[left] and a[right]. */
  swap<T>(a: T[], left: number, right: number): void {
    const t = a[left];
    a[left] = a[right];
    a[right] = t;
  },
  /** The hyperbolic tangent of a number (tfjs' polyfill of Math.tanh). */
  tanh: (x: number): number => Math.tanh(x),
  toNestedArray,
  /** A typed array of a dtype from (nested) numbers, as tfjs (copies unless already right). */
  toTypedArray(a: Float32Array | Int32Array | Uint8Array | unknown[], dtype: DataType): Float32Array | Int32Array | Uint8Array {
    const flat: number[] = Array.isArray(a) ? (a as unknown[]).flat(Infinity as 1).map((v) => Number(v)) : Array.from(a as ArrayLike<number>);
    if (dtype === 'float32' && a instanceof Float32Array) return a;
    if (dtype === 'int32' && a instanceof Int32Array) return a;
    if (dtype === 'bool' && a instanceof Uint8Array) return a;
    const out = arrayFor(dtype, flat.length);
    flat.forEach((v, i) => (out[i] = dtype === 'bool' ? (Math.round(v) !== 0 ? 1 : 0) : v));
    return out;
  },
};
