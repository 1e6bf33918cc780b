// Activation layers with parameters: LeakyReLU (fixed slope) and PReLU (learned slopes).
import type { Tensor } from '../engine/tensor.js';
import { add, mul } from '../ops/binary.js';
import { leakyRelu, neg, relu } from '../ops/unary.js';
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
  alphaInitializer?: InitializerArg;
  alphaRegularizer?: RegularizerArg;
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
  readonly sharedAxes: number[];
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
