// The WASM heap at its limits (issue: heap corruption at 2^30 elements, addresses past 2 GiB,
// 1 GiB tensors, counters after a failed allocation). These tests allocate gigabytes of the
// module's memory on purpose; each request that cannot be met must fail before anything is
// written, and every tensor next to it must keep its values.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { WasmBackend } from '../src/backends/wasm/index.js';
import { WasmHeap, HeapAllocationError } from '../src/backends/wasm/heap.js';

const wasm = () => ENGINE.backend as WasmBackend;
const counters = () => {
  const m = sg.memory();
  return { n: m.numDataBuffers, bytes: m['wasm.bytes'], buffers: m['wasm.buffers'], numBytes: m.numBytes };
};

beforeAll(() => sg.setBackend('wasm'));
afterEach(() => sg.setBackend('wasm'));

describe('wasm heap: requests past the limit fail before anything is written', () => {
  it('broadcasting to 2^30 elements throws naming the op and the bytes; neighbours keep their values', () => {
    const seven = sg.fill([1000], 7);
    const a = sg.ones([32768, 1]);
    const b = sg.ones([1, 32768]);
    const before = counters();
    expect(() => sg.add(a, b)).toThrow(/add: .*\[32768,32768\].*4,294,967,296 bytes/);
    expect(counters()).toEqual(before);
    expect(Array.from(seven.dataSync()).every((v) => v === 7)).toBe(true);
    // The next GEMM works and gives the right numbers.
    const m = sg.tidy(() => sg.matMul(sg.ones([64, 64]), sg.fill([64, 64], 2)));
    expect(Array.from(m.dataSync()).every((v) => v === 128)).toBe(true);
    sg.dispose([seven, a, b, m]);
  });

  it('matMul to 2^30 elements throws before allocating; the library keeps working', () => {
    const seven = sg.fill([1000], 7);
    const a = sg.ones([32768, 1]);
    const b = sg.ones([1, 32768]);
    const before = counters();
    expect(() => sg.matMul(a, b)).toThrow(/matMul: .*4,294,967,296 bytes.*larger than the wasm backend can hold/);
    expect(counters()).toEqual(before);
    expect(Array.from(seven.dataSync()).every((v) => v === 7)).toBe(true);
    const m = sg.tidy(() => sg.matMul(sg.ones([3, 5]), sg.ones([5, 2])));
    expect(Array.from(m.dataSync())).toEqual([5, 5, 5, 5, 5, 5]);
    sg.dispose([seven, a, b, m]);
  });

  it('a kernel whose output passes the limit fails in its allocation, naming the kernel, with counters unchanged', () => {
    // tile is not checked up front by its op: the backend's allocation check stops it.
    const seven = sg.fill([16], 7);
    const x = sg.ones([32768, 1]);
    const before = counters();
    let err: Error | undefined;
    try {
      sg.tile(x, [1, 32768]);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeDefined();
    expect(err!.message).toMatch(/4,294,967,296 bytes/);
    expect(err!.message).toMatch(/limit/);
    expect(counters()).toEqual(before);
    expect(Array.from(seven.dataSync())).toEqual(new Array(16).fill(7));
    sg.dispose([seven, x]);
  });
});

describe('wasm heap: big tensors and addresses past 2 GiB', () => {
  it('holds one tensor of 2^28 float32 (1 GiB) and frees it', () => {
    const before = counters();
    const big = sg.zeros([2 ** 28]);
    expect(big.size).toBe(2 ** 28);
    const tail = sg.slice(big, [2 ** 28 - 4], [4]);
    expect(Array.from(tail.dataSync())).toEqual([0, 0, 0, 0]);
    const s = sg.tidy(() => sg.sum(sg.add(sg.slice(big, [0], [1 << 20]), 1)));
    expect(s.dataSync()[0]).toBe(1 << 20);
    sg.dispose([big, tail, s]);
    expect(counters()).toEqual(before);
  });

  it('fills the heap past 2 GiB with 256 MiB tensors until it refuses, then frees them and a GEMM works', () => {
    const before = counters();
    const blocks: sg.Tensor[] = [];
    let refusal: Error | undefined;
    for (let i = 0; i < 20; i++) {
      try {
        blocks.push(sg.fill([2 ** 26], i + 1));
      } catch (e) {
        refusal = e as Error;
        break;
      }
    }
    // 4 GiB of memory less the static data and the small buffers: 15 blocks of 256 MiB fit.
    expect(blocks.length).toBeGreaterThanOrEqual(15);
    expect(refusal?.message).toMatch(/cannot allocate 268,435,456 bytes/);
    const at = counters();
    expect(at.buffers).toBe(before.buffers + blocks.length);
    // A tensor placed above 2 GiB reads back and computes correctly (addresses are unsigned).
    const last = blocks[blocks.length - 1];
    expect(wasm().memoryInfo().heapBytes).toBeGreaterThan(2 ** 31 + 2 ** 30);
    const probe = sg.slice(last, [2 ** 26 - 8], [8]);
    expect(Array.from(probe.dataSync())).toEqual(new Array(8).fill(blocks.length));
    probe.dispose();
    // Every block kept its own value.
    blocks.forEach((t, i) => {
      const head = sg.slice(t, [0], [4]);
      expect(Array.from(head.dataSync())).toEqual([i + 1, i + 1, i + 1, i + 1]);
      head.dispose();
    });
    sg.dispose(blocks);
    expect(counters()).toEqual(before);
    const a = sg.randomNormal([96, 80], 0, 1, 'float32', 1);
    const b = sg.randomNormal([80, 72], 0, 1, 'float32', 2);
    const got = sg.matMul(a, b);
    sg.setBackend('js');
    const ja = sg.tensor(a.dataSync(), a.shape);
    const jb = sg.tensor(b.dataSync(), b.shape);
    const want = sg.matMul(ja, jb);
    const w = want.dataSync();
    sg.dispose([ja, jb, want]);
    sg.setBackend('wasm');
    const g = got.dataSync();
    for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThan(1e-4);
    sg.dispose([a, b, got]);
  });
});

describe('WasmHeap: the allocator itself', () => {
  const makeHeap = (initialPages = 2, maxPages = 1024) => {
    const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages });
    return { memory, heap: new WasmHeap(memory, 1000, maxPages * 65536) };
  };

  it('aligns to 16 bytes, never overlaps, reuses and merges freed blocks', () => {
    const { heap } = makeHeap();
    const live = new Map<number, number>();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let step = 0; step < 5000; step++) {
      if (live.size > 0 && rnd() < 0.45) {
        const keys = [...live.keys()];
        const p = keys[Math.floor(rnd() * keys.length)];
        heap.free(p);
        live.delete(p);
      } else {
        const n = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 200_000 : 3000));
        const p = heap.alloc(n);
        expect(p % 16).toBe(0);
        expect(p).toBeGreaterThanOrEqual(1008);
        live.set(p, n);
      }
    }
    const spans = [...live.entries()].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][0] + spans[i - 1][1]);
    for (const p of live.keys()) heap.free(p);
    expect(heap.bytesInUse).toBe(0);
    expect(heap.blocksInUse).toBe(0);
    // All merged back into one range: the largest request that fits without growing is the whole heap.
    const whole = heap.largestFree();
    const p = heap.alloc(whole);
    expect(p).toBe(heap.base);
    heap.free(p);
  });

  it('hands a freed block of the same size straight back, and merges waiting blocks before growing', () => {
    const { memory, heap } = makeHeap(2, 8);
    const a = heap.alloc(1000);
    heap.free(a);
    expect(heap.alloc(1000)).toBe(a);
    heap.free(a);
    // Fill the memory with small blocks, free them all (they wait in the quick lists), then ask
    // for one block as large as all of them together: it is served by merging, not by growing.
    const small: number[] = [];
    for (let i = 0; i < 200; i++) small.push(heap.alloc(2000 + (i % 7) * 16));
    for (const p of small) heap.free(p);
    const pagesBefore = memory.buffer.byteLength;
    const big = heap.alloc(small.length * 2000);
    expect(memory.buffer.byteLength).toBe(pagesBefore);
    expect(heap.blocksInUse).toBe(1);
    heap.free(big);
  });

  it('refuses what cannot fit without growing or changing anything', () => {
    const { memory, heap } = makeHeap(2, 16);
    const pagesBefore = memory.buffer.byteLength;
    const a = heap.alloc(1000);
    expect(() => heap.alloc(16 * 65536)).toThrow(HeapAllocationError);
    expect(() => heap.alloc(2 ** 32)).toThrow(/more than the WASM memory can ever hold/);
    expect(() => heap.alloc(-1)).toThrow(/invalid allocation size/);
    expect(() => heap.alloc(1.5)).toThrow(/invalid allocation size/);
    expect(memory.buffer.byteLength).toBe(pagesBefore);
    expect(heap.blocksInUse).toBe(1);
    expect(() => heap.free(a + 16)).toThrow(/not a live block/);
    heap.free(a);
    // It grows when a request fits under the maximum.
    const big = heap.alloc(10 * 65536);
    expect(memory.buffer.byteLength).toBeGreaterThan(pagesBefore);
    heap.free(big);
  });
});
