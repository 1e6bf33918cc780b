// SimpleRNN: Keras' fully-connected recurrent layer on the fused simpleRnnSequence op.
import type { Tensor } from '../../engine/tensor.js';
import { simpleRnnSequence } from '../../ops/rnn.js';
import { simpleRnnStep } from './cells.js';
import { runCellSequence } from './rnn.js';
import { RecurrentLayer, type RecurrentArgs, type RunOptions, type SequenceResult } from './base.js';

/**
 * A fully-connected RNN: h_t = activation(x_t W + h_{t-1} R + b). kernel [features, units],
 * recurrent_kernel [units, units], bias [units]. recurrentActivation is not used.
 * @example sg.layers.simpleRNN({ units: 32, inputShape: [10, 8] });
 */
export class SimpleRNN extends RecurrentLayer {
  static override className = 'SimpleRNN';
  protected readonly gateCount = 1;
  readonly stateCount = 1;

  protected runSequence(x: Tensor, [h0]: Tensor[], opts: RunOptions): SequenceResult {
    if (!this.fusable) {
      const w = { kernel: this.kernel!.variable, recurrentKernel: this.recurrentKernel!.variable, bias: this.bias?.variable ?? null };
      const { fn: act } = this.activation;
      return runCellSequence(x, [h0], (xt, [h]) => {
        const h2 = simpleRnnStep(xt, h, w, act, opts.recurrentMask);
        return [h2, [h2]];
      }, { goBackwards: this.goBackwards, returnSequences: this.returnSequences, mask: opts.mask });
    }
    const r = simpleRnnSequence(
      x,
      this.kernel!.variable,
      this.recurrentKernel!.variable,
      this.bias?.variable ?? null,
      h0,
      {
        goBackwards: this.goBackwards,
        returnSequences: this.returnSequences,
        mask: opts.mask,
        recurrentMask: opts.recurrentMask,
        activation: this.activation.fused!,
      },
    );
    return { output: r.output, states: [r.h] };
  }
}
