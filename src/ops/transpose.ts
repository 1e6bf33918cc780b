// transpose: permutes dimensions (default: reverses them).
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { ENGINE } from '../engine/engine.js';
import { run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Transpose', {
  grad: ([dy], { attrs }) => {
    const perm = attrs.perm as number[];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [() => transpose(dy, inv)];
  },
});

/**
 * Permutes the dimensions of `x`: output dim i is input dim perm[i].
 * @example sg.transpose(sg.zeros([2, 3])).shape; // [3, 2]
 * @category Slicing and shapes
 * @function
 */
export const transpose = scoped((x: Tensor | TensorLike, perm?: number[]): Tensor => {
  const t = toTensor(x, 'x', 'transpose');
  const p = perm ?? t.shape.map((_, i) => t.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== t.rank || sorted.some((v, i) => v !== i)) {
    throw new Error(
      `transpose: perm ${fmt(p)} is not a permutation of the ${t.rank} dimensions of shape ${fmt(t.shape)}`,
    );
  }
  if (p.every((v, i) => v === i)) return ENGINE.reshapeView(t, t.shape);
  return run1('Transpose', [t], { perm: p });
});
