// The keyed 'Dropout' kernel (src/ops/dropout.ts, assembly/dropout.ts): the js oracle's hash
// against a BigInt transcription of the formula, wasm against js bit for bit (every tail length,
// large shapes), the drop rate and independence statistically, gradients (the same mask on dy,
// and finite differences), 1 vs 2 threads bit for bit, the Dropout layer's reproducibility, the
// uploaded-mask path (other backends, noiseShape), and no leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { dropoutHash, dropoutMask } from '../../src/backends/js/kernels/dropout.js';
import { dropoutAttrs, dropoutWithKeys } from '../../src/ops/dropout.js';
import type { WasmBackend } from '../../src/backends/wasm/index.js';
import { getThreads, setThreads } from '../../src/threads.js';
import { checkNoLeaks, gradCheck, rand, take, withBackend } from '../helpers.js';

/** The documented hash, in BigInt arithmetic mod 2^32 (independent of Math.imul and int32 tricks). */
function hashRef(i: number, k0: number, k1: number): number {
  const M = 0xffffffffn;
  const mix = (h: bigint) => {
    h ^= h >> 16n;
    h = (h * 0x21f0aaadn) & M;
    h ^= h >> 15n;
    h = (h * 0x735a2d97n) & M;
    return h ^ (h >> 15n);
  };
  const u = (k: number) => BigInt(k >>> 0);
  return Number(mix(mix((BigInt(i) * 0x9e3779b9n + u(k0)) & M) ^ u(k1)));
}

/** Runs the kernel on `x` with the given keys on the active backend and returns its values. */
function run(x: sg.Tensor, rate: number, k0: number, k1: number): Float32Array {
  const y = dropoutWithKeys(x, rate, k0, k1);
  const v = y.dataSync().slice() as Float32Array;
  y.dispose();
  return v;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('Dropout kernel', () => {
  checkNoLeaks();
  let threadsBefore = 1;
  beforeAll(() => {
    threadsBefore = getThreads();
  });
  afterAll(async () => {
    const wasm = ENGINE.findBackend('wasm') as WasmBackend | undefined;
    if (wasm) wasm.cutoffOverride = undefined;
    setThreads(threadsBefore);
    await sg.setBackend('wasm');
  });

  it('the js hash is the documented formula (BigInt reference) for indices and keys across the u32 range', () => {
    const keys = [
      [0, 0],
      [1, 2],
      [0x9e3779b9, 0x7fffffff],
      [-1, -123456789],
      [0x80000000, 12345],
    ];
    for (const [k0, k1] of keys) {
      for (const i of [0, 1, 2, 3, 4, 5, 1000, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]) {
        expect(dropoutHash(i, k0, k1)).toBe(hashRef(i, k0, k1));
      }
    }
  });

  it('wasm equals the js oracle bit for bit: every tail length 1..37, [128, 256], rates 0.05..0.9, NaN and infinities', async () => {
    const cases: [number[], number, number, number][] = [];
    for (let n = 1; n <= 37; n++) cases.push([[n], 0.4, n * 7, n * 13]);
    cases.push([[128, 256], 0.4, 0xdeadbeef, 42], [[128, 128], 0.3, 7, -7], [[3, 5, 7], 0.05, 1, 1], [[1000], 0.9, 99, 98]);
    const inputs = cases.map(([shape]) => {
      const n = shape.reduce((a, c) => a * c, 1);
      const vals = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 3);
      if (n > 6) vals.set([NaN, Infinity, -Infinity, -0, 1e-40, -2.5], 0); // special values (and a subnormal)
      return vals;
    });
    const all = (backend: string) =>
      withBackend(backend, () =>
        cases.map(([shape, rate, k0, k1], c) => {
          const x = sg.tensor(inputs[c], shape);
          const v = run(x, rate, k0, k1);
          x.dispose();
          return v;
        }),
      );
    const js = await all('js');
    const wasm = await all('wasm');
    cases.forEach(([, rate, k0, k1], c) => {
      expect(bits(wasm[c])).toEqual(bits(js[c]));
      // And the oracle is x * (mask value), the mask as dropoutMask draws it.
      const mask = dropoutMask(new Float32Array(inputs[c].length), dropoutAttrs(rate, k0, k1));
      expect(bits(js[c])).toEqual(bits(inputs[c].map((v, i) => Math.fround(v * mask[i]))));
    });
  });

  it('drops `rate` of the elements (within 4 sigma), scales the rest by f32(1/(1-rate)), independently of neighbours and keys', () => {
    const n = 1 << 16;
    const x = sg.ones([n]);
    for (const rate of [0.1, 0.3, 0.4, 0.5, 0.75]) {
      const a = run(x, rate, 1234 + rate * 100, 5678);
      const b = run(x, rate, 1235 + rate * 100, 5678); // neighbouring keys: an unrelated mask
      const scale = Math.fround(1 / (1 - rate));
      const dropA = a.map((v) => (v === 0 ? 1 : 0));
      const dropB = b.map((v) => (v === 0 ? 1 : 0));
      const sigma = Math.sqrt((rate * (1 - rate)) / n);
      expect(Math.abs(dropA.reduce((s, v) => s + v, 0) / n - rate)).toBeLessThan(4 * sigma);
      expect(a.every((v) => v === 0 || v === scale)).toBe(true);
      // P(both dropped) = rate^2 for neighbours (i, i+1) and across the two key pairs.
      let pairs = 0;
      let across = 0;
      for (let i = 0; i < n; i++) {
        if (i + 1 < n) pairs += dropA[i] & dropA[i + 1];
        across += dropA[i] & dropB[i];
      }
      const s2 = Math.sqrt((rate * rate * (1 - rate * rate)) / n);
      expect(Math.abs(pairs / (n - 1) - rate * rate)).toBeLessThan(5 * s2);
      expect(Math.abs(across / n - rate * rate)).toBeLessThan(5 * s2);
    }
    x.dispose();
  });

  it('rate 0 keeps everything; a rate close to 1 drops almost everything', () => {
    const x = sg.ones([4096]);
    expect(run(x, 0, 1, 2).every((v) => v === 1)).toBe(true);
    const r = run(x, 0.999, 1, 2);
    expect(r.filter((v) => v !== 0).length).toBeLessThan(20);
    x.dispose();
  });

  for (const backend of ['js', 'wasm']) {
    it(`${backend}: the gradient multiplies dy by the same mask (no tensor saved), and matches finite differences`, async () => {
      await sg.setBackend(backend);
      const x = rand([6, 11], 3);
      const w = rand([6, 11], 4);
      const f = (t: sg.Tensor) => dropoutWithKeys(t, 0.4, 77, 88);
      const g = take(sg.grad((t: sg.Tensor) => sg.sum(sg.mul(f(t), w)))(x));
      const mask = dropoutMask(new Float32Array(66), dropoutAttrs(0.4, 77, 88));
      const wv = w.dataSync();
      expect(g).toEqual(Array.from(mask, (m, i) => Math.fround(wv[i] * m)));
      gradCheck(f, [x]);
      sg.dispose([x, w]);
    });
  }

  it('wasm on 2 threads, every range split, equals 1 thread bit for bit (the mask follows the index, not the thread)', async () => {
    await sg.setBackend('wasm');
    const wasm = ENGINE.findBackend('wasm') as WasmBackend;
    const vals = Float32Array.from({ length: 128 * 257 + 3 }, (_, i) => Math.cos(i));
    const x = sg.tensor(vals, [vals.length]);
    setThreads(1);
    const one = run(x, 0.4, 31, 37);
    setThreads(2);
    wasm.cutoffOverride = 0;
    const before = wasm.threadsInfo().splits.dropoutF32 ?? 0;
    try {
      const two = run(x, 0.4, 31, 37);
      expect(wasm.threadsInfo().splits.dropoutF32 ?? 0).toBeGreaterThan(before);
      expect(bits(two)).toEqual(bits(one));
    } finally {
      wasm.cutoffOverride = undefined;
      setThreads(threadsBefore);
    }
    x.dispose();
  });

  it('the uploaded-mask path (backends without the kernel, noiseShape) multiplies by the same values', async () => {
    await sg.setBackend('wasm');
    const x = rand([4, 9], 5);
    // noiseShape [1, 9]: one row of the mask broadcast over the 4 rows
    const y = take(dropoutWithKeys(x, 0.5, 3, 4, [1, 9]));
    const row = dropoutMask(new Float32Array(9), dropoutAttrs(0.5, 3, 4));
    const xv = x.dataSync();
    expect(y).toEqual(Array.from(xv, (v, i) => Math.fround(v * row[i % 9])));
    // The full shape through the kernel equals x times the uploaded mask of that shape.
    const full = take(dropoutWithKeys(x, 0.5, 3, 4));
    const m = dropoutMask(new Float32Array(36), dropoutAttrs(0.5, 3, 4));
    expect(full).toEqual(Array.from(xv, (v, i) => Math.fround(v * m[i])));
    // a lower-rank noiseShape broadcasts from the right, as numpy: [9] is the same row mask
    expect(take(dropoutWithKeys(x, 0.5, 3, 4, [9]))).toEqual(y);
    expect(() => dropoutWithKeys(x, 0.5, 1, 2, [2, 9])).toThrow(
      /dropout: noiseShape \[2,9\] does not broadcast to x's shape \[4,9\] \(each dimension must equal x's or be 1, aligned from the right\)/,
    );
    expect(() => dropoutWithKeys(x, 0.5, 1, 2, [1, 4, 9])).toThrow(/dropout: noiseShape \[1,4,9\] does not broadcast/);
    const ints = sg.tensor([1, 2], [2], 'int32');
    expect(() => dropoutWithKeys(ints, 0.5, 1, 2)).toThrow(/dropout: argument 'x' must be float32 but has dtype int32/);
    sg.dispose([x, ints]);
  });

  it('the Dropout layer: the same masks from the same layer seed or global seed, new masks each call, on js and wasm alike', async () => {
    const masksOf = async (backend: string, seeded: 'layer' | 'global') =>
      withBackend(backend, () => {
        if (seeded === 'global') sg.utils.setRandomSeed(11);
        const layer = sg.layers.dropout(seeded === 'layer' ? { rate: 0.4, seed: 9 } : { rate: 0.4 });
        const x = sg.ones([8, 33]);
        const a = take(layer.apply(x, { training: true }) as sg.Tensor);
        const b = take(layer.apply(x, { training: true }) as sg.Tensor);
        x.dispose();
        return [a, b];
      });
    for (const seeded of ['layer', 'global'] as const) {
      const [a1, b1] = await masksOf('wasm', seeded);
      const [a2, b2] = await masksOf('wasm', seeded);
      const [a3, b3] = await masksOf('js', seeded);
      expect(a2).toEqual(a1);
      expect(b2).toEqual(b1);
      expect(a3).toEqual(a1);
      expect(b3).toEqual(b1);
      expect(b1).not.toEqual(a1); // a new mask each step
      expect(a1.filter((v) => v === 0).length).toBeGreaterThan(0);
    }
  });
});
