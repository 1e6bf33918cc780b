// Keras' ImageDataGenerator (keras.preprocessing.image): random rotations, shifts, shears, zooms,
// flips and channel shifts of channels-last images, feature- and sample-wise standardisation, and
// `flow(x, y)`: shuffled, augmented batches for model.fitDataset. Every image of a batch is
// transformed by one image.transform call (its per-image matrix composed on the host).
import { ENGINE } from '../engine/engine.js';
import { Rng } from '../engine/random.js';
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { gather } from '../ops/gather.js';
import { transform, type FillMode } from '../ops/image_transform.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/reshape.js';
import { sqrt } from '../ops/unary.js';
import { tensor } from '../ops/creation.js';

/** Options of {@link ImageDataGenerator} (Keras' arguments in camelCase; snake_case accepted). */
export interface ImageDataGeneratorArgs {
  /** Subtract the dataset's mean (from `fit()`) from each image. */
  featurewiseCenter?: boolean;
  /** Subtract each image's own mean. */
  samplewiseCenter?: boolean;
  /** Divide by the dataset's std (from `fit()`). */
  featurewiseStdNormalization?: boolean;
  /** Divide each image by its own std. */
  samplewiseStdNormalization?: boolean;
  /** Not supported (an error says so). */
  zcaWhitening?: boolean;
  /** Degrees: rotations drawn from [-r, r]. */
  rotationRange?: number;
  /** A fraction of the width (< 1) or pixels (>= 1): shifts drawn from [-r, r]; or a list of pixel shifts to pick from (either sign). */
  widthShiftRange?: number | number[];
  /** As widthShiftRange, for the height. */
  heightShiftRange?: number | number[];
  /** Shear angle in degrees, drawn from [-r, r] (counter-clockwise). */
  shearRange?: number;
  /** z (zoom in [1 - z, 1 + z]) or [lower, upper]; x and y zooms are drawn independently. */
  zoomRange?: number | [number, number];
  /** Adds one value drawn from [-r, r] to every channel, clipped to the image's range. */
  channelShiftRange?: number;
  /** 'nearest' (default), 'constant', 'reflect' or 'wrap'. */
  fillMode?: FillMode;
  /** The fill value for 'constant'. */
  cval?: number;
  /** Flip images left-right at random. */
  horizontalFlip?: boolean;
  /** Flip images upside down at random. */
  verticalFlip?: boolean;
  /** Multiplies the data by this value (before the other standardisation). */
  rescale?: number | null;
  /** Runs on each standardised batch [n, h, w, c] (Keras: on each image); must return the same shape. */
  preprocessingFunction?: ((x: Tensor) => Tensor) | null;
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast' | 'channels_last';
  /** 1 (bilinear, default) or 0 (nearest). */
  interpolationOrder?: 0 | 1;
}

/** The parameters of one image's transform, by Keras' names (degrees and pixels). */
export interface TransformParams {
  /** Rotation in degrees. */
  theta?: number;
  /** Shift along x (columns), pixels. */
  tx?: number;
  /** Shift along y (rows), pixels. */
  ty?: number;
  /** Shear in degrees. */
  shear?: number;
  /** Zoom factor along x (columns). */
  zx?: number;
  /** Zoom factor along y (rows). */
  zy?: number;
  /** Flip left-right. */
  flipHorizontal?: boolean;
  /** Flip upside down. */
  flipVertical?: boolean;
  /** Value added to every channel (clipped to the image's range). */
  channelShiftIntensity?: number | null;
}

/** Options of `ImageDataGenerator.flow()`. */
export interface FlowOptions {
  /** Images per batch (default 32). */
  batchSize?: number;
  /** Shuffle the order each pass (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles and transforms. */
  seed?: number;
}

const FILL: readonly FillMode[] = ['nearest', 'constant', 'reflect', 'wrap'];
type M3 = number[]; // row-major 3x3

function matMul3(a: M3, b: M3): M3 {
  const o = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) o[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return o;
}

/**
 * The 8 image.transform coefficients (output (x, y) -> input point) of Keras' apply_affine_transform
 * followed by its flips, for an image of height h and width w.
 */
export function transformMatrix(p: TransformParams, h: number, w: number): number[] {
  const rad = Math.PI / 180;
  const th = (p.theta ?? 0) * rad;
  const sh = (p.shear ?? 0) * rad;
  const [zx, zy] = [p.zx ?? 1, p.zy ?? 1];
  let m: M3 = [Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th), 0, 0, 0, 1];
  m = matMul3(m, [1, 0, p.tx ?? 0, 0, 1, p.ty ?? 0, 0, 0, 1]);
  m = matMul3(m, [1, -Math.sin(sh), 0, 0, Math.cos(sh), 0, 0, 0, 1]);
  m = matMul3(m, [zx, 0, 0, 0, zy, 0, 0, 0, 1]);
  const [ox, oy] = [(w - 1) / 2, (h - 1) / 2];
  m = matMul3(matMul3([1, 0, ox, 0, 1, oy, 0, 0, 1], m), [1, 0, -ox, 0, 1, -oy, 0, 0, 1]);
  // Keras flips after the affine transform: out(x, y) = affine(w - 1 - x, y).
  if (p.flipHorizontal) m = matMul3(m, [-1, 0, w - 1, 0, 1, 0, 0, 0, 1]);
  if (p.flipVertical) m = matMul3(m, [1, 0, 0, 0, -1, h - 1, 0, 0, 1]);
  return [m[0], m[1], m[2], m[3], m[4], m[5], 0, 0];
}

function range(name: string, v: unknown): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
    throw new Error(`ImageDataGenerator: '${name}' must be a finite number >= 0 but is ${JSON.stringify(v)}`);
}

/**
 * Keras' ImageDataGenerator for channels-last images [n, height, width, channels].
 * Porting notes: Keras draws height_shift_range's shift into tx, which shifts columns (so on a
 * non-square image Keras' height shift moves along the width); here heightShiftRange shifts rows
 * and widthShiftRange columns, and transforms turn about ((w-1)/2, (h-1)/2) where Keras uses
 * (h/2-0.5, w/2-0.5) (the same on square images). Fill modes follow TensorFlow's image
 * transform ('constant' blends with cval at the border, where scipy's does not). brightnessRange
 * and zcaWhitening are not supported.
 * @example
 * const gen = sg.preprocessing.image.imageDataGenerator({ rotationRange: 15, widthShiftRange: 0.1,
 *   heightShiftRange: 0.1, horizontalFlip: true });
 * await model.fitDataset(gen.flow(xTrain, yTrain, { batchSize: 32, seed: 1 }), { epochs: 10 });
 */
export class ImageDataGenerator {
  /** The options given (normalised). */
  readonly args: Readonly<ImageDataGeneratorArgs>;
  /** How points outside the input are filled. */
  readonly fillMode: FillMode;
  /** The zoom range [lower, upper]. */
  readonly zoomRange: [number, number];
  /** Per-channel mean and std from fit() (featurewise options), kept tensors [1, 1, 1, c]. */
  mean: Tensor | null = null;
  /** Per-channel std from fit() (featurewise options), a kept tensor [1, 1, 1, c]. */
  std: Tensor | null = null;

  constructor(args: ImageDataGeneratorArgs = {}) {
    this.args = { ...args };
    if (args.zcaWhitening) throw new Error('ImageDataGenerator: zcaWhitening is not supported');
    if ((args as { brightnessRange?: unknown }).brightnessRange != null)
      throw new Error('ImageDataGenerator: brightnessRange is not supported');
    const df = args.dataFormat ?? 'channelsLast';
    if (df !== 'channelsLast' && df !== 'channels_last')
      throw new Error(`ImageDataGenerator: only dataFormat 'channelsLast' is supported but got '${args.dataFormat}'`);
    this.fillMode = args.fillMode ?? 'nearest';
    if (!FILL.includes(this.fillMode))
      throw new Error(`ImageDataGenerator: 'fillMode' must be one of ${FILL.join(', ')} but is '${args.fillMode}'`);
    for (const k of ['rotationRange', 'shearRange', 'channelShiftRange'] as const) range(k, args[k]);
    for (const k of ['widthShiftRange', 'heightShiftRange'] as const) {
      const v = args[k];
      if (Array.isArray(v)) {
        if (v.length === 0 || v.some((d) => !Number.isInteger(d)))
          throw new Error(
            `ImageDataGenerator: '${k}' as a list must hold integer pixel shifts but is ${JSON.stringify(v)}`,
          );
      } else range(k, v);
    }
    const z = args.zoomRange ?? 0;
    if (typeof z === 'number') {
      range('zoomRange', z);
      this.zoomRange = [1 - z, 1 + z];
    } else if (Array.isArray(z) && z.length === 2 && z.every((v) => Number.isFinite(v) && v > 0)) {
      this.zoomRange = [z[0], z[1]];
    } else
      throw new Error(`ImageDataGenerator: 'zoomRange' must be a number or [lower, upper] but is ${JSON.stringify(z)}`);
    if (args.interpolationOrder !== undefined && args.interpolationOrder !== 0 && args.interpolationOrder !== 1)
      throw new Error(`ImageDataGenerator: 'interpolationOrder' must be 0 or 1 but is ${args.interpolationOrder}`);
    if (args.cval !== undefined && !Number.isFinite(args.cval))
      throw new Error(`ImageDataGenerator: 'cval' must be a finite number but is ${args.cval}`);
  }

  private shift(rng: Rng, v: number | number[] | undefined, size: number): number {
    if (!v) return 0;
    if (Array.isArray(v)) return v[Math.floor(rng.uniform() * v.length)] * (rng.uniform() < 0.5 ? -1 : 1);
    const s = (2 * rng.uniform() - 1) * v;
    return v < 1 ? s * size : s;
  }

  /** Random transform parameters for one image of height h and width w, drawn from `rng`. */
  getRandomTransform(h: number, w: number, rng: Rng): TransformParams {
    const a = this.args;
    const u = (r: number) => (2 * rng.uniform() - 1) * r;
    const p: TransformParams = {
      theta: a.rotationRange ? u(a.rotationRange) : 0,
      ty: this.shift(rng, a.heightShiftRange, h),
      tx: this.shift(rng, a.widthShiftRange, w),
      shear: a.shearRange ? u(a.shearRange) : 0,
      zx: 1,
      zy: 1,
    };
    const [z0, z1] = this.zoomRange;
    if (z0 !== 1 || z1 !== 1) {
      p.zx = z0 + (z1 - z0) * rng.uniform();
      p.zy = z0 + (z1 - z0) * rng.uniform();
    }
    p.flipHorizontal = !!a.horizontalFlip && rng.uniform() < 0.5;
    p.flipVertical = !!a.verticalFlip && rng.uniform() < 0.5;
    p.channelShiftIntensity = a.channelShiftRange ? u(a.channelShiftRange) : null;
    return p;
  }

  /**
   * Applies one set of parameters to each image of x ([n, h, w, c] or one [h, w, c] image), as
   * Keras' apply_transform. Returns a new tensor.
   */
  applyTransform(x: Tensor, params: TransformParams | TransformParams[]): Tensor {
    return ENGINE.tidy(() => {
      const batched = x.rank === 4 ? x : x.rank === 3 ? reshape(x, [1, ...x.shape]) : null;
      if (!batched)
        throw new Error(`ImageDataGenerator: images must be [n, h, w, c] or [h, w, c] but have shape ${fmt(x.shape)}`);
      const [n, h, w] = batched.shape;
      const ps = Array.isArray(params) ? params : Array.from({ length: n }, () => params);
      if (ps.length !== n) throw new Error(`ImageDataGenerator: ${ps.length} transform parameter sets for ${n} images`);
      const m = new Float32Array(n * 8);
      ps.forEach((p, i) => m.set(transformMatrix(p, h, w), i * 8));
      const interp = this.args.interpolationOrder === 0 ? 'nearest' : 'bilinear';
      let y = transform(batched, tensor(m, [n, 8]), interp, this.fillMode, this.args.cval ?? 0);
      if (ps.some((p) => p.channelShiftIntensity != null))
        y = channelShift(
          y,
          ps.map((p) => p.channelShiftIntensity ?? 0),
        );
      return x.rank === 4 ? y : reshape(y, x.shape);
    });
  }

  /** Random transforms of a batch [n, h, w, c], one draw per image. */
  randomTransform(x: Tensor, rng: Rng = new Rng()): Tensor {
    const [h, w] = x.rank === 4 ? x.shape.slice(1, 3) : x.shape.slice(0, 2);
    const n = x.rank === 4 ? x.shape[0] : 1;
    return this.applyTransform(
      x,
      Array.from({ length: n }, () => this.getRandomTransform(h, w, rng)),
    );
  }

  /**
   * Computes the per-channel mean and std of x [n, h, w, c] for featurewiseCenter and
   * featurewiseStdNormalization (Keras' fit; augment/rounds not supported).
   */
  fit(x: Tensor): void {
    if (x.rank !== 4) throw new Error(`ImageDataGenerator.fit: x must be [n, h, w, c] but has shape ${fmt(x.shape)}`);
    this.disposeStats();
    const c = x.shape[3];
    const [m, s] = ENGINE.tidy(() => {
      const xs = this.args.rescale ? mul(x, this.args.rescale) : x;
      const mu = reshape(mean(xs, [0, 1, 2]), [1, 1, 1, c]);
      const d = sub(xs, mu);
      const sd = sqrt(mean(mul(d, d), [0, 1, 2]));
      return [mu, reshape(sd, [1, 1, 1, c])];
    });
    this.mean = ENGINE.keepTensor(m);
    this.std = ENGINE.keepTensor(s);
  }

  /** Keras' standardize on a batch: preprocessingFunction, rescale, sample-wise then feature-wise. */
  standardize(x: Tensor): Tensor {
    return ENGINE.tidy(() => {
      const a = this.args;
      let y = x;
      if (a.preprocessingFunction) y = a.preprocessingFunction(y);
      if (a.rescale) y = mul(y, a.rescale);
      const axes = [1, 2, 3];
      if (a.samplewiseCenter) y = sub(y, mean(y, axes, true));
      if (a.samplewiseStdNormalization) {
        const d = sub(y, mean(y, axes, true));
        y = div(y, add(sqrt(mean(mul(d, d), axes, true)), 1e-6));
      }
      if (a.featurewiseCenter) {
        if (!this.mean) throw new Error('ImageDataGenerator: featurewiseCenter needs fit(x) first');
        y = sub(y, this.mean);
      }
      if (a.featurewiseStdNormalization) {
        if (!this.std) throw new Error('ImageDataGenerator: featurewiseStdNormalization needs fit(x) first');
        y = div(y, add(this.std, 1e-6));
      }
      return y === x ? reshape(x, x.shape) : y;
    });
  }

  /**
   * Batches of (augmented, standardised) images and their targets: one pass over x per
   * `iterator()`, shuffled with a seeded generator, for model.fitDataset.
   * @example const it = gen.flow(xTrain, yTrain, { batchSize: 32, seed: 1 });
   */
  flow(x: Tensor, y?: Tensor | null, opts: FlowOptions = {}): ImageBatches {
    return new ImageBatches(this, x, y ?? null, opts);
  }

  private disposeStats(): void {
    if (this.mean) ENGINE.releaseKept(this.mean);
    if (this.std) ENGINE.releaseKept(this.std);
    this.mean = this.std = null;
  }

  /** Frees the statistics kept by fit(). */
  dispose(): void {
    this.disposeStats();
  }
}

/** Keras' apply_channel_shift per image: x + intensity, clipped to the image's [min, max]. */
function channelShift(x: Tensor, intensity: number[]): Tensor {
  const v = x.dataSync();
  const per = x.size / x.shape[0];
  const out = new Float32Array(v.length);
  for (let i = 0; i < x.shape[0]; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = i * per; k < (i + 1) * per; k++) {
      lo = Math.min(lo, v[k]);
      hi = Math.max(hi, v[k]);
    }
    for (let k = i * per; k < (i + 1) * per; k++) out[k] = Math.min(Math.max(v[k] + intensity[i], lo), hi);
  }
  return tensor(out, x.shape);
}

/** One batch of flow(): the caller (or fitDataset) owns and frees the tensors. No ys when flow() got no y. */
export interface ImageBatch {
  /** The images [batch, h, w, c]. */
  xs: Tensor;
  /** The labels of those images. */
  ys?: Tensor;
}

/**
 * What flow() returns (Keras' NumpyArrayIterator): `length` batches per pass; `iterator()` starts
 * a pass (reshuffled each time); also iterable. It keeps references to x and y: keep them alive.
 */
export class ImageBatches implements Iterable<ImageBatch> {
  /** Images per batch. */
  readonly batchSize: number;
  /** Whether each pass is shuffled. */
  readonly shuffle: boolean;
  /** Number of images. */
  readonly n: number;
  private readonly rng: Rng;

  constructor(
    /** The generator that transforms the images. */
    readonly generator: ImageDataGenerator,
    /** The images [n, h, w, c] (kept by reference). */
    readonly x: Tensor,
    /** The labels, or null. */
    readonly y: Tensor | null,
    opts: FlowOptions,
  ) {
    if (!(x instanceof Tensor) || x.rank !== 4)
      throw new Error(
        `ImageDataGenerator.flow: x must be a tensor [n, h, w, c] but has shape ${x instanceof Tensor ? fmt(x.shape) : typeof x}`,
      );
    if (y && (!(y instanceof Tensor) || y.shape[0] !== x.shape[0]))
      throw new Error(
        `ImageDataGenerator.flow: x has ${x.shape[0]} samples (shape ${fmt(x.shape)}) but y has shape ${y instanceof Tensor ? fmt(y.shape) : typeof y}`,
      );
    this.batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error(`ImageDataGenerator.flow: 'batchSize' must be a positive integer but is ${opts.batchSize}`);
    if (x.shape[0] === 0) throw new Error('ImageDataGenerator.flow: x has no samples');
    this.shuffle = opts.shuffle ?? true;
    this.n = x.shape[0];
    this.rng = new Rng(opts.seed);
  }

  /** Batches per pass: ceil(n / batchSize). */
  get length(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  /** The batch of the given sample indices: transformed, standardised, with its targets. */
  batch(indices: ArrayLike<number>): ImageBatch {
    return ENGINE.tidy(() => {
      const idx = tensor(Int32Array.from(indices), [indices.length], 'int32');
      const bx = gather(this.x, idx);
      const aug = this.generator.standardize(this.generator.randomTransform(bx, this.rng));
      return this.y ? { xs: aug, ys: gather(this.y, idx) } : { xs: aug };
    });
  }

  /** One pass over the data. */
  iterator(): Iterator<ImageBatch> {
    const order = Int32Array.from({ length: this.n }, (_, i) => i);
    if (this.shuffle) {
      for (let i = this.n - 1; i > 0; i--) {
        const j = Math.floor(this.rng.uniform() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    let pos = 0;
    return {
      next: (): IteratorResult<ImageBatch> => {
        if (pos >= this.n) return { done: true, value: undefined };
        const idx = order.subarray(pos, Math.min(pos + this.batchSize, this.n));
        pos += idx.length;
        return { done: false, value: this.batch(idx) };
      },
    };
  }

  /** A new pass over the batches (`for (const b of batches)`). */
  [Symbol.iterator](): Iterator<ImageBatch> {
    return this.iterator();
  }
}
