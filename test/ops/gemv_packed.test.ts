// The wasm backend's packed GEMV copies (WasmBackend.packedB, assembly/gemv.ts gemvPackedF32): a
// weight used again for one-row products (batch-1 inference) gets a copy packed in 16-column
// panels. Checked: the copy is made at the second product with the same buffer (not the first,
// not for N % 16 != 0 or small B, not for several rows) and dropped when its buffer is freed or
// updated in place by an optimizer (the next product sees the new values); at most 64 MiB of copies
// (past it the unpacked GEMV, a freed copy making room); results bit-identical
// to the unpacked GEMV, to the same row inside a GEMM of many rows and to one thread when split
// over two (forced and at the real cut-off), close to the js oracle; no leaked tensors or copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import type { WasmBackend } from '../../src/backends/wasm/index.js';
import { setThreads } from '../../src/threads.js';
import { checkNoLeaks, expectClose, onJsAndWasm, randArray, takeBits } from '../helpers.js';

let wasm: WasmBackend;
onJsAndWasm(); // both created before the tests: switches are synchronous
beforeAll(() => {
  wasm = ENGINE.findBackend('wasm') as WasmBackend;
});
afterAll(() => {
  wasm.cutoffOverride = undefined;
});
checkNoLeaks();

const packedBytes = () => wasm.memoryInfo().packedBytes;
const packedSplits = () => wasm.threadsInfo().splits.gemvPackedF32 ?? 0;
const bits = takeBits;
type Fused = 'linear' | 'relu' | 'relu6';

describe('packed GEMV copies', () => {
  it('made at the second one-row product; same bits as unpacked, as the GEMM row and close to js', () => {
    setThreads(1);
    const K = 97;
    const N = 176; // 11 panels, K * N = 17,072 >= 2^14
    const rows = 9;
    const av = randArray(rows * K, 1, -2, 2);
    const bv = randArray(K * N, 2, -2, 2);
    const biasV = randArray(N, 3, -1, 1);
    for (const act of ['linear', 'relu', 'relu6'] as Fused[])
      for (const withBias of [true, false]) {
        const a = sg.tensor(av, [rows, K]);
        const b = sg.tensor(bv, [K, N]);
        const bias = withBias ? sg.tensor(biasV) : undefined;
        const row = sg.slice(a, [0, 0], [1, K]);
        const f = (x: sg.Tensor) => sg.fused.matMul({ a: x, b, bias, activation: act });
        const base = packedBytes();
        const first = bits(f(row)); // unpacked: the buffer is seen once
        expect(packedBytes()).toBe(base);
        const second = bits(f(row)); // packs, then runs packed
        expect(packedBytes(), 'the copy exists').toBe(base + K * N * 4);
        const third = bits(f(row));
        const batch = bits(f(a)).slice(0, N); // the GEMM's row 0
        const what = `${act} bias ${withBias}`;
        expect(second, what).toEqual(first);
        expect(third, what).toEqual(first);
        expect(first, what).toEqual(batch);
        // js oracle
        void sg.setBackend('js');
        const jv = sg.tidy(() => {
          const bj = sg.tensor(bv, [K, N]);
          const biasJ = withBias ? sg.tensor(biasV) : undefined;
          return Array.from(sg.fused.matMul({ a: sg.tensor(av.subarray(0, K), [1, K]), b: bj, bias: biasJ, activation: act }).dataSync());
        });
        void sg.setBackend('wasm');
        expectClose(Array.from(new Float32Array(Uint32Array.from(first).buffer)), jv, 1e-5, 1e-5);
        sg.dispose([a, b, row]);
        if (bias) bias.dispose();
        expect(packedBytes(), 'freed with its buffer').toBe(base);
      }
  });

  it('not made for N % 16 != 0, a small B, or several rows', () => {
    setThreads(1);
    const base = packedBytes();
    for (const [M, K, N] of [
      [1, 120, 170], // N % 16
      [1, 60, 160], // K * N < 2^14
      [3, 120, 176], // three rows: the unpacked GEMV
    ]) {
      const a = sg.tensor(randArray(M * K, 7, -1, 1), [M, K]);
      const b = sg.tensor(randArray(K * N, 8, -1, 1), [K, N]);
      const r = [0, 1, 2].map(() => bits(sg.matMul(a, b)));
      expect(packedBytes(), `${M}x${K}x${N}`).toBe(base);
      expect(r[1]).toEqual(r[0]);
      expect(r[2]).toEqual(r[0]);
      sg.dispose([a, b]);
    }
  });

  it('dropped when an optimizer updates the weight in place: the next product sees the new values', () => {
    setThreads(1);
    const K = 64;
    const N = 256;
    const init = sg.tensor(randArray(K * N, 11, -1, 1), [K, N]);
    const w = sg.variable(init, true, 'packed_w');
    init.dispose(); // the variable's buffer is its own: the update runs in place
    const x = sg.tensor(randArray(K, 12, -1, 1), [1, K]);
    const base = packedBytes();
    bits(sg.matMul(x, w));
    bits(sg.matMul(x, w));
    expect(packedBytes()).toBe(base + K * N * 4);
    const handle = (w.dataId as unknown as { handle: object }).handle;
    const opt = sg.train.sgd(0.5);
    const g = sg.onesLike(w);
    opt.applyGradients({ packed_w: g });
    expect((w.dataId as unknown as { handle: object }).handle, 'updated in place').toBe(handle);
    expect(packedBytes(), 'the stale copy is gone').toBe(base);
    const fresh = sg.tensor(w.dataSync(), [K, N]);
    const want = bits(sg.matMul(x, fresh));
    expect(bits(sg.matMul(x, w))).toEqual(want);
    expect(bits(sg.matMul(x, w)), 'packed again from the new values').toEqual(want);
    expect(packedBytes()).toBe(base + K * N * 4);
    sg.dispose([x, g, fresh, w]);
    opt.dispose();
    expect(packedBytes()).toBe(base);
  });

  it('split over two threads: the bits of one thread (forced splits and the real cut-off, 784 x 256)', () => {
    for (const [K, N, force] of [
      [97, 176, true],
      [784, 256, false],
    ] as const) {
      const x = sg.tensor(randArray(K, 20 + K, 0, 1), [1, K]);
      const b = sg.tensor(randArray(K * N, 21 + K, -0.2, 0.2), [K, N]);
      const bias = sg.tensor(randArray(N, 22 + K, -0.5, 0.5));
      const f = () => bits(sg.fused.matMul({ a: x, b, bias, activation: 'relu' }));
      setThreads(1);
      const one = f();
      setThreads(2);
      if (force) wasm.cutoffOverride = 0;
      f(); // packs (the second product with b)
      const before = packedSplits();
      const two = f();
      wasm.cutoffOverride = undefined;
      expect(packedSplits() - before, `${K}x${N} split`).toBe(1);
      expect(two).toEqual(one);
      sg.dispose([x, b, bias]);
    }
    setThreads(1);
  });
  it('a copy is for one K x N view: a reshape of the packed buffer gets its own (same bits as its GEMM row)', () => {
    setThreads(1);
    const w = sg.tensor(randArray(256 * 64, 31, -1, 1), [256, 64]);
    const view = sg.reshape(w, [128, 128]); // shares w's buffer
    const x1 = sg.tensor(randArray(256, 32, -1, 1), [1, 256]);
    const xm = sg.tensor(randArray(8 * 128, 33, -1, 1), [8, 128]);
    const x2 = sg.slice(xm, [0, 0], [1, 128]);
    const base = packedBytes();
    bits(sg.matMul(x1, w));
    bits(sg.matMul(x1, w));
    expect(packedBytes(), 'packed as 256 x 64').toBe(base + 256 * 64 * 4);
    const want = bits(sg.matMul(xm, view)).slice(0, 128); // the GEMM's row 0
    for (let k = 0; k < 3; k++) expect(bits(sg.matMul(x2, view)), `product ${k} with the 128 x 128 view`).toEqual(want);
    expect(packedBytes(), 'one copy, now 128 x 128').toBe(base + 128 * 128 * 4);
    sg.dispose([w, view, x1, xm, x2]);
    expect(packedBytes()).toBe(base);
  });

  it('at most 64 MiB of copies: past it the unpacked GEMV runs (same bits), and a freed copy makes room', () => {
    setThreads(1);
    const K = 2048;
    const N = 2048; // 16 MiB a copy: four fit under the cap, the fifth does not
    const ws = Array.from({ length: 5 }, (_, i) => sg.tensor(randArray(K * N, 50 + i, -1, 1), [K, N]));
    const x = sg.tensor(randArray(K, 49, -1, 1), [1, K]);
    const base = packedBytes();
    expect(base).toBe(0);
    // the reference: row 0 of a two-row product (the unpacked GEMV: packed copies are for one row)
    const x2 = sg.concat([x, x], 0);
    const want = ws.map((w) => bits(sg.tidy(() => sg.slice(sg.matMul(x2, w), [0, 0], [1, N]))));
    for (const [i, w] of ws.entries()) {
      expect(bits(sg.matMul(x, w)), `weight ${i}, first use`).toEqual(want[i]);
      expect(bits(sg.matMul(x, w)), `weight ${i}, second use`).toEqual(want[i]);
    }
    expect(packedBytes(), 'four copies, at the cap').toBe(64 * 1024 * 1024);
    expect(bits(sg.matMul(x, ws[4])), 'the fifth stays unpacked').toEqual(want[4]);
    expect(packedBytes()).toBe(64 * 1024 * 1024);
    ws[0].dispose(); // frees its copy
    expect(packedBytes()).toBe(48 * 1024 * 1024);
    expect(bits(sg.matMul(x, ws[4])), 'the fifth, packed now').toEqual(want[4]);
    expect(packedBytes()).toBe(64 * 1024 * 1024);
    sg.dispose([...ws.slice(1), x, x2]);
    expect(packedBytes()).toBe(0);
  });

  it('dropped when a tensor allocation cannot be met otherwise (the heap at its maximum)', () => {
    setThreads(1);
    const K = 1024;
    const N = 1024; // a 4 MiB copy
    const w = sg.tensor(randArray(K * N, 41, -1, 1), [K, N]);
    const x = sg.tensor(randArray(K, 42, -1, 1), [1, K]);
    const want = bits(sg.matMul(x, w));
    bits(sg.matMul(x, w));
    expect(packedBytes()).toBe(K * N * 4);
    const heap = (wasm as unknown as { wasm: { heap: { maxBytes: number }; memory: WebAssembly.Memory } }).wasm;
    const maxBytes = heap.heap.maxBytes;
    const held: sg.Tensor[] = [];
    let error = '';
    try {
      // no growth from here: fill the memory with 1 MiB tensors until one cannot be had
      Object.defineProperty(heap.heap, 'maxBytes', { value: heap.memory.buffer.byteLength });
      for (;;) {
        try {
          held.push(sg.zeros([256 * 1024]));
        } catch (e) {
          error = String(e);
          break;
        }
      }
    } finally {
      Object.defineProperty(heap.heap, 'maxBytes', { value: maxBytes });
      sg.dispose(held);
    }
    expect(error).toMatch(/needs 1,048,576 bytes/);
    expect(packedBytes(), 'the copy gave its bytes to tensors before the heap said no').toBe(0);
    expect(bits(sg.matMul(x, w)), 'unpacked after the drop').toEqual(want);
    sg.dispose([w, x]);
  });
});
