// The `wasm` backend (the default): tensor buffers live in one WebAssembly linear memory and the
// hot kernels (GEMM, element-wise math, reductions, softmax) are AssemblyScript compiled to
// v128 SIMD. Data-movement kernels and the integer paths reuse the js kernels over heap views.
//
// Why no @assemblyscript/loader: it exists to marshal managed AssemblyScript objects (strings,
// arrays, classes). Our kernels take raw pointers and numbers only, so plain
// WebAssembly.instantiate with a four-line import object is all the glue there is.
import type { DataType, TypedArray } from '../../engine/dtype.js';
import type { Attrs, DataId, TensorInfo } from '../backend.js';
import { HostBackend, type CpuKernelDef } from '../host.js';
import { JS_KERNELS } from '../js/index.js';
import { matMulGeometry } from '../js/kernels/matmul.js';
import { Act } from './codes.generated.js';
import { broadcastShapes, broadcastStrides, collapseBroadcast } from '../../engine/shape.js';
import { WASM_BASE64 } from './wasm-binary.generated.js';
import { registerWasmOptimKernels } from './kernels/optim.js';
import { registerWasmConvKernels } from './kernels/conv.js';
import { registerWasmRnnKernels } from './kernels/rnn.js';

/** The functions exported by assembly/index.ts (pointers are byte offsets into `memory`). */
export interface WasmExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  gemmWorkspaceBytes(): number;
  gemmF32(
    tA: number,
    tB: number,
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
    work: number,
    rowStart: number,
    rowEnd: number,
    colStart: number,
    colEnd: number,
  ): void;
  unaryF32(op: number, x: number, out: number, start: number, end: number, alpha: number, beta: number): void;
  unaryGradF32(
    op: number,
    x: number,
    y: number,
    dy: number,
    dx: number,
    start: number,
    end: number,
    alpha: number,
    beta: number,
  ): void;
  binaryF32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  compareF32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  binaryI32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  compareI32(
    op: number,
    a: number,
    b: number,
    out: number,
    rank: number,
    shape: number,
    aStrides: number,
    bStrides: number,
    start: number,
    end: number,
  ): void;
  reduceF32(op: number, x: number, out: number, inner: number, start: number, end: number): void;
  reduceMidF32(op: number, x: number, out: number, R: number, inner: number, start: number, end: number): void;
  argReduceF32(isMax: number, x: number, out: number, inner: number, start: number, end: number): void;
  softmaxF32(x: number, out: number, inner: number, start: number, end: number, log: number): void;
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const imports = {
  env: {
    abort(): never {
      throw new Error('simdgrad wasm: internal abort (out of memory or a failed check)');
    },
  },
};

/** Compiles and instantiates the embedded module synchronously (Node, workers). */
export function instantiateSync(): WasmExports {
  const mod = new WebAssembly.Module(decodeBase64(WASM_BASE64));
  return new WebAssembly.Instance(mod, imports).exports as unknown as WasmExports;
}

/** Compiles asynchronously: needed on a browser page's main thread, where sync compiles are capped. */
export async function instantiate(): Promise<WasmExports> {
  const mod = await WebAssembly.compile(decodeBase64(WASM_BASE64));
  const instance = await WebAssembly.instantiate(mod, imports);
  return instance.exports as unknown as WasmExports;
}

interface Block {
  ptr: number;
  size: number;
  dtype: DataType;
}

const MAX_RANK = 8;

export class WasmBackend extends HostBackend {
  readonly name = 'wasm';
  protected override readonly needsZeroing = true;
  private blocks = new Map<DataId, Block>();
  private bytes = 0;
  /** Scratch for kernel arguments (shape and strides) and the GEMM packing workspace. */
  private readonly argPtr: number;
  private readonly gemmWork: number;

  constructor(readonly wasm: WasmExports) {
    super();
    this.argPtr = wasm.alloc(3 * MAX_RANK * 4);
    this.gemmWork = wasm.alloc(wasm.gemmWorkspaceBytes());
    for (const def of JS_KERNELS) this.registerView(def);
    this.registerSimd();
    registerWasmOptimKernels(this);
    registerWasmConvKernels(this);
    registerWasmRnnKernels(this);
  }

  protected alloc(size: number, dtype: DataType): DataId {
    const ptr = this.wasm.alloc(size * 4);
    const id = {};
    this.blocks.set(id, { ptr, size, dtype });
    this.bytes += size * 4;
    return id;
  }

  protected free(dataId: DataId): void {
    const b = this.blocks.get(dataId);
    if (!b) return;
    this.wasm.free(b.ptr);
    this.bytes -= b.size * 4;
    this.blocks.delete(dataId);
  }

  private block(dataId: DataId): Block {
    const b = this.blocks.get(dataId);
    if (!b) throw new Error('wasm backend: buffer not found (already freed?)');
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

  protected dtypeOf(dataId: DataId): DataType {
    return this.block(dataId).dtype;
  }

  numBytes(): number {
    return this.bytes;
  }

  memoryInfo(): Record<string, number> {
    return { bytes: this.bytes, buffers: this.blocks.size, heapBytes: this.wasm.memory.buffer.byteLength };
  }

  /**
   * Runs the range kernel `fn` (an export of the module) over [0, total): the range's start and
   * end are inserted into `args` at index `rangeAt` (default: appended last). Every range kernel
   * computes each output element the same way whatever range it is given, so a thread pool may
   * split [0, total) over workers with bit-identical results; this is the one place that does.
   * @example backend.dispatch('unaryF32', [op, x, out], n, 3, 7); // (op, x, out, start, end, ...)
   */
  dispatch(fn: string, args: number[], total: number, rangeAt = args.length): void {
    const f = (this.wasm as unknown as Record<string, (...a: number[]) => void>)[fn];
    if (typeof f !== 'function') throw new Error(`wasm backend: the module has no kernel '${fn}'`);
    if (total <= 0) return;
    f(...args.slice(0, rangeAt), 0, total, ...args.slice(rangeAt));
  }

  /** Writes up to three i32 vectors (shape, a strides, b strides) into the argument scratch. */
  private writeArgs(...vecs: number[][]): number[] {
    const heap = new Int32Array(this.wasm.memory.buffer, this.argPtr, 3 * MAX_RANK);
    return vecs.map((v, k) => {
      heap.set(v, k * MAX_RANK);
      return this.argPtr + k * MAX_RANK * 4;
    });
  }

  /** Registers a SIMD kernel for float32 inputs; other dtypes run the js kernel over heap views. */
  private simd(name: string, f32: (ins: TensorInfo[], attrs: Attrs) => TensorInfo, allFloat = true): void {
    const fallback: CpuKernelDef = JS_KERNELS.find((d) => d.name === name)!;
    this.kernels.set(name, (ins, attrs) => {
      if (allFloat && ins.some((t) => t.dtype !== 'float32')) return this.runView(fallback, ins, attrs);
      try {
        return f32(ins, attrs);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) throw new Error(`${name} (wasm): ${e.message}`);
        throw e;
      }
    });
  }

  private registerSimd(): void {
    const w = this.wasm;
    const n = (t: TensorInfo) => t.shape.reduce((a, c) => a * c, 1);

    this.simd('Unary', ([x], attrs) => {
      const out = this.allocOutput(x.shape, 'float32');
      w.unaryF32(
        attrs.op as number,
        this.ptr(x.dataId),
        this.ptr(out.dataId),
        0,
        n(x),
        (attrs.alpha as number) ?? 0,
        (attrs.beta as number) ?? 0,
      );
      return out;
    });

    this.simd('UnaryGrad', ([x, y, dy], attrs) => {
      const out = this.allocOutput(x.shape, 'float32');
      w.unaryGradF32(
        attrs.op as number,
        this.ptr(x.dataId),
        this.ptr(y.dataId),
        this.ptr(dy.dataId),
        this.ptr(out.dataId),
        0,
        n(x),
        (attrs.alpha as number) ?? 0,
        (attrs.beta as number) ?? 0,
      );
      return out;
    });

    const broadcastCall =
      (fn: WasmExports['binaryF32'], outDtype: DataType) =>
      ([a, b]: TensorInfo[], attrs: Attrs) => {
        const shape = broadcastShapes('binary', a.shape, b.shape);
        const out = this.allocOutput(shape, outDtype);
        const size = n(out);
        if (size === 0) return out;
        const c = collapseBroadcast(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
        const [ps, pa, pb] = this.writeArgs(c.shape, c.strides[0], c.strides[1]);
        fn(
          attrs.op as number,
          this.ptr(a.dataId),
          this.ptr(b.dataId),
          this.ptr(out.dataId),
          c.shape.length,
          ps,
          pa,
          pb,
          0,
          size,
        );
        return out;
      };
    // Integer inputs have kernels of their own; only bool falls back to js.
    const bySimdDtype = (
      name: string,
      f: WasmExports['binaryF32'],
      i: WasmExports['binaryF32'],
      outDtype?: DataType,
    ) => {
      this.simd(
        name,
        (ins, attrs) => {
          const isF = ins[0].dtype === 'float32';
          return broadcastCall(isF ? f : i, outDtype ?? ins[0].dtype)(ins, attrs);
        },
        false,
      );
    };
    bySimdDtype('Binary', w.binaryF32, w.binaryI32);
    bySimdDtype('Compare', w.compareF32, w.compareI32, 'bool');

    this.simd('Reduce', ([x], attrs) => {
      const [outer, R, inner] = x.shape;
      const out = this.allocOutput([outer, inner], 'float32');
      if (inner === 1) w.reduceF32(attrs.op as number, this.ptr(x.dataId), this.ptr(out.dataId), R, 0, outer);
      else w.reduceMidF32(attrs.op as number, this.ptr(x.dataId), this.ptr(out.dataId), R, inner, 0, outer);
      return out;
    });

    this.simd('ArgReduce', ([x], attrs) => {
      const [rows, len] = x.shape;
      const out = this.allocOutput([rows], 'int32');
      w.argReduceF32(attrs.isMax ? 1 : 0, this.ptr(x.dataId), this.ptr(out.dataId), len, 0, rows);
      return out;
    });

    this.simd('Softmax', ([x], attrs) => {
      const len = x.shape[x.shape.length - 1];
      const out = this.allocOutput(x.shape, 'float32');
      const rows = len === 0 ? 0 : n(x) / len;
      w.softmaxF32(this.ptr(x.dataId), this.ptr(out.dataId), len, 0, rows, attrs.log ? 1 : 0);
      return out;
    });

    const matMul = ([a, b, bias]: TensorInfo[], attrs: Attrs) => {
      const tA = !!attrs.transposeA;
      const tB = !!attrs.transposeB;
      const g = matMulGeometry(a, b, tA, tB);
      const out = this.allocOutput([...g.batchShape, g.M, g.N], 'float32');
      const pa = this.ptr(a.dataId);
      const pb = this.ptr(b.dataId);
      const pc = this.ptr(out.dataId);
      const pbias = bias ? this.ptr(bias.dataId) : 0;
      const act = (attrs.act as number) ?? Act.Linear;
      for (let i = 0; i < g.aOffsets.length; i++) {
        w.gemmF32(
          tA ? 1 : 0,
          tB ? 1 : 0,
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
          this.gemmWork,
          0,
          g.M,
          0,
          g.N,
        );
      }
      return out;
    };
    this.simd('MatMul', matMul);
    this.simd('FusedMatMul', matMul);
  }
}
