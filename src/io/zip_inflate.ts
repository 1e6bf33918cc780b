// Deflate and inflate through the platform (node:zlib in Node, CompressionStream /
// DecompressionStream in browsers), with the output bounded by what the caller was promised, and
// CRC-32. Shared by the zip reader/writer and the HDF5 gzip filter. No static Node import: the
// library bundles for browsers, so node:zlib is loaded on demand (src/callbacks/node_io.ts).
import { isNode, nodeZlib } from '../callbacks/node_io.js';

/** 'raw': a bare deflate stream (zip entries); 'zlib': RFC 1950 with header and Adler-32 (HDF5's gzip filter). */
export type DeflateFormat = 'raw' | 'zlib';

/** Which implementation runs: the platform's default, or the web streams forced (tests run both in Node). */
export type CodecImpl = 'auto' | 'web';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (ISO 3309, the zip and PNG polynomial) of `bytes`, continuing from `crc`.
 * @example crc32(new TextEncoder().encode('123456789')) === 0xcbf43926
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Inflates `data` (`format` 'raw' or 'zlib'), failing as soon as the output would exceed `maxSize`
 * bytes: a stream that claims little and inflates to much (a zip bomb) stops at the promised size,
 * never past it. `what` names the thing being inflated in errors.
 */
export async function inflate(
  data: Uint8Array,
  format: DeflateFormat,
  maxSize: number,
  what: string,
  impl: CodecImpl = 'auto',
): Promise<Uint8Array> {
  if (!(maxSize >= 0) || !Number.isSafeInteger(maxSize)) throw new Error(`${what}: bad size bound ${maxSize}`);
  if (impl === 'auto' && isNode()) {
    const zlib = await nodeZlib(what);
    const fn = format === 'raw' ? zlib.inflateRaw : zlib.inflate;
    return new Promise<Uint8Array>((resolve, reject) => {
      // maxOutputLength makes zlib stop and fail past the bound instead of growing its buffer.
      fn(data, { maxOutputLength: Math.max(1, maxSize) }, (err, out) => {
        if (err) {
          const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
          reject(
            new Error(
              tooBig
                ? `${what}: inflates to more than the ${maxSize} bytes its header promises`
                : `${what}: corrupt deflate data (${err.message})`,
            ),
          );
        } else if (out.length > maxSize) {
          reject(new Error(`${what}: inflates to more than the ${maxSize} bytes its header promises`));
        } else resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
      });
    });
  }
  return webTransform(data, new DecompressionStream(format === 'raw' ? 'deflate-raw' : 'deflate'), maxSize, what, true);
}

/** Deflates `data` into a raw deflate stream or a zlib stream. */
export async function deflate(
  data: Uint8Array,
  format: DeflateFormat,
  what: string,
  impl: CodecImpl = 'auto',
): Promise<Uint8Array> {
  if (impl === 'auto' && isNode()) {
    const zlib = await nodeZlib(what);
    const fn = format === 'raw' ? zlib.deflateRaw : zlib.deflate;
    return new Promise<Uint8Array>((resolve, reject) => {
      fn(data, { level: 6 }, (err, out) => {
        if (err) reject(new Error(`${what}: deflate failed (${err.message})`));
        else resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
      });
    });
  }
  return webTransform(data, new CompressionStream(format === 'raw' ? 'deflate-raw' : 'deflate'), Infinity, what, false);
}

/** Pipes `data` through a web (de)compression stream, reading the output chunk by chunk up to `maxSize`. */
async function webTransform(
  data: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  maxSize: number,
  what: string,
  inflating: boolean,
): Promise<Uint8Array> {
  if (typeof (globalThis as { DecompressionStream?: unknown }).DecompressionStream !== 'function') {
    throw new Error(`${what}: this platform has neither node:zlib nor DecompressionStream`);
  }
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Errors surface through the reader; the writer's promises are observed so they are not unhandled.
  const written = writer
    .write(data as Uint8Array<ArrayBuffer>)
    .then(() => writer.close())
    .catch(() => undefined);
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxSize) {
        await reader.cancel().catch(() => undefined);
        throw new Error(`${what}: inflates to more than the ${maxSize} bytes its header promises`);
      }
      parts.push(value);
    }
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.startsWith(what)) throw e;
    throw new Error(`${what}: ${inflating ? 'corrupt deflate data' : 'deflate failed'} (${msg})`);
  }
  await written;
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
