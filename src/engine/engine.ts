// The engine: the active backend, buffer reference counts, scopes (tidy/keep), memory
// accounting, and the tape that records kernels inside gradient calls.
import type { Attrs, Backend, DataId, TensorInfo } from '../backends/backend.js';
import { type DataType, type TypedArray, BYTES_PER_ELEMENT, complexError } from './dtype.js';
import { getGradient, type GradSpec, type InputInfo } from './registry.js';
import { fmt, shapesEqual, type Shape } from './shape.js';
import { Tensor, Variable, setTensorTracker } from './tensor.js';

/** The engine's record of one backend buffer, shared by every tensor that views it. */
class Buffer {
  refCount = 1;
  constructor(
    public backend: Backend,
    public handle: DataId,
    readonly size: number,
  ) {}
  get bytes(): number {
    return this.size * BYTES_PER_ELEMENT;
  }
}

export interface TapeNode {
  kernelName: string;
  inputIds: number[];
  inputInfos: InputInfo[];
  outputIds: number[];
  outputInfos: InputInfo[];
  attrs: Attrs;
  saved: { inputs: Tensor[]; outputs: Tensor[] };
  spec: GradSpec;
}

export interface Tape {
  nodes: TapeNode[];
  /** Ids of tensors whose gradient is wanted or which depend on one. */
  requires: Set<number>;
}

/** What `sg.memory()` returns (tfjs's MemoryInfo, plus the backend's own facts). */
export interface MemoryInfo {
  /** Live tensors (compare before and after a block to find leaks). */
  numTensors: number;
  /** Live backend buffers (tensors can share one, e.g. after reshape). */
  numDataBuffers: number;
  /** Bytes held by live buffers. */
  numBytes: number;
  /** The most bytes held at once since the start, predict's inference-chain buffers included. */
  peakBytes: number;
  /** Always false: the counts are exact. */
  unreliable: false;
  [key: string]: number | boolean;
}

type BackendFactory = () => Backend | Promise<Backend>;

/** Tensors nested in arrays and objects, as `tidy` may return and `dispose` accepts. */
export type TensorContainer =
  void | Tensor | string | number | boolean | null | undefined | TensorContainer[] | { [key: string]: TensorContainer };

/** The largest typed array a host backend (js) makes: 2^32 elements of 4 bytes (V8's limit on 64-bit). */
export const MAX_HOST_BUFFER_BYTES = 2 ** 34;

export class Engine {
  private factories = new Map<string, { create: BackendFactory; createSync?: () => Backend; priority: number }>();
  private instances = new Map<string, Backend>();
  private backendName: string | null = null;
  /**
   * The open scopes' tensors, all in one array: scope k owns [scopeStarts[k], next start) and the
   * innermost runs to scopeTop. One array for all scopes, reused, so that opening and closing a
   * scope allocates nothing (issue 17: the small-op path); entries past scopeTop are cleared.
   */
  private scopeItems: (Tensor | undefined)[] = [];
  private scopeTop = 0;
  private readonly scopeStarts: number[] = [];
  tape: Tape | null = null;
  numTensors = 0;
  /** Live buffers (a count: the engine never walks them). */
  private numBuffers = 0;
  /** The active backend once resolved (the per-op fast path); cleared when the choice changes. */
  private active: Backend | null = null;
  private numBytes = 0;
  private peakBytes = 0;
  readonly variables = new Map<string, Variable>();
  private nextVarId = 0;

  registerBackend(name: string, create: BackendFactory, priority: number, createSync?: () => Backend): void {
    this.factories.set(name, { create, createSync, priority });
    this.active = null; // the default may change
  }

  backendNames(): string[] {
    return [...this.factories.keys()];
  }

  /** Chooses the backend; initialises it (asynchronously where it must compile). */
  async setBackend(name: string): Promise<boolean> {
    const f = this.factories.get(name);
    if (!f) throw new Error(`setBackend: unknown backend '${name}'; registered: ${this.backendNames().join(', ')}`);
    if (!this.instances.has(name)) this.instances.set(name, await f.create());
    this.backendName = name;
    this.active = null;
    return true;
  }

  /** The backend `name`, created (asynchronously where it must be) without making it the active one. */
  async initBackend(name: string): Promise<Backend> {
    const f = this.factories.get(name);
    if (!f) throw new Error(`initBackend: unknown backend '${name}'; registered: ${this.backendNames().join(', ')}`);
    let b = this.instances.get(name);
    if (!b) this.instances.set(name, (b = await f.create()));
    return b;
  }

  async ready(): Promise<void> {
    const name = this.backendName ?? this.defaultName();
    await this.setBackend(name);
  }

  getBackendName(): string {
    return this.backendName ?? this.defaultName();
  }

  private defaultName(): string {
    let best = '';
    let bestP = -Infinity;
    for (const [n, f] of this.factories) if (f.priority > bestP) ((best = n), (bestP = f.priority));
    return best;
  }

  /** The active backend, initialised synchronously on first use where the platform allows it. */
  get backend(): Backend {
    return this.active ?? (this.active = this.resolveBackend());
  }

  private resolveBackend(): Backend {
    const name = this.getBackendName();
    let b = this.instances.get(name);
    if (!b) {
      const f = this.factories.get(name)!;
      if (!f.createSync) throw new Error(`Backend '${name}' is not ready: call 'await sg.ready()' first`);
      b = f.createSync();
      this.instances.set(name, b);
      this.backendName = name;
    }
    return b;
  }

  findBackend(name: string): Backend | undefined {
    return this.instances.get(name);
  }

  // ---- buffers and tensors ----

  private newBuffer(backend: Backend, handle: DataId, size: number): Buffer {
    const buf = new Buffer(backend, handle, size);
    this.numBuffers++;
    this.numBytes += buf.bytes;
    if (this.numBytes > this.peakBytes) this.peakBytes = this.numBytes;
    return buf;
  }

  private track<T extends Tensor>(t: T): T {
    this.numTensors++;
    if (this.scopeStarts.length > 0 && !(t instanceof Variable)) this.scopeItems[this.scopeTop++] = t;
    return t;
  }

  /** A new tensor owning a fresh buffer filled with `values` (or zeros when null; complex64: 2 * size values). */
  makeTensor(values: TypedArray | null, shape: Shape, dtype: DataType): Tensor {
    const b = this.backend;
    // complex64: 2 floats an element (interleaved real, imaginary), stored as float32
    const cx = dtype === 'complex64';
    const size = shape.reduce((a, c) => a * c, 1) * (cx ? 2 : 1);
    const buf = this.newBuffer(b, b.write(values, size, cx ? 'float32' : dtype), size);
    return this.track(new Tensor(shape, dtype, buf));
  }

  /** A new tensor over an existing buffer (reshape, clone, saved-for-backward; `dtype` for bitcastView). */
  viewOf(t: Tensor, shape: Shape = t.shape, register = true, dtype: DataType = t.dtype): Tensor {
    this.assertLive(t, 'clone');
    const buf = t.dataId as Buffer;
    buf.refCount++;
    const v = new Tensor(shape, dtype, buf);
    if (register) return this.track(v);
    this.numTensors++;
    return v;
  }

  /**
   * A reshape: a new tensor over the same buffer, recorded on the tape as kernel 'Reshape'
   * (its gradient reshapes dy back), so views take part in autodiff like any op.
   */
  reshapeView(t: Tensor, shape: Shape): Tensor {
    const v = this.viewOf(t, shape);
    if (this.tape) this.record('Reshape', [t], [v], { shape });
    return v;
  }

  /**
   * complex64 `[...S]` seen as float32 `[...S, 2]` (its interleaved real and imaginary parts) or back: a
   * view of the same buffer, recorded as 'Bitcast' (its gradient is the view back), so the complex ops
   * compose float32 kernels. Only src/ops/complex.ts calls it.
   */
  bitcastView(t: Tensor, shape: Shape, dtype: DataType): Tensor {
    const v = this.viewOf(t, shape, true, dtype);
    if (this.tape) this.record('Bitcast', [t], [v], { shape: t.shape, dtype: t.dtype });
    return v;
  }

  makeVariable(initial: Tensor, trainable: boolean, name: string | undefined, dtype?: DataType): Variable {
    this.assertLive(initial, 'variable');
    const vname = name ?? `variable${this.nextVarId++}`;
    if (this.variables.has(vname)) throw new Error(`variable: a variable named '${vname}' already exists`);
    if (dtype && dtype !== initial.dtype)
      throw new Error(`variable: dtype '${dtype}' does not match the initial value's '${initial.dtype}'`);
    const buf = initial.dataId as Buffer;
    buf.refCount++;
    const v = new Variable(initial.shape, initial.dtype, buf, trainable, vname);
    this.track(v);
    this.variables.set(vname, v);
    return v;
  }

  assignVariable(v: Variable, value: Tensor): void {
    this.assertLive(v, 'assign');
    this.assertLive(value, 'assign');
    if (!shapesEqual(v.shape, value.shape) || v.dtype !== value.dtype) {
      throw new Error(
        `assign: variable '${v.name}' has shape ${fmt(v.shape)} and dtype ${v.dtype}; ` +
          `the new value has shape ${fmt(value.shape)} and dtype ${value.dtype}`,
      );
    }
    const buf = value.dataId as Buffer;
    buf.refCount++;
    this.release(v.dataId as Buffer);
    v.dataId = buf;
  }

  disposeTensor(t: Tensor): void {
    if (t.isDisposed) return;
    t.isDisposed = true;
    this.numTensors--;
    if (t instanceof Variable && this.variables.get(t.name) === t) this.variables.delete(t.name);
    this.release(t.dataId as Buffer);
  }

  private release(buf: Buffer): void {
    if (--buf.refCount > 0) return;
    buf.backend.disposeData(buf.handle);
    this.numBuffers--;
    this.numBytes -= buf.bytes;
  }

  assertLive(t: Tensor, op: string): void {
    if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor but got ${typeof t}`);
    if (t.isDisposed) throw new Error(`${op}: tensor ${t.id} with shape ${fmt(t.shape)} is already disposed`);
  }

  /** The backend handle of `t` on backend `b`, moving the data there if it lives elsewhere. */
  private handleOn(t: Tensor, b: Backend): DataId {
    const buf = t.dataId as Buffer;
    if (buf.backend !== b) {
      const values = buf.backend.readSync(buf.handle);
      buf.backend.disposeData(buf.handle);
      buf.handle = b.write(values, buf.size, t.dtype === 'complex64' ? 'float32' : t.dtype);
      buf.backend = b;
    }
    return buf.handle;
  }

  /** False where `t`'s backend cannot read it synchronously (a webgpu result never read back). */
  canReadSync(t: Tensor): boolean {
    const buf = t.dataId as Buffer;
    return buf.backend.canReadSync?.(buf.handle) ?? true;
  }

  readSync(t: Tensor): TypedArray {
    this.assertLive(t, 'dataSync');
    const buf = t.dataId as Buffer;
    return buf.backend.readSync(buf.handle);
  }

  read(t: Tensor): Promise<TypedArray> {
    this.assertLive(t, 'data');
    const buf = t.dataId as Buffer;
    return buf.backend.read(buf.handle);
  }

  // ---- kernels ----

  /**
   * Runs kernel `name` of the active backend on `inputs`. Ops validate their arguments before
   * calling this; the tape records the call when a gradient is being computed.
   */
  runKernel(name: string, inputs: Tensor[], attrs: Attrs = {}): Tensor[] {
    const n = inputs.length;
    for (let i = 0; i < n; i++) {
      const t = inputs[i];
      if (!(t instanceof Tensor) || t.isDisposed) this.assertLive(t, name);
      if (t.dtype === 'complex64') throw complexError(name); // kernels see float32/int32 buffers only
    }
    const b = this.backend;
    const kernel = b.kernels.get(name);
    if (!kernel) throw new Error(`${name}: no kernel registered for backend '${b.name}'`);
    // Plain loops, no closures: this is the path every op takes (issue 17: engine overhead).
    const infos: TensorInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const t = inputs[i];
      const buf = t.dataId as Buffer;
      infos[i] = { dataId: buf.backend === b ? buf.handle : this.handleOn(t, b), shape: t.shape, dtype: t.dtype };
    }
    b.beginKernel();
    let res;
    try {
      res = kernel(infos, attrs, b);
    } catch (e) {
      b.endKernel(false);
      throw withKernelName(name, e);
    }
    b.endKernel(true);
    let outs: Tensor[];
    if (Array.isArray(res)) {
      outs = new Array(res.length);
      for (let i = 0; i < res.length; i++) outs[i] = this.trackOutput(b, res[i]);
    } else {
      outs = [this.trackOutput(b, res)];
    }
    if (this.tape) this.record(name, inputs, outs, attrs);
    return outs;
  }

  /**
   * A buffer that a kernel of the active backend made, called directly rather than through
   * runKernel (the inference chain of src/models/inference_chain.ts), as a new tensor owning it
   * in the current scope. Never recorded on the tape. @internal
   */
  adoptOutput(o: TensorInfo): Tensor {
    return this.trackOutput(this.backend, o);
  }

  /** A kernel's output as a new tensor owning its buffer, in the current scope. */
  private trackOutput(b: Backend, o: TensorInfo): Tensor {
    const shape = o.shape;
    let size = 1;
    for (let k = 0; k < shape.length; k++) size *= shape[k];
    return this.track(new Tensor(shape, o.dtype, this.newBuffer(b, o.dataId, size)));
  }

  /**
   * Runs a kernel that updates the buffers of `mutated` variables in place (fused optimizer
   * updates) and returns nothing. Copy-on-write: a variable whose buffer is shared with another
   * tensor (its initial value, a reshape, a saved-for-backward copy) first gets a private copy,
   * so no other tensor ever sees the change. Never recorded on the tape.
   */
  runKernelInPlace(name: string, mutated: Variable[], inputs: Tensor[], attrs: Attrs = {}): void {
    for (const t of [...mutated, ...inputs]) {
      this.assertLive(t, name);
      if (t.dtype === 'complex64') throw complexError(name);
    }
    if (this.tape) throw new Error(`${name}: in-place updates cannot run inside a gradient call`);
    const b = this.backend;
    const kernel = b.kernels.get(name);
    if (!kernel) throw new Error(`${name}: no kernel registered for backend '${b.name}'`);
    for (const v of mutated) {
      const buf = v.dataId as Buffer;
      b.contentsChanged?.(this.handleOn(v, b));
      if (buf.refCount > 1) {
        // A backend that can copy on its side (webgpu: no synchronous readback) does; else a host round trip.
        const handle = b.copy ? b.copy(buf.handle) : b.write(b.readSync(buf.handle), buf.size, v.dtype);
        const copy = this.newBuffer(b, handle, buf.size);
        this.release(buf);
        v.dataId = copy;
      }
    }
    const infos = [...mutated, ...inputs].map((t) => ({ dataId: this.handleOn(t, b), shape: t.shape, dtype: t.dtype }));
    b.beginKernel();
    try {
      kernel(infos, attrs, b);
    } catch (e) {
      b.endKernel(false);
      throw withKernelName(name, e);
    }
    b.endKernel(true);
  }

  private record(name: string, inputs: Tensor[], outs: Tensor[], attrs: Attrs): void {
    const tape = this.tape!;
    if (!inputs.some((t) => tape.requires.has(t.id))) return;
    const spec = getGradient(name);
    if (!spec) return; // not differentiable (comparisons, argMax, casts to int)
    for (const o of outs) tape.requires.add(o.id);
    const save = spec.saveInputs;
    const savedInputs: Tensor[] = [];
    inputs.forEach((t, i) => {
      if (save === true || (Array.isArray(save) && save.includes(i))) savedInputs[i] = this.viewOf(t, t.shape, false);
    });
    const savedOutputs = spec.saveOutputs ? outs.map((t) => this.viewOf(t, t.shape, false)) : [];
    tape.nodes.push({
      kernelName: name,
      inputIds: inputs.map((t) => t.id),
      inputInfos: inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
      outputIds: outs.map((t) => t.id),
      outputInfos: outs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
      attrs,
      saved: { inputs: savedInputs, outputs: savedOutputs },
      spec,
    });
  }

  // ---- scopes ----

  /** Marks `t` to survive enclosing scopes until `releaseKept` (used by the training loop). */
  keepTensor<T extends Tensor>(t: T): T {
    t.kept = true;
    return t;
  }

  /** Ends a `keepTensor` and frees the tensor. */
  releaseKept(t: Tensor): void {
    t.kept = false;
    this.disposeTensor(t);
  }

  startScope(): void {
    this.scopeStarts.push(this.scopeTop);
  }

  /** Ends the innermost scope: frees its tensors except `result`'s and kept ones. */
  endScope(result?: TensorContainer): void {
    const start = this.scopeStarts.pop();
    if (start === undefined) throw new Error('endScope: no scope is open');
    const hasParent = this.scopeStarts.length > 0;
    const items = this.scopeItems;
    const end = this.scopeTop;
    // Survivors move to the parent scope, whose range continues at `start` (w <= i: a survivor
    // never overwrites an entry not yet visited).
    let w = start;
    // The common results (nothing, one tensor) need no id set.
    const simple = result === undefined || result === null || result instanceof Tensor;
    const keepIds = simple ? null : new Set<number>();
    if (keepIds) collectTensors(result, (t) => keepIds.add(t.id));
    const keep = simple ? (result ?? null) : null;
    for (let i = start; i < end; i++) {
      const t = items[i]!;
      items[i] = undefined;
      if (t.isDisposed) continue;
      if (keepIds ? keepIds.has(t.id) : t === keep) {
        if (hasParent) items[w++] = t;
      } else if (!t.kept) {
        this.disposeTensor(t);
      }
    }
    this.scopeTop = w;
  }

  tidy<T extends TensorContainer>(fn: () => T): T {
    this.startScope();
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.endScope();
      throw e;
    }
    if (result instanceof Promise) {
      this.endScope();
      throw new Error(
        'tidy: the function returned a Promise; tidy cannot wrap async code (free tensors with dispose())',
      );
    }
    this.endScope(result);
    return result;
  }

  memory(): MemoryInfo {
    const info: MemoryInfo = {
      numTensors: this.numTensors,
      numDataBuffers: this.numBuffers,
      numBytes: this.numBytes,
      peakBytes: this.peakBytes,
      unreliable: false,
    };
    for (const b of this.instances.values()) {
      for (const [k, v] of Object.entries(b.memoryInfo())) info[`${b.name}.${k}`] = v;
    }
    return info;
  }

  /**
   * Throws, naming `op`, when a tensor of `shape` cannot exist on the active backend (its byte
   * count passes the backend's limit, or the shape is not a list of integers >= 0). Ops that
   * compute an output size from their arguments call it before allocating anything, so a huge
   * request fails at once instead of after gigabytes of host memory.
   * @example ENGINE.checkSize('range', [1e12], 'float32'); // throws: 4 TB is over the wasm limit
   */
  checkSize(op: string, shape: readonly number[], dtype: DataType = 'float32'): void {
    let n = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape ${fmt(shape as number[])}: dimensions must be integers >= 0`);
      n *= d;
    }
    const bytes = n * (dtype === 'complex64' ? 8 : 4); // float32, int32 and bool: 4 bytes a value
    const b = this.backend;
    const limit = b.maxBufferBytes?.() ?? MAX_HOST_BUFFER_BYTES;
    if (bytes > limit) {
      throw new Error(
        `${op}: a ${dtype} tensor of shape ${fmt(shape as number[])} (${n.toLocaleString('en-US')} elements, ` +
          `${bytes.toLocaleString('en-US')} bytes) is larger than the ${b.name} backend can hold (${limit.toLocaleString('en-US')} bytes)`,
      );
    }
  }

  /** Resets `peakBytes` to the bytes in use now, so a phase's peak can be measured. */
  resetPeak(): void {
    this.peakBytes = this.numBytes;
  }

  /**
   * Counts `bytes` of backend buffers that no tensor owns (the inference chain's intermediates),
   * alive now on top of the tensors' bytes, in `peakBytes`. @internal
   */
  notePeak(bytes: number): void {
    if (this.numBytes + bytes > this.peakBytes) this.peakBytes = this.numBytes + bytes;
  }
}

/** An allocation failure inside a kernel, with the kernel's name in front (other errors unchanged). */
function withKernelName(name: string, e: unknown): unknown {
  if (e instanceof Error && e.name === 'HeapAllocationError' && !e.message.startsWith(`${name}:`)) {
    e.message = `${name}: ${e.message}`;
  }
  return e;
}

/** Calls `fn` on every tensor inside a (nested) container. */
export function collectTensors(c: unknown, fn: (t: Tensor) => void): void {
  if (c instanceof Tensor) fn(c);
  else if (Array.isArray(c)) for (const x of c) collectTensors(x, fn);
  else if (c !== null && typeof c === 'object' && Object.getPrototypeOf(c) === Object.prototype) {
    for (const x of Object.values(c)) collectTensors(x, fn);
  }
}

export const ENGINE = new Engine();
setTensorTracker({
  readSync: (t) => ENGINE.readSync(t),
  read: (t) => ENGINE.read(t),
  disposeTensor: (t) => ENGINE.disposeTensor(t),
  assignVariable: (v, value) => ENGINE.assignVariable(v, value),
  cloneTensor: (t) => ENGINE.reshapeView(t, t.shape), // recorded, so gradients flow through clone()
});
