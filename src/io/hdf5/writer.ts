// An HDF5 writer for the files Keras weights need: superblock version 2, version-2 object headers,
// groups with compact link storage, contiguous datasets, and attributes (numbers, bools, arrays,
// variable-length UTF-8 strings in a global heap, fixed-length strings). h5py (HDF5 >= 1.8) opens
// the result; see test/io/hdf5_write.test.ts.
import { lookup3 } from './bytes.js';
import { floatToHalf, H5DType } from './datatype.js';

type NumArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A value to write: its shape, element type and data (row-major). */
export interface H5WriteSpec {
  shape: number[];
  dtype: H5DType;
  /** Numbers (a typed array of the dtype, or any numeric array; float16 from float values), bigints for 64-bit, booleans, or strings. */
  data: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean> | ArrayLike<string>;
  /** Strings: 'vlen' (variable-length UTF-8, h5py's default for str; the default here) or 'fixed' (null-padded, h5py's bytes). */
  stringFormat?: 'vlen' | 'fixed';
}

/**
 * An attribute value: a string (vlen UTF-8 scalar), string[] (1-D vlen), number (float64 scalar),
 * bigint (int64 scalar), boolean, a typed array (1-D of its type), or a full H5WriteSpec.
 */
export type H5WriteValue = string | string[] | number | bigint | boolean | NumArray | H5WriteSpec;

const DTYPE_OF: [new (...a: never[]) => NumArray, H5DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
  [Int16Array, 'int16'],
  [Uint16Array, 'uint16'],
  [Int32Array, 'int32'],
  [Uint32Array, 'uint32'],
  [BigInt64Array, 'int64'],
  [BigUint64Array, 'uint64'],
];

function normalize(v: H5WriteValue, what: string): H5WriteSpec {
  if (typeof v === 'string') return { shape: [], dtype: 'string', data: [v] };
  if (typeof v === 'number') return { shape: [], dtype: 'float64', data: [v] };
  if (typeof v === 'bigint') return { shape: [], dtype: 'int64', data: [v] };
  if (typeof v === 'boolean') return { shape: [], dtype: 'bool', data: [v] };
  if (Array.isArray(v)) {
    if (!v.every((s) => typeof s === 'string'))
      throw new Error(`${what}: arrays must be string[] (use a typed array or {shape, dtype, data} for numbers)`);
    return { shape: [v.length], dtype: 'string', data: v };
  }
  for (const [ctor, dtype] of DTYPE_OF)
    if (v instanceof ctor) return { shape: [v.length], dtype, data: v as ArrayLike<number> };
  const spec = v as H5WriteSpec;
  if (!spec || !Array.isArray(spec.shape) || typeof spec.dtype !== 'string' || spec.data === undefined)
    throw new Error(`${what}: not a value H5Writer can write`);
  return spec;
}

const NUM_SIZE: Record<string, number> = {
  float16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

function checkSpec(s: H5WriteSpec, what: string): number {
  if (!s.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new Error(`${what}: shape [${s.shape}] must be non-negative integers`);
  const n = s.shape.reduce((a, d) => a * d, 1);
  if (s.data.length !== n) throw new Error(`${what}: ${s.data.length} values for shape [${s.shape}] (${n} expected)`);
  if (s.dtype !== 'string' && !(s.dtype in NUM_SIZE))
    throw new Error(`${what}: dtype '${s.dtype}' is not one H5Writer writes`);
  const range = INT_RANGE[s.dtype];
  const isTyped = ArrayBuffer.isView(s.data);
  for (let i = 0; i < n; i++) {
    const x = (s.data as ArrayLike<unknown>)[i];
    if (s.dtype === 'string') {
      if (typeof x !== 'string') throw new Error(`${what}: element ${i} is a ${typeof x}, not a string`);
    } else if (s.dtype === 'bool') {
      if (typeof x !== 'boolean' && x !== 0 && x !== 1)
        throw new Error(`${what}: element ${i} (${String(x)}) is not a boolean or 0/1`);
    } else if (range && !isTyped) {
      // plain arrays must hold integers in range: a typed array conversion would wrap silently
      const ok =
        typeof x === 'bigint'
          ? x >= range[0] && x <= range[1]
          : typeof x === 'number' && Number.isInteger(x) && BigInt(x) >= range[0] && BigInt(x) <= range[1];
      if (!ok) throw new Error(`${what}: element ${i} (${String(x)}) is not an integer in the ${s.dtype} range`);
    } else if (!range && !isTyped && typeof x !== 'number')
      throw new Error(`${what}: element ${i} is a ${typeof x}, not a number`);
  }
  return n;
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** A dataset being written; attributes may be added. */
export class H5WDataset {
  readonly attrs = new Map<string, H5WriteSpec>();
  constructor(
    readonly path: string,
    readonly spec: H5WriteSpec,
  ) {}

  /** Sets attribute `name` on this dataset. */
  attr(name: string, value: H5WriteValue): this {
    setAttr(this.attrs, name, value, `H5Writer: '${this.path}'`);
    return this;
  }
}

function setAttr(attrs: Map<string, H5WriteSpec>, name: string, value: H5WriteValue, what: string): void {
  if (!name) throw new Error(`${what}: attribute name is empty`);
  const s = normalize(value, `${what} attribute '${name}'`);
  checkSpec(s, `${what} attribute '${name}'`);
  attrs.set(name, s);
}

/** A group being written. */
export class H5WGroup {
  readonly children = new Map<string, H5WGroup | H5WDataset>();
  readonly attrs = new Map<string, H5WriteSpec>();
  constructor(readonly path: string) {}

  /** The group at `path` under this one, created with any missing parents. */
  group(path: string): H5WGroup {
    let g: H5WGroup = this;
    for (const part of splitPath(path, this.path)) {
      const c = g.children.get(part);
      if (c instanceof H5WDataset) throw new Error(`H5Writer: '${c.path}' is a dataset, not a group`);
      if (c) g = c;
      else {
        const ng: H5WGroup = new H5WGroup(g.path === '/' ? `/${part}` : `${g.path}/${part}`);
        g.children.set(part, ng);
        g = ng;
      }
    }
    return g;
  }

  /** Creates dataset `path` (parents created) with the given shape, dtype and data. */
  dataset(path: string, spec: H5WriteSpec): H5WDataset {
    const parts = splitPath(path, this.path);
    const name = parts.pop();
    if (!name) throw new Error(`H5Writer: dataset path '${path}' is empty`);
    const g = this.group(parts.join('/'));
    const full = g.path === '/' ? `/${name}` : `${g.path}/${name}`;
    if (g.children.has(name)) throw new Error(`H5Writer: '${full}' already exists`);
    checkSpec(spec, `H5Writer: dataset '${full}'`);
    const d = new H5WDataset(full, spec);
    g.children.set(name, d);
    return d;
  }

  /** Sets attribute `name` on this group. */
  attr(name: string, value: H5WriteValue): this {
    setAttr(this.attrs, name, value, `H5Writer: '${this.path}'`);
    return this;
  }
}

function splitPath(path: string, at: string): string[] {
  const parts = path.split('/').filter((p) => p && p !== '.');
  for (const p of parts)
    if (p === '..') throw new Error(`H5Writer: '..' in path '${path}' (under '${at}') is not supported`);
  return parts;
}

/**
 * Writes an HDF5 file in memory.
 * @example
 * const w = new H5Writer();
 * w.group('layers/dense/vars').dataset('0', { shape: [4, 3], dtype: 'float32', data: kernel });
 * w.attr('keras_version', '3.15.1');
 * const bytes = w.toBytes();
 */
export class H5Writer extends H5WGroup {
  constructor() {
    super('/');
  }

  /** The file's bytes. */
  toBytes(): Uint8Array {
    return new Serializer(this).run();
  }
}

const O = 8; // size of offsets
const L = 8; // size of lengths
const UNDEF_ADDR = 0xffffffffffffffffn;

class Buf {
  u8 = new Uint8Array(4096);
  n = 0;
  private grow(k: number) {
    if (this.n + k <= this.u8.length) return;
    let cap = this.u8.length * 2;
    while (cap < this.n + k) cap *= 2;
    const nu = new Uint8Array(cap);
    nu.set(this.u8.subarray(0, this.n));
    this.u8 = nu;
  }
  bytes(b: ArrayLike<number>) {
    this.grow(b.length);
    this.u8.set(b, this.n);
    this.n += b.length;
    return this;
  }
  u8v(v: number) {
    return this.bytes([v & 0xff]);
  }
  u16(v: number) {
    return this.bytes([v & 0xff, (v >>> 8) & 0xff]);
  }
  u32(v: number) {
    return this.bytes([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
  }
  u64(v: number | bigint) {
    let x = BigInt(v);
    const b: number[] = [];
    for (let i = 0; i < 8; i++) {
      b.push(Number(x & 0xffn));
      x >>= 8n;
    }
    return this.bytes(b);
  }
  zeros(k: number) {
    this.grow(k);
    this.u8.fill(0, this.n, this.n + k);
    this.n += k;
    return this;
  }
  align(a: number) {
    const r = this.n % a;
    if (r) this.zeros(a - r);
    return this;
  }
  done(): Uint8Array {
    return this.u8.slice(0, this.n);
  }
}

const enc = new TextEncoder();

/** The datatype message body for a spec. */
function datatype(s: H5WriteSpec): Uint8Array {
  const b = new Buf();
  const t = s.dtype;
  if (t === 'string') {
    if (s.stringFormat === 'fixed') {
      const size = Math.max(1, ...Array.from(s.data as ArrayLike<string>, (x) => enc.encode(x).length));
      b.u8v(0x13)
        .u8v(0x01 | (1 << 4))
        .u8v(0)
        .u8v(0)
        .u32(size); // class 3 v1, null-padded, UTF-8
      return b.done();
    }
    // variable-length string (class 9, type string, null-terminated, UTF-8) over an unsigned char
    b.u8v(0x19)
      .u8v(0x01)
      .u8v(0x01)
      .u8v(0)
      .u32(4 + O + 4);
    b.u8v(0x10).u8v(0).u8v(0).u8v(0).u32(1).u16(0).u16(8);
    return b.done();
  }
  if (t === 'bool') {
    // h5py's bool: an enum {FALSE: 0, TRUE: 1} over int8
    b.u8v(0x18).u8v(2).u8v(0).u8v(0).u32(1);
    b.u8v(0x10).u8v(0x08).u8v(0).u8v(0).u32(1).u16(0).u16(8);
    b.bytes(enc.encode('FALSE')).zeros(3).bytes(enc.encode('TRUE')).zeros(4);
    b.u8v(0).u8v(1);
    return b.done();
  }
  const size = NUM_SIZE[t];
  if (t.startsWith('float')) {
    const [sign, eloc, esize, msize, bias] =
      t === 'float16' ? [15, 10, 5, 10, 15] : t === 'float32' ? [31, 23, 8, 23, 127] : [63, 52, 11, 52, 1023];
    b.u8v(0x11).u8v(0x20).u8v(sign).u8v(0).u32(size);
    b.u16(0)
      .u16(size * 8)
      .u8v(eloc)
      .u8v(esize)
      .u8v(0)
      .u8v(msize)
      .u32(bias);
    return b.done();
  }
  const signed = t.startsWith('int');
  b.u8v(0x10)
    .u8v(signed ? 0x08 : 0)
    .u8v(0)
    .u8v(0)
    .u32(size)
    .u16(0)
    .u16(size * 8);
  return b.done();
}

function dataspace(shape: number[]): Uint8Array {
  const b = new Buf();
  b.u8v(2)
    .u8v(shape.length)
    .u8v(0)
    .u8v(shape.length === 0 ? 0 : 1);
  for (const d of shape) b.u64(d);
  return b.done();
}

function elementSize(s: H5WriteSpec): number {
  if (s.dtype !== 'string') return NUM_SIZE[s.dtype];
  if (s.stringFormat === 'fixed')
    return Math.max(1, ...Array.from(s.data as ArrayLike<string>, (x) => enc.encode(x).length));
  return 4 + O + 4;
}

class Serializer {
  private readonly out = new Buf();
  /** Global heap references of each vlen string value, in data order. */
  private readonly refs = new Map<H5WriteSpec, [number, number, number][]>();

  constructor(private readonly root: H5Writer) {}

  run(): Uint8Array {
    this.out.zeros(48); // superblock, patched at the end
    this.heaps();
    const rootAddr = this.group(this.root);
    this.out.align(8);
    const eof = this.out.n;
    const sb = new Buf();
    sb.bytes([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]).u8v(2).u8v(O).u8v(L).u8v(0);
    sb.u64(0).u64(UNDEF_ADDR).u64(eof).u64(rootAddr);
    sb.u32(lookup3(sb.done()));
    const bytes = this.out.done();
    bytes.set(sb.done(), 0);
    return bytes;
  }

  /** Lays out every variable-length string in global heap collections before the objects. */
  private heaps(): void {
    const values: H5WriteSpec[] = [];
    const visit = (g: H5WGroup) => {
      for (const a of g.attrs.values()) values.push(a);
      for (const c of g.children.values()) {
        if (c instanceof H5WGroup) visit(c);
        else {
          values.push(c.spec);
          for (const a of c.attrs.values()) values.push(a);
        }
      }
    };
    visit(this.root);
    let col: { items: Uint8Array[]; size: number } | null = null;
    const cols: { items: Uint8Array[]; size: number; refs: [number, number][] }[] = [];
    for (const v of values) {
      if (v.dtype !== 'string' || v.stringFormat === 'fixed') continue;
      const refs: [number, number, number][] = [];
      for (const s of Array.from(v.data as ArrayLike<string>)) {
        if (typeof s !== 'string') throw new Error(`H5Writer: string data holds a ${typeof s}`);
        const bytes = enc.encode(s);
        const need = 16 + Math.ceil(bytes.length / 8) * 8;
        if (!col || col.items.length >= 65535 || col.size + need > 1 << 30) {
          col = { items: [], size: 16, refs: [] } as (typeof cols)[number];
          cols.push(col as (typeof cols)[number]);
        }
        col.items.push(bytes);
        col.size += need;
        refs.push([bytes.length, cols.length - 1, col.items.length]);
      }
      this.refs.set(v, refs);
    }
    const addrs: number[] = [];
    for (const c of cols) {
      this.out.align(8);
      addrs.push(this.out.n);
      // at least 4096 bytes (HDF5's smallest collection), the rest one free-space object
      const total = Math.max(4096, c.size + 16);
      this.out.bytes(enc.encode('GCOL')).u8v(1).zeros(3).u64(total);
      c.items.forEach((item, i) => {
        this.out
          .u16(i + 1)
          .u16(1)
          .u32(0)
          .u64(item.length)
          .bytes(item)
          .align(8);
      });
      const free = total - c.size;
      this.out
        .u16(0)
        .u16(0)
        .u32(0)
        .u64(free)
        .zeros(free - 16);
    }
    for (const refs of this.refs.values()) for (const r of refs) r[1] = addrs[r[1]];
  }

  /** The encoded element bytes of a value. */
  private data(s: H5WriteSpec, n: number): Uint8Array {
    const t = s.dtype;
    if (t === 'string') {
      if (s.stringFormat === 'fixed') {
        const size = elementSize(s);
        const out = new Uint8Array(n * size);
        Array.from(s.data as ArrayLike<string>).forEach((x, i) => out.set(enc.encode(x), i * size));
        return out;
      }
      const b = new Buf();
      for (const [len, addr, idx] of this.refs.get(s)!) b.u32(len).u64(addr).u32(idx);
      return b.done();
    }
    const d = s.data as ArrayLike<unknown>;
    let arr: NumArray;
    switch (t) {
      case 'float16':
        arr = floatToHalf(Array.from(d as ArrayLike<number>, Number));
        break;
      case 'bool':
        arr = Uint8Array.from(d as ArrayLike<number | boolean>, (x) => (x ? 1 : 0));
        break;
      case 'int64':
        arr = BigInt64Array.from(d as ArrayLike<bigint | number>, (x) => BigInt(x));
        break;
      case 'uint64':
        arr = BigUint64Array.from(d as ArrayLike<bigint | number>, (x) => BigInt(x));
        break;
      default: {
        const ctor = DTYPE_OF.find(([, dt]) => dt === t)![0] as unknown as { from(a: ArrayLike<number>): NumArray };
        arr =
          d instanceof (ctor as unknown as typeof Float32Array) ? (d as NumArray) : ctor.from(d as ArrayLike<number>);
      }
    }
    // typed arrays are in the platform's order; every platform simdgrad runs on is little-endian
    return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  }

  private attrMessage(name: string, s: H5WriteSpec): Uint8Array {
    const n = checkSpec(s, `H5Writer: attribute '${name}'`);
    const nameBytes = enc.encode(name);
    const dt = datatype(s);
    const ds = dataspace(s.shape);
    const data = this.data(s, n);
    const b = new Buf();
    b.u8v(3)
      .u8v(0)
      .u16(nameBytes.length + 1)
      .u16(dt.length)
      .u16(ds.length)
      .u8v(1);
    b.bytes(nameBytes).u8v(0).bytes(dt).bytes(ds).bytes(data);
    if (b.n > 0xffff)
      throw new Error(
        `H5Writer: attribute '${name}' takes ${b.n} bytes, over the 64 KiB an attribute message holds (store large text as a string attribute, which lives in the global heap, or as a dataset)`,
      );
    return b.done();
  }

  /** Writes a version-2 object header with these messages; returns its address. */
  private header(msgs: [number, number, Uint8Array][]): number {
    const body = new Buf();
    for (const [type, flags, data] of msgs) {
      if (data.length > 0xffff) throw new Error(`H5Writer: a header message of ${data.length} bytes exceeds 64 KiB`);
      body.u8v(type).u16(data.length).u8v(flags).bytes(data);
    }
    const h = new Buf();
    h.bytes(enc.encode('OHDR')).u8v(2).u8v(0x02).u32(body.n).bytes(body.done());
    h.u32(lookup3(h.done()));
    this.out.align(8);
    const addr = this.out.n;
    this.out.bytes(h.done());
    return addr;
  }

  /**
   * The attribute info message (compact storage: no heap, no index) and the attribute messages.
   * HDF5 counts a version-2 header's attributes through the info message: without it h5py's
   * len(obj.attrs) is 0 although iteration finds them.
   */
  private attrs(attrs: Map<string, H5WriteSpec>): [number, number, Uint8Array][] {
    const info = new Buf().u8v(0).u8v(0).u64(UNDEF_ADDR).u64(UNDEF_ADDR).done();
    return [
      [0x15, 0, info],
      ...[...attrs].map(([name, s]): [number, number, Uint8Array] => [0x0c, 0, this.attrMessage(name, s)]),
    ];
  }

  private dataset(d: H5WDataset): number {
    const s = d.spec;
    const n = checkSpec(s, `H5Writer: dataset '${d.path}'`);
    const data = this.data(s, n);
    let addr = -1;
    if (data.length) {
      this.out.align(8);
      addr = this.out.n;
      this.out.bytes(data);
    }
    const layout = new Buf().u8v(3).u8v(1);
    if (addr < 0) layout.u64(UNDEF_ADDR);
    else layout.u64(addr);
    layout.u64(data.length);
    const fill = new Uint8Array([3, 0x0a]); // late allocation, fill written if set, no value defined
    return this.header([
      [0x01, 0, dataspace(s.shape)],
      [0x03, 1, datatype(s)],
      [0x05, 1, fill],
      [0x08, 0, layout.done()],
      ...this.attrs(d.attrs),
    ]);
  }

  private group(g: H5WGroup): number {
    const links: [number, number, Uint8Array][] = [];
    for (const [name, c] of g.children) {
      const addr = c instanceof H5WGroup ? this.group(c) : this.dataset(c);
      const nb = enc.encode(name);
      const b = new Buf();
      if (nb.length > 0xffff) throw new Error(`H5Writer: link name of ${nb.length} bytes is too long`);
      const wide = nb.length > 255;
      b.u8v(1)
        .u8v(0x10 | (wide ? 1 : 0))
        .u8v(1);
      if (wide) b.u16(nb.length);
      else b.u8v(nb.length);
      b.bytes(nb).u64(addr);
      links.push([0x06, 0, b.done()]);
    }
    const linkInfo = new Buf().u8v(0).u8v(0).u64(UNDEF_ADDR).u64(UNDEF_ADDR).done();
    const groupInfo = new Uint8Array([0, 0]);
    return this.header([[0x02, 0, linkInfo], [0x0a, 0, groupInfo], ...links, ...this.attrs(g.attrs)]);
  }
}
