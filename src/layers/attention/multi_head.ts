// Keras 3's MultiHeadAttention: query/key/value projections to `numHeads` heads, scaled
// dot-product attention per head with Keras' masks (the inputs' masks, an explicit
// `attentionMask`, `useCausalMask`), dropout on the weights, and an output projection. Weights
// in Keras' layout and order: query/key/value kernels [dim, numHeads, keyDim] (value: valueDim)
// with biases [numHeads, keyDim], output kernel [numHeads, valueDim, ...outputShape] and bias
// [...outputShape]. The attention itself runs in the fused kernel (sg.dotProductAttention: no
// transposes, one head's block at a time) wherever Keras 3 itself calls ops.dot_product_attention
// (no returned scores, no dropout); with returned scores or dropout it is composed from matMul,
// transpose and softmax as Keras' _compute_attention does (masked rows then give zeros).
import { fmt, sizeFromShape } from '../../engine/shape.js';
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { mul } from '../../ops/binary.js';
import { fused } from '../../ops/fused_matmul.js';
import { matMul } from '../../ops/matmul.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { transpose } from '../../ops/transpose.js';
import { dotProductAttention } from '../../ops/attention.js';
import {
  Layer,
  type CallArgs,
  type ConstraintArg,
  type InitializerArg,
  type LayerArgs,
  type LayerWeight,
  type RegularizerArg,
} from '../layer.js';
import { SymbolicTensor, type SymbolicShape } from '../symbolic.js';
import { weightConfig } from '../config_util.js';
import {
  andMasks,
  asFloatMask,
  causalMask,
  checkedMask,
  dropoutWeights,
  isShapeList,
  maskList,
  maskedSoftmax,
  showShape,
  symbolicMaskCall,
  withoutMaskShape,
} from './common.js';

export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Number of attention heads. */
  numHeads: number;
  /** Size of each head for query and key. */
  keyDim: number;
  /** Size of each head for value (default keyDim). */
  valueDim?: number;
  /** Dropout rate of the attention weights (default 0). */
  dropout?: number;
  /** Whether the projections have biases (default true). */
  useBias?: boolean;
  /** The output's feature shape (an integer or a list); default the query's last dimension. */
  outputShape?: number | number[];
  /**
   * The axes attention runs over (Keras' attention_axes; negative counts from the end of the
   * input's shape). Default: every axis between the batch and the features, which for
   * [batch, steps, features] is [1]. The other axes between batch and features act as batch
   * axes: attentionAxes [2] on [batch, X, Y, features] attends along Y separately for each X.
   * Other than the default they take no masks (Keras' masks are defined for [batch, T, S]).
   */
  attentionAxes?: number | number[] | null;
  /** Initializer of the query, key, value and output kernels (default 'glorotUniform'). */
  kernelInitializer?: InitializerArg;
  /** Initializer of the four projections' biases (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** Regularizer of the four kernels (default none). */
  kernelRegularizer?: RegularizerArg;
  /** Regularizer of the four biases (default none). */
  biasRegularizer?: RegularizerArg;
  /** Constraint applied to the four kernels after each optimizer step (default none). */
  kernelConstraint?: ConstraintArg;
  /** Constraint applied to the four biases after each optimizer step (default none). */
  biasConstraint?: ConstraintArg;
  /** Seed of the attention dropout. */
  seed?: number;
}

/** Call arguments of multiHeadAttention (besides `training` and the inputs' `mask`). */
export interface MultiHeadAttentionCallArgs extends CallArgs {
  /**
   * [batch, T, S] (bool, or non-zero = attend): which keys each query may attend to. In the
   * functional API a SymbolicTensor (a second `sg.input`, as Keras' `attention_mask=`): it becomes
   * one more input of the layer's graph node.
   */
  attentionMask?: Tensor | SymbolicTensor | null;
  /** @internal Set on graph nodes whose last input is the attention mask (see attentionMask). */
  attentionMaskInput?: boolean;
  /** Masks keys after each query's position. */
  useCausalMask?: boolean;
  /** Also return the attention weights [batch, numHeads, T, S]. */
  returnAttentionScores?: boolean;
}

/** A projection's kernel and (with useBias) bias (also GroupedQueryAttention's). */
export interface Projection {
  kernel: LayerWeight;
  bias?: LayerWeight;
}

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/**
 * Multi-head attention as Keras 3: called on `[query, value]` or `[query, value, key]`.
 * @example
 * const mha = sg.layers.multiHeadAttention({ numHeads: 2, keyDim: 16 });
 * const y = mha.apply([x, x], { useCausalMask: true }); // self-attention
 */
export class MultiHeadAttention extends Layer {
  static override className = 'MultiHeadAttention';
  override readonly supportsMasking = true;
  /** Number of attention heads. */
  readonly numHeads: number;
  /** Size of each head for query and key. */
  readonly keyDim: number;
  /** Size of each head for value (keyDim unless given). */
  readonly valueDim: number;
  /** Dropout rate of the attention weights (0 = none). */
  readonly dropout: number;
  /** Whether the projections have biases. */
  readonly useBias: boolean;
  /** The `outputShape` argument as a list (undefined: the query's last dimension). */
  readonly outputShapeArg?: number[];
  private readonly rng: Rng;
  private scoresWanted = false;
  /** Set while `apply` records a call whose last input is a symbolic attention mask. */
  private maskInput = false;
  /** The query projection: kernel [queryFeatures, numHeads, keyDim] and bias (set by `build`). */
  query?: Projection;
  /** The key projection: kernel [keyFeatures, numHeads, keyDim] and bias (set by `build`). */
  key?: Projection;
  /** The value projection: kernel [valueFeatures, numHeads, valueDim] and bias (set by `build`). */
  value?: Projection;
  /** The output projection ('attention_output'): kernel [numHeads, valueDim, ...outputShape] and bias (set by `build`). */
  out?: Projection;
  private outDims: number[] = [];

  constructor(private readonly args: MultiHeadAttentionArgs) {
    super(args);
    const c = 'MultiHeadAttention';
    if (!posInt(args?.numHeads))
      throw new Error(`${c}: 'numHeads' must be a positive integer but is ${args?.numHeads}`);
    if (!posInt(args.keyDim)) throw new Error(`${c}: 'keyDim' must be a positive integer but is ${args.keyDim}`);
    if (args.valueDim !== undefined && args.valueDim !== null && !posInt(args.valueDim)) {
      throw new Error(`${c}: 'valueDim' must be a positive integer but is ${args.valueDim}`);
    }
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropout = args.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) {
      throw new Error(`${c}: 'dropout' must be a number in [0, 1) but is ${args.dropout}`);
    }
    this.useBias = args.useBias ?? true;
    if (args.outputShape !== undefined && args.outputShape !== null) {
      const o = typeof args.outputShape === 'number' ? [args.outputShape] : args.outputShape;
      if (!Array.isArray(o) || o.length === 0 || !o.every(posInt)) {
        throw new Error(
          `${c}: 'outputShape' must be a positive integer or a list of them but is ${JSON.stringify(args.outputShape)}`,
        );
      }
      this.outputShapeArg = o;
    }
    this.rng = new Rng(args.seed);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override apply(inputs: any, args: CallArgs = {}): any {
    this.scoresWanted = !!args.returnAttentionScores;
    const call = symbolicMaskCall(this.name, inputs, args as MultiHeadAttentionCallArgs);
    this.maskInput = call.maskInput;
    try {
      return super.apply(call.inputs, call.args);
    } finally {
      this.scoresWanted = false;
      this.maskInput = false;
    }
  }

  private shapes(shape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    shape = withoutMaskShape(this.name, shape, this.maskInput);
    if (!isShapeList(shape) || shape.length < 2 || shape.length > 3) {
      throw new Error(
        `${this.name}: a MultiHeadAttention layer must be called on [query, value] or [query, value, key] but got ${isShapeList(shape) ? `${shape.length} inputs` : `one input of shape ${showShape(shape)}`}`,
      );
    }
    const [q, v, k = v] = shape;
    const all = shape.map(showShape).join(', ');
    if (q.length < 3 || v.length !== q.length || k.length !== q.length) {
      throw new Error(
        `${this.name}: query, value and key must have one rank >= 3 ([batch, steps..., features]) but got ${all}`,
      );
    }
    if (v.slice(1, -1).some((d, i) => d !== null && k[i + 1] !== null && d !== k[i + 1])) {
      throw new Error(`${this.name}: value and key must have the same steps but got ${all}`);
    }
    const axes = this.attnAxes(q.length);
    if (axes) {
      const batchLike = this.batchLikeAxes(q.length, axes);
      if (batchLike.some((a) => q[a] !== null && v[a] !== null && q[a] !== v[a])) {
        throw new Error(
          `${this.name}: with attentionAxes ${JSON.stringify(this.args.attentionAxes)} the query's other axes ${JSON.stringify(batchLike)} act as batch axes and must equal the value's, but got ${all}`,
        );
      }
    }
    for (const s of [q, v, k]) {
      if (s[s.length - 1] === null)
        throw new Error(`${this.name}: the last dimension of every input must be known but got ${all}`);
    }
    if (this.query) {
      const want = [this.query.kernel.shape[0], this.value!.kernel.shape[0], this.key!.kernel.shape[0]];
      const got = [q, v, k].map((s) => s[s.length - 1]);
      if (got.some((d, i) => d !== want[i])) {
        throw new Error(`${this.name}: built for query/value/key features ${want.join('/')} but got ${all}`);
      }
    }
    return shape;
  }

  protected override checkInput(shape: SymbolicShape | SymbolicShape[]): void {
    this.shapes(shape);
  }

  override computeOutputShape(shape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    const [q, v, k = v] = this.shapes(shape);
    const out = [...q.slice(0, -1), ...(this.outputShapeArg ?? [q[q.length - 1]])];
    if (!this.scoresWanted) return out;
    const axes = this.attnAxes(q.length);
    if (axes) {
      // Keras' layout: [batch, <batch-like axes>, heads, <query attention axes>, <key attention axes>]
      const bl = this.batchLikeAxes(q.length, axes);
      return [out, [q[0], ...bl.map((a) => q[a]), this.numHeads, ...axes.map((a) => q[a]), ...axes.map((a) => k[a])]];
    }
    return [out, [q[0], this.numHeads, ...q.slice(1, -1), ...k.slice(1, -1)]];
  }

  /**
   * The attention axes of an input of `rank`, normalized (negatives from the end of the input),
   * in the order given; null for the default (every axis between batch and features).
   */
  private attnAxes(rank: number): number[] | null {
    const axes = this.args.attentionAxes;
    if (axes === undefined || axes === null) return null;
    const given = typeof axes === 'number' ? [axes] : axes;
    const list = given.map((a) => (a < 0 ? a + rank : a));
    if (
      !Array.isArray(given) ||
      list.length === 0 ||
      list.some((a) => !Number.isInteger(a) || a < 1 || a > rank - 2) ||
      new Set(list).size !== list.length
    ) {
      throw new Error(
        `${this.name}: attentionAxes must be distinct axes between the batch and the features (1 to ${rank - 2}, or negative from the end) of inputs of rank ${rank} but is ${JSON.stringify(axes)}`,
      );
    }
    const dflt = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    return list.length === dflt.length && list.every((a, i) => a === dflt[i]) ? null : list;
  }

  /** The axes between batch and features that are not attention axes (they act as batch axes). */
  private batchLikeAxes(rank: number, axes: number[]): number[] {
    return Array.from({ length: rank - 2 }, (_, i) => i + 1).filter((a) => !axes.includes(a));
  }

  private projection(name: string, inDim: number, outShape: number[]): Projection {
    const a = this.args;
    const kernel = this.addWeight(`${name}/kernel`, [inDim, ...outShape], a.kernelInitializer ?? 'glorotUniform', {
      regularizer: a.kernelRegularizer,
      constraint: a.kernelConstraint,
    });
    const bias = this.useBias
      ? this.addWeight(`${name}/bias`, outShape, a.biasInitializer ?? 'zeros', {
          regularizer: a.biasRegularizer,
          constraint: a.biasConstraint,
        })
      : undefined;
    return { kernel, bias };
  }

  override build(shape: SymbolicShape | SymbolicShape[]): void {
    const [q, v, k = v] = this.shapes(shape);
    const last = (s: SymbolicShape) => s[s.length - 1] as number;
    this.outDims = this.outputShapeArg ?? [last(q)];
    // Keras' order: query, key, value, output.
    this.query = this.projection('query', last(q), [this.numHeads, this.keyDim]);
    this.key = this.projection('key', last(k), [this.numHeads, this.keyDim]);
    this.value = this.projection('value', last(v), [this.numHeads, this.valueDim]);
    const a = this.args;
    const kernel = this.addWeight(
      'attention_output/kernel',
      [this.numHeads, this.valueDim, ...this.outDims],
      a.kernelInitializer ?? 'glorotUniform',
      {
        regularizer: a.kernelRegularizer,
        constraint: a.kernelConstraint,
      },
    );
    const bias = this.useBias
      ? this.addWeight('attention_output/bias', this.outDims, a.biasInitializer ?? 'zeros', {
          regularizer: a.biasRegularizer,
          constraint: a.biasConstraint,
        })
      : undefined;
    this.out = { kernel, bias };
    this.built = true;
  }

  /** x2 [rows, inDim] times the kernel [...in, ...o] (+ bias [...o]) as one GEMM: [rows, prod(o)]. */
  private dense(x2: Tensor, p: Projection): Tensor {
    const k = p.kernel.read();
    const inDim = x2.shape[1];
    const outSize = sizeFromShape(k.shape) / inDim;
    return fused.matMul({
      a: x2,
      b: reshape(k, [inDim, outSize]),
      bias: p.bias ? reshape(p.bias.read(), [outSize]) : undefined,
    });
  }

  /** [B, T..., d] -> projected [B, T, N, h] (the steps flattened into one axis; a view of the GEMM's output). */
  private projected(x: Tensor, p: Projection, h: number): Tensor {
    const B = x.shape[0];
    const T = sizeFromShape(x.shape.slice(1, -1));
    return reshape(this.dense(reshape(x, [B * T, x.shape[x.rank - 1]]), p), [B, T, this.numHeads, h]);
  }

  /** [B, T..., d] -> heads [B, N, T, h] (the steps flattened into one axis). */
  private heads(x: Tensor, p: Projection, h: number): Tensor {
    const B = x.shape[0];
    const T = sizeFromShape(x.shape.slice(1, -1));
    const y = this.dense(reshape(x, [B * T, x.shape[x.rank - 1]]), p);
    return transpose(reshape(y, [B, T, this.numHeads, h]), [0, 2, 1, 3]);
  }

  /** Keras' _compute_attention_mask: query [B,T,1] & value [B,1,S] & key [B,1,S] & causal [1,T,S] & attentionMask. */
  private attentionMask(
    q: Tensor,
    v: Tensor,
    k: Tensor,
    keyGiven: boolean,
    args: MultiHeadAttentionCallArgs,
    withCausal = true,
  ): Tensor | null {
    const B = q.shape[0];
    const T = sizeFromShape(q.shape.slice(1, -1));
    const S = sizeFromShape(v.shape.slice(1, -1));
    const [qm, vm, km] = maskList(args.mask, keyGiven ? 3 : 2).map((m, i) => {
      if (!m) return null;
      const x = [q, v, k][i];
      const flat = x.rank > 3 ? reshape(m, [m.shape[0], -1]) : m;
      return checkedMask(
        this.name,
        ['query', 'value', 'key'][i],
        flat,
        x.rank > 3 ? reshape(x, [B, -1, x.shape[x.rank - 1]]) : x,
      );
    });
    let explicit: Tensor | null = null;
    if (args.attentionMask) {
      const am = args.attentionMask;
      if (am instanceof SymbolicTensor) {
        throw new Error(`${this.name}: a symbolic attentionMask can only be given with symbolic inputs`);
      }
      const ok =
        (am.rank === 3 && (am.shape[0] === B || am.shape[0] === 1) && am.shape[1] === T && am.shape[2] === S) ||
        (am.rank === 2 && am.shape[0] === T && am.shape[1] === S);
      if (!ok)
        throw new Error(
          `${this.name}: attentionMask must have shape [${B}, ${T}, ${S}] (batch, query steps, key steps) but has shape ${fmt(am.shape)}`,
        );
      explicit = asFloatMask(am);
    }
    return andMasks([
      qm ? expandDims(qm, -1) : null,
      vm ? expandDims(vm, 1) : null,
      km ? expandDims(km, 1) : null,
      args.useCausalMask && withCausal ? causalMask(T, S) : null,
      explicit,
    ]);
  }

  call(inputs: Tensor | Tensor[], args: MultiHeadAttentionCallArgs): Tensor | Tensor[] {
    let xs = Array.isArray(inputs) ? inputs : [inputs];
    if (args.attentionMaskInput) {
      // a graph node recorded with a symbolic attention mask: its value is the last input
      args = Object.assign({}, args, { attentionMask: xs[xs.length - 1] });
      xs = xs.slice(0, -1);
    }
    this.shapes(xs.map((x) => x.shape));
    const [query, value, key = value] = xs;
    const axes = this.attnAxes(query.rank);
    if (axes) return this.callAxes(query, value, key, axes, xs.length === 3, args);
    const B = query.shape[0];
    const qSteps = query.shape.slice(1, -1);
    const composite = !!args.returnAttentionScores || (this.dropout > 0 && !!args.training);
    if (!composite) {
      // Keras 3 calls ops.dot_product_attention here: the fused kernel on [B, T, N, h] views.
      const T = sizeFromShape(qSteps);
      const m = this.attentionMask(query, value, key, xs.length === 3, args, false);
      const ctx = dotProductAttention(
        this.projected(query, this.query!, this.keyDim),
        this.projected(key, this.key!, this.keyDim),
        this.projected(value, this.value!, this.valueDim),
        {
          // [B|1, T|1, S|1] (or [T, S]) -> [B|1, 1, T|1, S|1]: one mask for every head
          mask: m ? reshape(m, m.rank === 2 ? [1, 1, ...m.shape] : [m.shape[0], 1, m.shape[1], m.shape[2]]) : null,
          isCausal: !!args.useCausalMask,
          scale: 1 / Math.sqrt(this.keyDim),
          // Keras' Softmax-with-mask path (taken when dropout > 0) zeroes fully masked rows;
          // ops.dot_product_attention gives them uniform weights.
          emptyRows: this.dropout > 0 ? 'zeros' : 'uniform',
        },
      );
      const merged = reshape(ctx, [B * T, this.numHeads * this.valueDim]);
      return reshape(this.dense(merged, this.out!), [B, ...qSteps, ...this.outDims]);
    }
    const mask = this.attentionMask(query, value, key, xs.length === 3, args);
    const q = mul(this.heads(query, this.query!, this.keyDim), 1 / Math.sqrt(this.keyDim));
    const k = this.heads(key, this.key!, this.keyDim);
    const v = this.heads(value, this.value!, this.valueDim);
    const scores = maskedSoftmax(matMul(q, k, false, true), mask ? expandDims(mask, 1) : null); // [B, N, T, S]
    const ctx = matMul(dropoutWeights(scores, this.dropout, this.rng, args.training), v); // [B, N, T, Vd]
    const T = ctx.shape[2];
    const merged = reshape(transpose(ctx, [0, 2, 1, 3]), [B * T, this.numHeads * this.valueDim]);
    const out = reshape(this.dense(merged, this.out!), [B, ...qSteps, ...this.outDims]);
    if (!args.returnAttentionScores) return out;
    const kSteps = key.shape.slice(1, -1);
    return [out, qSteps.length === 1 ? scores : reshape(scores, [B, this.numHeads, ...qSteps, ...kSteps])];
  }

  /**
   * Attention over non-default axes: the projections [B, d..., N, h] are permuted to
   * [B, <batch-like axes>, <attention axes>, N, h] and flattened to [B', T, N, h] for the fused
   * kernel (or Keras' composite when scores are returned or dropout is active), then put back.
   */
  private callAxes(
    query: Tensor,
    value: Tensor,
    key: Tensor,
    axes: number[],
    keyGiven: boolean,
    args: MultiHeadAttentionCallArgs,
  ): Tensor | Tensor[] {
    const masks = maskList(args.mask, keyGiven ? 3 : 2);
    if (masks.some((m) => m) || args.attentionMask || args.useCausalMask) {
      throw new Error(
        `${this.name}: attentionAxes ${JSON.stringify(this.args.attentionAxes)} takes no masks (inputs' masks, attentionMask, useCausalMask): Keras defines them for [batch, T, S] attention only`,
      );
    }
    const r = query.rank;
    const B = query.shape[0];
    const N = this.numHeads;
    const bl = this.batchLikeAxes(r, axes);
    const perm = [0, ...bl, ...axes, r - 1, r]; // over the projected rank r + 1
    const proj = (x: Tensor, p: Projection, h: number) => {
      const steps = x.shape.slice(1, -1);
      const y = this.dense(reshape(x, [B * sizeFromShape(steps), x.shape[r - 1]]), p);
      return transpose(reshape(y, [B, ...steps, N, h]), perm);
    };
    // [B, <batch-like>, <attention axes>, N, h] -> [B * prod(batch-like), prod(attention axes), N, h]
    const flat = (t: Tensor, h: number) => reshape(t, [B * sizeFromShape(t.shape.slice(1, 1 + bl.length)), -1, N, h]);
    const qp = proj(query, this.query!, this.keyDim);
    const kp = proj(key, this.key!, this.keyDim);
    const vp = proj(value, this.value!, this.valueDim);
    const composite = !!args.returnAttentionScores || (this.dropout > 0 && !!args.training);
    let ctx: Tensor;
    let scores: Tensor | null = null;
    if (!composite) {
      ctx = dotProductAttention(flat(qp, this.keyDim), flat(kp, this.keyDim), flat(vp, this.valueDim), {
        scale: 1 / Math.sqrt(this.keyDim),
      });
    } else {
      const heads = (t: Tensor) => transpose(t, [0, 2, 1, 3]);
      const q = mul(heads(flat(qp, this.keyDim)), 1 / Math.sqrt(this.keyDim));
      scores = maskedSoftmax(matMul(q, heads(flat(kp, this.keyDim)), false, true), null); // [B', N, T, S]
      const w = dropoutWeights(scores, this.dropout, this.rng, args.training);
      ctx = heads(matMul(w, heads(flat(vp, this.valueDim)))); // [B', T, N, Vd]
    }
    // [B', T, N, Vd] -> [B, <batch-like>, <attention axes>, N, Vd] -> the query's axis order
    const permuted = reshape(ctx, [...qp.shape.slice(0, -1), this.valueDim]);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const back = transpose(permuted, inverse); // [B, d..., N, Vd]
    const rows = sizeFromShape(back.shape.slice(0, -2));
    const out = reshape(this.dense(reshape(back, [rows, N * this.valueDim]), this.out!), [
      ...query.shape.slice(0, -1),
      ...this.outDims,
    ]);
    if (!args.returnAttentionScores) return out;
    // [B', N, Tq, Tk] -> Keras' [B, <batch-like>, N, <query attention axes>, <key attention axes>]
    const s = reshape(scores!, [
      B,
      ...bl.map((a) => query.shape[a]),
      N,
      ...axes.map((a) => query.shape[a]),
      ...axes.map((a) => key.shape[a]),
    ]);
    return [out, s];
  }

  /**
   * Where Keras 3 keeps each weight in a .keras file's model.weights.h5: in its four EinsumDense
   * sublayers (query_dense, key_dense, value_dense, output_dense), kernel vars/0 and bias vars/1.
   */
  kerasWeightPaths(prefix: string): { path: string; weight: LayerWeight }[] {
    const parts: [string, Projection | undefined][] = [
      ['query_dense', this.query],
      ['key_dense', this.key],
      ['value_dense', this.value],
      ['output_dense', this.out],
    ];
    return parts.flatMap(([name, p]) =>
      p ? [p.kernel, ...(p.bias ? [p.bias] : [])].map((weight, i) => ({ path: `${prefix}/${name}/vars/${i}`, weight })) : [],
    );
  }

  /** Keras: the output carries the query's mask. */
  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null): Tensor | null {
    return maskList(mask, Array.isArray(inputs) ? inputs.length : 1)[0];
  }

  override getConfig(): Record<string, unknown> {
    const a = this.args;
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShapeArg ?? null,
      attentionAxes: a.attentionAxes ?? null,
      ...weightConfig(a, { kernel: 'glorotUniform', bias: 'zeros' }),
      seed: a.seed ?? null,
    };
  }
}
