// GRU: Keras' gated recurrent unit layer on the fused gruSequence op.
import type { Tensor } from '../../engine/tensor.js';
import { gruSequence } from '../../ops/rnn.js';
import { gruStep } from './cells.js';
import { runCellSequence } from './rnn.js';
import { RecurrentLayer, type RecurrentArgs, type RunOptions, type SequenceResult } from './base.js';

export interface GRUArgs extends RecurrentArgs {
  /**
   * Apply the reset gate after the recurrent product (default true, as Keras 2 and 3 and
   * cuDNN): bias is then [2, 3*units] (input bias, recurrent bias). false is Keras 1's form, the
   * only one tfjs-layers has (bias [3*units]).
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit (Cho et al. 2014). Weights in Keras layout, gates z, r, h: kernel
 * [features, 3*units], recurrent_kernel [units, 3*units], bias [2, 3*units] (resetAfter) or
 * [3*units].
 * @example sg.layers.gru({ units: 64, returnSequences: true, inputShape: [null, 32] });
 */
export class GRU extends RecurrentLayer {
  static override className = 'GRU';
  protected readonly gateCount = 3;
  readonly stateCount = 1;
  /** Whether the reset gate is applied after the recurrent product. */
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    super(args);
    this.resetAfter = args.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected runSequence(x: Tensor, [h0]: Tensor[], opts: RunOptions): SequenceResult {
    if (!this.fusable) {
      const w = { kernel: this.kernel!.variable, recurrentKernel: this.recurrentKernel!.variable, bias: this.bias?.variable ?? null };
      const { fn: act } = this.activation;
      const { fn: recAct } = this.recurrentActivation;
      return runCellSequence(x, [h0], (xt, [h]) => {
        const h2 = gruStep(xt, h, w, act, recAct, this.resetAfter, opts.recurrentMask);
        return [h2, [h2]];
      }, { goBackwards: this.goBackwards, returnSequences: this.returnSequences, mask: opts.mask });
    }
    const r = gruSequence(x, this.kernel!.variable, this.recurrentKernel!.variable, this.bias?.variable ?? null, h0, {
      goBackwards: this.goBackwards,
      returnSequences: this.returnSequences,
      mask: opts.mask,
      recurrentMask: opts.recurrentMask,
      activation: this.activation.fused!,
      recurrentActivation: this.recurrentActivation.fused!,
      resetAfter: this.resetAfter,
    });
    return { output: r.output, states: [r.h] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}
