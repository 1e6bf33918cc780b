// HDF5 B-trees: version 1 (group nodes pointing at symbol-table nodes; chunk nodes of layouts
// 1-3) and version 2 (records of any type, iterated in order). Nodes already visited are refused,
// so a cycle in the tree fails instead of hanging; depth is bounded.
import { Cursor, H5Bytes, UNDEF } from './bytes.js';

const MAX_DEPTH = 64;

/** The leaf entries of a v1 B-tree: each key that precedes the child, the child's address. */
export interface V1Entry {
  /** Group trees: the heap offset of the key; chunk trees: [chunk size, filter mask, ...element offsets]. */
  key: number[];
  child: number;
}

/**
 * Walks the v1 B-tree at `addr` of `type` (0 group, 1 chunk), returning the level-0 entries.
 * `rank1` is, for chunk trees, the dimensionality of the chunk keys (the dataset rank + 1).
 */
export function v1Leaves(b: H5Bytes, addr: number, type: 0 | 1, rank1: number, what: string): V1Entry[] {
  const out: V1Entry[] = [];
  const seen = new Set<number>();
  const visit = (a: number, expectLevel: number, depth: number) => {
    const w = `${what}: v1 B-tree node at ${a}`;
    if (depth > MAX_DEPTH) b.fail(w, 'the tree is deeper than any real file');
    if (seen.has(a)) b.fail(w, 'node visited twice (a cycle)');
    seen.add(a);
    const c = new Cursor(b, b.at(a, 8, w), w);
    c.sig('TREE');
    const t = c.u8();
    if (t !== type) b.fail(w, `node type ${t}, expected ${type}`);
    const level = c.u8();
    if (expectLevel >= 0 && level !== expectLevel) b.fail(w, `level ${level}, expected ${expectLevel}`);
    const n = c.u16();
    c.addr();
    c.addr();
    const keySize = type === 0 ? b.lengthSize : 8 + 8 * rank1;
    b.need(c.pos, n * (keySize + b.offsetSize) + keySize, w);
    const readKey = (): number[] => {
      if (type === 0) return [c.len('key', Number.MAX_SAFE_INTEGER)];
      const k = [c.u32(), c.u32()];
      for (let i = 0; i < rank1; i++) k.push(c.uint(8, 'chunk offset'));
      return k;
    };
    const children: V1Entry[] = [];
    for (let i = 0; i < n; i++) {
      const key = readKey();
      const child = c.addr();
      if (child === UNDEF) b.fail(w, `child ${i} has an undefined address`);
      children.push({ key, child });
    }
    if (level === 0) out.push(...children);
    else for (const ch of children) visit(ch.child, level - 1, depth + 1);
  };
  visit(addr, -1, 0);
  return out;
}

/** Bytes needed to store counts up to `n`. */
function bytesFor(n: number): number {
  let k = 0;
  while (n > 0) {
    k++;
    n = Math.floor(n / 256);
  }
  return Math.max(k, 1);
}

/** The header of a v2 B-tree. */
export interface V2Header {
  type: number;
  nodeSize: number;
  recordSize: number;
  depth: number;
  root: number;
  rootCount: number;
  total: number;
}

export function v2Header(b: H5Bytes, addr: number, what: string): V2Header {
  const w = `${what}: v2 B-tree header at ${addr}`;
  const p = b.at(addr, 16, w);
  b.sig(p, 'BTHD', w);
  b.checksum(p, 16 + b.offsetSize + 2 + b.lengthSize, w); // before any field is trusted
  const c = new Cursor(b, p + 4, w);
  if (c.u8() !== 0) b.fail(w, 'version is not 0');
  const type = c.u8();
  const nodeSize = c.u32();
  const recordSize = c.u16();
  const depth = c.u16();
  c.skip(2);
  const root = c.addr();
  const rootCount = c.u16();
  const total = c.len('record count', Number.MAX_SAFE_INTEGER);
  if (nodeSize < 16 || nodeSize > 1 << 24) b.fail(w, `node size ${nodeSize} is not plausible`);
  if (recordSize === 0 || recordSize > nodeSize) b.fail(w, `record size ${recordSize} is not plausible`);
  if (depth > MAX_DEPTH) b.fail(w, `depth ${depth} is not plausible`);
  if (total > b.length) b.fail(w, `${total} records cannot fit in a ${b.length}-byte file`);
  return { type, nodeSize, recordSize, depth, root, rootCount, total };
}

/** Calls `record(pos)` with the absolute position of each record of the v2 B-tree at `addr`. */
export function v2Records(
  b: H5Bytes,
  addr: number,
  what: string,
  record: (pos: number, h: V2Header) => void,
): V2Header {
  const h = v2Header(b, addr, what);
  if (h.root === UNDEF || h.total === 0) return h;
  // Per level: the widths of a child pointer's "number of records" field (sized by the most
  // records a leaf holds) and "total records" field (sized by the most records under a child), as
  // H5B2hdr.c computes them.
  const nrecMax: number[] = [Math.floor((h.nodeSize - 10) / h.recordSize)];
  const cum: number[] = [nrecMax[0]];
  const numSize = bytesFor(nrecMax[0]);
  const totSize: number[] = [0];
  for (let level = 1; level <= h.depth; level++) {
    totSize[level] = level > 1 ? bytesFor(cum[level - 1]) : 0;
    const ptr = b.offsetSize + numSize + totSize[level];
    nrecMax[level] = Math.floor((h.nodeSize - 10 - ptr) / (h.recordSize + ptr));
    cum[level] = (nrecMax[level] + 1) * cum[level - 1] + nrecMax[level];
  }
  const seen = new Set<number>();
  let visited = 0;
  const visit = (a: number, n: number, level: number) => {
    const w = `${what}: v2 B-tree ${level ? 'internal' : 'leaf'} node at ${a}`;
    if (seen.has(a)) b.fail(w, 'node visited twice (a cycle)');
    seen.add(a);
    if (n > nrecMax[level]) b.fail(w, `${n} records exceed the ${nrecMax[level]} a node holds`);
    const p = b.at(a, h.nodeSize, w);
    const c = new Cursor(b, p, w, p + h.nodeSize);
    c.sig(level ? 'BTIN' : 'BTLF');
    if (c.u8() !== 0) b.fail(w, 'version is not 0');
    if (c.u8() !== h.type) b.fail(w, `record type differs from the header's ${h.type}`);
    const recs = c.pos;
    c.skip(n * h.recordSize);
    const kids: [number, number][] = [];
    if (level) {
      for (let i = 0; i <= n; i++) {
        const ca = c.addr();
        const cn = c.uint(numSize, 'child record count');
        if (totSize[level]) c.uint(totSize[level], 'child total');
        kids.push([ca, cn]);
      }
    }
    b.checksum(p, c.pos - p, w);
    visited += n;
    if (visited > h.total) b.fail(w, `more records than the ${h.total} the header counts`);
    for (let i = 0; i < n; i++) {
      if (level) visit(kids[i][0], kids[i][1], level - 1);
      record(recs + i * h.recordSize, h);
    }
    if (level) visit(kids[n][0], kids[n][1], level - 1);
  };
  visit(h.root, h.rootCount, h.depth);
  return h;
}
