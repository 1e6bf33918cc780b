// The optimizers of the Keras surface: factories (`optimizers.adam({...})`), lookup by name or
// config (`getOptimizer('rmsprop')`, Keras and tfjs-layers spellings, with "did you mean"
// suggestions), learning-rate schedules, and a tfjs-core compatible `train` object whose
// positional arguments and defaults are tfjs's.
import { NameRegistry, toCamelCase } from '../utils/names.js';
import { Adadelta, Adagrad, adadelta, adagrad, type AdadeltaArgs, type AdagradArgs } from './adagrad.js';
import { Adam, Adamax, AdamW, Nadam, adam, adamax, adamw, nadam, type AdamArgs, type AdamaxArgs } from './adam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop, rmsprop, type RMSpropArgs } from './rmsprop.js';
import {
  deserializeSchedule,
  exponentialDecay,
  ExponentialDecay,
  inverseTimeDecay,
  InverseTimeDecay,
  LearningRateSchedule,
  piecewiseConstantDecay,
  PiecewiseConstantDecay,
} from './schedules.js';
import { SGD, sgd, type SGDArgs } from './sgd.js';

export { Optimizer, type NamedTensor, type NamedGradients, type OptimizerArgs } from './optimizer.js';
export { SGD, sgd, type SGDArgs } from './sgd.js';
export { RMSprop, rmsprop, type RMSpropArgs } from './rmsprop.js';
export {
  Adam,
  AdamW,
  Adamax,
  Nadam,
  adam,
  adamw,
  adamax,
  nadam,
  type AdamArgs,
  type AdamaxArgs,
  type NadamArgs,
} from './adam.js';
export { Adagrad, Adadelta, adagrad, adadelta, type AdagradArgs, type AdadeltaArgs } from './adagrad.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  InverseTimeDecay,
  PiecewiseConstantDecay,
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  deserializeSchedule,
  serializeSchedule,
  type ExponentialDecayArgs,
  type InverseTimeDecayArgs,
  type PiecewiseConstantDecayArgs,
} from './schedules.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Factory = (args: any) => Optimizer;

/**
 * Names by canonical (Keras string identifier) name; aliases are the Keras class names and the
 * tfjs-layers spellings. Lookup ignores case and '_', so Keras' snake_case class names
 * ('adam_w', 'rm_sprop') match too.
 */
const REGISTRY = new NameRegistry<Factory>('optimizer');
REGISTRY.register('sgd', sgd, ['SGD']);
REGISTRY.register('rmsprop', rmsprop, ['RMSprop', 'RMSProp']);
REGISTRY.register('adam', adam, ['Adam']);
REGISTRY.register('adamw', adamw, ['AdamW']);
REGISTRY.register('adagrad', adagrad, ['Adagrad']);
REGISTRY.register('adadelta', adadelta, ['Adadelta']);
REGISTRY.register('adamax', adamax, ['Adamax']);
REGISTRY.register('nadam', nadam, ['Nadam']);

/** Keras config keys with no simdgrad counterpart, accepted when they hold their default. */
const IGNORED_DEFAULTS: Record<string, unknown[]> = {
  useEma: [false],
  emaMomentum: [],
  emaOverwriteFrequency: [null],
  lossScaleFactor: [null],
  gradientAccumulationSteps: [null],
  jitCompile: [],
  isLegacyOptimizer: [false],
};

/** A serialized optimizer: Keras' `{class_name, config}` or tfjs-layers' `{className, config}`. */
export interface OptimizerSpec {
  /** The class name, tfjs-layers' spelling ('Adam'). */
  className?: string;
  /** The class name, Keras' spelling ('Adam'). */
  class_name?: string;
  /** The optimizer's arguments (Keras' snake_case or camelCase keys). */
  config?: Record<string, unknown>;
}

/** Keras / tfjs config (snake_case or camelCase) to the factories' camelCase arguments. */
function argsFromConfig(className: string, config: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const k = toCamelCase(key);
    if (k in IGNORED_DEFAULTS) {
      const allowed = IGNORED_DEFAULTS[k];
      if (allowed.length > 0 && !allowed.includes(value)) {
        throw new Error(`getOptimizer: ${className} config option '${key}' = ${String(value)} is not supported`);
      }
      continue;
    }
    args[k === 'lr' ? 'learningRate' : k] = value;
  }
  // tfjs-core spellings: RMSProp's `decay` is rho; Momentum's `useNesterov` is nesterov.
  if (className === 'RMSProp' && 'decay' in args) {
    args.rho = args.decay;
    delete args.decay;
  }
  if ('useNesterov' in args) {
    args.nesterov = args.useNesterov;
    delete args.useNesterov;
  }
  const lr = args.learningRate;
  if (lr !== null && typeof lr === 'object' && !(lr instanceof LearningRateSchedule)) {
    args.learningRate = deserializeSchedule(lr as OptimizerSpec);
  }
  return args;
}

/** What `getOptimizer` (and `model.compile({optimizer})`) accepts. */
export type OptimizerIdentifier = string | Optimizer | OptimizerSpec;

/**
 * An optimizer from a name, an instance (returned as is) or a serialized config. Names follow
 * Keras ('rmsprop', 'adam', 'sgd', 'adamw', 'nadam', ...) and accept the class names ('RMSprop',
 * 'AdamW'), tfjs-layers' ('RMSProp') and snake_case; unknown names throw with the closest name.
 * String identifiers get Keras' defaults.
 * @example
 * const a = sg.getOptimizer('rmsprop');
 * const b = sg.getOptimizer({ className: 'Adam', config: { learning_rate: 0.01, beta_1: 0.8 } });
 * sg.getOptimizer('rmsporp'); // Error: Unknown optimizer 'rmsporp'. Did you mean 'rmsprop'?
 */
export function getOptimizer(identifier: OptimizerIdentifier): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') return REGISTRY.get(identifier)({});
  if (identifier !== null && typeof identifier === 'object') {
    const className = identifier.className ?? identifier.class_name;
    if (typeof className !== 'string') {
      throw new Error('getOptimizer: a serialized optimizer needs a string className (or class_name) and a config');
    }
    const config = identifier.config ?? {};
    if (className === 'Momentum') return sgd(argsFromConfig(className, config) as SGDArgs);
    return REGISTRY.get(className)(argsFromConfig(className, config));
  }
  throw new Error(`getOptimizer: expected a name, an Optimizer or {className, config} but got ${String(identifier)}`);
}

/**
 * An optimizer's serialized form `{className, config}` (Keras config keys), which
 * `getOptimizer` turns back into an equal optimizer.
 * @example
 * const copy = sg.getOptimizer(sg.serializeOptimizer(opt));
 */
export function serializeOptimizer(opt: Optimizer): { className: string; config: Record<string, unknown> } {
  return { className: opt.className, config: opt.getConfig() };
}

/** The canonical optimizer names, in Keras' string-identifier spelling. */
export function optimizerNames(): string[] {
  return REGISTRY.names.slice();
}

/**
 * Learning-rate schedules, as `keras.optimizers.schedules`.
 * @namespace
 * @example
 * const lr = sg.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.9 });
 * const opt = sg.optimizers.sgd({ learningRate: lr });
 */
export const schedules = {
  exponentialDecay,
  inverseTimeDecay,
  piecewiseConstantDecay,
  deserialize: deserializeSchedule,
  /** The base class of the schedules. */
  LearningRateSchedule,
  /** The {@link ExponentialDecay} class. */
  ExponentialDecay,
  /** The {@link InverseTimeDecay} class. */
  InverseTimeDecay,
  /** The {@link PiecewiseConstantDecay} class. */
  PiecewiseConstantDecay,
};

/**
 * The optimizers by their Keras names, with Keras' options and defaults (as `keras.optimizers`).
 * @namespace
 * @example
 * const opt = sg.optimizers.adam({ learningRate: 0.01 });
 * const same = sg.optimizers.get('adam');
 */
export const optimizers = {
  sgd,
  rmsprop,
  adam,
  adamw,
  adagrad,
  adadelta,
  adamax,
  nadam,
  get: getOptimizer,
  serialize: serializeOptimizer,
  /** The optimizer a serialized spec describes (Keras' `optimizers.deserialize`). */
  deserialize: (spec: OptimizerSpec) => getOptimizer(spec),
  schedules,
  /** The base class, {@link Optimizer}. */
  Optimizer,
  /** The {@link SGD} class. */
  SGD,
  /** The {@link RMSprop} class. */
  RMSprop,
  /** The {@link Adam} class. */
  Adam,
  /** The {@link AdamW} class. */
  AdamW,
  /** The {@link Adagrad} class. */
  Adagrad,
  /** The {@link Adadelta} class. */
  Adadelta,
  /** The {@link Adamax} class. */
  Adamax,
  /** The {@link Nadam} class. */
  Nadam,
};

/** tfjs's default epsilon: the backend's epsilon, 1e-7 on float32 backends (cpu, wasm). */
const TFJS_EPSILON = 1e-7;

/**
 * tfjs-core's `tf.train`: the same positional arguments and defaults, returning simdgrad
 * optimizers (Keras formulas; see the porting notes in each optimizer's file). tfjs's
 * `epsilon = null` means the backend's epsilon, 1e-7 here.
 * @namespace
 * @example
 * const opt = sg.train.adam(0.01);          // as tf.train.adam(0.01)
 * const mom = sg.train.momentum(0.1, 0.9);  // as tf.train.momentum(0.1, 0.9)
 */
export const train = {
  /** tf.train.sgd(learningRate). */
  sgd: (learningRate: number): SGD => new SGD({ learningRate }),
  /** tf.train.momentum(learningRate, momentum, useNesterov = false). */
  momentum: (learningRate: number, momentum: number, useNesterov = false): SGD => {
    if (momentum === undefined) throw new Error(`train.momentum: argument 'momentum' is required`);
    return new SGD({ learningRate, momentum, nesterov: useNesterov });
  },
  /** tf.train.rmsprop(learningRate, decay = 0.9, momentum = 0, epsilon = null, centered = false); `decay` is rho. */
  rmsprop: (
    learningRate: number,
    decay = 0.9,
    momentum = 0,
    epsilon: number | null = null,
    centered = false,
  ): RMSprop =>
    new RMSprop({ learningRate, rho: decay, momentum, epsilon: epsilon ?? TFJS_EPSILON, centered } as RMSpropArgs),
  /** tf.train.adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = null). */
  adam: (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): Adam =>
    new Adam({ learningRate, beta1, beta2, epsilon: epsilon ?? TFJS_EPSILON } as AdamArgs),
  /** tf.train.adagrad(learningRate, initialAccumulatorValue = 0.1). */
  adagrad: (learningRate: number, initialAccumulatorValue = 0.1): Adagrad =>
    new Adagrad({ learningRate, initialAccumulatorValue, epsilon: TFJS_EPSILON } as AdagradArgs),
  /** tf.train.adadelta(learningRate = 0.001, rho = 0.95, epsilon = null). */
  adadelta: (learningRate = 0.001, rho = 0.95, epsilon: number | null = null): Adadelta =>
    new Adadelta({ learningRate, rho, epsilon: epsilon ?? TFJS_EPSILON } as AdadeltaArgs),
  /** tf.train.adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = null, decay = 0). */
  adamax: (learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null, decay = 0): Adamax =>
    new Adamax({ learningRate, beta1, beta2, epsilon: epsilon ?? TFJS_EPSILON, decay } as AdamaxArgs),
};
