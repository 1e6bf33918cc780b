// DepthwiseConv2D and SeparableConv2D layers (Keras' weights: depthwise_kernel
// [kh, kw, inChannels, depthMultiplier], pointwise_kernel [1, 1, inChannels*depthMultiplier, filters]).
import { getActivation, serializeActivation, type ActivationFn } from '../../activations/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { add } from '../../ops/binary.js';
import { depthwiseConv2d, separableConv2d } from '../../ops/depthwise.js';
import { reshape } from '../../ops/reshape.js';
import { Layer, type ConstraintArg, type InitializerArg, type LayerArgs, type LayerWeight, type RegularizerArg } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';
import { fmtShape } from '../core/dense.js';
import { convCommon, joinShape, splitShape, windowOutput, type DataFormat } from './conv.js';

export interface DepthwiseConv2DArgs extends LayerArgs {
  /** The window: one size for both spatial axes, or [height, width]. */
  kernelSize: number | number[];
  /** Output channels per input channel (default 1). */
  depthMultiplier?: number;
  /** The stride: one for both axes, or [height, width] (default 1). */
  strides?: number | number[];
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' ([batch, ..., channels], the default) or 'channelsFirst'. */
  dataFormat?: DataFormat;
  /** The dilation: one for both axes, or [height, width] (default 1). */
  dilationRate?: number | number[];
  /** Applied to the output: a name or a function (default: none). */
  activation?: string | ActivationFn;
  /** Whether a bias is added (default true). */
  useBias?: boolean;
  /** Initializer of the depthwise kernel (default 'glorotUniform'). */
  depthwiseInitializer?: InitializerArg;
  /** Initializer of the bias (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** A penalty on the depthwise kernel added to the loss. */
  depthwiseRegularizer?: RegularizerArg;
  /** A penalty on the bias added to the loss. */
  biasRegularizer?: RegularizerArg;
  /** A constraint applied to the depthwise kernel after each step. */
  depthwiseConstraint?: ConstraintArg;
  /** A constraint applied to the bias after each step. */
  biasConstraint?: ConstraintArg;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  /** Output channels of the pointwise (1x1) convolution. */
  filters: number;
  /** Initializer of the pointwise kernel (default 'glorotUniform'). */
  pointwiseInitializer?: InitializerArg;
  /** A penalty on the pointwise kernel added to the loss. */
  pointwiseRegularizer?: RegularizerArg;
  /** A constraint applied to the pointwise kernel after each step. */
  pointwiseConstraint?: ConstraintArg;
}

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

/**
 * Depthwise 2-d convolution: each input channel convolved with its own depthMultiplier filters.
 * @example sg.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
 */
export class DepthwiseConv2D extends Layer {
  static override className = 'DepthwiseConv2D';
  /** The window [height, width]. */
  readonly kernelSize: number[];
  /** The stride per spatial axis. */
  readonly strides: number[];
  /** 'valid' (no padding) or 'same' (output size ceil(in / stride)). */
  readonly padding: 'valid' | 'same';
  /** 'channelsLast' ([batch, h, w, c], the default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  /** The dilation per spatial axis. */
  readonly dilationRate: number[];
  /** Output channels per input channel. */
  readonly depthMultiplier: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** The activation's name ('linear' when none). */
  readonly activationName: string;
  protected readonly activation: (x: Tensor) => Tensor;
  /** The depthwise kernel [kh, kw, inChannels, depthMultiplier], once built. */
  depthwiseKernel?: LayerWeight;
  /** The bias, once built (with useBias). */
  bias?: LayerWeight;

  constructor(protected readonly args: DepthwiseConv2DArgs) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    const c = convCommon(cls, 2, args ?? {});
    this.kernelSize = c.kernelSize;
    this.strides = c.strides;
    this.padding = c.padding as 'valid' | 'same';
    this.dataFormat = c.dataFormat;
    this.dilationRate = c.dilationRate;
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!Number.isInteger(this.depthMultiplier) || this.depthMultiplier < 1) {
      throw new Error(`${cls}: 'depthMultiplier' must be a positive integer but is ${args.depthMultiplier}`);
    }
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation ?? 'linear');
    this.activationName = serializeActivation(this.activation);
  }

  protected outChannels(inC: number): number {
    return inC * this.depthMultiplier;
  }

  protected override checkInput(shape: SymbolicShape): void {
    if (shape.length !== 4) throw new Error(`${this.name}: expected an input of rank 4 but got shape ${fmtShape(shape)}`);
    const { channels } = splitShape(shape, 2, this.dataFormat);
    if (channels === null) throw new Error(`${this.name}: the channel dimension of the input must be known, got shape ${fmtShape(shape)}`);
    if (this.depthwiseKernel && channels !== this.depthwiseKernel.shape[2]) {
      throw new Error(`${this.name}: the layer was built for ${this.depthwiseKernel.shape[2]} input channels but got shape ${fmtShape(shape)}`);
    }
    this.computeOutputShape(shape);
  }

  override build(inputShape: SymbolicShape): void {
    const inC = splitShape(inputShape, 2, this.dataFormat).channels!;
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, inC, this.depthMultiplier], this.args.depthwiseInitializer ?? 'glorotUniform', {
      regularizer: this.args.depthwiseRegularizer,
      constraint: this.args.depthwiseConstraint,
    });
    this.buildRest(inC);
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.outChannels(inC)], this.args.biasInitializer ?? 'zeros', {
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    }
    this.built = true;
  }

  protected buildRest(_inC: number): void {}

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const { spatial, channels } = splitShape(s, 2, this.dataFormat);
    const out = windowOutput(this.name, spatial, this.kernelSize, this.strides, this.dilationRate, this.padding, s);
    return joinShape(s[0], out, channels === null ? null : this.outChannels(channels), this.dataFormat);
  }

  protected conv(x: Tensor): Tensor {
    const fmt = this.dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW';
    return depthwiseConv2d(x, this.depthwiseKernel!.variable, this.strides as [number, number], this.padding, fmt, this.dilationRate as [number, number]);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let y = this.conv(first(inputs));
    if (this.bias) {
      const n = this.bias.shape[0];
      y = add(y, this.dataFormat === 'channelsLast' ? this.bias.variable : reshape(this.bias.variable, [n, 1, 1]));
    }
    return this.activation(y);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      depthMultiplier: this.depthMultiplier,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
      activation: this.activationName,
      useBias: this.useBias,
      ...weightConfig(this.args, { depthwise: 'glorotUniform', bias: 'zeros' }),
    };
  }
}

/**
 * Depthwise convolution followed by a pointwise (1x1) convolution to `filters` channels.
 * @example sg.layers.separableConv2d({ filters: 32, kernelSize: 3, padding: 'same' });
 */
export class SeparableConv2D extends DepthwiseConv2D {
  static override className = 'SeparableConv2D';
  /** Output channels of the pointwise convolution. */
  readonly filters: number;
  /** The pointwise kernel [1, 1, inChannels * depthMultiplier, filters], once built. */
  pointwiseKernel?: LayerWeight;

  constructor(protected override readonly args: SeparableConv2DArgs) {
    super(args);
    if (!Number.isInteger(args?.filters) || args.filters < 1) {
      throw new Error(`SeparableConv2D: 'filters' must be a positive integer but is ${args?.filters}`);
    }
    this.filters = args.filters;
  }

  protected override outChannels(): number {
    return this.filters;
  }

  protected override buildRest(inC: number): void {
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inC * this.depthMultiplier, this.filters], this.args.pointwiseInitializer ?? 'glorotUniform', {
      regularizer: this.args.pointwiseRegularizer,
      constraint: this.args.pointwiseConstraint,
    });
  }

  protected override conv(x: Tensor): Tensor {
    const fmt = this.dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW';
    return separableConv2d(x, this.depthwiseKernel!.variable, this.pointwiseKernel!.variable, this.strides as [number, number], this.padding, this.dilationRate as [number, number], fmt);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), filters: this.filters, ...weightConfig(this.args, { pointwise: 'glorotUniform' }) };
  }
}
