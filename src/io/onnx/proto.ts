// A protobuf writer for the subset of onnx.proto that an exported model needs: ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto (raw_data), ValueInfoProto, TypeProto and
// OperatorSetIdProto. Field numbers are onnx.proto3's (onnx/onnx, IR version 8). Only writing:
// simdgrad exports ONNX, it does not import it.

/** TensorProto.DataType codes used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type OnnxDataType = (typeof DT)[keyof typeof DT];

/** AttributeProto.AttributeType codes. */
const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An attribute value: number (int unless wrapped by `float()`), string, int, string or float list, tensor. */
export type AttrValue = number | bigint | string | number[] | string[] | FloatAttr | FloatsAttr | TensorData;

export class FloatAttr {
  constructor(readonly value: number) {}
}
export class FloatsAttr {
  constructor(readonly values: number[]) {}
}
/** Marks a number as a FLOAT attribute (plain numbers are INT attributes). */
export const float = (v: number): FloatAttr => new FloatAttr(v);
export const floats = (v: number[]): FloatsAttr => new FloatsAttr(v);

/** A tensor value: float32, int32, int64 or bool data with its dims. */
export interface TensorData {
  name?: string;
  dims: number[];
  dataType: OnnxDataType;
  /** Little-endian bytes of the values (raw_data). */
  raw: Uint8Array;
}

export interface NodeData {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, AttrValue>;
  domain?: string;
}

export interface ValueInfoData {
  name: string;
  elemType: OnnxDataType;
  /** A number per known dimension, a name (dim_param) per symbolic one, '' for unknown. */
  dims: (number | string)[];
}

export interface GraphData {
  name: string;
  nodes: NodeData[];
  initializers: TensorData[];
  inputs: ValueInfoData[];
  outputs: ValueInfoData[];
  docString?: string;
}

export interface ModelData {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphData;
  metadata?: Record<string, string>;
}

const utf8 = new TextEncoder();

/** A growable byte buffer with protobuf's wire encodings. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A varint; negative values take ten bytes (two's complement int64), as protobuf writes them. */
  varint(v: number | bigint): void {
    let x = typeof v === 'bigint' ? v : BigInt(v);
    if (x < 0n) x += 1n << 64n;
    this.ensure(10);
    if (x < 0x80n) {
      this.buf[this.len++] = Number(x);
      return;
    }
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  fixed32Float(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.len, v, true);
    this.len += 4;
  }

  // ---- fields ----
  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }
  lenDelim(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.bytes(b);
  }
  str(field: number, s: string): void {
    this.lenDelim(field, utf8.encode(s));
  }
  msg(field: number, write: (w: Writer) => void): void {
    const w = new Writer();
    write(w);
    this.lenDelim(field, w.finish());
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    this.fixed32Float(v);
  }
  packedInts(field: number, vs: readonly (number | bigint)[]): void {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    this.lenDelim(field, w.finish());
  }
  packedFloats(field: number, vs: readonly number[]): void {
    const w = new Writer();
    for (const v of vs) w.fixed32Float(v);
    this.lenDelim(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
function writeTensor(w: Writer, t: TensorData): void {
  if (t.dims.length) w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  if (t.name) w.str(8, t.name);
  w.lenDelim(9, t.raw);
}

// AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20.
function writeAttr(w: Writer, name: string, v: AttrValue): void {
  w.str(1, name);
  if (v instanceof FloatAttr) {
    w.float(2, v.value);
    w.int(20, AT.FLOAT);
  } else if (v instanceof FloatsAttr) {
    w.packedFloats(7, v.values);
    w.int(20, AT.FLOATS);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) {
      throw new Error(`onnx: attribute '${name}' is an INT attribute but got ${v}; wrap float values with float()`);
    }
    w.int(3, v);
    w.int(20, AT.INT);
  } else if (typeof v === 'string') {
    w.lenDelim(4, utf8.encode(v));
    w.int(20, AT.STRING);
  } else if (Array.isArray(v) && v.some((e) => typeof e === 'string')) {
    for (const e of v as string[]) w.lenDelim(9, utf8.encode(e));
    w.int(20, AT.STRINGS);
  } else if (Array.isArray(v)) {
    w.packedInts(8, v as number[]);
    w.int(20, AT.INTS);
  } else {
    w.msg(5, (m) => writeTensor(m, v));
    w.int(20, AT.TENSOR);
  }
}

// NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
function writeNode(w: Writer, n: NodeData): void {
  for (const i of n.inputs) w.str(1, i);
  for (const o of n.outputs) w.str(2, o);
  w.str(3, n.name);
  w.str(4, n.opType);
  for (const [k, v] of Object.entries(n.attrs)) w.msg(5, (m) => writeAttr(m, k, v));
  if (n.domain) w.str(7, n.domain);
}

// ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1. TypeProto.Tensor: elem_type 1,
// shape 2. TensorShapeProto: dim 1. Dimension: dim_value 1, dim_param 2.
function writeValueInfo(w: Writer, v: ValueInfoData): void {
  w.str(1, v.name);
  w.msg(2, (t) =>
    t.msg(1, (tt) => {
      tt.int(1, v.elemType);
      tt.msg(2, (s) => {
        for (const d of v.dims) {
          s.msg(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else if (d) dim.str(2, d);
          });
        }
      });
    }),
  );
}

// GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12.
function writeGraph(w: Writer, g: GraphData): void {
  for (const n of g.nodes) w.msg(1, (m) => writeNode(m, n));
  w.str(2, g.name);
  for (const t of g.initializers) w.msg(5, (m) => writeTensor(m, t));
  if (g.docString) w.str(10, g.docString);
  for (const i of g.inputs) w.msg(11, (m) => writeValueInfo(m, i));
  for (const o of g.outputs) w.msg(12, (m) => writeValueInfo(m, o));
}

/**
 * Serializes a model to ONNX's protobuf bytes. ModelProto: ir_version 1, producer_name 2,
 * producer_version 3, doc_string 6, graph 7, opset_import 8 (OperatorSetIdProto: domain 1,
 * version 2), metadata_props 14 (StringStringEntryProto: key 1, value 2).
 */
export function encodeModel(m: ModelData): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.str(2, m.producerName);
  w.str(3, m.producerVersion);
  if (m.docString) w.str(6, m.docString);
  w.msg(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsetImports) {
    w.msg(8, (op) => {
      op.str(1, o.domain);
      op.int(2, o.version);
    });
  }
  for (const [k, v] of Object.entries(m.metadata ?? {})) {
    w.msg(14, (e) => {
      e.str(1, k);
      e.str(2, v);
    });
  }
  return w.finish();
}

/** Little-endian bytes of float32 values. */
export function f32Bytes(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i], true);
  return out;
}

/** Little-endian bytes of int64 values. */
export function i64Bytes(v: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(v.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setBigInt64(i * 8, BigInt(v[i]), true);
  return out;
}
