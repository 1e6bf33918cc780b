/**
 * The `utils` namespace of the Keras surface: toCategorical (one-hot labels), normalize (unit
 * p-norm along an axis) and shuffleIndices (a seeded permutation, for shuffling datasets).
 * @module
 */
import { Rng } from '../engine/random.js';
import { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { scalar, tensor } from '../ops/creation.js';
import { abs, sqrt, square } from '../ops/unary.js';
import { div, equal, pow } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { max, sum } from '../ops/reduce.js';
import { where } from '../ops/where.js';
import { tidy } from '../ops/scope.js';
import { oneHot } from '../ops/gather.js';
import { reshape } from '../ops/reshape.js';
import { checkOutputSize } from './size.js';

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x instanceof Tensor) return `a ${x.dtype} Tensor of shape [${x.shape.join(', ')}]`;
  return `${typeof x} ${String(x)}`;
}

/**
 * Converts integer class labels to one-hot rows (Keras `to_categorical`): float32 of shape
 * `[...y.shape, numClasses]`, where a trailing dimension of 1 in `y` is dropped first (so [n] and
 * [n, 1] both give [n, numClasses]). `numClasses` defaults to max(y) + 1. Labels must be integers
 * in [0, numClasses); anything else throws.
 * @example
 * sg.utils.toCategorical([0, 2, 1]).print(); // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 * sg.utils.toCategorical(yTrain, 10);        // yTrain: int32 [60000] -> float32 [60000, 10]
 */
export function toCategorical(y: Tensor | TensorLike, numClasses?: number): Tensor {
  const fn = 'toCategorical';
  let values: ArrayLike<number>;
  let shape: number[];
  if (y instanceof Tensor) {
    if (y.isDisposed) throw new Error(`${fn}: argument 'y' is a disposed Tensor`);
    if (y.dtype === 'complex64')
      throw new Error(`${fn}: argument 'y' must hold integer labels but is complex64 (shape [${y.shape}])`);
    values = y.dataSync();
    shape = y.shape.slice();
  } else {
    if (y === null || y === undefined || typeof y !== 'object') {
      throw new Error(`${fn}: argument 'y' must be a Tensor or an array of integer labels but got ${describe(y)}`);
    }
    const t = tensor(y as TensorLike);
    values = t.dataSync();
    shape = t.shape.slice();
    t.dispose();
  }
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape.pop();
  if (shape.length === 0) shape = [1];
  const n = values.length;
  let top = -1;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${fn}: argument 'y' must hold integer labels >= 0 but element ${i} is ${v}`);
    }
    if (v > top) top = v;
  }
  let k: number;
  if (numClasses === undefined || numClasses === null) {
    if (n === 0) throw new Error(`${fn}: argument 'y' is empty; pass 'numClasses' to size the one-hot axis`);
    k = top + 1;
  } else {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new Error(`${fn}: argument 'numClasses' must be an integer >= 1 but got ${describe(numClasses)}`);
    }
    k = numClasses;
    if (top >= k) {
      let at = 0;
      while (values[at] !== top) at++;
      throw new Error(
        `${fn}: label ${top} (element ${at}) is out of range for numClasses ${k}; labels must be in [0, ${k - 1}]`,
      );
    }
  }
  // Checked before anything is made: toCategorical([1e9]) would otherwise build gigabytes.
  checkOutputSize(fn, [...shape, k], 4, 'the one-hot output');
  const labels = Int32Array.from(values);
  // oneHot writes the rows on the backend: no host-side copy of the (n, k) output.
  return tidy(() => reshape(oneHot(tensor(labels, [n], 'int32'), k, 1, 0, 'float32'), [...shape, k]));
}

/**
 * Scales `x` to unit `order`-norm along `axis` (Keras `utils.normalize`): x / ||x||, where a zero
 * norm is replaced by 1 (zero rows stay zero). `order` is 1, 2 (default), Infinity or any p > 0.
 * @example
 * sg.utils.normalize(sg.tensor([[3, 4], [0, 0]])).print(); // [[0.6, 0.8], [0, 0]]
 */
export function normalize(x: Tensor | TensorLike, axis = -1, order = 2): Tensor {
  const fn = 'normalize';
  if (!(typeof order === 'number' && order > 0)) {
    throw new Error(`${fn}: argument 'order' must be a number > 0 (1, 2, Infinity, ...) but got ${describe(order)}`);
  }
  return tidy(() => {
    let t = x instanceof Tensor ? x : tensor(x);
    if (t.rank === 0) throw new Error(`${fn}: argument 'x' must have rank >= 1 but is a scalar`);
    if (!Number.isInteger(axis) || axis < -t.rank || axis >= t.rank) {
      throw new Error(`${fn}: argument 'axis' ${axis} is out of range for x of shape [${t.shape.join(', ')}]`);
    }
    if (t.dtype !== 'float32') t = cast(t, 'float32');
    let norm: Tensor;
    if (order === 2) norm = sqrt(sum(square(t), axis, true));
    else if (order === 1) norm = sum(abs(t), axis, true);
    else if (order === Infinity) norm = max(abs(t), axis, true);
    else norm = pow(sum(pow(abs(t), order), axis, true), 1 / order);
    const safe = where(equal(norm, 0), scalar(1), norm);
    return div(t, safe);
  });
}

export { setRandomSeed } from '../engine/random.js';

/**
 * A seeded random permutation of 0..n-1 (Fisher-Yates on simdgrad's sfc32 generator), for
 * shuffling a dataset reproducibly, e.g. with `gather`.
 * @example
 * const idx = sg.utils.shuffleIndices(xTrain.shape[0], 42);
 * const xs = sg.gather(xTrain, idx);
 */
export function shuffleIndices(n: number, seed?: number): number[] {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`shuffleIndices: argument 'n' must be an integer >= 0 but got ${describe(n)}`);
  // A JavaScript array holds at most 2^32 - 1 elements.
  if (n > 2 ** 32 - 1) {
    throw new Error(
      `shuffleIndices: argument 'n' is ${n.toLocaleString('en-US')}; an index array holds at most 4,294,967,295 elements`,
    );
  }
  if (seed !== undefined && !Number.isFinite(seed)) {
    throw new Error(`shuffleIndices: argument 'seed' must be a finite number but got ${describe(seed)}`);
  }
  const rng = new Rng(seed);
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}
