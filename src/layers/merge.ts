// Merge layers (Keras' keras.layers.merging): add, subtract, multiply, average, maximum, minimum,
// concatenate and dot, with Keras 3's broadcasting across ranks and its mask rules. Each factory
// takes either the layer's arguments (returns the layer) or a list of tensors (applies a new layer
// to them), as tfjs-layers' `tf.layers.add` and Keras' `layers.add([a, b])`.
import type { Tensor } from '../engine/tensor.js';
import { add, div, greater, maximum, minimum, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { concat } from '../ops/concat.js';
import { onesLike } from '../ops/creation.js';
import { matMul } from '../ops/matmul.js';
import { max, sum } from '../ops/reduce.js';
import { expandDims, reshape, squeeze } from '../ops/reshape.js';
import { transpose } from '../ops/transpose.js';
import { rsqrt, square } from '../ops/unary.js';
import { where } from '../ops/where.js';
import { Layer, type CallArgs, type LayerArgs } from './layer.js';
import { SymbolicTensor, shapeStr, type SymbolicShape } from './symbolic.js';

/** @inline */
type Mask = Tensor | null;

const showShapes = (shapes: SymbolicShape[]) => shapes.map(shapeStr).join(', ');

function isShapeList(s: SymbolicShape | SymbolicShape[]): s is SymbolicShape[] {
  return s.length > 0 && s.every((d) => Array.isArray(d));
}

/** The masks a merge layer got, one per input (null where an input has none). */
function maskList(mask: CallArgs['mask'], n: number): Mask[] {
  if (!mask) return new Array<Mask>(n).fill(null);
  return Array.isArray(mask) ? mask : [mask, ...new Array<Mask>(n - 1).fill(null)];
}

/** Element-wise OR of two bool masks. */
function orMask(a: Tensor, b: Tensor): Tensor {
  return greater(add(cast(a, 'float32'), cast(b, 'float32')), 0);
}

/** A [batch, ...] mask made to broadcast against `x` (Keras: expand_dims(mask, -1)). */
function maskFor(m: Tensor, x: Tensor): Tensor {
  return m.rank < x.rank ? expandDims(m, -1) : m;
}

/**
 * Keras' _Merge: checks that the inputs broadcast together (ignoring the batch dimension, ranks
 * aligned on the right) and, where ranks differ, inserts unit dimensions after the batch one.
 */
export abstract class Merge extends Layer {
  override readonly supportsMasking = true;
  /** How many inputs the layer takes: at least `minInputs`, exactly `exactInputs` when set. */
  protected readonly minInputs: number = 1;
  protected readonly exactInputs?: number;
  /** Whether inputs of lower rank get unit dimensions after the batch one (not for concatenate, dot). */
  protected readonly expandRanks: boolean = true;

  /** The merge itself, on inputs of equal rank and their masks. */
  protected abstract mergeFunction(xs: Tensor[], masks: Mask[]): Tensor;

  protected listOf(shape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    if (!isShapeList(shape)) {
      throw new Error(
        `${this.name}: a ${this.className} layer should be called on a list of inputs, but got one input of shape ${shapeStr(shape)}`,
      );
    }
    const n = shape.length;
    if (this.exactInputs !== undefined ? n !== this.exactInputs : n < this.minInputs) {
      const want = this.exactInputs !== undefined ? `exactly ${this.exactInputs}` : `at least ${this.minInputs}`;
      throw new Error(`${this.name}: a ${this.className} layer should be called on ${want} inputs but got ${n}: ${showShapes(shape)}`);
    }
    return shape;
  }

  /** Keras' _compute_elemwise_op_output_shape on shapes without the batch dimension. */
  private broadcast(a: SymbolicShape, b: SymbolicShape, all: SymbolicShape[]): SymbolicShape {
    if (a.length < b.length) return this.broadcast(b, a, all);
    if (b.length === 0) return a;
    const out = a.slice(0, a.length - b.length);
    a.slice(a.length - b.length).forEach((i, k) => {
      const j = b[k];
      if (i === null || j === null) out.push(null);
      else if (i === 1) out.push(j);
      else if (j === 1) out.push(i);
      else if (i !== j) {
        throw new Error(`${this.name}: inputs have incompatible shapes ${showShapes(all)} (${i} vs ${j})`);
      } else out.push(i);
    });
    return out;
  }

  protected override checkInput(shape: SymbolicShape | SymbolicShape[]): void {
    this.computeOutputShape(shape);
  }

  override computeOutputShape(shape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = this.listOf(shape);
    const batches = new Set(shapes.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batches.size > 1) throw new Error(`${this.name}: cannot merge tensors with different batch sizes: ${showShapes(shapes)}`);
    let out = shapes[0].slice(1);
    for (const s of shapes.slice(1)) out = this.broadcast(out, s.slice(1), shapes);
    return [batches.size === 1 ? [...batches][0] : null, ...out];
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.computeOutputShape(xs.map((x) => x.shape)); // validates, naming the layer and the shapes
    const maxRank = Math.max(...xs.map((x) => x.rank));
    const same = xs.map((x) => {
      let y = x;
      while (this.expandRanks && y.rank < maxRank) y = expandDims(y, 1);
      return y;
    });
    return this.mergeFunction(same, maskList(args.mask, xs.length));
  }

  /** Keras 3: the OR of the input masks when every input has one, else none. */
  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Mask[] | null): Tensor | null {
    if (!mask) return null;
    const ms = maskList(mask, Array.isArray(inputs) ? inputs.length : 1);
    if (ms.some((m) => m === null)) return null;
    return (ms as Tensor[]).reduce((a, b) => orMask(a, b));
  }
}

/** `x_0 + x_1 + ...` (masks ignored in the values, ORed for the output). */
export class Add extends Merge {
  static override className = 'Add';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => add(a, b));
  }
}

/** `x_0 - x_1`, exactly two inputs. */
export class Subtract extends Merge {
  static override className = 'Subtract';
  protected override readonly exactInputs = 2;
  protected mergeFunction(xs: Tensor[]): Tensor {
    return sub(xs[0], xs[1]);
  }
}

/** The element-wise mean of the inputs. */
export class Average extends Merge {
  static override className = 'Average';
  protected mergeFunction(xs: Tensor[]): Tensor {
    return div(
      xs.reduce((a, b) => add(a, b)),
      xs.length,
    );
  }
}

/**
 * The element-wise product. Keras 3's masks: a masked-out entry counts as 1; when every input has
 * a mask, entries masked out in all of them are 0.
 */
export class Multiply extends Merge {
  static override className = 'Multiply';
  protected mergeFunction(xs: Tensor[], masks: Mask[]): Tensor {
    const all = masks.every((m) => m !== null);
    let out: Tensor | null = null;
    let outMask: Tensor | null = null;
    xs.forEach((x0, i) => {
      let x = x0;
      const m = masks[i];
      if (m) {
        const mb = maskFor(m, x);
        x = where(mb, x, 1);
        if (all) outMask = outMask ? orMask(outMask, mb) : mb;
      }
      out = out ? mul(out, x) : x;
    });
    return all && outMask ? where(outMask, out!, 0) : out!;
  }
}

/**
 * Keras 3's _apply_merge_op_and_or_mask: a masked-out entry takes the other operand's value, so
 * it never wins a maximum or minimum against an unmasked one.
 */
function maskedReduce(xs: Tensor[], masks: Mask[], op: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let out = xs[0];
  let outMask: Tensor | null = masks[0] ? maskFor(masks[0], xs[0]) : null;
  for (let i = 1; i < xs.length; i++) {
    let x = xs[i];
    const m = masks[i] ? maskFor(masks[i]!, x) : null;
    if (m) x = where(m, x, out);
    if (outMask) out = where(outMask, out, x);
    outMask = m && outMask ? orMask(outMask, m) : null;
    out = op(out, x);
  }
  return out;
}

/** The element-wise maximum of the inputs. */
export class Maximum extends Merge {
  static override className = 'Maximum';
  protected mergeFunction(xs: Tensor[], masks: Mask[]): Tensor {
    return maskedReduce(xs, masks, maximum);
  }
}

/** The element-wise minimum of the inputs. */
export class Minimum extends Merge {
  static override className = 'Minimum';
  protected mergeFunction(xs: Tensor[], masks: Mask[]): Tensor {
    return maskedReduce(xs, masks, minimum);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to concatenate along (default -1, the last). */
  axis?: number;
}

/** Concatenates the inputs along `axis`; every other dimension must match. */
export class Concatenate extends Merge {
  static override className = 'Concatenate';
  protected override readonly expandRanks = false;
  /** The axis the inputs are concatenated along. */
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new Error(`Concatenate: 'axis' must be an integer but is ${args.axis}`);
  }

  private axisFor(rank: number, shapes: SymbolicShape[]): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) throw new Error(`${this.name}: axis ${this.axis} is out of range for inputs ${showShapes(shapes)}`);
    if (a === 0) throw new Error(`${this.name}: cannot concatenate along the batch axis (axis ${this.axis}) of ${showShapes(shapes)}`);
    return a;
  }

  override computeOutputShape(shape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = this.listOf(shape);
    const rank = shapes[0].length;
    if (shapes.some((s) => s.length !== rank)) {
      throw new Error(`${this.name}: a Concatenate layer needs inputs of one rank but got ${showShapes(shapes)}`);
    }
    const a = this.axisFor(rank, shapes);
    const out = shapes[0].slice();
    for (const s of shapes.slice(1)) {
      s.forEach((d, k) => {
        if (k === a) return;
        if (d !== null && out[k] !== null && d !== out[k]) {
          throw new Error(
            `${this.name}: a Concatenate layer requires inputs with matching shapes except for the concatenation axis ${this.axis}; got ${showShapes(shapes)}`,
          );
        }
        if (out[k] === null) out[k] = d;
      });
      out[a] = out[a] === null || s[a] === null ? null : (out[a] as number) + (s[a] as number);
    }
    return out;
  }

  protected mergeFunction(xs: Tensor[]): Tensor {
    return concat(xs, this.axisFor(xs[0].rank, []));
  }

  /**
   * Keras 3: each input's mask widened to the input's shape (all true where an input has none),
   * concatenated along `axis`, then OR over the last axis.
   */
  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Mask[] | null): Tensor | null {
    if (!mask) return null;
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    const ms = maskList(mask, xs.length);
    if (ms.every((m) => m === null)) return null;
    const full = xs.map((x, i) => {
      const m = ms[i];
      if (!m) return onesLike(x);
      const f = cast(maskFor(m, x), 'float32');
      return m.rank < x.rank ? mul(f, onesLike(x)) : f;
    });
    return greater(max(concat(full, this.axisFor(xs[0].rank, [])), -1), 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  /** The axis of each input to sum over: one for both, or [axis of the first, axis of the second] (default -1). */
  axes?: number | [number, number];
  /** L2-normalise both inputs along their axes first, so the result is the cosine similarity. */
  normalize?: boolean;
}

/** x / sqrt(max(sum(x^2, axis), 1e-12)), as Keras' normalize. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), axis, true), 1e-12)));
}

/**
 * Keras' batch_dot: for each sample, the dot product of x and y over x's axis a and y's axis b;
 * the output is x's other dimensions then y's (batch once), at least [batch, 1].
 */
export function batchDot(x: Tensor, y: Tensor, axes: [number, number]): Tensor {
  const xRank0 = x.rank;
  const yRank0 = y.rank;
  let [a0, a1] = axes;
  if (xRank0 === 2) {
    x = expandDims(x, 1);
    a0 += 1;
  }
  if (yRank0 === 2) y = expandDims(y, 2);
  // x's summed axis last, y's second.
  if (a0 !== x.rank - 1) {
    const p = [...Array(x.rank).keys()].filter((k) => k !== a0);
    x = transpose(x, [...p, a0]);
  }
  if (a1 !== 1) {
    const p = [...Array(y.rank).keys()].filter((k) => k !== a1 && k !== 0);
    y = transpose(y, [0, a1, ...p]);
  }
  const xMid = x.shape.slice(1, -1);
  const yTrail = y.shape.slice(2);
  const x3 = x.rank > 3 ? reshape(x, [x.shape[0], xMid.reduce((p, d) => p * d, 1), x.shape[x.rank - 1]]) : x;
  const y3 = y.rank > 3 ? reshape(y, [y.shape[0], y.shape[1], yTrail.reduce((p, d) => p * d, 1)]) : y;
  let out = matMul(x3, y3);
  if (x.rank > 3 || y.rank > 3) out = reshape(out, [out.shape[0], ...xMid, ...yTrail]);
  if (xRank0 === 2) out = squeeze(out, [1]);
  else if (yRank0 === 2) out = squeeze(out, [out.rank - 1]);
  return out;
}

/**
 * The dot product of two inputs over one axis each, per sample (Keras' Dot): [b, n] . [b, n] ->
 * [b, 1]; [b, t, n] . [b, s, n] with axes 2 -> [b, t, s] (attention scores).
 */
export class Dot extends Merge {
  static override className = 'Dot';
  protected override readonly exactInputs = 2;
  protected override readonly expandRanks = false;
  /** The axis of each input the dot product runs over (one number for both). */
  readonly axes: number | [number, number];
  /** Whether the inputs are L2-normalised along `axes` first (cosine similarity). */
  readonly normalize: boolean;

  constructor(args: DotArgs = {}) {
    super(args);
    const axes = args.axes ?? -1;
    const ok = Number.isInteger(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every((a) => Number.isInteger(a)));
    if (!ok) throw new Error(`Dot: 'axes' must be an integer or a list of two integers but is ${JSON.stringify(args.axes)}`);
    this.axes = Array.isArray(axes) ? [axes[0], axes[1]] : axes;
    this.normalize = args.normalize ?? false;
  }

  private axesFor(r1: number, r2: number, shapes: SymbolicShape[]): [number, number] {
    const [p, q] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const a: [number, number] = [p < 0 ? p + r1 : p, q < 0 ? q + r2 : q];
    if (a[0] <= 0 || a[0] >= r1 || a[1] <= 0 || a[1] >= r2) {
      throw new Error(
        `${this.name}: axes ${JSON.stringify(this.axes)} must name a non-batch axis of each input; got inputs ${showShapes(shapes)}`,
      );
    }
    return a;
  }

  override computeOutputShape(shape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = this.listOf(shape);
    const [s1, s2] = shapes;
    if (s1.length < 2 || s2.length < 2) throw new Error(`${this.name}: Dot needs inputs of rank >= 2 but got ${showShapes(shapes)}`);
    if (s1[0] !== null && s2[0] !== null && s1[0] !== s2[0]) {
      throw new Error(`${this.name}: cannot take the dot product of inputs with different batch sizes: ${showShapes(shapes)}`);
    }
    const [a, b] = this.axesFor(s1.length, s2.length, shapes);
    if (s1[a] !== null && s2[b] !== null && s1[a] !== s2[b]) {
      throw new Error(
        `${this.name}: incompatible input shapes: axis ${a} of the first has size ${s1[a]} but axis ${b} of the second has ${s2[b]} (${showShapes(shapes)})`,
      );
    }
    const out = [...s1.filter((_, k) => k !== a), ...s2.filter((_, k) => k !== b && k !== 0)];
    return out.length === 1 ? [...out, 1] : out;
  }

  protected mergeFunction(xs: Tensor[]): Tensor {
    const [x, y] = xs;
    const shapes = xs.map((t) => t.shape);
    const axes = this.axesFor(x.rank, y.rank, shapes);
    return batchDot(this.normalize ? l2Normalize(x, axes[0]) : x, this.normalize ? l2Normalize(y, axes[1]) : y, axes);
  }

  /** Keras' Dot has no output mask. */
  override computeMask(): null {
    return null;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

/**
 * A merge factory: with a list of tensors it applies a new layer to them (Keras'
 * `layers.add([a, b])`); with arguments (or nothing) it returns the layer (tfjs' `tf.layers.add({})`).
 */
export interface MergeFactory<A extends LayerArgs, L extends Layer> {
  (inputs: SymbolicTensor[], args?: A): SymbolicTensor;
  (inputs: Tensor[], args?: A): Tensor;
  (args?: A): L;
}

function factory<A extends LayerArgs, L extends Layer>(make: (a: A) => L): MergeFactory<A, L> {
  return ((first?: unknown, second?: unknown) => {
    if (Array.isArray(first)) {
      const layer = make((second ?? {}) as A);
      return first.every((t) => t instanceof SymbolicTensor)
        ? layer.apply(first as SymbolicTensor[])
        : layer.apply(first as Tensor[]);
    }
    return make((first ?? {}) as A);
  }) as MergeFactory<A, L>;
}

/** The merge factories of the `layers` namespace. */
export const mergeLayers = {
  /** @example const s = sg.layers.add([a, b]); // or sg.layers.add({ name: 'sum' }).apply([a, b]) */
  add: factory((a: LayerArgs) => new Add(a)),
  /** @example const d = sg.layers.subtract([a, b]); */
  subtract: factory((a: LayerArgs) => new Subtract(a)),
  /** @example const p = sg.layers.multiply([a, b]); */
  multiply: factory((a: LayerArgs) => new Multiply(a)),
  /** @example const m = sg.layers.average([a, b, c]); */
  average: factory((a: LayerArgs) => new Average(a)),
  /** @example const m = sg.layers.maximum([a, b]); */
  maximum: factory((a: LayerArgs) => new Maximum(a)),
  /** @example const m = sg.layers.minimum([a, b]); */
  minimum: factory((a: LayerArgs) => new Minimum(a)),
  /** @example const c = sg.layers.concatenate([a, b], { axis: -1 }); */
  concatenate: factory((a: ConcatenateArgs) => new Concatenate(a)),
  /** @example const scores = sg.layers.dot([q, k], { axes: 2 }); */
  dot: factory((a: DotArgs) => new Dot(a)),
};
