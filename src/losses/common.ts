// Argument checks and alignment shared by the loss and metric functions: every check runs on
// shapes, dtypes and option values (and, for sparse labels, on the label values read back from
// the host) before any kernel runs, and each error names the function, the argument and the shapes.
import { ENGINE } from '../engine/engine.js';
import type { TensorLike } from '../engine/dtype.js';
import { fmt, shapesEqual } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/reshape.js';
import { tidy } from '../ops/scope.js';
import { toTensor } from '../ops/util.js';
import { show } from '../utils/options.js';

/** Keras' backend epsilon (fuzz factor for clipping and divisions). */
export const EPSILON = 1e-7;

/** @inline */
export type Arg = Tensor | TensorLike;

/** `x` as a live tensor; numbers and nested arrays are converted (the caller's tidy frees them). */
export function asTensor(op: string, arg: string, x: Arg): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new Error(`${op}: '${arg}' (shape ${fmt(x.shape)}) is already disposed`);
    return x;
  }
  if (x === null || x === undefined) throw new Error(`${op}: '${arg}' is ${x}; expected a Tensor`);
  return toTensor(x, arg, op);
}

/** How yTrue lines up with yPred: 'same' shapes, or yTrue 'reshape'd (a trailing 1 added or dropped). */
export type Alignment = 'same' | 'reshape';

/**
 * Checks a (yTrue, yPred) pair: yPred float32 of rank >= 1; yTrue numeric with the same shape,
 * or (as Keras' squeeze-or-expand) differing only by a trailing dimension of 1 when `lenient`.
 */
export function checkPair(op: string, yTrue: Tensor, yPred: Tensor, lenient = true): Alignment {
  if (yPred.dtype !== 'float32') {
    throw new Error(`${op}: yPred must be float32 but has dtype ${yPred.dtype} (shape ${fmt(yPred.shape)})`);
  }
  if (yPred.rank === 0) {
    throw new Error(`${op}: yPred must have rank >= 1 (the last axis is reduced) but is a scalar`);
  }
  if (shapesEqual(yTrue.shape, yPred.shape)) return 'same';
  if (lenient) {
    const [a, b] = yTrue.rank > yPred.rank ? [yTrue.shape, yPred.shape] : [yPred.shape, yTrue.shape];
    if (a.length === b.length + 1 && a[a.length - 1] === 1 && shapesEqual(a.slice(0, -1), b)) return 'reshape';
  }
  throw new Error(`${op}: yTrue has shape ${fmt(yTrue.shape)} but yPred has shape ${fmt(yPred.shape)}`);
}

/** yTrue as float32 in yPred's shape (call inside a tidy, after checkPair). */
export function alignTrue(yTrue: Tensor, yPred: Tensor, how: Alignment): Tensor {
  let t = yTrue.dtype === 'float32' ? yTrue : cast(yTrue, 'float32');
  if (how === 'reshape') t = reshape(t, yPred.shape);
  return t;
}

/**
 * Validates and aligns (yTrue, yPred), then runs `f` on float32 tensors of one shape inside a
 * tidy, so intermediates are freed and only the result survives.
 */
export function pairwise(
  op: string,
  yTrueArg: Arg,
  yPredArg: Arg,
  f: (t: Tensor, p: Tensor) => Tensor,
  lenient = true,
): Tensor {
  return tidy(() => {
    const yTrue = asTensor(op, 'yTrue', yTrueArg);
    const yPred = asTensor(op, 'yPred', yPredArg);
    const how = checkPair(op, yTrue, yPred, lenient);
    return f(alignTrue(yTrue, yPred, how), yPred);
  });
}

/** A finite number option within [lo, hi]. */
export function checkOption(op: string, arg: string, v: unknown, lo = -Infinity, hi = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    const range = lo === -Infinity && hi === Infinity ? 'a finite number' : `a number in [${lo}, ${hi}]`;
    throw new Error(`${op}: option '${arg}' must be ${range} but is ${show(v)}`);
  }
  return v;
}

/**
 * Checks sparse class labels against `numClasses` (reading them on the host): each must be an
 * integer in [0, numClasses); NaN and fractions are rejected. yTrue must have yPred's shape
 * without the class axis, or with a trailing 1 in its place.
 */
export function checkSparseLabels(op: string, yTrue: Tensor, yPred: Tensor): void {
  if (yPred.dtype !== 'float32') {
    throw new Error(`${op}: yPred must be float32 but has dtype ${yPred.dtype} (shape ${fmt(yPred.shape)})`);
  }
  if (yPred.rank === 0) throw new Error(`${op}: yPred must have rank >= 1 (the class axis is last) but is a scalar`);
  const batch = yPred.shape.slice(0, -1);
  const numClasses = yPred.shape[yPred.rank - 1];
  const fits = shapesEqual(yTrue.shape, batch) || shapesEqual(yTrue.shape, [...batch, 1]);
  if (!fits) {
    throw new Error(
      `${op}: yTrue has shape ${fmt(yTrue.shape)} but yPred has shape ${fmt(yPred.shape)}; ` +
        `sparse labels must have shape ${fmt(batch)} or ${fmt([...batch, 1])}`,
    );
  }
  if (yTrue.dtype === 'bool') throw new Error(`${op}: yTrue must be int32 or float32 class indices but has dtype bool`);
  if (numClasses === 0) throw new Error(`${op}: yPred has 0 classes (shape ${fmt(yPred.shape)})`);
  const labels = ENGINE.readSync(yTrue);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v)) {
      throw new Error(`${op}: label ${v} at index ${i} of yTrue is not an integer class index`);
    }
    if (v < 0 || v >= numClasses) {
      throw new Error(
        `${op}: label ${v} at index ${i} of yTrue is out of range: yPred has ${numClasses} classes, so labels must be in [0, ${numClasses})`,
      );
    }
  }
}
