// The embedded module, for synchronous compilation (Node, workers): imported statically, so
// `import * as sg from 'simdgrad'` works with no file to serve and no `await sg.ready()` in Node.
// It ships deflated (embedded-inflate.ts). Browser bundles of the published package get
// embedded.browser.ts instead (package.json "browser" field): there the module is compiled
// asynchronously (`await sg.ready()`), from a dynamic import of the same text (a chunk of its own)
// or from a served .wasm (setWasmPath).
//
// In Node, run from the published package itself, the same bytes are read from the package's
// dist/simdgrad.wasm instead (written with this file by scripts/pack-build.mjs, which checks that
// it is the module embedded here): a fresh process then skips loading zlib and inflating, ~7 ms
// of issue 17's cold start on a slow machine (zlib's first load ~3-4 ms, the first inflate ~3-4
// ms; the read ~0.2 ms). The file must have the embedded module's size and hash (WASM_HASH, its
// wasmHash computed by scripts/build-wasm.mjs): a stale or edited file of the same size in a dev
// tree is not loaded. Anywhere else (a bundle, tsx on the sources, a missing, resized or changed
// file) the embedded copy is inflated as before.
import { WASM_DEFLATED_BASE64 } from './wasm-embedded.generated.js';
import { WASM_BYTES, WASM_HASH } from './wasm-binary.generated.js';
import { decodeBase64, inflateSync } from './embedded-inflate.js';

/** The embedded module's bytes, where it is linked in statically; null where it is not. */
export function embeddedWasm(): Uint8Array<ArrayBuffer> | null {
  return packagedWasm() ?? inflateSync(decodeBase64(WASM_DEFLATED_BASE64), WASM_BYTES);
}

/**
 * The same function as wasmHashJs, as a 204-byte wasm module (Liftoff compiles it in ~0.1 ms): in a
 * fresh process the JavaScript loop runs in the interpreter, ~6-10 ms for the module's 149 KB.
 * Made from this text by binaryen (`binaryen.parseText(wat).emitBinary()`):
 *   (module (memory (export "m") 1)
 *    (func (export "h") (param $n i32) (result i32) (local $i i32) (local $h i32) (local $k i32) (local $end i32)
 *     (local.set $end (i32.and (local.get $n) (i32.const -4)))
 *     (block $done (loop $words
 *      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *      (local.set $k (i32.mul (i32.rotl (i32.mul (i32.load (local.get $i)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
 *      (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $k)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
 *      (local.set $i (i32.add (local.get $i) (i32.const 4))) (br $words)))
 *     (if (i32.and (local.get $n) (i32.const 3)) (then (local.set $h (i32.xor (local.get $h)
 *      (i32.mul (i32.rotl (i32.mul (i32.load (local.get $end)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593))))))
 *     (local.set $h (i32.xor (local.get $h) (local.get $n)))
 *     (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
 *     (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
 *     (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16)))))
 * (the tail's last word is read whole: the bytes past the end are the fresh memory's zeros).
 */
// prettier-ignore
const HASH_MODULE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 9, 2, 1, 109, 2, 0, 1, 104, 0, 0, 10, 165,
  1, 1, 162, 1, 1, 4, 127, 32, 0, 65, 124, 113, 33, 4, 2, 64, 3, 64, 32, 1, 32, 4, 79, 13, 1, 32, 1, 40, 2, 0, 65, 209, 218, 248,
  228, 124, 108, 65, 15, 119, 65, 147, 235, 156, 220, 1, 108, 33, 3, 32, 2, 32, 3, 115, 65, 13, 119, 65, 5, 108, 65, 228, 214,
  209, 178, 126, 106, 33, 2, 32, 1, 65, 4, 106, 33, 1, 12, 0, 11, 0, 11, 32, 0, 65, 3, 113, 4, 64, 32, 2, 32, 4, 40, 2, 0, 65,
  209, 218, 248, 228, 124, 108, 65, 15, 119, 65, 147, 235, 156, 220, 1, 108, 115, 33, 2, 11, 32, 2, 32, 0, 115, 33, 2, 32, 2, 32,
  2, 65, 16, 118, 115, 65, 235, 148, 175, 175, 120, 108, 33, 2, 32, 2, 32, 2, 65, 13, 118, 115, 65, 181, 220, 202, 149, 124, 108,
  33, 2, 32, 2, 32, 2, 65, 16, 118, 115, 11,
];

/**
 * MurmurHash3 (x86, 32-bit, seed 0) of `bytes` (little-endian 32-bit words): the check of
 * dist/simdgrad.wasm against the embedded module, whose hash scripts/build-wasm.mjs writes into
 * WASM_HASH. Computed by a tiny wasm module (~0.3 ms for the 149 KB module in a fresh process,
 * against ~6-10 ms for wasmHashJs there); wasmHashJs where that cannot run. A guard against a stale
 * build, not against a crafted file (whoever can write the package's files can write its JavaScript).
 */
export function wasmHash(bytes: Uint8Array): number {
  let ex: { m: WebAssembly.Memory; h(n: number): number };
  try {
    ex = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(HASH_MODULE))).exports as typeof ex;
    const pages = Math.ceil((bytes.length + 4) / 65536);
    if (pages > 1) ex.m.grow(pages - 1);
  } catch {
    return wasmHashJs(bytes);
  }
  new Uint8Array(ex.m.buffer).set(bytes);
  return ex.h(bytes.length) >>> 0;
}

/** wasmHash in JavaScript: the reference the wasm version is tested against, and its fallback. */
export function wasmHashJs(bytes: Uint8Array): number {
  const n = bytes.length;
  const words = n >>> 2;
  let h = 0;
  for (let i = 0; i < words; i++) {
    let k = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let i = n & 3; i > 0; i--) k |= bytes[words * 4 + i - 1] << (8 * (i - 1));
  if (n & 3) {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The module's bytes from dist/simdgrad.wasm, when this file runs in Node as the package's own
 * dist/backends/wasm/embedded.js and that file has the embedded module's size and hash; else null.
 */
export function packagedWasm(): Uint8Array<ArrayBuffer> | null {
  const url = (import.meta as { url?: unknown }).url;
  if (typeof url !== 'string' || !url.startsWith('file:') || !url.endsWith('/dist/backends/wasm/embedded.js')) return null;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('fs') as { readFileSync(p: URL): Uint8Array } | undefined;
  if (!fs) return null;
  let b: Uint8Array;
  try {
    b = fs.readFileSync(new URL('../../simdgrad.wasm', url));
  } catch {
    return null;
  }
  if (b.length !== WASM_BYTES) return null;
  // an ArrayBuffer of its own (a Buffer may view a larger, pooled one)
  let own: Uint8Array<ArrayBuffer>;
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer) own = new Uint8Array(b.buffer);
  else {
    own = new Uint8Array(b.length);
    own.set(b);
  }
  return wasmHash(own) === WASM_HASH ? own : null;
}
