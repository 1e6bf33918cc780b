// Zip archives (the container of Keras 3 `.keras` files): a reader of stored and deflated entries,
// zip64 included, and a writer of stored/deflated entries. Files are data: every offset and size
// in the end records, the central directory and the local headers is checked against the file
// before it is used, an entry never inflates past the size its header promises, and CRC-32 is
// checked on read and written on write.
import { crc32, deflate, inflate, type CodecImpl } from './zip_inflate.js';

export { crc32 } from './zip_inflate.js';

/** One entry of the central directory. */
export interface ZipEntry {
  /** The entry's name as stored (forward slashes; a trailing '/' marks a directory). */
  name: string;
  /** 0: stored, 8: deflated (the only two methods read). */
  method: number;
  /** Bytes of the entry's data in the archive. */
  compressedSize: number;
  /** Bytes once inflated, as the header promises. */
  size: number;
  crc32: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
  isDirectory: boolean;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;
/** Deflate cannot expand by more than about 1032:1; sizes claiming more than that are lies. */
const MAX_RATIO = 1032;

const utf8 = new TextDecoder('utf-8');

/**
 * Reads a zip archive held in memory. Parsing the directory is synchronous and checks every
 * entry; reading an entry inflates it (async, through the platform).
 * @example
 * const zip = ZipReader.open(bytes, 'model.keras');
 * const config = JSON.parse(await zip.readText('config.json'));
 */
export class ZipReader {
  private readonly byName = new Map<string, ZipEntry>();
  private readonly dataStart = new Map<string, number>();

  private constructor(
    readonly bytes: Uint8Array,
    readonly fileName: string,
    readonly entries: readonly ZipEntry[],
    private readonly impl: CodecImpl,
  ) {
    for (const e of entries) this.byName.set(e.name, e);
  }

  /** Parses the directory of `bytes`; `fileName` names the archive in every error. */
  static open(bytes: Uint8Array, fileName = 'zip archive', opts: { impl?: CodecImpl } = {}): ZipReader {
    // A plain Uint8Array view (on a Node Buffer, slice() would share memory instead of copying).
    bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const entries = parseDirectory(bytes, fileName);
    const r = new ZipReader(bytes, fileName, entries, opts.impl ?? 'auto');
    for (const e of entries) r.dataStart.set(e.name, localDataStart(bytes, fileName, e));
    checkNoOverlap(entries, r.dataStart, fileName);
    return r;
  }

  /** Entry names in directory order. */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): ZipEntry {
    const e = this.byName.get(name);
    if (!e) throw new Error(`${this.fileName}: no entry '${name}' in the archive (it has: ${this.names().join(', ')})`);
    return e;
  }

  /** The inflated bytes of entry `name`, CRC-checked. */
  async read(name: string): Promise<Uint8Array> {
    const e = this.entry(name);
    const what = `${this.fileName}: entry '${name}'`;
    const start = this.dataStart.get(name)!;
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    let out: Uint8Array;
    if (e.method === 0) out = raw.slice();
    else {
      out = await inflate(raw, 'raw', e.size, what, this.impl);
      if (out.length !== e.size) throw new Error(`${what}: inflates to ${out.length} bytes, its header says ${e.size}`);
    }
    const c = crc32(out);
    if (c !== e.crc32) {
      throw new Error(`${what}: CRC-32 mismatch (data ${hex(c)}, header ${hex(e.crc32)}): the archive is corrupt`);
    }
    return out;
  }

  /** Entry `name` decoded as UTF-8. */
  async readText(name: string): Promise<string> {
    return utf8.decode(await this.read(name));
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
/** A 64-bit little-endian size; values past 2^53 cannot be in a file held in memory. */
function u64(b: Uint8Array, o: number, fileName: string, what: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  if (hi >= 0x200000) throw new Error(`${fileName}: ${what} is ${hi * 2 ** 32 + lo}, beyond any file held in memory`);
  return hi * 2 ** 32 + lo;
}

function need(bytes: Uint8Array, fileName: string, off: number, len: number, what: string): void {
  if (!(off >= 0 && len >= 0 && off + len <= bytes.length)) {
    throw new Error(
      `${fileName}: ${what} at offset ${off} (${len} bytes) lies outside the ${bytes.length}-byte file (truncated or corrupt)`,
    );
  }
}

function findEocd(bytes: Uint8Array, fileName: string): number {
  const min = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= min; i--) {
    if (u32(bytes, i) === SIG_EOCD && i + 22 + u16(bytes, i + 20) === bytes.length) return i;
  }
  // A comment length that does not reach the end exactly: accept the last signature found.
  for (let i = bytes.length - 22; i >= min; i--) if (u32(bytes, i) === SIG_EOCD) return i;
  throw new Error(
    `${fileName}: not a zip archive (no end-of-central-directory record${bytes.length < 22 ? '; the file is only ' + bytes.length + ' bytes' : ''})`,
  );
}

function parseDirectory(bytes: Uint8Array, fileName: string): ZipEntry[] {
  const eocd = findEocd(bytes, fileName);
  let count = u16(bytes, eocd + 10);
  let cdSize = u32(bytes, eocd + 12);
  let cdOffset = u32(bytes, eocd + 16);
  if (u16(bytes, eocd + 4) !== 0 || u16(bytes, eocd + 6) !== 0) {
    throw new Error(`${fileName}: multi-disk (split) zip archives are not supported`);
  }
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: the locator sits just before the end record and points at the zip64 end record.
    const loc = eocd - 20;
    need(bytes, fileName, loc, 20, 'zip64 end-of-central-directory locator');
    if (u32(bytes, loc) !== SIG_LOC64) throw new Error(`${fileName}: zip64 end-of-central-directory locator missing`);
    const e64 = u64(bytes, loc + 8, fileName, 'zip64 end record offset');
    need(bytes, fileName, e64, 56, 'zip64 end-of-central-directory record');
    if (u32(bytes, e64) !== SIG_EOCD64)
      throw new Error(`${fileName}: bad zip64 end-of-central-directory signature at offset ${e64}`);
    count = u64(bytes, e64 + 32, fileName, 'zip64 entry count');
    cdSize = u64(bytes, e64 + 40, fileName, 'zip64 central directory size');
    cdOffset = u64(bytes, e64 + 48, fileName, 'zip64 central directory offset');
  }
  need(bytes, fileName, cdOffset, cdSize, 'central directory');
  // Each entry takes at least 46 bytes, so the count is bounded by the directory's size.
  if (count * 46 > cdSize)
    throw new Error(
      `${fileName}: the central directory claims ${count} entries, more than its ${cdSize} bytes can hold`,
    );
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end) throw new Error(`${fileName}: central directory entry ${i} runs past the directory's end`);
    if (u32(bytes, p) !== SIG_CEN)
      throw new Error(`${fileName}: bad central directory signature for entry ${i} at offset ${p}`);
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const crc = u32(bytes, p + 16);
    let csize = u32(bytes, p + 20);
    let usize = u32(bytes, p + 24);
    const nameLen = u16(bytes, p + 28);
    const extraLen = u16(bytes, p + 30);
    const commentLen = u16(bytes, p + 32);
    let headerOffset = u32(bytes, p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > end) {
      throw new Error(`${fileName}: central directory entry ${i}: name/extra/comment run past the directory's end`);
    }
    const name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    const what = `${fileName}: entry '${name}'`;
    // zip64 extended information: the 0xffffffff fields, in order, are in extra field 0x0001.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = u16(bytes, x);
      const len = u16(bytes, x + 2);
      if (x + 4 + len > xEnd) throw new Error(`${what}: extra field runs past its end`);
      if (id === 0x0001) {
        let q = x + 4;
        const take = (field: string) => {
          if (q + 8 > x + 4 + len) throw new Error(`${what}: zip64 extra field lacks the ${field}`);
          const v = u64(bytes, q, fileName, `entry '${name}' ${field}`);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take('uncompressed size');
        if (csize === 0xffffffff) csize = take('compressed size');
        if (headerOffset === 0xffffffff) headerOffset = take('local header offset');
      }
      x += 4 + len;
    }
    if (flags & 1) throw new Error(`${what}: encrypted entries are not supported`);
    if (method !== 0 && method !== 8)
      throw new Error(`${what}: compression method ${method} is not supported (only stored 0 and deflate 8)`);
    if (method === 0 && csize !== usize)
      throw new Error(`${what}: stored entry with compressed size ${csize} != size ${usize}`);
    if (method === 8 && usize > csize * MAX_RATIO + 64) {
      throw new Error(`${what}: claims ${usize} bytes from ${csize} compressed, more than deflate can expand`);
    }
    need(bytes, fileName, headerOffset, 30 + csize, `entry '${name}' local header and data`);
    if (seen.has(name)) throw new Error(`${what}: appears twice in the central directory`);
    seen.add(name);
    entries.push({
      name,
      method,
      compressedSize: csize,
      size: usize,
      crc32: crc,
      headerOffset,
      isDirectory: name.endsWith('/'),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function localDataStart(bytes: Uint8Array, fileName: string, e: ZipEntry): number {
  const h = e.headerOffset;
  need(bytes, fileName, h, 30, `entry '${e.name}' local header`);
  if (u32(bytes, h) !== SIG_LOC)
    throw new Error(`${fileName}: entry '${e.name}': bad local header signature at offset ${h}`);
  const nameLen = u16(bytes, h + 26);
  const start = h + 30 + nameLen + u16(bytes, h + 28);
  need(bytes, fileName, h + 30, nameLen, `entry '${e.name}' local header name`);
  const local = utf8.decode(bytes.subarray(h + 30, h + 30 + nameLen));
  if (local !== e.name) {
    throw new Error(`${fileName}: entry '${e.name}': the local header names it '${local}' (the archive is corrupt)`);
  }
  need(bytes, fileName, start, e.compressedSize, `entry '${e.name}' data`);
  if (u16(bytes, h + 8) !== e.method)
    throw new Error(`${fileName}: entry '${e.name}': local header and central directory disagree on the method`);
  return start;
}

/** Entries whose data overlap (a known zip-bomb construction) are rejected. */
function checkNoOverlap(entries: readonly ZipEntry[], dataStart: Map<string, number>, fileName: string): void {
  const spans = entries.map((e) => [e.headerOffset, dataStart.get(e.name)! + e.compressedSize, e.name] as const);
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1])
      throw new Error(`${fileName}: entries '${spans[i - 1][2]}' and '${spans[i][2]}' overlap in the file`);
  }
}

/** Options of one entry written by ZipWriter. */
export interface ZipAddOptions {
  /** Deflate the entry (default true); it is stored instead if deflate does not make it smaller. */
  compress?: boolean;
  /** Modification time written in the headers (default 1980-01-01 00:00, so archives are reproducible). */
  date?: Date;
}

/**
 * Writes a zip archive (stored and deflated entries; no zip64, so under 4 GiB and 65535 entries).
 * @example
 * const w = new ZipWriter();
 * w.add('config.json', JSON.stringify(cfg));
 * w.add('model.weights.h5', h5bytes, { compress: false });
 * const bytes = await w.toBytes();
 */
export class ZipWriter {
  private readonly items: { name: string; data: Uint8Array; opts: ZipAddOptions }[] = [];

  constructor(private readonly impl: CodecImpl = 'auto') {}

  add(name: string, data: Uint8Array | string, opts: ZipAddOptions = {}): this {
    if (!name || name.startsWith('/') || name.includes('\\'))
      throw new Error(`ZipWriter.add: bad entry name '${name}'`);
    if (this.items.some((i) => i.name === name)) throw new Error(`ZipWriter.add: entry '${name}' added twice`);
    this.items.push({ name, data: typeof data === 'string' ? new TextEncoder().encode(data) : data, opts });
    return this;
  }

  async toBytes(): Promise<Uint8Array> {
    const enc = new TextEncoder();
    const locals: Uint8Array[] = [];
    const cens: Uint8Array[] = [];
    let offset = 0;
    for (const { name, data, opts } of this.items) {
      const nameBytes = enc.encode(name);
      const crc = crc32(data);
      let method = 0;
      let body = data;
      if (opts.compress !== false && data.length > 0) {
        const z = await deflate(data, 'raw', `ZipWriter: entry '${name}'`, this.impl);
        if (z.length < data.length) {
          method = 8;
          body = z;
        }
      }
      if (offset + 30 + nameBytes.length + body.length > 0xffffffff)
        throw new Error('ZipWriter: archives over 4 GiB (zip64) are not written');
      const [time, date] = dosTime(opts.date);
      const flags = /[^\x00-\x7f]/.test(name) ? 0x0800 : 0;
      const loc = new Uint8Array(30 + nameBytes.length);
      const lv = new DataView(loc.buffer);
      lv.setUint32(0, SIG_LOC, true);
      lv.setUint16(4, 20, true);
      lv.setUint16(6, flags, true);
      lv.setUint16(8, method, true);
      lv.setUint16(10, time, true);
      lv.setUint16(12, date, true);
      lv.setUint32(14, crc, true);
      lv.setUint32(18, body.length, true);
      lv.setUint32(22, data.length, true);
      lv.setUint16(26, nameBytes.length, true);
      loc.set(nameBytes, 30);
      const cen = new Uint8Array(46 + nameBytes.length);
      const cv = new DataView(cen.buffer);
      cv.setUint32(0, SIG_CEN, true);
      cv.setUint16(4, (3 << 8) | 20, true); // made by: Unix, version 2.0
      cv.setUint16(6, 20, true);
      cv.setUint16(8, flags, true);
      cv.setUint16(10, method, true);
      cv.setUint16(12, time, true);
      cv.setUint16(14, date, true);
      cv.setUint32(16, crc, true);
      cv.setUint32(20, body.length, true);
      cv.setUint32(24, data.length, true);
      cv.setUint16(28, nameBytes.length, true);
      cv.setUint32(38, (name.endsWith('/') ? 0o40755 : 0o100644) * 0x10000, true);
      cv.setUint32(42, offset, true);
      cen.set(nameBytes, 46);
      locals.push(loc, body);
      cens.push(cen);
      offset += loc.length + body.length;
    }
    if (this.items.length > 0xffff) throw new Error('ZipWriter: more than 65535 entries (zip64) are not written');
    const cdSize = cens.reduce((s, c) => s + c.length, 0);
    const eocd = new Uint8Array(22);
    const ev = new DataView(eocd.buffer);
    ev.setUint32(0, SIG_EOCD, true);
    ev.setUint16(8, this.items.length, true);
    ev.setUint16(10, this.items.length, true);
    ev.setUint32(12, cdSize, true);
    ev.setUint32(16, offset, true);
    const out = new Uint8Array(offset + cdSize + 22);
    let o = 0;
    for (const part of [...locals, ...cens, eocd]) {
      out.set(part, o);
      o += part.length;
    }
    return out;
  }
}

function dosTime(d?: Date): [number, number] {
  if (!d || d.getFullYear() < 1980) return [0, (0 << 9) | (1 << 5) | 1];
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
  const date = ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return [time, date];
}
