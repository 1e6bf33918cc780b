// Keras 3's image augmentation layers: RandomFlip, RandomTranslation, RandomRotation, RandomZoom.
// Channels-last images [batch, height, width, channels] (or one unbatched image); active only
// when called with {training: true}, the identity otherwise; one seeded draw per image. Each
// builds a transform matrix per image and runs image.transform.
//
// Porting note: outputs equal Keras 3's for the same draws with fill modes 'nearest', 'reflect' and
// 'constant' (test/preprocessing_keras.test.ts); 'wrap' follows TensorFlow's transform (Keras on
// its TensorFlow backend), where Keras on JAX wraps on the pixel grid. The random draws come from
// simdgrad's seeded generator, so a seed gives a different sequence from Keras'.
import { ENGINE } from '../../engine/engine.js';
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { transform, type FillMode, type Interpolation } from '../../ops/image_transform.js';
import { reshape } from '../../ops/reshape.js';
import { normalizeName } from '../../utils/names.js';
import { Layer, type CallArgs, type LayerArgs } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import { fmtShape } from '../core/dense.js';

/** A factor as Keras takes it: a number f (the range [-f, f]) or [lower, upper]. @inline */
export type Factor = number | [number, number];

const FILL_MODES: readonly FillMode[] = ['constant', 'reflect', 'wrap', 'nearest'];
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear'];

/** The [lower, upper] range of a factor, each bound in [-1, 1] (Keras' _set_factor). */
export function factorRange(layer: string, arg: string, f: Factor): [number, number] {
  const bad = () =>
    new Error(
      `${layer}: '${arg}' must be a number or [lower, upper] with values in [-1, 1] but is ${JSON.stringify(f)}`,
    );
  if (typeof f === 'number') {
    if (!Number.isFinite(f) || Math.abs(f) > 1) throw bad();
    return [-Math.abs(f), Math.abs(f)];
  }
  if (
    !Array.isArray(f) ||
    f.length !== 2 ||
    f.some((v) => typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 1)
  )
    throw bad();
  return f[0] <= f[1] ? [f[0], f[1]] : [f[1], f[0]];
}

function pick<T extends string>(layer: string, arg: string, v: string, allowed: readonly T[]): T {
  const hit = allowed.find((a) => normalizeName(a) === normalizeName(v ?? ''));
  if (!hit) throw new Error(`${layer}: '${arg}' must be one of ${allowed.join(', ')} but is '${v}'`);
  return hit;
}

/** Arguments shared by the layers that resample (translation, rotation, zoom). */
export interface FillArgs {
  /** How points outside the image are filled: 'reflect' (default), 'wrap', 'constant', 'nearest'. */
  fillMode?: FillMode;
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Interpolation;
  /** The value of 'constant' fill (default 0). */
  fillValue?: number;
  /** Seed of the layer's random draws. */
  seed?: number;
}

/** The shared part: input checks, training gate, seeded draws, one image.transform per call. */
abstract class RandomImageLayer extends Layer {
  protected readonly rng: Rng;
  /** Seed of the layer's random draws, or null. */
  readonly seed: number | null;

  constructor(args: LayerArgs & { seed?: number }) {
    super(args);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed))
      throw new Error(`${this.className}: 'seed' must be an integer but is ${args.seed}`);
    this.seed = args.seed ?? null;
    this.rng = new Rng(args.seed ?? undefined);
  }

  protected override checkInput(s: SymbolicShape): void {
    if (s.length !== 3 && s.length !== 4)
      throw new Error(
        `${this.name}: ${this.className} expects images [batch, height, width, channels] or [height, width, channels] but got ${fmtShape(s)}`,
      );
  }

  /** Uniform in [lo, hi). */
  protected draw(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rng.uniform();
  }

  /** The 8 transform coefficients (output -> input) of one image of height h and width w. */
  protected abstract matrix(h: number, w: number): number[];

  protected fill(): { fillMode: FillMode; interpolation: Interpolation; fillValue: number } {
    return { fillMode: 'constant', interpolation: 'nearest', fillValue: 0 };
  }

  call(inputs: Tensor | Tensor[], { training }: CallArgs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training) return reshape(x, x.shape);
    const batched = x.rank === 4 ? x : reshape(x, [1, ...x.shape]);
    const [n, h, w] = batched.shape;
    const m = new Float32Array(n * 8);
    for (let b = 0; b < n; b++) m.set(this.matrix(h, w), b * 8);
    const t = ENGINE.makeTensor(m, [n, 8], 'float32');
    const { fillMode, interpolation, fillValue } = this.fill();
    const y = transform(batched, t, interpolation, fillMode, fillValue);
    return x.rank === 4 ? y : reshape(y, x.shape);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), seed: this.seed, dataFormat: 'channels_last' };
  }
}

/** Resampling layers: fill mode, interpolation and fill value. */
abstract class RandomAffineLayer extends RandomImageLayer {
  /** How points outside the image are filled. */
  readonly fillMode: FillMode;
  /** 'bilinear' or 'nearest'. */
  readonly interpolation: Interpolation;
  /** The value of 'constant' fill. */
  readonly fillValue: number;

  constructor(args: LayerArgs & FillArgs) {
    super(args);
    this.fillMode = pick(this.className, 'fillMode', args.fillMode ?? 'reflect', FILL_MODES);
    this.interpolation = pick(this.className, 'interpolation', args.interpolation ?? 'bilinear', INTERPOLATIONS);
    this.fillValue = args.fillValue ?? 0;
    if (typeof this.fillValue !== 'number' || !Number.isFinite(this.fillValue))
      throw new Error(`${this.className}: 'fillValue' must be a finite number but is ${args.fillValue}`);
  }

  protected override fill() {
    return { fillMode: this.fillMode, interpolation: this.interpolation, fillValue: this.fillValue };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      fillMode: this.fillMode,
      interpolation: this.interpolation,
      fillValue: this.fillValue,
    };
  }
}

/** Which axes {@link RandomFlip} flips. @inline */
export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';
const FLIP_MODES: readonly FlipMode[] = ['horizontal', 'vertical', 'horizontal_and_vertical'];

export interface RandomFlipArgs extends LayerArgs {
  /** 'horizontal', 'vertical' or 'horizontal_and_vertical' (default; also 'horizontalAndVertical'). */
  mode?: FlipMode | 'horizontalAndVertical';
  /** Seed of the layer's random draws. */
  seed?: number;
}

/**
 * Flips each image with probability 1/2 while training (Keras 3 RandomFlip).
 * Porting note: as Keras 3, 'horizontal_and_vertical' flips both axes on one draw.
 * @example sg.layers.randomFlip({ mode: 'horizontal', seed: 1 });
 */
export class RandomFlip extends RandomImageLayer {
  static override className = 'RandomFlip';
  /** Which axes are flipped. */
  readonly mode: FlipMode;

  constructor(args: RandomFlipArgs = {}) {
    super(args);
    this.mode = pick('RandomFlip', 'mode', args.mode ?? 'horizontal_and_vertical', FLIP_MODES);
  }

  protected matrix(h: number, w: number): number[] {
    // Keras: flip where uniform() <= 0.5.
    const flip = this.rng.uniform() <= 0.5;
    const fx = flip && this.mode !== 'vertical';
    const fy = flip && this.mode !== 'horizontal';
    // Nearest interpolation at integer points: the flip copies pixels exactly.
    return [fx ? -1 : 1, 0, fx ? w - 1 : 0, 0, fy ? -1 : 1, fy ? h - 1 : 0, 0, 0];
  }

  /** The layer's arguments (Keras' get_config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mode: this.mode };
  }
}

export interface RandomTranslationArgs extends LayerArgs, FillArgs {
  /** Vertical shift as a fraction of the height: f (shift in [-f, f]) or [lower, upper]. */
  heightFactor: Factor;
  /** Horizontal shift as a fraction of the width. */
  widthFactor: Factor;
}

/**
 * Shifts each image by a random fraction of its size while training (Keras 3 RandomTranslation).
 * @example sg.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, fillMode: 'nearest' });
 */
export class RandomTranslation extends RandomAffineLayer {
  static override className = 'RandomTranslation';
  /** The vertical shift range, as a fraction of the height. */
  readonly heightFactor: Factor;
  /** The horizontal shift range, as a fraction of the width. */
  readonly widthFactor: Factor;
  private readonly hr: [number, number];
  private readonly wr: [number, number];

  constructor(args: RandomTranslationArgs) {
    super(args);
    this.hr = factorRange('RandomTranslation', 'heightFactor', args?.heightFactor);
    this.wr = factorRange('RandomTranslation', 'widthFactor', args?.widthFactor);
    this.heightFactor = args.heightFactor;
    this.widthFactor = args.widthFactor;
  }

  protected matrix(h: number, w: number): number[] {
    const dy = this.draw(...this.hr) * h;
    const dx = this.draw(...this.wr) * w;
    return [1, 0, -dx, 0, 1, -dy, 0, 0];
  }

  /** The layer's arguments (Keras' get_config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}

export interface RandomRotationArgs extends LayerArgs, FillArgs {
  /** Rotation as a fraction of a full turn (2 pi): f (angle in [-f, f] turns) or [lower, upper]. */
  factor: Factor;
}

/**
 * Rotates each image about its centre by a random angle while training (Keras 3 RandomRotation).
 * @example sg.layers.randomRotation({ factor: 0.1 }); // up to +-36 degrees
 */
export class RandomRotation extends RandomAffineLayer {
  static override className = 'RandomRotation';
  /** The rotation range, as a fraction of a full turn (0.1: up to 36 degrees either way). */
  readonly factor: Factor;
  private readonly range: [number, number];

  constructor(args: RandomRotationArgs) {
    super(args);
    this.range = factorRange('RandomRotation', 'factor', args?.factor);
    this.factor = args.factor;
  }

  protected matrix(h: number, w: number): number[] {
    return rotationMatrix(this.draw(...this.range) * 2 * Math.PI, h, w);
  }

  /** The layer's arguments (Keras' get_config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), factor: this.factor };
  }
}

/** Keras' _compute_affine_matrix for a rotation by `angle` radians about ((w-1)/2, (h-1)/2). */
export function rotationMatrix(angle: number, h: number, w: number): number[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  return [c, -s, cx - cx * c + cy * s, s, c, cy - cx * s - cy * c, 0, 0];
}

export interface RandomZoomArgs extends LayerArgs, FillArgs {
  /** Vertical zoom: f (the image is scaled by 1 + u, u in [-f, f]; positive zooms out) or [lower, upper]. */
  heightFactor: Factor;
  /** Horizontal zoom; when absent the vertical draw is used for both axes (aspect ratio kept). */
  widthFactor?: Factor | null;
}

/**
 * Zooms each image in or out about its centre while training (Keras 3 RandomZoom).
 * @example sg.layers.randomZoom({ heightFactor: 0.2 });
 */
export class RandomZoom extends RandomAffineLayer {
  static override className = 'RandomZoom';
  /** The vertical zoom range: f (scale by 1 + u, u in [-f, f]; positive zooms out) or [lower, upper]. */
  readonly heightFactor: Factor;
  /** The horizontal zoom range, or null to keep the aspect ratio (the height's draw is used). */
  readonly widthFactor: Factor | null;
  private readonly hr: [number, number];
  private readonly wr: [number, number] | null;

  constructor(args: RandomZoomArgs) {
    super(args);
    this.hr = factorRange('RandomZoom', 'heightFactor', args?.heightFactor);
    this.wr = args.widthFactor == null ? null : factorRange('RandomZoom', 'widthFactor', args.widthFactor);
    this.heightFactor = args.heightFactor;
    this.widthFactor = args.widthFactor ?? null;
  }

  protected matrix(h: number, w: number): number[] {
    const zy = 1 + this.draw(...this.hr);
    const zx = this.wr ? 1 + this.draw(...this.wr) : zy;
    return [zx, 0, ((w - 1) / 2) * (1 - zx), 0, zy, ((h - 1) / 2) * (1 - zy), 0, 0];
  }

  /** The layer's arguments (Keras' get_config). */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), heightFactor: this.heightFactor, widthFactor: this.widthFactor };
  }
}
