// Activation layers with parameters, as Keras and tfjs-layers name them: LeakyReLU (fixed slope),
// PReLU (learned slopes), ELU (alpha), ReLU (maxValue, negativeSlope, threshold), Softmax (axis,
// masks) and ThresholdedReLU (theta).
import { fmt, normAxis } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { softmax as softmaxAlong } from '../activations/index.js';
import { add, greater, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { expandDims } from '../ops/reshape.js';
import { logSumExp } from '../ops/reduce_extra.js';
import { clipByValue, elu, exp, leakyRelu, neg, relu, relu6 } from '../ops/unary.js';
import { Layer, type ConstraintArg, type InitializerArg, type LayerArgs, type LayerWeight, type RegularizerArg } from './layer.js';
import type { SymbolicShape } from './symbolic.js';
import { weightConfig } from './config_util.js';
import { fmtShape } from './core/dense.js';

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

/**
 * x > 0 ? x : alpha * x, with Keras' default alpha 0.3.
 * @example sg.layers.leakyReLU({ alpha: 0.1 });
 */
export class LeakyReLU extends Layer {
  static override className = 'LeakyReLU';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  /** The slope for x < 0. */
  readonly alpha: number;
  constructor(args: LayerArgs & { alpha?: number } = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.3;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha)) throw new Error(`LeakyReLU: alpha must be a finite number but is ${args.alpha}`);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return leakyRelu(first(inputs), this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface PReLUArgs extends LayerArgs {
  /** Initial slopes (default 'zeros'). */
  alphaInitializer?: InitializerArg;
  /** Penalty on the slopes. */
  alphaRegularizer?: RegularizerArg;
  /** Constraint on the slopes. */
  alphaConstraint?: ConstraintArg;
  /** Axes (counting the batch as 0) along which one slope is shared, e.g. [1, 2] for images. */
  sharedAxes?: number | number[];
}

/**
 * x > 0 ? x : alpha * x with a learned alpha per feature (shape of one sample, shared axes 1).
 * @example sg.layers.pReLU({ sharedAxes: [1, 2] });
 */
export class PReLU extends Layer {
  static override className = 'PReLU';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  /** Axes along which one slope is shared. */
  readonly sharedAxes: number[];
  /** The learned slopes (after build). */
  alpha?: LayerWeight;
  constructor(private readonly args: PReLUArgs = {}) {
    super(args);
    const s = args.sharedAxes ?? [];
    this.sharedAxes = typeof s === 'number' ? [s] : s.slice();
  }
  protected override checkInput(s: SymbolicShape): void {
    for (const a of this.sharedAxes) {
      if (!Number.isInteger(a) || a < 1 || a >= s.length) throw new Error(`${this.name}: sharedAxes ${JSON.stringify(this.sharedAxes)} do not fit an input of shape ${fmtShape(s)}`);
    }
    s.slice(1).forEach((d, i) => {
      if (d === null && !this.sharedAxes.includes(i + 1)) throw new Error(`${this.name}: dimension ${i + 1} of the input ${fmtShape(s)} must be known or shared`);
    });
  }
  override build(s: SymbolicShape): void {
    const shape = s.slice(1).map((d, i) => (this.sharedAxes.includes(i + 1) ? 1 : (d as number)));
    this.alpha = this.addWeight('alpha', shape, this.args.alphaInitializer ?? 'zeros', {
      regularizer: this.args.alphaRegularizer,
      constraint: this.args.alphaConstraint,
    });
    this.built = true;
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    // max(x, 0) + alpha * min(x, 0), with min(x, 0) = -relu(-x): differentiable in x and alpha.
    return add(relu(x), mul(this.alpha!.variable, neg(relu(neg(x)))));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), sharedAxes: this.sharedAxes.length ? this.sharedAxes : null, ...weightConfig(this.args, { alpha: 'zeros' }) };
  }
}

function finite(cls: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Error(`${cls}: '${arg}' must be a finite number${min > -Infinity ? ` >= ${min}` : ''} but is ${JSON.stringify(v)}`);
  }
  return v;
}

/** Arguments of {@link ELU}. */
export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part, alpha * (exp(x) - 1) (default 1). */
  alpha?: number;
}

/**
 * Exponential linear unit: x > 0 ? x : alpha * (exp(x) - 1) (Keras' and tfjs-layers' `ELU`).
 * Porting note: tfjs-layers accepts only alpha = 1; any finite alpha works here, as in Keras.
 * @example sg.layers.elu({ alpha: 0.5 });
 */
export class ELU extends Layer {
  static override className = 'ELU';
  override readonly supportsMasking = true;
  /** Scale of the negative part. */
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = finite('ELU', 'alpha', args.alpha ?? 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    return elu(first(inputs), this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Arguments of {@link ReLU} (Keras' `max_value`, `negative_slope`, `threshold`). */
export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (default none). */
  maxValue?: number | null;
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Inputs at or below it are "negative" (default 0; >= 0 as Keras requires). */
  threshold?: number;
}

/**
 * Rectified linear unit with Keras 3's options: min(x, maxValue) for x > threshold, else
 * negativeSlope * (x - threshold) (computed exactly as Keras' `relu`, including its treatment of a
 * threshold with a clip). tfjs-layers' `reLU({maxValue})` is the special case.
 * @example sg.layers.reLU({ maxValue: 6 });
 */
export class ReLU extends Layer {
  static override className = 'ReLU';
  override readonly supportsMasking = true;
  /** Upper bound of the output, or null for none. */
  readonly maxValue: number | null;
  /** Slope at or below the threshold. */
  readonly negativeSlope: number;
  /** Where the linear part starts. */
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : finite('ReLU', 'maxValue', args.maxValue, 0);
    this.negativeSlope = finite('ReLU', 'negativeSlope', args.negativeSlope ?? 0, 0);
    this.threshold = finite('ReLU', 'threshold', args.threshold ?? 0, 0);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    // Keras 3's ReLU.static_call, step for step.
    let x = first(inputs);
    const { negativeSlope: slope, threshold: th, maxValue: max } = this;
    if (slope !== 0 && max === null && th === 0) return leakyRelu(x, slope);
    const negPart = slope !== 0 ? relu(th !== 0 ? add(neg(x), th) : neg(x)) : null;
    let clip = max !== null;
    if (th !== 0) x = mul(x, cast(greater(x, th), 'float32'));
    else if (max === 6) {
      x = relu6(x);
      clip = false;
    } else x = relu(x);
    if (clip) x = clipByValue(x, 0, max!);
    return negPart ? sub(x, mul(negPart, slope)) : x;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

/** Arguments of {@link ThresholdedReLU}. */
export interface ThresholdedReLUArgs extends LayerArgs {
  /** Inputs at or below theta become 0 (default 1). */
  theta?: number;
}

/**
 * x > theta ? x : 0 (tfjs-layers' and Keras 2's `ThresholdedReLU`; Keras 3 spells it
 * `ReLU({threshold: theta})`, which differs for negative inputs only when theta < 0).
 * @example sg.layers.thresholdedReLU({ theta: 0.5 });
 */
export class ThresholdedReLU extends Layer {
  static override className = 'ThresholdedReLU';
  override readonly supportsMasking = true;
  /** Inputs at or below theta become 0. */
  readonly theta: number;
  constructor(args: ThresholdedReLUArgs = {}) {
    super(args);
    this.theta = finite('ThresholdedReLU', 'theta', args.theta ?? 1);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    return mul(x, cast(greater(x, this.theta), 'float32'));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), theta: this.theta };
  }
}

/** Arguments of {@link Softmax}. */
export interface SoftmaxArgs extends LayerArgs {
  /** The axis (or axes) normalised over (default -1, Keras). */
  axis?: number | number[];
}

/**
 * Softmax along `axis` (several axes: exp(x - logSumExp(x, axes))). A `mask` call argument
 * (1 = keep, broadcastable to the input; a [batch, time] mask of a [batch, time, n] input is
 * expanded) adds -1e9 where it is 0 and zeroes those outputs, as Keras 3's Softmax.
 * Porting note: tfjs-layers' `softmax` layer defaults to axis 1 and keeps the masked outputs'
 * (tiny) values; Keras defaults to -1, as here.
 * @example sg.layers.softmax({ axis: -1 });
 */
export class Softmax extends Layer {
  static override className = 'Softmax';
  override readonly supportsMasking = true;
  /** The axis or axes normalised over. */
  readonly axis: number | number[];
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const a = args.axis ?? -1;
    const list = Array.isArray(a) ? a : [a];
    if (list.length === 0 || list.some((v) => !Number.isInteger(v))) {
      throw new Error(`Softmax: 'axis' must be an integer or a non-empty list of integers but is ${JSON.stringify(args.axis)}`);
    }
    this.axis = Array.isArray(a) ? a.slice() : a;
  }
  protected override checkInput(s: SymbolicShape | SymbolicShape[]): void {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as SymbolicShape;
    for (const a of Array.isArray(this.axis) ? this.axis : [this.axis]) {
      if (a < -shape.length || a >= shape.length) {
        throw new Error(`${this.name}: axis ${a} is out of range for an input of shape ${fmtShape(shape)}`);
      }
    }
  }
  call(inputs: Tensor | Tensor[], args: { mask?: Tensor | (Tensor | null)[] | null } = {}): Tensor {
    let x = first(inputs);
    const m = (Array.isArray(args.mask) ? args.mask[0] : args.mask) ?? null;
    let keep: Tensor | null = null;
    if (m) {
      keep = cast(m, 'float32');
      if (keep.rank === x.rank - 1) keep = expandDims(keep, -1);
      if (keep.rank !== x.rank || keep.shape.some((d, i) => d !== 1 && d !== x.shape[i])) {
        throw new Error(`${this.name}: the mask of shape ${fmt(m.shape)} does not broadcast to the input of shape ${fmt(x.shape)}`);
      }
      x = add(x, mul(sub(1, keep), -1e9));
    }
    const axes = Array.isArray(this.axis) ? this.axis : [this.axis];
    let y: Tensor;
    if (axes.length > 1) {
      const norm = axes.map((a) => normAxis(this.name, a, x.rank));
      y = exp(sub(x, logSumExp(x, norm, true)));
    } else y = softmaxAlong(x, axes[0]);
    return keep ? mul(y, keep) : y;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** Factories with tfjs-layers' names (merged into `sg.layers`). */
export const activationLayers = {
  /** @example sg.layers.elu({ alpha: 1 }) */
  elu: (args: ELUArgs = {}) => new ELU(args),
  /** @example sg.layers.reLU({ maxValue: 6 }) */
  reLU: (args: ReLUArgs = {}) => new ReLU(args),
  /** @example sg.layers.softmax({ axis: -1 }) */
  softmax: (args: SoftmaxArgs = {}) => new Softmax(args),
  /** @example sg.layers.thresholdedReLU({ theta: 1 }) */
  thresholdedReLU: (args: ThresholdedReLUArgs = {}) => new ThresholdedReLU(args),
};
