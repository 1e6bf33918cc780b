// dotProductAttention: Keras 3's ops.dot_product_attention as one fused kernel ('Attention' on
// the js and wasm backends; its gradient 'AttentionGrad' returns dQ, dK and dV in one call).
//
//   logits = (query . key^T) * scale (+ bias), masked; weights = softmax(logits) over the keys;
//   out = weights . value
//
// in Keras' layout: query [B, T, N, H], key [B, S, K, H], value [B, S, K, Hv] -> [B, T, N, Hv]
// (rank-3 inputs [B, T, H] are one head). K key/value heads with K dividing N is grouped-query
// attention as jax's and Keras': query head h attends with key/value head floor(h / (N / K)). The kernels never hold more than one head's block of
// query rows x keys: the backward pass recomputes the weights from Q and K instead of saving the
// [B, N, T, S] weights. A backend without the kernel runs the same computation composed from
// matMul, softmax and where (also the reference the tests compare the kernels with).
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, mul, notEqual } from './binary.js';
import { cast } from './cast.js';
import { matMul } from './matmul.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './shape_extra.js';
import { softmax } from './softmax.js';
import { transpose } from './transpose.js';
import { where } from './where.js';
import { checkFloat, toTensor } from './util.js';

/** Options of dotProductAttention (Keras 3's ops.dot_product_attention arguments). */
export interface DotProductAttentionArgs {
  /** Added to the scaled logits; broadcastable to [B, N, T, S] (ranks 2-4, right-aligned). Receives no gradient. */
  bias?: Tensor | null;
  /** Which keys each query may attend to (non-zero or true = attend); broadcastable to [B, N, T, S]. */
  mask?: Tensor | null;
  /** Multiplies query . key (default 1 / sqrt(H)). */
  scale?: number | null;
  /** Masks keys after each query's position (Keras' top-left aligned lower triangle). */
  isCausal?: boolean;
  /**
   * What a query row with every key masked gets: 'uniform' weights over all keys (Keras'
   * ops.dot_product_attention, jax; the default) or 'zeros' (Keras' Softmax layer with a mask,
   * as MultiHeadAttention computes when it returns its scores).
   */
  emptyRows?: 'uniform' | 'zeros';
}

/** Keras' jax backend fills masked logits with -0.7 * float32 max. */
const MASKED_LOGIT = -0.7 * 3.4028234663852886e38;

registerGradient('Attention', {
  saveInputs: true,
  grad: ([dy], { inputs, attrs }) => {
    let res: Tensor[] | undefined;
    const back = () => (res ??= ENGINE.runKernel('AttentionGrad', [...inputs, dy], attrs));
    return [() => back()[0], () => back()[1], () => back()[2], ...inputs.slice(3).map(() => null)];
  },
});

/** A mask or bias as a [Bm, Nm, Tm, S] float32 tensor with Bm in {1, B}, Nm in {1, N}, Tm in {1, T}. */
function asGrid(op: string, arg: string, t: Tensor, dims: number[], isMask: boolean): Tensor {
  const [B, N, T, S] = dims;
  if (t.rank < 2 || t.rank > 4) {
    throw new Error(
      `${op}: '${arg}' must have rank 2 to 4, broadcastable to [batch, heads, queries, keys] = ${fmt(dims)}, but has shape ${fmt(t.shape)}`,
    );
  }
  const full = [...new Array<number>(4 - t.rank).fill(1), ...t.shape];
  if (full.some((d, i) => d !== 1 && d !== dims[i])) {
    throw new Error(
      `${op}: '${arg}' of shape ${fmt(t.shape)} does not broadcast to [batch, heads, queries, keys] = ${fmt([B, N, T, S])}`,
    );
  }
  let g = reshape(t, full);
  if (isMask) g = t.dtype === 'float32' ? cast(notEqual(g, 0), 'float32') : cast(cast(g, 'bool'), 'float32');
  else checkFloat(op, arg, t);
  // The kernels broadcast batch, heads and query rows by a zero stride; keys must be present.
  if (full[3] !== S) g = broadcastTo(g, [full[0], full[1], full[2], S]);
  return g;
}

/**
 * Scaled dot-product attention as Keras 3's `keras.ops.dot_product_attention`, fused: the
 * logits, softmax and weighted sum of each head run in one kernel (wasm: SIMD, split over the
 * thread pool; backward recomputes the weights instead of storing them). Differentiable with
 * respect to query, key and value.
 * @param query [batch, T, heads, H] (or [batch, T, H]: one head)
 * @param key [batch, S, keyHeads, H]; keyHeads divides heads (grouped-query attention: query
 *   head h uses key head floor(h / (heads / keyHeads)); keyHeads = heads is multi-head attention)
 * @param value [batch, S, keyHeads, Hv]
 * @returns [batch, T, heads, Hv] (the query's rank)
 * @example
 * const out = sg.dotProductAttention(q, k, v, { isCausal: true }); // q, k, v: [2, 16, 4, 8]
 */
export function dotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  args: DotProductAttentionArgs = {},
): Tensor {
  const op = 'dotProductAttention';
  return ENGINE.tidy(() => {
    const q0 = toTensor(query, 'query', op);
    const k0 = toTensor(key, 'key', op);
    const v0 = toTensor(value, 'value', op);
    for (const [n, t] of [
      ['query', q0],
      ['key', k0],
      ['value', v0],
    ] as const)
      checkFloat(op, n, t);
    const r = q0.rank;
    const all = `query ${fmt(q0.shape)}, key ${fmt(k0.shape)}, value ${fmt(v0.shape)}`;
    if ((r !== 3 && r !== 4) || k0.rank !== r || v0.rank !== r) {
      throw new Error(
        `${op}: query, key and value must all have rank 3 ([B, T, H]) or 4 ([B, T, N, H]) but got ${all}`,
      );
    }
    const four = (t: Tensor) => (r === 3 ? reshape(t, [t.shape[0], t.shape[1], 1, t.shape[2]]) : t);
    const [q, k, v] = [q0, k0, v0].map(four);
    const [B, T, N, H] = q.shape;
    const S = k.shape[1];
    if (k.shape[0] !== B || v.shape[0] !== B || v.shape[1] !== S || v.shape[2] !== k.shape[2]) {
      throw new Error(
        `${op}: query, key and value must have one batch size, key and value one length and head count; got ${all}`,
      );
    }
    if (k.shape[2] === 0 || N % k.shape[2] !== 0) {
      throw new Error(
        `${op}: the key/value head count (${k.shape[2]}) must divide the query head count (${N}); got ${all}`,
      );
    }
    if (k.shape[3] !== H) throw new Error(`${op}: query and key must have one head size but got ${all}`);
    if (T === 0 || S === 0 || H === 0 || v.shape[3] === 0) {
      throw new Error(`${op}: query, key and value must not be empty but got ${all}`);
    }
    const scale = args.scale ?? 1 / Math.sqrt(H);
    if (typeof scale !== 'number' || !Number.isFinite(scale)) {
      throw new Error(`${op}: 'scale' must be a finite number but is ${args.scale}`);
    }
    const emptyRows = args.emptyRows ?? 'uniform';
    if (emptyRows !== 'uniform' && emptyRows !== 'zeros') {
      throw new Error(`${op}: 'emptyRows' must be 'uniform' or 'zeros' but is ${JSON.stringify(args.emptyRows)}`);
    }
    const dims = [B, N, T, S];
    const mask = args.mask ? asGrid(op, 'mask', toTensor(args.mask, 'mask', op), dims, true) : null;
    const bias = args.bias ? asGrid(op, 'bias', toTensor(args.bias, 'bias', op), dims, false) : null;
    const attrs = {
      scale,
      causal: args.isCausal ? 1 : 0,
      zeroEmpty: emptyRows === 'zeros' ? 1 : 0,
      hasMask: mask ? 1 : 0,
      hasBias: bias ? 1 : 0,
    };
    const extra = [mask, bias].filter((t): t is Tensor => t !== null);
    const out = ENGINE.backend.kernels.has('Attention')
      ? ENGINE.runKernel('Attention', [q, k, v, ...extra], attrs)[0]
      : attentionComposite(q, k, v, mask, bias, attrs);
    return r === 3 ? reshape(out, [B, T, v.shape[3]]) : out;
  });
}

/**
 * The same computation from matMul, softmax and where (for backends without the fused kernel,
 * and as the tests' reference): [B, T, N, H] inputs, [Bm, Nm, Tm, S] float 0/1 mask.
 * @internal
 */
export function attentionComposite(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  bias: Tensor | null,
  attrs: { scale: number; causal: number; zeroEmpty: number },
): Tensor {
  const [B, T, N] = q.shape;
  const S = k.shape[1];
  const K = k.shape[2];
  if (K !== N) {
    // grouped-query attention: each key/value head repeated N / K times (Keras' ops.repeat on axis 2)
    const rep = (t: Tensor) =>
      reshape(broadcastTo(reshape(t, [B, S, K, 1, t.shape[3]]), [B, S, K, N / K, t.shape[3]]), [B, S, N, t.shape[3]]);
    k = rep(k);
    v = rep(v);
  }
  const heads = (t: Tensor) => transpose(t, [0, 2, 1, 3]); // [B, N, T, H]
  let logits = mul(matMul(heads(q), heads(k), false, true), attrs.scale);
  if (bias) logits = add(logits, bias);
  let keep: Tensor | null = mask;
  if (attrs.causal) {
    const tri = new Float32Array(T * S);
    for (let i = 0; i < T; i++) for (let j = 0; j <= Math.min(i, S - 1); j++) tri[i * S + j] = 1;
    const c = ENGINE.makeTensor(tri, [1, 1, T, S], 'float32');
    keep = keep ? mul(keep, c) : c;
  }
  let w: Tensor;
  if (keep) {
    const k2 = notEqual(keep, 0);
    w = softmax(where(k2, logits, MASKED_LOGIT), -1);
    if (attrs.zeroEmpty) w = where(k2, w, 0);
  } else w = softmax(logits, -1);
  return transpose(matMul(w, heads(v)), [0, 2, 1, 3]);
}
