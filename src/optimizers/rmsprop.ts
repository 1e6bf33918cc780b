// RMSprop (optionally centered, optionally with momentum), Keras 3 semantics, as one fused
// 'RmspropUpdate' kernel:
//   v = rho * v + (1 - rho) * g^2
//   centered: mg = rho * mg + (1 - rho) * g;  den = v - mg^2 + epsilon;  else den = v + epsilon
//   inc = lr * g / sqrt(den);  momentum > 0: mom = momentum * mom + inc; p -= mom;  else p -= inc
//
// Porting note (epsilon placement): Keras 3 (and Keras 2's optimizer_experimental, and tf.keras
// OptimizerV2 whenever momentum > 0) put epsilon inside the square root, as above. tf.keras
// OptimizerV2 without momentum, and the standalone Keras 2.2 RMSprop, used lr * g / (sqrt(v) + eps)
// instead; the two differ only while v is of the order of epsilon (the first steps of tiny
// gradients). simdgrad follows Keras 3.
// Porting note (tfjs): tf.train.rmsprop(lr, decay, momentum, epsilon, centered) names rho `decay`
// and agrees with Keras 3 when not centered. Its centered form computes sqrt(v - (mg^2 + eps)),
// subtracting epsilon; Keras (and simdgrad) add it. tfjs's default epsilon is the backend's
// (1e-7 on cpu/wasm, 1e-4 on WebGL without float32 textures); here 1e-7 always.
import { checkHyper, checkKeys, Optimizer, type OptimizerArgs, type SlotSpec, type StepInfo } from './optimizer.js';

export interface RMSpropArgs extends OptimizerArgs {
  /** Discount of the mean-square average, in [0, 1]. Default 0.9. */
  rho?: number;
  /** Momentum in [0, 1]. Default 0 (no momentum slot). */
  momentum?: number;
  /** Added to the mean square under the root. Default 1e-7. */
  epsilon?: number;
  /** Normalise by the estimated variance (mean square minus squared mean). Default false. */
  centered?: boolean;
}

/**
 * RMSprop: divides the gradient by a running root mean square of recent gradients.
 * @example
 * const opt = new sg.RMSprop({ learningRate: 0.01, centered: true });
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  protected readonly opName = 'rmsprop';
  protected readonly kernelName = 'RmspropUpdate';
  /** Decay rate of the running average of the squared gradients (default 0.9). */
  readonly rho: number;
  /** Momentum (default 0). */
  readonly momentum: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;
  /** Whether gradients are normalised by their estimated variance (centered RMSprop). */
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    checkKeys('rmsprop', args, ['rho', 'momentum', 'epsilon', 'centered']);
    super('rmsprop', args, 0.001, 'rmsprop');
    this.rho = checkHyper('rmsprop', 'rho', args.rho ?? 0.9, { min: 0, max: 1 });
    this.momentum = checkHyper('rmsprop', 'momentum', args.momentum ?? 0, { min: 0, max: 1 });
    this.epsilon = checkHyper('rmsprop', 'epsilon', args.epsilon ?? 1e-7, { min: 0 });
    this.centered = !!args.centered;
  }

  // Slot names as tfjs's RMSPropOptimizer ('rms', 'momentum', 'mg'), so checkpoints line up.
  protected slotSpecs(): SlotSpec[] {
    const s: SlotSpec[] = [{ name: 'rms', init: 0 }];
    if (this.momentum > 0) s.push({ name: 'momentum', init: 0 });
    if (this.centered) s.push({ name: 'mg', init: 0 });
    return s;
  }

  protected stepAttrs(_step: StepInfo): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }

  protected specificConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/**
 * An RMSprop optimizer (Keras defaults: learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.rmsprop({ learningRate: 0.01 });
 */
export function rmsprop(args: RMSpropArgs = {}): RMSprop {
  return new RMSprop(args);
}
