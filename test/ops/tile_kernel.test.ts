// The Tile kernel (block copies) against an index-walk reference, over ranks 0-5, repeats of 1-3,
// zero-sized axes and both dtypes, on every backend; and against tfjs-core on a few shapes.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, withBackend } from '../helpers.js';

function reference(x: number[], shape: number[], reps: number[]): number[] {
  const outShape = shape.map((d, i) => d * reps[i]);
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    let rem = i;
    let o = 0;
    let st = 1;
    const idx: number[] = [];
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d] = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      o += (idx[d] % shape[d]) * st;
      st *= shape[d];
    }
    out.push(x[o]);
  }
  return out;
}

let seed = 7;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

describe.each(BACKENDS)('tile on %s', (backend) => {
  it('equals the index-walk reference on 200 random shapes and repeats', async () => {
    await withBackend(backend, () => {
      for (let c = 0; c < 200; c++) {
        const rank = rnd(6);
        const shape = Array.from({ length: rank }, () => rnd(4) + (c % 17 === 0 ? 0 : 1));
        const reps = Array.from({ length: rank }, () => rnd(3) + 1);
        const dtype = c % 3 === 0 ? 'int32' : 'float32';
        const size = shape.reduce((a, b) => a * b, 1);
        const xv = Array.from({ length: size }, (_, i) => (dtype === 'int32' ? i - 3 : i * 0.5 - 1));
        const x = sg.tensor(xv, shape, dtype);
        const y = sg.tile(x, reps);
        expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]));
        expect(Array.from(y.dataSync())).toEqual(reference(xv, shape, reps));
        sg.dispose([x, y]);
      }
    });
    checkNoLeaks();
  });

  it('agrees with tfjs-core', async () => {
    await tf.setBackend('cpu');
    await withBackend(backend, () => {
      for (const [shape, reps] of [
        [[2, 3], [3, 2]],
        [[1, 4, 1], [2, 1, 5]],
        [[3], [4]],
      ] as [number[], number[]][]) {
        const xv = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
        const x = sg.tensor(xv, shape);
        const ours = sg.tile(x, reps);
        const theirs = tf.tidy(() => tf.tile(tf.tensor(xv, shape), reps));
        expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
        sg.dispose([x, ours]);
        theirs.dispose();
      }
    });
    checkNoLeaks();
  });
});
