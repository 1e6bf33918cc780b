// The allocator of the WASM heap, in JavaScript. Every tensor buffer, scratch block and worker
// control block is a range of the module's one linear memory; this class decides which.
//
// Why not AssemblyScript's TLSF (the previous allocator): (1) it caps one block at 1 GiB - 16
// bytes (BLOCK_MAXSIZE), so a [2^28] float32 tensor could not exist although the memory grows
// to 4 GiB; (2) its sizes and pointers cross into JavaScript as i32, so a byte count of 2^32
// wrapped to 0 (a 16-byte block that a kernel then wrote 4 GiB into, overwriting other tensors)
// and addresses above 2^31 came back negative; (3) its metadata lives in the heap itself, where
// any kernel overrun corrupts it; (4) it grows memory by doubling, so at 2 GiB in use a 16-byte
// request reserves the last 2 GiB. Here sizes and pointers are JavaScript numbers (exact to
// 2^53), every request is checked against the memory's maximum before anything is grown or
// written, the bookkeeping lives in JavaScript maps that no kernel can reach, and growth is
// what is needed plus a bounded margin.
//
// The structure is TLSF's: free blocks in segregated lists (8 sub-classes per power of two),
// good fit from the request's class up, split on allocation, merged with free neighbours on
// free. Only the main thread allocates; kernels and workers never do.

/** Alignment of every block: whole v128 loads, and no two buffers share a 16-byte line. */
export const HEAP_ALIGN = 16;
const PAGE = 65536;
const SUB_BITS = 3;
const SUB = 1 << SUB_BITS;
/** Bins: 8 sub-classes for each power of two up to 2^32. */
const BINS = 33 * SUB;
/** Growth margin beyond what a request needs: a quarter of the heap, between 1 and 64 MiB. */
const GROW_MIN = 1 << 20;
const GROW_MAX = 64 << 20;
/**
 * Bytes kept free at the top of a 4 GiB memory: a block ending at exactly 2^32 would make an
 * end pointer wrap to 0 in the kernels' u32 arithmetic.
 */
const TOP_GUARD = 64;

/** Thrown when a request cannot be met; nothing was grown or written. */
export class HeapAllocationError extends Error {
  constructor(
    message: string,
    readonly bytesRequested: number,
  ) {
    super(message);
    this.name = 'HeapAllocationError';
  }
}

/** `1,234,567 bytes (1.2 MiB)`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const exact = `${n.toLocaleString('en-US')} bytes`;
  return u === 0 ? exact : `${exact} (${v.toFixed(v < 10 ? 2 : 1)} ${units[u]})`;
}

/** The size class of a block size (16 <= size < 2^32): 8 classes per power of two. */
function binOf(size: number): number {
  const fl = 31 - Math.clz32(size);
  return fl * SUB + ((size >>> (fl - SUB_BITS)) & (SUB - 1));
}

/**
 * Quick lists: freed blocks of up to QUICK_MAX bytes wait, unmerged, in a list per exact size,
 * and the next request of that size takes one back with a Map lookup and a pop. A training loop
 * asks for the same sizes every batch, so nearly every allocation is served this way (measured:
 * the segregated-list path cost ~20% of a loop of 8x8 adds). At most QUICK_LEN blocks a size and
 * QUICK_BYTES in all wait there; all of them are merged back before the heap grows.
 */
const QUICK_MAX = 4 << 20;
const QUICK_LEN = 16;
const QUICK_BYTES = 64 << 20;

export class WasmHeap {
  /** Live blocks: start -> size. */
  private readonly used = new Map<number, number>();
  /** Free blocks by start and by end (for merging), and by size class (for searching). */
  private readonly freeByStart = new Map<number, number>();
  private readonly freeByEnd = new Map<number, number>();
  private readonly bins: Set<number>[] = Array.from({ length: BINS }, () => new Set<number>());
  /** The end of the managed range: everything in [base, top) is a used or a free block. */
  private top: number;
  private usedBytes = 0;
  private readonly quick = new Map<number, number[]>();
  private quickBytes = 0;
  /** The first byte the allocator hands out. */
  readonly base: number;

  /**
   * @param memory the module's memory (grown here and nowhere else)
   * @param base the first byte the allocator may hand out (the module's __heap_base)
   * @param maxBytes the memory's maximum size in bytes (its `maximum` pages x 64 KiB)
   */
  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
    readonly maxBytes: number,
  ) {
    this.base = Math.ceil(base / HEAP_ALIGN) * HEAP_ALIGN;
    this.top = this.base;
    const end = this.memory.buffer.byteLength;
    if (end - this.top >= HEAP_ALIGN) this.insertFree(this.top, end - this.top);
    this.top = end;
  }

  /** The most bytes one request could ever get: the memory's maximum less what sits below the heap. */
  get limitBytes(): number {
    return this.maxBytes - TOP_GUARD - this.base;
  }

  /** Bytes in live blocks (rounded up to the alignment). */
  get bytesInUse(): number {
    return this.usedBytes;
  }

  get blocksInUse(): number {
    return this.used.size;
  }

  /**
   * A block of at least `bytes` bytes, 16-byte aligned. Throws HeapAllocationError, having
   * changed nothing, when the request is not a whole number of bytes or cannot be met.
   */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new HeapAllocationError(`WASM heap: invalid allocation size ${bytes}`, bytes);
    }
    const size = Math.max(HEAP_ALIGN, Math.ceil(bytes / HEAP_ALIGN) * HEAP_ALIGN);
    if (size > this.limitBytes) throw this.tooLarge(bytes, 'more than the WASM memory can ever hold');
    const q = this.quick.get(size);
    if (q !== undefined && q.length > 0) {
      const p = q.pop()!;
      this.quickBytes -= size;
      this.used.set(p, size);
      this.usedBytes += size;
      return p;
    }
    let start = this.findFree(size);
    if (start < 0 && this.quickBytes > 0) {
      this.flushQuick();
      start = this.findFree(size);
    }
    if (start < 0) {
      this.grow(size, bytes);
      start = this.findFree(size);
      if (start < 0) throw this.tooLarge(bytes, 'no free range is large enough after growing');
    }
    const blockSize = this.freeByStart.get(start)!;
    this.removeFree(start, blockSize);
    if (blockSize - size >= HEAP_ALIGN) this.insertFree(start + size, blockSize - size);
    const taken = blockSize - size >= HEAP_ALIGN ? size : blockSize;
    this.used.set(start, taken);
    this.usedBytes += taken;
    return start;
  }

  /** Frees a block returned by alloc; merges it with free neighbours. Unknown pointers throw. */
  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`WASM heap: free of ${ptr}, which is not a live block`);
    this.used.delete(ptr);
    this.usedBytes -= size;
    if (size <= QUICK_MAX && this.quickBytes + size <= QUICK_BYTES) {
      let q = this.quick.get(size);
      if (q === undefined) this.quick.set(size, (q = []));
      if (q.length < QUICK_LEN) {
        q.push(ptr);
        this.quickBytes += size;
        return;
      }
    }
    this.release(ptr, size);
  }

  /** Returns every block waiting in the quick lists to the free ranges, merged. */
  flushQuick(): void {
    for (const [size, q] of this.quick) for (const p of q) this.release(p, size);
    this.quick.clear();
    this.quickBytes = 0;
  }

  /** Makes [ptr, ptr + size) a free range, merged with free neighbours. */
  private release(ptr: number, size: number): void {
    let start = ptr;
    let len = size;
    const left = this.freeByEnd.get(start);
    if (left !== undefined) {
      const leftSize = this.freeByStart.get(left)!;
      this.removeFree(left, leftSize);
      start = left;
      len += leftSize;
    }
    const rightSize = this.freeByStart.get(ptr + size);
    if (rightSize !== undefined) {
      this.removeFree(ptr + size, rightSize);
      len += rightSize;
    }
    this.insertFree(start, len);
  }

  /** The size of a live block (its request rounded up), or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.used.get(ptr);
  }

  /** The largest free block now (without growing), for diagnostics and tests. */
  largestFree(): number {
    this.flushQuick();
    let best = 0;
    for (const s of this.freeByStart.values()) if (s > best) best = s;
    return best;
  }

  private tooLarge(bytes: number, why: string): HeapAllocationError {
    return new HeapAllocationError(
      `cannot allocate ${formatBytes(bytes)} in the WASM heap: ${why} ` +
        `(limit ${formatBytes(this.maxBytes)}, ${formatBytes(this.usedBytes)} in use in ${this.used.size} buffers, ` +
        `largest free range ${formatBytes(Math.max(this.largestFree(), this.maxBytes - TOP_GUARD - this.top))})`,
      bytes,
    );
  }

  /** Grows the memory so that a block of `size` fits at the top; throws before growing if it cannot. */
  private grow(size: number, requested: number): void {
    // A free block that ends at the top is extended rather than left behind.
    const tailStart = this.freeByEnd.get(this.top);
    const have = tailStart === undefined ? 0 : this.top - tailStart;
    const need = size - have;
    const maxTop = this.maxBytes - TOP_GUARD;
    if (this.top + need > maxTop) {
      throw this.tooLarge(requested, 'the memory would pass its maximum');
    }
    const margin = Math.min(GROW_MAX, Math.max(GROW_MIN, Math.floor(this.top / 4)));
    const pagesNow = this.memory.buffer.byteLength / PAGE;
    const pagesMax = Math.floor(this.maxBytes / PAGE);
    const pagesNeed = Math.ceil((this.top + need) / PAGE) - pagesNow;
    const pagesWant = Math.min(pagesMax - pagesNow, Math.ceil((this.top + need + margin) / PAGE) - pagesNow);
    if (pagesNeed > 0) {
      try {
        this.memory.grow(pagesWant);
      } catch {
        try {
          this.memory.grow(pagesNeed);
        } catch (e) {
          throw this.tooLarge(requested, `the runtime refused to grow the memory (${(e as Error).message})`);
        }
      }
    }
    const end = Math.min(this.memory.buffer.byteLength, maxTop);
    if (end > this.top) {
      if (tailStart !== undefined) {
        this.removeFree(tailStart, have);
        this.insertFree(tailStart, end - tailStart);
      } else {
        this.insertFree(this.top, end - this.top);
      }
      this.top = end;
    }
  }

  /** The start of a free block of at least `size` bytes, or -1: good fit, lowest class first. */
  private findFree(size: number): number {
    const first = binOf(size);
    // The request's own class holds blocks both smaller and larger than it: look at each.
    for (const start of this.bins[first]) if (this.freeByStart.get(start)! >= size) return start;
    for (let b = first + 1; b < BINS; b++) {
      const bin = this.bins[b];
      if (bin.size > 0) return bin.values().next().value as number;
    }
    return -1;
  }

  private insertFree(start: number, size: number): void {
    this.freeByStart.set(start, size);
    this.freeByEnd.set(start + size, start);
    this.bins[binOf(size)].add(start);
  }

  private removeFree(start: number, size: number): void {
    this.freeByStart.delete(start);
    this.freeByEnd.delete(start + size);
    this.bins[binOf(size)].delete(start);
  }
}
