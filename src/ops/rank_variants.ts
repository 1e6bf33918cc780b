// tfjs-core's rank-specific variants (concat1d..4d, pad1d..4d, slice1d..4d, reverse1d..4d,
// batchNorm2d..4d): the general op after a rank check, so a wrong rank fails naming the variant.
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { concat } from './concat.js';
import { batchNorm } from './moments.js';
import { pad } from './pad.js';
import { reverse } from './shape_extra.js';
import { slice } from './slice.js';
import { toTensor } from './util.js';

/** @inline */
type Arg = Tensor | TensorLike;

function ranked(op: string, rank: number, x: Arg): Tensor {
  const t = toTensor(x, 'x', op);
  if (t.rank !== rank) {
    if (t !== x) t.dispose();
    throw new Error(`${op}: x must have rank ${rank} but has shape ${fmt(t.shape)}`);
  }
  return t;
}

/** Wraps `fn` so that its first argument must have `rank`; converted arguments are freed. */
function withRank<A extends unknown[]>(op: string, rank: number, fn: (x: Tensor, ...rest: A) => Tensor) {
  return (x: Arg, ...rest: A): Tensor => {
    const t = ranked(op, rank, x);
    try {
      return fn(t, ...rest);
    } finally {
      if (t !== x) t.dispose();
    }
  };
}

function concatN(op: string, rank: number) {
  return (tensors: Arg[], axis = 0): Tensor => {
    const ts = tensors.map((t) => ranked(op, rank, t));
    try {
      return concat(ts, axis);
    } finally {
      ts.forEach((t, i) => t !== tensors[i] && t.dispose());
    }
  };
}

/**
 * {@link concat} of rank-1 tensors; throws naming concat1d when one has another rank.
 * @example sg.concat1d([[1], [2, 3]]); // [1, 2, 3]
 * @category Slicing and shapes
 * @function
 */
export const concat1d = concatN('concat1d', 1);
/**
 * {@link concat} of rank-2 tensors along `axis` (default 0).
 * @example sg.concat2d([[[1]], [[2]]], 1); // [[1, 2]]
 * @category Slicing and shapes
 * @function
 */
export const concat2d = concatN('concat2d', 2);
/**
 * {@link concat} of rank-3 tensors along `axis` (default 0).
 * @example sg.concat3d([sg.ones([1, 1, 1]), sg.zeros([1, 1, 1])], 2); // [[[1, 0]]]
 * @category Slicing and shapes
 * @function
 */
export const concat3d = concatN('concat3d', 3);
/**
 * {@link concat} of rank-4 tensors along `axis` (default 0).
 * @example sg.concat4d([sg.ones([1, 1, 1, 1]), sg.zeros([1, 1, 1, 1])], 0).shape; // [2, 1, 1, 1]
 * @category Slicing and shapes
 * @function
 */
export const concat4d = concatN('concat4d', 4);

/**
 * {@link pad} for a rank-1 tensor: `paddings` is one [before, after] pair.
 * @example sg.pad1d([1, 2], [1, 0]); // [0, 1, 2]
 * @category Slicing and shapes
 * @function
 */
export const pad1d = withRank('pad1d', 1, (x, paddings: [number, number], constantValue: number = 0) =>
  pad(x, [paddings], constantValue),
);
/**
 * {@link pad} for a rank-2 tensor: one [before, after] pair per dimension.
 * @example sg.pad2d([[1]], [[1, 0], [0, 1]]); // [[0, 0], [1, 0]]
 * @category Slicing and shapes
 * @function
 */
export const pad2d = withRank('pad2d', 2, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);
/**
 * {@link pad} for a rank-3 tensor: one [before, after] pair per dimension.
 * @example sg.pad3d(sg.ones([1, 1, 1]), [[0, 0], [0, 0], [1, 1]]); // [[[0, 1, 0]]]
 * @category Slicing and shapes
 * @function
 */
export const pad3d = withRank('pad3d', 3, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);
/**
 * {@link pad} for a rank-4 tensor: one [before, after] pair per dimension.
 * @example sg.pad4d(sg.ones([1, 2, 2, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]).shape; // [1, 4, 4, 1]
 * @category Slicing and shapes
 * @function
 */
export const pad4d = withRank('pad4d', 4, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);

/**
 * {@link slice} of a rank-1 tensor: `size` elements from `begin`.
 * @example sg.slice1d([1, 2, 3, 4], 1, 2); // [2, 3]
 * @category Slicing and shapes
 * @function
 */
export const slice1d = withRank('slice1d', 1, (x, begin: number, size: number) => slice(x, [begin], [size]));
/**
 * {@link slice} of a rank-2 tensor: a [rows, columns] block from `begin`.
 * @example sg.slice2d([[1, 2], [3, 4]], [1, 0], [1, 2]); // [[3, 4]]
 * @category Slicing and shapes
 * @function
 */
export const slice2d = withRank('slice2d', 2, (x, begin: [number, number], size: [number, number]) =>
  slice(x, begin, size),
);
/**
 * {@link slice} of a rank-3 tensor.
 * @example sg.slice3d(sg.ones([2, 3, 4]), [0, 1, 0], [2, 2, 4]).shape; // [2, 2, 4]
 * @category Slicing and shapes
 * @function
 */
export const slice3d = withRank('slice3d', 3, (x, begin: [number, number, number], size: [number, number, number]) =>
  slice(x, begin, size),
);
/**
 * {@link slice} of a rank-4 tensor.
 * @example sg.slice4d(sg.ones([1, 4, 4, 3]), [0, 1, 1, 0], [1, 2, 2, 3]).shape; // [1, 2, 2, 3]
 * @category Slicing and shapes
 * @function
 */
export const slice4d = withRank('slice4d', 4, (x, begin: number[], size: number[]) => slice(x, begin, size));

/**
 * {@link reverse} of a rank-1 tensor.
 * @example sg.reverse1d([1, 2, 3]); // [3, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const reverse1d = withRank('reverse1d', 1, (x) => reverse(x));
/**
 * {@link reverse} of a rank-2 tensor along `axis` (all axes when omitted).
 * @example sg.reverse2d([[1, 2], [3, 4]], 1); // [[2, 1], [4, 3]]
 * @category Slicing and shapes
 * @function
 */
export const reverse2d = withRank('reverse2d', 2, (x, axis?: number | number[]) => reverse(x, axis));
/**
 * {@link reverse} of a rank-3 tensor along `axis` (all axes when omitted).
 * @example sg.reverse3d([[[1, 2]]], 2); // [[[2, 1]]]
 * @category Slicing and shapes
 * @function
 */
export const reverse3d = withRank('reverse3d', 3, (x, axis?: number | number[]) => reverse(x, axis));
/**
 * {@link reverse} of a rank-4 tensor along `axis` (all axes when omitted).
 * @example sg.reverse4d([[[[1, 2]]]], 3); // [[[[2, 1]]]]
 * @category Slicing and shapes
 * @function
 */
export const reverse4d = withRank('reverse4d', 4, (x, axis?: number | number[]) => reverse(x, axis));

type BN = [mean: Arg, variance: Arg, offset?: Arg, scale?: Arg, varianceEpsilon?: number];
const bn = (x: Tensor, ...[m, v, o, s, e]: BN) => batchNorm(x, m, v, o, s, e);
/**
 * {@link batchNorm} of a rank-2 tensor.
 * @example sg.batchNorm2d([[1, 3]], [2], [1]); // [[-0.9995004, 0.9995004]]
 * @category Slicing and shapes
 * @function
 */
export const batchNorm2d = withRank('batchNorm2d', 2, bn);
/**
 * {@link batchNorm} of a rank-3 tensor.
 * @example sg.batchNorm3d(sg.ones([1, 2, 2]), [1, 1], [1, 1]); // [[[0, 0], [0, 0]]]
 * @category Slicing and shapes
 * @function
 */
export const batchNorm3d = withRank('batchNorm3d', 3, bn);
/**
 * {@link batchNorm} of a rank-4 tensor.
 * @example sg.batchNorm4d(sg.ones([1, 2, 2, 1]), [0], [1], [0], [2]).shape; // [1, 2, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const batchNorm4d = withRank('batchNorm4d', 4, bn);
