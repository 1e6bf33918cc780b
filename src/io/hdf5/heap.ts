// HDF5 heaps: the local heap (link names of symbol-table groups) and the fractal heap (dense link
// and attribute storage: managed objects in direct blocks under a doubling table of indirect
// blocks, huge objects through their v2 B-tree, tiny objects inside the heap ID).
import { Cursor, H5Bytes, UNDEF, lookup3 as lookup3Of } from './bytes.js';
import { v2Records } from './btree.js';

/** A local heap: its data segment, from which names are read null-terminated. */
export class LocalHeap {
  readonly pos: number;
  readonly size: number;
  constructor(
    private readonly b: H5Bytes,
    addr: number,
    private readonly what: string,
  ) {
    const w = `${what}: local heap at ${addr}`;
    const c = new Cursor(b, b.at(addr, 8, w), w);
    c.sig('HEAP');
    if (c.u8() !== 0) b.fail(w, 'version is not 0');
    c.skip(3);
    this.size = c.len('data segment size');
    c.len('free list offset', Number.MAX_SAFE_INTEGER);
    const data = c.addr();
    this.pos = b.at(data, this.size, `${w}: data segment`);
  }

  /** The null-terminated string at `offset` in the data segment. */
  string(offset: number): string {
    if (offset >= this.size)
      this.b.fail(`${this.what}: local heap`, `offset ${offset} is past the ${this.size}-byte data segment`);
    const u = this.b.u8;
    const end = this.pos + this.size;
    let z = this.pos + offset;
    while (z < end && u[z] !== 0) z++;
    if (z >= end)
      this.b.fail(`${this.what}: local heap`, `string at offset ${offset} is not terminated inside the data segment`);
    return new TextDecoder().decode(u.subarray(this.pos + offset, z));
  }
}

/** A fractal heap: resolves heap IDs to the bytes of their objects. */
export class FractalHeap {
  private readonly w: string;
  private readonly idLength: number;
  private readonly maxManaged: number;
  private readonly hugeBtree: number;
  private readonly width: number;
  private readonly startSize: number;
  private readonly maxDirect: number;
  private readonly offBytes: number;
  private readonly lenBytes: number;
  private readonly checksummed: boolean;
  private readonly maxDirectRows: number;
  /** Direct blocks: [heap offset, absolute position, size]. */
  private readonly blocks: [number, number, number][] = [];
  private huge: Map<number, [number, number]> | null = null;

  constructor(
    private readonly b: H5Bytes,
    private readonly addr: number,
    what: string,
  ) {
    const w = (this.w = `${what}: fractal heap at ${addr}`);
    const p = b.at(addr, 20, w);
    b.sig(p, 'FRHP', w);
    b.need(p, 9, w);
    const filterLen = b.dv.getUint16(p + 7, true);
    if (filterLen) b.fail(w, 'filtered fractal heaps (I/O filters on heap blocks) are not supported');
    b.checksum(p, 22 + 12 * b.lengthSize + 3 * b.offsetSize, w); // before any field is trusted
    const c = new Cursor(b, p + 4, w);
    if (c.u8() !== 0) b.fail(w, 'version is not 0');
    this.idLength = c.u16();
    c.u16();
    const flags = c.u8();
    this.checksummed = (flags & 2) !== 0;
    this.maxManaged = c.u32();
    c.len('next huge ID', Number.MAX_SAFE_INTEGER);
    this.hugeBtree = c.addr();
    c.len('free space', Number.MAX_SAFE_INTEGER);
    c.addr();
    for (let i = 0; i < 8; i++) c.len('heap statistics', Number.MAX_SAFE_INTEGER);
    this.width = c.u16();
    this.startSize = c.len('starting block size');
    this.maxDirect = c.len('maximum direct block size', Number.MAX_SAFE_INTEGER);
    const maxHeapBits = c.u16();
    c.u16();
    const root = c.addr();
    const rootRows = c.u16();
    const pow2 = (x: number) => x > 0 && 2 ** Math.round(Math.log2(x)) === x;
    if (
      !pow2(this.startSize) ||
      !pow2(this.maxDirect) ||
      this.maxDirect < this.startSize ||
      this.width === 0 ||
      this.width > 1 << 16 ||
      maxHeapBits > 64 ||
      maxHeapBits === 0
    ) {
      b.fail(
        w,
        `doubling table (width ${this.width}, start ${this.startSize}, max direct ${this.maxDirect}, ${maxHeapBits} bits) is not plausible`,
      );
    }
    this.offBytes = Math.ceil(maxHeapBits / 8);
    const limitEnc = (x: number) => Math.floor(Math.log2(x) / 8) + 1;
    this.lenBytes = Math.min(limitEnc(this.maxDirect), limitEnc(Math.max(1, this.maxManaged)));
    this.maxDirectRows = Math.log2(this.maxDirect) - Math.log2(this.startSize) + 2;
    if (root !== UNDEF) {
      if (rootRows === 0) this.direct(root, 0, this.startSize);
      else this.indirect(root, 0, rootRows, 0, new Set());
    }
  }

  private rowSize(r: number): number {
    return r === 0 ? this.startSize : this.startSize * 2 ** (r - 1);
  }

  private direct(addr: number, offset: number, size: number): void {
    const w = `${this.w}: direct block at ${addr}`;
    const p = this.b.at(addr, size, w);
    const c = new Cursor(this.b, p, w, p + size);
    c.sig('FHDB');
    if (c.u8() !== 0) this.b.fail(w, 'version is not 0');
    if (c.addr() !== this.addr) this.b.fail(w, 'does not point back at its heap');
    const off = c.uint(this.offBytes, 'block offset');
    if (off !== offset) this.b.fail(w, `block offset ${off}, expected ${offset}`);
    if (this.checksummed) {
      // The checksum covers the whole block with the checksum field zeroed.
      const copy = this.b.u8.slice(p, p + size);
      const at = c.pos - p;
      const want = this.b.dv.getUint32(c.pos, true);
      copy.fill(0, at, at + 4);
      if (lookup3Of(copy) !== want) this.b.fail(w, 'checksum mismatch');
    }
    if (this.blocks.length > this.b.length / 16) this.b.fail(w, 'more direct blocks than the file could hold');
    this.blocks.push([offset, p, size]);
  }

  private indirect(addr: number, offset: number, rows: number, depth: number, seen: Set<number>): void {
    const w = `${this.w}: indirect block at ${addr}`;
    if (seen.has(addr)) this.b.fail(w, 'visited twice (a cycle)');
    if (depth > 32) this.b.fail(w, 'nested deeper than any real heap');
    seen.add(addr);
    const p = this.b.at(addr, 16, w);
    const c = new Cursor(this.b, p, w);
    c.sig('FHIB');
    if (c.u8() !== 0) this.b.fail(w, 'version is not 0');
    if (c.addr() !== this.addr) this.b.fail(w, 'does not point back at its heap');
    const off = c.uint(this.offBytes, 'block offset');
    if (off !== offset) this.b.fail(w, `block offset ${off}, expected ${offset}`);
    if (rows > 64) this.b.fail(w, `${rows} rows is not plausible`);
    const children: [number, number, number, number][] = [];
    let o = offset;
    for (let r = 0; r < rows; r++) {
      const size = this.rowSize(r);
      for (let k = 0; k < this.width; k++) {
        const child = c.addr();
        children.push([child, o, size, r]);
        o += size;
      }
    }
    this.b.checksum(p, c.pos - p, w);
    for (const [child, coff, size, r] of children) {
      if (child === UNDEF) continue;
      if (r < this.maxDirectRows) this.direct(child, coff, size);
      else {
        const childRows = Math.log2(size) - Math.log2(this.startSize * this.width) + 1;
        this.indirect(child, coff, childRows, depth + 1, seen);
      }
    }
  }

  /** The bytes of the object with heap ID `id`. */
  object(id: Uint8Array): Uint8Array {
    const w = `${this.w}: heap ID`;
    if (id.length < 1) this.b.fail(w, 'is empty');
    const type = (id[0] >> 4) & 3;
    if (id[0] >> 6 !== 0) this.b.fail(w, `version ${id[0] >> 6} is not known`);
    if (type === 2) {
      // tiny: the object is inside the ID
      const ext = this.idLength > 18;
      const len = ext ? (((id[0] & 0x0f) << 8) | id[1]) + 1 : (id[0] & 0x0f) + 1;
      const start = ext ? 2 : 1;
      if (start + len > id.length) this.b.fail(w, `tiny object of ${len} bytes in a ${id.length}-byte ID`);
      return id.subarray(start, start + len);
    }
    if (type === 1) return this.hugeObject(id);
    if (type !== 0) this.b.fail(w, `object type ${type} is not known`);
    const c = new Cursor(new H5Bytes(id, this.b.file), 1, w);
    const off = c.uint(this.offBytes, 'object offset');
    const len = c.uint(this.lenBytes, 'object length');
    for (const [boff, pos, size] of this.blocks) {
      if (off >= boff && off + len <= boff + size) return this.b.u8.subarray(pos + off - boff, pos + off - boff + len);
    }
    return this.b.fail(w, `managed object at heap offset ${off} (${len} bytes) is in no direct block`);
  }

  private hugeObject(id: Uint8Array): Uint8Array {
    const w = `${this.w}: huge object`;
    const c = new Cursor(new H5Bytes(id, this.b.file), 1, w);
    const O = this.b.offsetSize;
    const L = this.b.lengthSize;
    if (id.length >= 1 + O + L) {
      // directly addressed: the ID holds the address and length
      c.b.offsetSize = O;
      c.b.lengthSize = L;
      const addr = c.addr();
      const len = c.uint(L, 'length');
      return this.b.slice(this.b.at(addr, len, w), len, w);
    }
    if (!this.huge) {
      this.huge = new Map();
      if (this.hugeBtree === UNDEF) this.b.fail(w, 'the heap has no huge-object B-tree');
      v2Records(this.b, this.hugeBtree, this.w, (pos, h) => {
        if (h.type !== 1)
          this.b.fail(w, `huge-object B-tree has record type ${h.type} (filtered huge objects are not supported)`);
        const r = new Cursor(this.b, pos, w, pos + h.recordSize);
        const addr = r.addr();
        const len = r.len('object length');
        const hid = r.len('object ID', Number.MAX_SAFE_INTEGER);
        this.huge!.set(hid, [addr, len]);
      });
    }
    const hid = c.uint(Math.min(id.length - 1, L), 'huge object ID');
    const e = this.huge.get(hid);
    if (!e) this.b.fail(w, `ID ${hid} is not in the huge-object B-tree`);
    return this.b.slice(this.b.at(e[0], e[1], w), e[1], w);
  }
}
