// The Slice kernel copies contiguous runs (src/backends/js/kernels/shape.ts; both CPU backends run
// it): every slice of 300 random shapes (rank 0-5, size-1 and size-0 dims, runs shorter and longer
// than the 16-element block cut-over) against an index walk over the input, float32 and int32,
// and a few against tfjs-core 4.22.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks } from '../helpers.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The slice by an index walk: out[i] = x[sum (idx[d] + begin[d]) * stride[d]]. */
function reference(x: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const st = shape.map((_, d) => shape.slice(d + 1).reduce((a, c) => a * c, 1));
  const n = size.reduce((a, c) => a * c, 1);
  const out: number[] = [];
  const idx = size.map(() => 0);
  for (let i = 0; i < n; i++) {
    out.push(x[idx.reduce((o, v, d) => o + (v + begin[d]) * st[d], 0)]);
    for (let d = size.length - 1; d >= 0 && ++idx[d] === size[d]; d--) idx[d] = 0;
  }
  return out;
}

function cases(count: number, seed: number): { shape: number[]; begin: number[]; size: number[] }[] {
  const r = lcg(seed);
  const out: { shape: number[]; begin: number[]; size: number[] }[] = [];
  for (let c = 0; c < count; c++) {
    const rank = Math.floor(r() * 6);
    const shape = Array.from({ length: rank }, () => (r() < 0.05 ? 0 : 1 + Math.floor(r() * (r() < 0.3 ? 40 : 6))));
    const begin = shape.map((d) => (d === 0 || r() < 0.4 ? 0 : Math.floor(r() * d)));
    const size = shape.map((d, i) => (r() < 0.4 ? d - begin[i] : Math.floor(r() * (d - begin[i] + 1))));
    out.push({ shape, begin, size });
  }
  return out;
}

describe.each(BACKENDS)('slice block copies on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it('300 random slices equal an index walk (float32 and int32)', () => {
    for (const [k, { shape, begin, size }] of cases(300, 7).entries()) {
      const n = shape.reduce((a, c) => a * c, 1);
      const dtype = k % 3 === 0 ? 'int32' : 'float32';
      const data = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i * 7 - 3 : i * 0.5 + 0.25));
      const x = sg.tensor(data, shape, dtype);
      const y = sg.slice(x, begin, size);
      expect(y.shape, JSON.stringify({ shape, begin, size })).toEqual(size);
      expect(Array.from(y.dataSync()), JSON.stringify({ shape, begin, size })).toEqual(reference(data, shape, begin, size));
      sg.dispose([x, y]);
    }
  });

  it('rows of a batch, a middle window and a last-axis column equal tfjs-core', () => {
    const shape = [6, 5, 4, 33];
    const data = Float32Array.from({ length: 6 * 5 * 4 * 33 }, (_, i) => Math.sin(i));
    for (const [begin, size] of [
      [[2, 0, 0, 0], [3, 5, 4, 33]],
      [[1, 1, 2, 0], [4, 3, 2, 33]],
      [[0, 0, 0, 7], [6, 5, 4, 1]],
      [[5, 4, 3, 10], [1, 1, 1, 20]],
    ]) {
      const x = sg.tensor(data, shape);
      const ours = sg.slice(x, begin, size);
      const tx = tf.tensor(data, shape);
      const theirs = tf.slice(tx, begin, size);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
      sg.dispose([x, ours]);
      tf.dispose([tx, theirs]);
    }
  });
});
