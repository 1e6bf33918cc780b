// Shared test helpers: the backend list (from the registry, never a hand-kept list), value
// comparison, central finite-difference gradient checks, seeded data and the leak check.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import * as sg from '../src/index.js';
import { ENGINE } from '../src/engine/engine.js';
import { Rng } from '../src/engine/random.js';
import { getThreads, setThreads } from '../src/threads.js';

/**
 * Every registered backend but webgpu: each op suite runs once per entry. The suites read with
 * dataSync(), which webgpu refuses for GPU results (no synchronous readback); webgpu has its own
 * suites in test/webgpu/, which await data() and compare with the js oracle.
 */
export const BACKENDS = ENGINE.backendNames().filter((n) => n !== 'webgpu');

/** Asserts that memory() is where it was before each test: no leaked tensors or buffers. */
export function checkNoLeaks(): void {
  let before: { numTensors: number; numDataBuffers: number; numBytes: number };
  beforeEach(() => {
    const m = sg.memory();
    before = { numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes };
  });
  afterEach(() => {
    const m = sg.memory();
    expect({ numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes }).toEqual(before);
  });
}

/**
 * For a suite that switches between js and wasm and sets thread counts: creates both backends
 * before its tests (so later switches are synchronous), runs them on wasm, and restores the
 * backend and thread count it found afterwards.
 */
export function onJsAndWasm(): void {
  let prevBackend: string;
  let prevThreads: number;
  beforeAll(async () => {
    prevBackend = sg.getBackend();
    prevThreads = getThreads();
    await sg.setBackend('js');
    await sg.setBackend('wasm');
  });
  afterAll(async () => {
    setThreads(prevThreads);
    await sg.setBackend(prevBackend);
  });
}

/** A float32 tensor's values as their bit patterns (exact comparison, NaN payloads included); frees it. */
export function takeBits(t: sg.Tensor): number[] {
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return Array.from(new Uint32Array(v.buffer));
}

/**
 * Runs `f` with the active wasm backend's range kernels that `match` accepts cut into the row
 * pieces `cuts` (each piece one direct call over [cuts[i], min(cuts[i + 1], total))), as the
 * thread pool could cut them; the dispatch is restored afterwards. Returns f's result and the
 * number of pieces run.
 */
export function withRowCuts<T>(match: (fn: string) => boolean, cuts: number[], f: () => T): { result: T; pieces: number } {
  const backend = ENGINE.backend as unknown as {
    dispatch: (fn: string, a: number[], t: number, r?: number) => void;
    wasm: Record<string, (...a: number[]) => void>;
  };
  const original = backend.dispatch;
  let pieces = 0;
  backend.dispatch = function (fn, args, total, rangeAt = args.length) {
    if (!match(fn)) return original.call(this, fn, args, total, rangeAt);
    for (let i = 0; i < cuts.length - 1; i++) {
      backend.wasm[fn](...args.slice(0, rangeAt), cuts[i], Math.min(cuts[i + 1], total), ...args.slice(rangeAt));
      pieces++;
    }
  };
  try {
    return { result: f(), pieces };
  } finally {
    backend.dispatch = original;
  }
}

/** Reads a tensor's values and frees it. */
export function take(t: sg.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Element-wise |a - e| <= atol + rtol * |e|, with NaN matching NaN and equal infinities. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`element ${i}: expected NaN but got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) expect.fail(`element ${i}: expected ${e} but got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: expected ${e} but got ${a} (|diff| ${Math.abs(a - e)}, rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Seeded uniform values in [lo, hi). */
export function randArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

export function rand(shape: number[], seed: number, lo = -1, hi = 1): sg.Tensor {
  return sg.tensor(
    randArray(
      shape.reduce((a, c) => a * c, 1),
      seed,
      lo,
      hi,
    ),
    shape,
  );
}

/**
 * Checks the analytic gradient of sum(f(x...) * w) (w random, so no cancellation) with respect to
 * each input against central differences. float32 needs a large epsilon: eps 1e-2 in float32
 * arithmetic gives about three significant digits, hence rtol 2e-2.
 */
export function gradCheck(
  f: (...xs: sg.Tensor[]) => sg.Tensor,
  inputs: sg.Tensor[],
  opts: { eps?: number; rtol?: number; atol?: number } = {},
): void {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 2e-3;
  const out = sg.tidy(() => f(...inputs));
  const w = rand(out.shape, 99, 0.5, 1.5);
  out.dispose();
  const loss = (...xs: sg.Tensor[]) => sg.sum(sg.mul(f(...xs), w));
  const analytic = sg.grads(loss)(inputs).map(take);
  inputs.forEach((x, k) => {
    const base = Float32Array.from(x.dataSync());
    const numeric: number[] = [];
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) =>
        sg.tidy(() => {
          const v = base.slice();
          v[i] += delta;
          const xs = inputs.map((t, j) => (j === k ? sg.tensor(v, x.shape) : t));
          return loss(...xs).dataSync()[0];
        });
      numeric.push((at(eps) - at(-eps)) / (2 * eps));
    }
    expectClose(analytic[k], numeric, rtol, atol);
  });
  w.dispose();
}

/** Runs `fn` with `name` as the active backend, restoring the previous one after. */
export async function withBackend<T>(name: string, fn: () => T): Promise<T> {
  const prev = sg.getBackend();
  await sg.setBackend(name);
  try {
    return fn();
  } finally {
    await sg.setBackend(prev);
  }
}
