// Tensor and Variable: an immutable view (shape, dtype) of a reference-counted backend buffer.
import type { DataType, NestedArray, TypedArray } from './dtype.js';
import { sizeFromShape, type Shape } from './shape.js';

/** What a Tensor needs from the engine; set once by engine.ts (breaks the import cycle). */
export interface TensorTracker {
  readSync(t: Tensor): TypedArray;
  read(t: Tensor): Promise<TypedArray>;
  disposeTensor(t: Tensor): void;
  assignVariable(v: Variable, value: Tensor): void;
  cloneTensor(t: Tensor): Tensor;
}
let tracker: TensorTracker;
export function setTensorTracker(t: TensorTracker): void {
  tracker = t;
}

let nextId = 0;

// `Symbol.dispose` (for `using t = ...`) is typed by TypeScript's esnext lib and by @types/node,
// not by the es2022 default lib: declared here the way @types/node does it, so that the published
// tensor.d.ts compiles for a user with neither (identical declarations merge without conflict).
declare global {
  interface SymbolConstructor {
    /** The well-known symbol of explicit resource management (`using`). */
    readonly dispose: unique symbol;
  }
}

/**
 * An n-dimensional array of float32, int32 or bool values held by a backend (or complex64, made by
 * `sg.complex`, for the complex and spectral ops).
 * Tensors are immutable; free one with `dispose()` or create it inside `tidy()`.
 * @example
 * const t = sg.tensor([[1, 2], [3, 4]]);
 * t.print();            // Tensor [[1, 2], [3, 4]]
 * t.dispose();
 */
export class Tensor {
  /** A number unique to this tensor, in creation order (tfjs' `id`). */
  readonly id = nextId++;
  /** The size of each dimension, e.g. `[2, 3]`; `[]` for a scalar. */
  readonly shape: number[];
  /** The number of elements: the product of `shape` (1 for a scalar). */
  readonly size: number;
  /** Set when a scope keeps this tensor alive past `tidy` (see `keep`). */
  kept = false;
  /** True once `dispose()` has freed this tensor (its values can no longer be read). */
  isDisposed = false;

  /** @internal Use the creation functions (`tensor`, `zeros`...) instead. */
  constructor(
    shape: Shape,
    /** The values' type: 'float32', 'int32', 'bool' or 'complex64'. */
    readonly dtype: DataType,
    /** The engine's opaque buffer record. */
    public dataId: object,
  ) {
    this.shape = shape.slice();
    this.size = sizeFromShape(shape);
  }

  /** The number of dimensions: `shape.length` (0 for a scalar). */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * A copy of the values, synchronously (Float32Array or Int32Array; bool as 0/1 Int32Array; complex64 as
   * a Float32Array of 2 * size interleaved real and imaginary parts, as tfjs).
   */
  dataSync(): TypedArray {
    return tracker.readSync(this);
  }

  /** A copy of the values. Asynchronous, so a GPU backend can read back without blocking. */
  data(): Promise<TypedArray> {
    return tracker.read(this);
  }

  /** The values as nested arrays. */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** The values as nested arrays, synchronously (bool values as true/false). */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** Prints the tensor's values (like tfjs `print`); verbose adds dtype, rank and shape. */
  print(verbose = false): void {
    console.log(
      verbose && !this.isDisposed
        ? `Tensor\n  dtype: ${this.dtype}\n  rank: ${this.rank}\n  shape: ${JSON.stringify(this.shape)}\n  values:\n    ${this.valuesString()}`
        : this.toString(),
    );
  }

  /**
   * The raw bytes of the values (4 per element, little-endian float32/int32; bool as int32),
   * as tfjs' `bytes()` for numeric tensors.
   * @example const b = await t.bytes(); // Uint8Array of t.size * 4 bytes
   */
  async bytes(): Promise<Uint8Array> {
    const v = await this.data();
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }

  /** Throws when this tensor has been disposed (tfjs' `throwIfDisposed`). */
  throwIfDisposed(): void {
    if (this.isDisposed) throw new Error(`Tensor is disposed (shape ${JSON.stringify(this.shape)}, dtype ${this.dtype})`);
  }

  /** 'Tensor ' and the values as nested JSON arrays (what `print()` shows), or a note that it is disposed. */
  toString(): string {
    if (this.isDisposed) return `Tensor (disposed) shape ${JSON.stringify(this.shape)}`;
    return `Tensor ${this.valuesString()}`;
  }

  /** The values as nested JSON arrays; complex64 elements as `re + imj` (as tfjs prints them). */
  private valuesString(): string {
    if (this.dtype !== 'complex64') return JSON.stringify(this.arraySync());
    const v = this.dataSync();
    const shape = this.shape;
    const el = (i: number) => `${v[2 * i]} + ${v[2 * i + 1]}j`;
    const build = (dim: number, offset: number): string => {
      if (dim === shape.length) return el(offset);
      const stride = sizeFromShape(shape.slice(dim + 1));
      const parts: string[] = [];
      for (let i = 0; i < shape[dim]; i++) parts.push(build(dim + 1, offset + i * stride));
      return `[${parts.join(', ')}]`;
    };
    return build(0, 0);
  }

  /** What console.log and Node's util.inspect show: dtype, shape and values (not the engine's internals). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (this.isDisposed) return this.toString();
    return `Tensor ${this.dtype} ${JSON.stringify(this.shape)} ${this.valuesString()}`;
  }

  /** A new tensor sharing this one's buffer. */
  clone(): Tensor {
    return tracker.cloneTensor(this);
  }

  /** Frees this tensor; its buffer is freed when no other tensor shares it. Idempotent. */
  dispose(): void {
    tracker.disposeTensor(this);
  }

  /** The same as dispose(): lets `using t = sg.tensor(...)` free the tensor at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * A mutable tensor for model weights: `assign` replaces its value. Not freed by `tidy`.
 * @example
 * const w = sg.variable(sg.zeros([2]));
 * w.assign(sg.ones([2]));
 */
export class Variable extends Tensor {
  constructor(
    shape: Shape,
    dtype: DataType,
    dataId: object,
    /** Whether optimizers update it when given no variable list (`minimize`, `variableGrads`). */
    public trainable: boolean,
    /** The variable's unique name (`variable0`, `variable1`... unless given to `sg.variable`). */
    readonly name: string,
  ) {
    super(shape, dtype, dataId);
  }

  /** Replaces the value; `value` must have this variable's shape and dtype. */
  assign(value: Tensor): void {
    tracker.assignVariable(this, value);
  }
}

// complex64 as tfjs: the innermost rows hold interleaved (real, imaginary) pairs, twice as long
// (a complex scalar gives its real part, as tfjs' arraySync does).
function toNested(values: TypedArray, shape: number[], dtype: DataType): NestedArray {
  const conv = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return conv(values[0]);
  const pair = dtype === 'complex64' ? 2 : 1;
  const build = (dim: number, offset: number): NestedArray => {
    const n = shape[dim] * (dim === shape.length - 1 ? pair : 1);
    if (dim === shape.length - 1) {
      const row: NestedArray[] = [];
      for (let i = 0; i < n; i++) row.push(conv(values[offset + i]));
      return row;
    }
    const stride = sizeFromShape(shape.slice(dim + 1)) * pair;
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(build(dim + 1, offset + i * stride));
    return out;
  };
  return build(0, 0);
}
