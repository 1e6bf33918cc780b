// The gradient of slice: along one axis it is zeros and dy joined by Concat (src/ops/slice.ts),
// else a Pad. Both against pad(dy) itself (the padded gradient by definition) on js and wasm, and
// finite differences; every case on each backend, no leaks.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, gradCheck, rand, take, withBackend } from '../helpers.js';

const CASES: [string, number[], number[], number[]][] = [
  ['one axis, zeros before and after', [4, 5], [1, 0], [2, 5]],
  ['one axis at the start', [4, 5], [0, 0], [3, 5]],
  ['one axis to the end', [4, 5], [0, 2], [4, 3]],
  ['the last time step of [B, T, U]', [3, 6, 4], [0, 5, 0], [3, 1, 4]],
  ['a middle axis of rank 4', [2, 3, 4, 2], [0, 1, 0, 0], [2, 2, 4, 2]],
  ['two axes (Pad)', [4, 5], [1, 2], [2, 2]],
];

describe('slice gradient', () => {
  checkNoLeaks();
  for (const backend of BACKENDS) {
    it.each(CASES)(`${backend}: %s equals pad(dy)`, async (_, shape, begin, size) => {
      await withBackend(backend, () => {
        const x = rand(shape, 3);
        const w = rand(size, 4, 0.5, 1.5);
        const [g] = sg.grads((t) => sg.sum(sg.mul(sg.slice(t, begin, size), w)))([x]);
        const want = sg.pad(w, shape.map((d, i) => [begin[i], d - begin[i] - size[i]]));
        expect(g.shape).toEqual(shape);
        expect(take(g)).toEqual(take(want));
        gradCheck((t) => sg.slice(t, begin, size), [x]);
        sg.dispose([x, w]);
      });
    });
  }
});
