// Threads (issue 3), in child processes: a Node process that imports simdgrad, runs a threaded
// matMul and returns exits on its own (the unref'd workers, asleep in Atomics.wait, do not hold
// it); the default thread count is the core count; and without shared memory (forced with
// SIMDGRAD_NO_SHARED_MEMORY=1) simdgrad prints one notice line, runs on one thread and gives the
// same values.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module snippet with tsx in a fresh Node process. */
function runNode(
  code: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

// A 300 x 300 matMul (27 M multiply-adds: far above the GEMM cut-off, so it is split) and a
// checksum of its bits, plus what the backend reports about its threads.
const SCRIPT = `
import * as sg from './src/index.ts';
import { ENGINE } from './src/engine/engine.ts';
import { getThreads, setThreads } from './src/threads.ts';
const defaultThreads = getThreads();
if (process.env.SET_THREADS) setThreads(Number(process.env.SET_THREADS));
const n = 300;
const a = sg.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), [n, n]);
const b = sg.tensor(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)), [n, n]);
const c = sg.relu(sg.matMul(a, b)).dataSync();
let h = 0;
for (const u of new Uint32Array(c.buffer)) h = (Math.imul(h, 31) + u) | 0;
console.log(JSON.stringify({ defaultThreads, threads: getThreads(), info: ENGINE.backend.threadsInfo(), h }));
`;

function expectedChecksum(): number {
  const n = 300;
  return sg.tidy(() => {
    const a = sg.tensor(
      Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)),
      [n, n],
    );
    const b = sg.tensor(
      Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)),
      [n, n],
    );
    const c = sg.relu(sg.matMul(a, b)).dataSync() as Float32Array;
    let h = 0;
    for (const u of new Uint32Array(c.buffer, c.byteOffset, c.length)) h = (Math.imul(h, 31) + u) | 0;
    return h;
  });
}

describe('threads in a child process', () => {
  it('a process that ran a threaded matMul exits on its own, within a few seconds', async () => {
    const r = await runNode(SCRIPT, { SET_THREADS: '2' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.threads).toBe(2);
    expect(out.info).toMatchObject({ threads: 2, ready: 1, shared: true });
    expect(out.info.splits.gemmF32).toBeGreaterThan(0);
    expect(out.h).toBe(expectedChecksum());
    // tsx start-up included; a worker keeping the process alive would hit the 20 s kill.
    expect(r.ms).toBeLessThan(8000);
  });

  it('the default thread count is the number of cores', async () => {
    const r = await runNode(SCRIPT);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.defaultThreads).toBe(Math.min(os.availableParallelism(), 64));
    expect(out.h).toBe(expectedChecksum());
  });

  it('without shared memory: one notice line, one thread, the same values', async () => {
    const r = await runNode(SCRIPT, { SET_THREADS: '2', SIMDGRAD_NO_SHARED_MEMORY: '1' });
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^simdgrad: running on one thread \(SIMDGRAD_NO_SHARED_MEMORY=1\)$/);
    const out = JSON.parse(r.stdout);
    expect(out.threads).toBe(1);
    expect(out.info).toMatchObject({ threads: 1, ready: 0, shared: false, splitJobs: 0 });
    expect(out.h).toBe(expectedChecksum());
  });
});
