// reshape, expandDims, squeeze, flatten: new shapes over the same buffer (no copy).
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis, sizeFromShape, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Reshape', {
  grad: ([dy], { inputInfos: [x] }) => [() => ENGINE.reshapeView(dy, x.shape)],
});

/**
 * The same values in a new shape; one dimension may be -1 (inferred).
 * @example sg.reshape(sg.range(0, 6), [2, 3]);
 * @category Slicing and shapes
 * @function
 */
export const reshape = scoped((x: Tensor | TensorLike, shape: Shape): Tensor => {
  const t = toTensor(x, 'x', 'reshape');
  if (!Array.isArray(shape))
    throw new Error(`reshape: shape must be an array of integers but is ${JSON.stringify(shape)}`);
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
});

/**
 * A new tensor with x's values (sharing its buffer); recorded, so gradients flow through it.
 * @example const y = sg.clone(x);
 * @category Slicing and shapes
 * @function
 */
export const clone = scoped((x: Tensor | TensorLike): Tensor => {
  const t = toTensor(x, 'x', 'clone');
  return ENGINE.reshapeView(t, t.shape);
});

/**
 * Inserts a dimension of size 1 at `axis`.
 * @example sg.expandDims([1, 2], 0).shape; // [1, 2]
 * @category Slicing and shapes
 * @function
 */
export const expandDims = scoped((x: Tensor | TensorLike, axis = 0): Tensor => {
  const t = toTensor(x, 'x', 'expandDims');
  const a = normAxis('expandDims', axis, t.rank + 1);
  const s = t.shape.slice();
  s.splice(a, 0, 1);
  return ENGINE.reshapeView(t, s);
});

/**
 * Removes dimensions of size 1 (all of them when `axis` is omitted or empty, as tfjs; else those in `axis`).
 * @example sg.squeeze(sg.zeros([1, 3, 1])).shape; // [3]
 * @category Slicing and shapes
 * @function
 */
export const squeeze = scoped((x: Tensor | TensorLike, axis?: number | number[]): Tensor => {
  const t = toTensor(x, 'x', 'squeeze');
  const list = axis == null ? [] : Array.isArray(axis) ? axis : [axis];
  const axes = list.length ? list.map((a) => normAxis('squeeze', a, t.rank)) : undefined;
  for (const a of axes ?? []) {
    if (t.shape[a] !== 1) throw new Error(`squeeze: dimension ${a} of shape ${fmt(t.shape)} is ${t.shape[a]}, not 1`);
  }
  const s = t.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return ENGINE.reshapeView(t, s);
});
