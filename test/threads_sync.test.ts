// Threads engage without the caller yielding (issue 17). A fresh Node process runs a synchronous
// script: a setup, then matMuls, relu and sum with no await. The pool's per-thread chunk counters
// (each worker counts the chunks it ran in the shared control block) show how the work was shared
// on every call. Two setups, two promises:
//   - `setThreads(2)`: the worker runs part of the work from the very first call, because after
//     an explicit setThreads Pool.start blocks (Atomics.wait on the READY word) until the
//     workers have instantiated the module. With the default count, `await sg.ready()`
//     starts the workers without waiting for them (in Node they need no event loop): a script
//     that spins on the pool's READY count sees them come up, and every call splits after that.
//   - the default thread count, nothing awaited: the first call does not wait for the workers
//     (a fresh process's first op stays fast: issue 17's cold start), runs unsplit, and a loop
//     that never yields sees the worker take chunks within a few calls. A worker that needed the
//     main thread's event loop to start would never get there: the loop gives it none.
// The same script then runs on one thread and the results must be bit-identical.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module snippet with tsx in a fresh Node process; resolves with its stdout JSON. */
function runNode(code: string): Promise<{ code: number | null; out: Report | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      let out: Report | null = null;
      try {
        out = JSON.parse(stdout) as Report;
      } catch {
        /* reported through `code` and `stderr` */
      }
      resolve({ code: exitCode, out, stderr });
    });
  });
}

interface Report {
  /** Threads the script ran on (getThreads()). */
  threads: number;
  /** The pool's size before the first matMul (1: not started yet). */
  poolBefore: number;
  /** Default setup only: chunks run by [caller, workers] on each call of the warm-up loop. */
  warmup: number[][];
  /** Default setup only: milliseconds from the loop's start to the end of its first call with a worker chunk. */
  warmupMs: number;
  /** Per call: chunks run by [caller, workers]. */
  perCall: number[][];
  /** Per call: the call's name, for the failure message. */
  names: string[];
  /** Workers ready when the first call returned. */
  readyAfterFirst: number;
  hash2: number[];
  hash1: number[];
  leaked: number;
}

// `setup` is the user's own setup; nothing after it awaits. 768 x 768 matMuls (453 M multiply-adds:
// the caller's half alone takes ~7 ms, the first call several times that in baseline code, so a
// worker that is up cannot miss its chunk); relu and sum over 590 K elements are above their
// cut-offs too. Each call's output is hashed bit for bit.
const script = (setup: string) => `
import * as sg from './src/index.ts';
import { ENGINE } from './src/engine/engine.ts';
${setup}
const be = ENGINE.backend;
const n = 768;
const a = sg.randomUniform([n, n], -1, 1, 'float32', 1);
const b = sg.randomUniform([n, n], -1, 1, 'float32', 2);
const before = sg.memory().numTensors;
const hash = (t) => {
  const d = t.dataSync();
  let h = 0;
  for (const u of new Uint32Array(d.buffer, d.byteOffset, d.length)) h = (Math.imul(h, 31) + u) | 0;
  t.dispose();
  return h;
};
/** Chunks run since the last call by [the caller, all workers]. */
let prev = be.threadsInfo().chunks;
const delta = () => {
  const now = be.threadsInfo().chunks;
  const d = now.map((c, k) => c - (prev[k] ?? 0));
  prev = now;
  return [d[0], d.slice(1).reduce((x, y) => x + y, 0)];
};
// The default setup: matMuls in a loop that never yields, until a worker has run a chunk and all
// are up (or 20 s).
const warmup = [];
let warmupMs = -1;
const poolBefore = be.threadsInfo().threads;
if (${JSON.stringify(setup === '')}) {
  const t0 = performance.now();
  while (performance.now() - t0 < 20000) {
    hash(sg.matMul(a, b));
    warmup.push(delta());
    if (warmup[warmup.length - 1][1] > 0 && be.threadsInfo().ready >= sg.getThreads() - 1) {
      warmupMs = performance.now() - t0;
      break;
    }
  }
}
const calls = [
  ['matMul', () => sg.matMul(a, b)],
  ['matMul', () => sg.matMul(a, b)],
  ['relu', () => sg.relu(a)],
  ['sum', () => sg.sum(b)],
  ['matMul transposeB', () => sg.matMul(a, b, false, true)],
];
const perCall = [];
let readyAfterFirst = -1;
const hash2 = [];
for (const [, f] of calls) {
  hash2.push(hash(f()));
  if (readyAfterFirst < 0) readyAfterFirst = be.threadsInfo().ready;
  perCall.push(delta());
}
const threads = sg.getThreads();
sg.setThreads(1);
const hash1 = calls.map(([, f]) => hash(f()));
const leaked = sg.memory().numTensors - before;
sg.dispose([a, b]);
console.log(JSON.stringify({ threads, poolBefore, warmup, warmupMs, perCall, names: calls.map(([name]) => name), readyAfterFirst, hash2, hash1, leaked }));
`;

function check(r: { code: number | null; out: Report | null; stderr: string }, threads = 2): void {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = r.out!;
  expect(out.threads).toBe(threads);
  expect(out.readyAfterFirst).toBe(threads - 1);
  out.perCall.forEach(([caller, worker], i) => {
    const op = out.names[i];
    // Every call is split in one chunk per thread. On the matMuls the workers ran theirs, from the
    // first call on. relu and sum take ~0.1 ms: a worker woken late on a loaded machine may find
    // its chunk already claimed by the caller, which is correct behaviour.
    expect({ call: i, op, chunks: caller + worker }).toEqual({ call: i, op, chunks: threads });
    if (op.startsWith('matMul')) expect({ call: i, op, worker: worker >= 1 }).toEqual({ call: i, op, worker: true });
  });
  expect(out.hash2).toEqual(out.hash1);
  expect(out.leaked).toBe(0);
}

describe('threads engage without the caller yielding (Node)', () => {
  it('a synchronous script after setThreads(2): the worker takes its chunk from the first call, bits as on one thread', async () => {
    const r = await runNode(script('sg.setThreads(2);'));
    check(r);
    expect(r.out!.warmup).toEqual([]);
  }, 70_000);

  it('the default thread count after `await sg.ready()` (which starts its workers without waiting for them): they come up while the script spins, nothing awaited afterwards', async () => {
    // ready() returns before the workers are up (no wait in a fresh process); a synchronous spin
    // on the pool's READY count (shared memory, no event loop) sees them arrive; then every call
    // is split from the first.
    const r = await runNode(
      script(`await sg.ready();
{
  const t0 = performance.now();
  while (ENGINE.backend.threadsInfo().ready < sg.getThreads() - 1 && performance.now() - t0 < 20000);
}`),
    );
    expect(r.out?.threads, 'this test needs 2 cores or more').toBeGreaterThanOrEqual(2);
    expect(r.out!.poolBefore).toBe(r.out!.threads);
    check(r, r.out!.threads);
    expect(r.out!.warmup).toEqual([]);
  }, 70_000);

  it('the default thread count: the first call does not wait for the workers, which join a loop that never yields', async () => {
    const r = await runNode(script(''));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.out!;
    // The machine's core count (CI: 2): this test needs a second thread to have a meaning.
    expect(out.threads, 'the default thread count is the core count: this test needs 2 cores or more').toBeGreaterThanOrEqual(2);
    // Call 0 started the pool and ran unsplit: its workers could not be up yet, and it did not wait.
    expect(out.poolBefore).toBe(1);
    expect(out.warmup[0]).toEqual([0, 0]);
    // A worker ran a chunk of a later call of the same synchronous loop (in a few calls: ~0.1 s idle).
    const last = out.warmup[out.warmup.length - 1];
    expect(out.warmupMs, `no worker chunk in ${out.warmup.length} calls`).toBeGreaterThan(0);
    expect(last[1]).toBeGreaterThanOrEqual(1);
    // From then on the workers are all up: every later call is split as after setThreads.
    check(r, out.threads);
  }, 70_000);
});
