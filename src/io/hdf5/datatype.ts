// HDF5 datatypes: the datatype message (fixed-point, IEEE float, fixed and variable-length
// strings, enums such as h5py's bool) and the decoding of raw element bytes into typed arrays or
// strings, variable-length strings through the global heap. Other classes (compound, array,
// reference, opaque, bitfield, vlen sequences) fail with an error naming the class.
import { Cursor, H5Bytes, UNDEF } from './bytes.js';

/** The element types read and written. float16 data are widened to a Float32Array; int64/uint64 are BigInt arrays. */
export type H5DType =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

export type H5Array =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A parsed datatype message. */
export interface DType {
  dtype: H5DType;
  /** Bytes per element in the file. */
  size: number;
  bigEndian: boolean;
  /** Strings: 'fixed' (size bytes each) or 'vlen' (a global-heap reference each). */
  strKind?: 'fixed' | 'vlen';
  /** Fixed strings: 0 null-terminated, 1 null-padded, 2 space-padded. */
  strPad?: number;
  /** 0 ASCII, 1 UTF-8. */
  charset?: number;
}

const CLASS_NAMES = [
  'fixed-point',
  'floating-point',
  'time',
  'string',
  'bitfield',
  'opaque',
  'compound',
  'reference',
  'enum',
  'variable-length',
  'array',
  'complex',
];

/** Parses a datatype message at the cursor (consumes exactly its encoding). */
export function parseDatatype(c: Cursor, what: string): DType {
  const cv = c.u8();
  const cls = cv & 0x0f;
  const version = cv >> 4;
  const b0 = c.u8();
  const b1 = c.u8();
  c.u8();
  const size = c.u32();
  const fail = (m: string): never => c.b.fail(what, m);
  if (version < 1 || version > 5) fail(`datatype version ${version} is not known`);
  if (size === 0 || size > 1 << 20) fail(`element size ${size} is not plausible`);
  switch (cls) {
    case 0: {
      c.skip(4); // bit offset, precision
      const signed = (b0 & 0x08) !== 0;
      const bits = size * 8;
      if (![1, 2, 4, 8].includes(size)) fail(`${size}-byte integers are not supported`);
      return { dtype: `${signed ? 'int' : 'uint'}${bits}` as H5DType, size, bigEndian: (b0 & 1) === 1 };
    }
    case 1: {
      c.skip(4);
      c.skip(4); // exponent/mantissa locations and sizes
      c.skip(4); // exponent bias
      if (b0 & 0x40) fail('VAX-order floats are not supported');
      const dtype =
        size === 2
          ? 'float16'
          : size === 4
            ? 'float32'
            : size === 8
              ? 'float64'
              : fail(`${size}-byte floats are not supported`);
      return { dtype, size, bigEndian: (b0 & 1) === 1 };
    }
    case 3:
      return { dtype: 'string', size, bigEndian: false, strKind: 'fixed', strPad: b0 & 0x0f, charset: b0 >> 4 };
    case 8: {
      const n = b0 | (b1 << 8);
      const base = parseDatatype(c, what);
      if (base.dtype === 'string' || base.dtype.startsWith('float'))
        fail('enums over non-integer types are not supported');
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const start = c.pos;
        let end = start;
        while (end < c.end && c.b.u8[end] !== 0) end++;
        if (end >= c.end) fail('enum member name runs past the message');
        names.push(new TextDecoder().decode(c.b.u8.subarray(start, end)));
        c.pos = end + 1;
        if (version < 3) c.align(8, start);
      }
      c.skip(n * base.size);
      // h5py's bool is an enum {FALSE: 0, TRUE: 1} over int8.
      if (n === 2 && names[0] === 'FALSE' && names[1] === 'TRUE' && base.size === 1)
        return { dtype: 'bool', size: 1, bigEndian: false };
      return base;
    }
    case 9: {
      const type = b0 & 0x0f;
      const base = parseDatatype(c, what);
      if (type !== 1) fail('variable-length sequences (other than strings) are not supported');
      void base;
      return { dtype: 'string', size, bigEndian: false, strKind: 'vlen', strPad: (b0 >> 4) & 0x0f, charset: b1 & 0x0f };
    }
    default:
      return fail(`datatype class ${cls} (${CLASS_NAMES[cls] ?? 'unknown'}) is not supported`);
  }
}

const utf8 = new TextDecoder('utf-8');

/** Global heap collections, parsed once each: address -> (object index -> [position, size]). */
export class GlobalHeaps {
  private readonly cols = new Map<number, Map<number, [number, number]>>();
  constructor(private readonly b: H5Bytes) {}

  object(addr: number, index: number, what: string): Uint8Array {
    let col = this.cols.get(addr);
    if (!col) {
      col = this.parse(addr, what);
      this.cols.set(addr, col);
    }
    const o = col.get(index);
    if (!o) this.b.fail(what, `global heap object ${index} is not in the collection at ${addr}`);
    return this.b.u8.subarray(o[0], o[0] + o[1]);
  }

  private parse(addr: number, what: string): Map<number, [number, number]> {
    const w = `${what}: global heap collection at ${addr}`;
    const b = this.b;
    const p = b.at(addr, 16, w);
    const c = new Cursor(b, p, w);
    c.sig('GCOL');
    if (c.u8() !== 1) b.fail(w, 'version is not 1');
    c.skip(3);
    const size = c.len('collection size');
    b.need(p, size, w);
    const end = p + size;
    const inner = new Cursor(b, c.pos, w, end);
    const out = new Map<number, [number, number]>();
    while (inner.left >= 8 + b.lengthSize) {
      const idx = inner.u16();
      if (idx === 0) break; // free space: the rest of the collection
      inner.skip(6);
      const osize = inner.len('object size', end - inner.pos);
      const start = inner.pos;
      inner.skip(osize);
      inner.align(8, start);
      out.set(idx, [start, osize]);
    }
    return out;
  }
}

/** A little-endian address of `n` bytes in `u` at `p`; UNDEF when all bits are set. */
export function readAddr(u: Uint8Array, p: number, n: number): number {
  let v = 0;
  let ones = true;
  for (let i = n - 1; i >= 0; i--) {
    v = v * 256 + u[p + i];
    if (u[p + i] !== 0xff) ones = false;
  }
  return ones ? UNDEF : v;
}

function decodeString(bytes: Uint8Array, pad: number): string {
  let end = bytes.length;
  if (pad === 0 || pad === 1) {
    const z = bytes.indexOf(0);
    if (z >= 0) end = z;
  } else if (pad === 2) {
    while (end > 0 && bytes[end - 1] === 0x20) end--;
  }
  return utf8.decode(bytes.subarray(0, end));
}

/** Decodes `n` elements of type `t` from `raw` (exactly n * t.size bytes). */
export function decodeValues(
  b: H5Bytes,
  t: DType,
  raw: Uint8Array,
  n: number,
  what: string,
  heaps: GlobalHeaps,
): H5Array {
  if (raw.length !== n * t.size) b.fail(what, `holds ${raw.length} bytes for ${n} elements of ${t.size} bytes`);
  if (t.dtype === 'string') {
    const out: string[] = new Array(n);
    if (t.strKind === 'fixed') {
      for (let i = 0; i < n; i++) out[i] = decodeString(raw.subarray(i * t.size, (i + 1) * t.size), t.strPad ?? 0);
      return out;
    }
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const O = b.offsetSize;
    if (t.size !== 4 + O + 4) b.fail(what, `variable-length string element of ${t.size} bytes (expected ${8 + O})`);
    for (let i = 0; i < n; i++) {
      const o = i * t.size;
      const len = dv.getUint32(o, true);
      const addr = readAddr(raw, o + 4, O);
      const index = dv.getUint32(o + 4 + O, true);
      if (addr === UNDEF || addr === 0 || len === 0) {
        out[i] = '';
        continue;
      }
      const obj = heaps.object(addr, index, what);
      if (len > obj.length) b.fail(what, `variable-length string of ${len} bytes in a ${obj.length}-byte heap object`);
      out[i] = decodeString(obj.subarray(0, len), 1);
    }
    return out;
  }
  const size = t.size;
  const copy = new Uint8Array(n * size);
  if (t.bigEndian && size > 1) {
    for (let i = 0; i < n; i++) for (let k = 0; k < size; k++) copy[i * size + k] = raw[i * size + size - 1 - k];
  } else copy.set(raw);
  const buf = copy.buffer;
  switch (t.dtype) {
    case 'float16':
      return halfToFloat(new Uint16Array(buf));
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint8':
    case 'bool':
      return copy;
    case 'int16':
      return new Int16Array(buf);
    case 'uint16':
      return new Uint16Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'uint32':
      return new Uint32Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'uint64':
      return new BigUint64Array(buf);
  }
}

/** IEEE half-precision bits to float32 values (exact: every half is a float32). */
export function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i];
    const s = x & 0x8000 ? -1 : 1;
    const e = (x >> 10) & 0x1f;
    const m = x & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** float32 values to IEEE half-precision bits, rounding to nearest even (for the writer). */
export function floatToHalf(f: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(f.length);
  const fb = new Float32Array(1);
  const ub = new Uint32Array(fb.buffer);
  for (let i = 0; i < f.length; i++) {
    fb[0] = f[i];
    const x = ub[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let h = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const half = 1 << (shift - 1);
      if (rem > half || (rem === half && h & 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    out[i] = sign | h;
  }
  return out;
}
