// where: picks from a where the condition holds, from b elsewhere (broadcasting all three).
import { type TensorLike, upcast } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { broadcastShapes } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { sumToShape } from './binary.js';
import { zerosLike } from './creation.js';
import { cast } from './cast.js';
import { run1, scoped, toTensor } from './util.js';

registerGradient('Where', {
  saveInputs: [0],
  grad: ([dy], { inputs: [c], inputInfos: [, a, b] }) => [
    null,
    () => sumToShape(run1('Where', [c, dy, zerosLike(dy)]), a.shape),
    () => sumToShape(run1('Where', [c, zerosLike(dy), dy]), b.shape),
  ],
});

/**
 * Element-wise `condition ? a : b` with broadcasting.
 * @example sg.where(sg.greater(x, 0), x, sg.zerosLike(x));
 * @category Slicing and shapes
 * @function
 */
export const where = scoped(
  (condition: Tensor | TensorLike, a: Tensor | TensorLike, b: Tensor | TensorLike): Tensor => {
    const c = toTensor(condition, 'condition', 'where', 'bool');
    if (c.dtype === 'float32') throw new Error(`where: argument 'condition' must be bool or int32 but is float32`);
    let ta = toTensor(a, 'a', 'where');
    let tb = toTensor(b, 'b', 'where');
    broadcastShapes('where', c.shape, broadcastShapes('where', ta.shape, tb.shape));
    const dt = upcast(ta.dtype, tb.dtype);
    if (ta.dtype !== dt) ta = cast(ta, dt);
    if (tb.dtype !== dt) tb = cast(tb, dt);
    return run1('Where', [c, ta, tb]);
  },
);
