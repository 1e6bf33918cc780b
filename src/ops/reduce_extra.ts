// Reductions composed from the core ones (tfjs-core names): logSumExp, norm, euclideanNorm,
// all, any. Their gradients come from the ops they are built of.
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, pow, sub } from './binary.js';
import { cast } from './cast.js';
import { max, min, sum } from './reduce.js';
import { reshape } from './reshape.js';
import { abs, exp, log, sqrt, square } from './unary.js';
import { axesArg, scoped, toTensor } from './util.js';

/** @inline */
type Axis = number | number[] | null | undefined;

/**
 * log(sum(exp(x))) over `axis`, computed stably (the max is subtracted first).
 * @example sg.logSumExp(sg.tensor([1, 2, 3])); // 3.4076
 * @category Reduction
 * @function
 */
export const logSumExp = scoped((xIn: Tensor | TensorLike, axis?: Axis, keepDims = false): Tensor => {
  const x = toTensor(xIn, 'x', 'logSumExp');
  const f = x.dtype === 'float32' ? x : cast(x, 'float32');
  const axes = axesArg('logSumExp', axis, x.rank);
  const m = max(f, axes, true);
  const y = add(log(sum(exp(sub(f, m)), axes, true)), m);
  if (keepDims) return y;
  return reshape(
    y,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
});

/**
 * Vector norms (ord 1, 2/'euclidean', Infinity, -Infinity, or any p > 0) over one axis or all,
 * and matrix norms (1, Infinity, 'fro'/'euclidean') over two axes, as tfjs.
 * @example sg.norm(sg.tensor([3, 4])); // 5
 * @category Reduction
 * @function
 */
export const norm = scoped(
  (
    xIn: Tensor | TensorLike,
    ord: number | 'euclidean' | 'fro' = 'euclidean',
    axis?: Axis,
    keepDims = false,
  ): Tensor => {
    const x0 = toTensor(xIn, 'x', 'norm');
    const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
    if (x.rank === 0) return abs(x);
    const axes = axesArg('norm', axis, x.rank);
    let y: Tensor;
    if (axis == null) {
      y = vectorNorm(reshape(x, [-1]), ord, [0]);
    } else if (axes.length === 1) {
      y = vectorNorm(x, ord, axes);
    } else if (axes.length === 2) {
      y = matrixNorm(x, ord, axes);
    } else {
      throw new Error(`norm: axis ${JSON.stringify(axis)} must name one or two dimensions (x ${fmt(x.shape)})`);
    }
    if (!keepDims) return y;
    return reshape(
      y,
      x.shape.map((d, i) => (axis == null || axes.includes(i) ? 1 : d)),
    );
  },
);

function vectorNorm(x: Tensor, ord: number | string, axes: number[]): Tensor {
  if (ord === 'euclidean' || ord === 'fro' || ord === 2) return sqrt(sum(square(x), axes));
  if (ord === 1) return sum(abs(x), axes);
  if (ord === Infinity) return max(abs(x), axes);
  if (ord === -Infinity) return min(abs(x), axes);
  if (typeof ord === 'number' && Number.isFinite(ord) && ord > 0) return pow(sum(pow(abs(x), ord), axes), 1 / ord);
  throw new Error(`norm: ord ${String(ord)} is not a vector norm (1, 2, 'euclidean', Infinity, -Infinity or p > 0)`);
}

function matrixNorm(x: Tensor, ord: number | string, axes: number[]): Tensor {
  const [a, b] = axes;
  if (ord === 'euclidean' || ord === 'fro') return sqrt(sum(square(x), axes));
  if (ord === 1) return max(sum(abs(x), a, true), axes); // max column sum
  if (ord === Infinity) return max(sum(abs(x), b, true), axes); // max row sum
  if (ord === -Infinity) return min(sum(abs(x), b, true), axes);
  throw new Error(`norm: ord ${String(ord)} is not a matrix norm (1, Infinity, -Infinity, 'fro' or 'euclidean')`);
}

/**
 * The Euclidean norm over `axis` (all when omitted).
 * @example sg.euclideanNorm([3, 4]); // 5
 * @category Reduction
 */
export const euclideanNorm = (x: Tensor | TensorLike, axis?: Axis, keepDims = false): Tensor =>
  norm(x, 'euclidean', axis, keepDims);

/** Logical reductions of bool tensors (tfjs requires bool). */
function logicalReduce(op: string, isAll: boolean, xIn: Tensor | TensorLike, axis: Axis, keepDims: boolean): Tensor {
  const x = toTensor(xIn, 'x', op, 'bool');
  if (x.dtype !== 'bool')
    throw new Error(`${op}: argument 'x' must be bool but has dtype ${x.dtype} (shape ${fmt(x.shape)})`);
  const i = cast(x, 'int32');
  if (x.size === 0) return emptyLogical(isAll, sum(i, axis, keepDims));
  return cast(isAll ? min(i, axis, keepDims) : max(i, axis, keepDims), 'bool');
}

/** all() of nothing is true, any() of nothing false. */
function emptyLogical(isAll: boolean, zeros: Tensor): Tensor {
  return cast(isAll ? add(zeros, 1) : zeros, 'bool');
}

/**
 * true where every value along `axis` is true.
 * @example sg.all(sg.tensor([true, false])); // false
 * @category Reduction
 * @function
 */
export const all = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  logicalReduce('all', true, x, axis, keepDims),
);
/**
 * true where any value along `axis` is true.
 * @example sg.any([[false, true], [false, false]], 1); // [true, false]
 * @category Reduction
 * @function
 */
export const any = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  logicalReduce('any', false, x, axis, keepDims),
);
