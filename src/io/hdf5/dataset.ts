// HDF5 dataset storage: the data layout message (compact, contiguous, chunked; versions 1-4), the
// filter pipeline (deflate, shuffle, Fletcher-32) and the chunk indexes: v1 B-tree (layouts 1-3)
// and the version-4 indexes (single chunk, implicit, fixed array, extensible array, v2 B-tree).
// Returns the dataset's raw element bytes in the file's byte order; missing chunks take the fill value.
import { Cursor, H5Bytes, UNDEF, fletcher32 } from './bytes.js';
import { v1Leaves, v2Records } from './btree.js';
import { Message, MSG, count } from './object.js';
import { inflate, type CodecImpl } from '../zip_inflate.js';

/** Shared state of one file read: the bytes and the budget of bytes that decoding may still allocate. */
export interface ReadContext {
  b: H5Bytes;
  /** How the deflate filter inflates: the platform's default, or the web streams forced (tests). */
  codec: CodecImpl;
  budget: { left: number; limit: number };
}

interface Filter {
  id: number;
  name: string;
  flags: number;
  values: number[];
}

interface Chunk {
  /** Element coordinates of the chunk's first element. */
  coords: number[];
  addr: number;
  size: number;
  mask: number;
}

const FILTER_NAMES: Record<number, string> = {
  1: 'deflate',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
  32000: 'lzf',
  32001: 'blosc',
  32004: 'lz4',
  32008: 'bitshuffle',
  32015: 'zstd',
};

function parseFilters(b: H5Bytes, m: Message, what: string): Filter[] {
  const w = `${what}: filter pipeline`;
  const c = new Cursor(b, m.pos, w, m.pos + m.size);
  const version = c.u8();
  const n = c.u8();
  if (version === 1) c.skip(6);
  else if (version !== 2) b.fail(w, `version ${version} is not known`);
  if (n > 32) b.fail(w, `${n} filters exceed HDF5's 32`);
  const out: Filter[] = [];
  for (let i = 0; i < n; i++) {
    const id = c.u16();
    const nameLen = version === 1 || id >= 256 ? c.u16() : 0;
    const flags = c.u16();
    const nv = c.u16();
    let name = '';
    if (nameLen) {
      const bytes = c.bytes(version === 1 ? Math.ceil(nameLen / 8) * 8 : nameLen);
      const z = bytes.indexOf(0);
      name = new TextDecoder().decode(bytes.subarray(0, z >= 0 ? z : bytes.length));
    }
    const values: number[] = [];
    for (let k = 0; k < nv; k++) values.push(c.u32());
    if (version === 1 && nv % 2) c.skip(4);
    out.push({ id, name, flags, values });
  }
  return out;
}

function unshuffle(data: Uint8Array, size: number): Uint8Array {
  if (size <= 1) return data;
  const n = Math.floor(data.length / size);
  const out = new Uint8Array(data.length);
  for (let j = 0; j < size; j++) {
    const src = j * n;
    for (let i = 0; i < n; i++) out[i * size + j] = data[src + i];
  }
  out.set(data.subarray(n * size), n * size);
  return out;
}

async function unfilter(
  ctx: ReadContext,
  filters: Filter[],
  mask: number,
  raw: Uint8Array,
  chunkBytes: number,
  elemSize: number,
  what: string,
): Promise<Uint8Array> {
  let d = raw;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (mask & (1 << i)) continue;
    const f = filters[i];
    if (f.id === 1) {
      try {
        d = await inflate(d, 'zlib', chunkBytes, `${what} (deflate filter)`, ctx.codec);
      } catch (e) {
        const head = `${what} (deflate filter)`;
        ctx.b.fail(head, (e as Error).message.slice(head.length + 2));
      }
    } else if (f.id === 2) d = unshuffle(d, f.values[0] ?? elemSize);
    else if (f.id === 3) {
      if (d.length < 4) ctx.b.fail(what, 'chunk too short for its Fletcher-32 checksum');
      const body = d.subarray(0, d.length - 4);
      const t = d.length - 4;
      const stored = (d[t] | (d[t + 1] << 8) | (d[t + 2] << 16) | (d[t + 3] << 24)) >>> 0;
      const sum = fletcher32(body);
      // HDF5 also accepts the byte-swapped sum written by 1.6.2.
      const swapped =
        (((sum & 0xff) << 8) | ((sum >>> 8) & 0xff) | (((sum >>> 16) & 0xff) << 24) | (((sum >>> 24) & 0xff) << 16)) >>>
        0;
      if (stored !== sum && stored !== swapped)
        ctx.b.fail(
          what,
          `Fletcher-32 checksum mismatch (stored ${stored.toString(16)}, computed ${sum.toString(16)}): the data are corrupt`,
        );
      d = body;
    } else
      ctx.b.fail(
        what,
        `filter ${f.id} (${FILTER_NAMES[f.id] || f.name || 'unknown'}) is not supported (only deflate, shuffle and fletcher32)`,
      );
  }
  return d;
}

function charge(ctx: ReadContext, n: number, what: string): void {
  if (n > ctx.budget.left) {
    ctx.b.fail(
      what,
      `needs ${n} bytes, more than this file could justify (limit ${ctx.budget.limit} bytes; raise it with the maxBytes option)`,
    );
  }
  ctx.budget.left -= n;
}

/** How a dataset is stored (reported on H5Dataset.storage). */
export interface StorageInfo {
  layout: 'compact' | 'contiguous' | 'chunked';
  /** Chunked: the chunk index ('btree1' for layouts 1-3; the version-4 indexes otherwise). */
  chunkIndex?: 'btree1' | 'single' | 'implicit' | 'farray' | 'earray' | 'btree2';
  chunkShape?: number[];
  /** Chunked: the filter names in pipeline order. */
  filters?: string[];
  /** Chunked: the number of chunks stored. */
  chunksStored?: number;
}

/** Reads the raw element bytes (n * elemSize, file byte order) of a dataset with the given messages. */
export async function readStorage(
  ctx: ReadContext,
  msgs: Message[],
  shape: number[],
  maxShape: number[] | null,
  elemSize: number,
  what: string,
  info: StorageInfo,
): Promise<Uint8Array> {
  const b = ctx.b;
  const lm = msgs.find((m) => m.type === MSG.LAYOUT);
  if (!lm) return b.fail(what, 'dataset has no data layout message');
  const n = count(shape);
  const total = n * elemSize;
  if (!Number.isSafeInteger(total)) b.fail(what, `shape [${shape}] is too large`);
  const w = `${what}: data layout`;
  const c = new Cursor(b, lm.pos, w, lm.pos + lm.size);
  const version = c.u8();
  let cls: number;
  let address = UNDEF;
  let dims: number[] = [];
  if (version === 1 || version === 2) {
    const nd = c.u8();
    cls = c.u8();
    c.skip(5);
    if (cls !== 0) address = c.addr();
    for (let i = 0; i < nd; i++) dims.push(c.u32());
    info.layout = cls === 0 ? 'compact' : cls === 1 ? 'contiguous' : 'chunked';
    if (cls === 0) {
      const size = c.u32();
      if (size !== total) b.fail(w, `compact data of ${size} bytes for ${total} expected`);
      charge(ctx, total, what);
      return c.bytes(size).slice();
    }
    if (cls === 1) {
      charge(ctx, total, what);
      if (address === UNDEF) return fillBuffer(ctx, msgs, total, elemSize, what);
      return b.slice(b.at(address, total, `${what}: contiguous data`), total, what).slice();
    }
    return chunked(
      ctx,
      msgs,
      shape,
      maxShape,
      elemSize,
      dims.slice(0, -1),
      { kind: 'btree1', address, rank1: nd },
      0,
      what,
      info,
    );
  }
  // Version 5 (HDF5 2.0) has version 4's encoding; only the width of filtered chunk sizes in the
  // indexes is fixed, and those widths are derived here from the entry and record sizes anyway.
  if (version < 3 || version > 5) b.fail(w, `version ${version} is not known`);
  cls = c.u8();
  info.layout = cls === 0 ? 'compact' : cls === 1 ? 'contiguous' : 'chunked';
  if (cls === 0) {
    const size = c.u16();
    if (size !== total) b.fail(w, `compact data of ${size} bytes, ${total} expected for shape [${shape}]`);
    charge(ctx, total, what);
    return c.bytes(size).slice();
  }
  if (cls === 1) {
    address = c.addr();
    const size = c.len('contiguous size', Number.MAX_SAFE_INTEGER);
    if (size < total) b.fail(w, `contiguous storage of ${size} bytes, ${total} expected for shape [${shape}]`);
    charge(ctx, total, what);
    if (address === UNDEF) return fillBuffer(ctx, msgs, total, elemSize, what);
    return b.slice(b.at(address, total, `${what}: contiguous data`), total, what).slice();
  }
  if (cls === 3) b.fail(w, 'virtual datasets are not supported');
  if (cls !== 2) b.fail(w, `layout class ${cls} is not known`);
  if (version === 3) {
    const nd = c.u8();
    address = c.addr();
    for (let i = 0; i < nd; i++) dims.push(c.u32());
    if (nd !== shape.length + 1) b.fail(w, `chunk rank ${nd - 1} differs from the dataset's ${shape.length}`);
    return chunked(
      ctx,
      msgs,
      shape,
      maxShape,
      elemSize,
      dims.slice(0, -1),
      { kind: 'btree1', address, rank1: nd },
      0,
      what,
      info,
    );
  }
  const flags = c.u8();
  const nd = c.u8();
  const enc = c.u8();
  if (enc < 1 || enc > 8) b.fail(w, `dimension encoding size ${enc} is not plausible`);
  dims = [];
  for (let i = 0; i < nd; i++) dims.push(c.uint(enc, 'chunk dimension'));
  if (nd !== shape.length + 1) b.fail(w, `chunk rank ${nd - 1} differs from the dataset's ${shape.length}`);
  const indexType = c.u8();
  let index: Index;
  switch (indexType) {
    case 1: {
      let size = -1;
      let mask = 0;
      if (flags & 2) {
        size = c.len('filtered chunk size');
        mask = c.u32();
      }
      index = { kind: 'single', address: 0, size, mask };
      break;
    }
    case 2:
      index = { kind: 'implicit', address: 0 };
      break;
    case 3:
      c.u8();
      index = { kind: 'farray', address: 0 };
      break;
    case 4:
      c.skip(5);
      index = { kind: 'earray', address: 0 };
      break;
    case 5:
      c.skip(6);
      index = { kind: 'btree2', address: 0 };
      break;
    default:
      return b.fail(w, `chunk index type ${indexType} is not known`);
  }
  index.address = c.addr();
  return chunked(ctx, msgs, shape, maxShape, elemSize, dims.slice(0, -1), index, flags & 1, what, info);
}

type Index =
  | { kind: 'btree1'; address: number; rank1: number }
  | { kind: 'single'; address: number; size: number; mask: number }
  | { kind: 'implicit' | 'farray' | 'earray' | 'btree2'; address: number };

function fillValue(b: H5Bytes, msgs: Message[], elemSize: number, what: string): Uint8Array | null {
  for (const m of msgs) {
    if (m.type !== MSG.FILL && m.type !== MSG.FILL_OLD) continue;
    const c = new Cursor(b, m.pos, `${what}: fill value message`, m.pos + m.size);
    let size = 0;
    if (m.type === MSG.FILL_OLD) size = c.u32();
    else {
      const v = c.u8();
      if (v === 1 || v === 2) {
        c.skip(2);
        const defined = c.u8();
        if (v === 1 || defined) size = c.u32();
      } else if (v === 3) {
        const f = c.u8();
        if (f & 0x20) size = c.u32();
      } else b.fail(c.what, `version ${v} is not known`);
    }
    if (size === elemSize) return c.bytes(size);
  }
  return null;
}

function fillBuffer(ctx: ReadContext, msgs: Message[], total: number, elemSize: number, what: string): Uint8Array {
  const out = new Uint8Array(total);
  const fv = fillValue(ctx.b, msgs, elemSize, what);
  if (fv && fv.some((x) => x !== 0)) for (let o = 0; o < total; o += elemSize) out.set(fv, o);
  return out;
}

async function chunked(
  ctx: ReadContext,
  msgs: Message[],
  shape: number[],
  maxShape: number[] | null,
  elemSize: number,
  cdims: number[],
  index: Index,
  dontFilterPartial: number,
  what: string,
  info: StorageInfo,
): Promise<Uint8Array> {
  const b = ctx.b;
  info.chunkIndex = index.kind;
  info.chunkShape = cdims;
  info.chunksStored = 0;
  const rank = shape.length;
  if (cdims.some((d) => d === 0)) b.fail(what, `chunk dimensions [${cdims}] include 0`);
  const total = count(shape) * elemSize;
  charge(ctx, total, what);
  const out = fillBuffer(ctx, msgs, total, elemSize, what);
  if (total === 0 || index.address === UNDEF) return out;
  const chunkBytes = count(cdims) * elemSize;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes > ctx.budget.limit)
    b.fail(what, `chunk [${cdims}] is implausibly large`);
  const fm = msgs.find((m) => m.type === MSG.FILTERS);
  const filters = fm ? parseFilters(b, fm, what) : [];
  info.filters = filters.map((f) => FILTER_NAMES[f.id] || f.name || String(f.id));
  const grid = shape.map((d, i) => Math.ceil(d / cdims[i]));
  // Chunk positions are visited one by one: their number is bounded by what the file could index.
  if (count(grid) > Math.max(1 << 20, b.length * 8))
    b.fail(what, `${count(grid)} chunk positions are more than this file could index`);
  const maxGrid = shape.map((d, i) => {
    const m = maxShape?.[i] ?? d;
    return m < 0 ? -1 : Math.ceil(m / cdims[i]);
  });
  const chunks: Chunk[] = listChunks(b, index, rank, cdims, grid, maxGrid, chunkBytes, filters.length > 0, what);
  info.chunksStored = chunks.length;
  let decoded = 0;
  for (const ch of chunks) {
    const cw = `${what}: chunk at [${ch.coords}]`;
    if (ch.coords.some((x, i) => x % cdims[i] !== 0)) b.fail(cw, `is not aligned to the chunk shape [${cdims}]`);
    if (ch.coords.some((x, i) => x >= shape[i])) continue; // beyond the current extent (after a shrink)
    const raw = b.slice(b.at(ch.addr, ch.size, cw), ch.size, cw);
    const partial = ch.coords.some((x, i) => x + cdims[i] > shape[i]);
    let data = raw;
    if (filters.length && !(dontFilterPartial && partial))
      data = await unfilter(ctx, filters, ch.mask, raw, chunkBytes, elemSize, cw);
    if (data.length !== chunkBytes) b.fail(cw, `holds ${data.length} bytes once decoded, ${chunkBytes} expected`);
    decoded += chunkBytes;
    if (decoded > ctx.budget.limit) b.fail(what, `decoding its chunks exceeds ${ctx.budget.limit} bytes`);
    copyChunk(out, shape, data, cdims, ch.coords, elemSize);
  }
  return out;
}

/** Copies the part of a chunk inside the dataset's extent into the output (both row-major). */
function copyChunk(
  out: Uint8Array,
  shape: number[],
  chunk: Uint8Array,
  cdims: number[],
  at: number[],
  elem: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out.set(chunk.subarray(0, elem));
    return;
  }
  const ext = cdims.map((d, i) => Math.min(d, shape[i] - at[i]));
  const run = ext[rank - 1] * elem;
  const idx = new Array(rank - 1).fill(0);
  for (;;) {
    let o = 0;
    let s = 0;
    for (let i = 0; i < rank - 1; i++) {
      o = (o + at[i] + idx[i]) * shape[i + 1];
      s = (s + idx[i]) * cdims[i + 1];
    }
    o += at[rank - 1];
    out.set(chunk.subarray(s * elem, s * elem + run), o * elem);
    let k = rank - 2;
    while (k >= 0 && ++idx[k] >= ext[k]) idx[k--] = 0;
    if (k < 0) break;
  }
}

function downProducts(v: number[]): number[] {
  const d = new Array(v.length).fill(1);
  for (let i = v.length - 2; i >= 0; i--) d[i] = d[i + 1] * v[i + 1];
  return d;
}

/** Visits every chunk position of the grid (scaled coordinates). */
function* gridPositions(grid: number[]): Generator<number[]> {
  if (grid.some((g) => g === 0)) return;
  const idx = new Array(grid.length).fill(0);
  for (;;) {
    yield idx.slice();
    let k = grid.length - 1;
    while (k >= 0 && ++idx[k] >= grid[k]) idx[k--] = 0;
    if (k < 0) return;
  }
}

function listChunks(
  b: H5Bytes,
  index: Index,
  rank: number,
  cdims: number[],
  grid: number[],
  maxGrid: number[],
  chunkBytes: number,
  filtered: boolean,
  what: string,
): Chunk[] {
  const out: Chunk[] = [];
  const scaledToCoords = (s: number[]) => s.map((x, i) => x * cdims[i]);
  switch (index.kind) {
    case 'btree1':
      for (const e of v1Leaves(b, index.address, 1, index.rank1, what)) {
        const [size, mask, ...offs] = e.key;
        out.push({ coords: offs.slice(0, rank), addr: e.child, size, mask });
      }
      return out;
    case 'single':
      out.push({
        coords: new Array(rank).fill(0),
        addr: index.address,
        size: index.size >= 0 ? index.size : chunkBytes,
        mask: index.mask,
      });
      return out;
    case 'implicit': {
      const down = downProducts(maxGrid);
      const nTotal = count(maxGrid);
      b.at(index.address, nTotal * chunkBytes, `${what}: implicit chunk index`);
      for (const s of gridPositions(grid)) {
        const i = s.reduce((a, x, k) => a + x * down[k], 0);
        out.push({ coords: scaledToCoords(s), addr: index.address + i * chunkBytes, size: chunkBytes, mask: 0 });
      }
      return out;
    }
    case 'farray': {
      const entries = fixedArray(b, index.address, filtered, what);
      const down = downProducts(maxGrid);
      for (const s of gridPositions(grid)) {
        const i = s.reduce((a, x, k) => a + x * down[k], 0);
        const e = entries[i];
        if (i >= entries.length) b.fail(`${what}: fixed array`, `has ${entries.length} entries, chunk ${i} needed`);
        if (e.addr !== UNDEF)
          out.push({ coords: scaledToCoords(s), addr: e.addr, size: filtered ? e.size : chunkBytes, mask: e.mask });
      }
      return out;
    }
    case 'earray': {
      const unlim = maxGrid.indexOf(-1);
      if (unlim < 0 || maxGrid.lastIndexOf(-1) !== unlim)
        b.fail(what, 'extensible array index needs exactly one unlimited dimension');
      const order = [unlim, ...grid.map((_, i) => i).filter((i) => i !== unlim)];
      const down = downProducts(order.map((i) => maxGrid[i]));
      const ea = new ExtensibleArray(b, index.address, filtered, what);
      for (const s of gridPositions(grid)) {
        const i = order.reduce((a, dim, k) => a + s[dim] * down[k], 0);
        const e = ea.get(i);
        if (e && e.addr !== UNDEF)
          out.push({ coords: scaledToCoords(s), addr: e.addr, size: filtered ? e.size : chunkBytes, mask: e.mask });
      }
      return out;
    }
    case 'btree2':
      v2Records(b, index.address, what, (pos, h) => {
        const c = new Cursor(b, pos, `${what}: chunk record`, pos + h.recordSize);
        const addr = c.addr();
        let size = chunkBytes;
        let mask = 0;
        if (h.type === 11) {
          size = c.uint(h.recordSize - b.offsetSize - 4 - 8 * rank, 'chunk size');
          mask = c.u32();
        } else if (h.type !== 10) b.fail(c.what, `v2 B-tree record type ${h.type} is not a chunk record`);
        const s: number[] = [];
        for (let i = 0; i < rank; i++) s.push(c.uint(8, 'scaled offset'));
        if (addr !== UNDEF) out.push({ coords: scaledToCoords(s), addr, size, mask });
      });
      return out;
  }
}

interface Entry {
  addr: number;
  size: number;
  mask: number;
}

function readEntry(c: Cursor, filtered: boolean, entrySize: number): Entry {
  const addr = c.addr();
  if (!filtered) return { addr, size: 0, mask: 0 };
  const size = c.uint(entrySize - c.b.offsetSize - 4, 'chunk size');
  return { addr, size, mask: c.u32() };
}

function fixedArray(b: H5Bytes, addr: number, filtered: boolean, what: string): Entry[] {
  const w = `${what}: fixed array header at ${addr}`;
  const p = b.at(addr, 12, w);
  b.sig(p, 'FAHD', w);
  b.checksum(p, 8 + b.lengthSize + b.offsetSize, w);
  const c = new Cursor(b, p + 4, w);
  if (c.u8() !== 0) b.fail(w, 'version is not 0');
  const client = c.u8();
  const entrySize = c.u8();
  const pageBits = c.u8();
  const n = c.len('entry count', b.length);
  const dblk = c.addr();
  if (client !== (filtered ? 1 : 0)) b.fail(w, `client ID ${client} does not match the filter pipeline`);
  if (entrySize < b.offsetSize || (filtered && entrySize < b.offsetSize + 5))
    b.fail(w, `entry size ${entrySize} is too small`);
  if (pageBits > 32) b.fail(w, `page bits ${pageBits} is not plausible`);
  if (n * entrySize > b.length) b.fail(w, `${n} entries cannot fit in the file`);
  const out: Entry[] = [];
  if (dblk === UNDEF) return out;
  const dw = `${what}: fixed array data block at ${dblk}`;
  const dp = b.at(dblk, 10, dw);
  const d = new Cursor(b, dp, dw);
  d.sig('FADB');
  if (d.u8() !== 0) b.fail(dw, 'version is not 0');
  d.u8();
  if (d.addr() !== addr) b.fail(dw, 'does not point back at its header');
  const pageN = 2 ** pageBits;
  if (n <= pageN) {
    for (let i = 0; i < n; i++) out.push(readEntry(d, filtered, entrySize));
    b.checksum(dp, d.pos - dp, dw);
    return out;
  }
  const npages = Math.ceil(n / pageN);
  const bitmap = d.bytes(Math.ceil(npages / 8));
  b.checksum(dp, d.pos - dp, dw);
  d.skip(4);
  for (let pg = 0; pg < npages; pg++) {
    const m = Math.min(pageN, n - pg * pageN);
    const start = d.pos;
    const init = (bitmap[pg >> 3] >> (7 - (pg & 7))) & 1;
    for (let i = 0; i < m; i++) {
      const e = readEntry(d, filtered, entrySize);
      out.push(init ? e : { addr: UNDEF, size: 0, mask: 0 });
    }
    if (init) b.checksum(start, d.pos - start, `${dw}: page ${pg}`);
    d.skip(4);
  }
  return out;
}

/** An extensible array of chunk entries (HDF5's H5EA), read on demand by element index. */
class ExtensibleArray {
  private readonly w: string;
  private readonly entrySize: number;
  private readonly idxElems: Entry[] = [];
  private readonly dblkAddrs: number[] = [];
  private readonly sblkAddrs: number[] = [];
  private readonly sblk: { ndblks: number; dblkN: number; start: number; startDblk: number }[] = [];
  private readonly iblkSblks: number;
  private readonly minDblk: number;
  private readonly pageBits: number;
  private readonly arrOff: number;
  private readonly cache = new Map<number, Entry[]>();

  constructor(
    private readonly b: H5Bytes,
    private readonly addr: number,
    private readonly filtered: boolean,
    what: string,
  ) {
    const w = (this.w = `${what}: extensible array at ${addr}`);
    const p = b.at(addr, 16, w);
    b.sig(p, 'EAHD', w);
    b.checksum(p, 12 + 6 * b.lengthSize + b.offsetSize, w);
    const c = new Cursor(b, p + 4, w);
    if (c.u8() !== 0) b.fail(w, 'version is not 0');
    const client = c.u8();
    this.entrySize = c.u8();
    const maxBits = c.u8();
    const idxN = c.u8();
    this.minDblk = c.u8();
    const minSblkPtrs = c.u8();
    this.pageBits = c.u8();
    for (let i = 0; i < 6; i++) c.len('statistics', Number.MAX_SAFE_INTEGER);
    const iblk = c.addr();
    if (client !== (filtered ? 1 : 0)) b.fail(w, `client ID ${client} does not match the filter pipeline`);
    const pow2 = (x: number) => x > 0 && (x & (x - 1)) === 0;
    if (
      maxBits > 64 ||
      maxBits === 0 ||
      !pow2(this.minDblk) ||
      !pow2(minSblkPtrs) ||
      this.pageBits > 32 ||
      this.entrySize < b.offsetSize
    ) {
      b.fail(w, 'creation parameters are not plausible');
    }
    this.arrOff = Math.ceil(maxBits / 8);
    const nsblks = 1 + maxBits - Math.log2(this.minDblk);
    let start = 0;
    let startDblk = 0;
    for (let s = 0; s < nsblks; s++) {
      const ndblks = 2 ** Math.floor(s / 2);
      const dblkN = 2 ** Math.floor((s + 1) / 2) * this.minDblk;
      this.sblk.push({ ndblks, dblkN, start, startDblk });
      start += ndblks * dblkN;
      startDblk += ndblks;
    }
    this.iblkSblks = 2 * Math.log2(minSblkPtrs);
    const ndblkAddrs = 2 * (minSblkPtrs - 1);
    const nsblkAddrs = nsblks - this.iblkSblks;
    if (iblk === UNDEF) return;
    const iw = `${what}: extensible array index block at ${iblk}`;
    const ip = b.at(iblk, 10, iw);
    const ic = new Cursor(b, ip, iw);
    ic.sig('EAIB');
    if (ic.u8() !== 0) b.fail(iw, 'version is not 0');
    ic.u8();
    if (ic.addr() !== addr) b.fail(iw, 'does not point back at its header');
    for (let i = 0; i < idxN; i++) this.idxElems.push(readEntry(ic, filtered, this.entrySize));
    for (let i = 0; i < ndblkAddrs; i++) this.dblkAddrs.push(ic.addr());
    for (let i = 0; i < nsblkAddrs; i++) this.sblkAddrs.push(ic.addr());
    b.checksum(ip, ic.pos - ip, iw);
  }

  get(idx: number): Entry | null {
    if (idx < this.idxElems.length) return this.idxElems[idx];
    idx -= this.idxElems.length;
    const s = Math.floor(Math.log2(Math.floor(idx / this.minDblk) + 1));
    const info = this.sblk[s];
    if (!info) this.b.fail(this.w, `element ${idx} is beyond the array's capacity`);
    const e = idx - info.start;
    const dIdx = Math.floor(e / info.dblkN);
    let dblk: number;
    if (s < this.iblkSblks) dblk = this.dblkAddrs[info.startDblk + dIdx] ?? UNDEF;
    else {
      const sAddr = this.sblkAddrs[s - this.iblkSblks] ?? UNDEF;
      if (sAddr === UNDEF) return null;
      dblk = this.secondary(sAddr, info)[dIdx] ?? UNDEF;
    }
    if (dblk === UNDEF) return null;
    return this.dataBlock(dblk, info.dblkN)[e % info.dblkN];
  }

  private readonly sblkCache = new Map<number, number[]>();
  private secondary(a: number, info: { ndblks: number; dblkN: number }): number[] {
    let r = this.sblkCache.get(a);
    if (r) return r;
    const w = `${this.w}: secondary block at ${a}`;
    const p = this.b.at(a, 10, w);
    const c = new Cursor(this.b, p, w);
    c.sig('EASB');
    if (c.u8() !== 0) this.b.fail(w, 'version is not 0');
    c.u8();
    if (c.addr() !== this.addr) this.b.fail(w, 'does not point back at its header');
    c.uint(this.arrOff, 'block offset');
    const pageN = 2 ** this.pageBits;
    if (info.dblkN > pageN) c.skip(Math.ceil((info.ndblks * (info.dblkN / pageN)) / 8));
    r = [];
    for (let i = 0; i < info.ndblks; i++) r.push(c.addr());
    this.b.checksum(p, c.pos - p, w);
    this.sblkCache.set(a, r);
    return r;
  }

  private dataBlock(a: number, n: number): Entry[] {
    let r = this.cache.get(a);
    if (r) return r;
    const w = `${this.w}: data block at ${a}`;
    const p = this.b.at(a, 10, w);
    const c = new Cursor(this.b, p, w);
    c.sig('EADB');
    if (c.u8() !== 0) this.b.fail(w, 'version is not 0');
    c.u8();
    if (c.addr() !== this.addr) this.b.fail(w, 'does not point back at its header');
    c.uint(this.arrOff, 'block offset');
    r = [];
    const pageN = 2 ** this.pageBits;
    if (n <= pageN) {
      for (let i = 0; i < n; i++) r.push(readEntry(c, this.filtered, this.entrySize));
      this.b.checksum(p, c.pos - p, w);
    } else {
      this.b.checksum(p, c.pos - p, w);
      c.skip(4);
      for (let pg = 0; pg < n / pageN; pg++) {
        const start = c.pos;
        for (let i = 0; i < pageN; i++) r.push(readEntry(c, this.filtered, this.entrySize));
        this.b.checksum(start, c.pos - start, `${w}: page ${pg}`);
        c.skip(4);
      }
    }
    this.cache.set(a, r);
    return r;
  }
}
