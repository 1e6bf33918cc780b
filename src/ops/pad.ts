// pad: surrounds a tensor with a constant; its gradient slices dy back.
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { slice } from './slice.js';
import { checkFinite, run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Pad', {
  grad: ([dy], { attrs, inputInfos: [x] }) => {
    const p = attrs.paddings as number[][];
    return [
      () =>
        slice(
          dy,
          p.map((q) => q[0]),
          x.shape.slice(),
        ),
    ];
  },
});

/**
 * Pads dimension i with paddings[i] = [before, after] copies of `constantValue`.
 * @example sg.pad(sg.tensor([1, 2]), [[1, 2]]); // [0, 1, 2, 0, 0]
 * @category Slicing and shapes
 * @function
 */
export const pad = scoped(
  (x: Tensor | TensorLike, paddings: Array<[number, number]> | number[][], constantValue = 0): Tensor => {
    const t = toTensor(x, 'x', 'pad');
    checkFinite('pad', 'constantValue', constantValue);
    if (
      paddings.length !== t.rank ||
      paddings.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))
    ) {
      throw new Error(
        `pad: paddings ${JSON.stringify(paddings)} must be one [before, after] pair of integers >= 0 per dimension of shape ${fmt(t.shape)}`,
      );
    }
    return run1('Pad', [t], { paddings: paddings.map((p) => [p[0], p[1]]), constantValue });
  },
);
