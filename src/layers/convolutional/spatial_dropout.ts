// SpatialDropout1D/2D: dropout of whole feature maps (one mask value per sample and channel,
// broadcast over the steps or pixels), as Keras; the identity at inference.
import { ENGINE } from '../../engine/engine.js';
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { mul } from '../../ops/binary.js';
import { reshape } from '../../ops/reshape.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { fmtShape } from '../core/dense.js';
import type { DataFormat } from './conv.js';

export interface SpatialDropoutArgs extends LayerArgs {
  /** Fraction of the channels dropped while training, in [0, 1). */
  rate: number;
  /** Seed of the dropout masks. */
  seed?: number;
  /** SpatialDropout2D only. */
  dataFormat?: DataFormat;
}

abstract class SpatialDropout extends Layer {
  /** Passes an input mask on unchanged, as Keras' Dropout. */
  override readonly supportsMasking = true;
  /** Fraction of the channels dropped while training. */
  readonly rate: number;
  /** 'channelsLast' (default) or 'channelsFirst'. */
  readonly dataFormat: DataFormat;
  private readonly rng: Rng;

  constructor(
    private readonly rank: number,
    private readonly args: SpatialDropoutArgs,
  ) {
    super(args);
    const cls = (this.constructor as typeof Layer).className;
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`${cls}: 'rate' must be a number in [0, 1) but is ${args?.rate}`);
    }
    this.rate = args.rate;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.rng = new Rng(args.seed);
  }

  protected override checkInput(s: SymbolicShape): void {
    if (s.length !== this.rank) throw new Error(`${this.name}: expected an input of rank ${this.rank} but got shape ${fmtShape(s)}`);
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training || this.rate === 0) return reshape(x, x.shape);
    const cAxis = this.dataFormat === 'channelsLast' ? x.rank - 1 : 1;
    const shape = x.shape.map((d, i) => (i === 0 || i === cAxis ? d : 1));
    const keep = 1 - this.rate;
    const n = shape[0] * shape[cAxis];
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.rng.uniform() < keep ? 1 / keep : 0;
    const mask = ENGINE.makeTensor(v, shape, 'float32');
    return mul(x, mask);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.args.seed ?? null };
  }
}

/** Drops whole channels of [batch, steps, channels]. @example sg.layers.spatialDropout1d({ rate: 0.2 }); */
export class SpatialDropout1D extends SpatialDropout {
  static override className = 'SpatialDropout1D';
  constructor(args: SpatialDropoutArgs) {
    super(3, args);
  }
}

/** Drops whole feature maps of [batch, h, w, channels]. @example sg.layers.spatialDropout2d({ rate: 0.2 }); */
export class SpatialDropout2D extends SpatialDropout {
  static override className = 'SpatialDropout2D';
  constructor(args: SpatialDropoutArgs) {
    super(4, args);
  }
}
