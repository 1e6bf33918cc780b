// BatchNormalization and LayerNormalization.
//
// BatchNormalization in training (fit calls layers with {training: true}) normalises with the
// batch's mean and (biased) variance over every axis but `axis`, and moves the non-trainable
// moving_mean / moving_variance towards them: moving -= (moving - batch) * (1 - momentum), as
// tfjs-layers 4.x and Keras (biased variance: Porting note, Keras 2.0's standalone backend used
// n / (n - 1 - epsilon) there). Inference uses the moving statistics.
import { ENGINE } from '../../engine/engine.js';
import type { Tensor } from '../../engine/tensor.js';
import { add, div, mul, sub } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { onesLike } from '../../ops/creation.js';
import { batchNorm, moments } from '../../ops/moments.js';
import { sum } from '../../ops/reduce.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { square } from '../../ops/unary.js';
import { fmt } from '../../engine/shape.js';
import { Layer, type CallArgs, type ConstraintArg, type InitializerArg, type LayerArgs, type LayerWeight, type RegularizerArg } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';
import { fmtShape } from '../core/dense.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The features axis, normalised separately (default -1, the last). */
  axis?: number;
  /** Momentum of the moving mean and variance (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Whether a learned offset `beta` is added (default true). */
  center?: boolean;
  /** Whether a learned factor `gamma` multiplies (default true). */
  scale?: boolean;
  /** Initializer of `beta` (default 'zeros'). */
  betaInitializer?: InitializerArg;
  /** Initializer of `gamma` (default 'ones'). */
  gammaInitializer?: InitializerArg;
  /** Initializer of the moving mean (default 'zeros'). */
  movingMeanInitializer?: InitializerArg;
  /** Initializer of the moving variance (default 'ones'). */
  movingVarianceInitializer?: InitializerArg;
  /** A penalty on `beta` added to the loss. */
  betaRegularizer?: RegularizerArg;
  /** A penalty on `gamma` added to the loss. */
  gammaRegularizer?: RegularizerArg;
  /** A constraint applied to `beta` after each step. */
  betaConstraint?: ConstraintArg;
  /** A constraint applied to `gamma` after each step. */
  gammaConstraint?: ConstraintArg;
}

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

function normAxis(layer: string, axis: number, rank: number, shape: SymbolicShape): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 1 || a >= rank) {
    throw new Error(`${layer}: axis ${axis} is out of range for an input of shape ${fmtShape(shape)} (the batch axis cannot be normalised over)`);
  }
  return a;
}

/**
 * Keras 3's masked moments (BatchNormalization._moments): mean and variance over `axes` of the
 * entries whose step the mask keeps (mask: the input's shape without the last axis), kept dims.
 */
function maskedMoments(x: Tensor, mask: Tensor, axes: number[]): { mean: Tensor; variance: Tensor } {
  const w = mul(cast(expandDims(mask, -1), 'float32'), onesLike(x));
  const n = add(sum(w, axes, true), 1e-7);
  const mean = div(sum(mul(x, w), axes, true), n);
  const variance = div(sum(mul(square(sub(x, mean)), w), axes, true), n);
  return { mean, variance };
}

/** Runs `fn` with the gradient tape paused: bookkeeping updates inside a training step. */
function offTape<T>(fn: () => T): T {
  const tape = ENGINE.tape;
  ENGINE.tape = null;
  try {
    return fn();
  } finally {
    ENGINE.tape = tape;
  }
}

/**
 * Batch normalisation with learned scale (gamma) and offset (beta) and moving statistics.
 * @example sg.layers.batchNormalization({ momentum: 0.9 });
 */
export class BatchNormalization extends Layer {
  static override className = 'BatchNormalization';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  /** The features axis, normalised separately (default -1, the last). */
  readonly axis: number;
  /** Momentum of the moving mean and variance (default 0.99). */
  readonly momentum: number;
  /** Added to the variance before the square root (default 1e-3). */
  readonly epsilon: number;
  /** Whether the learned offset `beta` is added. */
  readonly center: boolean;
  /** Whether the learned factor `gamma` multiplies. */
  readonly scale: boolean;
  /** The learned scale, once built (with `scale`). */
  gamma?: LayerWeight;
  /** The learned offset, once built (with `center`). */
  beta?: LayerWeight;
  /** The moving mean used at inference, once built. */
  movingMean?: LayerWeight;
  /** The moving variance used at inference, once built. */
  movingVariance?: LayerWeight;

  constructor(private readonly args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNormalization: momentum must be in [0, 1] but is ${args.momentum}`);
    if (!(this.epsilon >= 0)) throw new Error(`BatchNormalization: epsilon must be >= 0 but is ${args.epsilon}`);
  }

  protected override checkInput(s: SymbolicShape): void {
    const a = normAxis(this.name, this.axis, s.length, s);
    if (s[a] === null) throw new Error(`${this.name}: axis ${this.axis} of the input ${fmtShape(s)} must have a known size`);
    if (this.movingMean && s[a] !== this.movingMean.shape[0]) {
      throw new Error(`${this.name}: the layer was built for ${this.movingMean.shape[0]} features on axis ${this.axis} but got shape ${fmtShape(s)}`);
    }
  }

  override build(s: SymbolicShape): void {
    const n = s[normAxis(this.name, this.axis, s.length, s)] as number;
    const a = this.args;
    if (this.scale) this.gamma = this.addWeight('gamma', [n], a.gammaInitializer ?? 'ones', { regularizer: a.gammaRegularizer, constraint: a.gammaConstraint });
    if (this.center) this.beta = this.addWeight('beta', [n], a.betaInitializer ?? 'zeros', { regularizer: a.betaRegularizer, constraint: a.betaConstraint });
    this.movingMean = this.addWeight('moving_mean', [n], a.movingMeanInitializer ?? 'zeros', { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [n], a.movingVarianceInitializer ?? 'ones', { trainable: false });
    this.built = true;
  }

  call(inputs: Tensor | Tensor[], { training, mask }: CallArgs): Tensor {
    const x = first(inputs);
    const a = normAxis(this.name, this.axis, x.rank, x.shape);
    const m = Array.isArray(mask) ? mask[0] : mask;
    if (m && m.rank !== x.rank - 1) {
      throw new Error(`${this.name}: the mask must have one dimension less than the input but has shape ${fmt(m.shape)} for an input of shape ${fmt(x.shape)}`);
    }
    const bshape = x.shape.map((d, i) => (i === a ? d : 1));
    // Rank-1 parameters broadcast over the last axis as they are; another axis needs a reshape.
    const b = (t: Tensor | undefined) => (t === undefined ? undefined : a === x.rank - 1 ? t : reshape(t, bshape));
    const gamma = b(this.gamma?.variable);
    const beta = b(this.beta?.variable);
    // Keras 3: a frozen BatchNormalization (trainable = false) runs in inference mode, so its
    // moving statistics stay as they were (fine-tuning a frozen feature extractor).
    if (!training || !this.trainable) {
      return batchNorm(x, b(this.movingMean!.variable)!, b(this.movingVariance!.variable)!, beta, gamma, this.epsilon);
    }
    const axes = x.shape.map((_, i) => i).filter((i) => i !== a);
    // With a mask (Keras 3): the statistics of the unmasked steps only.
    const { mean, variance } = m ? maskedMoments(x, m, axes) : moments(x, axes, true);
    const y = batchNorm(x, mean, variance, beta, gamma, this.epsilon);
    offTape(() => {
      const n = x.shape[a];
      for (const [w, v] of [
        [this.movingMean!, mean],
        [this.movingVariance!, variance],
      ] as const) {
        const next = ENGINE.tidy(() => sub(w.variable, mul(sub(w.variable, reshape(v, [n])), 1 - this.momentum)));
        w.variable.assign(next);
        next.dispose();
      }
    });
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...weightConfig(this.args, { beta: 'zeros', gamma: 'ones' }),
      ...weightConfig(this.args, { movingMean: 'zeros', movingVariance: 'ones' }, { regularizers: false, constraints: false }),
    };
  }
}

export interface LayerNormalizationArgs extends LayerArgs {
  /** The axis or axes the statistics are computed over (default -1). */
  axis?: number | number[];
  /** Added to the variance before the square root (default 1e-3). */
  epsilon?: number;
  /** Whether a learned offset `beta` is added (default true). */
  center?: boolean;
  /** Whether a learned factor `gamma` multiplies (default true). */
  scale?: boolean;
  /** Initializer of `beta` (default 'zeros'). */
  betaInitializer?: InitializerArg;
  /** Initializer of `gamma` (default 'ones'). */
  gammaInitializer?: InitializerArg;
  /** A penalty on `beta` added to the loss. */
  betaRegularizer?: RegularizerArg;
  /** A penalty on `gamma` added to the loss. */
  gammaRegularizer?: RegularizerArg;
}

/**
 * Normalises each sample over `axis` (default the last), then scales and shifts per feature.
 * @example sg.layers.layerNormalization({ epsilon: 1e-5 });
 */
export class LayerNormalization extends Layer {
  static override className = 'LayerNormalization';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  /** The axes the statistics are computed over (default [-1]). */
  readonly axis: number[];
  /** Added to the variance before the square root (default 1e-3). */
  readonly epsilon: number;
  /** Whether the learned offset `beta` is added. */
  readonly center: boolean;
  /** Whether the learned factor `gamma` multiplies. */
  readonly scale: boolean;
  /** The learned scale, once built (with `scale`). */
  gamma?: LayerWeight;
  /** The learned offset, once built (with `center`). */
  beta?: LayerWeight;

  constructor(private readonly args: LayerNormalizationArgs = {}) {
    super(args);
    const ax = args.axis ?? -1;
    this.axis = typeof ax === 'number' ? [ax] : ax.slice();
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon >= 0) || !Number.isFinite(this.epsilon)) {
      throw new Error(`LayerNormalization: epsilon must be a finite number >= 0 but is ${args.epsilon}`);
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  private axes(s: SymbolicShape): number[] {
    return [...new Set(this.axis.map((a) => normAxis(this.name, a, s.length, s)))].sort((p, q) => p - q);
  }

  protected override checkInput(s: SymbolicShape): void {
    for (const a of this.axes(s)) if (s[a] === null) throw new Error(`${this.name}: axis ${a} of the input ${fmtShape(s)} must have a known size`);
  }

  override build(s: SymbolicShape): void {
    const shape = this.axes(s).map((a) => s[a] as number);
    const a = this.args;
    if (this.scale) this.gamma = this.addWeight('gamma', shape, a.gammaInitializer ?? 'ones', { regularizer: a.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', shape, a.betaInitializer ?? 'zeros', { regularizer: a.betaRegularizer });
    this.built = true;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    const axes = this.axes(x.shape);
    const pshape = x.shape.map((d, i) => (axes.includes(i) ? d : 1));
    const { mean, variance } = moments(x, axes, true);
    const p = (t: Tensor | undefined) => (t ? reshape(t, pshape) : undefined);
    return batchNorm(x, mean, variance, p(this.beta?.variable), p(this.gamma?.variable), this.epsilon);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...weightConfig(this.args, { beta: 'zeros', gamma: 'ones' }, { constraints: false }),
    };
  }
}
