// Activations of the fused recurrent kernels (assembly/rnn.ts, assembly/conv_lstm.ts) and the
// tail-safe SIMD loads and stores they use. Codes are shared with src/ops/rnn.ts (RNN_ACT).

import { exp4, expm14, fsplat, loadTail, softplus4, storeTail } from './simdmath';
import { EXP_NEG_CONSTS, expNeg4k } from './fastmath';

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
 * tanhK's constants, splat (a data segment, as fastmath's EXP_NEG_CONSTS): simdmath's tanh4
 * polynomial T4..T0, the 0.625 cut and the sign bit. Loaded rather than written as v128
 * constants: a load is a third of the bytes of a v128.const at each use, and in a loop V8 keeps
 * a loaded value in a register instead of rebuilding the constant from immediates every time.
 */
const TANH_CONSTS: usize = memory.data<f32>([
  -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3, -5.70498872745e-3,
  2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2, 2.06390887954e-2,
  -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2, -5.37397155531e-2,
  1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1, 1.33314422036e-1,
  -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1, -3.33332819422e-1,
  0.625, 0.625, 0.625, 0.625,
  -0.0, -0.0, -0.0, -0.0,
], 16);

/**
 * Logistic sigmoid per lane, (x >= 0 ? 1 : e) / (1 + e) with e = exp(-|x|) from fastmath's
 * expNeg4k (half the operations of simdmath's exp4: the recurrent kernels evaluate five
 * sigmoid/tanh vectors per 4 units and step, ~30% of the forward kernel with exp4). Relative
 * error ~2e-7 + 2^-24 |x| for x < 0 (expNeg4's), ~1 ulp for x >= 0; +-Inf give 1 and 0,
 * NaN stays NaN, x < -87.68 gives exactly 0 (the true value is below 1e-38). `one` is 1.0 splat.
 */
// @ts-ignore: decorator
@inline function sigmoidK(x: v128, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128,
  c7: v128, one: v128, c9: v128): v128 {
  const e = expNeg4k(f32x4.neg(f32x4.abs(x)), c0, c1, c2, c3, c4, c5, c6, c7, one, c9);
  return f32x4.div(v128.bitselect(one, e, f32x4.ge(x, f32x4.splat(0))), f32x4.add(one, e));
}

/**
 * tanh per lane: for |x| < 0.625 simdmath's tanh4 polynomial x + x z P(z), z = x^2; beyond,
 * (1 - e) / (1 + e) with e = exp(-2|x|) (expNeg4k) and the sign of x (relative error ~3e-7 at
 * |x| = 0.625, falling to exact +-1 for |x| > ~9). +-Inf give +-1, -0 stays -0, NaN stays NaN.
 * c0..c9: EXP_NEG_CONSTS; t0..t4, cut, sign: TANH_CONSTS.
 */
// @ts-ignore: decorator
@inline function tanhK(x: v128, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128,
  c7: v128, one: v128, c9: v128, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128, cut: v128, sign: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expNeg4k(f32x4.neg(f32x4.add(ax, ax)), c0, c1, c2, c3, c4, c5, c6, c7, one, c9);
  const z = f32x4.mul(x, x);
  let p = f32x4.add(f32x4.mul(t0, z), t1);
  p = f32x4.add(f32x4.mul(p, z), t2);
  p = f32x4.add(f32x4.mul(p, z), t3);
  p = f32x4.add(f32x4.mul(p, z), t4);
  const small = f32x4.add(f32x4.mul(f32x4.mul(x, z), p), x);
  const big = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  return v128.bitselect(small, v128.or(big, v128.and(x, sign)), f32x4.lt(ax, cut));
}

/** sigmoidK with its constants loaded here. */
// @ts-ignore: decorator
@inline export function sigmoidF4(x: v128): v128 {
  const k = EXP_NEG_CONSTS;
  return sigmoidK(x, v128.load(k), v128.load(k, 16), v128.load(k, 32), v128.load(k, 48), v128.load(k, 64),
    v128.load(k, 80), v128.load(k, 96), v128.load(k, 112), v128.load(k, 128), v128.load(k, 144));
}

/** tanhK with its constants loaded here. */
// @ts-ignore: decorator
@inline export function tanhF4(x: v128): v128 {
  const k = EXP_NEG_CONSTS, t = TANH_CONSTS;
  return tanhK(x, v128.load(k), v128.load(k, 16), v128.load(k, 32), v128.load(k, 48), v128.load(k, 64),
    v128.load(k, 80), v128.load(k, 96), v128.load(k, 112), v128.load(k, 128), v128.load(k, 144),
    v128.load(t), v128.load(t, 16), v128.load(t, 32), v128.load(t, 48), v128.load(t, 64), v128.load(t, 80), v128.load(t, 96));
}

/**
 * act(x) per lane. hardSigmoid is Keras 3's relu6(x + 3) / 6, HARD_SIGMOID_K2 Keras 2's
 * clip(0.2 x + 0.5, 0, 1); elu has alpha 1. Sigmoid and tanh (Keras' defaults, the recurrent
 * kernels' hot path) are inlined at each call site; every other activation is one call to
 * actOther4, so that the kernels do not carry an inlined copy of every activation at every gate
 * (issue 17: that was ~60 KB of the module). Same arithmetic either way.
 */
// @ts-ignore: decorator
@inline export function act4(x: v128, code: i32): v128 {
  if (code == SIGMOID) return sigmoidF4(x);
  if (code == TANH) return tanhF4(x);
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
 * out[0, n) = act(x[0, n)) (out may be x): sigmoid and tanh (sigmoidF4, tanhF4) two vectors an
 * iteration, the other activations one call per vector. The recurrent forward kernels apply
 * their gates' activations row by row with it, so the module holds each activation's code once
 * (issue 17) rather than inlined at every gate.
 */
export function actRow(x: usize, out: usize, n: i32, code: i32): void {
  let j = 0;
  if (code == SIGMOID || code == TANH) {
    // The constants in locals before the loops (see TANH_CONSTS); two vectors an iteration.
    const k = EXP_NEG_CONSTS;
    const c0 = v128.load(k), c1 = v128.load(k, 16), c2 = v128.load(k, 32), c3 = v128.load(k, 48);
    const c4 = v128.load(k, 64), c5 = v128.load(k, 80), c6 = v128.load(k, 96), c7 = v128.load(k, 112);
    const one = v128.load(k, 128), c9 = v128.load(k, 144);
    if (code == SIGMOID) {
      for (; j + 8 <= n; j += 8) {
        const q = <usize>j << 2;
        const u = sigmoidK(v128.load(x + q), c0, c1, c2, c3, c4, c5, c6, c7, one, c9);
        const v = sigmoidK(v128.load(x + q, 16), c0, c1, c2, c3, c4, c5, c6, c7, one, c9);
        v128.store(out + q, u);
        v128.store(out + q, v, 16);
      }
    } else {
      const t = TANH_CONSTS;
      const t0 = v128.load(t), t1 = v128.load(t, 16), t2 = v128.load(t, 32), t3 = v128.load(t, 48);
      const t4 = v128.load(t, 64), cut = v128.load(t, 80), sign = v128.load(t, 96);
      for (; j + 8 <= n; j += 8) {
        const q = <usize>j << 2;
        const u = tanhK(v128.load(x + q), c0, c1, c2, c3, c4, c5, c6, c7, one, c9, t0, t1, t2, t3, t4, cut, sign);
        const v = tanhK(v128.load(x + q, 16), c0, c1, c2, c3, c4, c5, c6, c7, one, c9, t0, t1, t2, t3, t4, cut, sign);
        v128.store(out + q, u);
        v128.store(out + q, v, 16);
      }
    }
  }
  for (; j < n; j += 4) {
    const k = min(4, n - j);
    const q = <usize>j << 2;
    st(out + q, actCall4(ld(x + q, k), code), k);
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
