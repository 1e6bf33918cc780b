// Activations of the fused recurrent kernels (assembly/rnn.ts, assembly/conv_lstm.ts) and the
// tail-safe SIMD loads and stores they use. Codes are shared with src/ops/rnn.ts (RNN_ACT).

import { exp4, expm14, fsplat, loadTail, sigmoid4, softplus4, storeTail, tanh4 } from './simdmath';
import { mapLoop, OpSigmoid, OpTanh } from './unary';

// Activation codes (src/ops/rnn.ts has the same table).
// @ts-ignore: decorator
@inline const LINEAR: i32 = 0;
// @ts-ignore: decorator
@inline export const TANH: i32 = 1;
// @ts-ignore: decorator
@inline export const SIGMOID: i32 = 2;
// @ts-ignore: decorator
@inline const HARD_SIGMOID: i32 = 3;
// @ts-ignore: decorator
@inline const RELU: i32 = 4;
// @ts-ignore: decorator
@inline const HARD_SIGMOID_K2: i32 = 5;
// @ts-ignore: decorator
@inline const ELU: i32 = 6;
// @ts-ignore: decorator
@inline const SOFTSIGN: i32 = 7;
// @ts-ignore: decorator
@inline const RELU6: i32 = 8;
// @ts-ignore: decorator
@inline const SELU: i32 = 9;
// @ts-ignore: decorator
@inline const SOFTPLUS: i32 = 10;
// @ts-ignore: decorator
@inline const EXPONENTIAL: i32 = 11;

const SELU_SCALE: f32 = 1.0507009873554805;
const SELU_SA: f32 = 1.7580993408473766; // scale * alpha

/**
 * act(x) per lane. hardSigmoid is Keras 3's relu6(x + 3) / 6, HARD_SIGMOID_K2 Keras 2's
 * clip(0.2 x + 0.5, 0, 1); elu has alpha 1. Sigmoid and tanh (Keras' defaults, the recurrent
 * kernels' hot path) are inlined at each call site; every other activation is one call to
 * actOther4, so that the kernels do not carry an inlined copy of every activation at every gate
 * (issue 17: that was ~60 KB of the module). Same arithmetic either way.
 */
// @ts-ignore: decorator
@inline export function act4(x: v128, code: i32): v128 {
  if (code == SIGMOID) return sigmoid4(x);
  if (code == TANH) return tanh4(x);
  return actOther4(x, code);
}

/** act4 as one call (not inlined): for the kernels' copies where the codes vary. */
// @ts-ignore: decorator
@inline export function actAny4(x: v128, code: i32): v128 {
  return actCall4(x, code);
}

/** dact4 as one call (not inlined). */
// @ts-ignore: decorator
@inline export function dactAny4(y: v128, code: i32): v128 {
  return dactCall4(y, code);
}

/**
 * act4 where `known` (a constant at each use) says the code is a constant too: the kernels'
 * copies for Keras' defaults (tanh, sigmoid) inline them; their other copy calls actAny4.
 */
// @ts-ignore: decorator
@inline export function actK(x: v128, code: i32, known: bool): v128 {
  return known ? act4(x, code) : actAny4(x, code);
}

/** dact4 as actK. */
// @ts-ignore: decorator
@inline export function dactK(y: v128, code: i32, known: bool): v128 {
  return known ? dact4(y, code) : dactAny4(y, code);
}

function actCall4(x: v128, code: i32): v128 {
  return act4(x, code);
}

function dactCall4(y: v128, code: i32): v128 {
  return dact4(y, code);
}

/** act4 for the activations other than sigmoid and tanh (not inlined). */
function actOther4(x: v128, code: i32): v128 {
  if (code == HARD_SIGMOID) {
    const t = f32x4.min(f32x4.max(f32x4.add(x, fsplat(3.0)), fsplat(0.0)), fsplat(6.0));
    return f32x4.div(t, fsplat(6.0));
  }
  if (code == RELU) return f32x4.max(x, fsplat(0.0));
  if (code == HARD_SIGMOID_K2) {
    return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, fsplat(0.2)), fsplat(0.5)), fsplat(0.0)), fsplat(1.0));
  }
  if (code == ELU) return v128.bitselect(x, expm14(x), f32x4.gt(x, fsplat(0.0)));
  if (code == SOFTSIGN) return f32x4.div(x, f32x4.add(f32x4.abs(x), fsplat(1.0)));
  if (code == RELU6) return f32x4.min(f32x4.max(x, fsplat(0.0)), fsplat(6.0));
  if (code == SELU) {
    return v128.bitselect(f32x4.mul(x, fsplat(SELU_SCALE)), f32x4.mul(expm14(x), fsplat(SELU_SA)), f32x4.gt(x, fsplat(0.0)));
  }
  if (code == SOFTPLUS) return softplus4(x);
  if (code == EXPONENTIAL) return exp4(x);
  return x;
}

/**
 * act'(x) per lane, from the output y = act(x) (every supported activation allows it). Sigmoid
 * and tanh inline, the others one call to dactOther4 (as act4).
 */
// @ts-ignore: decorator
@inline export function dact4(y: v128, code: i32): v128 {
  if (code == SIGMOID) return f32x4.mul(y, f32x4.sub(fsplat(1.0), y));
  if (code == TANH) return f32x4.sub(fsplat(1.0), f32x4.mul(y, y));
  return dactOther4(y, code);
}

/** dact4 for the activations other than sigmoid and tanh (not inlined). */
function dactOther4(y: v128, code: i32): v128 {
  if (code == HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(y, fsplat(0.0)), f32x4.lt(y, fsplat(1.0)));
    return v128.and(inside, fsplat(<f32>(1.0 / 6.0)));
  }
  if (code == RELU) return v128.and(f32x4.gt(y, fsplat(0.0)), fsplat(1.0));
  if (code == HARD_SIGMOID_K2) {
    const inside = v128.and(f32x4.gt(y, fsplat(0.0)), f32x4.lt(y, fsplat(1.0)));
    return v128.and(inside, fsplat(<f32>0.2));
  }
  if (code == ELU) return v128.bitselect(fsplat(1.0), f32x4.add(y, fsplat(1.0)), f32x4.gt(y, fsplat(0.0)));
  if (code == SOFTSIGN) {
    const t = f32x4.sub(fsplat(1.0), f32x4.abs(y));
    return f32x4.mul(t, t);
  }
  if (code == RELU6) return v128.and(v128.and(f32x4.gt(y, fsplat(0.0)), f32x4.lt(y, fsplat(6.0))), fsplat(1.0));
  if (code == SELU) return v128.bitselect(fsplat(SELU_SCALE), f32x4.add(y, fsplat(SELU_SA)), f32x4.gt(y, fsplat(0.0)));
  if (code == SOFTPLUS) return f32x4.neg(expm14(f32x4.neg(y))); // sigmoid(x) = 1 - exp(-softplus(x))
  if (code == EXPONENTIAL) return y;
  return fsplat(1.0);
}

// @ts-ignore: decorator
@inline export function ld(p: usize, n: i32): v128 {
  return n >= 4 ? v128.load(p) : loadTail(p, n);
}

// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else storeTail(p, v, n);
}

/**
 * out[0, n) = act(x[0, n)) (out may be x): sigmoid and tanh through unary.ts's element-wise loops
 * (the same sigmoid4/tanh4 per lane, two vectors an iteration), the other activations one call
 * per vector. The recurrent forward kernels apply their gates' activations row by row with it,
 * so the module holds each activation's code once (issue 17) rather than inlined at every gate.
 */
export function actRow(x: usize, out: usize, n: i32, code: i32): void {
  if (code == SIGMOID) mapLoop<OpSigmoid>(x, out, 0, n, 0, 0);
  else if (code == TANH) mapLoop<OpTanh>(x, out, 0, n, 0, 0);
  else {
    for (let j = 0; j < n; j += 4) {
      const k = min(4, n - j);
      const q = <usize>j << 2;
      st(out + q, actOther4(ld(x + q, k), code), k);
    }
  }
}

/** out[0, n) = a[0, n) + b[0, n) (out may be a or b). */
export function addRow(a: usize, b: usize, out: usize, n: i32): void {
  for (let j = 0; j < n; j += 4) {
    const k = min(4, n - j);
    const q = <usize>j << 2;
    st(out + q, f32x4.add(ld(a + q, k), ld(b + q, k)), k);
  }
}
