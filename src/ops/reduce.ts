// Reductions (sum, mean, prod, max, min) and arg-reductions (argMax, argMin) over any axes.
// Kernels see only [outer, R, inner] (reduce the middle) or [rows, n] (arg over rows): reduced
// axes that are contiguous need no copy; others are transposed to the end first.
import { Reduce } from '../backends/wasm/codes.generated.js';
import type { TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { div, equal, mul } from './binary.js';
import { cast } from './cast.js';
import { reshape } from './reshape.js';
import { tile } from './tile.js';
import { transpose } from './transpose.js';
import { where } from './where.js';
import { zerosLike } from './creation.js';
import { axesArg, run1, scoped, toTensor } from './util.js';
import { scan3 } from './cumulative.js';

/** @inline */
type Axis = number | number[] | null | undefined;

registerGradient('Reduce', {
  saveInputs: true,
  saveOutputs: true,
  grad: ([dy], { inputs: [x], outputs: [y], attrs }) => [
    () => {
      const [outer, R, inner] = x.shape;
      const spread = (t: Tensor) => tile(reshape(t, [outer, 1, inner]), [1, R, 1]);
      const dyb = spread(dy);
      switch (attrs.op as Reduce) {
        case Reduce.Sum:
          return dyb;
        case Reduce.Prod: {
          // The product of the other elements, as an exclusive scan from each side: exact
          // where x holds zeros (dividing y by x gave NaN there).
          const others = mul(scan3(x, true, true, false), scan3(x, true, true, true));
          return mul(dyb, others);
        }
        default:
          return where(equal(x, spread(y)), dyb, zerosLike(dyb)); // Max, Min: every tie gets dy
      }
    },
  ],
});

/** Reduces `x` over `axis` with kernel op `op`, keeping reduced dims as 1 when `keepDims`. */
function reduce(name: string, op: Reduce, xIn: Tensor | TensorLike, axis: Axis, keepDims: boolean): Tensor {
  const x = toTensor(xIn, 'x', name);
  if (x.dtype === 'bool') throw new Error(`${name}: argument 'x' must be numeric but has dtype bool`);
  const axes = axesArg(name, axis, x.rank);
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i));
  if (op !== Reduce.Sum && op !== Reduce.Prod && axes.some((a) => x.shape[a] === 0)) {
    throw new Error(`${name}: cannot reduce over an empty dimension (shape ${fmt(x.shape)}, axes ${fmt(axes)})`);
  }
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  let src = x;
  let first = axes[0] ?? x.rank;
  let last = axes[axes.length - 1] ?? x.rank - 1;
  if (!contiguous) {
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    src = transpose(x, [...kept, ...axes]);
    first = kept.length;
    last = x.rank - 1;
  }
  const outer = sizeFromShape(src.shape.slice(0, first));
  const R = sizeFromShape(src.shape.slice(first, last + 1));
  const inner = sizeFromShape(src.shape.slice(last + 1));
  const y = outer * inner === 1 ? reduceAll(src, R, op) : run1('Reduce', [reshape(src, [outer, R, inner])], { op });
  return reshape(y, outShape);
}

/** Above this many elements a whole-tensor reduction runs in two stages (see reduceAll). */
const TWO_STAGE_MIN = 1 << 18;

/**
 * Reduces all R values of `x` to one. A large R runs in two stages: R viewed as [blocks, R/blocks]
 * with a fixed block count that depends on R only (the largest divisor of R up to 64), rows
 * reduced first, then the partials. Why: one row cannot be split over the thread pool, while 64
 * rows can; and because the blocking depends on R alone, the summation order (and so every bit of
 * the result) is the same on 1 thread or n, and on every backend.
 */
function reduceAll(x: Tensor, R: number, op: Reduce): Tensor {
  let blocks = 1;
  if (R >= TWO_STAGE_MIN) for (let b = 64; b > 1 && blocks === 1; b--) if (R % b === 0) blocks = b;
  if (blocks === 1) return run1('Reduce', [reshape(x, [1, R, 1])], { op });
  const partial = run1('Reduce', [reshape(x, [blocks, R / blocks, 1])], { op });
  return run1('Reduce', [reshape(partial, [1, blocks, 1])], { op });
}

/**
 * Sum over `axis` (all axes when omitted).
 * @example sg.sum(sg.tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 * @category Reduction
 * @function
 */
export const sum = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  reduce('sum', Reduce.Sum, x, axis, keepDims),
);
/**
 * Product over `axis` (all axes when omitted).
 * @example sg.prod(sg.tensor([[1, 2], [3, 4]]), 1); // [2, 12]
 * @category Reduction
 * @function
 */
export const prod = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  reduce('prod', Reduce.Prod, x, axis, keepDims),
);
/**
 * Maximum over `axis`; NaN wins.
 * @example sg.max([[1, 5], [3, 2]], 1); // [5, 3]
 * @category Reduction
 * @function
 */
export const max = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  reduce('max', Reduce.Max, x, axis, keepDims),
);
/**
 * Minimum over `axis` (all axes when omitted); NaN wins.
 * @example sg.min(sg.tensor([[1, 2], [3, 4]]), 0); // [1, 2]
 * @category Reduction
 * @function
 */
export const min = scoped((x: Tensor | TensorLike, axis?: Axis, keepDims = false) =>
  reduce('min', Reduce.Min, x, axis, keepDims),
);

/**
 * Mean over `axis`; integer inputs give float32.
 * @example sg.mean([[1, 2], [3, 4]], 0); // [2, 3]
 * @category Reduction
 * @function
 */
export const mean = scoped((xIn: Tensor | TensorLike, axis?: Axis, keepDims = false) => {
  const x = toTensor(xIn, 'x', 'mean');
  const f = x.dtype === 'float32' ? x : cast(x, 'float32');
  const axes = axesArg('mean', axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return div(reduce('mean', Reduce.Sum, f, axes, keepDims), count);
});

function argReduce(name: string, isMax: boolean, xIn: Tensor | TensorLike, axis: number): Tensor {
  let x = toTensor(xIn, 'x', name);
  if (x.dtype === 'bool') x = cast(x, 'int32');
  // NaNs are skipped, as tfjs: they become the value that never wins (a row of NaNs gives 0).
  if (x.dtype === 'float32') x = where(run1('MathUnary', [x], { fn: 'isNaN' }), isMax ? -Infinity : Infinity, x);
  const a = normAxis(name, axis, x.rank);
  if (x.rank === 0 || x.shape[a] === 0)
    throw new Error(`${name}: cannot reduce over an empty dimension (shape ${fmt(x.shape)}, axis ${a})`);
  const perm = x.shape.map((_, i) => i).filter((i) => i !== a);
  const src = a === x.rank - 1 ? x : transpose(x, [...perm, a]);
  const n = x.shape[a];
  const y = run1('ArgReduce', [reshape(src, [x.size / n, n])], { isMax });
  return reshape(
    y,
    perm.map((i) => x.shape[i]),
  );
}

/**
 * Index of the maximum along `axis` (default 0), as int32.
 * @example sg.argMax([[1, 5], [3, 2]], 1); // [1, 0]
 * @category Reduction
 * @function
 */
export const argMax = scoped((x: Tensor | TensorLike, axis = 0) => argReduce('argMax', true, x, axis));
/**
 * Index of the minimum along `axis` (default 0), as int32.
 * @example sg.argMin([[1, 5], [3, 2]], 1); // [0, 1]
 * @category Reduction
 * @function
 */
export const argMin = scoped((x: Tensor | TensorLike, axis = 0) => argReduce('argMin', false, x, axis));
