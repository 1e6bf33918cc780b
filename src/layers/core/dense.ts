// Dense: act(x W + b) over the last axis, with the bias add and relu/relu6 fused into the GEMM.
import { builtinActivationName, getActivation, serializeActivation, type ActivationFn } from '../../activations/index.js';

type ActivationIdentifier = string | ActivationFn;
import { fused } from '../../ops/fused_matmul.js';
import { reshape } from '../../ops/reshape.js';
import type { Tensor } from '../../engine/tensor.js';
import {
  Layer,
  type ConstraintArg,
  type InitializerArg,
  type LayerArgs,
  type LayerWeight,
  type RegularizerArg,
} from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';

export interface DenseArgs extends LayerArgs {
  /** Output features. */
  units: number;
  /** Activation by name ('relu', 'softmax') or function (default linear). */
  activation?: ActivationIdentifier;
  /** Whether to add a bias (default true). */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerArg;
  /** Default 'zeros'. */
  biasInitializer?: InitializerArg;
  /** A penalty on the kernel, added to the loss. */
  kernelRegularizer?: RegularizerArg;
  /** A penalty on the bias, added to the loss. */
  biasRegularizer?: RegularizerArg;
  /** Applied to the kernel after each step. */
  kernelConstraint?: ConstraintArg;
  /** Applied to the bias after each step. */
  biasConstraint?: ConstraintArg;
}

/** Activations the GEMM epilogue computes itself (see fused.matMul). */
const FUSABLE = new Set(['linear', 'relu', 'relu6']);

/**
 * A densely connected layer: `activation(dot(input, kernel) + bias)`.
 * @example sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] });
 */
export class Dense extends Layer {
  static override className = 'Dense';
  /** Output features. */
  readonly units: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** The activation's Keras name. */
  readonly activationName: string;
  /**
   * The activation's Keras name when it is simdgrad's own function of that name (then kernels may
   * fuse it); undefined for a custom function, even one named like a built-in.
   */
  readonly builtinActivation: string | undefined;
  private readonly activation: (x: Tensor) => Tensor;
  /** The [inputDim, units] weight matrix (after build). */
  kernel?: LayerWeight;
  /** The [units] bias (after build, with useBias). */
  bias?: LayerWeight;
  /** Passes a [batch, time] mask on unchanged (Dense on sequences), as Keras. */
  override readonly supportsMasking = true;

  constructor(private readonly args: DenseArgs) {
    super(args);
    if (!Number.isInteger(args?.units) || args.units < 1) {
      throw new Error(`Dense: 'units' must be a positive integer but is ${args?.units}`);
    }
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation ?? 'linear');
    this.activationName = serializeActivation(this.activation);
    this.builtinActivation = builtinActivationName(this.activation);
  }

  override build(inputShape: SymbolicShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (inDim === null || inputShape.length < 2) {
      throw new Error(
        `${this.name}: Dense needs an input of rank >= 2 with a known last dimension, got ${fmtShape(inputShape)}`,
      );
    }
    this.kernel = this.addWeight('kernel', [inDim, this.units], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer,
      constraint: this.args.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], this.args.biasInitializer ?? 'zeros', {
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    }
    this.built = true;
  }

  protected override checkInput(shape: SymbolicShape): void {
    if (this.kernel && shape[shape.length - 1] !== this.kernel.shape[0]) {
      throw new Error(
        `${this.name}: expected an input whose last dimension is ${this.kernel.shape[0]} but got shape ${fmtShape(shape)}`,
      );
    }
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  call(input: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(input) ? input[0] : input;
    const fusable = this.builtinActivation !== undefined && FUSABLE.has(this.builtinActivation);
    const flat = x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1]]);
    let y = fused.matMul({
      a: flat,
      b: this.kernel!.variable,
      bias: this.bias?.variable,
      activation: fusable ? (this.builtinActivation as 'linear' | 'relu' | 'relu6') : 'linear',
    });
    if (!fusable) y = this.activation(y);
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activationName,
      useBias: this.useBias,
      ...weightConfig(this.args, { kernel: 'glorotUniform', bias: 'zeros' }),
    };
  }
}

export function fmtShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}
