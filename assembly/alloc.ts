// The one allocator of the WASM heap: AssemblyScript's TLSF (16-byte aligned, so every
// buffer can be read with v128 loads). Called from the main thread only; kernels never allocate.

/** Allocates `bytes` bytes, 16-byte aligned. Grows memory when needed. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes < 16 ? 16 : bytes);
}

/** Frees a block returned by `alloc`. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
