/**
 * Keras weight regularizers (keras.regularizers): penalties added to the training loss. Each is an
 * object with apply(x) -> scalar tensor and getConfig(); getRegularizer resolves names and configs.
 * @module
 */
import type { Tensor } from '../engine/tensor.js';
import { add, mul } from '../ops/binary.js';
import { scalar } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { tidy } from '../ops/scope.js';
import { abs, square } from '../ops/unary.js';
import { toTensor } from '../ops/util.js';
import { NameRegistry, toCamelCase } from '../utils/names.js';
import { checkOptions } from '../utils/options.js';

/** A serialized regularizer ({ className: 'L1L2', config: { l1: 0, l2: 0.01 } }). */
export interface RegularizerConfig {
  /** The Keras class name ('L1L2'). */
  className: string;
  /** The constructor's arguments. */
  config?: Record<string, unknown>;
}

/** A weight penalty: `apply(w)` returns a float32 scalar to add to the loss. */
export interface Regularizer {
  /** The Keras class name ('L1L2', 'L1', 'L2'). */
  readonly className: string;
  /** The penalty for weight `x`, a float32 scalar tensor (the caller owns it). */
  apply(x: Tensor): Tensor;
  /** The arguments that rebuild this regularizer (saved in layer configs). */
  getConfig(): Record<string, unknown>;
}

function coefficient(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${op}: '${arg}' must be a finite number >= 0 but is ${v}`);
  }
  return v;
}

/**
 * l1 * sum(|x|) + l2 * sum(x^2).
 * @example new L1L2({ l1: 0.01, l2: 0.001 }).apply(w); // a scalar
 *
 * Porting note: as Keras 2.x/3 and tfjs, the L2 term has no 1/2 factor.
 */
export class L1L2 implements Regularizer {
  /** The Keras class name ('L1L2', or 'L1'/'L2' for the subclasses). */
  readonly className: string;
  /** Coefficient of the L1 term: l1 * sum(|x|). */
  readonly l1: number;
  /** Coefficient of the L2 term: l2 * sum(x^2). */
  readonly l2: number;
  /** `className` is for subclasses (L1, L2), so that errors name them. */
  constructor(args: { l1?: number; l2?: number } = {}, className = 'L1L2') {
    this.className = className;
    this.l1 = coefficient(this.className, 'l1', args.l1 ?? 0);
    this.l2 = coefficient(this.className, 'l2', args.l2 ?? 0);
  }
  apply(x: Tensor): Tensor {
    const t = toTensor(x, 'x', this.className);
    if (t.dtype !== 'float32') {
      throw new Error(`${this.className}: argument 'x' must be float32 but has dtype ${t.dtype}`);
    }
    return tidy(() => {
      let out: Tensor | null = null;
      if (this.l1 !== 0) out = mul(sum(abs(t)), this.l1);
      if (this.l2 !== 0) {
        const p = mul(sum(square(t)), this.l2);
        out = out ? add(out, p) : p;
      }
      return out ?? scalar(0);
    });
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** l1 * sum(|x|) (default l1 0.01). */
export class L1 extends L1L2 {
  constructor(args: { l1?: number } = {}) {
    super({ l1: args.l1 ?? 0.01 }, 'L1');
  }
  override getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

/** l2 * sum(x^2) (default l2 0.01). */
export class L2 extends L1L2 {
  constructor(args: { l2?: number } = {}) {
    super({ l2: args.l2 ?? 0.01 }, 'L2');
  }
  override getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

/**
 * @example regularizers.l1({ l1: 0.01 }).apply(w);
 */
export const l1 = (args: { l1?: number } = {}): Regularizer => (
  checkOptions('regularizers.l1', args, ['l1']),
  new L1(args)
);
/**
 * @example regularizers.l2({ l2: 0.01 }).apply(w);
 */
export const l2 = (args: { l2?: number } = {}): Regularizer => (
  checkOptions('regularizers.l2', args, ['l2']),
  new L2(args)
);
/**
 * Both penalties; like keras.regularizers.l1_l2 and tfjs, each defaults to 0.01.
 * @example regularizers.l1l2({ l1: 0.01, l2: 0.01 }).apply(w);
 */
export const l1l2 = (args: { l1?: number; l2?: number } = {}): Regularizer => (
  checkOptions('regularizers.l1l2', args, ['l1', 'l2']),
  new L1L2({ l1: args.l1 ?? 0.01, l2: args.l2 ?? 0.01 })
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (args?: any) => Regularizer;
const REGISTRY = new NameRegistry<Ctor>('regularizer');
REGISTRY.register('l1', L1);
REGISTRY.register('l2', L2);
REGISTRY.register('l1_l2', L1L2);

/** Every registered regularizer name. */
export const regularizerNames: readonly string[] = REGISTRY.names;

/**
 * Resolves a regularizer from a name ('l1', 'l2', 'l1_l2' / 'L1L2'), a config
 * ({ className: 'L1L2', config: { l1: 0.01 } }), a Regularizer (as is), or a function of the
 * weights returning a scalar (wrapped). undefined/null give undefined (no penalty).
 * Porting note: the name 'l1_l2' builds Keras' L1L2 class, whose coefficients default to 0;
 * pass a config or use `l1l2()` for the 0.01 defaults.
 * @example regularizers.getRegularizer({ className: 'L2', config: { l2: 1e-4 } });
 */
export function getRegularizer(
  identifier?: string | Regularizer | RegularizerConfig | ((x: Tensor) => Tensor) | null,
): Regularizer | undefined {
  if (identifier === undefined || identifier === null) return undefined;
  if (typeof identifier === 'string') return new (REGISTRY.get(identifier))();
  if (typeof identifier === 'function') {
    const fn = identifier;
    return { className: fn.name || 'custom', apply: (x: Tensor) => tidy(() => fn(x)), getConfig: () => ({}) };
  }
  if (typeof identifier === 'object') {
    if (typeof (identifier as Regularizer).apply === 'function') return identifier as Regularizer;
    const cfg = identifier as RegularizerConfig & { class_name?: string };
    const name = cfg.className ?? cfg.class_name;
    if (typeof name !== 'string') {
      throw new Error(`getRegularizer: a config needs a 'className' string but got ${JSON.stringify(identifier)}`);
    }
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg.config ?? {})) args[toCamelCase(k)] = v;
    return new (REGISTRY.get(name))(args);
  }
  throw new Error(`getRegularizer: expected a name, a config or a Regularizer but got ${typeof identifier}`);
}

/** { className, config } of a regularizer. */
export function serializeRegularizer(r: Regularizer): RegularizerConfig {
  return { className: r.className, config: r.getConfig() };
}
