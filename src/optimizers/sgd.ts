// SGD with optional (Nesterov) momentum, Keras 3 semantics, as one fused 'SgdUpdate' kernel.
//
// Porting note (tfjs): tf.train.sgd / tf.train.momentum accumulate a = momentum * a + g and step
// p -= lr * a; Keras keeps a velocity m = momentum * m - lr * g and steps p += m. With a constant
// learning rate the two agree (m = -lr * a); with a schedule they differ, because Keras' velocity
// keeps each past step's own learning rate. simdgrad follows Keras. tfjs's `useNesterov` is
// `nesterov` here.
import { checkHyper, checkKeys, Optimizer, type OptimizerArgs, type SlotSpec, type StepInfo } from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  /** Momentum in [0, 1]; 0 (the default) is plain SGD with no slot variable. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent: p -= lr * g, or with momentum m = momentum * m - lr * g; p += m
 * (Nesterov: p += momentum * m - lr * g).
 * @example
 * const opt = new sg.SGD({ learningRate: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  protected readonly opName = 'sgd';
  protected readonly kernelName = 'SgdUpdate';
  /** Momentum (default 0: plain SGD). */
  readonly momentum: number;
  /** Whether Nesterov momentum is used. */
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    checkKeys('sgd', args, ['momentum', 'nesterov']);
    super('sgd', args, 0.01, 'SGD');
    this.momentum = checkHyper('sgd', 'momentum', args.momentum ?? 0, { min: 0, max: 1 });
    this.nesterov = !!args.nesterov;
  }

  protected slotSpecs(): SlotSpec[] {
    return this.momentum > 0 ? [{ name: 'momentum', init: 0 }] : [];
  }

  protected stepAttrs(_step: StepInfo): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }

  protected specificConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/**
 * An SGD optimizer (Keras defaults: learningRate 0.01, momentum 0, nesterov false).
 * @example
 * const opt = sg.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * opt.minimize(() => sg.sum(sg.square(w)));
 */
export function sgd(args: SGDArgs = {}): SGD {
  return new SGD(args);
}
