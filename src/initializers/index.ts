/**
 * Keras weight initializers (keras.initializers): objects with apply(shape, dtype) and getConfig(),
 * the Keras fan computation, and getInitializer / serializeInitializer for layer configs.
 * Random ones draw on the host from the seedable Rng (src/engine/random.ts): the same seed gives
 * the same values on every call and every backend.
 * @module
 */
import { ENGINE } from '../engine/engine.js';
import type { DataType } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';
import { fmt, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import {
  fill,
  randomNormal as randomNormalOp,
  randomUniform as randomUniformOp,
  truncatedNormal as truncatedNormalOp,
} from '../ops/creation.js';
import { NameRegistry, normalizeName, toCamelCase } from '../utils/names.js';
import { checkOptions } from '../utils/options.js';

/** A serialized initializer, as Keras writes it (`class_name` is accepted too). */
export interface InitializerConfig {
  /** The Keras class name ('GlorotUniform'). */
  className: string;
  /** The constructor's arguments (`seed: null` when unseeded). */
  config?: Record<string, unknown>;
}

/** A weight initializer: `apply(shape)` makes a new tensor; `getConfig()` describes it. */
export interface Initializer {
  /** The Keras class name ('GlorotUniform'). */
  readonly className: string;
  /** A new tensor of `shape` (float32 by default); the caller owns it. */
  apply(shape: readonly number[], dtype?: DataType): Tensor;
  /** The arguments that rebuild this initializer (saved in layer configs). */
  getConfig(): Record<string, unknown>;
}

function checkShapeArg(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape))
    throw new Error(`${op}: argument 'shape' must be an array of integers but is ${typeof shape}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: invalid shape ${fmt(shape)}: dimensions must be integers >= 0`);
  }
}

function checkFloatDtype(op: string, dtype: DataType): void {
  if (dtype !== 'float32') throw new Error(`${op}: only float32 is supported but dtype is '${dtype}'`);
}

function num(op: string, arg: string, v: unknown, opts: { positive?: boolean; nonNegative?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${op}: '${arg}' must be a finite number but is ${v}`);
  if (opts.positive && !(v > 0)) throw new Error(`${op}: '${arg}' must be > 0 but is ${v}`);
  if (opts.nonNegative && !(v >= 0)) throw new Error(`${op}: '${arg}' must be >= 0 but is ${v}`);
  return v;
}

function seedArg(op: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed))
    throw new Error(`${op}: 'seed' must be an integer but is ${seed}`);
  return seed;
}

/**
 * Keras' fan computation: a dense kernel [in, out] has fanIn = in, fanOut = out; a convolution
 * kernel [...receptiveField, in, out] multiplies both by the receptive field size; rank 1 uses the
 * one dimension for both; a scalar has fans of 1.
 * @example computeFans([3, 3, 32, 64]); // { fanIn: 288, fanOut: 576 }
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = sizeFromShape(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** All zeros. */
export class Zeros implements Initializer {
  readonly className = 'Zeros';
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('Zeros', shape);
    return fill(shape, 0, dtype);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** All ones. */
export class Ones implements Initializer {
  readonly className = 'Ones';
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('Ones', shape);
    return fill(shape, 1, dtype);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Every element `value` (default 0). */
export class Constant implements Initializer {
  readonly className = 'Constant';
  /** The value of every element. */
  readonly value: number;
  constructor(args: { value?: number } = {}) {
    this.value = num('Constant', 'value', args.value ?? 0);
  }
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('Constant', shape);
    return fill(shape, this.value, dtype);
  }
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}

/** Arguments of the normal-distribution initializers (Keras defaults mean 0, stddev 0.05). */
export interface NormalArgs {
  /** Mean of the distribution (default 0). */
  mean?: number;
  /** Standard deviation (default 0.05). */
  stddev?: number;
  /** Seed of the generator: the same seed gives the same values on every call and backend. */
  seed?: number;
}

/** Samples N(mean, stddev^2). */
export class RandomNormal implements Initializer {
  readonly className: string;
  /** Mean of the distribution. */
  readonly mean: number;
  /** Standard deviation. */
  readonly stddev: number;
  /** Seed of the generator, if one was given. */
  readonly seed?: number;
  /** `className` is for subclasses, so that errors name them. */
  constructor(args: NormalArgs = {}, className = 'RandomNormal') {
    this.className = className;
    this.mean = num(this.className, 'mean', args.mean ?? 0);
    this.stddev = num(this.className, 'stddev', args.stddev ?? 0.05, { nonNegative: true });
    this.seed = seedArg(this.className, args.seed);
  }
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg(this.className, shape);
    checkFloatDtype(this.className, dtype);
    return randomNormalOp(shape, this.mean, this.stddev, dtype, this.seed);
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

/** Samples N(mean, stddev^2), redrawing values more than two standard deviations out. */
export class TruncatedNormal extends RandomNormal {
  constructor(args: NormalArgs = {}) {
    super(args, 'TruncatedNormal');
  }
  override apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg(this.className, shape);
    checkFloatDtype(this.className, dtype);
    return truncatedNormalOp(shape, this.mean, this.stddev, dtype, this.seed);
  }
}

/** Samples uniformly from [minval, maxval) (Keras defaults -0.05, 0.05). */
export class RandomUniform implements Initializer {
  readonly className = 'RandomUniform';
  /** Lower bound (inclusive). */
  readonly minval: number;
  /** Upper bound (exclusive). */
  readonly maxval: number;
  /** Seed of the generator, if one was given. */
  readonly seed?: number;
  constructor(args: { minval?: number; maxval?: number; seed?: number } = {}) {
    this.minval = num('RandomUniform', 'minval', args.minval ?? -0.05);
    this.maxval = num('RandomUniform', 'maxval', args.maxval ?? 0.05);
    if (this.minval > this.maxval) {
      throw new Error(`RandomUniform: 'minval' (${this.minval}) must be <= 'maxval' (${this.maxval})`);
    }
    this.seed = seedArg('RandomUniform', args.seed);
  }
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('RandomUniform', shape);
    if (dtype === 'bool') throw new Error(`RandomUniform: dtype bool is not supported`);
    return randomUniformOp(shape, this.minval, this.maxval, dtype, this.seed);
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

/** Which fan VarianceScaling divides by: inputs, outputs, or their mean. */
export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
/** The distribution VarianceScaling samples from. */
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/** Arguments of VarianceScaling; camelCase spellings ('fanIn', 'truncatedNormal') are accepted too. */
export interface VarianceScalingArgs {
  /** Scale of the variance (default 1). */
  scale?: number;
  /** The fan divided by (default 'fan_in'). */
  mode?: FanMode | 'fanIn' | 'fanOut' | 'fanAvg';
  /** The distribution (default 'truncated_normal'). */
  distribution?: Distribution | 'truncatedNormal' | 'untruncatedNormal' | 'normal';
  /** Seed of the generator. */
  seed?: number;
}

/** stddev of a standard normal truncated to [-2, 2]: Keras divides by it to keep the variance. */
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * Samples with variance scale / n, n the fan picked by `mode` (Keras defaults: scale 1, 'fan_in',
 * 'truncated_normal'). 'truncated_normal' uses stddev sqrt(scale / n) / 0.8796 (so the truncated
 * distribution has the requested variance); 'untruncated_normal' stddev sqrt(scale / n);
 * 'uniform' limit sqrt(3 scale / n).
 * @example new VarianceScaling({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: 1 }).apply([784, 256]);
 *
 * Porting note: 'normal' is read as 'truncated_normal' (as Keras 2 did); config values are
 * written in Keras' snake_case ('fan_avg'), keys in camelCase like tfjs-layers.
 */
export class VarianceScaling implements Initializer {
  readonly className: string;
  /** Scale of the variance. */
  readonly scale: number;
  /** The fan divided by. */
  readonly mode: FanMode;
  /** The distribution sampled. */
  readonly distribution: Distribution;
  /** Seed of the generator, if one was given. */
  readonly seed?: number;
  /** `className` is for the presets (GlorotUniform...), so that errors name them. */
  constructor(args: VarianceScalingArgs = {}, className = 'VarianceScaling') {
    this.className = className;
    const op = className;
    this.scale = num(op, 'scale', args.scale ?? 1, { positive: true });
    const mode = normalizeName(String(args.mode ?? 'fan_in'));
    const modes: Record<string, FanMode> = { fanin: 'fan_in', fanout: 'fan_out', fanavg: 'fan_avg' };
    if (!(mode in modes)) {
      throw new Error(`${op}: 'mode' must be 'fan_in', 'fan_out' or 'fan_avg' but is '${args.mode}'`);
    }
    this.mode = modes[mode];
    const dist = normalizeName(String(args.distribution ?? 'truncated_normal'));
    const dists: Record<string, Distribution> = {
      truncatednormal: 'truncated_normal',
      normal: 'truncated_normal',
      untruncatednormal: 'untruncated_normal',
      uniform: 'uniform',
    };
    if (!(dist in dists)) {
      throw new Error(
        `${op}: 'distribution' must be 'truncated_normal', 'untruncated_normal' or 'uniform' but is '${args.distribution}'`,
      );
    }
    this.distribution = dists[dist];
    this.seed = seedArg(op, args.seed);
  }

  /** The fan `mode` picks for `shape`. */
  fan(shape: readonly number[]): number {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    return Math.max(1, n);
  }

  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg(this.className, shape);
    checkFloatDtype(this.className, dtype);
    const v = this.scale / this.fan(shape);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * v);
      return randomUniformOp(shape, -limit, limit, dtype, this.seed);
    }
    if (this.distribution === 'untruncated_normal') return randomNormalOp(shape, 0, Math.sqrt(v), dtype, this.seed);
    return truncatedNormalOp(shape, 0, Math.sqrt(v) / TRUNCATED_STDDEV, dtype, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

/** A VarianceScaling preset: only the seed is configurable. */
abstract class Preset extends VarianceScaling {
  /** Only the seed: the preset fixes scale, mode and distribution. */
  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}

/** Uniform with limit sqrt(6 / (fanIn + fanOut)): Keras' default kernel initializer. */
export class GlorotUniform extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: args.seed }, 'GlorotUniform');
  }
}
/** Truncated normal with stddev sqrt(2 / (fanIn + fanOut)) (before the truncation correction). */
export class GlorotNormal extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: args.seed }, 'GlorotNormal');
  }
}
/** Truncated normal with stddev sqrt(2 / fanIn). */
export class HeNormal extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: args.seed }, 'HeNormal');
  }
}
/** Uniform with limit sqrt(6 / fanIn). */
export class HeUniform extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: args.seed }, 'HeUniform');
  }
}
/** Truncated normal with stddev sqrt(1 / fanIn). */
export class LecunNormal extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: args.seed }, 'LecunNormal');
  }
}
/** Uniform with limit sqrt(3 / fanIn). */
export class LecunUniform extends Preset {
  constructor(args: { seed?: number } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'uniform', seed: args.seed }, 'LecunUniform');
  }
}

/**
 * Orthonormal columns of ([prod(shape[:-1]), shape[-1]]) times `gain` (default 1): the Q of a QR
 * decomposition of a normal sample, with R's diagonal made positive (so the result is uniformly
 * distributed over orthogonal matrices). When there are fewer rows than columns the rows are
 * orthonormal instead.
 * @example new Orthogonal({ seed: 3 }).apply([4, 4]); // W^T W = I
 *
 * Porting note: the decomposition is modified Gram-Schmidt with one re-orthogonalisation pass, in
 * float64 on the host; it costs O(rows * cols^2), fine for layer-sized kernels.
 */
export class Orthogonal implements Initializer {
  readonly className = 'Orthogonal';
  /** Multiplier of the orthogonal matrix (default 1). */
  readonly gain: number;
  /** Seed of the generator, if one was given. */
  readonly seed?: number;
  constructor(args: { gain?: number; seed?: number } = {}) {
    this.gain = num('Orthogonal', 'gain', args.gain ?? 1);
    this.seed = seedArg('Orthogonal', args.seed);
  }
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('Orthogonal', shape);
    checkFloatDtype('Orthogonal', dtype);
    if (shape.length < 2) {
      throw new Error(`Orthogonal: shape must have rank >= 2 but is ${fmt(shape)}`);
    }
    const cols = shape[shape.length - 1];
    const rows = sizeFromShape(shape) / Math.max(cols, 1);
    const out = new Float32Array(sizeFromShape(shape));
    if (out.length > 0) {
      // Work on a tall m x n matrix (m >= n) whose columns we orthonormalise; transpose at the end if needed.
      const m = Math.max(rows, cols);
      const n = Math.min(rows, cols);
      const rng = new Rng(this.seed);
      const q = orthonormalColumns(m, n, rng); // column-major: q[j * m + i]
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const v = rows >= cols ? q[j * m + i] : q[i * m + j];
          out[i * cols + j] = this.gain * v;
        }
      }
    }
    return ENGINE.makeTensor(out, shape.slice(), dtype);
  }
  getConfig(): Record<string, unknown> {
    return { gain: this.gain, seed: this.seed ?? null };
  }
}

/** n orthonormal columns of length m (m >= n) from a normal sample, column-major. */
function orthonormalColumns(m: number, n: number, rng: Rng): Float64Array {
  const a = new Float64Array(m * n);
  // Fill row-major order of the sample (as a [m, n] matrix would be drawn), stored column-major.
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a[j * m + i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const cj = a.subarray(j * m, (j + 1) * m);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = a.subarray(k * m, (k + 1) * m);
        let dot = 0;
        for (let i = 0; i < m; i++) dot += ck[i] * cj[i];
        for (let i = 0; i < m; i++) cj[i] -= dot * ck[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += cj[i] * cj[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-12) {
      // A (vanishingly unlikely) dependent column: start it again from fresh samples.
      for (let i = 0; i < m; i++) cj[i] = rng.normal();
      j--;
      continue;
    }
    for (let i = 0; i < m; i++) cj[i] /= norm;
  }
  return a;
}

/**
 * `gain` times the identity matrix; shape must be 2-D (rectangular ones get ones on the main
 * diagonal).
 * @example new Identity({ gain: 2 }).apply([3, 3]); // 2 * I
 *
 * Porting note: tfjs-layers accepts only square shapes; Keras 3 (like this) accepts any 2-D shape.
 */
export class Identity implements Initializer {
  readonly className = 'Identity';
  /** Multiplier of the identity (default 1). */
  readonly gain: number;
  constructor(args: { gain?: number } = {}) {
    this.gain = num('Identity', 'gain', args.gain ?? 1);
  }
  apply(shape: readonly number[], dtype: DataType = 'float32'): Tensor {
    checkShapeArg('Identity', shape);
    if (shape.length !== 2) throw new Error(`Identity: shape must be 2-D but is ${fmt(shape)}`);
    if (dtype === 'bool') throw new Error(`Identity: dtype bool is not supported`);
    const [r, c] = shape;
    const arr = dtype === 'float32' ? new Float32Array(r * c) : new Int32Array(r * c);
    for (let i = 0; i < Math.min(r, c); i++) arr[i * c + i] = this.gain;
    return ENGINE.makeTensor(arr, [r, c], dtype);
  }
  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }
}

// Factories with tfjs-layers' names (tf.initializers.glorotUniform({seed})).

/** @example initializers.zeros().apply([2, 3]); */
export const zeros = (): Initializer => new Zeros();
/** @example initializers.ones().apply([2]); */
export const ones = (): Initializer => new Ones();
/** @example initializers.constant({ value: 0.1 }).apply([3]); */
export const constant = (args: { value?: number } = {}): Initializer => (
  checkOptions('initializers.constant', args, ['value']),
  new Constant(args)
);
/** @example initializers.randomNormal({ stddev: 0.02, seed: 1 }).apply([4, 4]); */
export const randomNormal = (args: NormalArgs = {}): Initializer => (
  checkOptions('initializers.randomNormal', args, ['mean', 'stddev', 'seed']),
  new RandomNormal(args)
);
/** @example initializers.truncatedNormal({ stddev: 0.02, seed: 1 }).apply([4, 4]); */
export const truncatedNormal = (args: NormalArgs = {}): Initializer => (
  checkOptions('initializers.truncatedNormal', args, ['mean', 'stddev', 'seed']),
  new TruncatedNormal(args)
);
/** @example initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }).apply([4]); */
export const randomUniform = (args: { minval?: number; maxval?: number; seed?: number } = {}): Initializer => (
  checkOptions('initializers.randomUniform', args, ['minval', 'maxval', 'seed']),
  new RandomUniform(args)
);
/** @example initializers.varianceScaling({ scale: 2 }).apply([10, 10]); */
export const varianceScaling = (args: VarianceScalingArgs = {}): Initializer => (
  checkOptions('initializers.varianceScaling', args, ['scale', 'mode', 'distribution', 'seed']),
  new VarianceScaling(args)
);
/** @example initializers.glorotUniform({ seed: 42 }).apply([784, 256]); */
export const glorotUniform = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.glorotUniform', args, ['seed']),
  new GlorotUniform(args)
);
/** @example initializers.glorotNormal({ seed: 42 }).apply([784, 256]); */
export const glorotNormal = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.glorotNormal', args, ['seed']),
  new GlorotNormal(args)
);
/** @example initializers.heNormal({ seed: 42 }).apply([3, 3, 32, 64]); */
export const heNormal = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.heNormal', args, ['seed']),
  new HeNormal(args)
);
/** @example initializers.heUniform({ seed: 42 }).apply([3, 3, 32, 64]); */
export const heUniform = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.heUniform', args, ['seed']),
  new HeUniform(args)
);
/** @example initializers.lecunNormal({ seed: 42 }).apply([100, 10]); */
export const lecunNormal = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.lecunNormal', args, ['seed']),
  new LecunNormal(args)
);
/** @example initializers.lecunUniform({ seed: 42 }).apply([100, 10]); */
export const lecunUniform = (args: { seed?: number } = {}): Initializer => (
  checkOptions('initializers.lecunUniform', args, ['seed']),
  new LecunUniform(args)
);
/** @example initializers.orthogonal({ gain: 1, seed: 3 }).apply([64, 64]); */
export const orthogonal = (args: { gain?: number; seed?: number } = {}): Initializer => (
  checkOptions('initializers.orthogonal', args, ['gain', 'seed']),
  new Orthogonal(args)
);
/** @example initializers.identity({ gain: 1 }).apply([8, 8]); */
export const identity = (args: { gain?: number } = {}): Initializer => (
  checkOptions('initializers.identity', args, ['gain']),
  new Identity(args)
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctor = new (args?: any) => Initializer;
const REGISTRY = new NameRegistry<Ctor>('initializer');
REGISTRY.register('glorot_uniform', GlorotUniform);
REGISTRY.register('glorot_normal', GlorotNormal);
REGISTRY.register('he_normal', HeNormal);
REGISTRY.register('he_uniform', HeUniform);
REGISTRY.register('lecun_normal', LecunNormal, ['LeCunNormal']);
REGISTRY.register('lecun_uniform', LecunUniform, ['LeCunUniform']);
REGISTRY.register('zeros', Zeros, ['zero']);
REGISTRY.register('ones', Ones, ['one']);
REGISTRY.register('constant', Constant);
REGISTRY.register('random_normal', RandomNormal, ['normal']);
REGISTRY.register('random_uniform', RandomUniform, ['uniform']);
REGISTRY.register('truncated_normal', TruncatedNormal);
REGISTRY.register('orthogonal', Orthogonal);
REGISTRY.register('identity', Identity, ['IdentityMatrix']);
REGISTRY.register('variance_scaling', VarianceScaling);

/** Every registered initializer name (Keras snake_case). */
export const initializerNames: readonly string[] = REGISTRY.names;

/**
 * Resolves an initializer from a name ('glorot_uniform', 'glorotUniform', 'GlorotUniform'), a
 * config ({ className: 'VarianceScaling', config: { scale: 2 } }, `class_name` also read), or an
 * Initializer (returned as is). undefined gives the default, GlorotUniform.
 * @example initializers.getInitializer('he_normal').apply([3, 3, 16, 32]);
 */
export function getInitializer(identifier?: string | Initializer | InitializerConfig | null): Initializer {
  const init = resolveInitializer(identifier);
  if (placeholderDepth === 0) return init;
  return { className: init.className, getConfig: () => init.getConfig(), apply: (shape, dtype) => new Zeros().apply(shape, dtype) };
}

let placeholderDepth = 0;

/**
 * Runs `fn` with every initializer from getInitializer filling zeros instead of sampling (names
 * and configs are still resolved and checked). Model loaders use it when saved values replace
 * every initial value at once, as tfjs-layers' fastWeightInit: sampling a 784x512 Glorot kernel
 * costs more than reading it from a file.
 */
export function withPlaceholderInit<T>(fn: () => T): T {
  placeholderDepth++;
  try {
    return fn();
  } finally {
    placeholderDepth--;
  }
}

function resolveInitializer(identifier?: string | Initializer | InitializerConfig | null): Initializer {
  if (identifier === undefined || identifier === null) return new GlorotUniform();
  if (typeof identifier === 'string') return new (REGISTRY.get(identifier))();
  if (typeof identifier === 'object') {
    if (typeof (identifier as Initializer).apply === 'function') return identifier as Initializer;
    const cfg = identifier as InitializerConfig & { class_name?: string };
    const name = cfg.className ?? cfg.class_name;
    if (typeof name !== 'string') {
      throw new Error(`getInitializer: a config needs a 'className' string but got ${JSON.stringify(identifier)}`);
    }
    const raw = cfg.config ?? {};
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) args[toCamelCase(k)] = v;
    return new (REGISTRY.get(name))(args);
  }
  throw new Error(`getInitializer: expected a name, a config or an Initializer but got ${typeof identifier}`);
}

/**
 * The Keras-style config of an initializer: { className, config }.
 * @example initializers.serializeInitializer(initializers.heNormal({ seed: 1 })); // { className: 'HeNormal', config: { seed: 1 } }
 */
export function serializeInitializer(init: Initializer): InitializerConfig {
  return { className: init.className, config: init.getConfig() };
}
