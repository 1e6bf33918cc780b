/**
 * Keras metrics (keras.metrics): per-sample metric functions of (yTrue, yPred), Keras' resolution
 * of 'accuracy' from the loss and output shape, display names, and host-side running averages
 * (MeanMetric, MeanMetricWrapper) that the training loop uses for epoch logs.
 * @module
 */
import { ENGINE } from '../engine/engine.js';
import { fmt, shapesEqual } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { equal, greater, less, mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { oneHot } from '../ops/gather.js';
import { argMax, mean, sum } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { tidy } from '../ops/scope.js';
import { neg } from '../ops/unary.js';
import { checkInt } from '../ops/util.js';
import * as losses from '../losses/index.js';
import { fusedCategoricalAccuracy } from '../losses/fused.js';
import { type Arg, asTensor, checkOption, checkPair, checkSparseLabels, pairwise } from '../losses/common.js';
import { NameRegistry, normalizeName, unknownNameError } from '../utils/names.js';

/** A metric function: per-sample values from (yTrue, yPred). */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * 1 where yTrue equals (yPred > threshold), averaged over the last axis (default threshold 0.5).
 * @example metrics.binaryAccuracy(sg.tensor([[1], [0]]), sg.tensor([[0.7], [0.6]])); // [1, 0]
 */
export function binaryAccuracy(yTrue: Arg, yPred: Arg, threshold = 0.5): Tensor {
  const op = 'binaryAccuracy';
  checkOption(op, 'threshold', threshold);
  return pairwise(op, yTrue, yPred, (t, p) =>
    mean(cast(equal(t, cast(greater(p, threshold), 'float32')), 'float32'), -1),
  );
}

function checkSameClasses(op: string, yTrue: Tensor, yPred: Tensor): void {
  checkPair(op, yTrue, yPred, false);
  if (yPred.shape[yPred.rank - 1] === 0)
    throw new Error(`${op}: yPred has an empty class axis (shape ${fmt(yPred.shape)})`);
}

/**
 * 1 where argMax(yTrue) equals argMax(yPred) over the last axis (one-hot targets).
 * @example metrics.categoricalAccuracy(sg.tensor([[0, 1], [1, 0]]), sg.tensor([[0.2, 0.8], [0.3, 0.7]])); // [1, 0]
 */
export function categoricalAccuracy(yTrue: Arg, yPred: Arg): Tensor {
  const op = 'categoricalAccuracy';
  return tidy(() => {
    const t = asTensor(op, 'yTrue', yTrue);
    const p = asTensor(op, 'yPred', yPred);
    checkSameClasses(op, t, p);
    return fusedCategoricalAccuracy(t, p) ?? cast(equal(argMax(t, -1), argMax(p, -1)), 'float32');
  });
}

/** Sparse labels (checked) as int32 of yPred's batch shape. */
function sparseIndices(op: string, t: Tensor, p: Tensor): Tensor {
  checkSparseLabels(op, t, p);
  return reshape(t.dtype === 'int32' ? t : cast(t, 'int32'), p.shape.slice(0, -1));
}

/**
 * 1 where the integer label equals argMax(yPred) over the last axis.
 * @example metrics.sparseCategoricalAccuracy(sg.tensor([1, 0]), sg.tensor([[0.2, 0.8], [0.3, 0.7]])); // [1, 0]
 *
 * Porting note: labels are range-checked as in sparseCategoricalCrossentropy (Keras would count an
 * out-of-range label as a miss).
 */
export function sparseCategoricalAccuracy(yTrue: Arg, yPred: Arg): Tensor {
  const op = 'sparseCategoricalAccuracy';
  return tidy(() => {
    const t = asTensor(op, 'yTrue', yTrue);
    const p = asTensor(op, 'yPred', yPred);
    const idx = sparseIndices(op, t, p);
    return cast(equal(idx, argMax(p, -1)), 'float32');
  });
}

/**
 * 1 where the true class's score is among the k largest (ties at the boundary count as in, as
 * tf.math.in_top_k): fewer than k classes score strictly higher.
 */
function inTopK(p: Tensor, idx: Tensor, k: number): Tensor {
  const numClasses = p.shape[p.rank - 1];
  const target = sum(mul(p, oneHot(idx, numClasses, 1, 0, 'float32')), -1, true);
  const higher = sum(cast(greater(p, target), 'float32'), -1);
  return cast(less(higher, k), 'float32');
}

/**
 * 1 where the class of argMax(yTrue) is among yPred's top k scores (default k 5).
 * @example metrics.topKCategoricalAccuracy(yTrue, yPred, 3);
 */
export function topKCategoricalAccuracy(yTrue: Arg, yPred: Arg, k = 5): Tensor {
  const op = 'topKCategoricalAccuracy';
  checkInt(op, 'k', k, 1);
  return tidy(() => {
    const t = asTensor(op, 'yTrue', yTrue);
    const p = asTensor(op, 'yPred', yPred);
    checkSameClasses(op, t, p);
    return inTopK(p, argMax(t, -1), k);
  });
}

/**
 * 1 where the integer label is among yPred's top k scores (default k 5).
 * @example metrics.sparseTopKCategoricalAccuracy(sg.tensor([2]), sg.tensor([[0.1, 0.5, 0.4]]), 2); // [1]
 */
export function sparseTopKCategoricalAccuracy(yTrue: Arg, yPred: Arg, k = 5): Tensor {
  const op = 'sparseTopKCategoricalAccuracy';
  checkInt(op, 'k', k, 1);
  return tidy(() => {
    const t = asTensor(op, 'yTrue', yTrue);
    const p = asTensor(op, 'yPred', yPred);
    return inTopK(p, sparseIndices(op, t, p), k);
  });
}

/** Mean squared error per sample (the loss). */
export const meanSquaredError = losses.meanSquaredError;
/** Mean absolute error per sample (the loss). */
export const meanAbsoluteError = losses.meanAbsoluteError;
/** Mean absolute percentage error per sample (the loss). */
export const meanAbsolutePercentageError = losses.meanAbsolutePercentageError;
/** Mean squared logarithmic error per sample (the loss). */
export const meanSquaredLogarithmicError = losses.meanSquaredLogarithmicError;
export const mse = meanSquaredError;
export const mae = meanAbsoluteError;
export const mape = meanAbsolutePercentageError;
export const msle = meanSquaredLogarithmicError;
export const binaryCrossentropy = losses.binaryCrossentropy;
export const categoricalCrossentropy = losses.categoricalCrossentropy;
export const sparseCategoricalCrossentropy = losses.sparseCategoricalCrossentropy;

/**
 * Cosine similarity sum(l2n(yTrue) * l2n(yPred)) over the last axis: 1 for aligned vectors
 * (Keras' metric sign, the negative of the loss).
 * @example metrics.cosineSimilarity(sg.tensor([[1, 0]]), sg.tensor([[2, 0]])); // [1]
 */
export function cosineSimilarity(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('cosineSimilarity', yTrue, yPred, (t, p) =>
    sum(mul(losses.l2Normalize(t), losses.l2Normalize(p)), -1),
  );
}

/**
 * tfjs-layers' cosineProximity: -sum(l2n(yTrue) * l2n(yPred)), i.e. -1 for aligned vectors.
 * Porting note: kept with tfjs-layers' sign for ported code; Keras 3's metric is
 * cosineSimilarity (+1 for aligned vectors).
 */
export function cosineProximity(yTrue: Arg, yPred: Arg): Tensor {
  return pairwise('cosineProximity', yTrue, yPred, (t, p) =>
    neg(sum(mul(losses.l2Normalize(t), losses.l2Normalize(p)), -1)),
  );
}

const REGISTRY = new NameRegistry<MetricFn>('metric');
REGISTRY.register('binary_accuracy', binaryAccuracy);
REGISTRY.register('categorical_accuracy', categoricalAccuracy);
REGISTRY.register('sparse_categorical_accuracy', sparseCategoricalAccuracy);
REGISTRY.register('top_k_categorical_accuracy', topKCategoricalAccuracy);
REGISTRY.register('sparse_top_k_categorical_accuracy', sparseTopKCategoricalAccuracy);
REGISTRY.register('mean_squared_error', meanSquaredError, ['mse']);
REGISTRY.register('mean_absolute_error', meanAbsoluteError, ['mae']);
REGISTRY.register('mean_absolute_percentage_error', meanAbsolutePercentageError, ['mape']);
REGISTRY.register('mean_squared_logarithmic_error', meanSquaredLogarithmicError, ['msle']);
REGISTRY.register('cosine_similarity', cosineSimilarity);
REGISTRY.register('cosine_proximity', cosineProximity);
REGISTRY.register('binary_crossentropy', binaryCrossentropy);
REGISTRY.register('categorical_crossentropy', categoricalCrossentropy);
REGISTRY.register('sparse_categorical_crossentropy', sparseCategoricalCrossentropy);

/** Every registered metric name (plus 'accuracy'/'acc' and 'crossentropy'/'ce', resolved by context). */
export const metricNames: readonly string[] = [...REGISTRY.names, 'accuracy', 'acc', 'crossentropy', 'ce'];

/** The loss argument of resolveMetric: a name, alias or function. */
export type LossIdentifier = string | losses.LossFn | null | undefined;
/** A shape whose dimensions may be unknown (null), as symbolic model outputs have. */
export type ShapeLike = readonly (number | null | undefined)[];

/** A resolved metric: the display name and the per-sample function. */
export interface ResolvedMetric {
  /** The display name used in the logs ('accuracy', 'mae'). */
  name: string;
  /** The per-sample metric function. */
  fn: MetricFn;
}

function isAccuracy(name: string): boolean {
  const k = normalizeName(name);
  return k === 'accuracy' || k === 'acc';
}
function isCrossentropy(name: string): boolean {
  const k = normalizeName(name);
  return k === 'crossentropy' || k === 'ce';
}

/** 'binary', 'sparse' or 'categorical', as Keras decides which accuracy 'accuracy' means. */
function accuracyKind(loss: LossIdentifier, out?: ShapeLike, tgt?: ShapeLike): 'binary' | 'sparse' | 'categorical' {
  const lname = losses.lossName(loss);
  const last = out && out.length > 0 ? out[out.length - 1] : undefined;
  if (lname === 'binary_crossentropy' || last === 1) return 'binary';
  if (lname === 'sparse_categorical_crossentropy') return 'sparse';
  if (tgt && out && (tgt.length < out.length || (tgt.length === out.length && tgt[tgt.length - 1] === 1))) {
    return 'sparse';
  }
  return 'categorical';
}

/**
 * Resolves a metric identifier, as Keras' compile does, from the model's loss (name, alias or
 * function), its output shape and optionally the targets' shape (a lower rank, or a trailing 1
 * against a wider output, means sparse labels): 'accuracy'/'acc' become binaryAccuracy
 * when the loss is binary cross-entropy or the output's last dimension is 1,
 * sparseCategoricalAccuracy for the sparse loss (or sparse-shaped targets), else
 * categoricalAccuracy; 'crossentropy'/'ce' likewise. The display name is the string as given
 * ('acc' stays 'acc'); a function is shown under its canonical name, else its JavaScript name.
 * @example
 * metrics.resolveMetric('accuracy', 'binary_crossentropy', [null, 1]); // { name: 'accuracy', fn: binaryAccuracy }
 * metrics.resolveMetric('acc', 'sparse_categorical_crossentropy', [null, 10]); // { name: 'acc', fn: sparseCategoricalAccuracy }
 */
export function resolveMetric(
  identifier: string | MetricFn,
  loss?: LossIdentifier,
  outputShape?: ShapeLike,
  targetShape?: ShapeLike,
): ResolvedMetric {
  if (typeof identifier === 'function') return { name: metricDisplayName(identifier), fn: identifier };
  if (typeof identifier !== 'string') {
    throw new Error(
      `resolveMetric: expected a name or a function but got ${identifier === null ? 'null' : typeof identifier}`,
    );
  }
  if (isAccuracy(identifier)) {
    const kind = accuracyKind(loss, outputShape, targetShape);
    const fn = kind === 'binary' ? binaryAccuracy : kind === 'sparse' ? sparseCategoricalAccuracy : categoricalAccuracy;
    return { name: identifier, fn };
  }
  if (isCrossentropy(identifier)) {
    const kind = accuracyKind(loss, outputShape, targetShape);
    const fn =
      kind === 'binary'
        ? binaryCrossentropy
        : kind === 'sparse'
          ? sparseCategoricalCrossentropy
          : categoricalCrossentropy;
    return { name: identifier, fn };
  }
  return { name: identifier, fn: getMetric(identifier) };
}

/**
 * Resolves a metric by name in any case style ('categorical_accuracy', 'categoricalAccuracy',
 * 'mse'...); loss names are accepted too (any loss can be a metric). Functions pass through.
 * 'accuracy' needs context: use resolveMetric (here it means categoricalAccuracy, Keras' fallback).
 * @example metrics.getMetric('top_k_categorical_accuracy');
 */
export function getMetric(identifier: string | MetricFn): MetricFn {
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier !== 'string') {
    throw new Error(
      `getMetric: expected a name or a function but got ${identifier === null ? 'null' : typeof identifier}`,
    );
  }
  if (isAccuracy(identifier)) return categoricalAccuracy;
  if (isCrossentropy(identifier)) return categoricalCrossentropy;
  if (REGISTRY.has(identifier)) return REGISTRY.get(identifier);
  try {
    return losses.getLoss(identifier);
  } catch {
    const known = [...metricNames, ...losses.lossNames.filter((n) => !REGISTRY.has(n))];
    throw unknownNameError('metric', identifier, known, [...known, ...REGISTRY.spellings]);
  }
}

/**
 * The name a metric is logged under: a string as given ('acc', 'mse', 'categorical_accuracy');
 * one of our functions under its Keras name; a custom function under its JavaScript name.
 * @example metrics.metricDisplayName(metrics.categoricalAccuracy); // 'categorical_accuracy'
 */
export function metricDisplayName(identifier: string | MetricFn): string {
  if (typeof identifier === 'string') return identifier;
  const own = REGISTRY.nameOf(identifier) ?? losses.lossName(identifier);
  if (own) return own;
  return identifier.name || 'metric';
}

/** Values accepted by MeanMetric.update: a tensor (read, not disposed), a number or numbers. */
export type MetricValues = Tensor | number | ArrayLike<number>;

function hostValues(op: string, arg: string, v: MetricValues): { values: ArrayLike<number>; shape: number[] } {
  if (v instanceof Tensor) {
    if (v.isDisposed) throw new Error(`${op}: '${arg}' (shape ${fmt(v.shape)}) is already disposed`);
    return { values: ENGINE.readSync(v), shape: v.shape };
  }
  if (typeof v === 'number') return { values: [v], shape: [] };
  if (v && typeof (v as ArrayLike<number>).length === 'number') {
    return { values: v as ArrayLike<number>, shape: [(v as ArrayLike<number>).length] };
  }
  throw new Error(`${op}: '${arg}' must be a Tensor, a number or an array of numbers but is ${typeof v}`);
}

/**
 * A running (weighted) mean kept on the host as plain numbers, so it holds no tensors: the
 * training loop feeds it per-sample losses or metric values each batch and reads result() at the
 * end of an epoch.
 * @example
 * const m = new metrics.MeanMetric('loss');
 * m.update(sg.tensor([1, 2, 3]));      // the caller still owns (and disposes) the tensor
 * m.update([4], [2]);                  // weight 2
 * m.result();                          // (1 + 2 + 3 + 8) / 5 = 2.8
 * m.reset();
 */
export class MeanMetric {
  private total = 0;
  private count = 0;

  constructor(
    /** The display name ('loss', or the metric's). */
    readonly name = 'mean',
  ) {}

  /**
   * Adds `values`. `sampleWeight` is a number, or has the shape of `values` or a leading part of it
   * (e.g. per-sample weights [batch] for values [batch, n]); each value counts with its weight.
   */
  update(values: MetricValues, sampleWeight?: MetricValues): void {
    const op = `MeanMetric(${this.name}).update`;
    const v = hostValues(op, 'values', values);
    if (sampleWeight === undefined) {
      let s = 0;
      for (let i = 0; i < v.values.length; i++) s += v.values[i];
      this.total += s;
      this.count += v.values.length;
      return;
    }
    const w = hostValues(op, 'sampleWeight', sampleWeight);
    const n = v.values.length;
    let inner: number; // how many consecutive values share one weight
    if (w.values.length === 1) inner = Math.max(n, 1);
    else if (w.shape.length <= v.shape.length && shapesEqual(w.shape, v.shape.slice(0, w.shape.length))) {
      inner = n / w.values.length;
    } else {
      throw new Error(`${op}: sampleWeight has shape ${fmt(w.shape)} but values have shape ${fmt(v.shape)}`);
    }
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const wi = w.values[Math.floor(i / inner)];
      s += v.values[i] * wi;
      c += wi;
    }
    this.total += s;
    this.count += c;
  }

  /** The mean so far (0 before any update, or when all weights are 0). */
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** Forgets every value (at the start of an epoch). */
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}

/**
 * A metric function with a running mean: update(yTrue, yPred, sampleWeight?) computes the
 * per-sample values, folds them into the mean and frees them.
 * @example
 * const acc = new metrics.MeanMetricWrapper(metrics.binaryAccuracy, 'accuracy');
 * acc.update(yTrue, yPred);
 * acc.result();
 */
export class MeanMetricWrapper extends MeanMetric {
  constructor(
    /** The per-sample metric function. */
    readonly fn: MetricFn,
    name = metricDisplayName(fn),
  ) {
    super(name);
  }

  /** Computes the metric of (yTrue, yPred) per sample and adds it to the running mean (weighted by `sampleWeight`). */
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: MetricValues): void {
    const values = this.fn(yTrue, yPred);
    try {
      this.update(values, sampleWeight);
    } finally {
      values.dispose();
    }
  }
}
