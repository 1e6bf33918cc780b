// What the running platform offers for threads: the number of cores, whether a shared
// WebAssembly.Memory can be had, whether this thread may block in Atomics.wait, and a way to
// start a worker from source text. No static import of any Node module: the same code is bundled
// for browsers, so Node built-ins are reached through process.getBuiltinModule (Node >= 20.16).

/** A started worker, whatever the platform. */
export interface PoolWorker {
  terminate(): void;
}

type NodeProcess = {
  env?: Record<string, string | undefined>;
  versions?: { node?: string };
  getBuiltinModule?: (name: string) => unknown;
};

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/** Whether this is Node (or a Node worker thread). */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/** A Node built-in module, or undefined outside Node (or on Node < 20.16). */
export function nodeBuiltin<T>(name: string): T | undefined {
  return nodeProcess()?.getBuiltinModule?.(name) as T | undefined;
}

/** The number of logical cores (os.availableParallelism / navigator.hardwareConcurrency), at least 1. */
export function coreCount(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Why shared memory is unavailable here, or null when it is available. `crossOriginIsolated`
 * decides on a web page (SharedArrayBuffer needs COOP/COEP headers). The environment variable
 * SIMDGRAD_NO_SHARED_MEMORY=1 forces the one-thread fallback; it exists for the tests.
 */
export function sharedMemoryUnavailableReason(): string | null {
  if (nodeProcess()?.env?.SIMDGRAD_NO_SHARED_MEMORY === '1') return 'SIMDGRAD_NO_SHARED_MEMORY=1';
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated: serve it with COOP/COEP headers';
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (!nodeProcess() && typeof Worker !== 'function') return 'Web Workers are not available';
  // (not nodeBuiltin('node:worker_threads'): loading it costs a fresh process ~4-6 ms, paid only
  // when the pool starts a worker)
  if (nodeProcess() && typeof nodeProcess()?.getBuiltinModule !== 'function') return 'process.getBuiltinModule is missing (Node < 20.16)';
  const permission = (nodeProcess() as { permission?: { has?: (scope: string) => boolean } } | undefined)?.permission;
  if (permission?.has?.('worker') === false) return "Node's permission model denies worker threads (run with --allow-worker)";
  return null;
}

/**
 * Whether this thread may block in Atomics.wait. A browser page's main thread may not (it
 * throws); Node's main thread and every worker may.
 */
export function canBlock(): boolean {
  if (nodeProcess()) return true;
  const g = globalThis as { WorkerGlobalScope?: unknown; window?: unknown };
  return typeof g.WorkerGlobalScope !== 'undefined' && typeof g.window === 'undefined';
}

/** Data every worker receives at start-up. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number;
  id: number;
}

/**
 * Starts a worker running `source`. Node: worker_threads with `eval: true`, unref'd so it never
 * keeps the process alive; `onExit` runs once its thread has ended. Browser: a Blob URL; the
 * init data goes in the first message; `onExit` never runs.
 */
export function startWorker(source: string, init: WorkerInit, onExit: () => void): PoolWorker {
  const onError = (e: unknown) => {
    const msg = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
    console.warn(`simdgrad: worker thread ${init.id} failed (${msg}); its share runs on the other threads`);
  };
  const wt = nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
  if (wt) {
    // execArgv []: the worker is plain JavaScript and needs none of the parent's loaders or
    // flags (an inherited --input-type=module would even change how its source is read).
    const w = new wt.Worker(source, { eval: true, workerData: init, execArgv: [] });
    w.unref();
    w.on('exit', onExit);
    w.on('error', onError); // its chunks are left to the others
    return { terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new Worker(url, { name: `simdgrad-${init.id}` });
  w.onerror = onError;
  w.postMessage(init);
  // No onExit here: a browser reports no moment after which a terminated worker has stopped
  // reading shared memory, so its control block is never freed (4 KiB per pool start).
  return {
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url); // not earlier: the worker may still be fetching it
    },
  };
}
