// Convolution layers: Conv1D, Conv2D, Conv3D (one base class over n spatial dims) and
// Conv2DTranspose. Bias and relu/relu6 run inside the conv kernel's GEMM epilogue.
//
// Porting note: the default kernelInitializer is Keras' 'glorotUniform' (tfjs-layers uses
// 'glorotNormal' for conv layers).
import { builtinActivationName, getActivation, serializeActivation, type ActivationFn } from '../../activations/index.js';
import type { Tensor } from '../../engine/tensor.js';
import { add } from '../../ops/binary.js';
import { convNd } from '../../ops/conv2d.js';
import { convTransposeNd } from '../../ops/conv_transpose.js';
import { spatialGeom, tupleArg, type PadArg } from '../../ops/conv_util.js';
import { pad } from '../../ops/pad.js';
import { reshape } from '../../ops/reshape.js';
import { transpose } from '../../ops/transpose.js';
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
import { fmtShape } from '../core/dense.js';

/** @inline */
export type DataFormat = 'channelsFirst' | 'channelsLast';
/** @inline */
type ActivationIdentifier = string | ActivationFn;

export interface ConvLayerArgs extends LayerArgs {
  /** Number of output channels. */
  filters: number;
  /** The window: one size for every spatial axis, or one per axis. */
  kernelSize: number | number[];
  /** The stride: one for every spatial axis, or one per axis (default 1). */
  strides?: number | number[];
  /** 'causal' is for conv1d only (left padding, as Keras). */
  padding?: 'valid' | 'same' | 'causal';
  /** 'channelsLast' ([batch, ..., channels], the default) or 'channelsFirst'. */
  dataFormat?: DataFormat;
  /** The dilation: one for every spatial axis, or one per axis (default 1). */
  dilationRate?: number | number[];
  /** Applied to the output: a name ('relu', 'softmax'...) or a function (default: none). */
  activation?: ActivationIdentifier;
  /** Whether a bias is added (default true). */
  useBias?: boolean;
  /**
   * Initializer of the kernel: a name ('glorotUniform', Keras' 'glorot_uniform'), an initializer or a config (default
   * 'glorotUniform').
   */
  kernelInitializer?: InitializerArg;
  /** Initializer of the bias (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** A penalty on the kernel added to the loss ('l2', `sg.regularizers.l2({ l2: 1e-4 })`...). */
  kernelRegularizer?: RegularizerArg;
  /** A penalty on the bias added to the loss. */
  biasRegularizer?: RegularizerArg;
  activityRegularizer?: RegularizerArg;
  /** A constraint applied to the kernel after each step ('maxNorm', 'nonNeg'...). */
  kernelConstraint?: ConstraintArg;
  /** A constraint applied to the bias after each step. */
  biasConstraint?: ConstraintArg;
}

/** Activations the conv kernel fuses (bias add and relu/relu6 in the GEMM epilogue). */
const FUSABLE = new Set(['linear', 'relu', 'relu6']);

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

/** Validates and normalises the arguments every conv layer shares; throws naming the class. */
export function convCommon(
  cls: string,
  nd: number,
  args: { kernelSize?: number | number[]; strides?: number | number[]; dilationRate?: number | number[]; padding?: string; dataFormat?: string },
  allowCausal = false,
): { kernelSize: number[]; strides: number[]; dilationRate: number[]; padding: 'valid' | 'same' | 'causal'; dataFormat: DataFormat } {
  if (args.kernelSize === undefined) throw new Error(`${cls}: 'kernelSize' is required`);
  const kernelSize = tupleArg(cls, 'kernelSize', args.kernelSize, nd);
  const strides = tupleArg(cls, 'strides', args.strides, nd);
  const dilationRate = tupleArg(cls, 'dilationRate', args.dilationRate, nd);
  const padding = (args.padding ?? 'valid') as 'valid' | 'same' | 'causal';
  if (!['valid', 'same', ...(allowCausal ? ['causal'] : [])].includes(padding)) {
    throw new Error(`${cls}: padding must be ${allowCausal ? "'valid', 'same' or 'causal'" : "'valid' or 'same'"} but is '${args.padding}'`);
  }
  const dataFormat = (args.dataFormat ?? 'channelsLast') as DataFormat;
  if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst') {
    throw new Error(`${cls}: dataFormat must be 'channelsLast' or 'channelsFirst' but is '${args.dataFormat}'`);
  }
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1)) {
    throw new Error(`${cls}: strides > 1 are not supported together with dilationRate > 1 (strides ${fmtShape(strides)}, dilationRate ${fmtShape(dilationRate)})`);
  }
  return { kernelSize, strides, dilationRate, padding, dataFormat };
}

/** Spatial dims and channels of an input shape for a data format. */
export function splitShape(s: SymbolicShape, nd: number, format: DataFormat): { spatial: (number | null)[]; channels: number | null } {
  return format === 'channelsLast'
    ? { spatial: s.slice(1, nd + 1), channels: s[nd + 1] }
    : { spatial: s.slice(2, nd + 2), channels: s[1] };
}

export function joinShape(batch: number | null, spatial: (number | null)[], channels: number | null, format: DataFormat): SymbolicShape {
  return format === 'channelsLast' ? [batch, ...spatial, channels] : [batch, channels, ...spatial];
}

/** Output spatial sizes of a window op (null stays null); throws naming the layer when the window does not fit. */
export function windowOutput(
  layer: string,
  spatial: (number | null)[],
  k: number[],
  s: number[],
  d: number[],
  padding: 'valid' | 'same' | 'causal',
  inputShape: SymbolicShape,
): (number | null)[] {
  return spatial.map((n, i) => {
    if (n === null) return null;
    const pd: PadArg = padding === 'same' ? 'same' : 'valid';
    const len = padding === 'causal' ? n + (k[i] - 1) * d[i] : n;
    return spatialGeom(layer, [len], [k[i]], [s[i]], [d[i]], pd, [1], undefined, `input shape ${fmtShape(inputShape)}`).out[0];
  });
}

/** The n-d convolution layer behind Conv1D, Conv2D and Conv3D. */
export abstract class Conv extends Layer {
  /** Number of output channels. */
  readonly filters: number;
  /** The window, one size per spatial axis. */
  readonly kernelSize: number[];
  /** The stride per spatial axis. */
  readonly strides: number[];
  /** 'valid' (no padding), 'same' (output size ceil(in / stride)) or 'causal' (1-d: left padding only). */
  readonly padding: 'valid' | 'same' | 'causal';
  /** 'channelsLast' ([batch, ..., channels], the default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  /** The dilation per spatial axis. */
  readonly dilationRate: number[];
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** The activation's name ('linear' when none). */
  readonly activationName: string;
  /**
   * The activation's Keras name when it is simdgrad's own function of that name (then the kernel
   * fuses it); undefined for a custom function, even one named like a built-in.
   */
  readonly builtinActivation: string | undefined;
  protected readonly activation: (x: Tensor) => Tensor;
  /** The kernel [...kernelSize, inChannels, filters], once built. */
  kernel?: LayerWeight;
  /** The bias [filters], once built (with useBias). */
  bias?: LayerWeight;

  constructor(
    protected readonly nd: number,
    protected readonly args: ConvLayerArgs,
  ) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (!Number.isInteger(args?.filters) || args.filters < 1) {
      throw new Error(`${cls}: 'filters' must be a positive integer but is ${args?.filters}`);
    }
    const c = convCommon(cls, nd, args, nd === 1);
    this.filters = args.filters;
    this.kernelSize = c.kernelSize;
    this.strides = c.strides;
    this.padding = c.padding;
    this.dataFormat = c.dataFormat;
    this.dilationRate = c.dilationRate;
    this.useBias = args.useBias ?? true;
    this.activation = getActivation(args.activation ?? 'linear');
    this.activationName = serializeActivation(this.activation);
    this.builtinActivation = builtinActivationName(this.activation);
  }

  protected override checkInput(shape: SymbolicShape): void {
    if (shape.length !== this.nd + 2) {
      throw new Error(`${this.name}: expected an input of rank ${this.nd + 2} ([batch, ...${this.nd} spatial, channels]) but got shape ${fmtShape(shape)}`);
    }
    const { channels } = splitShape(shape, this.nd, this.dataFormat);
    if (channels === null) throw new Error(`${this.name}: the channel dimension of the input must be known, got shape ${fmtShape(shape)}`);
    if (this.kernel && channels !== this.kernel.shape[this.nd]) {
      throw new Error(`${this.name}: the layer was built for ${this.kernel.shape[this.nd]} input channels but got shape ${fmtShape(shape)}`);
    }
    this.computeOutputShape(shape);
  }

  override build(inputShape: SymbolicShape): void {
    const { channels } = splitShape(inputShape, this.nd, this.dataFormat);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels!, this.filters], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer,
      constraint: this.args.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros', {
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    }
    this.built = true;
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const { spatial } = splitShape(s, this.nd, this.dataFormat);
    const out = windowOutput(this.name, spatial, this.kernelSize, this.strides, this.dilationRate, this.padding, s);
    return joinShape(s[0], out, this.filters, this.dataFormat);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = first(inputs);
    const fusable = this.builtinActivation !== undefined && FUSABLE.has(this.builtinActivation);
    let padding: 'valid' | 'same' = this.padding === 'same' ? 'same' : 'valid';
    if (this.padding === 'causal') {
      // Keras: left-pad the time axis by dilation * (kernel - 1), then a valid convolution.
      const left = this.dilationRate[0] * (this.kernelSize[0] - 1);
      x = pad(x, this.dataFormat === 'channelsLast' ? [[0, 0], [left, 0], [0, 0]] : [[0, 0], [0, 0], [left, 0]]);
      padding = 'valid';
    }
    const y = convNd({
      op: this.name,
      x,
      filter: this.kernel!.variable,
      nd: this.nd,
      strides: this.strides,
      pad: padding,
      channelsFirst: this.dataFormat === 'channelsFirst',
      dilations: this.dilationRate,
      bias: this.dataFormat === 'channelsLast' ? this.bias?.variable : undefined,
      activation: fusable && this.dataFormat === 'channelsLast' ? this.builtinActivation : 'linear',
    });
    if (this.dataFormat === 'channelsLast') return fusable ? y : this.activation(y);
    let z = y;
    if (this.bias) z = add(z, reshape(this.bias.variable, [this.filters, ...new Array<number>(this.nd).fill(1)]));
    return this.activation(z);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
      activation: this.activationName,
      useBias: this.useBias,
      ...weightConfig(this.args, { kernel: 'glorotUniform', bias: 'zeros' }),
    };
  }
}

/**
 * 1-d convolution over [batch, steps, channels] ('causal' padding allowed).
 * @example sg.layers.conv1d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [100, 8] });
 */
export class Conv1D extends Conv {
  static override className = 'Conv1D';
  constructor(args: ConvLayerArgs) {
    super(1, args);
  }
}

/**
 * 2-d convolution over [batch, height, width, channels].
 * @example sg.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] });
 */
export class Conv2D extends Conv {
  static override className = 'Conv2D';
  constructor(args: ConvLayerArgs) {
    super(2, args);
  }
}

/**
 * 3-d convolution over [batch, depth, height, width, channels].
 * @example sg.layers.conv3d({ filters: 8, kernelSize: 3, inputShape: [16, 16, 16, 1] });
 */
export class Conv3D extends Conv {
  static override className = 'Conv3D';
  constructor(args: ConvLayerArgs) {
    super(3, args);
  }
}

/**
 * Transposed 2-d convolution ("deconvolution"): kernel [kh, kw, filters, inChannels]; output
 * size in * stride ('same') or in * stride + max(kernel - stride, 0) ('valid'), as Keras.
 * `outputPadding` (each below its stride) picks among the output sizes that the same forward
 * convolution maps back to the input size, as Keras: (in - 1) * stride + kernel - 2 * pad +
 * outputPadding with pad = kernel // 2 ('same') or 0 ('valid').
 * Porting note: no dilation.
 * @example sg.layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' });
 */
export class Conv2DTranspose extends Conv {
  static override className = 'Conv2DTranspose';
  /**
   * Extra rows and columns added to one side of the output per spatial axis (each below its stride), or null for
   * Keras' default size.
   */
  readonly outputPadding: number[] | null;
  constructor(args: ConvLayerArgs & { outputPadding?: number | number[] | null }) {
    super(2, args);
    if (this.dilationRate.some((d) => d !== 1)) throw new Error(`Conv2DTranspose: dilationRate must be 1 but is ${fmtShape(this.dilationRate)}`);
    const op = args.outputPadding;
    this.outputPadding = op == null ? null : typeof op === 'number' ? [op, op] : Array.isArray(op) ? op.slice() : [NaN];
    if (this.outputPadding && (this.outputPadding.length !== 2 || this.outputPadding.some((p) => !Number.isInteger(p) || p < 0))) {
      throw new Error(`Conv2DTranspose: 'outputPadding' must be a non-negative integer or 2 of them but is ${JSON.stringify(op)}`);
    }
    this.outputPadding?.forEach((p, i) => {
      if (p >= this.strides[i]) {
        throw new Error(`Conv2DTranspose: outputPadding ${fmtShape(this.outputPadding!)} must be smaller than the strides ${fmtShape(this.strides)} in every dimension`);
      }
    });
  }

  /** The layer's arguments, outputPadding included (Keras' get_config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), outputPadding: this.outputPadding };
  }

  /** Creates the kernel [kh, kw, filters, inChannels] and the bias for this input shape. */
  override build(inputShape: SymbolicShape): void {
    const { channels } = splitShape(inputShape, 2, this.dataFormat);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, channels!], this.args.kernelInitializer ?? 'glorotUniform', {
      regularizer: this.args.kernelRegularizer,
      constraint: this.args.kernelConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.filters], this.args.biasInitializer ?? 'zeros', {
        regularizer: this.args.biasRegularizer,
        constraint: this.args.biasConstraint,
      });
    }
    this.built = true;
  }

  protected override checkInput(shape: SymbolicShape): void {
    if (shape.length !== 4) throw new Error(`${this.name}: expected an input of rank 4 but got shape ${fmtShape(shape)}`);
    const { channels } = splitShape(shape, 2, this.dataFormat);
    if (channels === null) throw new Error(`${this.name}: the channel dimension of the input must be known, got shape ${fmtShape(shape)}`);
    if (this.kernel && channels !== this.kernel.shape[3]) {
      throw new Error(`${this.name}: the layer was built for ${this.kernel.shape[3]} input channels but got shape ${fmtShape(shape)}`);
    }
  }

  private outSize(n: number, i: number): number {
    const k = this.kernelSize[i];
    const s = this.strides[i];
    if (this.outputPadding) {
      const pad = this.padding === 'same' ? Math.floor(k / 2) : 0;
      return (n - 1) * s + k - 2 * pad + this.outputPadding[i];
    }
    return this.padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
  }

  /** The output shape for an input shape: [batch, outH, outW, filters]. */
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const { spatial } = splitShape(s, 2, this.dataFormat);
    return joinShape(s[0], spatial.map((n, i) => (n === null ? null : this.outSize(n, i))), this.filters, this.dataFormat);
  }

  /** The transposed convolution of the inputs, plus bias, then the activation. */
  override call(inputs: Tensor | Tensor[]): Tensor {
    let x = first(inputs);
    const cf = this.dataFormat === 'channelsFirst';
    if (cf) x = transpose(x, [0, 2, 3, 1]);
    const out = [x.shape[0], this.outSize(x.shape[1], 0), this.outSize(x.shape[2], 1), this.filters];
    let y = convTransposeNd(this.name, 2, x, this.kernel!.variable, out, this.strides, this.padding === 'same' ? 'same' : 'valid');
    if (this.bias) y = add(y, this.bias.variable);
    y = this.activation(y);
    return cf ? transpose(y, [0, 3, 1, 2]) : y;
  }
}
