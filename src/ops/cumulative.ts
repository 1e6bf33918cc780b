// cumsum and cumprod (tfjs-core signatures) over one axis, with exclusive and reverse variants;
// one 'Cumulative' kernel on [outer, n, inner] views. Gradients: cumsum's is the reverse
// cumsum of dy; cumprod's ('CumprodGrad') multiplies only the other elements, so a zero in x gives
// exact values, not NaN.
import type { TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { normAxis, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { reshape } from './reshape.js';
import { run1, scoped, toTensor } from './util.js';

/**
 * Runs the scan kernel along axis 1 of a [outer, n, inner] view.
 * @category Arithmetic and math
 */
export function scan3(x: Tensor, prod: boolean, exclusive: boolean, reverse: boolean): Tensor {
  return run1('Cumulative', [x], { prod, exclusive, reverse });
}

registerGradient('Cumulative', {
  saveInputs: true,
  grad: ([dy], { inputs: [x], attrs }) => [
    () => {
      const { exclusive, reverse } = attrs as { exclusive: boolean; reverse: boolean };
      if (!attrs.prod) return scan3(dy, false, exclusive, !reverse);
      return run1('CumprodGrad', [x, dy], { exclusive, reverse });
    },
  ],
});

function cumulative(
  op: string,
  prod: boolean,
  xIn: Tensor | TensorLike,
  axis: number,
  exclusive: boolean,
  reverse: boolean,
): Tensor {
  const x = toTensor(xIn, 'x', op);
  if (x.dtype === 'bool') throw new Error(`${op}: argument 'x' must be numeric but has dtype bool`);
  if (x.rank === 0) throw new Error(`${op}: argument 'x' must have rank >= 1 but is a scalar`);
  const a = normAxis(op, axis, x.rank);
  const outer = sizeFromShape(x.shape.slice(0, a));
  const inner = sizeFromShape(x.shape.slice(a + 1));
  const y = scan3(reshape(x, [outer, x.shape[a], inner]), prod, !!exclusive, !!reverse);
  return reshape(y, x.shape);
}

/**
 * Cumulative sum along `axis`.
 * @example sg.cumsum(sg.tensor([1, 2, 3])).print(); // [1, 3, 6]
 * @category Arithmetic and math
 * @function
 */
export const cumsum = scoped((x: Tensor | TensorLike, axis = 0, exclusive = false, reverse = false): Tensor =>
  cumulative('cumsum', false, x, axis, exclusive, reverse),
);

/**
 * Cumulative product along `axis`.
 * @example sg.cumprod(sg.tensor([1, 2, 3])).print(); // [1, 2, 6]
 * @category Arithmetic and math
 * @function
 */
export const cumprod = scoped((x: Tensor | TensorLike, axis = 0, exclusive = false, reverse = false): Tensor =>
  cumulative('cumprod', true, x, axis, exclusive, reverse),
);
