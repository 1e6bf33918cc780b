// The error function composed from simdgrad ops (there is no erf kernel yet), so that gelu's exact
// form is differentiable through the tape. Abramowitz & Stegun 7.1.26: for z >= 0,
// erfc(z) ~= t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^(-z^2) with t = 1 / (1 + p z), absolute
// error below 1.5e-7.
import type { TensorLike } from '../engine/dtype.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { abs, exp, neg, sign, square } from '../ops/unary.js';
import { scoped, toTensor } from '../ops/util.js';

const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

/** erfc(|z|), accurate in absolute terms to about 1.5e-7. Internal: `z` must be float32. */
export function erfcAbs(z: Tensor): Tensor {
  const az = abs(z);
  const t = div(1, add(mul(az, P), 1));
  let poly: Tensor = mul(t, A[4]);
  for (let i = 3; i >= 0; i--) poly = mul(add(poly, A[i]), t);
  return mul(poly, exp(neg(square(az))));
}

/**
 * The Gauss error function, differentiable (a composite of ops).
 * @example erf(sg.tensor([0, 0.5, -1])); // [0, 0.5205, -0.8427]
 *
 * Porting note: tfjs-core has an `erf` kernel with the same A&S approximation; this one is built
 * from ops until simdgrad gets a kernel.
 * @function
 */
export const erf = scoped((x: Tensor | TensorLike): Tensor => {
  let t = toTensor(x, 'x', 'erf');
  if (t.dtype !== 'float32') t = cast(t, 'float32');
  return mul(sign(t), sub(1, erfcAbs(t)));
});
