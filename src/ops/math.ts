// Element-wise math beyond the SIMD set, as in tfjs-core: tan, the inverse and hyperbolic trig
// functions, expm1, isNaN/isInf/isFinite, atan2, mod, floorDiv, the logical ops, addN. Two
// kernels ('MathUnary', 'MathBinary') select the function by name; gradients are ops.
import { type TensorLike, upcast } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { broadcastShapes, fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, equal, mul, sub, sumToShape } from './binary.js';
import { zerosLike } from './creation.js';
import { where } from './where.js';
import { cast } from './cast.js';
import { clone } from './reshape.js';
import { cos, exp, floor, neg, softplus, sqrt, square } from './unary.js';
import { run1, scoped, toTensor } from './util.js';

/** @inline */
type Arg = Tensor | TensorLike;

/** d f(x)/dx as ops, for each differentiable MathUnary function. */
const UNARY_GRADS: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
  tan: (x) => div(1, square(cos(x))),
  asin: (x) => div(1, sqrt(sub(1, square(x)))),
  acos: (x) => neg(div(1, sqrt(sub(1, square(x))))),
  atan: (x) => div(1, add(square(x), 1)),
  sinh: (x) => mathUnary('cosh', 'cosh', x),
  cosh: (x) => mathUnary('sinh', 'sinh', x),
  asinh: (x) => div(1, sqrt(add(square(x), 1))),
  acosh: (x) => div(1, sqrt(sub(square(x), 1))),
  atanh: (x) => div(1, sub(1, square(x))),
  expm1: (x) => exp(x),
};

registerGradient('MathUnary', {
  saveInputs: true,
  saveOutputs: true,
  grad: ([dy], { inputs: [x], outputs: [y], attrs }) => {
    const g = UNARY_GRADS[attrs.fn as string];
    return [g ? () => mul(dy, g(x, y)) : null]; // predicates and logicalNot: not differentiable
  },
});

registerGradient('MathBinary', {
  saveInputs: true,
  grad: ([dy], { inputs: [a, b], attrs }) => {
    switch (attrs.fn) {
      case 'atan2': {
        const d = () => add(square(a), square(b));
        return [() => sumToShape(div(mul(dy, b), d()), a.shape), () => sumToShape(neg(div(mul(dy, a), d())), b.shape)];
      }
      case 'mod': // a - floor(a / b) * b
        return [() => sumToShape(dy, a.shape), () => sumToShape(mul(dy, neg(floor(div(a, b)))), b.shape)];
      default:
        return [null, null]; // floorDiv is piecewise constant; logical ops are not differentiable
    }
  },
});

/** Runs a float function; int32 and bool inputs are computed in float32, as tfjs. */
const mathUnary = scoped((op: string, fn: string, x: Arg): Tensor => {
  const t = toTensor(x, 'x', op);
  return run1('MathUnary', [t.dtype === 'float32' ? t : cast(t, 'float32')], { fn });
});

/**
 * tan(x)
 * @example sg.tan(sg.tensor([0, 1])); // [0, 1.5574]
 * @category Arithmetic and math
 */
export const tan = (x: Arg) => mathUnary('tan', 'tan', x);
/**
 * arcsin(x), NaN outside [-1, 1].
 * @example sg.asin([0, 1]); // [0, 1.5707963]
 * @category Arithmetic and math
 */
export const asin = (x: Arg) => mathUnary('asin', 'asin', x);
/**
 * arccos(x), NaN outside [-1, 1].
 * @example sg.acos([1, 0]); // [0, 1.5707963]
 * @category Arithmetic and math
 */
export const acos = (x: Arg) => mathUnary('acos', 'acos', x);
/**
 * arctan(x)
 * @example sg.atan([0, 1]); // [0, 0.7853982]
 * @category Arithmetic and math
 */
export const atan = (x: Arg) => mathUnary('atan', 'atan', x);
/**
 * Hyperbolic sine.
 * @example sg.sinh([0, 1]); // [0, 1.1752012]
 * @category Arithmetic and math
 */
export const sinh = (x: Arg) => mathUnary('sinh', 'sinh', x);
/**
 * Hyperbolic cosine.
 * @example sg.cosh([0, 1]); // [1, 1.5430806]
 * @category Arithmetic and math
 */
export const cosh = (x: Arg) => mathUnary('cosh', 'cosh', x);
/**
 * Inverse hyperbolic sine.
 * @example sg.asinh([0, 1]); // [0, 0.8813736]
 * @category Arithmetic and math
 */
export const asinh = (x: Arg) => mathUnary('asinh', 'asinh', x);
/**
 * Inverse hyperbolic cosine, NaN below 1.
 * @example sg.acosh([1, 2]); // [0, 1.3169579]
 * @category Arithmetic and math
 */
export const acosh = (x: Arg) => mathUnary('acosh', 'acosh', x);
/**
 * Inverse hyperbolic tangent, NaN outside [-1, 1].
 * @example sg.atanh([0, 0.5]); // [0, 0.5493061]
 * @category Arithmetic and math
 */
export const atanh = (x: Arg) => mathUnary('atanh', 'atanh', x);
/**
 * e^x - 1, accurate for small x.
 * @example sg.expm1([0, 1]); // [0, 1.7182818]
 * @category Arithmetic and math
 */
export const expm1 = (x: Arg) => mathUnary('expm1', 'expm1', x);

/** A bool predicate over the values (not differentiable). */
const predicate = scoped((op: string, fn: string, x: Arg): Tensor => {
  const t = toTensor(x, 'x', op);
  return run1('MathUnary', [t], { fn });
});
/**
 * true where x is NaN.
 * @example sg.isNaN(sg.tensor([NaN, 1])); // [true, false]
 * @category Arithmetic and math
 */
export const isNaN = (x: Arg) => predicate('isNaN', 'isNaN', x);
/**
 * true where x is +-Infinity.
 * @example sg.isInf([1, Infinity, -Infinity, NaN]); // [false, true, true, false]
 * @category Arithmetic and math
 */
export const isInf = (x: Arg) => predicate('isInf', 'isInf', x);
/**
 * true where x is neither NaN nor infinite.
 * @example sg.isFinite([1, Infinity, NaN]); // [true, false, false]
 * @category Arithmetic and math
 */
export const isFinite = (x: Arg) => predicate('isFinite', 'isFinite', x);

/** Broadcast binary math; both operands brought to one dtype (float32 wins). */
const mathBinary = scoped((op: string, fn: string, a: Arg, b: Arg, floatOnly: boolean): Tensor => {
  let ta = toTensor(a, 'a', op);
  let tb = toTensor(b, 'b', op);
  broadcastShapes(op, ta.shape, tb.shape);
  const dt = floatOnly ? 'float32' : upcast(ta.dtype, tb.dtype);
  if (ta.dtype !== dt) ta = cast(ta, dt);
  if (tb.dtype !== dt) tb = cast(tb, dt);
  return run1('MathBinary', [ta, tb], { fn });
});
/**
 * atan2(a, b): the angle of the point (b, a), in (-pi, pi].
 * @example sg.atan2([1, 1], [1, -1]); // [0.7853982, 2.3561945]
 * @category Arithmetic and math
 */
export const atan2 = (a: Arg, b: Arg) => mathBinary('atan2', 'atan2', a, b, true);
/**
 * a mod b with the sign of b, as tfjs.
 * @example sg.mod(sg.tensor([-3, 3]), 2); // [1, 1]
 * @category Arithmetic and math
 */
export const mod = (a: Arg, b: Arg) => mathBinary('mod', 'mod', a, b, false);
/**
 * floor(a / b) as int32, as tfjs.
 * @example sg.floorDiv(sg.tensor([-3, 3]), 2); // [-2, 1]
 * @category Arithmetic and math
 * @function
 */
export const floorDiv = scoped((a: Arg, b: Arg): Tensor => {
  const q = mathBinary('floorDiv', 'floorDiv', a, b, false);
  return q.dtype === 'int32' ? q : cast(q, 'int32');
});

/** Logical ops take bool tensors (as tfjs) and return bool. */
const logical = scoped((op: string, fn: string, a: Arg, b: Arg): Tensor => {
  const ta = toTensor(a, 'a', op, 'bool');
  const tb = toTensor(b, 'b', op, 'bool');
  for (const [n, t] of [
    ['a', ta],
    ['b', tb],
  ] as const) {
    if (t.dtype !== 'bool')
      throw new Error(`${op}: argument '${n}' must be bool but has dtype ${t.dtype} (shape ${fmt(t.shape)})`);
  }
  broadcastShapes(op, ta.shape, tb.shape);
  return run1('MathBinary', [ta, tb], { fn });
});
/**
 * a AND b (bool).
 * @example sg.logicalAnd([true, true], [true, false]); // [true, false]
 * @category Arithmetic and math
 */
export const logicalAnd = (a: Arg, b: Arg) => logical('logicalAnd', 'logicalAnd', a, b);
/**
 * a OR b (bool).
 * @example sg.logicalOr([false, false], [true, false]); // [true, false]
 * @category Arithmetic and math
 */
export const logicalOr = (a: Arg, b: Arg) => logical('logicalOr', 'logicalOr', a, b);
/**
 * a XOR b (bool).
 * @example sg.logicalXor([true, true], [true, false]); // [false, true]
 * @category Arithmetic and math
 */
export const logicalXor = (a: Arg, b: Arg) => logical('logicalXor', 'logicalXor', a, b);
/**
 * NOT x (bool).
 * @example sg.logicalNot([true, false]); // [false, true]
 * @category Arithmetic and math
 * @function
 */
export const logicalNot = scoped((x: Arg): Tensor => {
  const t = toTensor(x, 'x', 'logicalNot', 'bool');
  if (t.dtype !== 'bool') throw new Error(`logicalNot: argument 'x' must be bool but has dtype ${t.dtype}`);
  return run1('MathUnary', [t], { fn: 'logicalNot' });
});

/**
 * The element-wise sum of same-shape tensors (tfjs's addN).
 * @example sg.addN([sg.tensor([1, 2]), sg.tensor([3, 4])]); // [4, 6]
 * @category Arithmetic and math
 * @function
 */
export const addN = scoped((tensors: Arg[]): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('addN: expected a non-empty array of tensors');
  const ts = tensors.map((t, i) => toTensor(t, `tensors[${i}]`, 'addN'));
  for (const [i, t] of ts.entries()) {
    if (fmt(t.shape) !== fmt(ts[0].shape) || t.dtype !== ts[0].dtype)
      throw new Error(
        `addN: tensors[${i}] is ${t.dtype} ${fmt(t.shape)} but tensors[0] is ${ts[0].dtype} ${fmt(ts[0].shape)}`,
      );
  }
  if (ts.length === 1) return clone(ts[0]);
  return ts.slice(1).reduce((acc, t) => add(acc, t), ts[0]);
});

/**
 * log(sigmoid(x)) = -softplus(-x), computed stably.
 * @example sg.logSigmoid([0]); // [-0.6931472]
 * @category Arithmetic and math
 * @function
 */
export const logSigmoid = scoped((x: Arg): Tensor => neg(softplus(neg(toTensor(x, 'x', 'logSigmoid')))));

/**
 * a / b, and 0 where b is 0 (also in the gradient: no NaN leaks from the masked entries).
 * @example sg.divNoNan(sg.tensor([1, 2]), sg.tensor([0, 4])); // [0, 0.5]
 * @category Arithmetic and math
 * @function
 */
export const divNoNan = scoped((a: Arg, b: Arg): Tensor => {
  const ta = toTensor(a, 'a', 'divNoNan');
  const tb = toTensor(b, 'b', 'divNoNan');
  const zero = equal(tb, 0);
  const q = div(ta, where(zero, 1, tb));
  return where(zero, zerosLike(q), q);
});
