// tfjs-core's optimizer classes with their positional constructors (`new tf.AdamOptimizer(0.01)`),
// as thin subclasses of simdgrad's optimizers with the arguments tf.train.* maps to (sg.train.*):
// a tfjs program that constructs them directly runs unchanged. Serialization keeps the base
// class names (Adam, SGD...), which tfjs-layers and Keras read.
import { Adam, Adamax, type AdamArgs, type AdamaxArgs } from '../optimizers/adam.js';
import { Adadelta, Adagrad, type AdadeltaArgs, type AdagradArgs } from '../optimizers/adagrad.js';
import { RMSprop, type RMSpropArgs } from '../optimizers/rmsprop.js';
import { SGD } from '../optimizers/sgd.js';

/** tfjs' default epsilon for float32 (its backends' epsilon()). */
const EPS = 1e-7;

/**
 * tfjs' `SGDOptimizer(learningRate)`: plain gradient descent.
 * @example const opt = new sg.SGDOptimizer(0.1);
 */
export class SGDOptimizer extends SGD {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number) {
    super({ learningRate });
  }
}

/**
 * tfjs' `MomentumOptimizer(learningRate, momentum, useNesterov = false)`.
 * @example const opt = new sg.MomentumOptimizer(0.1, 0.9);
 */
export class MomentumOptimizer extends SGD {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, momentum: number, useNesterov = false) {
    if (momentum === undefined) throw new Error(`MomentumOptimizer: argument 'momentum' is required`);
    super({ learningRate, momentum, nesterov: useNesterov });
  }
}

/**
 * tfjs' `RMSPropOptimizer(learningRate, decay = 0.9, momentum = 0, epsilon = null, centered = false)`.
 * @example const opt = new sg.RMSPropOptimizer(0.01);
 */
export class RMSPropOptimizer extends RMSprop {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, decay = 0.9, momentum = 0, epsilon: number | null = null, centered = false) {
    super({ learningRate, rho: decay, momentum, epsilon: epsilon ?? EPS, centered } as RMSpropArgs);
  }
}

/**
 * tfjs' `AdamOptimizer(learningRate, beta1, beta2, epsilon = null)`.
 * @example const opt = new sg.AdamOptimizer(0.01, 0.9, 0.999);
 */
export class AdamOptimizer extends Adam {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number | null = null) {
    super({ learningRate, beta1, beta2, epsilon: epsilon ?? EPS } as AdamArgs);
  }
}

/**
 * tfjs' `AdamaxOptimizer(learningRate, beta1, beta2, epsilon = null, decay = 0)`.
 * @example const opt = new sg.AdamaxOptimizer(0.002, 0.9, 0.999);
 */
export class AdamaxOptimizer extends Adamax {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number | null = null, decay = 0) {
    super({ learningRate, beta1, beta2, epsilon: epsilon ?? EPS, decay } as AdamaxArgs);
  }
}

/**
 * tfjs' `AdagradOptimizer(learningRate, initialAccumulatorValue = 0.1)`.
 * @example const opt = new sg.AdagradOptimizer(0.1);
 */
export class AdagradOptimizer extends Adagrad {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, initialAccumulatorValue = 0.1) {
    super({ learningRate, initialAccumulatorValue, epsilon: EPS } as AdagradArgs);
  }
}

/**
 * tfjs' `AdadeltaOptimizer(learningRate, rho, epsilon = null)`.
 * @example const opt = new sg.AdadeltaOptimizer(0.1, 0.95);
 */
export class AdadeltaOptimizer extends Adadelta {
  /** The arguments in tfjs' order (see the class). */
  constructor(learningRate: number, rho: number, epsilon: number | null = null) {
    super({ learningRate, rho, epsilon: epsilon ?? EPS } as AdadeltaArgs);
  }
}
