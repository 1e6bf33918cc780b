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

export const concat1d = concatN('concat1d', 1);
export const concat2d = concatN('concat2d', 2);
export const concat3d = concatN('concat3d', 3);
export const concat4d = concatN('concat4d', 4);

export const pad1d = withRank('pad1d', 1, (x, paddings: [number, number], constantValue: number = 0) =>
  pad(x, [paddings], constantValue),
);
export const pad2d = withRank('pad2d', 2, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);
export const pad3d = withRank('pad3d', 3, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);
export const pad4d = withRank('pad4d', 4, (x, paddings: Array<[number, number]>, constantValue: number = 0) =>
  pad(x, paddings, constantValue),
);

export const slice1d = withRank('slice1d', 1, (x, begin: number, size: number) => slice(x, [begin], [size]));
export const slice2d = withRank('slice2d', 2, (x, begin: [number, number], size: [number, number]) =>
  slice(x, begin, size),
);
export const slice3d = withRank('slice3d', 3, (x, begin: [number, number, number], size: [number, number, number]) =>
  slice(x, begin, size),
);
export const slice4d = withRank('slice4d', 4, (x, begin: number[], size: number[]) => slice(x, begin, size));

export const reverse1d = withRank('reverse1d', 1, (x) => reverse(x));
export const reverse2d = withRank('reverse2d', 2, (x, axis?: number | number[]) => reverse(x, axis));
export const reverse3d = withRank('reverse3d', 3, (x, axis?: number | number[]) => reverse(x, axis));
export const reverse4d = withRank('reverse4d', 4, (x, axis?: number | number[]) => reverse(x, axis));

type BN = [mean: Arg, variance: Arg, offset?: Arg, scale?: Arg, varianceEpsilon?: number];
const bn = (x: Tensor, ...[m, v, o, s, e]: BN) => batchNorm(x, m, v, o, s, e);
export const batchNorm2d = withRank('batchNorm2d', 2, bn);
export const batchNorm3d = withRank('batchNorm3d', 3, bn);
export const batchNorm4d = withRank('batchNorm4d', 4, bn);
