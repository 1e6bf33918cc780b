/**
 * Keras activations by name (keras.activations): element-wise functions of one tensor, each a
 * composite of simdgrad ops so the tape differentiates it, plus the name registry behind
 * `activation: 'relu'` in layer configs (getActivation / serializeActivation).
 * @module
 */
import type { TensorLike } from '../engine/dtype.js';
import { normAxis } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, greater, mul, sub } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import { reshape } from '../ops/reshape.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from '../ops/softmax.js';
import { transpose } from '../ops/transpose.js';
import * as u from '../ops/unary.js';
import { checkFinite, scoped, toTensor } from '../ops/util.js';
import { NameRegistry } from '../utils/names.js';
import { checkOptions } from '../utils/options.js';
import { erfcAbs } from './erf.js';

export { erf } from './erf.js';

/** An activation: a function of one tensor returning a tensor of the same shape. */
export type ActivationFn = (x: Tensor) => Tensor;

/** `x` as a live float32 tensor (integer and bool inputs are cast, as Keras casts to floatx). */
function floatInput(op: string, x: Tensor | TensorLike): Tensor {
  const t = toTensor(x, 'x', op);
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/** Options of Keras' `relu`. */
export interface ReluOptions {
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Upper clip (default none). */
  maxValue?: number;
  /** Values below it are zeroed (or scaled by negativeSlope) (default 0). */
  threshold?: number;
}

/**
 * max(x, 0), or Keras' general form with `negativeSlope`, `maxValue` and `threshold`.
 * @example activations.relu(sg.tensor([-1, 2, 9]), { maxValue: 6 }); // [0, 2, 6]
 */
export const relu = scoped((x: Tensor, options: ReluOptions = {}): Tensor => {
  checkOptions('relu', options, ['negativeSlope', 'maxValue', 'threshold']);
  const { negativeSlope = 0, maxValue, threshold = 0 } = options;
  checkFinite('relu', 'negativeSlope', negativeSlope);
  checkFinite('relu', 'threshold', threshold);
  if (maxValue !== undefined) {
    checkFinite('relu', 'maxValue', maxValue);
    if (maxValue < 0) throw new Error(`relu: argument 'maxValue' must be >= 0 but is ${maxValue}`);
  }
  const t = floatInput('relu', x);
  if (negativeSlope === 0 && maxValue === undefined && threshold === 0) return u.relu(t);
  if (negativeSlope !== 0 && maxValue === undefined && threshold === 0) return u.leakyRelu(t, negativeSlope);
  const negPart = negativeSlope !== 0 ? u.relu(sub(threshold, t)) : null;
  let y = threshold !== 0 ? mul(t, cast(greater(t, threshold), 'float32')) : u.relu(t);
  if (maxValue !== undefined) y = u.clipByValue(y, 0, maxValue);
  if (negPart) y = sub(y, mul(negPart, negativeSlope));
  return y;
});

/** min(max(x, 0), 6). */
export const relu6 = scoped((x: Tensor): Tensor => u.relu6(floatInput('relu6', x)));

/** x > 0 ? x : alpha * (e^x - 1). */
export const elu = scoped((x: Tensor, alpha = 1): Tensor => {
  checkFinite('elu', 'alpha', alpha);
  return u.elu(floatInput('elu', x), alpha);
});

/** Scaled ELU: 1.0507 * (x > 0 ? x : 1.6733 * (e^x - 1)). */
export const selu = scoped((x: Tensor): Tensor => u.selu(floatInput('selu', x)));

/**
 * Gaussian error linear unit: x * Phi(x) with Phi the standard normal CDF.
 * `approximate = false` (the Keras default) uses the erf form 0.5 x (1 + erf(x / sqrt 2));
 * `true` uses the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 * @example activations.gelu(sg.tensor([-1, 0, 1])); // [-0.1587, 0, 0.8413]
 *
 * Porting note: erf is Abramowitz & Stegun 7.1.26 composed from ops (absolute error below
 * 1.5e-7, the float32 resolution), written through erfc for x < 0 so the left tail keeps
 * relative accuracy.
 */
export const gelu = scoped((x: Tensor, approximate = false): Tensor => {
  const t = floatInput('gelu', x);
  if (approximate) {
    const inner = mul(add(t, mul(u.square(t), mul(t, 0.044715))), Math.sqrt(2 / Math.PI));
    return mul(mul(t, 0.5), add(u.tanh(inner), 1));
  }
  // 1 + erf(z) = 2 - erfc(z) for z >= 0 and erfc(-z) for z < 0.
  const z = mul(t, Math.SQRT1_2);
  const q = erfcAbs(z);
  const pos = cast(greater(z, 0), 'float32');
  const onePlusErf = add(q, mul(pos, sub(2, mul(q, 2)))); // pos ? 2 - q : q
  return mul(mul(t, 0.5), onePlusErf);
});

/** x * sigmoid(x) (Keras 3's canonical name). */
export const silu = scoped((x: Tensor): Tensor => {
  const t = floatInput('silu', x);
  return mul(t, u.sigmoid(t));
});

/** x * sigmoid(x), the same function as silu under its Keras 2 name. */
export const swish = scoped((x: Tensor): Tensor => {
  const t = floatInput('swish', x);
  return mul(t, u.sigmoid(t));
});

/** 1 / (1 + e^-x). */
export const sigmoid = scoped((x: Tensor): Tensor => u.sigmoid(floatInput('sigmoid', x)));

/**
 * Piecewise-linear sigmoid: relu6(x + 3) / 6 (0 below -3, 1 above 3).
 * @example activations.hardSigmoid(sg.tensor([-4, 0, 1.5])); // [0, 0.5, 0.75]
 *
 * Porting note: this is Keras 3's definition. Keras 2 and tfjs-layers use
 * clip(0.2 x + 0.5, 0, 1); for that, write `sg.clipByValue(sg.add(sg.mul(x, 0.2), 0.5), 0, 1)`.
 */
export const hardSigmoid = scoped((x: Tensor): Tensor => div(u.relu6(add(floatInput('hardSigmoid', x), 3)), 6));

/**
 * Keras 2's and tfjs-layers' hard sigmoid: clip(0.2 x + 0.5, 0, 1). A tfjs-layers file's
 * 'hard_sigmoid' loads as this (src/io/config_names.ts).
 * @example activations.hardSigmoidKeras2(sg.tensor([-3, 0, 1])); // [0, 0.5, 0.7]
 */
export const hardSigmoidKeras2 = scoped((x: Tensor): Tensor =>
  u.clipByValue(add(mul(floatInput('hardSigmoidKeras2', x), 0.2), 0.5), 0, 1),
);

/** x * hardSigmoid(x) (Keras 3 'hard_silu', also known as 'hard_swish'). */
export const hardSilu = scoped((x: Tensor): Tensor => {
  const t = floatInput('hardSilu', x);
  return mul(t, div(u.relu6(add(t, 3)), 6));
});

/** Hyperbolic tangent. */
export const tanh = scoped((x: Tensor): Tensor => u.tanh(floatInput('tanh', x)));

/** Moves `axis` to the end, applies `f` (a last-axis op), and moves it back. */
function alongAxis(op: string, t: Tensor, axis: number, f: (x: Tensor) => Tensor): Tensor {
  if (t.rank === 0) throw new Error(`${op}: expected a tensor of rank >= 1 but got a scalar`);
  const a = normAxis(op, axis, t.rank);
  if (a === t.rank - 1) return f(t);
  const perm = t.shape.map((_, i) => i);
  perm[a] = t.rank - 1;
  perm[t.rank - 1] = a;
  return transpose(f(transpose(t, perm)), perm);
}

/**
 * exp(x) / sum(exp(x)) along `axis` (default -1, the last).
 * @example activations.softmax(sg.tensor([[1, 2, 3]])); // [[0.090, 0.245, 0.665]]
 */
export const softmax = scoped((x: Tensor, axis = -1): Tensor => {
  const t = floatInput('softmax', x);
  return alongAxis('softmax', t, axis, (v) => softmaxOp(v));
});

/** log(softmax(x)) along `axis` (default -1), computed stably. */
export const logSoftmax = scoped((x: Tensor, axis = -1): Tensor => {
  const t = floatInput('logSoftmax', x);
  return alongAxis('logSoftmax', t, axis, (v) => logSoftmaxOp(v));
});

/** log(1 + e^x), stable. */
export const softplus = scoped((x: Tensor): Tensor => u.softplus(floatInput('softplus', x)));

/** x / (1 + |x|). */
export const softsign = scoped((x: Tensor): Tensor => {
  const t = floatInput('softsign', x);
  return div(t, add(u.abs(t), 1));
});

/**
 * The identity. Returns a new handle on the same buffer (not `x` itself, so the caller may dispose
 * input and output independently), recorded on the tape so gradients flow through it.
 */
export const linear = scoped((x: Tensor): Tensor => {
  const t = toTensor(x, 'x', 'linear');
  return reshape(t, t.shape);
});

/** e^x. */
export const exponential = scoped((x: Tensor): Tensor => u.exp(floatInput('exponential', x)));

/**
 * x > 0 ? x : negativeSlope * x (default 0.2, Keras 3's `leaky_relu`).
 * Porting note: Keras' LeakyReLU *layer* defaults to 0.3; the activation function to 0.2.
 */
export const leakyRelu = scoped((x: Tensor, negativeSlope = 0.2): Tensor => {
  checkFinite('leakyRelu', 'negativeSlope', negativeSlope);
  return u.leakyRelu(floatInput('leakyRelu', x), negativeSlope);
});

/** x * tanh(softplus(x)). */
export const mish = scoped((x: Tensor): Tensor => {
  const t = floatInput('mish', x);
  return mul(t, u.tanh(u.softplus(t)));
});

const REGISTRY = new NameRegistry<ActivationFn>('activation');
REGISTRY.register('relu', relu);
REGISTRY.register('relu6', relu6);
REGISTRY.register('elu', elu);
REGISTRY.register('selu', selu);
REGISTRY.register('gelu', gelu);
REGISTRY.register('silu', silu);
REGISTRY.register('swish', swish);
REGISTRY.register('sigmoid', sigmoid);
REGISTRY.register('hard_sigmoid', hardSigmoid);
REGISTRY.register('hard_sigmoid_keras2', hardSigmoidKeras2);
REGISTRY.register('hard_silu', hardSilu, ['hard_swish']);
REGISTRY.register('tanh', tanh);
REGISTRY.register('softmax', softmax);
REGISTRY.register('log_softmax', logSoftmax);
REGISTRY.register('softplus', softplus);
REGISTRY.register('softsign', softsign);
REGISTRY.register('linear', linear);
REGISTRY.register('exponential', exponential);
REGISTRY.register('leaky_relu', leakyRelu);
REGISTRY.register('mish', mish);

/**
 * The Keras name of `fn` when it is simdgrad's own activation function of that name (by identity),
 * else undefined: a custom function that happens to be called 'relu' is not the built-in relu, so
 * layers fuse an activation into their kernels only when this names it.
 * @example activations.builtinActivationName(activations.getActivation('relu')); // 'relu'
 */
export function builtinActivationName(fn: ActivationFn): string | undefined {
  return REGISTRY.nameOf(fn);
}

/** Every registered activation name (Keras snake_case). */
export const activationNames: readonly string[] = REGISTRY.names;

/**
 * Resolves an activation: a name in camelCase, snake_case or Keras class style ('hardSigmoid',
 * 'hard_sigmoid', 'HardSigmoid'), a function (returned as is), or undefined/null (linear).
 * Unknown names throw with the closest name: "Unknown activation 'rleu'. Did you mean 'relu'?".
 * @example
 * const f = activations.getActivation('leaky_relu');
 * f(sg.tensor([-1, 1])); // [-0.2, 1]
 */
export function getActivation(identifier: string | ActivationFn | null | undefined): ActivationFn {
  if (identifier === undefined || identifier === null) return linear;
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier !== 'string') {
    throw new Error(`getActivation: expected a name or a function but got ${typeof identifier}`);
  }
  return REGISTRY.get(identifier);
}

/**
 * The Keras name of an activation function ('hard_sigmoid' for hardSigmoid). A custom function
 * serializes as its JavaScript name; an anonymous one throws.
 * Porting note: tfjs-layers writes some names in camelCase ('hardSigmoid'); we write Keras' names.
 * @example activations.serializeActivation(activations.hardSigmoid); // 'hard_sigmoid'
 */
export function serializeActivation(fn: ActivationFn): string {
  if (typeof fn !== 'function') throw new Error(`serializeActivation: expected a function but got ${typeof fn}`);
  const name = REGISTRY.nameOf(fn);
  if (name !== undefined) return name;
  if (fn.name) return fn.name;
  throw new Error('serializeActivation: an anonymous custom activation has no name; use a named function');
}
