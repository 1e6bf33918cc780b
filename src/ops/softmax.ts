// softmax and logSoftmax over the last axis, each a fused kernel with a composite gradient.
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul, sub } from './binary.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';

registerGradient('Softmax', {
  saveOutputs: true,
  grad: ([dy], { outputs: [y], attrs }) => [
    attrs.log
      ? () => sub(dy, mul(exp(y), sum(dy, -1, true))) // d logsoftmax: dy - softmax * sum(dy)
      : () => mul(y, sub(dy, sum(mul(dy, y), -1, true))), // d softmax: y * (dy - sum(dy * y))
  ],
});

function checkLastAxis(op: string, x: Tensor, dim: number): void {
  if (x.rank === 0) throw new Error(`${op}: expected a tensor of rank >= 1 but got a scalar`);
  if (normAxis(op, dim, x.rank) !== x.rank - 1) {
    throw new Error(`${op}: only the last dimension is supported (dim -1), got dim ${dim} for shape ${fmt(x.shape)}`);
  }
}

/**
 * exp(x) / sum(exp(x)) over the last axis, computed stably.
 * @example sg.softmax(sg.tensor([1, 2, 3])); // [0.090, 0.245, 0.665]
 * @category Neural network
 * @function
 */
export const softmax = scoped((logits: Tensor | TensorLike, dim = -1): Tensor => {
  const x = toTensor(logits, 'logits', 'softmax');
  checkFloat('softmax', 'logits', x);
  checkLastAxis('softmax', x, dim);
  return run1('Softmax', [x], { log: false });
});

/**
 * log(softmax(x)) over the last axis, computed stably.
 * @example sg.logSoftmax([0, 0]); // [-0.6931472, -0.6931472]
 * @category Neural network
 * @function
 */
export const logSoftmax = scoped((logits: Tensor | TensorLike, axis = -1): Tensor => {
  const x = toTensor(logits, 'logits', 'logSoftmax');
  checkFloat('logSoftmax', 'logits', x);
  checkLastAxis('logSoftmax', x, axis);
  return run1('Softmax', [x], { log: true });
});
