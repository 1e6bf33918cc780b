// Keras' dot-product Attention (Luong) and AdditiveAttention (Bahdanau) layers: called on
// [query, value] or [query, value, key], with the masks of the inputs ([queryMask, valueMask]),
// `useCausalMask` and `returnAttentionScores` as call arguments, as Keras 3. Attention with dot
// scores runs the fused kernel (sg.dotProductAttention, one head, Keras' -1e9 mask as its additive
// bias) unless the scores are returned or dropout is active; the rest is composed from ops.
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { add, mul, sub } from '../../ops/binary.js';
import { dotProductAttention } from '../../ops/attention.js';
import { matMul } from '../../ops/matmul.js';
import { sum } from '../../ops/reduce.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { tanh } from '../../ops/unary.js';
import { where } from '../../ops/where.js';
import { greater } from '../../ops/binary.js';
import { Layer, type CallArgs, type LayerArgs, type LayerWeight } from '../layer.js';
import type { SymbolicShape } from '../symbolic.js';
import {
  LARGE_NEGATIVE,
  andMasks,
  causalMask,
  checkedMask,
  dropoutWeights,
  isShapeList,
  maskList,
  showShape,
} from './common.js';
import { softmax } from '../../ops/softmax.js';

export interface BaseAttentionArgs extends LayerArgs {
  /** Whether to learn a scale for the scores (Attention: a scalar, default false; AdditiveAttention: a vector, default true). */
  useScale?: boolean;
  /** Fraction of the attention weights to drop in training (default 0). */
  dropout?: number;
  /** Seed of the dropout. */
  seed?: number;
}

export interface AttentionArgs extends BaseAttentionArgs {
  /** 'dot' (query . key) or 'concat' (sum(tanh(query + key))). Default 'dot'. */
  scoreMode?: 'dot' | 'concat';
}

/** Call arguments of the attention layers (besides `training` and `mask`). */
export interface AttentionCallArgs extends CallArgs {
  /** Masks keys after each query's position (decoder self-attention). */
  useCausalMask?: boolean;
  /** Also return the attention weights ([batch, Tq, Tv]). */
  returnAttentionScores?: boolean;
}

abstract class BaseDenseAttention extends Layer {
  override readonly supportsMasking = true;
  /** Whether a scale for the scores is learned (the `scale` weight). */
  readonly useScale: boolean;
  /** Fraction of the attention weights dropped in training (0 = none). */
  readonly dropout: number;
  protected readonly rng: Rng;
  /** Set while `apply` records a call that asked for the scores (its output shape has two parts). */
  private scoresWanted = false;

  constructor(
    protected readonly baseArgs: BaseAttentionArgs,
    defaultScale: boolean,
  ) {
    super(baseArgs);
    const cls = this.className;
    this.useScale = baseArgs.useScale ?? defaultScale;
    if (typeof this.useScale !== 'boolean')
      throw new Error(`${cls}: 'useScale' must be a boolean but is ${baseArgs.useScale}`);
    this.dropout = baseArgs.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) {
      throw new Error(`${cls}: 'dropout' must be a number in [0, 1) but is ${baseArgs.dropout}`);
    }
    this.rng = new Rng(baseArgs.seed);
  }

  /** Raw scores [B, Tq, Tv] from query [B, Tq, d] and key [B, Tv, d]. */
  protected abstract scores(query: Tensor, key: Tensor): Tensor;

  /** The query as the fused kernel's dot scores need it (null: this layer's scores are not dot products). */
  protected fusedQuery(_query: Tensor): Tensor | null {
    return null;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override apply(inputs: any, args: CallArgs = {}): any {
    this.scoresWanted = !!args.returnAttentionScores;
    try {
      return super.apply(inputs, args);
    } finally {
      this.scoresWanted = false;
    }
  }

  protected shapes(shape: SymbolicShape | SymbolicShape[]): SymbolicShape[] {
    if (!isShapeList(shape) || shape.length < 2 || shape.length > 3) {
      throw new Error(
        `${this.name}: a ${this.className} layer must be called on a list of inputs [query, value] or [query, value, key] but got ${isShapeList(shape) ? `${shape.length} inputs` : `one input of shape ${showShape(shape)}`}`,
      );
    }
    const [q, v, k = v] = shape;
    const all = shape.map(showShape).join(', ');
    if (q.length !== 3 || v.length !== 3 || k.length !== 3) {
      throw new Error(`${this.name}: query, value and key must have rank 3 ([batch, steps, features]) but got ${all}`);
    }
    const same = (a: number | null, b: number | null) => a === null || b === null || a === b;
    if (!same(v[1], k[1]))
      throw new Error(`${this.name}: value and key must have the same number of steps but got ${all}`);
    if (!same(q[2], k[2]))
      throw new Error(`${this.name}: query and key must have the same last dimension but got ${all}`);
    if (!same(q[0], v[0]) || !same(q[0], k[0]))
      throw new Error(`${this.name}: query, value and key must have one batch size but got ${all}`);
    return shape;
  }

  protected override checkInput(shape: SymbolicShape | SymbolicShape[]): void {
    this.shapes(shape);
  }

  override computeOutputShape(shape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    const [q, v, k = v] = this.shapes(shape);
    const out = [...q.slice(0, -1), v[2]];
    return this.scoresWanted ? [out, [q[0], q[1], k[1]]] : out;
  }

  call(inputs: Tensor | Tensor[], args: AttentionCallArgs): Tensor | Tensor[] {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    this.shapes(xs.map((x) => x.shape));
    const [q, v, k = v] = xs;
    const [qMaskIn, vMaskIn] = maskList(args.mask, xs.length);
    const qMask = checkedMask(this.name, 'query', qMaskIn, q);
    const vMask = checkedMask(this.name, 'value', vMaskIn, v);
    const scoresMask = andMasks([
      vMask ? expandDims(vMask, 1) : null,
      args.useCausalMask ? causalMask(q.shape[1], k.shape[1]) : null,
    ]);
    const fq = args.returnAttentionScores || (this.dropout > 0 && args.training) ? null : this.fusedQuery(q);
    if (fq) {
      // One head of the fused kernel; Keras' `scores -= 1e9 * (1 - mask)` is its additive bias.
      const bias = scoresMask ? mul(sub(scoresMask, 1), 1e9) : null;
      const [B, T] = q.shape;
      let out = dotProductAttention(expandDims(fq, 2), expandDims(k, 2), expandDims(v, 2), {
        scale: 1,
        bias: bias ? reshape(bias, [bias.shape[0], 1, bias.shape[1], bias.shape[2]]) : null,
      });
      out = reshape(out, [B, T, v.shape[2]]);
      return qMask ? mul(out, expandDims(qMask, -1)) : out;
    }
    let scores = this.scores(q, k);
    // Keras 2/3's _apply_scores: masked scores lose 1e9 (not replaced), then softmax.
    if (scoresMask) scores = where(greater(scoresMask, 0.5), scores, add(scores, LARGE_NEGATIVE));
    const weights = softmax(scores, -1);
    let out = matMul(dropoutWeights(weights, this.dropout, this.rng, args.training), v);
    if (qMask) out = mul(out, expandDims(qMask, -1));
    return args.returnAttentionScores ? [out, weights] : out;
  }

  /** Keras: the output's mask is the query's. */
  override computeMask(inputs: Tensor | Tensor[], mask?: Tensor | (Tensor | null)[] | null): Tensor | null {
    return maskList(mask, Array.isArray(inputs) ? inputs.length : 1)[0];
  }

  /** The layer's config: Layer's plus useScale, dropout and (when given) seed. */
  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      useScale: this.useScale,
      dropout: this.dropout,
      ...(this.baseArgs.seed !== undefined ? { seed: this.baseArgs.seed } : {}),
    };
  }
}

/**
 * Keras' dot-product attention: `softmax(query . key^T [* scale]) . value`, or with
 * `scoreMode: 'concat'`, scores `w * sum(tanh(scale * (query + key)))`.
 * @example
 * const att = sg.layers.attention({ useScale: true });
 * const out = att.apply([query, value], { useCausalMask: true });
 */
export class Attention extends BaseDenseAttention {
  static override className = 'Attention';
  /** How scores are made: 'dot' (query . key) or 'concat' (sum(tanh(query + key))). */
  readonly scoreMode: 'dot' | 'concat';
  /** The learned scalar scale of the scores (initialized to 1), present when `useScale`; set by `build`. */
  scale?: LayerWeight;
  /** The learned scalar weight of the 'concat' scores (initialized to 1), present when scoreMode is 'concat'; set by `build`. */
  concatScoreWeight?: LayerWeight;

  constructor(args: AttentionArgs = {}) {
    super(args, false);
    this.scoreMode = args.scoreMode ?? 'dot';
    if (this.scoreMode !== 'dot' && this.scoreMode !== 'concat') {
      throw new Error(`Attention: 'scoreMode' must be 'dot' or 'concat' but is ${JSON.stringify(args.scoreMode)}`);
    }
  }

  override build(shape: SymbolicShape | SymbolicShape[]): void {
    this.shapes(shape);
    if (this.useScale) this.scale = this.addWeight('scale', [], 'ones');
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight('concat_score_weight', [], 'ones');
    this.built = true;
  }

  protected override fusedQuery(query: Tensor): Tensor | null {
    if (this.scoreMode !== 'dot') return null;
    // Keras scales the scores; scaling the query instead is the same product (to rounding)
    return this.scale ? mul(query, this.scale.read()) : query;
  }

  protected scores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = matMul(query, key, false, true);
      return this.scale ? mul(s, this.scale.read()) : s;
    }
    let qk = add(expandDims(query, 2), expandDims(key, 1));
    if (this.scale) qk = mul(qk, this.scale.read());
    return mul(sum(tanh(qk), -1), this.concatScoreWeight!.read());
  }

  /** The layer's config: useScale, dropout, seed and scoreMode besides Layer's. */
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), scoreMode: this.scoreMode };
  }
}

/**
 * Keras' additive (Bahdanau) attention: scores `sum(scale * tanh(query + key))` with a learned
 * scale vector (`useScale`, default true).
 * @example sg.layers.additiveAttention().apply([query, value]);
 */
export class AdditiveAttention extends BaseDenseAttention {
  static override className = 'AdditiveAttention';
  /** The learned scale vector [queryFeatures] (glorotUniform), present when `useScale`; set by `build`. */
  scale?: LayerWeight;

  constructor(args: BaseAttentionArgs = {}) {
    super(args, true);
  }

  override build(shape: SymbolicShape | SymbolicShape[]): void {
    const [q] = this.shapes(shape);
    const dim = q[2];
    if (dim === null)
      throw new Error(`${this.name}: the query's last dimension must be known but the shape is ${showShape(q)}`);
    if (this.useScale) this.scale = this.addWeight('scale', [dim], 'glorotUniform');
    this.built = true;
  }

  protected scores(query: Tensor, key: Tensor): Tensor {
    const t = tanh(add(expandDims(query, 2), expandDims(key, 1)));
    return sum(this.scale ? mul(t, this.scale.read()) : t, -1);
  }
}
