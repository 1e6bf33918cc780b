// Cheaper f32 transcendental functions on v128 (4 lanes) for kernels that do not need the
// last ulp of simdmath.ts: for now the exponential of non-positive arguments that softmax takes
// after subtracting the row maximum (assembly/attention.ts's forward).
//
// expNeg4 (x <= 0): exp(x) = 2^y with y = x*log2(e), y = n + f, n = round(y), |f| <= 1/2, by
// the 1.5*2^23 "magic" add (one add rounds to nearest and leaves n in the low mantissa bits);
// 2^f by a degree-5 polynomial with constant term 1 (a relative minimax fit on [-1/2, 1/2],
// 9.1e-8 in exact arithmetic, 1.9e-7 evaluated in f32 with plain mul then add); 2^n built in the
// exponent bits and applied by one multiply. y is clamped below at -127 first, so -Inf (a masked
// logit) and every x <= -126.5*ln2 (about -87.68) give exactly 0, never a tiny weight, and no
// integer wraps. Cost: 18 v128 operations against exp4's 32 (simdmath.ts: Cody-Waite reduction in
// two parts, a clamp on both sides, 2^n in two factors for the overflow/denormal range).
// Accuracy against exact exp(x): relative 1.9e-7 (the polynomial in f32) + the rounding of
// x*log2(e) (up to 2^-24 * |x| relative in the result). Measured over 4M arguments in [-90, 0]
// (a throwaway wasm build of expNeg4 against Math.exp): 2.1e-7 for x in [-1, 0], 6.0e-7 in [-10, -1], 4.0e-6 in
// [-87.3, -10] (where exp(x) < 5e-5 of the row's largest weight 1, so the absolute error is nil).
// Results for x in (-87.68, -87.34) are denormal (no flush). exp(0) = 1 exactly (the constant
// term is 1 and 2^0 scales by 1). A NaN lane gives NaN (pmax passes NaN through, poly(NaN) is
// NaN, and NaN times the scale is NaN). Valid for x <= 0 only: x > 0 is not range-checked (up to
// about 88 the result is still right; beyond, the exponent bits overflow into garbage).
// A lane's result depends only on that lane (same bits wherever it sits in a vector).
//
// Other candidates: the softmax kernel (reduce.ts, its exp after the max subtraction) could take
// expNeg4 as it is; sigmoid/tanh (rnn_act.ts, unary.ts) need exp of |x| with the sign handled
// (sigmoid = e/(1+e) with e = exp(-|x|) fits expNeg4's domain exactly; tanh's
// 1 - 2/(exp(2|x|)+1) can use e = exp(-2|x|): tanh = (1-e)/(1+e), loses relative accuracy near 0
// where the polynomial branch of simdmath's tanh4 is used anyway).

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12582912.0; // 1.5 * 2^23
// @ts-ignore: decorator
@inline const MAGIC_BITS: i32 = 0x4b400000;
// 2^f ~= 1 + f*(P1 + f*(P2 + f*(P3 + f*(P4 + f*P5)))), |f| <= 1/2 (relative minimax fit)
// @ts-ignore: decorator
@inline const P1: f32 = 0.6931470036506653;
// @ts-ignore: decorator
@inline const P2: f32 = 0.24022242426872253;
// @ts-ignore: decorator
@inline const P3: f32 = 0.05550733581185341;
// @ts-ignore: decorator
@inline const P4: f32 = 0.009671512991189957;
// @ts-ignore: decorator
@inline const P5: f32 = 0.0013264722656458616;

/**
 * The ten constants of expNeg4k, each splat over 16 bytes, in its argument order (a data
 * segment): a kernel that calls expNeg4k in a loop loads them into locals before the loop, so
 * that V8 keeps them in registers (or one load from its spill slot) instead of rebuilding each
 * v128 constant from immediates (3 instructions each) on every iteration.
 */
export const EXP_NEG_CONSTS: usize = memory.data<f32>([
  LOG2E, LOG2E, LOG2E, LOG2E,
  -127.0, -127.0, -127.0, -127.0,
  MAGIC, MAGIC, MAGIC, MAGIC,
  P5, P5, P5, P5,
  P4, P4, P4, P4,
  P3, P3, P3, P3,
  P2, P2, P2, P2,
  P1, P1, P1, P1,
  1.0, 1.0, 1.0, 1.0,
  // 127 - MAGIC_BITS as i32 bits in each lane (a negative integer, stored through its f32 pattern)
  reinterpret<f32>(127 - MAGIC_BITS), reinterpret<f32>(127 - MAGIC_BITS),
  reinterpret<f32>(127 - MAGIC_BITS), reinterpret<f32>(127 - MAGIC_BITS),
], 16);

/**
 * expNeg4 with its constants passed in (the v128 splats of EXP_NEG_CONSTS, in order): same
 * operations, same bits.
 */
// @ts-ignore: decorator
@inline export function expNeg4k(x: v128, log2e: v128, lo: v128, magic: v128, p5: v128, p4: v128, p3: v128,
  p2: v128, p1: v128, one: v128, bias: v128): v128 {
  // y >= -127 (NaN passes: pmax returns its first operand when the comparison fails)
  const y = f32x4.pmax(f32x4.mul(x, log2e), lo);
  const t = f32x4.add(y, magic); // 1.5*2^23 + n, n = round(y) in [-127, 0]
  const f = f32x4.sub(y, f32x4.sub(t, magic));
  let p = f32x4.add(f32x4.mul(p5, f), p4);
  p = f32x4.add(f32x4.mul(p, f), p3);
  p = f32x4.add(f32x4.mul(p, f), p2);
  p = f32x4.add(f32x4.mul(p, f), p1);
  p = f32x4.add(f32x4.mul(p, f), one);
  // 2^n as a float: biased exponent n + 127 in [0, 127] (0 gives +0.0, so the product is 0)
  return f32x4.mul(p, i32x4.shl(i32x4.add(t, bias), 23));
}

/**
 * exp(x) per lane for x <= 0 (and -Inf, giving 0): relative error 1.9e-7 + 2^-24 * |x|,
 * exactly 0 for x <= -87.68, exp(0) = 1. See the file's header.
 */
// @ts-ignore: decorator
@inline export function expNeg4(x: v128): v128 {
  return expNeg4k(x, f32x4.splat(LOG2E), f32x4.splat(-127.0), f32x4.splat(MAGIC), f32x4.splat(P5),
    f32x4.splat(P4), f32x4.splat(P3), f32x4.splat(P2), f32x4.splat(P1), f32x4.splat(1.0),
    i32x4.splat(127 - MAGIC_BITS));
}
