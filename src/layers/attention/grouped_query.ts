// Keras 3's GroupedQueryAttention (keras.layers.GroupQueryAttention; Ainslie et al., 2023):
// numQueryHeads query heads share numKeyValueHeads key/value heads (1 = multi-query attention,
// numQueryHeads = multi-head attention). Weights in Keras' layout and order: query kernel
// [dim, numQueryHeads, headDim], key and value kernels [dim, numKeyValueHeads, headDim] (biases
// without the first axis), with useGate a gate kernel [dim, numQueryHeads, headDim] after key,
// and the output kernel [numQueryHeads, headDim, dim] with bias [dim]; the output has the query's
// shape. Where Keras 3 calls ops.dot_product_attention (no returned scores, no dropout) the fused
// kernel runs with the shared key/value heads as they are (no repeat); otherwise Keras'
// composite: repeated heads, matMul, masked softmax (fully masked rows give zeros), dropout.
import { fmt } from '../../engine/shape.js';
import { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { mul } from '../../ops/binary.js';
import { fused } from '../../ops/fused_matmul.js';
import { matMul } from '../../ops/matmul.js';
import { expandDims, reshape } from '../../ops/reshape.js';
import { broadcastTo } from '../../ops/shape_extra.js';
import { transpose } from '../../ops/transpose.js';
import { dotProductAttention } from '../../ops/attention.js';
import { ENGINE } from '../../engine/engine.js';
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
import type { Projection } from './multi_head.js';
import { weightConfig } from '../config_util.js';
import { checkLayerArgs } from '../../utils/layer_args.js';
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

export interface GroupedQueryAttentionArgs extends LayerArgs {
  /** Size of each attention head (query, key and value). */
  headDim: number;
  /** Number of query heads. */
  numQueryHeads: number;
  /** Number of key/value heads; must divide numQueryHeads. */
  numKeyValueHeads: number;
  /** Dropout rate of the attention weights (default 0). */
  dropout?: number;
  /** Whether the projections have biases (default true). */
  useBias?: boolean;
  /**
   * Keras' sliding_window: each query attends only to keys less than this many positions away
   * (a symmetric band; with useCausalMask the causal sliding window). Default none.
   */
  slidingWindow?: number | null;
  /** Keras' use_gate: the attention output is multiplied by sigmoid(query projection 'gate') (default false). */
  useGate?: boolean;
  /** Initializer of the kernels (default 'glorotUniform'). */
  kernelInitializer?: InitializerArg;
  /** Initializer of the biases (default 'zeros'). */
  biasInitializer?: InitializerArg;
  /** Regularizer of the kernels (default none). */
  kernelRegularizer?: RegularizerArg;
  /** Regularizer of the biases (default none). */
  biasRegularizer?: RegularizerArg;
  /** Constraint applied to the kernels after each optimizer step (default none). */
  kernelConstraint?: ConstraintArg;
  /** Constraint applied to the biases after each optimizer step (default none). */
  biasConstraint?: ConstraintArg;
  /** Seed of the attention dropout. */
  seed?: number;
}

/** Call arguments of groupedQueryAttention (besides `training` and the inputs' `mask`). */
export interface GroupedQueryAttentionCallArgs extends CallArgs {
  /**
   * [batch, T, S] (bool, or non-zero = attend): which keys each query may attend to. In the
   * functional API a SymbolicTensor (a second `sg.input`, as Keras' `attention_mask=`).
   */
  attentionMask?: Tensor | SymbolicTensor | null;
  /** @internal Set on graph nodes whose last input is the attention mask (see attentionMask). */
  attentionMaskInput?: boolean;
  /** Masks keys after each query's position. */
  useCausalMask?: boolean;
  /** Also return the attention weights [batch, numQueryHeads, T, S]. */
  returnAttentionScores?: boolean;
}

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/**
 * Grouped-query attention as Keras 3 (`keras.layers.GroupQueryAttention`): called on
 * `[query, value]` or `[query, value, key]` of shape [batch, steps, features]; the output has the
 * query's shape.
 * @example
 * const gqa = sg.layers.groupedQueryAttention({ headDim: 16, numQueryHeads: 8, numKeyValueHeads: 2 });
 * const y = gqa.apply([x, x], { useCausalMask: true }); // self-attention
 */
export class GroupedQueryAttention extends Layer {
  /** Keras' registered name (the Python class is GroupedQueryAttention, also read). */
  static override className = 'GroupQueryAttention';
  /** The Python class name, which names the layer's group in a .keras file's weights. */
  static kerasClassName = 'GroupedQueryAttention';
  override readonly supportsMasking = true;
  /** Size of each head. */
  readonly headDim: number;
  /** Number of query heads. */
  readonly numQueryHeads: number;
  /** Number of key/value heads (divides numQueryHeads). */
  readonly numKeyValueHeads: number;
  /** Dropout rate of the attention weights (0 = none). */
  readonly dropout: number;
  /** Whether the projections have biases. */
  readonly useBias: boolean;
  /** Whether the output is gated by sigmoid of a fifth projection of the query. */
  readonly useGate: boolean;
  /** The sliding window (null: full attention). */
  readonly slidingWindow: number | null;
  private readonly rng: Rng;
  private scoresWanted = false;
  private maskInput = false;
  /** The query projection: kernel [queryFeatures, numQueryHeads, headDim] and bias (set by `build`). */
  query?: Projection;
  /** The key projection: kernel [keyFeatures, numKeyValueHeads, headDim] and bias (set by `build`). */
  key?: Projection;
  /** The gate projection (useGate): kernel [queryFeatures, numQueryHeads, headDim] and bias (set by `build`). */
  gate?: Projection;
  /** The value projection: kernel [valueFeatures, numKeyValueHeads, headDim] and bias (set by `build`). */
  value?: Projection;
  /** The output projection ('attention_output'): kernel [numQueryHeads, headDim, queryFeatures] and bias (set by `build`). */
  out?: Projection;

  constructor(private readonly args: GroupedQueryAttentionArgs) {
    // Checked here first so a bad argument names both spellings (Layer's own check names the class, GroupQueryAttention).
    super((checkLayerArgs('GroupedQueryAttention (GroupQueryAttention)', args), args));
    const c = 'GroupedQueryAttention';
    for (const k of ['headDim', 'numQueryHeads', 'numKeyValueHeads'] as const) {
      if (!posInt(args?.[k])) throw new Error(`${c}: '${k}' must be a positive integer but is ${args?.[k]}`);
    }
    if (args.numQueryHeads % args.numKeyValueHeads !== 0) {
      throw new Error(
        `${c}: 'numQueryHeads' (${args.numQueryHeads}) must be divisible by 'numKeyValueHeads' (${args.numKeyValueHeads})`,
      );
    }
    this.headDim = args.headDim;
    this.numQueryHeads = args.numQueryHeads;
    this.numKeyValueHeads = args.numKeyValueHeads;
    this.dropout = args.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) {
      throw new Error(`${c}: 'dropout' must be a number in [0, 1) but is ${args.dropout}`);
    }
    this.useBias = args.useBias ?? true;
    this.useGate = !!args.useGate;
    this.slidingWindow = args.slidingWindow ?? null;
    if (this.slidingWindow !== null && !posInt(this.slidingWindow)) {
      throw new Error(`${c}: 'slidingWindow' must be null or a positive integer but is ${args.slidingWindow}`);
    }
    this.rng = new Rng(args.seed);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override apply(inputs: any, args: CallArgs = {}): any {
    this.scoresWanted = !!args.returnAttentionScores;
    const call = symbolicMaskCall(this.name, inputs, args as GroupedQueryAttentionCallArgs);
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
        `${this.name}: a GroupedQueryAttention layer must be called on [query, value] or [query, value, key] but got ${isShapeList(shape) ? `${shape.length} inputs` : `one input of shape ${showShape(shape)}`}`,
      );
    }
    const [q, v, k = v] = shape;
    const all = shape.map(showShape).join(', ');
    if (q.length !== 3 || v.length !== 3 || k.length !== 3) {
      throw new Error(`${this.name}: query, value and key must have rank 3 ([batch, steps, features]) but got ${all}`);
    }
    if (v[1] !== null && k[1] !== null && v[1] !== k[1]) {
      throw new Error(`${this.name}: value and key must have the same steps but got ${all}`);
    }
    for (const s of [q, v, k]) {
      if (s[2] === null)
        throw new Error(`${this.name}: the last dimension of every input must be known but got ${all}`);
    }
    if (q[2] !== v[2]) {
      throw new Error(`${this.name}: the query's and the value's last dimensions must be equal but got ${all}`);
    }
    if (this.query) {
      const want = [this.query.kernel.shape[0], this.value!.kernel.shape[0], this.key!.kernel.shape[0]];
      const got = [q[2], v[2], k[2]];
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
    if (!this.scoresWanted) return q;
    return [q, [q[0], this.numQueryHeads, q[1], k[1]]];
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
    const [N, K, h] = [this.numQueryHeads, this.numKeyValueHeads, this.headDim];
    // Keras' order: query, key, gate, value, attention_output.
    this.query = this.projection('query', q[2] as number, [N, h]);
    this.key = this.projection('key', k[2] as number, [K, h]);
    if (this.useGate) this.gate = this.projection('gate', q[2] as number, [N, h]);
    this.value = this.projection('value', v[2] as number, [K, h]);
    const a = this.args;
    const kernel = this.addWeight(
      'attention_output/kernel',
      [N, h, q[2] as number],
      a.kernelInitializer ?? 'glorotUniform',
      {
        regularizer: a.kernelRegularizer,
        constraint: a.kernelConstraint,
      },
    );
    const bias = this.useBias
      ? this.addWeight('attention_output/bias', [q[2] as number], a.biasInitializer ?? 'zeros', {
          regularizer: a.biasRegularizer,
          constraint: a.biasConstraint,
        })
      : undefined;
    this.out = { kernel, bias };
    this.built = true;
  }

  /** x [B, T, d] times the kernel [d, ...o] (+ bias) as one GEMM on the [B*T, d] view: [B, T, ...o]. */
  private dense(x: Tensor, p: Projection, outShape: number[], activation?: 'sigmoid'): Tensor {
    const [B, T, d] = x.shape;
    const size = outShape.reduce((s, n) => s * n, 1);
    const y = fused.matMul({
      a: reshape(x, [B * T, d]),
      b: reshape(p.kernel.read(), [d, size]),
      bias: p.bias ? reshape(p.bias.read(), [size]) : undefined,
      activation,
    });
    return reshape(y, [B, T, ...outShape]);
  }

  /** Keras' _compute_attention_mask: query [B,T,1] & value [B,1,S] & key [B,1,S] & causal & sliding window & attentionMask. */
  private attentionMask(
    q: Tensor,
    v: Tensor,
    k: Tensor,
    keyGiven: boolean,
    args: GroupedQueryAttentionCallArgs,
  ): Tensor | null {
    const [B, T] = q.shape;
    const S = v.shape[1];
    const [qm, vm, km] = maskList(args.mask, keyGiven ? 3 : 2).map((m, i) =>
      checkedMask(this.name, ['query', 'value', 'key'][i], m, [q, v, k][i]),
    );
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
    let band: Tensor | null = null;
    if (this.slidingWindow !== null) {
      const w = this.slidingWindow;
      const m = new Float32Array(T * S);
      for (let i = 0; i < T; i++) for (let j = 0; j < S; j++) m[i * S + j] = Math.abs(i - j) < w ? 1 : 0;
      band = ENGINE.makeTensor(m, [1, T, S], 'float32');
    }
    return andMasks([
      qm ? expandDims(qm, -1) : null,
      vm ? expandDims(vm, 1) : null,
      km ? expandDims(km, 1) : null,
      args.useCausalMask ? causalMask(T, S) : null,
      band,
      explicit,
    ]);
  }

  call(inputs: Tensor | Tensor[], args: GroupedQueryAttentionCallArgs): Tensor | Tensor[] {
    let xs = Array.isArray(inputs) ? inputs : [inputs];
    if (args.attentionMaskInput) {
      args = Object.assign({}, args, { attentionMask: xs[xs.length - 1] });
      xs = xs.slice(0, -1);
    }
    this.shapes(xs.map((x) => x.shape));
    const [query, value, key = value] = xs;
    const [B, T] = query.shape;
    const S = key.shape[1];
    const [N, K, h] = [this.numQueryHeads, this.numKeyValueHeads, this.headDim];
    const m0 = this.attentionMask(query, value, key, xs.length === 3, args);
    const mask = m0 && m0.rank === 2 ? reshape(m0, [1, ...m0.shape]) : m0; // [B|1, T|1, S|1]
    const q = this.dense(query, this.query!, [N, h]); // [B, T, N, h]
    const k = this.dense(key, this.key!, [K, h]); // [B, S, K, h]
    const v = this.dense(value, this.value!, [K, h]);
    const scale = 1 / Math.sqrt(h);
    const composite = !!args.returnAttentionScores || this.dropout > 0;
    let ctx: Tensor; // [B, T, N, h]
    let scores: Tensor | null = null;
    if (!composite) {
      // Keras 3 calls ops.dot_product_attention here: the fused kernel with the K shared heads.
      ctx = dotProductAttention(q, k, v, {
        mask: mask ? reshape(mask, [mask.shape[0], 1, mask.shape[1], mask.shape[2]]) : null,
        scale,
      });
    } else {
      // Keras' composite: ops.repeat of the key/value heads, einsum, Softmax with the mask, dropout.
      const rep = (t: Tensor) => reshape(broadcastTo(reshape(t, [B, S, K, 1, h]), [B, S, K, N / K, h]), [B, S, N, h]);
      const heads = (t: Tensor) => transpose(t, [0, 2, 1, 3]); // [B, N, steps, h]
      const logits = matMul(heads(mul(q, scale)), heads(rep(k)), false, true); // [B, N, T, S]
      scores = maskedSoftmax(logits, mask ? expandDims(mask, 1) : null);
      const w = dropoutWeights(scores, this.dropout, this.rng, args.training);
      ctx = heads(matMul(w, heads(rep(v))));
    }
    if (this.gate) ctx = mul(ctx, this.dense(query, this.gate, [N, h], 'sigmoid'));
    const merged = reshape(ctx, [B, T, N * h]);
    const out = this.dense(merged, this.out!, [query.shape[2]]); // the kernel [N, h, d] as [N*h, d]
    return args.returnAttentionScores ? [out, scores!] : out;
  }

  /**
   * Where Keras 3 keeps each weight in a .keras file's model.weights.h5: in its EinsumDense
   * sublayers (_query_dense, _key_dense, _gate_dense, _value_dense, _output_dense), kernel vars/0
   * and bias vars/1.
   */
  kerasWeightPaths(prefix: string): { path: string; weight: LayerWeight }[] {
    const parts: [string, Projection | undefined][] = [
      ['_query_dense', this.query],
      ['_key_dense', this.key],
      ['_gate_dense', this.gate],
      ['_value_dense', this.value],
      ['_output_dense', this.out],
    ];
    return parts.flatMap(([name, p]) =>
      p
        ? [p.kernel, ...(p.bias ? [p.bias] : [])].map((weight, i) => ({ path: `${prefix}/${name}/vars/${i}`, weight }))
        : [],
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
      headDim: this.headDim,
      numQueryHeads: this.numQueryHeads,
      numKeyValueHeads: this.numKeyValueHeads,
      useBias: this.useBias,
      useGate: this.useGate,
      slidingWindow: this.slidingWindow,
      dropout: this.dropout,
      ...weightConfig(a, { kernel: 'glorotUniform', bias: 'zeros' }),
      seed: a.seed ?? null,
    };
  }
}
