// The Adam family, Keras 3 semantics: Adam (with AMSGrad), AdamW (Adam with decoupled weight
// decay), Adamax and Nadam, each one fused in-place kernel per variable per step. The bias
// corrections (and Nadam's momentum-schedule products) are computed here once per step in
// float64 and passed to the kernel as scalars.
//
// Porting note (Adam epsilon): Keras adds epsilon to sqrt(v) before the bias correction
// ("epsilon hat" of Kingma & Ba), p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps);
// tf.train.adam adds it after: p -= lr * mhat / (sqrt(vhat) + eps). The two agree when eps is
// small against sqrt(v). tfjs's default epsilon is the backend's epsilon (1e-7 on cpu/wasm, 1e-4
// on WebGL without float32 textures; older tfjs docs say 1e-8); simdgrad's is Keras' 1e-7.
// Porting note (Adamax): tf.train.adamax defaults to learningRate 0.002 (Keras 3: 0.001) and takes
// an inverse-time `decay` (here the common `decay` option); its formula is Keras'.
// tfjs has no AdamW, AMSGrad or Nadam.
import { checkOptions } from '../utils/options.js';
import { checkHyper, checkKeys, Optimizer, type OptimizerArgs, type SlotSpec, type StepInfo } from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  /** Decay of the first-moment average, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v) ("epsilon hat"). Default 1e-7. */
  epsilon?: number;
  /** Use the running maximum of v (AMSGrad). Default false. */
  amsgrad?: boolean;
}

const ADAM_KEYS = ['beta1', 'beta2', 'epsilon', 'amsgrad'];

function betas(op: string, args: { beta1?: number; beta2?: number; epsilon?: number }) {
  return {
    beta1: checkHyper(op, 'beta1', args.beta1 ?? 0.9, { min: 0, max: 1, maxOpen: true }),
    beta2: checkHyper(op, 'beta2', args.beta2 ?? 0.999, { min: 0, max: 1, maxOpen: true }),
    epsilon: checkHyper(op, 'epsilon', args.epsilon ?? 1e-7, { min: 0 }),
  };
}

/**
 * Adam: m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
 * p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon).
 * @example
 * const opt = new sg.Adam({ learningRate: 0.01, amsgrad: true });
 */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  protected readonly opName: string = 'adam';
  protected readonly kernelName = 'AdamUpdate';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the second-moment estimate (default 0.999). */
  readonly beta2: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;
  /** Whether the AMSGrad variant (the maximum of past second moments) is used. */
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}, op = 'adam', defaultName = 'adam') {
    checkKeys(op, args, ADAM_KEYS);
    super(op, args, 0.001, defaultName);
    const b = betas(op, args);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
    this.amsgrad = !!args.amsgrad;
  }

  // Slot names as tfjs's AdamOptimizer ('m', 'v'); 'vhat' for AMSGrad.
  protected slotSpecs(): SlotSpec[] {
    const s = [
      { name: 'm', init: 0 },
      { name: 'v', init: 0 },
    ];
    if (this.amsgrad) s.push({ name: 'vhat', init: 0 });
    return s;
  }

  protected stepAttrs({ lr, t }: StepInfo): Record<string, unknown> {
    const alpha = (lr * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    return { alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }

  protected specificConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), as Keras 3: before each update
 * p -= p * weightDecay * lr (default weightDecay 0.004). The decay is fused into Adam's kernel.
 * @example
 * const opt = new sg.AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Adam {
  override readonly className: string = 'AdamW';
  protected override readonly opName: string = 'adamw';

  constructor(args: AdamArgs = {}) {
    checkOptions('adamw', args);
    if (args.weightDecay === null)
      throw new Error(`adamw: argument 'weightDecay' must be a finite number >= 0 but is null`);
    super({ ...args, weightDecay: args.weightDecay ?? 0.004 }, 'adamw', 'adamw');
  }
}

export interface AdamaxArgs extends OptimizerArgs {
  /** Decay of the first-moment average, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the infinity norm, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the infinity norm. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adamax (Adam with the infinity norm): m += (g - m)(1 - beta1); u = max(beta2 * u, |g|);
 * p -= lr * m / ((1 - beta1^t) * (u + epsilon)).
 * @example
 * const opt = new sg.Adamax({ learningRate: 0.002 });
 */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  protected readonly opName = 'adamax';
  protected readonly kernelName = 'AdamaxUpdate';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the exponentially weighted infinity norm (default 0.999). */
  readonly beta2: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;

  constructor(args: AdamaxArgs = {}) {
    checkKeys('adamax', args, ['beta1', 'beta2', 'epsilon']);
    super('adamax', args, 0.001, 'adamax');
    const b = betas('adamax', args);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
  }

  // Slot names as tfjs's AdamaxOptimizer ('m', 'v' for the infinity norm u).
  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'm', init: 0 },
      { name: 'v', init: 0 },
    ];
  }

  protected stepAttrs({ t }: StepInfo): Record<string, unknown> {
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      biasCorrection1: 1 - Math.pow(this.beta1, t),
    };
  }

  protected specificConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

/** Options of {@link Nadam}: the same as Adamax's. */
export type NadamArgs = AdamaxArgs;

/**
 * Nadam (Adam with Nesterov momentum, Dozat 2016) with Keras' momentum schedule
 * mu_t = beta1 * (1 - 0.5 * 0.96^t):
 * mhat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) g / (1 - prod_{i<=t} mu_i);
 * p -= lr * mhat / (sqrt(v / (1 - beta2^t)) + epsilon).
 * @example
 * const opt = new sg.Nadam({ learningRate: 0.002 });
 */
export class Nadam extends Optimizer {
  readonly className = 'Nadam';
  protected readonly opName = 'nadam';
  protected readonly kernelName = 'NadamUpdate';
  /** Decay rate of the first-moment estimate (default 0.9). */
  readonly beta1: number;
  /** Decay rate of the second-moment estimate (default 0.999). */
  readonly beta2: number;
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number;
  /** prod_{i<=t} mu_i for the last t asked for (recomputed when iterations are set). */
  private cache = { t: 0, prod: 1 };

  constructor(args: NadamArgs = {}) {
    checkKeys('nadam', args, ['beta1', 'beta2', 'epsilon']);
    super('nadam', args, 0.001, 'nadam');
    const b = betas('nadam', args);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.epsilon = b.epsilon;
  }

  private mu(t: number): number {
    return this.beta1 * (1 - 0.5 * Math.pow(0.96, t));
  }

  /**
   * prod_{i<=t} mu_i. Why derived from t rather than kept as state (Keras keeps a u_product
   * variable): a pure function of `iterations` needs no checkpoint entry and stays right when
   * `iterations` is set or restored.
   */
  private muProduct(t: number): number {
    let { t: ct, prod } = this.cache;
    if (ct > t) ((ct = 0), (prod = 1));
    for (; ct < t;) prod *= this.mu(++ct);
    this.cache = { t: ct, prod };
    return prod;
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'm', init: 0 },
      { name: 'v', init: 0 },
    ];
  }

  protected stepAttrs({ t }: StepInfo): Record<string, unknown> {
    const muT = this.mu(t);
    const muNext = this.mu(t + 1);
    const prodT = this.muProduct(t);
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      c1: muNext / (1 - prodT * muNext),
      c2: (1 - muT) / (1 - prodT),
      biasCorrection2: 1 - Math.pow(this.beta2, t),
    };
  }

  protected specificConfig(): Record<string, unknown> {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * An Adam optimizer (Keras defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.adam({ learningRate: 0.01 });
 * opt.minimize(() => sg.sum(sg.square(w)));
 */
export function adam(args: AdamArgs = {}): Adam {
  return new Adam(args);
}

/**
 * An AdamW optimizer (Adam defaults plus weightDecay 0.004).
 * @example
 * const opt = sg.optimizers.adamw({ learningRate: 1e-3, weightDecay: 0.01 });
 */
export function adamw(args: AdamArgs = {}): AdamW {
  return new AdamW(args);
}

/**
 * An Adamax optimizer (Keras defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.adamax();
 */
export function adamax(args: AdamaxArgs = {}): Adamax {
  return new Adamax(args);
}

/**
 * A Nadam optimizer (Keras defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7).
 * @example
 * const opt = sg.optimizers.nadam({ learningRate: 0.002 });
 */
export function nadam(args: NadamArgs = {}): Nadam {
  return new Nadam(args);
}
