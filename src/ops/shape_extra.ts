// Shape ops composed from gather/slice/tile/reshape (tfjs-core names): split, reverse,
// broadcastTo, mirrorPad, diag (stridedSlice: strided_slice.ts). Gradients come from the ops they use.
import type { TensorLike } from '../engine/dtype.js';
import { fmt, normAxis, sizeFromShape, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { eye } from './creation.js';
import { gather } from './gather.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { tile } from './tile.js';
import { axesArg, scoped, toTensor } from './util.js';
import { ENGINE } from '../engine/engine.js';

/** @inline */
type Arg = Tensor | TensorLike;

/** gather along `axis` with the index list `idx` (a plain int32 vector). */
function pick(x: Tensor, idx: number[], axis: number): Tensor {
  return gather(x, Int32Array.from(idx), axis);
}

/**
 * Splits `x` along `axis` into `numOrSizeSplits` equal parts, or parts of the given sizes (one
 * may be -1: the rest).
 * @example sg.split(sg.tensor([1, 2, 3, 4]), 2); // [[1, 2], [3, 4]]
 * @category Slicing and shapes
 */
export function split(xIn: Arg, numOrSizeSplits: number | number[], axis = 0): Tensor[] {
  return ENGINE.tidy(() => {
    const x = toTensor(xIn, 'x', 'split');
    const a = normAxis('split', axis, x.rank);
    const n = x.shape[a];
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      if (!Number.isInteger(numOrSizeSplits) || numOrSizeSplits < 1 || n % numOrSizeSplits !== 0)
        throw new Error(
          `split: ${numOrSizeSplits} parts do not divide dimension ${a} of size ${n} (x ${fmt(x.shape)})`,
        );
      sizes = new Array<number>(numOrSizeSplits).fill(n / numOrSizeSplits);
    } else {
      sizes = numOrSizeSplits.slice();
      const free = sizes.filter((s) => s === -1).length;
      if (free > 1 || sizes.some((s) => s !== -1 && (!Number.isInteger(s) || s < 0)))
        throw new Error(`split: sizes ${fmt(numOrSizeSplits)} must be integers >= 0 with at most one -1`);
      const known = sizes.filter((s) => s !== -1).reduce((p, c) => p + c, 0);
      if (free) sizes[sizes.indexOf(-1)] = n - known;
      if (sizes.reduce((p, c) => p + c, 0) !== n || sizes.some((s) => s < 0))
        throw new Error(
          `split: sizes ${fmt(numOrSizeSplits)} do not sum to dimension ${a} of size ${n} (x ${fmt(x.shape)})`,
        );
    }
    let off = 0;
    return sizes.map((s) => {
      const begin = x.shape.map((_, i) => (i === a ? off : 0));
      const size = x.shape.map((d, i) => (i === a ? s : d));
      off += s;
      return slice(x, begin, size);
    });
  });
}

/**
 * Reverses `x` along `axis` (all axes when omitted).
 * @example sg.reverse(sg.tensor([1, 2, 3])); // [3, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const reverse = scoped((xIn: Arg, axis?: number | number[]): Tensor => {
  const x = toTensor(xIn, 'x', 'reverse');
  const axes = axesArg('reverse', axis, x.rank);
  let y = x;
  for (const a of axes)
    y = pick(
      y,
      Array.from({ length: x.shape[a] }, (_, i) => x.shape[a] - 1 - i),
      a,
    );
  return y === x ? reshape(x, x.shape) : y;
});

/**
 * Broadcasts `x` to `shape` (numpy rules; new leading dimensions allowed).
 * @example sg.broadcastTo(sg.tensor([1, 2]), [2, 2]); // [[1, 2], [1, 2]]
 * @category Slicing and shapes
 * @function
 */
export const broadcastTo = scoped((xIn: Arg, shape: Shape): Tensor => {
  const x = toTensor(xIn, 'x', 'broadcastTo');
  if (!Array.isArray(shape) || shape.length < x.rank || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new Error(
      `broadcastTo: shape ${JSON.stringify(shape)} must be integers >= 0 of rank >= ${x.rank} (x ${fmt(x.shape)})`,
    );
  const lifted = [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape];
  const reps = lifted.map((d, i) => {
    if (d !== shape[i] && d !== 1)
      throw new Error(
        `broadcastTo: x ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)} (dimension ${i}: ${d} vs ${shape[i]})`,
      );
    return d === shape[i] ? 1 : shape[i];
  });
  return tile(reshape(x, lifted), reps);
});

// stridedSlice lives in strided_slice.ts (ellipsis and new-axis masks); re-exported here.
export { stridedSlice } from './strided_slice.js';

/**
 * Pads with values mirrored from x: 'reflect' (edge not repeated) or 'symmetric' (repeated).
 * @example sg.mirrorPad(sg.tensor([1, 2, 3]), [[2, 2]], 'reflect'); // [3, 2, 1, 2, 3, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const mirrorPad = scoped(
  (xIn: Arg, paddings: Array<[number, number]>, mode: 'reflect' | 'symmetric'): Tensor => {
    const x = toTensor(xIn, 'x', 'mirrorPad');
    if (mode !== 'reflect' && mode !== 'symmetric')
      throw new Error(`mirrorPad: mode must be 'reflect' or 'symmetric' but is '${mode}'`);
    const shift = mode === 'reflect' ? 1 : 0;
    if (!Array.isArray(paddings) || paddings.length !== x.rank)
      throw new Error(
        `mirrorPad: paddings ${JSON.stringify(paddings)} must have one [before, after] pair per dimension of x ${fmt(x.shape)}`,
      );
    let y = x;
    paddings.forEach(([before, after], d) => {
      const n = x.shape[d];
      const limit = n - shift;
      if (
        !Number.isInteger(before) ||
        !Number.isInteger(after) ||
        before < 0 ||
        after < 0 ||
        before > limit ||
        after > limit
      )
        throw new Error(
          `mirrorPad: paddings[${d}] = [${before}, ${after}] must be integers in [0, ${limit}] for dimension ${d} of size ${n} (mode '${mode}')`,
        );
      if (before === 0 && after === 0) return;
      const idx: number[] = [];
      for (let i = before; i > 0; i--) idx.push(i - 1 + shift);
      for (let i = 0; i < n; i++) idx.push(i);
      for (let i = 0; i < after; i++) idx.push(n - 1 - i - shift);
      y = pick(y, idx, d);
    });
    return y === x ? reshape(x, x.shape) : y;
  },
);

/**
 * A tensor with x on its diagonal: shape [...x.shape, ...x.shape], as tfjs.
 * @example sg.diag(sg.tensor([1, 2])); // [[1, 0], [0, 2]]
 * @category Slicing and shapes
 * @function
 */
export const diag = scoped((xIn: Arg): Tensor => {
  const x = toTensor(xIn, 'x', 'diag');
  if (x.rank === 0) throw new Error('diag: x must have rank >= 1 but is a scalar');
  const n = sizeFromShape(x.shape);
  return reshape(mul(reshape(x, [n, 1]), eye(n, n, null, x.dtype === 'bool' ? 'int32' : x.dtype)), [
    ...x.shape,
    ...x.shape,
  ]);
});
