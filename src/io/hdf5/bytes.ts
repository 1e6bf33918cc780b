// Bounds-checked little-endian reads over an HDF5 file held in memory, Jenkins' lookup3 hash (the
// checksum of every version-2 structure) and HDF5's Fletcher-32. Every read checks its range
// against the file first, so a lying offset or size fails with an error naming the file and the
// structure, never an out-of-range read or an allocation the file cannot justify.

/** The error every malformed-file path throws: "<file>: <structure>: <what is wrong>". */
export class H5Error extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'H5Error';
  }
}

/** The undefined address (all bits set) as it decodes here. */
export const UNDEF = -1;

/** A read-only view of the file with the sizes of offsets and lengths from the superblock. */
export class H5Bytes {
  readonly dv: DataView;
  offsetSize = 8;
  lengthSize = 8;
  /** The superblock's group leaf node K (a symbol table node holds at most 2K entries). */
  groupLeafK = 4;
  /** Absolute position of address 0 (the superblock's base address; non-zero with a userblock). */
  base = 0;

  readonly u8: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly file: string,
  ) {
    // A plain Uint8Array view: on a Node Buffer, slice() would share memory instead of copying.
    this.u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.u8.length;
  }

  fail(what: string, msg: string): never {
    throw new H5Error(this.file, `${what}: ${msg}`);
  }

  /** Checks that [pos, pos + len) is inside the file. */
  need(pos: number, len: number, what: string): void {
    if (!(
      Number.isSafeInteger(pos) &&
      Number.isSafeInteger(len) &&
      pos >= 0 &&
      len >= 0 &&
      pos + len <= this.u8.length
    )) {
      this.fail(
        what,
        `${len} bytes at offset ${pos} lie outside the ${this.u8.length}-byte file (truncated or corrupt)`,
      );
    }
  }

  /** The absolute position of file address `addr`, checked to leave `len` bytes. */
  at(addr: number, len: number, what: string): number {
    if (addr === UNDEF) this.fail(what, 'the address is undefined');
    const pos = this.base + addr;
    this.need(pos, len, what);
    return pos;
  }

  slice(pos: number, len: number, what: string): Uint8Array {
    this.need(pos, len, what);
    return this.u8.subarray(pos, pos + len);
  }

  /** Checks the 4-byte signature at `pos`. */
  sig(pos: number, s: string, what: string): void {
    this.need(pos, 4, what);
    for (let i = 0; i < 4; i++) {
      if (this.u8[pos + i] !== s.charCodeAt(i)) {
        const got = String.fromCharCode(...this.u8.subarray(pos, pos + 4)).replace(/[^\x20-\x7e]/g, '?');
        this.fail(what, `expected signature '${s}' at offset ${pos}, found '${got}'`);
      }
    }
  }

  /** Verifies the lookup3 checksum stored at `pos + len` over [pos, pos + len). */
  checksum(pos: number, len: number, what: string): void {
    this.need(pos, len + 4, what);
    const want = this.dv.getUint32(pos + len, true);
    const got = lookup3(this.u8.subarray(pos, pos + len));
    if (want !== got)
      this.fail(
        what,
        `checksum mismatch at offset ${pos + len} (stored ${want.toString(16)}, computed ${got.toString(16)})`,
      );
  }
}

/** A cursor over H5Bytes that advances as it reads; every read is bounds-checked. */
export class Cursor {
  constructor(
    readonly b: H5Bytes,
    public pos: number,
    readonly what: string,
    /** Reads past this absolute position are errors (the end of the enclosing structure). */
    readonly end = b.length,
  ) {
    if (end > b.length) b.fail(what, `ends at ${end}, past the ${b.length}-byte file`);
  }

  private take(n: number): number {
    const p = this.pos;
    if (!(n >= 0 && p + n <= this.end)) {
      this.b.fail(
        this.what,
        `needs ${n} bytes at offset ${p}, but ${p + n > this.b.length ? 'the file ends' : 'the structure ends'} at ${Math.min(this.end, this.b.length)} (truncated or corrupt)`,
      );
    }
    this.pos = p + n;
    return p;
  }

  u8(): number {
    return this.b.u8[this.take(1)];
  }
  u16(): number {
    return this.b.dv.getUint16(this.take(2), true);
  }
  u32(): number {
    return this.b.dv.getUint32(this.take(4), true);
  }
  /** An unsigned little-endian integer of `n` bytes (0..8). */
  uint(n: number, field = 'value'): number {
    const p = this.take(n);
    const u = this.b.u8;
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + u[p + i];
    if (!Number.isSafeInteger(v)) this.b.fail(this.what, `${field} ${v} is beyond 2^53`);
    return v;
  }
  /** A file address (size of offsets bytes), or UNDEF. */
  addr(): number {
    const n = this.b.offsetSize;
    const p = this.pos;
    if (p + n <= this.end) {
      let allOnes = true;
      for (let i = 0; i < n; i++) if (this.b.u8[p + i] !== 0xff) allOnes = false;
      if (allOnes) {
        this.pos += n;
        return UNDEF;
      }
    }
    return this.uint(n, 'address');
  }
  /** A length (size of lengths bytes), checked to be at most `max` (default: the file's length). */
  len(field: string, max = this.b.length): number {
    const v = this.uint(this.b.lengthSize, field);
    if (v > max) this.b.fail(this.what, `${field} ${v} exceeds ${max} (what the file could hold)`);
    return v;
  }
  bytes(n: number): Uint8Array {
    const p = this.take(n);
    return this.b.u8.subarray(p, p + n);
  }
  skip(n: number): void {
    this.take(n);
  }
  /** Moves to the next multiple of `a` relative to `from`. */
  align(a: number, from: number): void {
    const r = (this.pos - from) % a;
    if (r) this.skip(a - r);
  }
  sig(s: string): void {
    this.b.sig(this.pos, s, this.what);
    this.pos += 4;
  }
  get left(): number {
    return this.end - this.pos;
  }
}

function rot(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Bob Jenkins' lookup3 hashlittle, as HDF5's H5_checksum_lookup3 (initval 0). */
export function lookup3(k: Uint8Array, initval = 0): number {
  let length = k.length;
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let o = 0;
  const w = (i: number) => k[o + i] | (k[o + i + 1] << 8) | (k[o + i + 2] << 16) | (k[o + i + 3] << 24);
  while (length > 12) {
    a = (a + w(0)) >>> 0;
    b = (b + w(4)) >>> 0;
    c = (c + w(8)) >>> 0;
    // mix
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    length -= 12;
    o += 12;
  }
  if (length === 0) return c;
  const byte = (i: number) => (i < length ? k[o + i] : 0);
  a = (a + (byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24))) >>> 0;
  b = (b + (byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24))) >>> 0;
  c = (c + (byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24))) >>> 0;
  // final
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return c;
}

/** HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit big-endian words, folded every 360 words. */
export function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  let len = data.length >>> 1;
  let i = 0;
  while (len) {
    let t = len > 360 ? 360 : len;
    len -= t;
    do {
      sum1 += (data[i] << 8) | data[i + 1];
      i += 2;
      sum2 += sum1;
    } while (--t);
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length & 1) {
    sum1 += data[i] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}
