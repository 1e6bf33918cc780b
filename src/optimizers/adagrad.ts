// Adagrad and Adadelta, Keras 3 semantics, each one fused in-place kernel per variable per step.
//
// Porting note (Adagrad): Keras 3 computes p -= lr * g / sqrt(acc + epsilon) (epsilon inside the
// root, configurable, default 1e-7); tf.keras OptimizerV2 (Keras 2) used lr * g / (sqrt(acc) + eps).
// tf.train.adagrad(lr, initialAccumulatorValue) has no epsilon argument: it adds the backend's
// epsilon inside the root (1e-7 on cpu/wasm, so it matches Keras 3's default), and its
// learningRate has no default (Keras 3: 0.001).
// Porting note (Adadelta): tf.train.adadelta(lr = 0.001, rho = 0.95, epsilon) divides by
// sqrt(accumulated gradient + eps) using the accumulator *before* this step's update (so its first
// step is p -= lr * g exactly); Keras (and simdgrad) use the updated accumulator, which makes the
// first steps much smaller. The rest of the formula is the same. tfjs's default epsilon is the
// backend's (1e-7 on cpu/wasm, 1e-4 on WebGL without float32 textures). Keras 2.2's standalone
// Adadelta defaulted to learningRate 1.0.
import { checkHyper, checkKeys, Optimizer, type OptimizerArgs, type SlotSpec, type StepInfo } from './optimizer.js';

export interface AdagradArgs extends OptimizerArgs {
  /** The accumulators' starting value, >= 0. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the accumulator under the root. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad: acc += g^2; p -= lr * g / sqrt(acc + epsilon).
 * @example
 * const opt = new sg.Adagrad({ learningRate: 0.1 });
 */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  protected readonly opName = 'adagrad';
  protected readonly kernelName = 'AdagradUpdate';
  /** Starting value of the accumulators (default 0.1). */
  readonly initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    checkKeys('adagrad', args, ['initialAccumulatorValue', 'epsilon']);
    super('adagrad', args, 0.001, 'adagrad');
    this.initialAccumulatorValue = checkHyper(
      'adagrad',
      'initialAccumulatorValue',
      args.initialAccumulatorValue ?? 0.1,
      {
        min: 0,
      },
    );
    this.epsilon = checkHyper('adagrad', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  // Slot name as tfjs's AdagradOptimizer.
  protected slotSpecs(): SlotSpec[] {
    return [{ name: 'accumulator', init: this.initialAccumulatorValue }];
  }

  protected stepAttrs(_step: StepInfo): Record<string, unknown> {
    return { epsilon: this.epsilon };
  }

  protected specificConfig(): Record<string, unknown> {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

export interface AdadeltaArgs extends OptimizerArgs {
  /** Decay of the running averages, in [0, 1]. Default 0.95. */
  rho?: number;
  /** Added under both roots. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adadelta: ag = rho ag + (1 - rho) g^2; delta = -sqrt(ad + eps) g / sqrt(ag + eps);
 * ad = rho ad + (1 - rho) delta^2; p += lr * delta.
 * @example
 * const opt = new sg.Adadelta({ learningRate: 1.0 });
 */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  protected readonly opName = 'adadelta';
  protected readonly kernelName = 'AdadeltaUpdate';
  /** Decay rate of the running averages (default 0.95). */
  readonly rho: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;

  constructor(args: AdadeltaArgs = {}) {
    checkKeys('adadelta', args, ['rho', 'epsilon']);
    super('adadelta', args, 0.001, 'adadelta');
    this.rho = checkHyper('adadelta', 'rho', args.rho ?? 0.95, { min: 0, max: 1 });
    this.epsilon = checkHyper('adadelta', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
  }

  // Slot names as tfjs's AdadeltaOptimizer.
  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'accum_grad', init: 0 },
      { name: 'accum_var', init: 0 },
    ];
  }

  protected stepAttrs(_step: StepInfo): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }

  protected specificConfig(): Record<string, unknown> {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

/**
 * An Adagrad optimizer (Keras defaults: learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.adagrad({ learningRate: 0.1 });
 */
export function adagrad(args: AdagradArgs = {}): Adagrad {
  return new Adagrad(args);
}

/**
 * An Adadelta optimizer (Keras defaults: learningRate 0.001, rho 0.95, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.adadelta({ learningRate: 1.0 });
 */
export function adadelta(args: AdadeltaArgs = {}): Adadelta {
  return new Adadelta(args);
}
