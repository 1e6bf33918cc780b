// The HDF5 reader's public face: H5File.read parses the superblock (versions 0-3), walks every
// object reachable from the root (each object header once, so hard-link cycles terminate), decodes
// every dataset and attribute, and returns a tree of H5Group / H5Dataset that is then read
// synchronously. Soft links are resolved on lookup (at most 16 hops: a soft-link loop fails).
import { Cursor, H5Bytes, H5Error, UNDEF } from './bytes.js';
import { v1Leaves, v2Records } from './btree.js';
import { GlobalHeaps, H5Array, H5DType, decodeValues, parseDatatype } from './datatype.js';
import { readStorage, ReadContext, StorageInfo } from './dataset.js';
import { FractalHeap, LocalHeap } from './heap.js';
import {
  H5Value,
  Link,
  MSG,
  Message,
  count,
  parseAttribute,
  parseDataspace,
  parseDenseInfo,
  parseLink,
  readObjectHeader,
} from './object.js';

export type { H5Value, Link } from './object.js';
export type { H5Array, H5DType } from './datatype.js';
export type { StorageInfo } from './dataset.js';

/** Options of H5File.read. */
export interface H5ReadOptions {
  /** The file's name, used in every error message (default 'HDF5 file'). */
  name?: string;
  /**
   * The most bytes that decoding datasets may allocate, in all. Default: 64 MiB or 1040 times the
   * file's length, whichever is larger (deflate expands at most about 1032:1, so a file cannot
   * honestly claim more).
   */
  maxBytes?: number;
  /** 'web' forces DecompressionStream for the deflate filter even in Node (default 'auto': node:zlib in Node). */
  codec?: 'auto' | 'web';
}

/** An attribute value in its natural form: a string, a string array, a number/bigint, or a typed array. */
export type H5AttrValue = string | string[] | number | bigint | Exclude<H5Array, string[]>;

/** Converts a decoded value to its natural form (scalars unwrapped). */
export function attrValue(v: H5Value): H5AttrValue {
  if (v.shape.length === 0 && v.data.length === 1) {
    const x = v.data[0];
    return typeof x === 'string' || typeof x === 'bigint' ? x : Number(x);
  }
  return v.data as H5AttrValue;
}

abstract class H5Object {
  constructor(
    /** The file this object was read from. */
    readonly file: H5File,
    /** The path by which it was first reached ('/' for the root). */
    readonly path: string,
    /** Attributes by name. */
    readonly attrs: Record<string, H5Value>,
  ) {}

  /** The names of the attributes, sorted. */
  attrNames(): string[] {
    return Object.keys(this.attrs).sort();
  }

  /**
   * Attribute `name` in its natural form (scalar strings and numbers unwrapped).
   * @example const names = f.group('model_weights').attr('layer_names') as string[];
   */
  attr(name: string): H5AttrValue {
    const v = this.attrs[name];
    if (!v)
      throw new Error(
        `${this.file.fileName}: '${this.path}' has no attribute '${name}' (it has: ${this.attrNames().join(', ') || 'none'})`,
      );
    return attrValue(v);
  }
}

/** A dataset: its shape, element type and data (float16 widened to float32; int64/uint64 as BigInt arrays). */
export class H5Dataset extends H5Object {
  readonly kind = 'dataset' as const;
  constructor(
    file: H5File,
    path: string,
    attrs: Record<string, H5Value>,
    readonly shape: number[],
    readonly dtype: H5DType,
    readonly data: H5Array,
    /** The maximum shape (-1 for unlimited), or null when it equals the shape. */
    readonly maxShape: number[] | null,
    /** How the data were stored: layout, chunk index, chunk shape, filters. */
    readonly storage: StorageInfo,
  ) {
    super(file, path, attrs);
  }
}

/** A group: links by name to datasets, groups, soft or external links. */
export class H5Group extends H5Object {
  readonly kind: 'group' | 'file' = 'group';
  /** @internal the group's links, filled while the file is read */
  readonly links = new Map<string, Link>();

  /** The link names, sorted (HDF5's name order). */
  keys(): string[] {
    return [...this.links.keys()].sort();
  }

  /** Whether `path` (relative, or absolute from the root) names an object. */
  has(path: string): boolean {
    try {
      this.get(path);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The object at `path`, relative to this group or absolute ('/a/b'); soft links are followed.
   * @example const kernel = f.get('layers/dense/vars/0') as H5Dataset;
   */
  get(path: string): H5Group | H5Dataset {
    return this.file.resolve(this, path);
  }

  group(path: string): H5Group {
    const o = this.get(path);
    if (!(o instanceof H5Group)) throw new Error(`${this.file.fileName}: '${o.path}' is a dataset, not a group`);
    return o;
  }

  dataset(path: string): H5Dataset {
    const o = this.get(path);
    if (!(o instanceof H5Dataset)) throw new Error(`${this.file.fileName}: '${o.path}' is a group, not a dataset`);
    return o;
  }

  /** The link named `name` in this group, as stored (hard links by object address). */
  link(name: string): Link | undefined {
    return this.links.get(name);
  }

  /**
   * Calls `fn` for every object under this group, depth first in name order, each object once
   * (an object reached again through another hard link, or a hard-link cycle, is not revisited).
   */
  visit(fn: (path: string, obj: H5Group | H5Dataset) => void): void {
    const seen = new Set<H5Object>([this]);
    const walk = (g: H5Group, prefix: string) => {
      for (const k of g.keys()) {
        const l = g.links.get(k)!;
        if (l.kind !== 'hard') continue;
        const o = this.file.byAddr(l.addr);
        if (!o || seen.has(o)) continue;
        seen.add(o);
        const p = prefix ? `${prefix}/${k}` : k;
        fn(p, o);
        if (o instanceof H5Group) walk(o, p);
      }
    };
    walk(this, '');
  }
}

/**
 * An HDF5 file read into memory: superblocks 0-3; object headers 1 and 2; symbol-table, compact and
 * dense groups; contiguous, compact and chunked datasets (every chunk index); deflate, shuffle and
 * Fletcher-32 filters; numeric, string and h5py-bool types; dense attributes.
 * @example
 * const f = await H5File.read(bytes, { name: 'model.weights.h5' });
 * const d = f.dataset('layers/dense/vars/0'); // { shape: [4, 3], dtype: 'float32', data: Float32Array }
 */
export class H5File extends H5Group {
  override readonly kind = 'file' as const;
  private readonly objects = new Map<number, H5Group | H5Dataset | null>();

  private constructor(
    readonly fileName: string,
    /** The superblock version (0, 1, 2 or 3). */
    readonly superblockVersion: number,
    attrs: Record<string, H5Value>,
  ) {
    super(undefined as unknown as H5File, '/', attrs);
    (this as { file: H5File }).file = this;
  }

  static async read(bytes: Uint8Array | ArrayBuffer, opts: H5ReadOptions = {}): Promise<H5File> {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const name = opts.name ?? 'HDF5 file';
    const b = new H5Bytes(u8, name);
    const limit = opts.maxBytes ?? Math.max(64 << 20, u8.length * 1040);
    const { version, root } = superblock(b);
    const f = new H5File(name, version, {});
    const ctx: ReadContext = { b, codec: opts.codec ?? 'auto', budget: { left: limit, limit } };
    const loader = new Loader(ctx, f);
    await loader.load(root, '/', f, 0);
    return f;
  }

  /** @internal */
  byAddr(addr: number): H5Group | H5Dataset | null | undefined {
    return this.objects.get(addr);
  }
  /** @internal */
  setAddr(addr: number, o: H5Group | H5Dataset | null): void {
    this.objects.set(addr, o);
  }

  /** @internal Follows `path` from `from`; soft links at most 16 hops in all. */
  resolve(from: H5Group, path: string, hops = { n: 0 }): H5Group | H5Dataset {
    let cur: H5Group | H5Dataset = path.startsWith('/') ? this : from;
    const parts = path.split('/').filter((p) => p && p !== '.');
    let at = path.startsWith('/') ? '' : from.path === '/' ? '' : from.path;
    for (const part of parts) {
      if (!(cur instanceof H5Group))
        throw new Error(`${this.fileName}: '${at}' is a dataset, so '${path}' does not exist`);
      const l = cur.links.get(part);
      if (!l)
        throw new Error(
          `${this.fileName}: no object '${part}' in group '${at || '/'}' (looking up '${path}'; it has: ${cur.keys().slice(0, 20).join(', ') || 'nothing'})`,
        );
      if (l.kind === 'external')
        throw new Error(
          `${this.fileName}: '${at}/${part}' is an external link to ${l.file}:${l.path}; external files are not opened`,
        );
      if (l.kind === 'soft') {
        if (++hops.n > 16)
          throw new Error(
            `${this.fileName}: soft link '${at}/${part}' -> '${l.path}': more than 16 soft-link hops (a soft-link cycle)`,
          );
        cur = this.resolve(cur, l.path, hops);
      } else {
        const o = this.objects.get(l.addr);
        if (!o)
          throw new Error(
            `${this.fileName}: '${at}/${part}' is a committed datatype or an unread object, not a group or dataset`,
          );
        cur = o;
      }
      at = `${at}/${part}`;
    }
    return cur;
  }
}

function superblock(b: H5Bytes): { version: number; root: number } {
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  let p = -1;
  for (let at = 0; at + 8 <= b.length; at = at === 0 ? 512 : at * 2) {
    if (SIG.every((v, i) => b.u8[at + i] === v)) {
      p = at;
      break;
    }
  }
  if (p < 0)
    throw new H5Error(
      b.file,
      `not an HDF5 file (no superblock signature at offset 0, 512, 1024, ...; ${b.length} bytes)`,
    );
  const w = 'superblock';
  const c = new Cursor(b, p + 8, w);
  const version = c.u8();
  if (version === 0 || version === 1) {
    c.skip(3);
    c.u8();
    b.offsetSize = c.u8();
    b.lengthSize = c.u8();
    c.skip(1);
    checkSizes(b);
    b.groupLeafK = c.u16();
    c.u16();
    c.u32();
    if (version === 1) c.skip(4);
    const base = c.addr();
    c.addr(); // free-space info
    const eof = c.addr();
    c.addr(); // driver info
    // root group symbol table entry: link name offset, object header address, cache
    c.addr();
    const root = c.addr();
    setBase(b, base, p, eof);
    return { version, root };
  }
  if (version === 2 || version === 3) {
    b.offsetSize = c.u8();
    b.lengthSize = c.u8();
    checkSizes(b);
    b.checksum(p, 12 + 4 * b.offsetSize, w); // before any field is trusted
    c.u8();
    const base = c.addr();
    const ext = c.addr();
    const eof = c.addr();
    const root = c.addr();
    void ext;
    setBase(b, base, p, eof);
    return { version, root };
  }
  return b.fail(w, `version ${version} is not known`);
}

function checkSizes(b: H5Bytes): void {
  if (![2, 4, 8].includes(b.offsetSize) || ![2, 4, 8].includes(b.lengthSize)) {
    b.fail('superblock', `sizes of offsets ${b.offsetSize} and lengths ${b.lengthSize} are not 2, 4 or 8`);
  }
}

function setBase(b: H5Bytes, base: number, sbPos: number, eof: number): void {
  // Addresses are relative to the base address (the superblock's position unless stated).
  b.base = base === UNDEF ? sbPos : base;
  if (b.base > b.length) b.fail('superblock', `base address ${b.base} is past the end of the file`);
  // The end-of-file address, as HDF5 writes it with a userblock, counts from the file's start.
  if (eof !== UNDEF && eof > b.length) {
    b.fail('superblock', `the file should be ${eof} bytes but is ${b.length} (truncated)`);
  }
}

class Loader {
  private readonly heaps: GlobalHeaps;
  constructor(
    private readonly ctx: ReadContext,
    private readonly f: H5File,
  ) {
    this.heaps = new GlobalHeaps(ctx.b);
  }

  async load(addr: number, path: string, root: H5File | null, depth: number): Promise<void> {
    const b = this.ctx.b;
    if (depth > 512) b.fail(path, 'groups nested more than 512 deep');
    const what = `'${path}'`;
    const msgs = readObjectHeader(b, addr, what);
    for (const m of msgs) {
      if (m.flags & 0x08 && !KNOWN.has(m.type))
        b.fail(what, `message type ${m.type} must be understood to read this object, and is not`);
      if (
        m.flags & 0x02 &&
        (m.type === MSG.DATATYPE ||
          m.type === MSG.DATASPACE ||
          m.type === MSG.FILTERS ||
          m.type === MSG.FILL ||
          m.type === MSG.ATTRIBUTE)
      ) {
        b.fail(what, `shared message (type ${m.type}) is not supported`);
      }
    }
    const attrs = this.attributes(msgs, what);
    const layout = msgs.some((m) => m.type === MSG.LAYOUT);
    if (layout) {
      const dtm = msgs.find((m) => m.type === MSG.DATATYPE);
      const dsm = msgs.find((m) => m.type === MSG.DATASPACE);
      if (!dtm || !dsm) return b.fail(what, 'dataset lacks its datatype or dataspace message');
      const dt = parseDatatype(new Cursor(b, dtm.pos, `${what}: datatype`, dtm.pos + dtm.size), what);
      const space = parseDataspace(b, dsm.pos, dsm.size, what);
      const shape = space.shape ?? [0];
      const storage: StorageInfo = { layout: 'contiguous' };
      const raw = space.shape
        ? await readStorage(this.ctx, msgs, shape, space.maxShape, dt.size, what, storage)
        : new Uint8Array(0);
      const n = count(shape);
      const data = decodeValues(b, dt, raw, space.shape ? n : 0, what, this.heaps);
      const maxShape = space.maxShape && space.maxShape.some((d, i) => d !== shape[i]) ? space.maxShape : null;
      this.f.setAddr(addr, new H5Dataset(this.f, path, attrs, space.shape ?? [], dt.dtype, data, maxShape, storage));
      return;
    }
    const isGroup =
      msgs.some((m) => m.type === MSG.SYMBOL_TABLE || m.type === MSG.LINK_INFO || m.type === MSG.LINK) || root;
    if (!isGroup) {
      this.f.setAddr(addr, null); // a committed datatype or an object of no kind read here
      return;
    }
    const g = root ?? new H5Group(this.f, path, attrs);
    if (root) Object.assign(root.attrs, attrs);
    this.f.setAddr(addr, g);
    this.links(msgs, g, what);
    for (const [name, l] of g.links) {
      if (l.kind !== 'hard' || this.f.byAddr(l.addr) !== undefined) continue;
      await this.load(l.addr, path === '/' ? `/${name}` : `${path}/${name}`, null, depth + 1);
    }
  }

  private attributes(msgs: Message[], what: string): Record<string, H5Value> {
    const b = this.ctx.b;
    const out: Record<string, H5Value> = {};
    const add = ([name, v]: [string, H5Value]) => {
      if (name in out) b.fail(what, `attribute '${name}' appears twice`);
      out[name] = v;
    };
    for (const m of msgs) if (m.type === MSG.ATTRIBUTE) add(parseAttribute(b, m.pos, m.size, what, this.heaps));
    const info = msgs.find((m) => m.type === MSG.ATTRIBUTE_INFO);
    if (info) {
      const d = parseDenseInfo(b, info, what, false);
      if (d.heap !== UNDEF && d.nameIndex !== UNDEF) {
        const heap = new FractalHeap(b, d.heap, `${what}: dense attributes`);
        if (d.orderIndex !== UNDEF)
          v2Records(b, d.orderIndex, `${what}: attribute creation-order index`, () => undefined);
        v2Records(b, d.nameIndex, `${what}: attribute name index`, (pos, h) => {
          if (h.type !== 8) b.fail(what, `attribute name index has record type ${h.type}, not 8`);
          const obj = heap.object(b.u8.subarray(pos, pos + h.recordSize - 9));
          add(parseAttribute(b, obj.byteOffset - b.u8.byteOffset, obj.length, what, this.heaps));
        });
      }
    }
    return out;
  }

  private links(msgs: Message[], g: H5Group, what: string): void {
    const b = this.ctx.b;
    const add = (name: string, l: Link) => {
      if (g.links.has(name)) b.fail(what, `link '${name}' appears twice`);
      g.links.set(name, l);
    };
    for (const m of msgs) if (m.type === MSG.LINK) add(...parseLink(b, m.pos, m.size, what));
    const st = msgs.find((m) => m.type === MSG.SYMBOL_TABLE);
    if (st) {
      const c = new Cursor(b, st.pos, `${what}: symbol table message`, st.pos + st.size);
      const btree = c.addr();
      const heap = new LocalHeap(b, c.addr(), what);
      for (const leaf of v1Leaves(b, btree, 0, 0, `${what}: group B-tree`)) {
        const w = `${what}: symbol table node at ${leaf.child}`;
        const sc = new Cursor(b, b.at(leaf.child, 8, w), w);
        sc.sig('SNOD');
        if (sc.u8() !== 1) b.fail(w, 'version is not 1');
        sc.u8();
        const n = sc.u16();
        if (n > 2 * b.groupLeafK)
          b.fail(w, `claims ${n} symbols, more than the ${2 * b.groupLeafK} a node holds (2K, K from the superblock)`);
        for (let i = 0; i < n; i++) {
          const nameOff = sc.len('name offset', Number.MAX_SAFE_INTEGER);
          const obj = sc.addr();
          const cache = sc.u32();
          sc.skip(4);
          const scratch = sc.bytes(16);
          const name = heap.string(nameOff);
          if (!name) b.fail(w, `entry ${i} has an empty name`);
          if (cache === 2) {
            const off = scratch[0] | (scratch[1] << 8) | (scratch[2] << 16) | (scratch[3] << 24);
            add(name, { kind: 'soft', path: heap.string(off >>> 0) });
          } else {
            if (obj === UNDEF) b.fail(w, `entry '${name}' has an undefined object address`);
            add(name, { kind: 'hard', addr: obj });
          }
        }
      }
    }
    const li = msgs.find((m) => m.type === MSG.LINK_INFO);
    if (li) {
      const d = parseDenseInfo(b, li, what, true);
      if (d.heap !== UNDEF && d.nameIndex !== UNDEF) {
        const heap = new FractalHeap(b, d.heap, `${what}: dense links`);
        if (d.orderIndex !== UNDEF) v2Records(b, d.orderIndex, `${what}: link creation-order index`, () => undefined);
        v2Records(b, d.nameIndex, `${what}: link name index`, (pos, h) => {
          if (h.type !== 5) b.fail(what, `link name index has record type ${h.type}, not 5`);
          const obj = heap.object(b.u8.subarray(pos + 4, pos + h.recordSize));
          add(...parseLink(b, obj.byteOffset - b.u8.byteOffset, obj.length, what));
        });
      }
    }
  }
}

const KNOWN = new Set<number>([0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 16, 17, 18, 21, 22, 23]);
