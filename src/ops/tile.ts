// tile: repeats a tensor along each dimension.
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { reshape } from './reshape.js';
import { sum } from './reduce.js';
import { run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Tile', {
  // dy viewed as [r0, d0, r1, d1, ...] summed over the repeat axes.
  grad: ([dy], { attrs, inputInfos: [x] }) => [
    () => {
      const reps = attrs.reps as number[];
      const split = x.shape.flatMap((d, i) => [reps[i], d]);
      return reshape(
        sum(
          reshape(dy, split),
          reps.map((_, i) => 2 * i),
        ),
        x.shape,
      );
    },
  ],
});

/**
 * Repeats `x` reps[i] times along dimension i.
 * @example sg.tile(sg.tensor([1, 2]), [2]); // [1, 2, 1, 2]
 * @category Slicing and shapes
 * @function
 */
export const tile = scoped((x: Tensor | TensorLike, reps: number[]): Tensor => {
  const t = toTensor(x, 'x', 'tile');
  if (reps.length !== t.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new Error(`tile: reps ${fmt(reps)} must hold one integer >= 0 per dimension of shape ${fmt(t.shape)}`);
  }
  return run1('Tile', [t], { reps });
});
