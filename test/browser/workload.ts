// The workload that the browser test runs in Chromium and compares with Node: a threaded matMul
// and three Adam steps of a small two-layer network (whose matMuls are above the GEMM cut-off,
// so they are split over threads). Results are reduced to hashes of their bits: threads, engines
// and platforms must all agree exactly.
import type * as SG from '../../src/index.js';

type Sg = typeof SG;

/** A hash of the bits of a float32/int32 array. */
export function hashBits(
  a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; length: number },
): number {
  let h = 0;
  for (const u of new Uint32Array(a.buffer, a.byteOffset, a.length)) h = (Math.imul(h, 31) + u) | 0;
  return h;
}

const wave = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

/** relu(A B) for 300 x 300 matrices of sines and cosines: its bit hash and one value. */
export function matMulCase(sg: Sg): { hash: number; c00: number } {
  return sg.tidy(() => {
    const n = 300;
    const a = sg.tensor(wave(n * n, Math.sin), [n, n]);
    const b = sg.tensor(wave(n * n, Math.cos), [n, n]);
    const c = sg.relu(sg.matMul(a, b)).dataSync() as Float32Array;
    return { hash: hashBits(c), c00: c[0] };
  });
}

/** Three Adam steps on x[256,128] -> 64 (relu) -> 8, mean squared error; losses and weight hashes. */
export function trainCase(sg: Sg, tag: string): { losses: number[]; hash: number } {
  const x = sg.tensor(
    wave(256 * 128, (i) => Math.sin(i * 0.37)),
    [256, 128],
  );
  const y = sg.tensor(
    wave(256 * 8, (i) => Math.cos(i * 0.11)),
    [256, 8],
  );
  const i1 = sg.tensor(
    wave(128 * 64, (i) => 0.1 * Math.sin(i * 1.3)),
    [128, 64],
  );
  const i2 = sg.tensor(
    wave(64 * 8, (i) => 0.1 * Math.cos(i * 0.7)),
    [64, 8],
  );
  const w1 = sg.variable(i1, true, `${tag}_w1`);
  const w2 = sg.variable(i2, true, `${tag}_w2`);
  const opt = sg.optimizers.adam({ learningRate: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    const loss = opt.minimize(() => sg.mean(sg.square(sg.sub(sg.matMul(sg.relu(sg.matMul(x, w1)), w2), y))), true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const hash = hashBits(Float32Array.from([...w1.dataSync(), ...w2.dataSync()]));
  opt.dispose();
  sg.dispose([x, y, i1, i2, w1, w2]);
  return { losses, hash };
}

/** The parts of the test bundle runWorkload uses beyond the public API. */
interface Extras {
  setThreads(n: number): void;
  getThreads(): number;
  ENGINE: { backend: unknown };
}
interface ThreadsInfo {
  threads: number;
  ready: number;
  shared: boolean;
  splitJobs: number;
  splits: Record<string, number>;
}

/**
 * What the page (main thread or a worker) runs: two threads; a first matMul starts the pool,
 * whose workers start without blocking the page, so it then waits (yielding) until one is ready;
 * then the measured matMul and training, with the number of GEMM calls that were split.
 */
export async function runWorkload(sg: Sg & Extras, tag: string) {
  // Chromium runs relaxed SIMD, so by default it would load the FMA build; Node 20 (the expected values) runs the
  // plain one: compare the same build bit for bit.
  const relaxedSupported = sg.relaxedSimdSupported();
  sg.setRelaxedSimd(false);
  await sg.ready();
  sg.setThreads(2);
  const backend = sg.ENGINE.backend as { threadsInfo(): ThreadsInfo };
  matMulCase(sg);
  for (let i = 0; i < 500 && backend.threadsInfo().shared && backend.threadsInfo().ready < 1; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const before = backend.threadsInfo().splits.gemmF32 ?? 0;
  const mm = matMulCase(sg);
  const train = trainCase(sg, tag);
  const info = backend.threadsInfo();
  return {
    coi: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    threads: sg.getThreads(),
    info,
    gemmSplits: (info.splits.gemmF32 ?? 0) - before,
    relaxedSupported,
    relaxed: sg.getRelaxedSimd(),
    mm,
    train,
  };
}
