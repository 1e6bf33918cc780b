// LSTM: Keras' long short-term memory layer on the fused lstmSequence op.
import type { Tensor } from '../../engine/tensor.js';
import { lstmSequence } from '../../ops/rnn.js';
import { lstmStep, unitForgetBiasInit } from './cells.js';
import { runCellSequence } from './rnn.js';
import type { InitializerArg } from '../layer.js';
import { RecurrentLayer, type RecurrentArgs, type RunOptions, type SequenceResult } from './base.js';

export interface LSTMArgs extends RecurrentArgs {
  /** Initialise the forget-gate bias to 1 (Keras default true). Porting note: tfjs-layers defaults to false. */
  unitForgetBias?: boolean;
}

/**
 * Long short-term memory (Hochreiter 1997). Weights in Keras layout, gates i, f, c, o:
 * kernel [features, 4*units], recurrent_kernel [units, 4*units], bias [4*units], so weights
 * from Keras or tfjs-layers load with setWeights. The whole sequence, forward and backward,
 * runs in fused WebAssembly kernels.
 * @example
 * const model = sg.sequential();
 * model.add(sg.layers.lstm({ units: 128, inputShape: [7, 12] }));
 */
export class LSTM extends RecurrentLayer {
  static override className = 'LSTM';
  protected readonly gateCount = 4;
  readonly stateCount = 2;
  /** Whether the forget-gate bias starts at 1. */
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override biasInit(): InitializerArg {
    return this.unitForgetBias ? unitForgetBiasInit(super.biasInit(), this.units) : super.biasInit();
  }

  protected runSequence(x: Tensor, [h0, c0]: Tensor[], opts: RunOptions): SequenceResult {
    if (!this.fusable) {
      const w = { kernel: this.kernel!.variable, recurrentKernel: this.recurrentKernel!.variable, bias: this.bias?.variable ?? null };
      const { fn: act } = this.activation;
      const { fn: recAct } = this.recurrentActivation;
      const r = runCellSequence(x, [h0, c0], (xt, [h, c]) => {
        const [h2, c2] = lstmStep(xt, h, c, w, act, recAct, opts.recurrentMask);
        return [h2, [h2, c2]];
      }, { goBackwards: this.goBackwards, returnSequences: this.returnSequences, mask: opts.mask });
      return { output: r.output, states: r.states };
    }
    const r = lstmSequence(
      x,
      this.kernel!.variable,
      this.recurrentKernel!.variable,
      this.bias?.variable ?? null,
      h0,
      c0,
      {
        goBackwards: this.goBackwards,
        returnSequences: this.returnSequences,
        mask: opts.mask,
        recurrentMask: opts.recurrentMask,
        activation: this.activation.fused!,
        recurrentActivation: this.recurrentActivation.fused!,
      },
    );
    return { output: r.output, states: [r.h, r.c] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}
