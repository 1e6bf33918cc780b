/**
 * Keras weight constraints (keras.constraints): projections applied to a weight after each
 * optimizer step. Each is an object with apply(w) -> new tensor and getConfig(); getConstraint
 * resolves names and configs.
 * @module
 */
import { type Shape, fmt, normAxis } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, greaterEqual, mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { sum } from '../ops/reduce.js';
import { tidy } from '../ops/scope.js';
import { clipByValue, sqrt, square } from '../ops/unary.js';
import { toTensor } from '../ops/util.js';
import { NameRegistry, toCamelCase } from '../utils/names.js';
import { checkOptions } from '../utils/options.js';

/** Keras' backend epsilon, added to norms before dividing. */
const EPSILON = 1e-7;

/** A serialized constraint ({ className: 'MaxNorm', config: { maxValue: 2, axis: 0 } }). */
export interface ConstraintConfig {
  /** The Keras class name ('MaxNorm'). */
  className: string;
  /** The constructor's arguments, as `getConfig()` returns them. */
  config?: Record<string, unknown>;
}

/** A projection of a weight: `apply(w)` returns the constrained weight as a new tensor. */
export interface Constraint {
  /** The Keras class name ('MaxNorm', 'NonNeg', 'UnitNorm', 'MinMaxNorm'). */
  readonly className: string;
  /** The constrained weight, as a new tensor (the caller owns it; `w` is not changed). */
  apply(w: Tensor): Tensor;
  /** The arguments that rebuild this constraint (saved in layer configs). */
  getConfig(): Record<string, unknown>;
}

/** @inline */
type Axis = number | number[];

function checkAxisArg(op: string, axis: unknown): Axis {
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length === 0 || !list.every((a) => Number.isInteger(a))) {
    throw new Error(`${op}: 'axis' must be an integer or an array of integers but is ${JSON.stringify(axis)}`);
  }
  return axis as Axis;
}

function num(op: string, arg: string, v: unknown, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new Error(`${op}: '${arg}' must be a finite number >= ${min} but is ${v}`);
  }
  return v;
}

function floatWeight(op: string, w: Tensor): Tensor {
  const t = toTensor(w, 'w', op);
  if (t.dtype !== 'float32') throw new Error(`${op}: argument 'w' must be float32 but has dtype ${t.dtype}`);
  return t;
}

/** Checks `axis` against the weight's rank before any kernel runs. */
function checkAxes(op: string, axis: Axis, shape: Shape): void {
  for (const a of Array.isArray(axis) ? axis : [axis]) {
    if (shape.length === 0) throw new Error(`${op}: cannot take norms of a scalar weight (shape ${fmt(shape)})`);
    normAxis(op, a, shape.length);
  }
}

const norms = (w: Tensor, axis: Axis) => sqrt(sum(square(w), axis, true));

/**
 * Rescales each slice along `axis` whose L2 norm exceeds `maxValue` back to that norm
 * (defaults: maxValue 2, axis 0: each column of a dense kernel [in, out]).
 * @example constraints.maxNorm({ maxValue: 1 }).apply(w);
 */
export class MaxNorm implements Constraint {
  /** Always 'MaxNorm'. */
  readonly className = 'MaxNorm';
  /** The largest norm allowed (default 2). */
  readonly maxValue: number;
  /** The axis (or axes) the norm is computed over (default 0). */
  readonly axis: Axis;
  constructor(args: { maxValue?: number; axis?: Axis } = {}) {
    this.maxValue = num('MaxNorm', 'maxValue', args.maxValue ?? 2);
    this.axis = checkAxisArg('MaxNorm', args.axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    const t = floatWeight('MaxNorm', w);
    checkAxes('MaxNorm', this.axis, t.shape);
    return tidy(() => {
      const n = norms(t, this.axis);
      const desired = clipByValue(n, 0, this.maxValue);
      return mul(t, div(desired, add(n, EPSILON)));
    });
  }
  getConfig(): Record<string, unknown> {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Zeroes negative weights. @example constraints.nonNeg().apply(sg.tensor([-1, 2])); // [0, 2] */
export class NonNeg implements Constraint {
  /** Always 'NonNeg'. */
  readonly className = 'NonNeg';
  apply(w: Tensor): Tensor {
    const t = floatWeight('NonNeg', w);
    return tidy(() => mul(t, cast(greaterEqual(t, 0), 'float32')));
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Scales each slice along `axis` (default 0) to unit L2 norm. */
export class UnitNorm implements Constraint {
  /** Always 'UnitNorm'. */
  readonly className = 'UnitNorm';
  /** The axis (or axes) the norm is computed over (default 0). */
  readonly axis: Axis;
  constructor(args: { axis?: Axis } = {}) {
    this.axis = checkAxisArg('UnitNorm', args.axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    const t = floatWeight('UnitNorm', w);
    checkAxes('UnitNorm', this.axis, t.shape);
    return tidy(() => div(t, add(norms(t, this.axis), EPSILON)));
  }
  getConfig(): Record<string, unknown> {
    return { axis: this.axis };
  }
}

/**
 * Moves each slice's L2 norm into [minValue, maxValue]: the new norm is
 * rate * clip(norm, minValue, maxValue) + (1 - rate) * norm (defaults 0, 1, rate 1, axis 0).
 */
export class MinMaxNorm implements Constraint {
  /** Always 'MinMaxNorm'. */
  readonly className = 'MinMaxNorm';
  /** The smallest norm allowed (default 0). */
  readonly minValue: number;
  /** The largest norm allowed (default 1). */
  readonly maxValue: number;
  /** How far to move towards the clipped norm: 1 (default) clips exactly. */
  readonly rate: number;
  /** The axis (or axes) the norm is computed over (default 0). */
  readonly axis: Axis;
  constructor(args: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {}) {
    this.minValue = num('MinMaxNorm', 'minValue', args.minValue ?? 0);
    this.maxValue = num('MinMaxNorm', 'maxValue', args.maxValue ?? 1);
    if (this.minValue > this.maxValue) {
      throw new Error(`MinMaxNorm: 'minValue' (${this.minValue}) must be <= 'maxValue' (${this.maxValue})`);
    }
    this.rate = num('MinMaxNorm', 'rate', args.rate ?? 1);
    this.axis = checkAxisArg('MinMaxNorm', args.axis ?? 0);
  }
  apply(w: Tensor): Tensor {
    const t = floatWeight('MinMaxNorm', w);
    checkAxes('MinMaxNorm', this.axis, t.shape);
    return tidy(() => {
      const n = norms(t, this.axis);
      const desired = add(mul(clipByValue(n, this.minValue, this.maxValue), this.rate), mul(n, 1 - this.rate));
      return mul(t, div(desired, add(n, EPSILON)));
    });
  }
  getConfig(): Record<string, unknown> {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

/** @example constraints.maxNorm({ maxValue: 2, axis: 0 }).apply(w); */
export const maxNorm = (args: { maxValue?: number; axis?: Axis } = {}): Constraint => (
  checkOptions('constraints.maxNorm', args, ['maxValue', 'axis']),
  new MaxNorm(args)
);
/** @example constraints.nonNeg().apply(w); */
export const nonNeg = (): Constraint => new NonNeg();
/** @example constraints.unitNorm({ axis: 0 }).apply(w); */
export const unitNorm = (args: { axis?: Axis } = {}): Constraint => (
  checkOptions('constraints.unitNorm', args, ['axis']),
  new UnitNorm(args)
);
/** @example constraints.minMaxNorm({ minValue: 0.5, maxValue: 1 }).apply(w); */
export const minMaxNorm = (
  args: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {},
): Constraint => (
  checkOptions('constraints.minMaxNorm', args, ['minValue', 'maxValue', 'rate', 'axis']),
  new MinMaxNorm(args)
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (args?: any) => Constraint;
const REGISTRY = new NameRegistry<Ctor>('constraint');
REGISTRY.register('max_norm', MaxNorm);
REGISTRY.register('non_neg', NonNeg);
REGISTRY.register('unit_norm', UnitNorm);
REGISTRY.register('min_max_norm', MinMaxNorm);

/** Every registered constraint name. */
export const constraintNames: readonly string[] = REGISTRY.names;

/**
 * Resolves a constraint from a name ('max_norm', 'maxNorm', 'MaxNorm', 'nonneg'...), a config
 * ({ className: 'MaxNorm', config: { max_value: 3 } }), a Constraint (as is) or a function of the
 * weight (wrapped). undefined/null give undefined (unconstrained).
 * @example constraints.getConstraint('non_neg').apply(w);
 */
export function getConstraint(
  identifier?: string | Constraint | ConstraintConfig | ((w: Tensor) => Tensor) | null,
): Constraint | undefined {
  if (identifier === undefined || identifier === null) return undefined;
  if (typeof identifier === 'string') return new (REGISTRY.get(identifier))();
  if (typeof identifier === 'function') {
    const fn = identifier;
    return { className: fn.name || 'custom', apply: (w: Tensor) => tidy(() => fn(w)), getConfig: () => ({}) };
  }
  if (typeof identifier === 'object') {
    if (typeof (identifier as Constraint).apply === 'function') return identifier as Constraint;
    const cfg = identifier as ConstraintConfig & { class_name?: string };
    const name = cfg.className ?? cfg.class_name;
    if (typeof name !== 'string') {
      throw new Error(`getConstraint: a config needs a 'className' string but got ${JSON.stringify(identifier)}`);
    }
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg.config ?? {})) args[toCamelCase(k)] = v;
    return new (REGISTRY.get(name))(args);
  }
  throw new Error(`getConstraint: expected a name, a config or a Constraint but got ${typeof identifier}`);
}

/** { className, config } of a constraint. */
export function serializeConstraint(c: Constraint): ConstraintConfig {
  return { className: c.className, config: c.getConfig() };
}
