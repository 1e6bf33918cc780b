// LSTM: Keras' long short-term memory layer on the fused lstmSequence op.
import { getInitializer, type Initializer } from '../../initializers/index.js';
import type { DataType } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';
import { concat } from '../../ops/concat.js';
import { ones } from '../../ops/creation.js';
import { lstmSequence } from '../../ops/rnn.js';
import { ENGINE } from '../../engine/engine.js';
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
  readonly unitForgetBias: boolean;

  constructor(args: LSTMArgs) {
    super(args);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  protected override biasInit(): InitializerArg {
    if (!this.unitForgetBias) return super.biasInit();
    const base = getInitializer(super.biasInit() as never);
    const U = this.units;
    // Keras' unit_forget_bias: [init(units), ones(units), init(2 * units)].
    const init: Initializer = {
      className: base.className,
      apply: (_shape: readonly number[], dtype: DataType = 'float32') =>
        ENGINE.tidy(() => concat([base.apply([U], dtype), ones([U]), base.apply([2 * U], dtype)], 0)),
      getConfig: () => base.getConfig(),
    };
    return init;
  }

  protected runSequence(x: Tensor, [h0, c0]: Tensor[], opts: RunOptions): SequenceResult {
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
        activation: this.activationName,
        recurrentActivation: this.recurrentActivationName,
      },
    );
    return { output: r.output, states: [r.h, r.c] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}
