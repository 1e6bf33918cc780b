// Element-wise unary ops. They share one kernel ('Unary', selected by an op code) and one
// gradient rule ('UnaryGrad', a fused dy * f'(x, y) kernel), so they live in one file rather
// than one file each: twenty-five copies of the same ten lines would say less.
import { Unary } from '../backends/wasm/codes.generated.js';
import type { TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import type { Tensor } from '../engine/tensor.js';
import { cast } from './cast.js';
import { complexAbs, isComplex } from './complex.js';
import { checkFinite, run1, scoped, toTensor } from './util.js';

registerGradient('Unary', {
  saveInputs: true,
  saveOutputs: true,
  grad: ([dy], { inputs: [x], outputs: [y], attrs }) => [() => run1('UnaryGrad', [x, y, dy], attrs)],
});

/** Ops that keep integer inputs as integers; the others compute in float32 (as tfjs). */
const INT_OPS = new Set<number>([
  Unary.Neg,
  Unary.Abs,
  Unary.Square,
  Unary.Relu,
  Unary.Sign,
  Unary.Relu6,
  Unary.Floor,
  Unary.Ceil,
  Unary.Round,
]);

const unary = scoped((name: string, op: Unary, x: Tensor | TensorLike, alpha = 0, beta = 0): Tensor => {
  const t = toTensor(x, 'x', name);
  if (t.dtype !== 'float32' && !INT_OPS.has(op)) return run1('Unary', [cast(t, 'float32')], { op, alpha, beta });
  if (t.dtype === 'bool') throw new Error(`${name}: argument 'x' must be numeric but has dtype bool`);
  return run1('Unary', [t], { op, alpha, beta });
});

/**
 * -x
 * @example sg.neg([1, -2]); // [-1, 2]
 * @category Arithmetic and math
 */
export const neg = (x: Tensor | TensorLike) => unary('neg', Unary.Neg, x);
/**
 * |x|; for complex64 the magnitude sqrt(re^2 + im^2) as float32 (as tfjs).
 * @example sg.abs([-1, 2]); // [1, 2]
 * @category Arithmetic and math
 */
export const abs = (x: Tensor | TensorLike) => (isComplex(x) ? complexAbs(x) : unary('abs', Unary.Abs, x));
/**
 * x * x
 * @example sg.square([2, -3]); // [4, 9]
 * @category Arithmetic and math
 */
export const square = (x: Tensor | TensorLike) => unary('square', Unary.Square, x);
/**
 * Square root; NaN below 0.
 * @example sg.sqrt([4, 9]); // [2, 3]
 * @category Arithmetic and math
 */
export const sqrt = (x: Tensor | TensorLike) => unary('sqrt', Unary.Sqrt, x);
/**
 * 1 / sqrt(x)
 * @example sg.rsqrt([4, 16]); // [0.5, 0.25]
 * @category Arithmetic and math
 */
export const rsqrt = (x: Tensor | TensorLike) => unary('rsqrt', Unary.Rsqrt, x);
/**
 * e^x
 * @example sg.exp([0, 1]); // [1, 2.7182817]
 * @category Arithmetic and math
 */
export const exp = (x: Tensor | TensorLike) => unary('exp', Unary.Exp, x);
/**
 * Natural logarithm; -Infinity at 0, NaN below.
 * @example sg.log([1, Math.E]); // [0, 1]
 * @category Arithmetic and math
 */
export const log = (x: Tensor | TensorLike) => unary('log', Unary.Log, x);
/**
 * log(1 + x), accurate for small x.
 * @example sg.log1p([0, 1e-7]); // [0, 1e-7]
 * @category Arithmetic and math
 */
export const log1p = (x: Tensor | TensorLike) => unary('log1p', Unary.Log1p, x);
/**
 * 1 / x
 * @example sg.reciprocal([2, 4]); // [0.5, 0.25]
 * @category Arithmetic and math
 */
export const reciprocal = (x: Tensor | TensorLike) => unary('reciprocal', Unary.Reciprocal, x);
/**
 * max(x, 0)
 * @example sg.relu([-1, 2]); // [0, 2]
 * @category Arithmetic and math
 */
export const relu = (x: Tensor | TensorLike) => unary('relu', Unary.Relu, x);
/**
 * min(max(x, 0), 6)
 * @example sg.relu6([-1, 3, 8]); // [0, 3, 6]
 * @category Arithmetic and math
 */
export const relu6 = (x: Tensor | TensorLike) => unary('relu6', Unary.Relu6, x);
/**
 * x > 0 ? x : alpha * (e^x - 1). Porting note: tfjs's elu has no alpha; Keras' ELU layer does.
 * @example sg.elu([-1, 2]); // [-0.6321206, 2]
 * @category Arithmetic and math
 */
export function elu(x: Tensor | TensorLike, alpha = 1): Tensor {
  checkFinite('elu', 'alpha', alpha);
  return unary('elu', Unary.Elu, x, alpha);
}
/**
 * Scaled ELU with the self-normalising constants.
 * @example sg.selu([0, 1]); // [0, 1.050701]
 * @category Arithmetic and math
 */
export const selu = (x: Tensor | TensorLike) => unary('selu', Unary.Selu, x);
/**
 * x > 0 ? x : alpha * x (tfjs default alpha 0.2).
 * @example sg.leakyRelu([-1, 2], 0.1); // [-0.1, 2]
 * @category Arithmetic and math
 */
export function leakyRelu(x: Tensor | TensorLike, alpha = 0.2): Tensor {
  checkFinite('leakyRelu', 'alpha', alpha);
  return unary('leakyRelu', Unary.LeakyRelu, x, alpha);
}
/**
 * 1 / (1 + e^-x)
 * @example sg.sigmoid([0]); // [0.5]
 * @category Arithmetic and math
 */
export const sigmoid = (x: Tensor | TensorLike) => unary('sigmoid', Unary.Sigmoid, x);
/**
 * Hyperbolic tangent.
 * @example sg.tanh([0, 1]); // [0, 0.7615942]
 * @category Arithmetic and math
 */
export const tanh = (x: Tensor | TensorLike) => unary('tanh', Unary.Tanh, x);
/**
 * log(1 + e^x), computed stably.
 * @example sg.softplus([0]); // [0.6931472]
 * @category Arithmetic and math
 */
export const softplus = (x: Tensor | TensorLike) => unary('softplus', Unary.Softplus, x);
/**
 * -1, 0 or 1.
 * @example sg.sign([-3, 0, 2]); // [-1, 0, 1]
 * @category Arithmetic and math
 */
export const sign = (x: Tensor | TensorLike) => unary('sign', Unary.Sign, x);
/**
 * Largest integer <= x.
 * @example sg.floor([-1.5, 1.5]); // [-2, 1]
 * @category Arithmetic and math
 */
export const floor = (x: Tensor | TensorLike) => unary('floor', Unary.Floor, x);
/**
 * Smallest integer >= x.
 * @example sg.ceil([-1.5, 1.5]); // [-1, 2]
 * @category Arithmetic and math
 */
export const ceil = (x: Tensor | TensorLike) => unary('ceil', Unary.Ceil, x);
/**
 * Rounds half to even, as tfjs.
 * @example sg.round([0.5, 1.5, 2.4]); // [0, 2, 2]
 * @category Arithmetic and math
 */
export const round = (x: Tensor | TensorLike) => unary('round', Unary.Round, x);
/**
 * Sine (radians).
 * @example sg.sin([0, Math.PI / 2]); // [0, 1]
 * @category Arithmetic and math
 */
export const sin = (x: Tensor | TensorLike) => unary('sin', Unary.Sin, x);
/**
 * Cosine (radians).
 * @example sg.cos([0, Math.PI]); // [1, -1]
 * @category Arithmetic and math
 */
export const cos = (x: Tensor | TensorLike) => unary('cos', Unary.Cos, x);
/**
 * x > 0 ? 1 : alpha
 * @example sg.step([-1, 2]); // [0, 1]
 * @category Arithmetic and math
 */
export function step(x: Tensor | TensorLike, alpha = 0): Tensor {
  checkFinite('step', 'alpha', alpha);
  return unary('step', Unary.Step, x, alpha);
}

/**
 * Clamps every value into [clipValueMin, clipValueMax].
 * @example sg.clipByValue(sg.tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * @category Arithmetic and math
 */
export function clipByValue(x: Tensor | TensorLike, clipValueMin: number, clipValueMax: number): Tensor {
  checkFinite('clipByValue', 'clipValueMin', clipValueMin);
  checkFinite('clipByValue', 'clipValueMax', clipValueMax);
  if (clipValueMin > clipValueMax) {
    throw new Error(`clipByValue: clipValueMin (${clipValueMin}) must be <= clipValueMax (${clipValueMax})`);
  }
  return unary('clipByValue', Unary.Clip, x, clipValueMin, clipValueMax);
}
