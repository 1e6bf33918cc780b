// concat and stack: join tensors along an existing or a new axis; unstack splits one.
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { expandDims, reshape } from './reshape.js';
import { slice } from './slice.js';
import { run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Concat', {
  grad: ([dy], { attrs, inputInfos }) => {
    const axis = attrs.axis as number;
    let off = 0;
    return inputInfos.map((info) => {
      const begin = info.shape.map((_, i) => (i === axis ? off : 0));
      off += info.shape[axis];
      return () => slice(dy, begin, info.shape.slice());
    });
  },
});

/**
 * Joins tensors along `axis`; every other dimension must match.
 * @example sg.concat([sg.tensor([1]), sg.tensor([2, 3])]); // [1, 2, 3]
 * @category Slicing and shapes
 * @function
 */
export const concat = scoped((tensors: Array<Tensor | TensorLike>, axis = 0): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('concat: expected a non-empty array of tensors');
  const ts = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'concat'));
  const a = normAxis('concat', axis, ts[0].rank);
  for (const [i, t] of ts.entries()) {
    if (t.rank !== ts[0].rank || t.dtype !== ts[0].dtype || t.shape.some((d, k) => k !== a && d !== ts[0].shape[k])) {
      throw new Error(
        `concat: tensors[${i}] has shape ${fmt(t.shape)} (${t.dtype}), which does not match ` +
          `tensors[0] ${fmt(ts[0].shape)} (${ts[0].dtype}) outside axis ${a}`,
      );
    }
  }
  if (ts.length === 1) return reshape(ts[0], ts[0].shape);
  return run1('Concat', ts, { axis: a });
});

/**
 * Stacks same-shape tensors along a new `axis`.
 * @example sg.stack([sg.tensor([1, 2]), sg.tensor([3, 4])]); // [[1, 2], [3, 4]]
 * @category Slicing and shapes
 * @function
 */
export const stack = scoped((tensorsIn: Array<Tensor | TensorLike>, axis = 0): Tensor => {
  if (!Array.isArray(tensorsIn) || tensorsIn.length === 0)
    throw new Error('stack: expected a non-empty array of tensors');
  const tensors = tensorsIn.map((t, i) => toTensor(t, `tensors[${i}]`, 'stack'));
  const s0 = tensors[0].shape;
  for (const [i, t] of tensors.entries()) {
    if (fmt(t.shape) !== fmt(s0))
      throw new Error(`stack: tensors[${i}] has shape ${fmt(t.shape)} but tensors[0] has ${fmt(s0)}`);
  }
  const a = normAxis('stack', axis, s0.length + 1);
  return concat(
    tensors.map((t) => expandDims(t, a)),
    a,
  );
});

/**
 * Splits `x` along `axis` into rank-1-lower tensors.
 * @example sg.unstack(sg.tensor([[1, 2], [3, 4]])); // [[1, 2], [3, 4]]
 * @category Slicing and shapes
 */
export function unstack(x: Tensor | TensorLike, axis = 0): Tensor[] {
  const t = toTensor(x, 'x', 'unstack');
  if (t !== x) {
    const parts = unstack(t, axis);
    t.dispose();
    return parts;
  }
  if (t.rank === 0) throw new Error('unstack: x must have rank >= 1 but is a scalar');
  const a = normAxis('unstack', axis, t.rank);
  const shape = t.shape.filter((_, i) => i !== a);
  return Array.from({ length: t.shape[a] }, (_, k) => {
    const begin = t.shape.map((_, i) => (i === a ? k : 0));
    const size = t.shape.map((d, i) => (i === a ? 1 : d));
    const s = slice(t, begin, size);
    const r = reshape(s, shape);
    s.dispose();
    return r;
  });
}
