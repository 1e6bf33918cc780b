// The number of threads the wasm backend's kernels run on: setThreads / getThreads. The pool
// itself lives in src/backends/wasm/pool.ts; this file only holds the setting, so that it can be
// read and changed before any backend exists.
import { CTL } from './backends/wasm/worker-source.js';
import { coreCount, sharedMemoryUnavailableReason } from './backends/wasm/pool-platform.js';

let requested: number | null = null;
/** sharedMemoryUnavailableReason() and coreCount(), asked once: the kernels' dispatch reads them per call. */
let unavailable: string | null | undefined;
let cores: number | undefined;
/** Set by the wasm backend when it had to fall back to an unshared memory. */
let fallbackReason: string | null = null;
const listeners = new Set<() => void>();

/**
 * Sets the number of threads the wasm backend's kernels use: the calling thread plus `n - 1`
 * workers sharing its WebAssembly memory (worker_threads in Node, Web Workers in browsers). The
 * default is the number of cores. `setThreads(1)` stops the workers; the pool starts again,
 * lazily, on the next kernel call large enough to split. In Node, after `setThreads(n)` that call
 * waits until the workers are up, so code that never awaits uses them from its first large op;
 * with the default count nothing waits: the workers start in the background (they need nothing
 * from the event loop) and calls split as soon as they are up, which keeps a fresh process's
 * first op fast. In a browser workers start only while the event loop runs: `await sg.ready()`
 * after `setThreads` starts them and waits for them.
 * Results do not depend on `n`: every kernel computes each output element the same way however
 * its range is cut.
 *
 * Without SharedArrayBuffer (a web page served without COOP/COEP headers, an old runtime)
 * simdgrad runs on one thread whatever `n` is, and says so once on the console.
 *
 * @param n a whole number from 1 to 64
 * @example
 * ```ts
 * import * as sg from 'simdgrad';
 * sg.setThreads(2);                                   // caller + one worker
 * const c = sg.matMul(sg.ones([512, 512]), sg.ones([512, 512]));
 * sg.setThreads(1);                                   // stop the workers
 * ```
 * @category Memory and backends
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > CTL.MAX_THREADS) {
    throw new RangeError(`setThreads: expected a whole number from 1 to ${CTL.MAX_THREADS}, got ${n}`);
  }
  if (n === requested) return;
  requested = n;
  for (const f of listeners) f();
}

/**
 * The number of threads the wasm backend's kernels run on: what `setThreads` asked for (by
 * default the number of cores), or 1 where shared memory is unavailable.
 *
 * @example
 * ```ts
 * import * as sg from 'simdgrad';
 * console.log(sg.getThreads()); // e.g. 8 on an 8-core machine
 * ```
 * @category Memory and backends
 */
export function getThreads(): number {
  if (fallbackReason !== null) return 1;
  if (unavailable === undefined) unavailable = sharedMemoryUnavailableReason();
  if (unavailable !== null) return 1;
  return requestedThreads();
}

/** @internal The thread count asked for (default: the core count), ignoring availability. */
export function requestedThreads(): number {
  return requested ?? Math.min((cores ??= coreCount()), CTL.MAX_THREADS);
}

/**
 * @internal Whether the thread count was chosen with setThreads (rather than the core-count
 * default). The wasm pool waits for its workers to be up only then (pool.ts, Pool.start).
 */
export function threadsWereSet(): boolean {
  return requested !== null;
}

/** @internal Called by the wasm backend when it runs on an unshared memory. */
export function noteSingleThreaded(reason: string): void {
  fallbackReason = reason;
}

/** @internal Calls `f` whenever the setting changes; returns the unsubscribe function. */
export function onThreadsChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
