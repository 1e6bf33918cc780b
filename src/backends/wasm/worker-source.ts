// The source text of a pool worker (src/backends/wasm/pool.ts), and the layout of the control
// block in shared WASM memory through which the pool and its workers talk.
//
// Why source text: a worker created from a file path breaks as soon as simdgrad is bundled or
// installed somewhere unexpected (tfjs' wasm backend fails in Node with ERR_WORKER_PATH). The
// same text runs as a Node `worker_threads` worker (`new Worker(src, { eval: true })`, data in
// `workerData`) and as a browser Web Worker (a Blob URL, data in the first message). It is a
// plain string, not a stringified function, so that no transpiler, minifier or coverage tool can
// inject references to the outer module into it.
//
// Protocol (all words are i32 in the control block; every access is an Atomics operation):
//   GEN    bumped by the main thread for every job; idle workers spin on it for a while, then
//          sleep in Atomics.wait on it. A worker reads GEN before it reports READY, so a job
//          posted between its start-up and its first wait is never missed.
//   CLAIM  (chunks << 16) | next: the open job's chunk count and its next unclaimed chunk.
//          Every participant (the main thread included) claims chunks by compareExchange until
//          next == chunks. Because the count travels in the same word as the counter, a claim
//          that succeeds always belongs to the job that is open at that instant, and that job
//          cannot end (so its descriptor cannot be rewritten) before the claimed chunk is done.
//          A worker that wakes late simply finds nothing left to claim.
//   DONE   chunks finished; the participant that finishes the last one notifies the main thread.
//   TAKEN  one word per thread id: the chunks that worker has run (a debug counter for tests and
//          benchmarks, written only by its worker, read through Pool.chunksByThread).
//   The job descriptor (function index, argument count and values, where the range goes, which
//   arguments are per-thread scratch) and the chunk bounds are plain writes made before CLAIM is
//   opened with a sequentially consistent store, and read after a successful claim.

/** Control block layout: i32 word indices. Hot words sit 64 bytes apart (no false sharing). */
export const CTL = {
  GEN: 0,
  CLAIM: 16,
  DONE: 32,
  READY: 48,
  SHUTDOWN: 49,
  ERROR: 50,
  /** Workers that failed to start (they count towards the start-up wait, not towards READY). */
  FAILED: 51,
  FN: 64,
  NARGS: 65,
  RANGE_AT: 66,
  NSCRATCH: 67,
  /** Up to MAX_SCRATCH argument indices that take a per-thread scratch pointer. */
  SCRATCH_AT: 68,
  /** Byte offset of the f64 argument values. */
  ARGS_BYTES: 512,
  /** Byte offset of the chunk bounds: [start, end) pairs of i32. */
  BOUNDS_BYTES: 1024,
  /** Byte offset of the per-thread scratch pointers: MAX_SCRATCH i32 per thread. */
  SCRATCH_BYTES: 1024 + 8 * 256,
  /** Word index of the per-thread chunk counters (one i32 per thread id; word TAKEN + 0 unused). */
  TAKEN: (1024 + 8 * 256 + 4 * 4 * 64) >> 2,
  /** Total bytes of the block. */
  BYTES: 1024 + 8 * 256 + 4 * 4 * 64 + 4 * 64,
  MAX_ARGS: 64,
  MAX_CHUNKS: 256,
  MAX_SCRATCH: 4,
  MAX_THREADS: 64,
} as const;

/**
 * The worker's source. `spinMs`: how long an idle worker polls GEN before it sleeps (see pool.ts
 * for the measurement behind the number).
 */
export function workerSource(spinMs: number): string {
  return `'use strict';
const C = ${JSON.stringify(CTL)};
const SPIN_MS = ${spinMs};
function run(d) {
  let inst;
  try {
    inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() {
      throw new Error('simdgrad wasm: internal abort in a worker');
    } } });
  } catch (e) {
    // Tell a caller waiting for READY not to wait for this one, then fail visibly.
    const ctl = new Int32Array(d.memory.buffer, d.ctl, C.BYTES >> 2);
    Atomics.add(ctl, C.FAILED, 1);
    Atomics.notify(ctl, C.READY);
    throw e;
  }
  // Neither _start nor _initData runs here: the main thread ran them once for the shared memory.
  const names = WebAssembly.Module.exports(d.module).filter((e) => e.kind === 'function').map((e) => e.name);
  const fns = names.map((n) => inst.exports[n]);
  const buf = d.memory.buffer;
  const ctl = new Int32Array(buf, d.ctl, C.BYTES >> 2);
  const vals = new Float64Array(buf, d.ctl + C.ARGS_BYTES, C.MAX_ARGS);
  const bounds = new Int32Array(buf, d.ctl + C.BOUNDS_BYTES, 2 * C.MAX_CHUNKS);
  const scratch = new Int32Array(buf, d.ctl + C.SCRATCH_BYTES, C.MAX_SCRATCH * C.MAX_THREADS);
  const id = d.id;
  const args = [];
  let seen = Atomics.load(ctl, C.GEN); // read before READY: see the protocol notes
  Atomics.add(ctl, C.READY, 1);
  Atomics.notify(ctl, C.READY);
  for (;;) {
    let g = Atomics.load(ctl, C.GEN);
    if (g === seen) {
      const t0 = performance.now();
      let spins = 0;
      while ((g = Atomics.load(ctl, C.GEN)) === seen) {
        if ((++spins & 255) === 0 && performance.now() - t0 > SPIN_MS) {
          Atomics.wait(ctl, C.GEN, seen);
          spins = 0;
        }
      }
    }
    seen = g;
    if (Atomics.load(ctl, C.SHUTDOWN)) break;
    for (;;) {
      const w = Atomics.load(ctl, C.CLAIM);
      const chunk = w & 0xffff;
      const chunks = w >>> 16;
      if (chunk >= chunks) break;
      if (Atomics.compareExchange(ctl, C.CLAIM, w, w + 1) !== w) continue;
      const nargs = ctl[C.NARGS];
      const at = ctl[C.RANGE_AT];
      args.length = nargs;
      for (let k = 0; k < nargs; k++) args[k] = vals[k];
      args[at] = bounds[2 * chunk];
      args[at + 1] = bounds[2 * chunk + 1];
      for (let s = 0, ns = ctl[C.NSCRATCH]; s < ns; s++) args[ctl[C.SCRATCH_AT + s]] = scratch[id * C.MAX_SCRATCH + s];
      try {
        fns[ctl[C.FN]].apply(null, args);
      } catch (e) {
        Atomics.store(ctl, C.ERROR, 1);
      }
      ctl[C.TAKEN + id]++; // only this thread writes it; published by the add to DONE
      if (Atomics.add(ctl, C.DONE, 1) + 1 === chunks) Atomics.notify(ctl, C.DONE);
    }
  }
}
if (typeof WorkerGlobalScope !== 'undefined' && typeof self !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = (e) => { self.onmessage = null; run(e.data); };
} else {
  // process.getBuiltinModule, not require: the worker may inherit --input-type=module.
  run(process.getBuiltinModule('node:worker_threads').workerData);
}
`;
}
