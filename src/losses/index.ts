/**
 * Keras loss functions (keras.losses): each takes (yTrue, yPred) and returns per-sample losses
 * (yPred's shape without the last axis), like Keras' function forms; the model weights and
 * averages them. Composites of simdgrad ops, so every loss is differentiable through the tape.
 * getLoss resolves names and Keras aliases ('mse', 'categorical_crossentropy', 'kld', ...).
 * @module
 */
import type { Tensor } from '../engine/tensor.js';
import { add, div, equal, lessEqual, maximum, mul, sub } from '../ops/binary.js';
import { where } from '../ops/where.js';
import { cast } from '../ops/cast.js';
import { oneHot } from '../ops/gather.js';
import { max, mean, min, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { tidy } from '../ops/scope.js';
import { logSoftmax } from '../ops/softmax.js';
import { abs, clipByValue, log, log1p, neg, relu, rsqrt, softplus, square } from '../ops/unary.js';
import { NameRegistry } from '../utils/names.js';
import { checkBoolOption, checkOptions } from '../utils/options.js';
import { type Arg, EPSILON, asTensor, checkOption, checkSparseLabels, pairwise } from './common.js';
import { fusedCrossentropy } from './fused.js';

export { EPSILON } from './common.js';

/** A loss function: per-sample losses from (yTrue, yPred). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Options of the cross-entropy losses. */
export interface CrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Smooths one-hot targets towards uniform: t (1 - s) + s / numClasses (default 0). */
  labelSmoothing?: number;
}

const lastAxisMean = (x: Tensor) => mean(x, -1);

/**
 * The cross-entropy options from the third argument: an options object, or Keras' positional
 * `from_logits` boolean (`categorical_crossentropy(y, p, True)` ported as `(y, p, true)`).
 * Anything else throws: an argument in the options position is never ignored.
 */
function crossentropyOptions(
  op: string,
  options: unknown,
  known: readonly string[],
): { fromLogits: boolean; labelSmoothing: unknown } {
  if (typeof options === 'boolean') return { fromLogits: options, labelSmoothing: undefined };
  checkOptions(op, options, known);
  const o = (options ?? {}) as CrossentropyOptions;
  return { fromLogits: checkBoolOption(op, 'fromLogits', o.fromLogits, false), labelSmoothing: o.labelSmoothing };
}

/**
 * Categorical cross-entropy over the last axis: -sum(yTrue * log(yPred)). Probabilities are first
 * renormalised to sum to 1 and clipped to [1e-7, 1 - 1e-7], as Keras does; with `fromLogits`
 * it is -sum(yTrue * logSoftmax(yPred)), computed stably.
 * @example
 * losses.categoricalCrossentropy(sg.tensor([[0, 1]]), sg.tensor([[0.2, 0.8]])); // [0.2231]
 */
export function categoricalCrossentropy(yTrue: Arg, yPred: Arg, options: CrossentropyOptions | boolean = {}): Tensor {
  const op = 'categoricalCrossentropy';
  const o = crossentropyOptions(op, options, ['fromLogits', 'labelSmoothing']);
  const ls = checkOption(op, 'labelSmoothing', o.labelSmoothing ?? 0, 0, 1);
  return pairwise(
    op,
    yTrue,
    yPred,
    (t, p) => {
      const numClasses = p.shape[p.rank - 1];
      if (numClasses === 0) throw new Error(`${op}: yPred has an empty class axis (shape [${p.shape.join(',')}])`);
      return crossentropy(ls > 0 ? add(mul(t, 1 - ls), ls / numClasses) : t, p, o.fromLogits);
    },
    false,
  );
}

/** -sum(t * log q) over the last axis; q from logits or from renormalised, clipped probabilities. */
function crossentropy(t: Tensor, p: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits) return neg(sum(mul(t, logSoftmax(p)), -1));
  const fused = fusedCrossentropy(t, p);
  if (fused) return fused;
  const q = clipByValue(div(p, sum(p, -1, true)), EPSILON, 1 - EPSILON);
  return neg(sum(mul(t, log(q)), -1));
}

/**
 * Cross-entropy with integer class labels: yTrue has yPred's shape without the class axis (or a
 * trailing 1), int32 or float32 holding integers. Labels outside [0, numClasses), fractions and
 * NaN throw, naming the label and the class count.
 * @example
 * losses.sparseCategoricalCrossentropy(sg.tensor([1], undefined, 'int32'), sg.tensor([[0.2, 0.8]])); // [0.2231]
 *
 * Porting note: the labels are read back to the host for the range check (Keras checks them in
 * the kernel on some backends only; out-of-range labels would otherwise give a silent 0 row).
 */
export function sparseCategoricalCrossentropy(
  yTrue: Arg,
  yPred: Arg,
  options: { fromLogits?: boolean } | boolean = {},
): Tensor {
  const op = 'sparseCategoricalCrossentropy';
  const { fromLogits } = crossentropyOptions(op, options, ['fromLogits']);
  return tidy(() => {
    const t = asTensor(op, 'yTrue', yTrue);
    const p = asTensor(op, 'yPred', yPred);
    checkSparseLabels(op, t, p);
    const numClasses = p.shape[p.rank - 1];
    const idx = reshape(t.dtype === 'int32' ? t : cast(t, 'int32'), p.shape.slice(0, -1));
    const target = oneHot(idx, numClasses, 1, 0, 'float32');
    return crossentropy(target, p, fromLogits);
  });
}

/**
 * Binary cross-entropy, averaged over the last axis. Probabilities are clipped to
 * [1e-7, 1 - 1e-7]; with `fromLogits` it is softplus(x) - x * t, stable for any logit.
 * `labelSmoothing` s moves targets to t (1 - s) + s / 2.
 * @example losses.binaryCrossentropy(sg.tensor([[1, 0]]), sg.tensor([[0.9, 0.2]])); // [0.1643]
 */
export function binaryCrossentropy(yTrue: Arg, yPred: Arg, options: CrossentropyOptions | boolean = {}): Tensor {
  const op = 'binaryCrossentropy';
  const o = crossentropyOptions(op, options, ['fromLogits', 'labelSmoothing']);
  const ls = checkOption(op, 'labelSmoothing', o.labelSmoothing ?? 0, 0, 1);
  return pairwise(op, yTrue, yPred, (t0, p) => {
    const t = ls > 0 ? add(mul(t0, 1 - ls), ls / 2) : t0;
    if (o.fromLogits) return lastAxisMean(sub(softplus(p), mul(p, t)));
    const q = clipByValue(p, EPSILON, 1 - EPSILON);
    const bce = add(mul(t, log(q)), mul(sub(1, t), log(sub(1, q))));
    return lastAxisMean(neg(bce));
  });
}

/** mean((yPred - yTrue)^2) over the last axis. @example losses.meanSquaredError(sg.tensor([[0, 1]]), sg.tensor([[1, 1]])); // [0.5] */
export function meanSquaredError(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('meanSquaredError', yTrue, yPred, (t, p) => lastAxisMean(square(sub(p, t))));
}

/** mean(|yPred - yTrue|) over the last axis. @example losses.meanAbsoluteError(sg.tensor([[0, 1]]), sg.tensor([[1, 1]])); // [0.5] */
export function meanAbsoluteError(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('meanAbsoluteError', yTrue, yPred, (t, p) => lastAxisMean(abs(sub(p, t))));
}

/**
 * 100 * mean(|yTrue - yPred| / max(|yTrue|, 1e-7)) over the last axis.
 * @example losses.meanAbsolutePercentageError(sg.tensor([[2, 4]]), sg.tensor([[1, 4]])); // [25]
 */
export function meanAbsolutePercentageError(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('meanAbsolutePercentageError', yTrue, yPred, (t, p) =>
    mul(lastAxisMean(abs(div(sub(t, p), maximum(abs(t), EPSILON)))), 100),
  );
}

/**
 * mean((log(max(yPred, 1e-7) + 1) - log(max(yTrue, 1e-7) + 1))^2) over the last axis.
 * @example losses.meanSquaredLogarithmicError(sg.tensor([[0]]), sg.tensor([[Math.E - 1]])); // [1]
 */
export function meanSquaredLogarithmicError(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('meanSquaredLogarithmicError', yTrue, yPred, (t, p) => {
    const lp = log1p(maximum(p, EPSILON));
    const lt = log1p(maximum(t, EPSILON));
    return lastAxisMean(square(sub(lp, lt)));
  });
}

/**
 * Huber loss: 0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta); averaged over the last axis.
 * @example losses.huber(sg.tensor([[0, 0]]), sg.tensor([[0.5, 3]])); // [(0.125 + 2.5) / 2]
 */
export function huber(yTrue: Arg, yPred: Arg, delta = 1): Tensor {
  const op = 'huber';
  checkOption(op, 'delta', delta, 0);
  return pairwise(op, yTrue, yPred, (t, p) => {
    const e = sub(p, t);
    const ae = abs(e);
    const quad = mul(square(e), 0.5);
    const lin = sub(mul(ae, delta), 0.5 * delta * delta);
    return lastAxisMean(where(lessEqual(ae, delta), quad, lin));
  });
}

/**
 * Kullback-Leibler divergence sum(t log(t / p)) over the last axis, both clipped to [1e-7, 1].
 * @example losses.kullbackLeiblerDivergence(sg.tensor([[0.5, 0.5]]), sg.tensor([[0.25, 0.75]])); // [0.1438]
 */
export function kullbackLeiblerDivergence(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('kullbackLeiblerDivergence', yTrue, yPred, (t0, p0) => {
    const t = clipByValue(t0, EPSILON, 1);
    const p = clipByValue(p0, EPSILON, 1);
    return sum(mul(t, log(div(t, p))), -1);
  });
}
/** Alias of kullbackLeiblerDivergence. */
export const kld = kullbackLeiblerDivergence;

/** Keras' hinge label convention: labels that are all 0 or 1 become -1 / 1; others are kept. */
function hingeLabels(t: Tensor): Tensor {
  if (t.size === 0) return t;
  const isBinary = equal(min(add(cast(equal(t, 0), 'int32'), cast(equal(t, 1), 'int32'))), 1);
  return where(isBinary, sub(mul(t, 2), 1), t);
}

/**
 * mean(max(1 - yTrue * yPred, 0)) over the last axis; yTrue in {-1, 1} (all-{0, 1} labels are
 * converted, as Keras does).
 * @example losses.hinge(sg.tensor([[1, -1]]), sg.tensor([[0.3, 0.4]])); // [(0.7 + 1.4) / 2]
 *
 * Porting note: tfjs-layers' hinge does not convert {0, 1} labels; Keras (and this) does.
 */
export function hinge(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('hinge', yTrue, yPred, (t, p) => lastAxisMean(relu(sub(1, mul(hingeLabels(t), p)))));
}

/** mean(max(1 - yTrue * yPred, 0)^2) over the last axis, with hinge's label conversion. */
export function squaredHinge(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('squaredHinge', yTrue, yPred, (t, p) => lastAxisMean(square(relu(sub(1, mul(hingeLabels(t), p))))));
}

/**
 * max(max((1 - yTrue) * yPred) - sum(yTrue * yPred) + 1, 0), yTrue one-hot.
 * @example losses.categoricalHinge(sg.tensor([[0, 1]]), sg.tensor([[0.3, 0.6]])); // [0.7]
 */
export function categoricalHinge(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('categoricalHinge', yTrue, yPred, (t, p) => {
    const pos = sum(mul(t, p), -1);
    const negv = max(mul(sub(1, t), p), -1);
    return relu(add(sub(negv, pos), 1));
  });
}

/**
 * mean(log(cosh(yPred - yTrue))) over the last axis, computed as x + softplus(-2x) - log 2 so that
 * large errors do not overflow.
 * @example losses.logcosh(sg.tensor([[0]]), sg.tensor([[1]])); // [0.4338]
 */
export function logcosh(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('logcosh', yTrue, yPred, (t, p) => {
    const x = sub(p, t);
    return lastAxisMean(sub(add(x, softplus(mul(x, -2))), Math.LN2));
  });
}

/**
 * mean(yPred - yTrue * log(yPred + 1e-7)) over the last axis.
 * @example losses.poisson(sg.tensor([[1]]), sg.tensor([[2]])); // [2 - log 2]
 */
export function poisson(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('poisson', yTrue, yPred, (t, p) => lastAxisMean(sub(p, mul(t, log(add(p, EPSILON))))));
}

/** x / ||x|| over the last axis, with the squared norm floored at 1e-12. */
export function l2Normalize(x: Tensor): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), -1, true), 1e-12)));
}

/**
 * The negative cosine similarity over the last axis: -sum(l2n(yTrue) * l2n(yPred)); -1 when the
 * vectors point the same way, so minimising it aligns them (Keras' loss sign).
 * @example losses.cosineSimilarity(sg.tensor([[1, 0]]), sg.tensor([[2, 0]])); // [-1]
 */
export function cosineSimilarity(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('cosineSimilarity', yTrue, yPred, (t, p) => neg(sum(mul(l2Normalize(t), l2Normalize(p)), -1)));
}

const REGISTRY = new NameRegistry<LossFn>('loss');
REGISTRY.register('categorical_crossentropy', categoricalCrossentropy);
REGISTRY.register('sparse_categorical_crossentropy', sparseCategoricalCrossentropy);
REGISTRY.register('binary_crossentropy', binaryCrossentropy);
REGISTRY.register('mean_squared_error', meanSquaredError, ['mse']);
REGISTRY.register('mean_absolute_error', meanAbsoluteError, ['mae']);
REGISTRY.register('mean_absolute_percentage_error', meanAbsolutePercentageError, ['mape']);
REGISTRY.register('mean_squared_logarithmic_error', meanSquaredLogarithmicError, ['msle']);
REGISTRY.register('huber', huber, ['huber_loss']);
REGISTRY.register('kl_divergence', kullbackLeiblerDivergence, ['kld', 'kullback_leibler_divergence']);
REGISTRY.register('hinge', hinge);
REGISTRY.register('squared_hinge', squaredHinge);
REGISTRY.register('categorical_hinge', categoricalHinge);
REGISTRY.register('log_cosh', logcosh, ['logcosh']);
REGISTRY.register('poisson', poisson);
REGISTRY.register('cosine_similarity', cosineSimilarity);

/** Every registered loss name (Keras snake_case). */
export const lossNames: readonly string[] = REGISTRY.names;

/**
 * Resolves a loss: a name or alias in any case style ('categorical_crossentropy',
 * 'categoricalCrossentropy', 'CategoricalCrossentropy', 'mse', 'MAE', 'kld'...) or a function
 * (returned as is). Unknown names throw with the closest name.
 * @example
 * const f = losses.getLoss('mse');
 * f(yTrue, yPred); // per-sample losses
 */
export function getLoss(identifier: string | LossFn): LossFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier !== 'string') {
    throw new Error(
      `getLoss: expected a name or a function but got ${identifier === null ? 'null' : typeof identifier}`,
    );
  }
  return REGISTRY.get(identifier);
}

/**
 * The canonical Keras name of a loss ('mse' -> 'mean_squared_error'; a registered function ->
 * its name; a custom function -> its JavaScript name, or undefined when anonymous).
 * @example losses.lossName('MSE'); // 'mean_squared_error'
 */
export function lossName(identifier: string | LossFn | undefined | null): string | undefined {
  if (identifier === undefined || identifier === null) return undefined;
  if (typeof identifier === 'string') return REGISTRY.has(identifier) ? REGISTRY.lookup(identifier).name : undefined;
  return REGISTRY.nameOf(identifier) ?? (identifier.name || undefined);
}
