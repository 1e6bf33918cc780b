// The WebGPU backend's storage and dispatch: GPU buffers from a size-bucketed pool, compute
// pipelines compiled once per program key, every dispatch recorded into one command encoder that
// is submitted (flushed) only when the host must see results (the reads issued together, once the
// synchronous code that issued them returns) or a batch is full; host values are staged in an
// upload arena and copied by recorded commands, so uploads do not submit. And the fallback that runs a kernel this backend lacks on the CPU backend (wasm).
//
// Host copies ("shadows"): WebGPU cannot map a buffer synchronously, so `readSync` (dataSync,
// arraySync) works only where the backend already holds the values on the host: a buffer written
// from host values (sg.tensor(...)) keeps a copy of them, a zero-filled one knows it is zeros, and
// a buffer read once with `await data()` keeps what was read. A kernel's output has no host copy
// until it is read asynchronously. The copy is dropped when a kernel writes the buffer in place.
/// <reference types="@webgpu/types" />
import { makeArray, type DataType, type TypedArray } from '../../engine/dtype.js';
import { fmt, sizeFromShape, type Shape } from '../../engine/shape.js';
import type { Attrs, Backend, DataId, KernelFunc, TensorInfo } from '../backend.js';
import type { AcquiredDevice } from './device.js';

// GPUBufferUsage / GPUMapMode values (the globals do not exist in Node until Dawn is loaded).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;

/** One backend buffer: a pooled GPU buffer of at least `size` 4-byte elements. */
export class GpuData {
  /** The host copy, 'zeros' for a zero-filled buffer never written since, or null (GPU only). */
  shadow: TypedArray | 'zeros' | null = null;
  /** Bumped by every GPU write, so a read that raced a write does not keep a stale host copy. */
  version = 0;
  disposed = false;
  constructor(
    readonly buffer: GPUBuffer,
    readonly bucket: number,
    readonly size: number,
    readonly dtype: DataType,
  ) {}
}

/**
 * One compute dispatch, as a kernel describes it to `WebGPUBackend.runProgram`. Bindings (group 0):
 * `inputs` at 0..n-1 (`var<storage, read>`), `outputs` at n..n+m-1 (`var<storage, read_write>`),
 * then the parameters at n+m (`var<storage, read> P: array<u32>`): `params` as i32 bit patterns,
 * then `floatParams` as f32 bit patterns (read them with `bitcast<i32>(P[k])` / `bitcast<f32>(P[k])`).
 */
export interface ProgramSpec {
  /** Cache key of the pipeline: the same key must always mean the same WGSL (put dtypes, flags in it). */
  key: string;
  /** The WGSL source, called once per key. Entry point `main`. */
  wgsl: () => string;
  /** Buffers the shader reads. */
  inputs: readonly TensorInfo[];
  /** Buffers the shader writes (fresh outputs from `makeOutput`, or variables updated in place). */
  outputs: readonly TensorInfo[];
  /** Integer parameters (shapes, strides, sizes), P[0..]. */
  params?: readonly number[];
  /** Float parameters, after the integer ones. */
  floatParams?: readonly number[];
  /** Workgroup counts [x, y?, z?] (each at most 65535; see `grid`). A count of 0 skips the dispatch. */
  workgroups: readonly number[];
}

/** Largest workgroup count per dimension that every WebGPU device accepts. */
export const MAX_GROUPS = 65535;

/**
 * Workgroup counts covering `n` invocations of `wgSize` threads, folded into y when one
 * dimension is not enough. In WGSL, recover the flat index with `flatIndex` (see WGSL_PRELUDE).
 */
export function grid(n: number, wgSize = 64): number[] {
  const groups = Math.ceil(n / wgSize);
  if (groups <= gridLimit) return [groups, 1];
  return [gridLimit, Math.ceil(groups / gridLimit)];
}

let gridLimit = MAX_GROUPS;

/**
 * Lowers the x limit `grid` folds at (tests use it to exercise the folded y dimension on small
 * tensors); `MAX_GROUPS` restores it. Pipelines do not depend on it.
 */
export function setGridLimit(n: number): void {
  gridLimit = n;
}

/**
 * WGSL helpers for kernels launched with `grid(n, 64)` and `@workgroup_size(64)`:
 * `flatIndex(gid, nwg)` from `@builtin(global_invocation_id)` and `@builtin(num_workgroups)`,
 * `pI(k)` / `pF(k)` read parameter k as i32 / f32. Needs the parameter binding declared as `P`.
 */
export const WGSL_PRELUDE = /* wgsl */ `
fn flatIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 64u; }
fn pI(k: u32) -> i32 { return bitcast<i32>(P[k]); }
fn pU(k: u32) -> u32 { return P[k]; }
fn pF(k: u32) -> f32 { return bitcast<f32>(P[k]); }
`;

/** The WGSL element type of a dtype: f32 for float32, i32 for int32 and bool (0/1). */
export function wgslType(dtype: DataType): 'f32' | 'i32' {
  return dtype === 'float32' ? 'f32' : 'i32';
}

/**
 * The binding declarations for a program with `ins` inputs and `outs` outputs, named by the
 * caller, with their element types, then `P` (the parameters).
 * @example bindings([['x', 'f32']], [['y', 'f32']]) // x at 0, y at 1, P at 2
 */
export function bindings(ins: [string, string][], outs: [string, string][]): string {
  const lines: string[] = [];
  ins.forEach(([n, t], i) => lines.push(`@group(0) @binding(${i}) var<storage, read> ${n}: array<${t}>;`));
  outs.forEach(([n, t], i) =>
    lines.push(`@group(0) @binding(${ins.length + i}) var<storage, read_write> ${n}: array<${t}>;`),
  );
  lines.push(`@group(0) @binding(${ins.length + outs.length}) var<storage, read> P: array<u32>;`);
  return lines.join('\n') + '\n' + WGSL_PRELUDE;
}

/** Bytes a buffer for `bytes` gets from the pool: powers of two up to 64 KiB, then quarter steps. */
export function bucketBytes(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 65536) return 2 ** Math.ceil(Math.log2(b));
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 4;
  return Math.ceil(b / step) * step;
}

/** The params arena: one storage buffer per submitted batch, each dispatch's parameters at a 256-byte slot. */
const ARENA_BYTES = 1 << 16;
/** Dispatches recorded before the encoder is submitted without being asked. */
const MAX_PENDING = 256;
/** The upload arena's first size; it doubles for a larger upload, up to UPLOAD_MAX_BYTES. */
const UPLOAD_START_BYTES = 1 << 20;
/** Uploads larger than this are written straight into their buffer after a submit. */
const UPLOAD_MAX_BYTES = 16 << 20;
/** Free pooled bytes kept for reuse; beyond this, released buffers are destroyed. */
const POOL_KEEP_BYTES = 256 * 2 ** 20;

/** What one fallback did: the kernel name and how many calls went to the CPU backend. */
export type FallbackCounts = Record<string, number>;

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels = new Map<string, KernelFunc>();
  /** Kernel names that run as WGSL on the GPU. */
  readonly native = new Set<string>();
  /** Calls per kernel that ran on the CPU backend instead (see `fallbacks`). */
  readonly fallbackCounts: FallbackCounts = {};
  readonly device: GPUDevice;
  readonly adapterName: string;
  /** The GPU instance and adapter, kept from garbage collection while the device lives. */
  private readonly keepAlive: unknown[];
  private pool = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  private allocatedBytes = 0;
  private liveBytes = 0;
  private liveBuffers = 0;
  private shadowBytes = 0;
  private pending: GpuData[] | null = null;
  private enc: GPUCommandEncoder | null = null;
  private numPending = 0;
  private pipelines = new Map<string, GPUComputePipeline>();
  private layouts = new Map<string, { bind: GPUBindGroupLayout; pipe: GPUPipelineLayout }>();
  private arena: GPUBuffer;
  private arenaHost = new ArrayBuffer(ARENA_BYTES);
  private arenaUsed = 0;
  /** The upload arena: host values staged for this batch, copied into their buffers by recorded commands. */
  private uploadBuf: GPUBuffer | null = null;
  private uploadHost = new ArrayBuffer(UPLOAD_START_BYTES);
  private uploadUsed = 0;
  private flushTask: Promise<void> | null = null;
  private errors: string[] = [];
  /** The index-check status: [flag, op code, index, axis size], written by kernels (see `indexStatus`). */
  private status: GpuData;
  /** Whether a kernel that may write the status was recorded since the status was last read. */
  private statusArmed = false;
  /** Op names of the index checks by code (code = position + 1). */
  private statusOps: string[] = [];
  /** Counters for tests and `sg.webgpu.stats()`. */
  readonly stats = { submits: 0, dispatches: 0, uploads: 0, pipelinesCompiled: 0, buffersCreated: 0, buffersReused: 0, reads: 0 };

  constructor(
    acquired: AcquiredDevice,
    /** The CPU backend kernels fall back to (wasm), or null for none. */
    readonly fallback: Backend | null,
    nativeKernels: ReadonlyMap<string, WebGPUKernelFunc>,
  ) {
    this.device = acquired.device;
    this.adapterName = acquired.adapterName;
    this.keepAlive = acquired.keepAlive;
    this.device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error.message;
      this.errors.push(msg);
    });
    this.arena = this.device.createBuffer({ size: ARENA_BYTES, usage: STORAGE | COPY_DST });
    // Zero-initialised by WebGPU; not a pooled buffer, not counted in memory().
    this.status = new GpuData(this.device.createBuffer({ size: 16, usage: STORAGE | COPY_SRC | COPY_DST }), 16, 4, 'int32');
    for (const [name, fn] of nativeKernels) {
      this.native.add(name);
      const host = fallback?.kernels.get(name);
      // The WGSL kernels know float32, int32 and bool; another dtype (complex64) goes to the CPU kernel.
      this.kernels.set(name, (ins, attrs) =>
        host && ins.some((t) => !NATIVE_DTYPES.has(t.dtype)) ? this.runFallback(name, host, ins, attrs) : fn(ins, attrs, this),
      );
    }
    if (fallback) {
      for (const [name, fn] of fallback.kernels) {
        if (!this.kernels.has(name)) this.kernels.set(name, (ins, attrs) => this.runFallback(name, fn, ins, attrs));
      }
    }
  }

  // ---- buffers ----

  private alloc(size: number, dtype: DataType): GpuData {
    const bucket = bucketBytes(size * 4);
    const free = this.pool.get(bucket);
    let buffer = free?.pop();
    if (buffer) {
      this.pooledBytes -= bucket;
      this.stats.buffersReused++;
    } else {
      buffer = this.device.createBuffer({ size: bucket, usage: STORAGE | COPY_SRC | COPY_DST });
      this.allocatedBytes += bucket;
      this.stats.buffersCreated++;
    }
    const d = new GpuData(buffer, bucket, size, dtype);
    this.liveBytes += size * 4;
    this.liveBuffers++;
    if (this.pending) this.pending.push(d);
    return d;
  }

  write(values: TypedArray | null, size: number, dtype: DataType): DataId {
    const d = this.alloc(size, dtype);
    if (values && size > 0) {
      const v = values.length === size ? values : values.subarray(0, size);
      this.upload(d, v);
      this.setShadow(d, v.slice());
    } else if (size > 0) {
      this.encoder().clearBuffer(d.buffer, 0, d.bucket);
      this.setShadow(d, 'zeros');
    }
    return d;
  }

  /** An output buffer for a kernel to fill completely (not zeroed). */
  makeOutput(shape: Shape, dtype: DataType): TensorInfo {
    return { dataId: this.alloc(sizeFromShape(shape), dtype), shape, dtype };
  }

  /** A zero-filled output buffer (for kernels that write only part of it). */
  makeZeros(shape: Shape, dtype: DataType): TensorInfo {
    return { dataId: this.write(null, sizeFromShape(shape), dtype), shape, dtype };
  }

  /** A copy of the buffer on the GPU (copy-on-write of in-place updates; no host round trip). */
  copy(dataId: DataId): DataId {
    const src = dataId as GpuData;
    const d = this.alloc(src.size, src.dtype);
    if (src.size > 0) this.encoder().copyBufferToBuffer(src.buffer, 0, d.buffer, 0, alignedBytes(src.size));
    this.setShadow(d, src.shadow === null ? null : src.shadow === 'zeros' ? 'zeros' : src.shadow.slice());
    return d;
  }

  /**
   * Writes host values into `d` in stream order: staged in the upload arena and copied by a
   * command recorded in the encoder, so the write lands after the dispatches recorded before it
   * and the encoder is not submitted. (queue.writeBuffer straight into the pooled buffer would run
   * before every recorded dispatch, which may still read that buffer's previous contents: that
   * forced a submit per upload.) Values larger than the arena's cap are written directly after a submit.
   */
  private upload(d: GpuData, v: TypedArray): void {
    const bytes = v.length * 4;
    if (bytes > UPLOAD_MAX_BYTES) {
      this.flush();
      this.device.queue.writeBuffer(d.buffer, 0, v.buffer, v.byteOffset, bytes);
      return;
    }
    if (this.uploadUsed + bytes > this.uploadHost.byteLength) {
      this.flush(); // writes and submits the staged values; the arena is free again
      if (bytes > this.uploadHost.byteLength) {
        let cap = this.uploadHost.byteLength;
        while (cap < bytes) cap *= 2;
        this.uploadBuf?.destroy(); // submitted copies finish first (destroy waits for queued work)
        this.uploadBuf = null;
        this.uploadHost = new ArrayBuffer(cap);
      }
    }
    this.uploadBuf ??= this.device.createBuffer({ size: this.uploadHost.byteLength, usage: COPY_SRC | COPY_DST });
    const off = this.uploadUsed;
    new Uint8Array(this.uploadHost, off, bytes).set(new Uint8Array(v.buffer, v.byteOffset, bytes));
    this.uploadUsed += bytes;
    this.encoder().copyBufferToBuffer(this.uploadBuf, off, d.buffer, 0, bytes);
    this.stats.uploads++;
  }

  private setShadow(d: GpuData, s: TypedArray | 'zeros' | null): void {
    if (d.shadow !== null && d.shadow !== 'zeros') this.shadowBytes -= d.shadow.byteLength;
    d.shadow = s;
    if (s !== null && s !== 'zeros') this.shadowBytes += s.byteLength;
  }

  /** The host copy of a buffer's values, or null when they live only on the GPU. */
  hostValues(dataId: DataId): TypedArray | null {
    const d = dataId as GpuData;
    if (d.shadow === null) return null;
    return d.shadow === 'zeros' ? makeArray(d.dtype, d.size) : d.shadow;
  }

  canReadSync(dataId: DataId): boolean {
    return (dataId as GpuData).shadow !== null;
  }

  readSync(dataId: DataId): TypedArray {
    const v = this.hostValues(dataId);
    if (v) return v.slice();
    throw new Error(
      'dataSync()/arraySync(): the webgpu backend cannot read a tensor synchronously (WebGPU has no blocking ' +
        "readback) and this tensor's values exist only on the GPU; use 'await tensor.data()' or " +
        "'await tensor.array()' (afterwards dataSync() works on that tensor)",
    );
  }

  /**
   * The index-check status buffer, bound as a `read_write` `array<atomic<i32>>` output by kernels
   * whose indices live only on the GPU (Gather, UnsortedSegmentSum): the first invocation that
   * finds an index outside [0, size) claims word 0 with a compare-exchange from 0 to `code` (from
   * `indexCheckCode`) and stores the index and the size in words 1 and 2. Call `armIndexCheck`
   * when recording such a kernel: the next `read` then carries the status home in the same copy
   * (no extra submit or map) and throws the error there. Not counted in `memory()`.
   */
  indexStatus(): TensorInfo {
    return { dataId: this.status, shape: [4], dtype: 'int32' };
  }

  /** The code an index-checking kernel writes for `op` (the op's name in the error, e.g. 'gather'). */
  indexCheckCode(op: string): number {
    let k = this.statusOps.indexOf(op);
    if (k < 0) k = this.statusOps.push(op) - 1;
    return k + 1;
  }

  /** Marks the status as possibly written: the next `read` checks it (see `indexStatus`). */
  armIndexCheck(): void {
    this.statusArmed = true;
  }

  /** The error of a status read back from the GPU, or null when no index was out of range. */
  private statusError(s: Int32Array): Error | null {
    if (s[0] === 0) return null;
    const op = this.statusOps[s[0] - 1] ?? 'an index kernel';
    return new Error(
      `${op}: index ${s[1]} is out of range [0, ${s[2]}) (found on the GPU: the indices lived only there, so the ` +
        `webgpu backend checks them in the kernel and reports the first one at the next read; the values computed ` +
        `from them are not valid)`,
    );
  }

  /** Records the status copy to `staging` at byte `at` and the status's reset; disarms. */
  private carryStatus(staging: GPUBuffer, at: number): void {
    const enc = this.encoder();
    enc.copyBufferToBuffer(this.status.buffer, 0, staging, at, 16);
    enc.clearBuffer(this.status.buffer, 0, 16);
    this.statusArmed = false;
  }

  async read(dataId: DataId): Promise<TypedArray> {
    const d = dataId as GpuData;
    const known = this.hostValues(d);
    if (known && !this.statusArmed) return known.slice();
    if (known || d.size === 0) {
      if (this.statusArmed) await this.readStatus();
      return known ? known.slice() : makeArray(d.dtype, 0);
    }
    const version = d.version;
    const bytes = alignedBytes(d.size);
    const withStatus = this.statusArmed;
    const staging = this.device.createBuffer({ size: bytes + (withStatus ? 16 : 0), usage: MAP_READ | COPY_DST });
    this.encoder().copyBufferToBuffer(d.buffer, 0, staging, 0, bytes);
    if (withStatus) this.carryStatus(staging, bytes);
    this.stats.reads++;
    await this.flushSoon();
    try {
      await staging.mapAsync(1 /* GPUMapMode.READ */);
    } catch (e) {
      staging.destroy();
      throw new Error(`webgpu: reading a buffer failed: ${(e as Error).message}${this.takeErrors()}`);
    }
    const out = makeArray(d.dtype, d.size);
    // One mapped range (a second one at `bytes` could break getMappedRange's 8-byte offset alignment).
    const mapped = staging.getMappedRange(0, bytes + (withStatus ? 16 : 0));
    new Uint8Array(out.buffer).set(new Uint8Array(mapped, 0, d.size * 4));
    const indexError = withStatus ? this.statusError(new Int32Array(mapped.slice(bytes, bytes + 16))) : null;
    staging.unmap();
    staging.destroy();
    const err = this.takeErrors();
    if (err) throw new Error(`webgpu: a GPU command failed before this read${err}`);
    if (indexError) throw indexError;
    if (!d.disposed && d.version === version) this.setShadow(d, out.slice());
    return out;
  }

  /** Reads the index-check status alone (a read of a tensor with a host copy while it is armed). */
  private async readStatus(): Promise<void> {
    const staging = this.device.createBuffer({ size: 16, usage: MAP_READ | COPY_DST });
    this.carryStatus(staging, 0);
    this.stats.reads++;
    await this.flushSoon();
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    const e = this.statusError(new Int32Array(staging.getMappedRange(0, 16).slice(0)));
    staging.unmap();
    staging.destroy();
    if (e) throw e;
  }

  /** GPU validation errors since the last call, as one string ('' when none). */
  takeErrors(): string {
    if (!this.errors.length) return '';
    const s = ': ' + this.errors.join('; ');
    this.errors = [];
    return s;
  }

  disposeData(dataId: DataId): void {
    const d = dataId as GpuData;
    if (d.disposed) return;
    d.disposed = true;
    this.setShadow(d, null);
    this.liveBytes -= d.size * 4;
    this.liveBuffers--;
    if (this.pooledBytes + d.bucket <= POOL_KEEP_BYTES) {
      let list = this.pool.get(d.bucket);
      if (!list) this.pool.set(d.bucket, (list = []));
      list.push(d.buffer);
      this.pooledBytes += d.bucket;
    } else {
      // Recorded dispatches may still use it: submit first (destroy then waits for that work).
      this.flush();
      d.buffer.destroy();
      this.allocatedBytes -= d.bucket;
    }
  }

  /** Destroys every free buffer of the pool (live tensors keep theirs). */
  releasePool(): void {
    this.flush();
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.allocatedBytes -= this.pooledBytes;
    this.pooledBytes = 0;
    this.pool.clear();
  }

  numBytes(): number {
    return this.liveBytes;
  }

  memoryInfo(): Record<string, number> {
    return {
      bytes: this.liveBytes,
      buffers: this.liveBuffers,
      gpuBytes: this.allocatedBytes,
      pooledBytes: this.pooledBytes,
      shadowBytes: this.shadowBytes,
      pipelines: this.pipelines.size,
    };
  }

  maxBufferBytes(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  beginKernel(): void {
    this.pending = [];
  }

  endKernel(ok: boolean): void {
    if (!ok && this.pending) for (const d of this.pending) this.disposeData(d);
    this.pending = null;
  }

  // ---- dispatch ----

  private encoder(): GPUCommandEncoder {
    if (!this.enc) this.enc = this.device.createCommandEncoder();
    return this.enc;
  }

  /** Submits the recorded commands (with their parameters and staged uploads) to the GPU queue. */
  flush(): void {
    if (!this.enc) return;
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaHost, 0, this.arenaUsed);
    if (this.uploadUsed > 0) this.device.queue.writeBuffer(this.uploadBuf!, 0, this.uploadHost, 0, this.uploadUsed);
    this.device.queue.submit([this.enc.finish()]);
    this.stats.submits++;
    this.enc = null;
    this.numPending = 0;
    this.arenaUsed = 0;
    this.uploadUsed = 0;
  }

  /**
   * Submits at the end of the current synchronous stretch (a microtask): the reads a step issues
   * one after another (loss, metrics) share one submit. Resolves once submitted.
   */
  private flushSoon(): Promise<void> {
    return (this.flushTask ??= Promise.resolve().then(() => {
      this.flushTask = null;
      this.flush();
    }));
  }

  /** Resolves when the GPU has finished everything submitted so far (flushing first). */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  private layoutFor(nIn: number, nOut: number): { bind: GPUBindGroupLayout; pipe: GPUPipelineLayout } {
    const key = `${nIn}:${nOut}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < nIn + nOut + 1; i++) {
        const ro = i < nIn || i === nIn + nOut;
        entries.push({ binding: i, visibility: 4 /* COMPUTE */, buffer: { type: ro ? 'read-only-storage' : 'storage' } });
      }
      const bind = this.device.createBindGroupLayout({ entries });
      l = { bind, pipe: this.device.createPipelineLayout({ bindGroupLayouts: [bind] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  private pipeline(spec: ProgramSpec): GPUComputePipeline {
    const key = `${spec.key}|${spec.inputs.length}:${spec.outputs.length}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: spec.wgsl(), label: spec.key });
      p = this.device.createComputePipeline({
        label: spec.key,
        layout: this.layoutFor(spec.inputs.length, spec.outputs.length).pipe,
        compute: { module, entryPoint: 'main' },
      });
      this.pipelines.set(key, p);
      this.stats.pipelinesCompiled++;
    }
    return p;
  }

  /** Records one compute dispatch (see ProgramSpec); the outputs lose their host copies. */
  runProgram(spec: ProgramSpec): void {
    const [x, y = 1, z = 1] = spec.workgroups;
    for (const o of spec.outputs) {
      const d = o.dataId as GpuData;
      this.setShadow(d, null);
      d.version++;
    }
    if (x * y * z === 0) return;
    if (x > MAX_GROUPS || y > MAX_GROUPS || z > MAX_GROUPS)
      throw new Error(`webgpu: program '${spec.key}' asks for ${x}x${y}x${z} workgroups (at most ${MAX_GROUPS} a dimension)`);
    const nBuffers = spec.inputs.length + spec.outputs.length + 1;
    const maxBuffers = this.device.limits.maxStorageBuffersPerShaderStage;
    if (nBuffers > maxBuffers) {
      throw new Error(
        `webgpu: program '${spec.key}' binds ${nBuffers} storage buffers but this device allows ${maxBuffers} per shader ` +
          `stage (maxStorageBuffersPerShaderStage of adapter '${this.adapterName}'); run this model on the wasm backend`,
      );
    }
    const ints = spec.params ?? [];
    const floats = spec.floatParams ?? [];
    const nParams = Math.max(1, ints.length + floats.length);
    const slot = Math.ceil((nParams * 4) / 256) * 256;
    if (slot > ARENA_BYTES) throw new Error(`webgpu: program '${spec.key}' has too many parameters (${nParams})`);
    if (this.arenaUsed + slot > ARENA_BYTES) this.flush();
    const offset = this.arenaUsed;
    const i32 = new Int32Array(this.arenaHost, offset, nParams);
    const f32 = new Float32Array(this.arenaHost, offset, nParams);
    for (let k = 0; k < ints.length; k++) i32[k] = ints[k];
    for (let k = 0; k < floats.length; k++) f32[ints.length + k] = floats[k];
    this.arenaUsed += slot;

    const pipeline = this.pipeline(spec);
    const entries: GPUBindGroupEntry[] = [];
    const all = [...spec.inputs, ...spec.outputs];
    all.forEach((t, i) => {
      const d = t.dataId as GpuData;
      if (d.disposed) throw new Error(`webgpu: program '${spec.key}' binds a freed buffer (binding ${i})`);
      entries.push({ binding: i, resource: { buffer: d.buffer } });
    });
    entries.push({ binding: all.length, resource: { buffer: this.arena, offset, size: nParams * 4 } });
    const group = this.device.createBindGroup({ layout: this.layoutFor(spec.inputs.length, spec.outputs.length).bind, entries });
    const pass = this.encoder().beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.stats.dispatches++;
    if (++this.numPending >= MAX_PENDING) this.flush();
  }

  /** Copies `count` elements between buffers on the GPU (recorded, like a dispatch). */
  copyElements(src: TensorInfo, srcOffset: number, dst: TensorInfo, dstOffset: number, count: number): void {
    const d = dst.dataId as GpuData;
    this.setShadow(d, null);
    d.version++;
    if (count === 0) return;
    this.encoder().copyBufferToBuffer((src.dataId as GpuData).buffer, srcOffset * 4, d.buffer, dstOffset * 4, count * 4);
  }

  // ---- fallback to the CPU backend ----

  /**
   * Runs a kernel this backend lacks on the CPU backend: the inputs' host copies are written
   * there, the kernel runs, the outputs are uploaded (and keep their host copies). Counted per
   * kernel (`fallbacks()`). An input that exists only on the GPU cannot be read synchronously, so
   * that case throws an error naming the kernel.
   */
  runFallback(name: string, fn: KernelFunc, ins: TensorInfo[], attrs: Attrs): TensorInfo | TensorInfo[] {
    const host = this.fallback!;
    const values = ins.map((t, i) => {
      const v = this.hostValues(t.dataId);
      if (!v) {
        throw new Error(
          `${name}: the webgpu backend has no '${name}' kernel and runs it on ${host.name}, but input ${i} ` +
            `(shape ${fmt(t.shape)}, ${t.dtype}) is a GPU result with no host copy, and WebGPU cannot read it ` +
            `synchronously. Read that input first with 'await t.data()' (it then keeps a host copy), or run this ` +
            `op on the ${host.name} backend`,
        );
      }
      return v;
    });
    const hostIns: TensorInfo[] = ins.map((t, i) => ({ dataId: host.write(values[i], values[i].length, t.dtype), shape: t.shape, dtype: t.dtype }));
    let res: TensorInfo | TensorInfo[];
    host.beginKernel();
    try {
      res = fn(hostIns, attrs, host);
    } catch (e) {
      host.endKernel(false);
      for (const t of hostIns) host.disposeData(t.dataId);
      throw e;
    }
    host.endKernel(true);
    this.fallbackCounts[name] = (this.fallbackCounts[name] ?? 0) + 1;
    const outs = Array.isArray(res) ? res : [res];
    const mine = outs.map((o) => {
      const v = host.readSync(o.dataId);
      host.disposeData(o.dataId);
      return { dataId: this.write(v, v.length, o.dtype), shape: o.shape, dtype: o.dtype };
    });
    if (outs.length === 0) {
      // An in-place kernel (optimizer update): upload every input the kernel changed.
      ins.forEach((t, i) => {
        const after = host.readSync(hostIns[i].dataId);
        if (!sameValues(after, values[i])) this.overwrite(t.dataId as GpuData, after);
      });
    }
    for (const t of hostIns) host.disposeData(t.dataId);
    return Array.isArray(res) ? mine : mine[0];
  }

  /** Replaces a live buffer's contents with host values (in-place fallback results). */
  private overwrite(d: GpuData, v: TypedArray): void {
    this.upload(d, v.length === d.size ? v : v.subarray(0, d.size));
    d.version++;
    this.setShadow(d, v.slice());
  }
}

/** A WebGPU kernel: like a backend kernel, with the WebGPU backend's dispatch methods at hand. */
export type WebGPUKernelFunc = (inputs: TensorInfo[], attrs: Attrs, backend: WebGPUBackend) => TensorInfo | TensorInfo[];

const NATIVE_DTYPES = new Set<string>(['float32', 'int32', 'bool']);

function alignedBytes(size: number): number {
  return Math.max(4, size * 4);
}

function sameValues(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
