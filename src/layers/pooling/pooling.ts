// Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D (the 'Pool' kernel) and
// GlobalMax/GlobalAveragePooling1D/2D (reductions over the spatial axes).
import type { Tensor } from '../../engine/tensor.js';
import { div, mul } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { max, mean, sum } from '../../ops/reduce.js';
import { expandDims } from '../../ops/reshape.js';
import { poolNd } from '../../ops/pool.js';
import { tupleArg } from '../../ops/conv_util.js';
import { transpose } from '../../ops/transpose.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { fmtShape } from '../core/dense.js';
import { joinShape, splitShape, windowOutput, type DataFormat } from '../convolutional/conv.js';

export interface PoolingArgs extends LayerArgs {
  /** Window size (default 2 per dimension). */
  poolSize?: number | number[];
  /** Default: poolSize. */
  strides?: number | number[] | null;
  /** 'valid' (default) or 'same'. */
  padding?: 'valid' | 'same';
  /** 'channelsLast' ([batch, ..., channels], the default) or 'channelsFirst'. */
  dataFormat?: DataFormat;
}

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

abstract class Pooling extends Layer {
  /** The window, one size per spatial axis. */
  readonly poolSize: number[];
  /** The stride per spatial axis (default: the pool size). */
  readonly strides: number[];
  /** 'valid' (default) or 'same'. */
  readonly padding: 'valid' | 'same';
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;

  constructor(
    private readonly nd: number,
    private readonly type: 'max' | 'avg',
    args: PoolingArgs = {},
  ) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    this.poolSize = tupleArg(cls, 'poolSize', args.poolSize ?? 2, nd);
    this.strides = tupleArg(cls, 'strides', args.strides ?? this.poolSize, nd);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'valid' && this.padding !== 'same') throw new Error(`${cls}: padding must be 'valid' or 'same' but is '${args.padding}'`);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    if (this.dataFormat !== 'channelsLast' && this.dataFormat !== 'channelsFirst') {
      throw new Error(`${cls}: dataFormat must be 'channelsLast' or 'channelsFirst' but is '${args.dataFormat}'`);
    }
  }

  protected override checkInput(s: SymbolicShape): void {
    if (s.length !== this.nd + 2) throw new Error(`${this.name}: expected an input of rank ${this.nd + 2} but got shape ${fmtShape(s)}`);
    this.computeOutputShape(s);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const { spatial, channels } = splitShape(s, this.nd, this.dataFormat);
    const ones = new Array<number>(this.nd).fill(1);
    return joinShape(s[0], windowOutput(this.name, spatial, this.poolSize, this.strides, ones, this.padding, s), channels, this.dataFormat);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    let x = first(inputs);
    const nd = this.nd;
    const cf = this.dataFormat === 'channelsFirst';
    if (cf) x = transpose(x, [0, ...Array.from({ length: nd }, (_, i) => i + 2), 1]);
    const y = poolNd(this.name, this.type, nd, x, this.poolSize, this.strides, this.padding);
    return cf ? transpose(y, [0, nd + 1, ...Array.from({ length: nd }, (_, i) => i + 1)]) : y;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding, dataFormat: this.dataFormat };
  }
}

/** @example sg.layers.maxPooling1d({ poolSize: 2 }); */
export class MaxPooling1D extends Pooling {
  static override className = 'MaxPooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'max', args);
  }
}
/** @example sg.layers.maxPooling2d({ poolSize: [2, 2] }); */
export class MaxPooling2D extends Pooling {
  static override className = 'MaxPooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'max', args);
  }
}
/** @example sg.layers.maxPooling3d({ poolSize: 2 }); */
export class MaxPooling3D extends Pooling {
  static override className = 'MaxPooling3D';
  constructor(args: PoolingArgs = {}) {
    super(3, 'max', args);
  }
}
/** @example sg.layers.averagePooling1d({ poolSize: 2 }); */
export class AveragePooling1D extends Pooling {
  static override className = 'AveragePooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'avg', args);
  }
}
/** @example sg.layers.averagePooling2d({ poolSize: 2, padding: 'same' }); */
export class AveragePooling2D extends Pooling {
  static override className = 'AveragePooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'avg', args);
  }
}
/** @example sg.layers.averagePooling3d({ poolSize: 2 }); */
export class AveragePooling3D extends Pooling {
  static override className = 'AveragePooling3D';
  constructor(args: PoolingArgs = {}) {
    super(3, 'avg', args);
  }
}

abstract class GlobalPooling extends Layer {
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  constructor(
    private readonly nd: number,
    private readonly type: 'max' | 'avg',
    args: LayerArgs & { dataFormat?: DataFormat } = {},
  ) {
    super(args);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
  }
  protected override checkInput(s: SymbolicShape): void {
    if (s.length !== this.nd + 2) throw new Error(`${this.name}: expected an input of rank ${this.nd + 2} but got shape ${fmtShape(s)}`);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0], splitShape(s, this.nd, this.dataFormat).channels];
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    const axes = Array.from({ length: this.nd }, (_, i) => (this.dataFormat === 'channelsLast' ? i + 1 : i + 2));
    return this.type === 'max' ? max(x, axes) : mean(x, axes);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

/** @example sg.layers.globalMaxPooling1d(); */
export class GlobalMaxPooling1D extends GlobalPooling {
  static override className = 'GlobalMaxPooling1D';
  constructor(args: LayerArgs & { dataFormat?: DataFormat } = {}) {
    super(1, 'max', args);
  }
}
/** @example sg.layers.globalMaxPooling2d(); */
export class GlobalMaxPooling2D extends GlobalPooling {
  static override className = 'GlobalMaxPooling2D';
  constructor(args: LayerArgs & { dataFormat?: DataFormat } = {}) {
    super(2, 'max', args);
  }
}
/** @example sg.layers.globalAveragePooling1d(); */
export class GlobalAveragePooling1D extends GlobalPooling {
  static override className = 'GlobalAveragePooling1D';
  /** Takes a [batch, steps] mask: the mean of the kept steps (Keras); the output has no mask. */
  override readonly supportsMasking = true;
  constructor(args: LayerArgs & { dataFormat?: DataFormat } = {}) {
    super(1, 'avg', args);
  }
  /** The mean over the steps; with a [batch, steps] mask, the mean of the kept steps. */
  override call(inputs: Tensor | Tensor[], args: CallArgs = {}): Tensor {
    const m = Array.isArray(args.mask) ? args.mask[0] : args.mask;
    if (!m) return super.call(inputs);
    const w = cast(expandDims(m, this.dataFormat === 'channelsLast' ? 2 : 1), 'float32');
    const axis = this.dataFormat === 'channelsLast' ? 1 : 2;
    return div(sum(mul(first(inputs), w), axis), sum(w, axis));
  }
  override computeMask(): null {
    return null;
  }
}
/** @example sg.layers.globalAveragePooling2d(); */
export class GlobalAveragePooling2D extends GlobalPooling {
  static override className = 'GlobalAveragePooling2D';
  constructor(args: LayerArgs & { dataFormat?: DataFormat } = {}) {
    super(2, 'avg', args);
  }
}
