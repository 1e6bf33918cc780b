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
 * The same function as wasmHashJs, as a 346-byte wasm module (Liftoff compiles it in ~0.1 ms): in a
 * fresh process a JavaScript loop over the module's 149 KB runs in the interpreter (~6-10 ms);
 * this runs four lanes a step (~1 ms, most of it the runtime's first wasm compile, which the
 * kernels' module would pay next anyway). Made from this text by binaryen
 * (`binaryen.parseText(wat)`, SIMD on, `.emitBinary()`):
 * (module
 *  (memory (export "m") 1)
 *  (func $mix (param $h i32) (param $k i32) (result i32)
 *   (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h)
 *     (i32.mul (i32.rotl (i32.mul (local.get $k) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
 *    (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
 *  (func (export "h") (param $n i32) (result i32)
 *   (local $i i32) (local $h i32) (local $end i32) (local $v v128) (local $k v128)
 *   (local.set $end (i32.and (local.get $n) (i32.const -16)))
 *   (block $done
 *    (loop $blocks
 *     (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *     (local.set $k (i32x4.mul (v128.load (local.get $i)) (i32x4.splat (i32.const 0xcc9e2d51))))
 *     (local.set $k (i32x4.mul (v128.or (i32x4.shl (local.get $k) (i32.const 15)) (i32x4.shr_u (local.get $k) (i32.const 17))) (i32x4.splat (i32.const 0x1b873593))))
 *     (local.set $v (v128.xor (local.get $v) (local.get $k)))
 *     (local.set $v (v128.or (i32x4.shl (local.get $v) (i32.const 13)) (i32x4.shr_u (local.get $v) (i32.const 19))))
 *     (local.set $v (i32x4.add (i32x4.mul (local.get $v) (i32x4.splat (i32.const 5))) (i32x4.splat (i32.const 0xe6546b64))))
 *     (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *     (br $blocks)))
 *   (local.set $h (call $mix (local.get $h) (i32x4.extract_lane 0 (local.get $v))))
 *   (local.set $h (call $mix (local.get $h) (i32x4.extract_lane 1 (local.get $v))))
 *   (local.set $h (call $mix (local.get $h) (i32x4.extract_lane 2 (local.get $v))))
 *   (local.set $h (call $mix (local.get $h) (i32x4.extract_lane 3 (local.get $v))))
 *   (block $tdone
 *    (loop $words
 *     (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
 *     (local.set $h (call $mix (local.get $h) (i32.load (local.get $i))))
 *     (local.set $i (i32.add (local.get $i) (i32.const 4)))
 *     (br $words)))
 *   (local.set $h (i32.xor (local.get $h) (local.get $n)))
 *   (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
 *   (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
 *   (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16)))))
 * (the last word is read whole: the bytes past the end are the fresh memory's zeros).
 */
// prettier-ignore
const HASH_MODULE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 12, 2, 96, 2, 127, 127, 1, 127, 96, 1, 127, 1, 127, 3, 3, 2, 0, 1, 5, 3, 1, 0, 1,
  7, 9, 2, 1, 109, 2, 0, 1, 104, 0, 1, 10, 172, 2, 2, 37, 0, 32, 0, 32, 1, 65, 209, 218, 248, 228, 124, 108, 65, 15,
  119, 65, 147, 235, 156, 220, 1, 108, 115, 65, 13, 119, 65, 5, 108, 65, 228, 214, 209, 178, 126, 106, 11, 131, 2, 2,
  3, 127, 2, 123, 32, 0, 65, 112, 113, 33, 3, 2, 64, 3, 64, 32, 1, 32, 3, 79, 13, 1, 32, 1, 253, 0, 4, 0, 65, 209,
  218, 248, 228, 124, 253, 17, 253, 181, 1, 33, 5, 32, 5, 65, 15, 253, 171, 1, 32, 5, 65, 17, 253, 173, 1, 253, 80,
  65, 147, 235, 156, 220, 1, 253, 17, 253, 181, 1, 33, 5, 32, 4, 32, 5, 253, 81, 33, 4, 32, 4, 65, 13, 253, 171, 1,
  32, 4, 65, 19, 253, 173, 1, 253, 80, 33, 4, 32, 4, 65, 5, 253, 17, 253, 181, 1, 65, 228, 214, 209, 178, 126, 253,
  17, 253, 174, 1, 33, 4, 32, 1, 65, 16, 106, 33, 1, 12, 0, 11, 0, 11, 32, 2, 32, 4, 253, 27, 0, 16, 0, 33, 2, 32, 2,
  32, 4, 253, 27, 1, 16, 0, 33, 2, 32, 2, 32, 4, 253, 27, 2, 16, 0, 33, 2, 32, 2, 32, 4, 253, 27, 3, 16, 0, 33, 2, 2,
  64, 3, 64, 32, 1, 32, 0, 79, 13, 1, 32, 2, 32, 1, 40, 2, 0, 16, 0, 33, 2, 32, 1, 65, 4, 106, 33, 1, 12, 0, 11, 0,
  11, 32, 2, 32, 0, 115, 33, 2, 32, 2, 32, 2, 65, 16, 118, 115, 65, 235, 148, 175, 175, 120, 108, 33, 2, 32, 2, 32,
  2, 65, 13, 118, 115, 65, 181, 220, 202, 149, 124, 108, 33, 2, 32, 2, 32, 2, 65, 16, 118, 115, 11,
];

/**
 * A 32-bit hash of `bytes` (MurmurHash3's x86_32 steps over four interleaved lanes of
 * little-endian 32-bit words, the lanes and the last words then mixed into one, finalized with the
 * length): the check of dist/simdgrad.wasm against the embedded module, whose hash
 * scripts/build-wasm.mjs writes into WASM_HASH. Computed by a tiny wasm module (HASH_MODULE);
 * wasmHashJs where that cannot run. A guard against a stale build, not against a crafted file
 * (whoever can write the package's files can write its JavaScript).
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

/** MurmurHash3's x86_32 step: `h` after taking in the word `k`. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** wasmHash in JavaScript: the reference the wasm version is tested against, and its fallback. */
export function wasmHashJs(bytes: Uint8Array): number {
  const n = bytes.length;
  const word = (p: number) => (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) | 0;
  const lanes = [0, 0, 0, 0];
  const end = n & ~15;
  for (let p = 0; p < end; p += 16) for (let j = 0; j < 4; j++) lanes[j] = mix(lanes[j], word(p + 4 * j));
  let h = 0;
  for (let j = 0; j < 4; j++) h = mix(h, lanes[j]);
  // the last 0-15 bytes as words, the last one padded with zeros (undefined | 0 is 0)
  for (let p = end; p < n; p += 4) h = mix(h, word(p));
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
