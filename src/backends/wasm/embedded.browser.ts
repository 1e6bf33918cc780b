// What browser bundles of the published package get for embedded.ts (package.json "browser"
// field maps dist/backends/wasm/embedded.js here): no static copy of the module, so a bundle
// carries the module's text (~60 KB of deflated base64) only in the chunk that `await sg.ready()`
// loads, and not at all when setWasmPath names a served simdgrad.wasm.

/** No statically linked module in a browser bundle: the loader compiles asynchronously. */
export function embeddedWasm(): Uint8Array<ArrayBuffer> | null {
  return null;
}
