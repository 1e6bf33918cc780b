// The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
// magic number 0x0000TTNN (TT: element type, NN: number of dimensions), NN big-endian uint32
// dimension sizes, then the elements, big-endian. Also gzip detection and decompression, with
// Node's zlib (loaded on demand) or the browser's DecompressionStream, bounded by the size the
// IDX header promises (a gzip bomb stops there).
import { isNode, nodeZlib } from '../callbacks/node_io.js';
import { checkOutputSize } from '../utils/size.js';
import { checkOptions } from '../utils/options.js';

/** The element types IDX defines, by type code. */
const TYPES: Record<number, { name: IdxType; size: number }> = {
  0x08: { name: 'uint8', size: 1 },
  0x09: { name: 'int8', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
};

/** The element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array: `data` in row-major order, converted to host byte order. */
export interface IdxArray {
  /** The element type. */
  type: IdxType;
  /** The magic number, e.g. 0x00000803 for MNIST images (uint8, 3 dimensions). */
  magic: number;
  /** The dimensions, outermost first. */
  shape: number[];
  /** The values, row-major, in the typed array of `type`. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * Parses IDX bytes (already decompressed), checking the magic number and that the data length
 * matches the dimensions exactly; `name` labels the errors.
 * @example
 * const { shape, data } = sg.datasets.parseIdx(bytes, 'train-images-idx3-ubyte'); // [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new Error(`parseIdx: argument 'bytes' of ${name} must be a Uint8Array`);
  if (bytes.length < 4)
    throw new Error(`parseIdx: ${name} is truncated: ${bytes.length} bytes, too short for the IDX magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = TYPES[bytes[2]];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || ndim === 0) {
    throw new Error(
      `parseIdx: ${name} has a bad magic number ${hex(magic)}; an IDX file starts with 0x0000TTNN ` +
        `(TT: type code 08, 09, 0b, 0c, 0d or 0e; NN: dimensions >= 1)` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this looks gzipped: decompress it first)' : ''),
    );
  }
  const header = 4 + 4 * ndim;
  if (bytes.length < header) {
    throw new Error(
      `parseIdx: ${name} is truncated: ${bytes.length} bytes, but its header of ${ndim} dimensions needs ${header}`,
    );
  }
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * type.size;
  const have = bytes.length - header;
  if (have < need) {
    throw new Error(
      `parseIdx: ${name} is truncated: shape [${shape.join(', ')}] of ${type.name} needs ${need} bytes of data after the ` +
        `${header}-byte header, found ${have}`,
    );
  }
  if (have > need) {
    throw new Error(
      `parseIdx: ${name} has ${have - need} unexpected bytes after the data of shape [${shape.join(', ')}] (${type.name})`,
    );
  }
  let data: IdxArray['data'];
  switch (type.name) {
    case 'uint8':
      data = bytes.slice(header, header + need);
      break;
    case 'int8':
      data = new Int8Array(bytes.slice(header, header + need).buffer);
      break;
    default: {
      const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.name];
      const out = new Ctor(count);
      const get = {
        int16: (o: number) => view.getInt16(o, false),
        int32: (o: number) => view.getInt32(o, false),
        float32: (o: number) => view.getFloat32(o, false),
        float64: (o: number) => view.getFloat64(o, false),
      }[type.name];
      for (let i = 0; i < count; i++) out[i] = get(header + i * type.size);
      data = out;
    }
  }
  return { type: type.name, magic, shape, data };
}

/**
 * Encodes an array as IDX bytes (big-endian), e.g. to write test fixtures.
 * @example
 * const bytes = sg.datasets.encodeIdx({ type: 'uint8', shape: [2], data: new Uint8Array([3, 7]) });
 */
export function encodeIdx(arr: { type: IdxType; shape: number[]; data: ArrayLike<number> }): Uint8Array {
  const code = Number(Object.keys(TYPES).find((k) => TYPES[Number(k)].name === arr.type));
  if (!code) throw new Error(`encodeIdx: unknown type '${arr.type}'`);
  const size = TYPES[code].size;
  if (!Array.isArray(arr.shape) || arr.shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 32 - 1)) {
    throw new Error(`encodeIdx: shape must be a list of integers in [0, 2^32) but is ${JSON.stringify(arr.shape)}`);
  }
  checkOutputSize('encodeIdx', arr.shape, size, `the ${arr.type} IDX data`, 2 ** 32);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count) {
    throw new Error(`encodeIdx: shape [${arr.shape.join(', ')}] needs ${count} values but data has ${arr.data.length}`);
  }
  const header = 4 + 4 * arr.shape.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = arr.shape.length;
  arr.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const o = header + i * size;
    const v = arr.data[i];
    if (arr.type === 'uint8') out[o] = v;
    else if (arr.type === 'int8') view.setInt8(o, v);
    else if (arr.type === 'int16') view.setInt16(o, v, false);
    else if (arr.type === 'int32') view.setInt32(o, v, false);
    else if (arr.type === 'float32') view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Limits of maybeGunzip. */
export interface GunzipLimits {
  /** The most bytes to inflate (default 1 GiB); past it decompression stops and throws. */
  maxBytes?: number;
  /**
   * Reads the size the data promises from its first bytes (undefined while more are needed);
   * inflating stops and throws once the output passes it (idxSizeFromHeader for IDX files).
   */
  sizeFromHeader?: (head: Uint8Array) => number | undefined;
}

/** The default `maxBytes` of maybeGunzip: 1 GiB. */
export const GUNZIP_MAX_BYTES = 2 ** 30;

/**
 * The total size (header + data) an IDX file's header promises, from its first bytes; undefined
 * while the header is incomplete. A header that is not IDX gives its own length, so that
 * parseIdx, not the decompressor, reports the bad magic number.
 * @example sg.datasets.maybeGunzip(gz, 'train-images.gz', { sizeFromHeader: sg.datasets.idxSizeFromHeader });
 */
export function idxSizeFromHeader(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  const type = TYPES[head[2]];
  const ndim = head[3];
  if (head[0] !== 0 || head[1] !== 0 || type === undefined || ndim === 0) return 4;
  const header = 4 + 4 * ndim;
  if (head.length < header) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let i = 0; i < ndim; i++) count *= view.getUint32(4 + 4 * i, false);
  return header + count * type.size;
}

/**
 * Decompresses gzip data (detected by its magic bytes, whatever the file name says); other data
 * is returned as is. Node: zlib; browsers: DecompressionStream. Inflating is bounded: it stops
 * at `limits.maxBytes` (default 1 GiB) and at the size `limits.sizeFromHeader` reads from the
 * first bytes, so a gzip bomb costs at most that much memory, not what it expands to.
 * @example
 * const raw = await sg.datasets.maybeGunzip(fileBytes, 'train-images-idx3-ubyte.gz');
 */
export async function maybeGunzip(bytes: Uint8Array, name = 'data', limits: GunzipLimits = {}): Promise<Uint8Array> {
  const fn = 'maybeGunzip';
  checkOptions(fn, limits, ['maxBytes', 'sizeFromHeader'], 'limits');
  if (!isGzip(bytes)) return bytes;
  const maxBytes = limits.maxBytes ?? GUNZIP_MAX_BYTES;
  const chunks: Uint8Array[] = [];
  let total = 0;
  let cap = maxBytes;
  let capWhy = '(maxBytes)';
  let promised: number | undefined;
  /** Takes one output chunk; returns false (and sets the error) once past the cap. */
  const take = (c: Uint8Array): void => {
    chunks.push(c);
    total += c.length;
    if (promised === undefined && limits.sizeFromHeader) {
      promised = limits.sizeFromHeader(concat(chunks, Math.min(total, 4096)));
      if (promised !== undefined && promised < cap) {
        cap = promised;
        capWhy = 'its header promises';
      }
    }
    if (total > cap) {
      throw new BoundError(
        `${fn}: ${name} decompresses to more than ${capWhy === '(maxBytes)' ? `${n(cap)} bytes (maxBytes)` : `the ${n(cap)} bytes its header promises`}; ` +
          `stopped after ${n(total)} bytes`,
      );
    }
  };
  try {
    if (isNode()) {
      const zlib = await nodeZlib(fn);
      const gz = zlib.createGunzip({ chunkSize: 64 * 1024 });
      gz.end(bytes);
      try {
        for await (const c of gz)
          take(new Uint8Array((c as Uint8Array).buffer, (c as Uint8Array).byteOffset, (c as Uint8Array).length));
      } finally {
        gz.destroy();
      }
    } else {
      const DS = (globalThis as { DecompressionStream?: new (f: string) => TransformStream<Uint8Array, Uint8Array> })
        .DecompressionStream;
      if (!DS) throw new Error('this environment has neither zlib nor DecompressionStream');
      const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS('gzip')).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          take(value);
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    }
  } catch (e) {
    if (e instanceof BoundError) throw new Error(e.message);
    throw new Error(`${fn}: cannot decompress ${name} (corrupt or truncated gzip data?): ${(e as Error).message}`);
  }
  return concat(chunks, total);
}

/** The error of a bound reached (told apart from zlib's own errors). */
class BoundError extends Error {}

/** The first `len` bytes of `chunks`, joined. */
function concat(chunks: Uint8Array[], len: number): Uint8Array {
  if (chunks.length === 1 && chunks[0].length === len) return chunks[0];
  const out = new Uint8Array(len);
  let o = 0;
  for (const c of chunks) {
    if (o >= len) break;
    const part = c.length <= len - o ? c : c.subarray(0, len - o);
    out.set(part, o);
    o += part.length;
  }
  return out;
}

const n = (v: number) => v.toLocaleString('en-US');
