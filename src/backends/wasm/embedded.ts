// The embedded module, for synchronous compilation (Node, workers): imported statically, so
// `import * as sg from 'simdgrad'` works with no file to serve and no `await sg.ready()` in Node.
// It ships deflated (embedded-inflate.ts); inflating it here takes well under a millisecond with
// Node's zlib. Browser bundles of the published package get embedded.browser.ts instead
// (package.json "browser" field): there the module is compiled asynchronously (`await
// sg.ready()`), from a dynamic import of the same text (a chunk of its own) or from a served
// .wasm (setWasmPath).
import { WASM_DEFLATED_BASE64 } from './wasm-embedded.generated.js';
import { WASM_BYTES } from './wasm-binary.generated.js';
import { decodeBase64, inflateSync } from './embedded-inflate.js';

/** The embedded module's bytes, where it is linked in statically; null where it is not. */
export function embeddedWasm(): Uint8Array<ArrayBuffer> | null {
  return inflateSync(decodeBase64(WASM_DEFLATED_BASE64), WASM_BYTES);
}
