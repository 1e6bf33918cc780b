// Pieces the attention layers share: mask building (causal, query/value, explicit), the masked
// softmax of Keras 3 and seeded dropout of attention weights.
import { ENGINE } from '../../engine/engine.js';
import { fmt, sizeFromShape } from '../../engine/shape.js';
import type { Rng } from '../../engine/random.js';
import type { Tensor } from '../../engine/tensor.js';
import { greater, mul } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { expandDims } from '../../ops/reshape.js';
import { softmax } from '../../ops/softmax.js';
import { where } from '../../ops/where.js';
import type { CallArgs } from '../layer.js';
import { SymbolicTensor, type SymbolicShape } from '../symbolic.js';

/** Keras' _large_negative_number for float32. */
export const LARGE_NEGATIVE = -1e9;

/** The masks of a call, one per input (null where none), from a list or a single mask. */
export function maskList(mask: CallArgs['mask'], n: number): (Tensor | null)[] {
  if (!mask) return new Array<Tensor | null>(n).fill(null);
  const ms = Array.isArray(mask) ? mask : [mask];
  return Array.from({ length: n }, (_, i) => ms[i] ?? null);
}

/** A mask as float32 0/1 (non-zero or true = keep). */
export function asFloatMask(m: Tensor): Tensor {
  return m.dtype === 'float32' ? cast(greater(m, 0.5), 'float32') : cast(cast(m, 'bool'), 'float32');
}

/** Keras' causal mask: [1, T, S] with 1 where row >= column (a query attends to keys up to itself). */
export function causalMask(t: number, s: number): Tensor {
  const m = new Float32Array(t * s);
  for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) m[i * s + j] = i >= j ? 1 : 0;
  return ENGINE.makeTensor(m, [1, t, s], 'float32');
}

/** AND of float 0/1 masks that broadcast (a product); null where none is given. */
export function andMasks(masks: (Tensor | null)[]): Tensor | null {
  const present = masks.filter((m): m is Tensor => m !== null);
  if (present.length === 0) return null;
  return present.reduce((a, b) => mul(a, b));
}

/**
 * Keras 3's Softmax layer with a mask: masked positions become -1e9 before the softmax and 0 after
 * it (so a fully masked row gives zeros, not a uniform distribution). `mask` is float 0/1 and
 * broadcasts against `scores`.
 */
export function maskedSoftmax(scores: Tensor, mask: Tensor | null): Tensor {
  if (!mask) return softmax(scores, -1);
  const keep = greater(mask, 0.5);
  return where(keep, softmax(where(keep, scores, LARGE_NEGATIVE), -1), 0);
}

/** Inverted dropout of attention weights in training (Keras' backend.random.dropout), seeded. */
export function dropoutWeights(w: Tensor, rate: number, rng: Rng, training: boolean | undefined): Tensor {
  if (!training || rate === 0) return w;
  const keep = 1 - rate;
  const m = ENGINE.makeTensor(
    rng.fillMask(new Float32Array(sizeFromShape(w.shape)), keep, 1 / keep),
    w.shape,
    'float32',
  );
  return mul(w, m);
}

/** A [B, T] mask checked against its input's leading dims, as float 0/1. */
export function checkedMask(layer: string, what: string, m: Tensor | null, x: Tensor): Tensor | null {
  if (!m) return null;
  if (m.rank !== 2 || m.shape[0] !== x.shape[0] || m.shape[1] !== x.shape[1]) {
    throw new Error(
      `${layer}: the ${what} mask must have shape [${x.shape[0]}, ${x.shape[1]}] (batch, steps) but has shape ${fmt(m.shape)}`,
    );
  }
  return asFloatMask(m);
}

/** expandDims by several axes in order. */
export function expandAt(x: Tensor, axes: number[]): Tensor {
  return axes.reduce((t, a) => expandDims(t, a), x);
}

export function isShapeList(s: SymbolicShape | SymbolicShape[]): s is SymbolicShape[] {
  return s.length > 0 && s.every((d) => Array.isArray(d));
}

export const showShape = (s: SymbolicShape) => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;

/**
 * Keras' attention_mask=keras.Input(...) for MultiHeadAttention and GroupedQueryAttention: a symbolic mask becomes
 * the node's last input and the call carries `attentionMaskInput`, as a node read back from a file does. Returns the
 * inputs and arguments to call with, and whether the last input is the mask.
 */
export function symbolicMaskCall<I, A extends { attentionMask?: unknown; attentionMaskInput?: boolean }>(
  layer: string,
  inputs: I,
  args: A,
): { inputs: I; args: A; maskInput: boolean } {
  if (args.attentionMask instanceof SymbolicTensor) {
    if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof SymbolicTensor)) {
      throw new Error(`${layer}: a symbolic attentionMask needs symbolic inputs [query, value] or [query, value, key]`);
    }
    return {
      inputs: [...inputs, args.attentionMask] as I,
      args: Object.assign({}, args, { attentionMask: null, attentionMaskInput: true }),
      maskInput: true,
    };
  }
  return { inputs, args, maskInput: !!args.attentionMaskInput };
}

/** The input shapes less the mask's (the last, where the node carries one), after checking it: [batch, T, S] or [T, S]. */
export function withoutMaskShape(
  layer: string,
  shape: SymbolicShape | SymbolicShape[],
  maskInput: boolean,
): SymbolicShape | SymbolicShape[] {
  if (!maskInput || !isShapeList(shape)) return shape;
  const m = shape[shape.length - 1];
  if (m.length !== 3 && m.length !== 2) {
    throw new Error(`${layer}: attentionMask must have shape [batch, query steps, key steps] but has shape ${showShape(m)}`);
  }
  return shape.slice(0, -1);
}
