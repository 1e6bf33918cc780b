// Learning-rate schedules (Keras' keras.optimizers.schedules): a function of the optimizer's
// step count (`iterations`, the number of updates applied so far) giving the learning rate of
// the next update. An optimizer evaluates its schedule once per step on the JS side, in float64,
// and passes the value to its fused update kernel as a scalar.

/**
 * The base class of learning-rate schedules. Subclass it (implement `call`, `getConfig` and
 * `className`) for a custom schedule.
 * @example
 * class Halving extends sg.schedules.LearningRateSchedule {
 *   readonly className = 'Halving';
 *   call(step: number) { return 0.1 / 2 ** Math.floor(step / 100); }
 *   getConfig() { return {}; }
 * }
 * const opt = sg.optimizers.sgd({ learningRate: new Halving() });
 */
export abstract class LearningRateSchedule {
  /** The Keras class name, used by serialization. */
  abstract readonly className: string;
  /** The learning rate at optimizer step `step` (0 for the first update). */
  abstract call(step: number): number;
  /** The Keras config (snake_case keys). */
  abstract getConfig(): Record<string, unknown>;
}

function checkArg(op: string, arg: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) {
    throw new Error(`${op}: argument '${arg}' must be ${want} but is ${String(v)}`);
  }
  return v;
}
const finiteNonNeg = (x: number) => Number.isFinite(x) && x >= 0;
const finitePos = (x: number) => Number.isFinite(x) && x > 0;

/** Options of {@link ExponentialDecay}: lr = initialLearningRate * decayRate ^ (step / decaySteps). */
export interface ExponentialDecayArgs {
  /** The learning rate at step 0. */
  initialLearningRate: number;
  /** Steps per decay period (> 0). */
  decaySteps: number;
  /** The factor per decay period. */
  decayRate: number;
  /** Decay in discrete intervals: the exponent is floor(step / decaySteps). Default false. */
  staircase?: boolean;
  /** The schedule's name (Keras' `name`). */
  name?: string;
}

/**
 * lr(step) = initialLearningRate * decayRate ^ (step / decaySteps) (floored exponent if staircase).
 * @example
 * const lr = sg.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 });
 * lr.call(1000); // 0.096
 */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  /** The learning rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps per decay period. */
  readonly decaySteps: number;
  /** The factor per decay period. */
  readonly decayRate: number;
  /** Whether the decay is applied in whole periods (a step function). */
  readonly staircase: boolean;
  /** The schedule's name. */
  readonly name: string;

  constructor(args: ExponentialDecayArgs) {
    super();
    const op = 'exponentialDecay';
    this.initialLearningRate = checkArg(
      op,
      'initialLearningRate',
      args.initialLearningRate,
      finiteNonNeg,
      'a finite number >= 0',
    );
    this.decaySteps = checkArg(op, 'decaySteps', args.decaySteps, finitePos, 'a finite number > 0');
    this.decayRate = checkArg(op, 'decayRate', args.decayRate, finiteNonNeg, 'a finite number >= 0');
    this.staircase = !!args.staircase;
    this.name = args.name ?? 'ExponentialDecay';
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/** Options of {@link InverseTimeDecay}: lr = initialLearningRate / (1 + decayRate * step / decaySteps). */
export interface InverseTimeDecayArgs {
  /** The learning rate at step 0. */
  initialLearningRate: number;
  /** Steps per decay period (> 0). */
  decaySteps: number;
  /** The decay rate. */
  decayRate: number;
  /** Decay in discrete intervals: floor(step / decaySteps). Default false. */
  staircase?: boolean;
  /** The schedule's name (Keras' `name`). */
  name?: string;
}

/**
 * lr(step) = initialLearningRate / (1 + decayRate * step / decaySteps) (floored ratio if staircase).
 * @example
 * const lr = sg.schedules.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
 * lr.call(2); // 0.05
 */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  /** The learning rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps per decay period. */
  readonly decaySteps: number;
  /** The decay rate: lr = initial / (1 + decayRate * step / decaySteps). */
  readonly decayRate: number;
  /** Whether the decay is applied in whole periods (a step function). */
  readonly staircase: boolean;
  /** The schedule's name. */
  readonly name: string;

  constructor(args: InverseTimeDecayArgs) {
    super();
    const op = 'inverseTimeDecay';
    this.initialLearningRate = checkArg(
      op,
      'initialLearningRate',
      args.initialLearningRate,
      finiteNonNeg,
      'a finite number >= 0',
    );
    this.decaySteps = checkArg(op, 'decaySteps', args.decaySteps, finitePos, 'a finite number > 0');
    this.decayRate = checkArg(op, 'decayRate', args.decayRate, finiteNonNeg, 'a finite number >= 0');
    this.staircase = !!args.staircase;
    this.name = args.name ?? 'InverseTimeDecay';
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initial_learning_rate: this.initialLearningRate,
      decay_steps: this.decaySteps,
      decay_rate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/** Options of {@link PiecewiseConstantDecay}: values[i] until boundaries[i], then the next value. */
export interface PiecewiseConstantDecayArgs {
  /** Increasing step boundaries. */
  boundaries: number[];
  /** The learning rates: one more than there are boundaries. */
  values: number[];
  /** The schedule's name (Keras' `name`). */
  name?: string;
}

/**
 * A piecewise-constant learning rate: values[0] while step <= boundaries[0], values[i] while
 * boundaries[i-1] < step <= boundaries[i], and the last value after the last boundary (Keras).
 * @example
 * const lr = sg.schedules.piecewiseConstantDecay({ boundaries: [100, 200], values: [0.1, 0.01, 0.001] });
 * lr.call(150); // 0.01
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  /** The steps at which the value changes, increasing. */
  readonly boundaries: number[];
  /** The learning rates: one more than the boundaries. */
  readonly values: number[];
  /** The schedule's name. */
  readonly name: string;

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const op = 'piecewiseConstantDecay';
    if (!Array.isArray(args.boundaries) || !Array.isArray(args.values)) {
      throw new Error(`${op}: 'boundaries' and 'values' must be arrays of numbers`);
    }
    if (args.values.length !== args.boundaries.length + 1) {
      throw new Error(
        `${op}: 'values' must have one more element than 'boundaries' ` +
          `(got ${args.values.length} values for ${args.boundaries.length} boundaries)`,
      );
    }
    args.boundaries.forEach((b, i) => {
      checkArg(op, `boundaries[${i}]`, b, Number.isFinite, 'a finite number');
      if (i > 0 && !(b > args.boundaries[i - 1])) {
        throw new Error(`${op}: 'boundaries' must be strictly increasing but has ${args.boundaries[i - 1]} then ${b}`);
      }
    });
    args.values.forEach((v, i) => checkArg(op, `values[${i}]`, v, finiteNonNeg, 'a finite number >= 0'));
    this.boundaries = args.boundaries.slice();
    this.values = args.values.slice();
    this.name = args.name ?? 'PiecewiseConstant';
  }

  call(step: number): number {
    for (let i = 0; i < this.boundaries.length; i++) if (step <= this.boundaries[i]) return this.values[i];
    return this.values[this.values.length - 1];
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: this.boundaries.slice(), values: this.values.slice(), name: this.name };
  }
}

/** An exponentially decaying learning rate; see `ExponentialDecay`. */
export function exponentialDecay(args: ExponentialDecayArgs): ExponentialDecay {
  return new ExponentialDecay(args);
}

/** An inverse-time decaying learning rate; see `InverseTimeDecay`. */
export function inverseTimeDecay(args: InverseTimeDecayArgs): InverseTimeDecay {
  return new InverseTimeDecay(args);
}

/** A piecewise-constant learning rate; see `PiecewiseConstantDecay`. */
export function piecewiseConstantDecay(args: PiecewiseConstantDecayArgs): PiecewiseConstantDecay {
  return new PiecewiseConstantDecay(args);
}

/** Snake_case Keras config keys to this file's camelCase argument names. */
function camelKeys(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())] = v;
  return out;
}

/**
 * A schedule from its serialized form `{className, config}` (Keras' `class_name` accepted too;
 * config keys in snake_case or camelCase).
 * @example
 * const s = sg.schedules.deserializeSchedule({ className: 'ExponentialDecay',
 *   config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 } });
 */
export function deserializeSchedule(spec: {
  className?: string;
  class_name?: string;
  config?: Record<string, unknown>;
}): LearningRateSchedule {
  const name = spec.className ?? spec.class_name;
  const config = camelKeys(spec.config ?? {});
  switch (name) {
    case 'ExponentialDecay':
      return new ExponentialDecay(config as unknown as ExponentialDecayArgs);
    case 'InverseTimeDecay':
      return new InverseTimeDecay(config as unknown as InverseTimeDecayArgs);
    case 'PiecewiseConstantDecay':
      return new PiecewiseConstantDecay(config as unknown as PiecewiseConstantDecayArgs);
    default:
      throw new Error(
        `Unknown learning-rate schedule '${String(name)}'. ` +
          `Known schedules: ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay.`,
      );
  }
}

/** A schedule's serialized form, `{className, config}`. */
export function serializeSchedule(s: LearningRateSchedule): { className: string; config: Record<string, unknown> } {
  return { className: s.className, config: s.getConfig() };
}
