// prelu (tfjs-core): x where x > 0, alpha * x elsewhere, alpha broadcast against x; and the
// activations applied after a fused op's kernel (shared by fused.matMul and fused.conv2d).
import type { TensorLike } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { greater, mul } from './binary.js';
import { elu, leakyRelu, selu, sigmoid, tanh } from './unary.js';
import { checkFinite, checkFloat, scoped, toTensor } from './util.js';
import { where } from './where.js';

/**
 * Parametric ReLU: x > 0 ? x : alpha * x (alpha broadcast; its gradient is the summed x * dy).
 * @example sg.prelu(sg.tensor([-2, 3]), sg.scalar(0.1)); // [-0.2, 3]
 * @category Neural network
 * @function
 */
export const prelu = scoped((x: Tensor | TensorLike, alpha: Tensor | TensorLike): Tensor => {
  const t = toTensor(x, 'x', 'prelu');
  const a = toTensor(alpha, 'alpha', 'prelu');
  checkFloat('prelu', 'x', t);
  return where(greater(t, 0), t, mul(t, a));
});

/** What fused ops accept besides the activation's name. */
export interface FusedExtras {
  /** prelu's alpha (tfjs: preluActivationWeights). */
  preluActivationWeights?: Tensor;
  /** leakyrelu's slope (tfjs default 0.2). */
  leakyreluAlpha?: number;
}

/**
 * The activations a fused op applies after its kernel, by lower-case name; null: unknown.
 * @category Neural network
 */
export function afterActivation(op: string, key: string, extras: FusedExtras): ((y: Tensor) => Tensor) | null {
  switch (key) {
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return tanh;
    case 'elu':
      return (y) => elu(y);
    case 'selu':
      return selu;
    case 'leakyrelu': {
      const alpha = extras.leakyreluAlpha ?? 0.2;
      checkFinite(op, 'leakyreluAlpha', alpha);
      return (y) => leakyRelu(y, alpha);
    }
    case 'prelu': {
      const w = extras.preluActivationWeights;
      if (w == null) throw new Error(`${op}: activation 'prelu' needs preluActivationWeights`);
      return (y) => prelu(y, w);
    }
    default:
      return null;
  }
}

export const AFTER_NAMES = ['sigmoid', 'tanh', 'elu', 'selu', 'leakyrelu', 'prelu'];
