// Shape and regularisation layers without weights: Dropout, Activation, Flatten, Reshape,
// Permute, RepeatVector, GaussianNoise, GaussianDropout, AlphaDropout.
import { getActivation, serializeActivation, type ActivationFn } from '../../activations/index.js';

type ActivationIdentifier = string | ActivationFn;
import { ENGINE } from '../../engine/engine.js';
import { Rng } from '../../engine/random.js';
import { sizeFromShape } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { add, mul } from '../../ops/binary.js';
import { dropoutWithKeys } from '../../ops/dropout.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { tile } from '../../ops/tile.js';
import { transpose } from '../../ops/transpose.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { fmtShape } from './dense.js';

const first = (x: Tensor | Tensor[]) => (Array.isArray(x) ? x[0] : x);

/** A tensor of `shape` from host values (masks and noise are drawn on the host, seeded). */
function hostTensor(shape: number[], fill: (i: number) => number): Tensor {
  const n = sizeFromShape(shape);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = fill(i);
  return ENGINE.makeTensor(v, shape, 'float32');
}

export interface DropoutArgs extends LayerArgs {
  /** The fraction of inputs dropped, in [0, 1). */
  rate: number;
  /** Shape of the binary mask, broadcast over the input (null: the input's dimension). */
  noiseShape?: SymbolicShape;
  /** Seed of the dropout masks (default: from the global seed, else random). */
  seed?: number;
}

/**
 * Sets a fraction `rate` of inputs to 0 while training and scales the rest by 1/(1-rate);
 * the identity at inference.
 * @example sg.layers.dropout({ rate: 0.4 });
 */
export class Dropout extends Layer {
  static override className = 'Dropout';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  /** The fraction of inputs dropped. */
  readonly rate: number;
  private readonly rng: Rng;

  constructor(private readonly args: DropoutArgs) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`Dropout: 'rate' must be a number in [0, 1) but is ${args?.rate}`);
    }
    this.rate = args.rate;
    this.rng = new Rng(args.seed);
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = first(inputs);
    if (!training || this.rate === 0) return reshape(x, x.shape);
    const shape = this.args.noiseShape ? this.args.noiseShape.map((d, i) => d ?? x.shape[i]) : undefined;
    // One fused kernel draws and applies the mask (a hash of each index under two keys from the
    // seeded Rng: the same masks on every backend and thread count); see src/ops/dropout.ts.
    return dropoutWithKeys(x, this.rate, this.rng.uint32(), this.rng.uint32(), shape);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      rate: this.rate,
      noiseShape: this.args.noiseShape ?? null,
      seed: this.args.seed ?? null,
    };
  }
}

/** Applies an activation function. @example sg.layers.activation({ activation: 'relu' }); */
export class Activation extends Layer {
  static override className = 'Activation';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  private readonly fn: (x: Tensor) => Tensor;
  /** The activation's Keras name. */
  readonly activationName: string;

  constructor(args: LayerArgs & { activation: ActivationIdentifier }) {
    super(args);
    this.fn = getActivation(args?.activation);
    this.activationName = serializeActivation(this.fn);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return this.fn(first(inputs));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activationName };
  }
}

/** Flattens each sample to one dimension. @example sg.layers.flatten(); */
export class Flatten extends Layer {
  static override className = 'Flatten';

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const rest = s.slice(1);
    if (rest.some((d) => d === null)) {
      throw new Error(`${this.name}: Flatten needs every non-batch dimension known, got ${fmtShape(s)}`);
    }
    return [s[0], sizeFromShape(rest as number[])];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    return reshape(x, [x.shape[0], sizeFromShape(x.shape.slice(1))]);
  }
}

/** Reshapes each sample to `targetShape` (one entry may be -1). */
export class Reshape extends Layer {
  static override className = 'Reshape';
  /** The output shape of one sample. */
  readonly targetShape: number[];

  constructor(args: LayerArgs & { targetShape: number[] }) {
    super(args);
    if (!Array.isArray(args?.targetShape)) throw new Error("Reshape: 'targetShape' is required");
    const t = args.targetShape;
    if (t.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new Error(
        `Reshape: 'targetShape' must be positive integers with at most one -1 but is [${t.map(String).join(', ')}]`,
      );
    }
    this.targetShape = t.slice();
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const rest = s.slice(1);
    const t = this.targetShape.slice();
    const unknown = t.indexOf(-1);
    if (rest.every((d) => d !== null)) {
      const n = sizeFromShape(rest as number[]);
      const known = sizeFromShape(t.filter((d) => d !== -1));
      if (unknown >= 0) {
        if (known === 0 || n % known !== 0)
          throw new Error(`${this.name}: cannot reshape ${fmtShape(s)} into ${fmtShape([null, ...t])}`);
        t[unknown] = n / known;
      } else if (known !== n) {
        throw new Error(
          `${this.name}: cannot reshape ${fmtShape(s)} (${n} values per sample) into ${fmtShape([null, ...t])}`,
        );
      }
    }
    return [s[0], ...t.map((d) => (d === -1 ? null : d))];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = first(inputs);
    return reshape(x, [x.shape[0], ...this.targetShape]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/** Permutes the non-batch dimensions; `dims` counts from 1, as Keras. */
export class Permute extends Layer {
  static override className = 'Permute';
  /** The permutation of the non-batch axes, counted from 1. */
  readonly dims: number[];

  constructor(args: LayerArgs & { dims: number[] }) {
    super(args);
    const d = args?.dims;
    if (!Array.isArray(d) || [...d].sort((a, b) => a - b).some((v, i) => v !== i + 1)) {
      throw new Error(`Permute: 'dims' must be a permutation of 1..n but is ${JSON.stringify(d)}`);
    }
    this.dims = d.slice();
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    if (s.length !== this.dims.length + 1) {
      throw new Error(`${this.name}: dims ${JSON.stringify(this.dims)} do not fit an input of shape ${fmtShape(s)}`);
    }
    return [s[0], ...this.dims.map((d) => s[d])];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(first(inputs), [0, ...this.dims]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), dims: this.dims };
  }
}

/** Repeats a [batch, features] input n times: [batch, n, features]. */
export class RepeatVector extends Layer {
  static override className = 'RepeatVector';
  /** How many times the input is repeated. */
  readonly n: number;

  constructor(args: LayerArgs & { n: number }) {
    super(args);
    if (!Number.isInteger(args?.n) || args.n < 1)
      throw new Error(`RepeatVector: 'n' must be a positive integer but is ${args?.n}`);
    this.n = args.n;
  }

  protected override checkInput(s: SymbolicShape): void {
    if (s.length !== 2) throw new Error(`${this.name}: RepeatVector expects a rank-2 input but got ${fmtShape(s)}`);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0], this.n, s[1]];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tile(expandDims(first(inputs), 1), [1, this.n, 1]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), n: this.n };
  }
}

/** Adds N(0, stddev) noise while training; the identity at inference. */
export class GaussianNoise extends Layer {
  static override className = 'GaussianNoise';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  private readonly rng: Rng;

  constructor(private readonly args: LayerArgs & { stddev: number; seed?: number }) {
    super(args);
    if (typeof args?.stddev !== 'number' || !(args.stddev >= 0))
      throw new Error(`GaussianNoise: 'stddev' must be >= 0 but is ${args?.stddev}`);
    this.rng = new Rng(args.seed);
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = first(inputs);
    if (!training) return reshape(x, x.shape);
    return add(
      x,
      hostTensor(x.shape, () => this.args.stddev * this.rng.normal()),
    );
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), stddev: this.args.stddev, seed: this.args.seed ?? null };
  }
}

/** Multiplies by N(1, rate/(1-rate)) noise while training; the identity at inference. */
export class GaussianDropout extends Layer {
  static override className = 'GaussianDropout';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  private readonly rng: Rng;

  constructor(private readonly args: LayerArgs & { rate: number; seed?: number }) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1))
      throw new Error(`GaussianDropout: 'rate' must be in [0, 1) but is ${args?.rate}`);
    this.rng = new Rng(args.seed);
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = first(inputs);
    if (!training || this.args.rate === 0) return reshape(x, x.shape);
    const sd = Math.sqrt(this.args.rate / (1 - this.args.rate));
    return mul(
      x,
      hostTensor(x.shape, () => 1 + sd * this.rng.normal()),
    );
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.args.rate, seed: this.args.seed ?? null };
  }
}

/**
 * Dropout that keeps SELU's self-normalising mean and variance: dropped units are set to
 * -scale*alpha, then an affine map restores mean 0 and variance 1 (Klambauer et al.).
 */
export class AlphaDropout extends Layer {
  static override className = 'AlphaDropout';
  /** Passes an input mask on unchanged, as Keras. */
  override readonly supportsMasking = true;
  private readonly rng: Rng;

  constructor(private readonly args: LayerArgs & { rate: number; seed?: number }) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1))
      throw new Error(`AlphaDropout: 'rate' must be in [0, 1) but is ${args?.rate}`);
    this.rng = new Rng(args.seed);
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = first(inputs);
    const rate = this.args.rate;
    if (!training || rate === 0) return reshape(x, x.shape);
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const keep = 1 - rate;
    const a = 1 / Math.sqrt(keep * (1 + rate * alphaP * alphaP));
    const b = -a * alphaP * rate;
    const kept = new Uint8Array(x.size);
    const scale = hostTensor(x.shape, (i) => ((kept[i] = this.rng.uniform() < keep ? 1 : 0) ? a : 0));
    const shift = hostTensor(x.shape, (i) => (kept[i] ? b : a * alphaP + b));
    return add(mul(x, scale), shift);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.args.rate, seed: this.args.seed ?? null };
  }
}
