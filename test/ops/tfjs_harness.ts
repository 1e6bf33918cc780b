// The harness shared by the tfjs comparison suites (tfjs_surface*.test.ts): one program per
// case, run by simdgrad on every backend and by tfjs-core's cpu backend on the same seeded
// inputs; values, shapes and dtypes compared, gradients against tfjs and finite differences.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray } from '../helpers.js';

export type AnyT = sg.Tensor | tf.Tensor;
export type Lib = typeof sg | typeof tf;
/**
 * One case: input shapes and ranges, the same program for both libraries. grad: true compares
 * gradients with tfjs and finite differences; 'fd' with finite differences only (tfjs 4.22 has
 * no gradient for the op, or a wrong one).
 */
export interface Case {
  name: string;
  shapes: number[][];
  run: (L: Lib, ...xs: AnyT[]) => AnyT;
  range?: [number, number];
  grad?: boolean | 'fd';
  tol?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const L = (l: Lib) => l as any;
export const i32 = (l: Lib, v: number[], shape?: number[]) => L(l).tensor(v, shape, 'int32');
export const b = (l: Lib, v: boolean[], shape?: number[]) => L(l).tensor(v, shape, 'bool');

/**
 * Registers `describe.each(BACKENDS)(title)` running every case; `extra(backend)` may add more
 * tests inside the same describe (the leak check applies to them too).
 */
export function runCases(title: string, cases: Case[], extra?: (backend: string) => void): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  describe.each(BACKENDS)(`${title} on %s`, (backend) => {
    beforeAll(() => sg.setBackend(backend));
    checkNoLeaks();

    it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
      const range = c.range ?? [-2, 2];
      const data = c.shapes.map((s, k) =>
        randArray(
          s.reduce((p, q) => p * q, 1),
          200 + k,
          range[0],
          range[1],
        ),
      );
      const sx = data.map((v, k) => sg.tensor(v, c.shapes[k]));
      const tx = data.map((v, k) => tf.tensor(v, c.shapes[k]));
      const sy = sg.tidy(() => c.run(sg, ...sx) as sg.Tensor);
      const ty = tf.tidy(() => c.run(tf, ...tx) as tf.Tensor);
      expect(sy.shape).toEqual(ty.shape);
      expect(sy.dtype).toBe(ty.dtype);
      const tol = c.tol ?? 1e-5;
      expectClose(sy.dataSync(), ty.dataSync() as Float32Array, tol, tol);
      if (c.grad === true) {
        const w = randArray(sy.size, 7, 0.5, 1.5);
        const sw = sg.tensor(w, sy.shape);
        const tw = tf.tensor(w, ty.shape);
        const sgG = sg.grads((...xs) => sg.sum(sg.mul(c.run(sg, ...xs) as sg.Tensor, sw)))(sx);
        const tfG = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.run(tf, ...xs) as tf.Tensor, tw)))(tx);
        sgG.forEach((g, k) => expectClose(g.dataSync(), tfG[k].dataSync() as Float32Array, 1e-4, 1e-4));
        sg.dispose([sw, sgG]);
        tf.dispose([tw, tfG]);
      }
      if (c.grad) {
        gradCheck((...xs) => c.run(sg, ...xs) as sg.Tensor, sx, { rtol: 3e-2, atol: 5e-3 });
      }
      sg.dispose([sy, sx]);
      tf.dispose([ty, tx]);
    });

    extra?.(backend);
  });
}
