// Masking: marks the time steps whose features all equal maskValue as padding, for the
// recurrent layers after it (Keras' Masking).
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { greater, mul, notEqual } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { max } from '../ops/reduce.js';
import { expandDims } from '../ops/reshape.js';
import { Layer, type LayerArgs } from './layer.js';

export interface MaskingArgs extends LayerArgs {
  /** Steps whose features all equal this value are masked (default 0). */
  maskValue?: number;
}

/**
 * Masks the time steps of [batch, time, features] inputs whose features all equal maskValue:
 * the output zeroes them and carries a mask [batch, time] that recurrent layers skip.
 * @example model.add(sg.layers.masking({ maskValue: 0, inputShape: [null, 8] }));
 */
export class Masking extends Layer {
  static override className = 'Masking';
  /** Steps whose features all equal this value are masked. */
  readonly maskValue: number;
  override readonly supportsMasking = true;

  constructor(args: MaskingArgs = {}) {
    super(args);
    this.maskValue = args.maskValue ?? 0;
    if (typeof this.maskValue !== 'number' || Number.isNaN(this.maskValue))
      throw new Error(`Masking: 'maskValue' must be a number but is ${args.maskValue}`);
  }

  private keep(x: Tensor): Tensor {
    if (x.rank < 2) throw new Error(`${this.name}: expected an input of rank >= 2 but got shape ${fmt(x.shape)}`);
    return greater(max(cast(notEqual(x, this.maskValue), 'float32'), -1), 0);
  }

  override computeMask(inputs: Tensor | Tensor[]): Tensor {
    return this.keep(Array.isArray(inputs) ? inputs[0] : inputs);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return mul(x, expandDims(cast(this.keep(x), 'float32'), -1));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}
