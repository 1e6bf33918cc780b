// The `wasm` backend (the default): tensor buffers live in one WebAssembly linear memory and the
// hot kernels (GEMM, element-wise math, reductions, softmax) are AssemblyScript compiled to
// v128 SIMD. Data-movement kernels and the integer paths reuse the js kernels over heap views.
//
// Why no @assemblyscript/loader: it exists to marshal managed AssemblyScript objects (strings,
// arrays, classes). Our kernels take raw pointers and numbers only, so plain
// WebAssembly.instantiate with a four-line import object is all the glue there is.
//
// Threads: the module imports a shared memory (scripts/build-wasm.mjs) and every range kernel
// goes through dispatch(), which splits calls above a per-kernel cut-off over a worker pool
// (pool.ts). Without shared memory the same module runs on an unshared memory, one thread.
// Loading and instantiating the module: module.ts.
import { makeArray, type DataType, type TypedArray } from '../../engine/dtype.js';
import type { Attrs, DataId, TensorInfo } from '../backend.js';
import { HostBackend, type CpuKernelDef } from '../host.js';
import { JS_KERNELS } from '../js/index.js';
import { matMulGeometry } from '../js/kernels/matmul.js';
import { Act, Binary, Unary } from './codes.generated.js';
import { broadcastShapes, broadcastStrides, collapseBroadcast, shapesEqual } from '../../engine/shape.js';
import { Pool, type ScratchArg } from './pool.js';
import { isNode } from './pool-platform.js';
import { HeapAllocationError, WasmHeap, formatBytes } from './heap.js';
import { getThreads, onThreadsChange } from '../../threads.js';
import { registerWasmOptimKernels } from './kernels/optim.js';
import { registerWasmConvKernels } from './kernels/conv.js';
import { registerWasmRnnKernels } from './kernels/rnn.js';
import { registerWasmConvLstmKernels } from './kernels/conv_lstm.js';
import { registerWasmAttentionKernels } from './kernels/attention.js';
import { registerWasmDropoutKernels } from './kernels/dropout.js';

import { moduleOrigin, type WasmExports } from './module.js';

export * from './module.js';

/**
 * A buffer of the wasm backend: the DataId itself (issue 17: a Map from opaque ids to these records
 * cost three lookups an op). `ptr` is -1 once freed; `owner` tells two backends' buffers apart.
 */
class Block {
  constructor(
    public ptr: number,
    readonly size: number,
    readonly dtype: DataType,
    readonly owner: object,
  ) {}
}

const MAX_RANK = 8;

/** Options of WasmBackend.dispatch. */
export interface DispatchOptions {
  /** The call's size in its kernel's work units (default: `total`), compared with the cut-off. */
  work?: number;
  /** The cut-off: the least `work` worth splitting (default: PARALLEL_MIN_WORK[fn]). */
  minWork?: number;
  /** Chunk bounds are multiples of this (default 1). */
  grain?: number;
  /** Per-thread scratch arguments (at most 4). */
  scratch?: ScratchArg[];
  /** At most this many chunks per thread (default 1). */
  perThread?: number;
}

/**
 * Cut-offs: the least work (in the units each call site counts) worth splitting over threads.
 *
 * Why these numbers (2-core AMD EPYC, Node 20, 1 MiB L2 a core, machine otherwise idle;
 * `npm run bench -- ops cutoffs` times one call on 1 thread and split over 2, interleaved, best
 * of 15 batches; "1 thread / 2 threads" in us):
 *   - The dispatch round trip is ~1.2-1.4 us when the worker is still spinning (p99 ~2-5 us)
 *     and ~10 us when it has gone to sleep (p99 ~30 us); a split call also costs ~1-2 us of
 *     bookkeeping. Compute-bound kernels break even at ~4 us of one-thread work and gain 1.3x
 *     or more from ~6 us: exp 2^12 elements 3.9/3.7 (1.05x), 2^13 7.1/5.3 (1.33x); tanh 2^12
 *     6.5/4.6 (1.42x); softmax 2^12 (64-wide rows) 5.6/4.3 (1.30x); argMax 2^13 4.2/4.0
 *     (1.05x), 2^14 7.2/5.1 (1.40x); GEMM 2^16 multiply-adds 3.9/5.3 (0.73x), 2^17 7.9/6.1
 *     (1.30x), 2^20 (1.78x).
 *   - Memory-bound kernels need somewhat more (the other core fetches its half of the input
 *     from L3, not from the L2 of the core that wrote it): relu 2^16 elements 4.3/5.8 (0.74x),
 *     2^17 10.0/6.6 (1.52x); add 2^15 0.82x, 2^16 8.8/6.4 (1.38x); add with a broadcast row
 *     2^16 0.90x, 2^17 1.64x; sum over 64-wide rows 2^17 0.86x, 2^18 15.1/9.8 (1.54x); sum over
 *     a middle axis 2^17 1.16x, 2^18 1.55x.
 * Unary kernels count work as elements x UNARY_COST (1 for the memory-bound ops), so one cut-off
 * of 2^17 serves relu (128 Ki elements) and tanh (4 Ki elements) alike; binary ops likewise with
 * BINARY_COST. Reductions and softmax count the elements they read, GEMM multiply-adds, the
 * optimizer updates elements (they read 3-5 arrays and take 0.24-0.74 ns an element: adam
 * 2^16 elements 29 us on one thread).
 */
export const PARALLEL_MIN_WORK: Record<string, number> = {
  unaryF32: 1 << 17,
  unaryGradF32: 1 << 17,
  binaryF32: 1 << 16,
  compareF32: 1 << 16,
  binaryI32: 1 << 16,
  compareI32: 1 << 16,
  reduceF32: 1 << 18,
  reduceMidF32: 1 << 18,
  argReduceF32: 1 << 14,
  softmaxF32: 1 << 12,
  gemmF32: 1 << 17,
  gemvF32: 1 << 17,
  sgdUpdateF32: 1 << 16,
  rmspropUpdateF32: 1 << 15,
  adamUpdateF32: 1 << 15,
  adagradUpdateF32: 1 << 15,
  adadeltaUpdateF32: 1 << 15,
  adamaxUpdateF32: 1 << 15,
  nadamUpdateF32: 1 << 15,
};

/**
 * Work per element of each unary op (index: the Unary code), relative to the memory-bound ops:
 * about 22 x its one-thread ns per element where that exceeds ~0.2 ns (`npm run bench --
 * ops cutoffs`: exp 0.80 ns, elu/selu 1.1, sigmoid 1.21, tanh 1.50, log 1.66, softplus 2.9,
 * sin/cos/log1p ~4.9; relu, abs, floor, clip... 0.05-0.15), so that a compute-bound op splits
 * at ~6 us of one-thread work (2^17 / 22 elements a ns).
 */
export const UNARY_COST: readonly number[] = unaryCosts({
  [Unary.Sqrt]: 6,
  [Unary.Exp]: 18,
  [Unary.Log]: 37,
  [Unary.Elu]: 24,
  [Unary.Selu]: 24,
  [Unary.Sigmoid]: 27,
  [Unary.Tanh]: 33,
  [Unary.Softplus]: 64,
  [Unary.Reciprocal]: 3,
  [Unary.Rsqrt]: 9,
  [Unary.Sin]: 107,
  [Unary.Cos]: 110,
  [Unary.Log1p]: 105,
});
/** The same for unaryGradF32 (sigmoid/tanh/softplus ~1.4-1.5 ns, sin/cos ~5; the rest <= 0.3). */
export const UNARY_GRAD_COST: readonly number[] = unaryCosts({
  [Unary.Sigmoid]: 30,
  [Unary.Tanh]: 33,
  [Unary.Softplus]: 33,
  [Unary.Reciprocal]: 7,
  [Unary.Sin]: 110,
  [Unary.Cos]: 108,
});
/** Binary ops: memory-bound (0.2-0.3 ns an element) except pow (12.4 ns: 2^16 / 484 elements). */
export const BINARY_COST: readonly number[] = unaryCosts({ [Binary.Pow]: 135 });

function unaryCosts(costly: Record<number, number>): number[] {
  const c = new Array<number>(32).fill(1);
  for (const [op, v] of Object.entries(costly)) c[Number(op)] = v;
  return c;
}

/**
 * The most rows of a rank-2 MatMul (transposeB false) that run as GEMVs (assembly/gemv.ts: B
 * streamed once a row, unpacked) rather than one GEMM (which packs B into panels first).
 */
export const GEMV_MAX_ROWS = 4;
/** The fewest elements of a B worth a packed GEMV copy (64 KiB; smaller ones stay in L2 anyway). */
const PACK_MIN_ELEMENTS = 1 << 14;
/** The most bytes of packed GEMV copies held at once (beyond it the unpacked GEMV runs). */
const PACK_MAX_BYTES = 64 << 20;

/** The cut-off of kernels not in the table: the GEMM figure, for work counted in multiply-adds. */
export const DEFAULT_MIN_WORK = 1 << 17;

export class WasmBackend extends HostBackend {
  readonly name = 'wasm';
  protected override readonly needsZeroing = true;
  /** Live buffers (a count: the buffers themselves are the DataIds the engine holds). */
  private numBlocks = 0;
  private bytes = 0;
  /** Scratch for kernel arguments (shape and strides) and the GEMM packing workspace. */
  private readonly argPtr: number;
  private argView: Int32Array | null = null;
  private readonly gemmWork: number;

  /** The worker pool (null on an unshared memory); started on the first call worth splitting. */
  private readonly pool: Pool | null = null;
  private readonly fns = new Map<string, (...a: number[]) => void>();
  /**
   * Replaces every kernel's cut-off when set: 0 splits every call that can be split, Infinity
   * none. For tests and benchmarks (comparing one thread with several on the same sizes).
   */
  cutoffOverride: number | undefined = undefined;

  constructor(readonly wasm: WasmExports) {
    super();
    this.argPtr = wasm.alloc(3 * MAX_RANK * 4);
    this.gemmWork = wasm.alloc(wasm.gemmWorkspaceBytes());
    const origin = moduleOrigin(wasm);
    if (origin?.shared) {
      const pool = new Pool(wasm, origin.module, origin.memory);
      this.pool = pool;
      // Why not resize in place: stopping and lazily restarting is simpler and setThreads is rare.
      onThreadsChange(() => pool.stop());
    }
    for (const def of JS_KERNELS) this.registerView(def);
    this.registerSimd();
    registerWasmOptimKernels(this);
    registerWasmConvKernels(this);
    registerWasmRnnKernels(this);
    registerWasmConvLstmKernels(this);
    registerWasmAttentionKernels(this);
    registerWasmDropoutKernels(this);
  }

  protected alloc(size: number, dtype: DataType): DataId {
    // Checked here, before anything is written: a byte count is never truncated to 32 bits.
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new HeapAllocationError(`wasm backend: invalid buffer size ${size} (${dtype} elements)`, size * 4);
    }
    let ptr: number;
    try {
      ptr = this.allocOrReclaim(size * 4);
    } catch (e) {
      if (e instanceof HeapAllocationError) {
        throw new HeapAllocationError(
          `a ${dtype} tensor of ${size.toLocaleString('en-US')} elements needs ${formatBytes(size * 4)}: ${e.message}`,
          size * 4,
        );
      }
      throw e;
    }
    this.numBlocks++;
    this.bytes += size * 4;
    return new Block(ptr, size, dtype, this);
  }

  protected free(dataId: DataId): void {
    const b = dataId as Block;
    if (!(b instanceof Block) || b.owner !== this || b.ptr < 0) return;
    if (this.packed.size > 0) this.contentsChanged(b);
    this.wasm.free(b.ptr);
    b.ptr = -1;
    this.numBlocks--;
    this.bytes -= b.size * 4;
  }

  private block(dataId: DataId): Block {
    const b = dataId as Block;
    if (!(b instanceof Block) || b.owner !== this || b.ptr < 0) {
      throw new Error('wasm backend: buffer not found (already freed?)');
    }
    return b;
  }

  /** The heap address of a buffer. */
  ptr(dataId: DataId): number {
    return this.block(dataId).ptr;
  }

  view(dataId: DataId, dtype?: DataType): TypedArray {
    const b = this.block(dataId);
    const buf = this.wasm.memory.buffer;
    return (dtype ?? b.dtype) === 'float32' ? new Float32Array(buf, b.ptr, b.size) : new Int32Array(buf, b.ptr, b.size);
  }

  /**
   * A copy of a buffer. Why bytes: out of a SharedArrayBuffer, V8 copies Uint8Array views with a
   * memmove (1 MiB in ~60 us) but Float32Array/Int32Array set() and slice() element by element
   * (~350 us), which made dataSync() cost as much as a 256x256 GEMM.
   */
  override readSync(dataId: DataId): TypedArray {
    const b = this.block(dataId);
    const out = makeArray(b.dtype, b.size);
    new Uint8Array(out.buffer).set(new Uint8Array(this.wasm.memory.buffer, b.ptr, b.size * 4));
    return out;
  }

  protected dtypeOf(dataId: DataId): DataType {
    return this.block(dataId).dtype;
  }

  numBytes(): number {
    return this.bytes;
  }

  maxBufferBytes(): number {
    return this.wasm.heap.limitBytes;
  }

  memoryInfo(): Record<string, number> {
    return {
      bytes: this.bytes,
      buffers: this.numBlocks,
      heapBytes: this.wasm.memory.buffer.byteLength,
      packedBytes: this.packedBytes, // packed GEMV copies of weights (packedB), not in `bytes`
    };
  }

  /**
   * Starts the worker pool for the current thread count. In browsers (a page or a worker), whose
   * workers need the caller's event loop to start, it resolves once they are up, so that the next
   * call engages them. In Node it does not wait: the workers start on their own threads and join
   * jobs as they come up, while the caller goes on (after an explicit setThreads(n) the start
   * blocks until they are up, as on first use). `sg.ready()` calls it.
   */
  async threadsReady(): Promise<void> {
    const pool = this.pool;
    const threads = getThreads();
    if (!pool || threads <= 1) return;
    if (pool.threads !== threads) pool.start(threads);
    if (isNode()) return;
    await pool.whenReady();
  }

  /**
   * Starts the pool for a call worth splitting; false: run this call on the caller alone. In Node
   * with the default thread count the first such call leaves the start to the next one (issue 17's
   * cold start: loading worker_threads and Node's first `new Worker` cost the caller ~10-15 ms
   * while the call runs unsplit anyway, since the workers cannot be up yet). The second call starts
   * them and runs unsplit too; they join the calls after it without the event loop (test/threads_sync).
   * After an explicit setThreads(n) (the start blocks until the workers are up), in browsers and
   * from sg.ready() the first call starts them, as before.
   */
  private startPool(pool: Pool, threads: number): boolean {
    if (!this.poolStartDeferred && !pool.startsBlocking && isNode()) {
      this.poolStartDeferred = true;
      return false;
    }
    pool.start(threads);
    return true;
  }

  /** Whether the first call worth splitting has run (startPool). */
  private poolStartDeferred = false;

  /** The running pool's size, its ready workers, split calls and chunks run per thread (caller first; for tests). */
  threadsInfo(): {
    threads: number;
    ready: number;
    shared: boolean;
    splitJobs: number;
    splits: Record<string, number>;
    chunks: number[];
  } {
    const p = this.pool;
    return {
      threads: p?.threads ?? 1,
      ready: p?.readyWorkers() ?? 0,
      shared: !!p,
      splitJobs: p?.splitJobs ?? 0,
      splits: Object.fromEntries(p?.splitsByFn ?? []),
      chunks: p?.chunksByThread() ?? [0],
    };
  }

  /**
   * Runs the range kernel `fn` (an export of the module) over [0, total): the range's start and
   * end are inserted into `args` at index `rangeAt` (default: appended last). Every range kernel
   * computes each output element the same way whatever range it is given, so the call is split
   * over the thread pool (pool.ts) with bit-identical results when `opts.work` (default `total`)
   * reaches the kernel's cut-off (PARALLEL_MIN_WORK; `opts.minWork` overrides it). Chunk bounds
   * are multiples of `opts.grain`. Arguments listed in `opts.scratch` are per-thread scratch
   * buffers: workers get buffers of their own of `bytes` bytes (`at` indexes `args`).
   * @example
   * ```ts
   * // unaryF32(op, x, out, start, end, alpha, beta): the range goes in at index 3
   * backend.dispatch('unaryF32', [op, x, out, alpha, beta], n, 3);
   * // a kernel with a per-thread workspace, work counted in multiply-adds
   * backend.dispatch('conv3dF32', [g, x, f, bias, out, act, work, col, rows], M, 9,
   *   { work: M * K * CO, scratch: [{ at: 6, bytes: wsBytes }, { at: 7, bytes: colBytes }] });
   * ```
   */
  dispatch(fn: string, args: number[], total: number, rangeAt = args.length, opts: DispatchOptions = {}): void {
    const f = this.fn(fn);
    if (total <= 0) return;
    const minWork = this.cutoffOverride ?? opts.minWork ?? PARALLEL_MIN_WORK[fn] ?? DEFAULT_MIN_WORK;
    const work = opts.work ?? total;
    const pool = this.pool;
    if (pool && work >= minWork) {
      const threads = getThreads();
      if (threads > 1 && (pool.threads === threads || this.startPool(pool, threads))) {
        // 2 chunks at the cut-off, one more per half cut-off beyond it, up to `perThread` per
        // thread. Why one per thread by default: the caller always runs chunk 0 and worker k
        // usually chunk k, so consecutive element-wise kernels find their inputs in the cache of
        // the core that wrote them; more, smaller chunks would mix that up for no gain on a
        // quiet machine.
        const most = threads * (opts.perThread ?? 1);
        const chunks = minWork > 0 ? Math.min(most, Math.floor((2 * work) / minWork)) : threads;
        pool.run({ fn, f, args, rangeAt, total, chunks, grain: opts.grain ?? 1, scratch: opts.scratch ?? [] });
        return;
      }
    }
    // One array, no spread iterators: small kernels are called here on every op.
    const full: number[] = new Array(args.length + 2);
    for (let i = 0; i < rangeAt; i++) full[i] = args[i];
    full[rangeAt] = 0;
    full[rangeAt + 1] = total;
    for (let i = rangeAt; i < args.length; i++) full[i + 2] = args[i];
    f.apply(null, full);
  }

  /** The module's export `name` (cached). */
  private fn(name: string): (...a: number[]) => void {
    let f = this.fns.get(name);
    if (!f) {
      f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[name];
      if (typeof f !== 'function') throw new Error(`wasm backend: the module has no kernel '${name}'`);
      this.fns.set(name, f);
    }
    return f;
  }

  /** The argument scratch holding shape [size] and unit strides (a contiguous element-wise call). */
  private contiguousArgs(size: number): number {
    let heap = this.argView;
    if (heap === null || heap.length === 0) heap = this.argView = new Int32Array(this.wasm.memory.buffer, this.argPtr, 3 * MAX_RANK);
    heap[0] = size;
    heap[MAX_RANK] = 1;
    heap[2 * MAX_RANK] = 1;
    return this.argPtr;
  }

  /** Writes up to three i32 vectors (shape, a strides, b strides) into the argument scratch. */
  private writeArgs(...vecs: number[][]): number[] {
    // The view is kept: a shared memory's buffer never detaches (argPtr sits below any growth);
    // an unshared one detaches on growth, which leaves the view empty, and it is made again.
    let heap = this.argView;
    if (heap === null || heap.length === 0) heap = this.argView = new Int32Array(this.wasm.memory.buffer, this.argPtr, 3 * MAX_RANK);
    return vecs.map((v, k) => {
      heap.set(v, k * MAX_RANK);
      return this.argPtr + k * MAX_RANK * 4;
    });
  }

  /** Registers a SIMD kernel for float32 inputs; other dtypes run the js kernel over heap views. */
  private simd(name: string, f32: (ins: TensorInfo[], attrs: Attrs) => TensorInfo, allFloat = true): void {
    const fallback: CpuKernelDef = JS_KERNELS.find((d) => d.name === name)!;
    this.kernels.set(name, (ins, attrs) => {
      if (allFloat) for (let i = 0; i < ins.length; i++) if (ins[i].dtype !== 'float32') return this.runView(fallback, ins, attrs);
      try {
        return f32(ins, attrs);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) throw new Error(`${name} (wasm): ${e.message}`);
        throw e;
      }
    });
  }

  private registerSimd(): void {
    const n = (t: TensorInfo) => t.shape.reduce((a, c) => a * c, 1);
    // Element-wise chunks start on 16-element (64-byte) boundaries: whole v128s, and no two
    // threads write one cache line.
    const EW = 16;

    this.simd('Unary', ([x], attrs) => {
      const out = this.allocOutput(x.shape, 'float32');
      const op = attrs.op as number;
      const size = n(x);
      this.dispatch(
        'unaryF32',
        [op, this.ptr(x.dataId), this.ptr(out.dataId), (attrs.alpha as number) ?? 0, (attrs.beta as number) ?? 0],
        size,
        3,
        { work: size * (UNARY_COST[op] ?? 1), grain: EW },
      );
      return out;
    });

    this.simd('UnaryGrad', ([x, y, dy], attrs) => {
      const out = this.allocOutput(x.shape, 'float32');
      const op = attrs.op as number;
      const size = n(x);
      this.dispatch(
        'unaryGradF32',
        [
          op,
          this.ptr(x.dataId),
          this.ptr(y.dataId),
          this.ptr(dy.dataId),
          this.ptr(out.dataId),
          (attrs.alpha as number) ?? 0,
          (attrs.beta as number) ?? 0,
        ],
        size,
        5,
        { work: size * (UNARY_GRAD_COST[op] ?? 1), grain: EW },
      );
      return out;
    });

    const broadcastCall = (fn: string, outDtype: DataType, a: TensorInfo, b: TensorInfo, attrs: Attrs): TensorInfo => {
      const op = attrs.op as number;
      const cost = fn === 'binaryF32' ? (BINARY_COST[op] ?? 1) : 1;
      // Same shapes (the common case) are one contiguous range: no broadcast analysis, no arrays.
      if (shapesEqual(a.shape, b.shape)) {
        const out = this.allocOutput(a.shape, outDtype);
        const size = n(out);
        if (size === 0) return out;
        const ps = this.contiguousArgs(size);
        const pa = this.ptr(a.dataId);
        const pb = this.ptr(b.dataId);
        const po = this.ptr(out.dataId);
        if (!this.pool || size * cost < (this.cutoffOverride ?? PARALLEL_MIN_WORK[fn])) {
          this.fn(fn)(op, pa, pb, po, 1, ps, ps + MAX_RANK * 4, ps + 2 * MAX_RANK * 4, 0, size);
        } else {
          this.dispatch(fn, [op, pa, pb, po, 1, ps, ps + MAX_RANK * 4, ps + 2 * MAX_RANK * 4], size, 8, {
            work: size * cost,
            grain: EW,
          });
        }
        return out;
      }
      const shape = broadcastShapes('binary', a.shape, b.shape);
      const out = this.allocOutput(shape, outDtype);
      const size = n(out);
      if (size === 0) return out;
      const c = collapseBroadcast(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
      const [ps, pa, pb] = this.writeArgs(c.shape, c.strides[0], c.strides[1]);
      const args = [op, this.ptr(a.dataId), this.ptr(b.dataId), this.ptr(out.dataId), c.shape.length, ps, pa, pb];
      this.dispatch(fn, args, size, args.length, { work: size * cost, grain: EW });
      return out;
    };
    // Integer inputs have kernels of their own; only bool falls back to js.
    const bySimdDtype = (name: string, f: string, i: string, outDtype?: DataType) => {
      this.simd(
        name,
        (ins, attrs) => {
          const isF = ins[0].dtype === 'float32';
          return broadcastCall(isF ? f : i, outDtype ?? ins[0].dtype, ins[0], ins[1], attrs);
        },
        false,
      );
    };
    bySimdDtype('Binary', 'binaryF32', 'binaryI32');
    bySimdDtype('Compare', 'compareF32', 'compareI32', 'bool');

    this.simd('Reduce', ([x], attrs) => {
      const [outer, R, inner] = x.shape;
      const out = this.allocOutput([outer, inner], 'float32');
      const op = attrs.op as number;
      const work = { work: outer * R * inner };
      if (inner === 1) this.dispatch('reduceF32', [op, this.ptr(x.dataId), this.ptr(out.dataId), R], outer, 4, work);
      else this.dispatch('reduceMidF32', [op, this.ptr(x.dataId), this.ptr(out.dataId), R, inner], outer, 5, work);
      return out;
    });

    this.simd('ArgReduce', ([x], attrs) => {
      const [rows, len] = x.shape;
      const out = this.allocOutput([rows], 'int32');
      this.dispatch('argReduceF32', [attrs.isMax ? 1 : 0, this.ptr(x.dataId), this.ptr(out.dataId), len], rows, 4, {
        work: rows * len,
      });
      return out;
    });

    this.simd('Softmax', ([x], attrs) => {
      const len = x.shape[x.shape.length - 1];
      const out = this.allocOutput(x.shape, 'float32');
      const rows = len === 0 ? 0 : n(x) / len;
      // softmaxF32(x, out, inner, start, end, log): the range is not last.
      this.dispatch('softmaxF32', [this.ptr(x.dataId), this.ptr(out.dataId), len, attrs.log ? 1 : 0], rows, 3, {
        work: rows * len,
      });
      return out;
    });

    const matMul = ([a, b, bias]: TensorInfo[], attrs: Attrs) => {
      const tA = !!attrs.transposeA;
      const tB = !!attrs.transposeB;
      const act = (attrs.act as number) ?? Act.Linear;
      if (a.shape.length === 2 && b.shape.length === 2) {
        // No batch axes (dense layers): one GEMM, no geometry arrays (issue 17: inference latency).
        const M = tA ? a.shape[1] : a.shape[0];
        const K = tA ? a.shape[0] : a.shape[1];
        const N = tB ? b.shape[0] : b.shape[1];
        const out = this.allocOutput([M, N], 'float32');
        const pbias = bias ? this.ptr(bias.dataId) : 0;
        const pa = this.ptr(a.dataId);
        const pb = this.ptr(b.dataId);
        if (!tB && M <= GEMV_MAX_ROWS && (!tA || M === 1)) {
          // Few rows (batch-1 inference): B streamed once a row (assembly/gemv.ts), or its packed
          // copy once it has been used again (packedB).
          const pk = M === 1 ? this.packedB(b.dataId as Block, K, N) : 0;
          if (pk !== 0) this.gemvPacked(N, K, pa, pk, this.ptr(out.dataId), pbias, act);
          else this.gemv(M, N, K, pa, pb, this.ptr(out.dataId), pbias, act);
          return out;
        }
        this.gemm(tA, tB, M, N, K, pa, tA ? M : K, pb, tB ? K : N, this.ptr(out.dataId), N, pbias, act, 0);
        return out;
      }
      const g = matMulGeometry(a, b, tA, tB);
      const out = this.allocOutput([...g.batchShape, g.M, g.N], 'float32');
      const pa = this.ptr(a.dataId);
      const pb = this.ptr(b.dataId);
      const pc = this.ptr(out.dataId);
      const pbias = bias ? this.ptr(bias.dataId) : 0;
      for (let i = 0; i < g.aOffsets.length; i++) {
        this.gemm(
          tA,
          tB,
          g.M,
          g.N,
          g.K,
          pa + g.aOffsets[i] * 4,
          tA ? g.M : g.K,
          pb + g.bOffsets[i] * 4,
          tB ? g.K : g.N,
          pc + i * g.M * g.N * 4,
          g.N,
          pbias,
          act,
          0,
        );
      }
      return out;
    };
    this.simd('MatMul', matMul);
    this.simd('FusedMatMul', matMul);
  }

  /**
   * C = act(A B + bias) for A of M x K and B of K x N (contiguous, row-major) with gemvF32 (see
   * assembly/gemv.ts), split over the thread pool by columns (16-column chunks: whole f32x4s, no
   * shared cache line of C) when M*N*K reaches the cut-off. Each core then reads only its columns
   * of B, which stay in its L2 from one call to the next (784 x 256: 401 KB a core on 2 threads).
   * Results do not depend on the split: each column's sum runs in the same k order.
   * @example backend.gemv(1, N, K, a, b, c, 0, Act.Relu);
   */
  gemv(M: number, N: number, K: number, a: number, b: number, c: number, bias: number, act: number): void {
    if (M <= 0 || N <= 0) return;
    const work = M * N * K;
    if (!this.pool || work < (this.cutoffOverride ?? PARALLEL_MIN_WORK.gemvF32) || getThreads() <= 1) {
      this.fn('gemvF32')(M, N, K, a, K, b, N, c, N, bias, act, 0, N);
      return;
    }
    // gemvF32(M, N, K, a, lda, b, ldb, c, ldc, bias, act, colStart, colEnd)
    this.dispatch('gemvF32', [M, N, K, a, K, b, N, c, N, bias, act], N, 11, { work, grain: 16 });
  }

  /** Packed copies of GEMV weights by buffer, for one K x N view of it (ptr 0: seen once, not packed yet); see packedB. */
  private readonly packed = new Map<Block, { ptr: number; bytes: number; k: number; n: number }>();
  private packedBytes = 0;

  /**
   * A tensor's bytes; when the heap cannot give them while packed GEMV copies hold some, the
   * copies are dropped (they are only a cache: the next one-row products pack again) and the
   * request is tried once more. Only tensor allocations reclaim: a kernel allocates its output
   * before it takes a packed copy, so no copy in use is ever dropped.
   */
  private allocOrReclaim(bytes: number): number {
    try {
      return this.wasm.alloc(bytes);
    } catch (e) {
      if (!(e instanceof HeapAllocationError) || this.packedBytes === 0) throw e;
      for (const [b, c] of this.packed) if (c.ptr !== 0) this.contentsChanged(b);
      return this.wasm.alloc(bytes);
    }
  }

  /**
   * The packed copy of B (K x N, N a multiple of 16) for gemvPackedF32: panels of 16 columns, each
   * K rows contiguous. Made at the second one-row product with the same buffer (a weight used for
   * inference again and again; a one-off product does not pay for a copy) when B has at least
   * PACK_MIN_ELEMENTS elements, while the copies total at most PACK_MAX_BYTES; 0 where there is
   * none. Why: a core's columns of a row-major B are a strided read (half of each row, 784 x 256:
   * each half maps to only half of the L2's sets), a packed panel range one sequential stream; the
   * first layer of the walk-through MLP takes ~1.2-1.4x less on one thread and ~2x less per core on
   * two (scratch/predict2/exp, Zen 1). A copy is dropped when its buffer is freed or written in place
   * (contentsChanged: the optimizers' fused updates), so it never outlives the values it copies.
   */
  private packedB(b: Block, K: number, N: number): number {
    if (N % 16 !== 0 || K * N < PACK_MIN_ELEMENTS) return 0;
    const e = this.packed.get(b);
    if (e === undefined || e.k !== K || e.n !== N) {
      // first seen, or seen as another K x N view of the same buffer (a reshape shares it): the
      // copy's panels are for one shape only
      if (e !== undefined) this.contentsChanged(b);
      this.packed.set(b, { ptr: 0, bytes: 0, k: K, n: N });
      return 0;
    }
    if (e.ptr !== 0) return e.ptr;
    const bytes = K * N * 4;
    if (this.packedBytes + bytes > PACK_MAX_BYTES) return 0;
    let ptr: number;
    try {
      ptr = this.wasm.alloc(bytes);
    } catch {
      return 0; // no room for a copy: the unpacked GEMV needs none
    }
    const mem = this.wasm.memory.buffer;
    const src = new Float32Array(mem, b.ptr, K * N);
    const dst = new Float32Array(mem, ptr, K * N);
    let o = 0;
    for (let j = 0; j < N; j += 16)
      for (let k = 0; k < K; k++) for (let s = k * N + j, l = 0; l < 16; l++) dst[o++] = src[s + l];
    e.ptr = ptr;
    e.bytes = bytes;
    this.packedBytes += bytes;
    return ptr;
  }

  /**
   * Drops what the backend derived from the buffer's contents (a packed GEMV copy): the engine
   * calls it before a kernel writes into an existing buffer (runKernelInPlace), and free() does.
   */
  contentsChanged(dataId: DataId): void {
    const e = this.packed.get(dataId as Block);
    if (e === undefined) return;
    this.packed.delete(dataId as Block);
    if (e.ptr !== 0) {
      this.wasm.free(e.ptr);
      this.packedBytes -= e.bytes;
    }
  }

  /**
   * c = act(a B + bias) for one row a of K and B packed by packedB (N a multiple of 16) with
   * gemvPackedF32, split over the pool by 16-column panels above the GEMV cut-off: each thread's
   * panels are one contiguous range of the copy. Same bits as gemv (see assembly/gemv.ts).
   */
  gemvPacked(N: number, K: number, a: number, bp: number, c: number, bias: number, act: number): void {
    const work = N * K;
    if (!this.pool || work < (this.cutoffOverride ?? PARALLEL_MIN_WORK.gemvF32) || getThreads() <= 1) {
      this.fn('gemvPackedF32')(K, a, bp, c, bias, act, 0, N);
      return;
    }
    // gemvPackedF32(K, a, bp, c, bias, act, colStart, colEnd)
    this.dispatch('gemvPackedF32', [K, a, bp, c, bias, act], N, 6, { work, grain: 16, minWork: PARALLEL_MIN_WORK.gemvF32 });
  }

  /**
   * C = act(opA(A) opB(B) + beta C + bias) with gemmF32 (see assembly/gemm.ts for the arguments),
   * split over the thread pool when M*N*K reaches the GEMM cut-off: by rows (multiples of the
   * 4-row micro-tile) when M >= N, else by columns (multiples of 8): see the comment inside. Each
   * thread packs into a workspace of its own. Conv/rnn kernels may call this for their GEMMs.
   * @example backend.gemm(false, false, M, N, K, a, K, b, N, c, N, 0, Act.Linear, 0);
   */
  gemm(
    tA: boolean,
    tB: boolean,
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    act: number,
    beta: number,
  ): void {
    if (M <= 0 || N <= 0) return;
    const work = M * N * K;
    const ta = tA ? 1 : 0;
    const tb = tB ? 1 : 0;
    // A call that is not split goes straight to the module: no argument arrays, no options
    // object (issue 17: an object spread here alone cost ~1.8 us a call, more than a small GEMM).
    if (!this.pool || work < (this.cutoffOverride ?? PARALLEL_MIN_WORK.gemmF32) || getThreads() <= 1) {
      this.wasm.gemmF32(ta, tb, M, N, K, a, lda, b, ldb, c, ldc, bias, act, beta, this.gemmWork, 0, M, 0, N);
      return;
    }
    // One chunk per thread: every row chunk packs all of B (every column chunk all of A). So a
    // thread packs K*N + K*M/t floats split by rows, K*M + K*N/t by columns: split the larger of
    // M and N (measured on the MLP's 128 x 784 x 256 forward, 2 threads interleaved: columns
    // 46.8 GFLOP/s, rows 43.4; the shapes with M > N gain nothing from columns).
    const scratch = [{ at: 14, bytes: this.wasm.gemmWorkspaceBytes() }];
    // gemmF32(..., work, rowStart, rowEnd, colStart, colEnd)
    const args = [ta, tb, M, N, K, a, lda, b, ldb, c, ldc, bias, act, beta, this.gemmWork, 0, M >= N ? N : M];
    if (M >= N) this.dispatch('gemmF32', args, M, 15, { work, scratch, grain: 4 });
    else this.dispatch('gemmF32', args, N, 17, { work, scratch, grain: 8 });
  }
}
