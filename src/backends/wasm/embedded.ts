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
// ms; the read ~0.2 ms). Anywhere else (a bundle, tsx on the sources, a missing or resized file)
// the embedded copy is inflated as before.
import { WASM_DEFLATED_BASE64 } from './wasm-embedded.generated.js';
import { WASM_BYTES } from './wasm-binary.generated.js';
import { decodeBase64, inflateSync } from './embedded-inflate.js';

/** The embedded module's bytes, where it is linked in statically; null where it is not. */
export function embeddedWasm(): Uint8Array<ArrayBuffer> | null {
  return packagedWasm() ?? inflateSync(decodeBase64(WASM_DEFLATED_BASE64), WASM_BYTES);
}

/**
 * The module's bytes from dist/simdgrad.wasm, when this file runs in Node as the package's own
 * dist/backends/wasm/embedded.js and that file has the embedded module's size; else null.
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
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer) return new Uint8Array(b.buffer);
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return copy;
}
