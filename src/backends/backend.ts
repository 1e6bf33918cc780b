// The Backend interface: storage of tensor data plus a table of kernels.
// Data handles are opaque objects; reading is asynchronous by contract (`read`), so a GPU
// backend whose buffers read back asynchronously fits without changing the engine.
import type { DataType, TypedArray } from '../engine/dtype.js';
import type { Shape } from '../engine/shape.js';

/** An opaque handle to a backend buffer. Only the backend that made it knows what is inside. */
export type DataId = object;

/** What a kernel sees of a tensor: its buffer, shape and dtype. */
export interface TensorInfo {
  readonly dataId: DataId;
  readonly shape: Shape;
  readonly dtype: DataType;
}

export type Attrs = Record<string, unknown>;

/** A kernel: reads its inputs, allocates and fills its outputs. It must validate nothing. */
export type KernelFunc = (inputs: TensorInfo[], attrs: Attrs, backend: Backend) => TensorInfo | TensorInfo[];

/**
 * What a backend implements: buffers (write, read, dispose) and kernels by name. `js` (plain loops, the reference)
 * and `wasm` (WebAssembly SIMD, the default) are built in; `sg.backend()` returns the active one.
 */
export interface Backend {
  /** The backend's name ('wasm', 'js'). */
  readonly name: string;
  /** Kernels by name. A missing entry means this backend cannot run that kernel. */
  readonly kernels: Map<string, KernelFunc>;
  /** A new buffer of `size` elements, zero-filled, or filled with a copy of `values`. */
  write(values: TypedArray | null, size: number, dtype: DataType): DataId;
  /** A copy of the buffer's contents. */
  readSync(dataId: DataId): TypedArray;
  /** False where `readSync` would refuse this buffer (webgpu: values only on the GPU); absent means always true. */
  canReadSync?(dataId: DataId): boolean;
  /** A copy of the buffer's contents, asynchronously. */
  read(dataId: DataId): Promise<TypedArray>;
  /**
   * A copy of the buffer made on the backend's side, without reading it to the host (the engine's
   * copy-on-write of in-place updates uses it where present; webgpu cannot read synchronously).
   */
  copy?(dataId: DataId): DataId;
  /** Frees the buffer. */
  disposeData(dataId: DataId): void;
  /**
   * Called before a kernel writes into the existing buffer `dataId` (runKernelInPlace): a backend
   * that keeps something derived from a buffer's contents (wasm: a packed copy of a GEMV weight)
   * drops it. Optional.
   */
  contentsChanged?(dataId: DataId): void;
  /** Bytes held by this backend's live buffers. */
  numBytes(): number;
  /** Backend-specific memory facts (e.g. the WASM heap size). */
  memoryInfo(): Record<string, number>;
  /**
   * The most bytes one buffer can ever have on this backend (the WASM memory's maximum less its
   * static data), or undefined where only the host limits it. Ops check sizes against it before
   * they compute anything (ENGINE.checkSize).
   */
  maxBufferBytes?(): number;
  /**
   * Bracket one kernel call. When the kernel throws, `endKernel(false)` frees every buffer the
   * kernel wrote, so a failed op leaks nothing.
   */
  beginKernel(): void;
  /** Ends the bracket opened by `beginKernel`: `ok` false frees every buffer the kernel wrote. */
  endKernel(ok: boolean): void;
}

/**
 * Backends that keep data in host memory can lend a live typed-array view of a buffer, so one
 * set of data-movement kernels (transpose, slice, gather...) serves both CPU backends. A view
 * is valid only until the backend's next allocation (WASM memory may grow and move).
 */
export interface CpuBackend extends Backend {
  view(dataId: DataId, dtype: DataType): TypedArray;
}

/** A kernel over typed arrays: it receives views of its inputs and of a preallocated output. */
export type ViewKernel = (
  ins: TypedArray[],
  out: TypedArray,
  infos: TensorInfo[],
  attrs: Attrs,
  outShape: Shape,
) => void;
