// tfjs-core's functional losses (tf.losses.*): element-wise losses reduced by `reduction`
// (default SUM_BY_NONZERO_WEIGHTS: a scalar), with optional weights. They are what tfjs programs
// pass to optimizer.minimize. Keras' per-sample loss functions (src/losses) stay reachable as
// sg.losses.keras.* and by name through sg.losses.getLoss / model.compile.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, minimum, mul, notEqual, sub } from './binary.js';
import { cast } from './cast.js';
import { ones } from './creation.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './softmax.js';
import { abs, exp, log, log1p, neg, relu, square } from './unary.js';
import { checkFinite, toTensor } from './util.js';

/** @inline */
type Arg = Tensor | TensorLike;

/** How a loss is reduced, as tfjs's Reduction enum. */
export enum Reduction {
  /** No reduction: the loss per element (weighted). */
  NONE = 0,
  /** Sum of the weighted losses divided by the sum of the weights. */
  MEAN = 1,
  /** Sum of the weighted losses. */
  SUM = 2,
  /** Sum of the weighted losses divided by the number of non-zero weights (tfjs's default). */
  SUM_BY_NONZERO_WEIGHTS = 3,
}

function checkReduction(op: string, r: Reduction): void {
  if (![0, 1, 2, 3].includes(r as number))
    throw new Error(
      `${op}: reduction must be a Reduction (NONE, MEAN, SUM, SUM_BY_NONZERO_WEIGHTS) but is ${String(r)}`,
    );
}

function reduceLoss(op: string, losses: Tensor, weights: Tensor | null, reduction: Reduction): Tensor {
  checkReduction(op, reduction);
  const weighted = weights ? mul(losses, weights) : losses;
  switch (reduction) {
    case Reduction.NONE:
      return weighted;
    case Reduction.SUM:
      return sum(weighted);
    case Reduction.MEAN: {
      if (!weights) return mean(weighted);
      const r = div(sum(weighted), sum(weights));
      const factor = losses.size / weights.size;
      return factor > 1 ? div(r, factor) : r;
    }
    default: {
      if (!weights) return div(sum(weighted), losses.size);
      const nonZero = cast(sum(cast(notEqual(mul(weights, ones(losses.shape)), 0), 'int32')), 'float32');
      return div(sum(weighted), nonZero);
    }
  }
}

/** Converts the arguments, checks that labels and predictions match, and reduces the losses. */
function lossOp(
  op: string,
  labelsIn: Arg,
  predsIn: Arg,
  weightsIn: Arg | undefined | null,
  reduction: Reduction,
  body: (labels: Tensor, preds: Tensor) => Tensor,
): Tensor {
  return ENGINE.tidy(() => {
    const labels = toTensor(labelsIn, 'labels', op);
    const preds = toTensor(predsIn, 'predictions', op);
    if (fmt(labels.shape) !== fmt(preds.shape))
      throw new Error(
        `${op}: labels ${fmt(labels.shape)} and predictions ${fmt(preds.shape)} must have the same shape`,
      );
    const l = labels.dtype === 'float32' ? labels : cast(labels, 'float32');
    const p = preds.dtype === 'float32' ? preds : cast(preds, 'float32');
    const w = weightsIn == null ? null : toTensor(weightsIn, 'weights', op);
    return reduceLoss(op, body(l, p), w, reduction);
  });
}

/**
 * Reduces precomputed losses as tfjs's computeWeightedLoss.
 * @example sg.losses.computeWeightedLoss([1, 2, 3]); // 2
 */
export function computeWeightedLoss(
  losses: Arg,
  weights?: Arg | null,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  return ENGINE.tidy(() => {
    const l = toTensor(losses, 'losses', 'computeWeightedLoss');
    const w = weights == null ? null : toTensor(weights, 'weights', 'computeWeightedLoss');
    return reduceLoss('computeWeightedLoss', l, w, reduction);
  });
}

/**
 * |labels - predictions|, reduced.
 * @example sg.losses.absoluteDifference([1, 2], [2, 4]); // 1.5
 */
export const absoluteDifference = (
  labels: Arg,
  predictions: Arg,
  weights?: Arg | null,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
) => lossOp('absoluteDifference', labels, predictions, weights, reduction, (l, p) => abs(sub(l, p)));

/**
 * (labels - predictions)^2, reduced to a scalar by default, as tfjs's tf.losses.meanSquaredError.
 * Porting note: Keras' per-sample form is sg.losses.keras.meanSquaredError (or getLoss('mse')).
 * @example optimizer.minimize(() => sg.losses.meanSquaredError(ys, model(xs)));
 */
export const meanSquaredError = (
  labels: Arg,
  predictions: Arg,
  weights?: Arg | null,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
) => lossOp('meanSquaredError', labels, predictions, weights, reduction, (l, p) => square(sub(l, p)));

/**
 * 1 - sum(labels * predictions) over `axis` (inputs assumed unit-normalised), reduced.
 * @example sg.losses.cosineDistance([[1, 0]], [[0, 1]], 1); // 1
 */
export const cosineDistance = (
  labels: Arg,
  predictions: Arg,
  axis: number,
  weights?: Arg | null,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
) => lossOp('cosineDistance', labels, predictions, weights, reduction, (l, p) => sub(1, sum(mul(l, p), axis, true)));

/**
 * max(0, 1 - (2 labels - 1) predictions), reduced.
 * @example sg.losses.hingeLoss([1, 0], [0.5, -0.5]); // 0.5
 */
export const hingeLoss = (
  labels: Arg,
  predictions: Arg,
  weights?: Arg | null,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
) => lossOp('hingeLoss', labels, predictions, weights, reduction, (l, p) => relu(sub(1, mul(sub(mul(l, 2), 1), p))));

/**
 * Huber loss with threshold delta, reduced.
 * @example sg.losses.huberLoss([0, 0], [0.5, 2]); // 0.8125
 */
export function huberLoss(
  labels: Arg,
  predictions: Arg,
  weights?: Arg | null,
  delta = 1,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  checkFinite('huberLoss', 'delta', delta);
  return lossOp('huberLoss', labels, predictions, weights, reduction, (l, p) => {
    const err = abs(sub(l, p));
    const q = minimum(err, delta);
    return add(mul(0.5, square(q)), mul(delta, sub(err, q)));
  });
}

/**
 * Binary log loss of probabilities, reduced.
 * @example sg.losses.logLoss([1, 0], [0.5, 0.5]); // 0.693147
 */
export function logLoss(
  labels: Arg,
  predictions: Arg,
  weights?: Arg | null,
  epsilon = 1e-7,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  checkFinite('logLoss', 'epsilon', epsilon);
  return lossOp('logLoss', labels, predictions, weights, reduction, (l, p) =>
    sub(neg(mul(l, log(add(p, epsilon)))), mul(sub(1, l), log(add(sub(1, p), epsilon)))),
  );
}

/**
 * Sigmoid cross-entropy of logits (stable form), with label smoothing, reduced.
 * @example sg.losses.sigmoidCrossEntropy([1, 0], [0, 0]); // 0.6931472
 */
export function sigmoidCrossEntropy(
  multiClassLabels: Arg,
  logits: Arg,
  weights?: Arg | null,
  labelSmoothing = 0,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  checkFinite('sigmoidCrossEntropy', 'labelSmoothing', labelSmoothing);
  return lossOp('sigmoidCrossEntropy', multiClassLabels, logits, weights, reduction, (l0, x) => {
    const l = labelSmoothing > 0 ? add(mul(l0, 1 - labelSmoothing), 0.5 * labelSmoothing) : l0;
    return add(sub(relu(x), mul(x, l)), log1p(exp(neg(abs(x)))));
  });
}

/**
 * Softmax cross-entropy of logits over the last axis, with label smoothing, reduced.
 * @example sg.losses.softmaxCrossEntropy([[1, 0]], [[0, 0]]); // 0.6931472
 */
export function softmaxCrossEntropy(
  onehotLabels: Arg,
  logits: Arg,
  weights?: Arg | null,
  labelSmoothing = 0,
  reduction = Reduction.SUM_BY_NONZERO_WEIGHTS,
): Tensor {
  checkFinite('softmaxCrossEntropy', 'labelSmoothing', labelSmoothing);
  return lossOp('softmaxCrossEntropy', onehotLabels, logits, weights, reduction, (l0, x) => {
    const k = x.shape[x.rank - 1];
    const l = labelSmoothing > 0 ? add(mul(l0, 1 - labelSmoothing), labelSmoothing / k) : l0;
    return neg(sum(mul(l, logSoftmax(x)), -1));
  });
}
