// A runtime that refuses worker threads (Node's permission model without --allow-worker, a
// sandbox): the first op large enough to split must not throw, leak the pool's control block or
// keep failing; simdgrad says why once and runs on one thread with the same values.
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('../src/backends/wasm/pool-platform.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/backends/wasm/pool-platform.js')>();
  return {
    ...real,
    startWorker: () => {
      throw new Error('Access to this API has been restricted');
    },
  };
});

const sg = await import('../src/index.js');
const { ENGINE } = await import('../src/engine/engine.js');
const { setThreads, getThreads } = await import('../src/threads.js');
const { sharedMemoryUnavailableReason } = await import('../src/backends/wasm/pool-platform.js');

afterAll(() => setThreads(1));

describe('worker threads refused by the runtime', () => {
  it('Node permission model without --allow-worker: one thread, with the reason', () => {
    const proc = process as unknown as { permission?: unknown };
    const had = Object.getOwnPropertyDescriptor(proc, 'permission');
    Object.defineProperty(proc, 'permission', { value: { has: (s: string) => s !== 'worker' }, configurable: true });
    try {
      expect(sharedMemoryUnavailableReason()).toMatch(/permission model denies worker threads \(run with --allow-worker\)/);
    } finally {
      if (had) Object.defineProperty(proc, 'permission', had);
      else delete proc.permission;
    }
  });

  it('a worker that cannot be created: the op runs on one thread, same bits, no control block left behind', async () => {
    await sg.setBackend('wasm');
    setThreads(1); // the reference on one thread, before any pool start
    const heap = (ENGINE.backend as unknown as { wasm: { heap: { bytesInUse: number } } }).wasm.heap;
    const n = 300;
    const a = sg.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), [n, n]);
    const one = sg.matMul(a, a);
    const expected = Array.from(one.dataSync());
    one.dispose();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = heap.bytesInUse;
    setThreads(2);
    const c = sg.matMul(a, a); // would split: the pool starts, its worker is refused
    expect(Array.from(c.dataSync())).toEqual(expected);
    c.dispose();
    expect(heap.bytesInUse).toBe(before);
    expect(getThreads()).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/a worker thread could not be started \(Access to this API has been restricted\); running on one thread/);
    const again = sg.matMul(a, a); // no second attempt, no second notice
    expect(Array.from(again.dataSync())).toEqual(expected);
    again.dispose();
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    a.dispose();
  });
});
