// cast: converts between float32, int32 and bool (float to int truncates toward zero).
import { checkDtype, type DataType, type TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import type { Tensor } from '../engine/tensor.js';
import { ENGINE } from '../engine/engine.js';
import { run1, scoped, toTensor } from './util.js';

registerGradient('Cast', {
  grad: ([dy], { inputInfos: [x] }) => [x.dtype === 'float32' ? () => dy.clone() : null],
});

/**
 * Converts `x` to `dtype`; returns a new handle on the same buffer when the dtype already matches.
 * @example sg.cast(sg.tensor([1.7, -1.7]), 'int32'); // [1, -1]
 * @category Arithmetic and math
 * @function
 */
export const cast = scoped((x: Tensor | TensorLike, dtype: DataType): Tensor => {
  const t = toTensor(x, 'x', 'cast');
  checkDtype('cast', dtype);
  if (t.dtype === dtype) return ENGINE.reshapeView(t, t.shape);
  return run1('Cast', [t], { dtype });
});
