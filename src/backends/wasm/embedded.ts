// The embedded module, for synchronous compilation (Node, workers): imported statically, so
// `import * as sg from 'simdgrad'` works with no file to serve and no `await sg.ready()` in Node.
// Browser bundles of the published package get embedded.browser.ts instead (package.json
// "browser" field): there the module is compiled asynchronously (`await sg.ready()`), from a
// dynamic import of the same base64 (a chunk of its own) or from a served .wasm (setWasmPath).
import { WASM_BASE64 } from './wasm-embedded.generated.js';

/** The embedded module as base64, where it is linked in statically; null where it is not. */
export function embeddedWasmBase64(): string | null {
  return WASM_BASE64;
}
