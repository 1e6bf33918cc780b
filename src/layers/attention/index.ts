// Attention layers: Keras' Attention (dot-product), AdditiveAttention (Bahdanau) and Keras 3's
// MultiHeadAttention and GroupedQueryAttention, with their lower-camel factories.
import { AdditiveAttention, Attention, type AttentionArgs, type BaseAttentionArgs } from './attention.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './multi_head.js';
import { GroupedQueryAttention, type GroupedQueryAttentionArgs } from './grouped_query.js';

export const attentionLayers = {
  /** @example sg.layers.attention({ useScale: true }).apply([query, value]) */
  attention: (args: AttentionArgs = {}) => new Attention(args),
  /** @example sg.layers.additiveAttention().apply([query, value]) */
  additiveAttention: (args: BaseAttentionArgs = {}) => new AdditiveAttention(args),
  /** @example sg.layers.multiHeadAttention({ numHeads: 4, keyDim: 32 }).apply([x, x]) */
  multiHeadAttention: (args: MultiHeadAttentionArgs) => new MultiHeadAttention(args),
  /** @example sg.layers.groupedQueryAttention({ headDim: 16, numQueryHeads: 8, numKeyValueHeads: 2 }).apply([x, x]) */
  groupedQueryAttention: (args: GroupedQueryAttentionArgs) => new GroupedQueryAttention(args),
  /** Keras' export name (keras.layers.GroupQueryAttention) of groupedQueryAttention. */
  groupQueryAttention: (args: GroupedQueryAttentionArgs) => new GroupedQueryAttention(args),
};

export { AdditiveAttention, Attention, GroupedQueryAttention, MultiHeadAttention };
export type { GroupedQueryAttentionArgs, GroupedQueryAttentionCallArgs } from './grouped_query.js';
export type { AttentionArgs, AttentionCallArgs, BaseAttentionArgs } from './attention.js';
export type { MultiHeadAttentionArgs, MultiHeadAttentionCallArgs } from './multi_head.js';
