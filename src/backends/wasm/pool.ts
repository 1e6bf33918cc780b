// The worker pool behind WasmBackend.dispatch: it splits one range kernel call into chunks and
// runs them on the calling thread and on workers that share the module's WebAssembly.Memory.
//
// Design:
//   - The caller always works: it takes chunk 0 at once and then claims further chunks like
//     any worker, so a call never waits for a sleeping worker to wake up (measured before this
//     pool existed: two workers with the caller asleep gave no speed-up; the caller plus one
//     worker gave 2.0x on GEMM). Workers that wake late find nothing left to claim.
//   - Jobs go through a control block in shared memory (allocated with the module's alloc; the
//     protocol is described in worker-source.ts). No postMessage after start-up.
//   - Idle workers spin on the generation word for SPIN_MS, then sleep in Atomics.wait (see
//     SPIN_MS for the measurements behind that).
//   - Browser page main thread (Atomics.wait throws there): the caller never sleeps; it spins on
//     DONE. The spin is bounded by the work itself, not by a wake-up: by the time the caller
//     spins it has claimed every chunk no awake worker has, so it only waits for chunks that
//     running workers are computing, each about as long as the one it just computed itself.
//     (Running the whole engine in a worker would have made the main-thread case disappear but
//     forces an asynchronous API on every tensor read; a page that wants its main thread free
//     can still run simdgrad inside a worker of its own, where the caller sleeps as in Node.
//     test/browser.test.ts runs both.)
//   - Start-up is lazy (the first call large enough to split). A Node worker starts on its own
//     thread and needs nothing from the caller's event loop: it flags READY in the control block
//     once it has instantiated the module, and run() splits over the ready workers only, so a
//     script that never yields uses the workers as soon as they are up (issue 17,
//     test/threads_sync.test.ts counts each thread's chunks). With the default thread count the
//     caller does not wait for them: calls run unsplit meanwhile (~50 ms in a fresh process on a
//     slow machine, which would otherwise all land on a fresh process's first large op: issue
//     17's cold start). After an explicit setThreads(n) (startsBlocking) the caller blocks (at most
//     START_TIMEOUT_MS) until they are up, so that the pool is complete from its first job. In
//     a browser (page or worker)
//     workers only start once the caller's event loop runs: `await sg.ready()` starts them and
//     waits until they are up (whenReady); without it they join jobs as they become ready (the
//     chunks do not depend on it, and neither do the results). Node workers are unref'd, and neither
//     their spinning nor their Atomics.wait holds the process: it exits when the user's work is
//     done (test/threads-process.test.ts).
//   - Per-thread scratch: an argument named in `scratch` (a GEMM workspace, an im2col buffer) is
//     replaced, for each worker, by a buffer of the pool's own of the requested size; the caller
//     keeps the pointer it passed. Workers never allocate.
import { CTL, workerSource } from './worker-source.js';
import { canBlock, isNode, startWorker, type PoolWorker } from './pool-platform.js';
import { noteSingleThreaded, threadsWereSet } from '../../threads.js';

/**
 * How long an idle worker polls before it sleeps (ms). Why only 0.1: a spinning worker saves
 * ~9 us a call (round trip ~1.3 us instead of ~10 us), which matters for back-to-back calls
 * (benchmark loops, consecutive large kernels) but little in training: in `model.fit` of the
 * bench MLP a step makes ~6 split calls with gaps of ~0.3 ms median, ~1 ms p90 between them.
 * And on a loaded machine spinning costs far more than it saves: the woken worker preempts the
 * caller on its core, finishes its chunk, then spins there while the caller waits for the CPU
 * (measured: 1.0 ms per call with a 1 ms spin on a 2-core machine with one core taken). `npm run
 * bench -- train` on an idle machine: 2 threads 1.13x one thread with a 1 ms spin, 1.19-1.24x
 * with 0.1 ms.
 */
export const SPIN_MS = 0.1;
/** The longest a Node caller waits for fresh workers to instantiate the module (ms). */
const START_TIMEOUT_MS = 5000;

/** A per-thread scratch argument: `args[at]` is a buffer of `bytes` bytes. */
export interface ScratchArg {
  at: number;
  bytes: number;
}

/** One job: the kernel, its arguments, the range and how to cut it. */
export interface Job {
  /** The kernel's export name. */
  fn: string;
  /** The kernel itself, on the calling thread. */
  f: (...a: number[]) => void;
  /** Arguments without the range. */
  args: number[];
  /** Where [start, end) is inserted into `args`. */
  rangeAt: number;
  total: number;
  /** Number of chunks wanted (the pool may use fewer). */
  chunks: number;
  /** Chunk bounds are multiples of `grain` (except the end). */
  grain: number;
  scratch: ScratchArg[];
}

interface Alloc {
  alloc(bytes: number): number;
  free(ptr: number): void;
}

export class Pool {
  private workers: PoolWorker[] = [];
  private ctl = 0;
  private i32: Int32Array | null = null;
  private vals: Float64Array | null = null;
  private bounds: Int32Array | null = null;
  private scratchTab: Int32Array | null = null;
  /** scratchBufs[tid][slot] for workers tid >= 1 (the caller uses the pointer it passed). */
  private scratchBufs: { ptr: number; bytes: number }[][] = [];
  private readonly fnIndex: Map<string, number>;
  private readonly blocking = canBlock();
  private readonly source = workerSource(SPIN_MS);
  private size = 1;
  /** Jobs that were actually split, in all and per kernel (for tests and benchmarks). */
  splitJobs = 0;
  readonly splitsByFn = new Map<string, number>();
  /** Chunks of split jobs that the calling thread ran itself (the rest ran on workers). */
  callerChunks = 0;
  /** Split jobs whose caller, its own chunks done, went to sleep until a worker finished. */
  callerSleeps = 0;
  /** Chunks run by worker k (index k, 1-based) of pools already stopped. */
  private stoppedChunks: number[] = [];

  constructor(
    private readonly heap: Alloc,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
  }

  /** Threads the pool was started with (caller included); 1 when not started. */
  get threads(): number {
    return this.size;
  }

  /** Workers that have instantiated the module and take part in jobs. */
  readyWorkers(): number {
    return this.i32 ? Math.min(Atomics.load(this.i32, CTL.READY), this.workers.length) : 0;
  }

  /**
   * Chunks of split jobs run so far by each thread: index 0 the calling thread, index k worker k
   * (summed over every pool start). A debug counter for tests and benchmarks: each worker counts
   * its own chunks in the control block.
   */
  chunksByThread(): number[] {
    const out = [this.callerChunks];
    const n = Math.max(this.stoppedChunks.length - 1, this.size - 1);
    for (let k = 1; k <= n; k++) {
      const live = this.i32 && k < this.size ? Atomics.load(this.i32, CTL.TAKEN + k) : 0;
      out.push((this.stoppedChunks[k] ?? 0) + live);
    }
    return out;
  }

  /**
   * Starts `threads - 1` workers (stopping any running ones first). Where startsBlocking, it
   * returns once they are up; elsewhere at once, and they join jobs as they become ready.
   */
  start(threads: number): void {
    this.stop();
    const n = Math.min(threads, CTL.MAX_THREADS) - 1;
    if (n < 1) return;
    this.ctl = this.heap.alloc(CTL.BYTES);
    const buf = this.memory.buffer;
    // A shared buffer never detaches when memory grows, so these views stay valid for good.
    this.i32 = new Int32Array(buf, this.ctl, CTL.BYTES >> 2);
    this.i32.fill(0);
    this.vals = new Float64Array(buf, this.ctl + CTL.ARGS_BYTES, CTL.MAX_ARGS);
    this.bounds = new Int32Array(buf, this.ctl + CTL.BOUNDS_BYTES, 2 * CTL.MAX_CHUNKS);
    this.scratchTab = new Int32Array(buf, this.ctl + CTL.SCRATCH_BYTES, CTL.MAX_SCRATCH * CTL.MAX_THREADS);
    const ctl = this.ctl;
    const i32 = this.i32;
    let live = n;
    const onExit = () => {
      // The block is freed only once no worker can read it any more (Node reports thread ends).
      if (--live === 0 && this.i32 !== i32) this.heap.free(ctl);
    };
    try {
      for (let id = 1; id <= n; id++) {
        this.workers.push(startWorker(this.source, { module: this.module, memory: this.memory, ctl, id }, onExit));
      }
    } catch (e) {
      // The runtime refused a worker (a sandbox, a permission model): stop the ones started, free
      // the block at once if none was, and run on one thread from now on, saying why.
      const started = this.workers.length;
      live -= n - started;
      this.size = started + 1;
      this.stop();
      if (started === 0) this.heap.free(ctl);
      const why = `a worker thread could not be started (${e instanceof Error ? e.message : String(e)})`;
      noteSingleThreaded(why);
      console.warn(`simdgrad: ${why}; running on one thread`);
      return;
    }
    this.size = n + 1;
    // Only Node's workers start without help from the caller's event loop; a browser worker's
    // nested workers do not, so blocking there would only wait out the timeout.
    if (this.startsBlocking) {
      const deadline = performance.now() + START_TIMEOUT_MS;
      for (;;) {
        const r = Atomics.load(i32, CTL.READY);
        const left = deadline - performance.now();
        if (r + Atomics.load(i32, CTL.FAILED) >= n || left <= 0) break;
        Atomics.wait(i32, CTL.READY, r, left);
      }
    }
  }

  /**
   * Whether start() returns with its workers up: in Node after an explicit setThreads(n), where
   * it blocks until they have instantiated the module (a Node worker starts on its own thread,
   * without the caller's event loop). With the default thread count it does not wait (see the
   * top of this file): the workers join jobs as they come up. In a browser, page or worker, a Web Worker only starts once
   * the caller's event loop runs, so there start() never blocks and sg.ready() is the way.
   */
  get startsBlocking(): boolean {
    return this.blocking && isNode() && threadsWereSet();
  }

  /**
   * Resolves once every started worker has instantiated the module or failed (or after
   * START_TIMEOUT_MS), letting the event loop run meanwhile; at once when none is starting.
   */
  async whenReady(): Promise<void> {
    const i32 = this.i32;
    if (!i32) return;
    const n = this.workers.length;
    const deadline = performance.now() + START_TIMEOUT_MS;
    const waitAsync = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: unknown } }).waitAsync;
    for (;;) {
      const r = Atomics.load(i32, CTL.READY);
      const left = deadline - performance.now();
      if (r + Atomics.load(i32, CTL.FAILED) >= n || left <= 0 || this.i32 !== i32) return;
      // A worker notifies READY (or FAILED, then READY) when it is up; poll where waitAsync is missing.
      // In Node a pending waitAsync does not keep the process alive (a top-level `await
      // sg.ready()` would end it unsettled): a timer beside it does.
      const w = waitAsync?.(i32, CTL.READY, r, Math.min(left, 50));
      const tick = new Promise((res) => setTimeout(res, w?.async ? 10 : 4));
      await (w?.async ? Promise.race([w.value, tick]) : tick);
    }
  }

  /** Stops the workers; the next start() spawns fresh ones. */
  stop(): void {
    const i32 = this.i32;
    if (!i32) return;
    this.i32 = null;
    for (let k = 1; k < this.size; k++)
      this.stoppedChunks[k] = (this.stoppedChunks[k] ?? 0) + Atomics.load(i32, CTL.TAKEN + k);
    Atomics.store(i32, CTL.SHUTDOWN, 1);
    Atomics.add(i32, CTL.GEN, 1);
    Atomics.notify(i32, CTL.GEN);
    const workers = this.workers;
    this.workers = [];
    for (const w of workers) w.terminate();
    for (const bufs of this.scratchBufs) for (const b of bufs ?? []) if (b) this.heap.free(b.ptr);
    this.scratchBufs = [];
    this.size = 1;
  }

  /** Runs `job` split over the caller and the ready workers. */
  run(job: Job): void {
    const i32 = this.i32!;
    // Workers still starting (on a web page) do not count: scale the chunks to those ready.
    const active = 1 + this.readyWorkers();
    const chunks = active > 1 ? this.cut(job, Math.ceil((job.chunks * active) / this.size)) : 1;
    if (chunks <= 1) {
      job.f(...job.args.slice(0, job.rangeAt), 0, job.total, ...job.args.slice(job.rangeAt));
      return;
    }
    this.splitJobs++;
    this.splitsByFn.set(job.fn, (this.splitsByFn.get(job.fn) ?? 0) + 1);
    const fi = this.fnIndex.get(job.fn);
    if (fi === undefined) throw new Error(`wasm pool: no export '${job.fn}'`);
    // The descriptor: plain writes, published by the sequentially consistent store to CLAIM.
    const full = [...job.args.slice(0, job.rangeAt), 0, 0, ...job.args.slice(job.rangeAt)];
    if (full.length > CTL.MAX_ARGS || job.scratch.length > CTL.MAX_SCRATCH)
      throw new Error('wasm pool: too many arguments');
    this.vals!.set(full);
    i32[CTL.FN] = fi;
    i32[CTL.NARGS] = full.length;
    i32[CTL.RANGE_AT] = job.rangeAt;
    i32[CTL.NSCRATCH] = job.scratch.length;
    job.scratch.forEach((s, k) => {
      const at = s.at < job.rangeAt ? s.at : s.at + 2;
      i32[CTL.SCRATCH_AT + k] = at;
      for (let tid = 1; tid < this.size; tid++)
        this.scratchTab![tid * CTL.MAX_SCRATCH + k] = this.scratchFor(tid, k, s.bytes);
    });
    Atomics.store(i32, CTL.DONE, 0);
    Atomics.store(i32, CTL.ERROR, 0);
    Atomics.store(i32, CTL.CLAIM, (chunks << 16) | 1); // the caller takes chunk 0 at once
    Atomics.add(i32, CTL.GEN, 1);
    Atomics.notify(i32, CTL.GEN, chunks - 1);

    let failure: unknown = null;
    const runChunk = (c: number) => {
      full[job.rangeAt] = this.bounds![2 * c];
      full[job.rangeAt + 1] = this.bounds![2 * c + 1];
      for (const s of job.scratch) full[s.at < job.rangeAt ? s.at : s.at + 2] = job.args[s.at];
      try {
        job.f(...full);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(i32, CTL.DONE, 1);
      this.callerChunks++;
    };
    runChunk(0);
    for (;;) {
      const w = Atomics.load(i32, CTL.CLAIM);
      const c = w & 0xffff;
      if (c >= chunks) break;
      if (Atomics.compareExchange(i32, CTL.CLAIM, w, w + 1) === w) runChunk(c);
    }
    // Wait for chunks that workers are computing: spin briefly, then sleep where allowed.
    let spins = 0;
    let slept = false;
    for (;;) {
      const d = Atomics.load(i32, CTL.DONE);
      if (d >= chunks) break;
      if (this.blocking && ++spins > 2000) {
        slept = true;
        Atomics.wait(i32, CTL.DONE, d, 50);
      }
    }
    if (slept) this.callerSleeps++;
    if (failure) throw failure;
    if (Atomics.load(i32, CTL.ERROR))
      throw new WebAssembly.RuntimeError(`${job.fn}: a kernel trapped in a worker thread`);
  }

  /** Writes the chunk bounds; returns the number of chunks (at least 1). */
  private cut(job: Job, want: number): number {
    const units = Math.ceil(job.total / job.grain);
    const chunks = Math.max(1, Math.min(want, units, CTL.MAX_CHUNKS));
    if (chunks === 1) return 1;
    const b = this.bounds!;
    for (let c = 0; c < chunks; c++) {
      b[2 * c] = Math.min(job.total, Math.round((c * units) / chunks) * job.grain);
      b[2 * c + 1] = Math.min(job.total, Math.round(((c + 1) * units) / chunks) * job.grain);
    }
    return chunks;
  }

  private scratchFor(tid: number, slot: number, bytes: number): number {
    const bufs = (this.scratchBufs[tid] ??= []);
    const cur = bufs[slot];
    if (cur && cur.bytes >= bytes) return cur.ptr;
    if (cur) this.heap.free(cur.ptr);
    bufs[slot] = { ptr: this.heap.alloc(bytes), bytes };
    return bufs[slot].ptr;
  }
}
