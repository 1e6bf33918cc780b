// The storage half shared by the two CPU backends (js, wasm): buffers in host memory that kernels
// reach through typed-array views, and the bookkeeping that frees a failed kernel's outputs.
import type { DataType, TypedArray } from '../engine/dtype.js';
import type { Attrs, CpuBackend, DataId, KernelFunc, TensorInfo, ViewKernel } from './backend.js';
import type { Shape } from '../engine/shape.js';

export abstract class HostBackend implements CpuBackend {
  abstract readonly name: string;
  readonly kernels = new Map<string, KernelFunc>();
  /**
   * Buffers made by the running kernel, freed if it throws: the first `pendingCount` entries of
   * one reused list; -1 while no kernel runs. (A count, not `length = 0`: setting an array's
   * length is a runtime call, which showed in the small-op profile of issue 17.)
   */
  private readonly pendingList: (DataId | undefined)[] = [];
  private pendingCount = -1;

  protected abstract alloc(size: number, dtype: DataType): DataId;
  protected abstract free(dataId: DataId): void;
  abstract view(dataId: DataId, dtype: DataType): TypedArray;
  abstract numBytes(): number;
  abstract memoryInfo(): Record<string, number>;

  write(values: TypedArray | null, size: number, dtype: DataType): DataId {
    const id = this.alloc(size, dtype);
    if (this.pendingCount >= 0) this.pendingList[this.pendingCount++] = id;
    if (values) this.view(id, dtype).set(values.length === size ? values : values.subarray(0, size));
    else if (this.needsZeroing) this.view(id, dtype).fill(0);
    return id;
  }

  /** Whether fresh buffers may hold stale bytes (a reused heap block) and must be zeroed. */
  protected readonly needsZeroing: boolean = false;

  readSync(dataId: DataId): TypedArray {
    return this.view(dataId, this.dtypeOf(dataId)).slice();
  }

  read(dataId: DataId): Promise<TypedArray> {
    return Promise.resolve(this.readSync(dataId));
  }

  protected abstract dtypeOf(dataId: DataId): DataType;

  disposeData(dataId: DataId): void {
    this.free(dataId);
  }

  beginKernel(): void {
    this.pendingCount = 0;
  }

  endKernel(ok: boolean): void {
    const list = this.pendingList;
    for (let i = 0; i < this.pendingCount; i++) {
      if (!ok) this.free(list[i]!);
      list[i] = undefined;
    }
    this.pendingCount = -1;
  }

  /** An output buffer that a kernel fills completely, so it need not be zeroed. */
  allocOutput(shape: Shape, dtype: DataType): TensorInfo {
    let size = 1;
    for (let i = 0; i < shape.length; i++) size *= shape[i];
    const id = this.alloc(size, dtype);
    if (this.pendingCount >= 0) this.pendingList[this.pendingCount++] = id;
    return { dataId: id, shape, dtype };
  }

  /** Registers a typed-array kernel: the output is allocated first, then views are taken. */
  registerView(def: CpuKernelDef): void {
    this.kernels.set(def.name, (ins, attrs) => this.runView(def, ins, attrs));
  }

  runView(def: CpuKernelDef, ins: TensorInfo[], attrs: Attrs): TensorInfo {
    const o = def.outShape(ins, attrs);
    const out = this.allocOutput(o.shape, o.dtype);
    const views = ins.map((t) => this.view(t.dataId, t.dtype));
    def.run(views, this.view(out.dataId, o.dtype), ins, attrs, o.shape);
    return out;
  }
}

/** A kernel over typed arrays with its output shape rule; the js backend's kernels are all of this kind. */
export interface CpuKernelDef {
  name: string;
  outShape: (ins: TensorInfo[], attrs: Attrs) => { shape: Shape; dtype: DataType };
  run: ViewKernel;
}
