// The ONNX graph being built by an export: nodes, initializers, unique names, constants, the
// channels-first twins of channels-last values, and dead-node pruning at the end.
//
// Why twins: simdgrad is channels-last (NHWC) and ONNX's Conv/Pool/BatchNormalization are
// channels-first (NCHW). Every layer keeps taking and giving channels-last values, so any layer
// converter can follow any other; a conv asks `channelsFirst(x)`, which inserts a Transpose the
// first time and remembers it, and records its own NCHW result as the twin of the NHWC value it
// gives back. A conv after a conv (or a pool, or a batch norm) then finds the twin and no
// Transpose is written between them; the Transposes nobody reads are pruned by `finish()`.
import type { SymbolicShape } from '../../layers/symbolic.js';
import { DT, f32Bytes, i64Bytes, type AttrValue, type NodeData, type OnnxDataType, type TensorData } from './proto.js';

/** A value flowing through the exported graph: its ONNX name and its (channels-last) shape. */
export interface Val {
  name: string;
  shape: SymbolicShape;
  /** simdgrad dtype ('float32', 'int32'). */
  dtype: string;
}

/** The largest int64 that ONNX Slice reads as "to the end". */
export const INT64_MAX = Number.MAX_SAFE_INTEGER;

export class OnnxGraph {
  readonly nodes: NodeData[] = [];
  readonly initializers: TensorData[] = [];
  private readonly used = new Set<string>();
  private readonly cache = new Map<string, string>();
  /** NHWC value name -> its NCHW twin. */
  private readonly twins = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** A name not used yet, from `base` ('dense_1/MatMul', then 'dense_1/MatMul_1', ...). */
  unique(base: string): string {
    const b = base.replace(/[^A-Za-z0-9_./:-]/g, '_');
    let name = b;
    for (let i = 1; this.used.has(name); i++) name = `${b}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  /** Adds a node; returns its output names (`outputs` of them, named after the node). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix = opType, outputs = 1): string[] {
    const name = this.unique(prefix);
    const outs = Array.from({ length: outputs }, (_, i) => this.unique(outputs === 1 ? `${name}:0` : `${name}:${i}`));
    this.nodes.push({ opType, inputs, outputs: outs, name, attrs });
    return outs;
  }

  /** Adds a node with one output and returns it. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, prefix = opType): string {
    return this.node(opType, inputs, attrs, prefix)[0];
  }

  /**
   * A float32 initializer; `key` shares it between calls (a shared layer's weights are written
   * once). `make` runs only the first time.
   */
  floatInit(key: string, make: () => { data: ArrayLike<number>; dims: number[] }): string {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const { data, dims } = make();
    const name = this.unique(key);
    this.initializers.push({ name, dims, dataType: DT.FLOAT, raw: f32Bytes(data) });
    this.cache.set(key, name);
    return name;
  }

  /** An int64 constant (shapes, axes, pads), shared by value. */
  i64(values: number[], asScalar = false): string {
    const key = `const_i64${asScalar ? 's' : ''}:${values.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const name = this.unique(asScalar ? `const_${values[0]}` : `const_[${values.join(',')}]`);
    this.initializers.push({ name, dims: asScalar ? [] : [values.length], dataType: DT.INT64, raw: i64Bytes(values) });
    this.cache.set(key, name);
    return name;
  }

  /** A float32 constant, shared by value. */
  f32(values: number[], dims: number[] = [values.length]): string {
    const key = `const_f32:${dims.join('x')}:${values.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const name = this.unique(values.length === 1 && dims.length === 0 ? `const_${values[0]}f` : 'const_f');
    this.initializers.push({ name, dims, dataType: DT.FLOAT, raw: f32Bytes(values) });
    this.cache.set(key, name);
    return name;
  }

  // ---- layout ----

  /** The NCHW twin of a channels-last value of rank >= 3 (a Transpose the first time). */
  channelsFirst(x: Val, prefix: string): string {
    const t = this.twins.get(x.name);
    if (t) return t;
    const r = x.shape.length;
    const perm = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
    const y = this.op('Transpose', [x.name], { perm }, `${prefix}/to_channels_first`);
    this.twins.set(x.name, y);
    return y;
  }

  /** The channels-first twin of a value, if one was made. */
  twinOf(name: string): string | undefined {
    return this.twins.get(name);
  }

  /** A Transpose of `x` by `perm`, written once however often it is asked for. */
  transpose(x: string, perm: number[], prefix: string): string {
    const key = `transpose:${x}:${perm.join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const y = this.op('Transpose', [x], { perm }, prefix);
    this.cache.set(key, y);
    return y;
  }

  /** Turns a channels-first result back to channels-last and remembers the pair. */
  channelsLast(y: string, rank: number, prefix: string): string {
    const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
    const x = this.op('Transpose', [y], { perm }, `${prefix}/to_channels_last`);
    this.twins.set(x, y);
    return x;
  }

  // ---- opset-dependent helpers ----

  /** ReduceMean/ReduceMax/ReduceSum over `axes` (an attribute before opset 18, an input from 18). */
  reduce(op: 'ReduceMean' | 'ReduceMax' | 'ReduceSum', x: string, axes: number[], keepdims: boolean, prefix: string): string {
    if (this.opset >= 18 || op === 'ReduceSum') {
      return this.op(op, [x, this.i64(axes)], { keepdims: keepdims ? 1 : 0 }, prefix);
    }
    return this.op(op, [x], { axes, keepdims: keepdims ? 1 : 0 }, prefix);
  }

  /** Slice along `axes` from `starts` to `ends` (with `steps`). */
  slice(x: string, starts: number[], ends: number[], axes: number[], prefix: string, steps?: number[]): string {
    const ins = [x, this.i64(starts), this.i64(ends), this.i64(axes)];
    if (steps) ins.push(this.i64(steps));
    return this.op('Slice', ins, {}, prefix);
  }

  /** Reverses axis `axis` (a Slice with step -1). */
  reverse(x: string, axis: number, prefix: string): string {
    return this.slice(x, [-1], [-INT64_MAX], [axis], prefix, [-1]);
  }

  // ---- finishing ----

  /**
   * Renames the value `from` to `to` wherever it appears (so graph outputs carry the model's
   * names without Identity nodes).
   */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
  }

  /** Producer of a value, if a node makes it. */
  producer(name: string): NodeData | undefined {
    return this.nodes.find((n) => n.outputs.includes(name));
  }

  /** Drops nodes whose outputs nobody reads (unused Transposes) and initializers nobody reads. */
  prune(graphOutputs: string[]): void {
    const live = new Set(graphOutputs);
    const keep: NodeData[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (n.outputs.some((o) => live.has(o))) {
        keep.push(n);
        for (const x of n.inputs) if (x) live.add(x);
      }
    }
    keep.reverse();
    this.nodes.length = 0;
    this.nodes.push(...keep);
    const inits = this.initializers.filter((t) => live.has(t.name!));
    this.initializers.length = 0;
    this.initializers.push(...inits);
  }
}

/** The element type of a simdgrad dtype in ONNX. */
export function onnxType(dtype: string): OnnxDataType {
  switch (dtype) {
    case 'float32':
      return DT.FLOAT;
    case 'int32':
      return DT.INT32;
    case 'bool':
      return DT.BOOL;
    default:
      throw new Error(`onnx: no ONNX element type for dtype '${dtype}'`);
  }
}

/** Values of a row-major array `data` of `shape`, permuted by `perm` (as transpose). */
export function permute(data: ArrayLike<number>, shape: number[], perm: number[]): { data: Float32Array; dims: number[] } {
  const r = shape.length;
  const dims = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1] * shape[i + 1];
  const n = data.length;
  const out = new Float32Array(n);
  const idx = new Array<number>(r).fill(0);
  const strides = perm.map((p) => inStrides[p]);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let k = 0; k < r; k++) src += idx[k] * strides[k];
    out[o] = data[src];
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return { data: out, dims };
}

/** Thrown by a converter for a layer (or a configuration of it) that has no ONNX form. */
export class Unsupported extends Error {}

/** One layer call to convert: the layer, its input values, the shapes of its outputs. */
export interface LayerCall<L = unknown> {
  layer: L;
  inputs: Val[];
  outShapes: SymbolicShape[];
  kwargs: Record<string, unknown>;
  /** Converts another layer (a wrapped one) on the given inputs; returns its output names. */
  convert: (layer: unknown, inputs: Val[], outShapes: SymbolicShape[]) => string[];
}

/** A layer converter: writes nodes into `g` and returns the names of the layer's outputs. */
export type Converter = (g: OnnxGraph, call: LayerCall<any>) => string[];
