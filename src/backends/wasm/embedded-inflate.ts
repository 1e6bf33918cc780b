// The embedded wasm module ships deflated (raw DEFLATE, RFC 1951, then base64): ~45 KB of
// base64-able bytes instead of ~165 KB (issue 17: the package's size). This file turns it back
// into the module's bytes:
//   - synchronously (Node, workers): Node's zlib through process.getBuiltinModule (Node 20.16+,
//     22.3+; no static import of 'node:zlib', so browser bundles are untouched), else inflateRaw
//     below in plain JavaScript;
//   - asynchronously (browser bundles: `await sg.ready()`): DecompressionStream('deflate-raw')
//     where the runtime has it (Chrome 103+, Firefox 113+, Safari 16.4+), else the same inflateRaw.
// Every path checks that the output is exactly the expected size.

/** Decodes base64 (the embedded module's text) into bytes: Node's native Buffer where present. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const buffer = (globalThis as { Buffer?: { from(s: string, enc: 'base64'): Uint8Array } }).Buffer;
  if (buffer) {
    const b = buffer.from(b64, 'base64'); // native, ~100x faster than the loop below in a cold process
    const out = new Uint8Array(b.length);
    out.set(b);
    return out;
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function sizeError(got: number, size: number): Error {
  return new Error(`simdgrad wasm: the embedded module inflated to ${got} bytes, expected ${size}`);
}

type Zlib = { inflateRawSync(data: Uint8Array): Uint8Array };

/** Inflates raw DEFLATE `data` to exactly `size` bytes, synchronously. */
export function inflateSync(data: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('zlib') as Zlib | undefined;
  if (zlib) {
    const out = zlib.inflateRawSync(data);
    if (out.length !== size) throw sizeError(out.length, size);
    const copy = new Uint8Array(size); // an own ArrayBuffer (zlib's may be pooled)
    copy.set(out);
    return copy;
  }
  return inflateRaw(data, size);
}

/** Inflates raw DEFLATE `data` to exactly `size` bytes: DecompressionStream where available. */
export async function inflateAsync(data: Uint8Array<ArrayBuffer>, size: number): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof DecompressionStream !== 'function' || typeof Response !== 'function') return inflateSync(data, size);
  let stream: DecompressionStream;
  try {
    stream = new DecompressionStream('deflate-raw' as CompressionFormat);
  } catch {
    return inflateSync(data, size); // a runtime without the 'deflate-raw' format
  }
  const out = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(stream)).arrayBuffer());
  if (out.length !== size) throw sizeError(out.length, size);
  return out;
}

// ---- inflate in JavaScript (RFC 1951), for runtimes with neither zlib nor DecompressionStream ----

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which a dynamic block sends its code-length code lengths. */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A canonical Huffman code as a lookup table indexed by the next `bits` input bits (LSB first):
 * each entry is symbol << 4 | code length, 0 where no code matches.
 */
interface Huffman {
  table: Int32Array;
  bits: number;
}

function huffman(lengths: Uint8Array, fail: (why: string) => Error): Huffman {
  const counts = new Uint16Array(16);
  for (const l of lengths) counts[l]++;
  counts[0] = 0;
  let left = 1; // over-subscribed codes are invalid (incomplete ones are allowed, as zlib does)
  let bits = 1;
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len < 16; len++) {
    left = left * 2 - counts[len];
    if (left < 0) throw fail('over-subscribed Huffman code');
    if (counts[len]) bits = len;
    code = (code + counts[len - 1]) << 1;
    next[len] = code;
  }
  const table = new Int32Array(1 << bits);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (!len) continue;
    const code = next[len]++;
    let rev = 0; // the code's bits reversed: the stream sends Huffman codes MSB first
    for (let k = 0; k < len; k++) rev |= ((code >> k) & 1) << (len - 1 - k);
    for (let k = rev; k < table.length; k += 1 << len) table[k] = (s << 4) | len;
  }
  return { table, bits };
}

/**
 * Inflates raw DEFLATE `src` into exactly `size` bytes (table-driven Huffman decoding; only
 * runtimes without zlib or DecompressionStream use it). Throws on malformed data or any other
 * output size.
 */
export function inflateRaw(src: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const fail = (why: string): Error => new Error(`simdgrad wasm: cannot inflate the embedded module (${why})`);
  const out = new Uint8Array(size);
  let pos = 0;
  let o = 0;
  let buf = 0;
  let cnt = 0;
  const bits = (n: number): number => {
    while (cnt < n) {
      if (pos >= src.length) throw fail('truncated data');
      buf |= src[pos++] << cnt;
      cnt += 8;
    }
    const v = buf & ((1 << n) - 1);
    buf >>>= n;
    cnt -= n;
    return v;
  };
  const decode = (h: Huffman): number => {
    while (cnt < h.bits && pos < src.length) {
      buf |= src[pos++] << cnt;
      cnt += 8;
    }
    const e = h.table[buf & ((1 << h.bits) - 1)];
    const len = e & 15;
    if (len === 0) throw fail('invalid Huffman code');
    if (len > cnt) throw fail('truncated data');
    buf >>>= len;
    cnt -= len;
    return e >> 4;
  };
  const codes = (lit: Huffman, dist: Huffman): void => {
    for (;;) {
      const sym = decode(lit);
      if (sym < 256) {
        if (o >= size) throw fail('output larger than expected');
        out[o++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) throw fail('invalid length code');
        const len = LENGTH_BASE[li] + bits(LENGTH_EXTRA[li]);
        const di = decode(dist);
        if (di >= 30) throw fail('invalid distance code');
        const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
        if (d > o) throw fail('distance before the start');
        if (o + len > size) throw fail('output larger than expected');
        for (let k = 0; k < len; k++, o++) out[o] = out[o - d];
      }
    }
  };
  let fixed: [Huffman, Huffman] | null = null;
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      buf = 0; // stored: the rest of the current byte is padding
      cnt = 0;
      if (pos + 4 > src.length) throw fail('truncated data');
      const len = src[pos] | (src[pos + 1] << 8);
      const nlen = src[pos + 2] | (src[pos + 3] << 8);
      if (len !== (~nlen & 0xffff)) throw fail('stored block length check');
      pos += 4;
      if (pos + len > src.length) throw fail('truncated data');
      if (o + len > size) throw fail('output larger than expected');
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
    } else if (type === 1) {
      if (!fixed) {
        const l = new Uint8Array(288);
        l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixed = [huffman(l, fail), huffman(new Uint8Array(30).fill(5), fail)];
      }
      codes(fixed[0], fixed[1]);
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlen > 286 || ndist > 30) throw fail('bad code counts');
      const cl = new Uint8Array(19);
      for (let k = 0; k < ncode; k++) cl[CLEN_ORDER[k]] = bits(3);
      const clh = huffman(cl, fail);
      const lengths = new Uint8Array(nlen + ndist);
      for (let k = 0; k < nlen + ndist; ) {
        const sym = decode(clh);
        if (sym < 16) {
          lengths[k++] = sym;
          continue;
        }
        let rep: number;
        let val = 0;
        if (sym === 16) {
          if (k === 0) throw fail('repeat with no previous length');
          val = lengths[k - 1];
          rep = 3 + bits(2);
        } else if (sym === 17) rep = 3 + bits(3);
        else rep = 11 + bits(7);
        if (k + rep > nlen + ndist) throw fail('too many lengths');
        lengths.fill(val, k, k + rep);
        k += rep;
      }
      if (lengths[256] === 0) throw fail('no end-of-block code');
      codes(huffman(lengths.subarray(0, nlen), fail), huffman(lengths.subarray(nlen), fail));
    } else {
      throw fail('invalid block type');
    }
  }
  if (o !== size) throw sizeError(o, size);
  return out;
}
