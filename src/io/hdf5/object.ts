// HDF5 object headers (version 1 and version 2, with continuation blocks) and the messages that
// describe datasets, attributes and link groups: dataspace, layout, filter pipeline, fill value,
// link, link info, symbol table, attribute and attribute info.
import { Cursor, H5Bytes, UNDEF } from './bytes.js';
import { DType, GlobalHeaps, H5Array, decodeValues, parseDatatype } from './datatype.js';

export const MSG = {
  NIL: 0x00,
  DATASPACE: 0x01,
  LINK_INFO: 0x02,
  DATATYPE: 0x03,
  FILL_OLD: 0x04,
  FILL: 0x05,
  LINK: 0x06,
  EXTERNAL_FILES: 0x07,
  LAYOUT: 0x08,
  GROUP_INFO: 0x0a,
  FILTERS: 0x0b,
  ATTRIBUTE: 0x0c,
  CONTINUATION: 0x10,
  SYMBOL_TABLE: 0x11,
  ATTRIBUTE_INFO: 0x15,
} as const;

/** One message of an object header: its type, flags and the absolute range of its body. */
export interface Message {
  type: number;
  flags: number;
  pos: number;
  size: number;
}

/** Reads every message of the object header at `addr`, following continuation blocks (cycles rejected). */
export function readObjectHeader(b: H5Bytes, addr: number, what: string): Message[] {
  const w = `${what}: object header at ${addr}`;
  const p = b.at(addr, 16, w);
  const msgs: Message[] = [];
  const seen = new Set<number>([addr]);
  const conts: [number, number][] = [];
  const continuation = (m: Message) => {
    const c = new Cursor(b, m.pos, `${w}: continuation message`, m.pos + m.size);
    const off = c.addr();
    const len = c.len('continuation length');
    if (seen.has(off)) b.fail(w, `continuation block at ${off} is visited twice (a cycle)`);
    seen.add(off);
    conts.push([off, len]);
  };
  if (b.u8[p] === 1) {
    // Version 1: 16-byte prefix, messages 8-byte aligned.
    const c = new Cursor(b, p, w);
    c.skip(2);
    const nmsgs = c.u16();
    c.skip(4);
    const size = c.u32();
    b.need(p + 16, size, w);
    const scan = (start: number, end: number) => {
      const m = new Cursor(b, start, w, end);
      while (m.left >= 8) {
        const type = m.u16();
        const msize = m.u16();
        const flags = m.u8();
        m.skip(3);
        const pos = m.pos;
        m.skip(msize);
        const msg = { type, flags, pos, size: msize };
        msgs.push(msg);
        if (type === MSG.CONTINUATION) continuation(msg);
        if (msgs.length > nmsgs + 1024) b.fail(w, `more messages than the ${nmsgs} its prefix counts`);
      }
    };
    scan(p + 16, p + 16 + size);
    while (conts.length) {
      const [off, len] = conts.shift()!;
      const cp = b.at(off, len, `${w}: continuation block`);
      scan(cp, cp + len);
    }
    return msgs;
  }
  b.sig(p, 'OHDR', w);
  const c = new Cursor(b, p + 4, w);
  const version = c.u8();
  if (version !== 2) b.fail(w, `object header version ${version} is not known`);
  const flags = c.u8();
  if (flags & 0x20) c.skip(16);
  if (flags & 0x10) c.skip(4);
  const chunk0 = c.uint(1 << (flags & 3), 'chunk size');
  const start = c.pos;
  b.need(start, chunk0 + 4, w);
  b.checksum(p, start + chunk0 - p, w);
  const hdr = flags & 0x04 ? 6 : 4;
  const scan = (s: number, end: number) => {
    const m = new Cursor(b, s, w, end);
    while (m.left >= hdr) {
      const type = m.u8();
      const msize = m.u16();
      const mflags = m.u8();
      if (flags & 0x04) m.skip(2);
      const pos = m.pos;
      m.skip(msize);
      const msg = { type, flags: mflags, pos, size: msize };
      msgs.push(msg);
      if (type === MSG.CONTINUATION) continuation(msg);
    }
  };
  scan(start, start + chunk0);
  while (conts.length) {
    const [off, len] = conts.shift()!;
    const cw = `${w}: continuation block at ${off}`;
    const cp = b.at(off, len, cw);
    if (len < 8) b.fail(cw, `length ${len} is too small`);
    b.sig(cp, 'OCHK', cw);
    b.checksum(cp, len - 4, cw);
    scan(cp + 4, cp + len - 4);
  }
  return msgs;
}

/** A dataspace: the shape (null for a null dataspace, [] for a scalar) and maximum shape (-1: unlimited). */
export interface Space {
  shape: number[] | null;
  maxShape: number[] | null;
}

export function parseDataspace(b: H5Bytes, pos: number, size: number, what: string): Space {
  const c = new Cursor(b, pos, `${what}: dataspace`, pos + size);
  const version = c.u8();
  const rank = c.u8();
  const flags = c.u8();
  let type = 1;
  if (version === 1) {
    c.skip(5);
    if (rank === 0) type = 0;
  } else if (version === 2) type = c.u8();
  else b.fail(`${what}: dataspace`, `version ${version} is not known`);
  if (rank > 32) b.fail(`${what}: dataspace`, `rank ${rank} exceeds HDF5's 32`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(c.len(`dimension ${i}`, Number.MAX_SAFE_INTEGER));
  let maxShape: number[] | null = null;
  if (flags & 1) {
    maxShape = [];
    for (let i = 0; i < rank; i++) {
      const v = c.addr(); // all bits set: unlimited
      maxShape.push(v === UNDEF ? -1 : v);
    }
  }
  if (type === 2) return { shape: null, maxShape: null };
  return { shape: type === 0 ? [] : shape, maxShape };
}

export function count(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A decoded attribute or dataset value: shape, element type and data. */
export interface H5Value {
  shape: number[];
  dtype: string;
  data: H5Array;
}

/** Parses an attribute message into its name and value. */
export function parseAttribute(
  b: H5Bytes,
  pos: number,
  size: number,
  what: string,
  heaps: GlobalHeaps,
): [string, H5Value] {
  const w = `${what}: attribute message`;
  const c = new Cursor(b, pos, w, pos + size);
  const version = c.u8();
  if (version < 1 || version > 3) b.fail(w, `version ${version} is not known`);
  const flags = c.u8();
  if (flags & 3) b.fail(w, 'shared (committed) datatypes or dataspaces in attributes are not supported');
  const nameSize = c.u16();
  const dtSize = c.u16();
  const dsSize = c.u16();
  if (version === 3) c.u8(); // name character set
  const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
  const nameBytes = c.bytes(pad(nameSize));
  const z = nameBytes.indexOf(0);
  const name = new TextDecoder().decode(nameBytes.subarray(0, z >= 0 && z < nameSize ? z : nameSize));
  const aw = `${what}: attribute '${name}'`;
  const dtPos = c.pos;
  c.skip(pad(dtSize));
  const dt = parseDatatype(new Cursor(b, dtPos, aw, dtPos + dtSize), aw);
  const dsPos = c.pos;
  c.skip(pad(dsSize));
  const space = parseDataspace(b, dsPos, dsSize, aw);
  if (!space.shape) return [name, { shape: [], dtype: dt.dtype, data: dt.dtype === 'string' ? [] : new Uint8Array(0) }];
  const n = count(space.shape);
  if (n * dt.size > c.left)
    b.fail(aw, `${n} elements of ${dt.size} bytes do not fit in the ${c.left} bytes left in its message`);
  const raw = c.bytes(n * dt.size);
  return [name, { shape: space.shape, dtype: dt.dtype, data: decodeValues(b, dt, raw, n, aw, heaps) }];
}

/** A link in a group: hard (to an object header address), soft (a path) or external. */
export type Link =
  { kind: 'hard'; addr: number } | { kind: 'soft'; path: string } | { kind: 'external'; file: string; path: string };

/** Parses a link message (also the records of dense link storage). */
export function parseLink(b: H5Bytes, pos: number, size: number, what: string): [string, Link] {
  const w = `${what}: link message`;
  const c = new Cursor(b, pos, w, pos + size);
  if (c.u8() !== 1) b.fail(w, 'version is not 1');
  const flags = c.u8();
  const type = flags & 0x08 ? c.u8() : 0;
  if (flags & 0x04) c.skip(8);
  if (flags & 0x10) c.u8();
  const nameLen = c.uint(1 << (flags & 3), 'name length');
  const name = new TextDecoder().decode(c.bytes(nameLen));
  if (!name) b.fail(w, 'empty link name');
  if (type === 0) return [name, { kind: 'hard', addr: c.addr() }];
  if (type === 1) {
    const n = c.u16();
    return [name, { kind: 'soft', path: new TextDecoder().decode(c.bytes(n)) }];
  }
  if (type === 64) {
    const n = c.u16();
    const info = c.bytes(n);
    const parts = new TextDecoder().decode(info.subarray(1)).split('\0');
    return [name, { kind: 'external', file: parts[0] ?? '', path: parts[1] ?? '' }];
  }
  return b.fail(w, `link '${name}' has unknown type ${type}`);
}

/** The addresses of dense (fractal heap + v2 B-tree) link or attribute storage. */
export interface DenseInfo {
  heap: number;
  nameIndex: number;
  /** The creation-order index (UNDEF when order is not indexed); not used for reading, but checked. */
  orderIndex: number;
}

/** Parses a link info or attribute info message (they share the layout, the counter width aside). */
export function parseDenseInfo(b: H5Bytes, m: Message, what: string, link: boolean): DenseInfo {
  const c = new Cursor(b, m.pos, `${what}: ${link ? 'link' : 'attribute'} info message`, m.pos + m.size);
  if (c.u8() !== 0) b.fail(c.what, 'version is not 0');
  const flags = c.u8();
  if (flags & 1) c.skip(link ? 8 : 2);
  const heap = c.addr();
  const nameIndex = c.addr();
  const orderIndex = flags & 2 ? c.addr() : UNDEF;
  return { heap, nameIndex, orderIndex };
}

export type { DType };
