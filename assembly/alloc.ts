// The WASM heap is managed from JavaScript (src/backends/wasm/heap.ts): kernels never allocate,
// and sizes and pointers above 2^31 stay exact there. The module only says where its static
// data ends, so that the allocator starts above it.

/** The first byte after the module's static data (AssemblyScript's __heap_base). */
export function heapBase(): usize {
  return __heap_base;
}
