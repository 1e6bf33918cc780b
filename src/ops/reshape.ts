// reshape, expandDims, squeeze, flatten: new shapes over the same buffer (no copy).
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis, sizeFromShape, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { toTensor } from './util.js';

registerGradient('Reshape', {
  grad: ([dy], { inputInfos: [x] }) => [() => ENGINE.reshapeView(dy, x.shape)],
});

/**
 * The same values in a new shape; one dimension may be -1 (inferred).
 * @example sg.reshape(sg.range(0, 6), [2, 3]);
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const t = toTensor(x, 'x', 'reshape');
  const s = shape.slice();
  const inferAt = s.indexOf(-1);
  if (s.filter((d) => d === -1).length > 1) throw new Error(`reshape: shape ${fmt(shape)} has more than one -1`);
  for (const d of s) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) throw new Error(`reshape: invalid shape ${fmt(shape)}`);
  }
  if (inferAt >= 0) {
    const rest = sizeFromShape(s.filter((d) => d !== -1));
    if (rest === 0 || t.size % rest !== 0) {
      throw new Error(`reshape: cannot reshape a tensor of shape ${fmt(t.shape)} (size ${t.size}) into ${fmt(shape)}`);
    }
    s[inferAt] = t.size / rest;
  }
  if (sizeFromShape(s) !== t.size) {
    throw new Error(
      `reshape: cannot reshape a tensor of shape ${fmt(t.shape)} (size ${t.size}) into ${fmt(shape)} (size ${sizeFromShape(s)})`,
    );
  }
  return ENGINE.reshapeView(t, s);
}

/** Inserts a dimension of size 1 at `axis`. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const t = toTensor(x, 'x', 'expandDims');
  const a = normAxis('expandDims', axis, t.rank + 1);
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return ENGINE.reshapeView(t, s);
}

/** Removes dimensions of size 1 (all of them, or those in `axis`). */
export function squeeze(x: Tensor, axis?: number[]): Tensor {
  const t = toTensor(x, 'x', 'squeeze');
  const axes = axis?.map((a) => normAxis('squeeze', a, t.rank));
  for (const a of axes ?? []) {
    if (t.shape[a] !== 1) throw new Error(`squeeze: dimension ${a} of shape ${fmt(t.shape)} is ${t.shape[a]}, not 1`);
  }
  const s = t.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return ENGINE.reshapeView(t, s);
}
