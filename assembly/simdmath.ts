// Vectorised f32 transcendental functions on v128 (4 lanes), used by the element-wise and
// softmax kernels (unary.ts, reduce.ts), plus the partial-vector load/store helpers.
//
// A lane's result depends only on that lane's input, never on its neighbours or its position
// in memory (log4 branches per vector between a fast and a special-value path, but both give
// the same value for a normal lane). Kernels compute their 1..3 element tails by loading them
// into a partly-filled v128 (loadTail/storeTail), so an element gets the bit-identical value
// wherever it sits and however a range is split.
//
// Design (Cephes-style range reduction + polynomial; no FMA / relaxed SIMD, so results are
// the same on every engine):
//   exp:   x = n*ln2 + r, |r| <= ln2/2, n rounded to nearest with the 1.5*2^23 "magic" add
//          (one add gives both the rounded float and, in the low mantissa bits, the integer);
//          ln2 split into a 9-bit head (n*head is exact) and a tail (Cody-Waite);
//          exp(r) = 1 + r + r^2*P(r), P of degree 5 (Cephes expf coefficients);
//          2^n applied as two exact power-of-two multiplies 2^(n>>1) * 2^(n-(n>>1)), so
//          n in [-150, 128] needs no special cases: overflow rounds to +Inf, underflow goes
//          through the denormals to 0, both by plain IEEE arithmetic.
//   expm1: same reduction; expm1(r) = r + r^2*P(r) (no cancellation near 0), then
//          expm1(x) = 2*(t*expm1(r) + (t - 0.5)) with t = 2^(n-1) (keeps t normal for n = 128).
//   log:   x = 2^k * m with m in [sqrt(1/2), sqrt(2)) by integer bit tricks, f = m - 1,
//          log(1+f) = f - f^2/2 + f^3*P(f) (Cephes logf coefficients, degree 8), k*ln2 added
//          last in two parts. Vectors with a denormal, zero, negative, Inf or NaN lane take a
//          slower path that pre-scales denormals by 2^23 and patches specials by masks.
//   tanh:  |x| < 0.625: odd polynomial x + x^3*P(x^2) (Cephes tanhf); otherwise
//          sign(x) * (1 - 2/(exp(2|x|) + 1)), which saturates to exactly +-1 (exp -> Inf).
//   sigmoid: e = exp(-|x|); (x >= 0 ? 1 : e) / (1 + e): never overflows, exact 0/1 limits,
//          and keeps full relative accuracy for very negative x (down into the denormals).
//   softplus: max(x,0) + log1p(exp(-|x|)), log1p(u) = log(w) + (u - (w - 1))/w with w = 1 + u.
//   Clamps use f32x4.pmin/pmax (one minps/maxps on x64; the IEEE f32x4.min/max take ~8
//   instructions), with x as first operand so that a NaN x passes through.
//
// Measured max error against float64 Math.* (exact, not rounded), relative on normal results,
// over every 256th f32 bit pattern (16.7M inputs spanning both signs and all exponents) plus
// special values (checker: /tmp/ew/check_dense.mjs, check_unary.mjs):
//   exp      8.0e-8 (0.96 ulp)    log      8.0e-8 (0.87 ulp)    expm1 (Elu) 8.1e-8 (0.90 ulp)
//   sigmoid  1.7e-7 (2.2 ulp)     tanh     1.4e-7 (1.3 ulp)     softplus    1.7e-7 (1.8 ulp)
// Denormal results are within about 1 ulp of the denormal spacing (2^-149).

// ---- constants ---------------------------------------------------------------------------

@inline const LOG2E: f32 = 1.44269504088896341;
@inline const LN2_HI: f32 = 0.693359375; // 9 significant bits: n * LN2_HI is exact for |n| < 2^15
@inline const LN2_LO: f32 = -2.12194440e-4; // ln2 - LN2_HI
@inline const MAGIC: f32 = 12582912.0; // 1.5 * 2^23: adding it rounds to an integer (ties even)
@inline const MAGIC_BITS: i32 = 0x4b400000;

// Cephes expf polynomial: exp(r) ~= 1 + r + r^2 * (E5 + r*(E4 + ... + r*E0)), |r| <= ln2/2.
@inline const E0: f32 = 1.9875691500e-4;
@inline const E1: f32 = 1.3981999507e-3;
@inline const E2: f32 = 8.3334519073e-3;
@inline const E3: f32 = 4.1665795894e-2;
@inline const E4: f32 = 1.6666665459e-1;
@inline const E5: f32 = 5.0000001201e-1;

// Cephes logf polynomial: log(1+f) ~= f - f^2/2 + f^3 * (L0*f^8 + ... + L8), f in [sqrt(.5)-1, sqrt(2)-1].
@inline const L0: f32 = 7.0376836292e-2;
@inline const L1: f32 = -1.1514610310e-1;
@inline const L2: f32 = 1.1676998740e-1;
@inline const L3: f32 = -1.2420140846e-1;
@inline const L4: f32 = 1.4249322787e-1;
@inline const L5: f32 = -1.6668057665e-1;
@inline const L6: f32 = 2.0000714765e-1;
@inline const L7: f32 = -2.4999993993e-1;
@inline const L8: f32 = 3.3333331174e-1;

// Cephes tanhf polynomial for |x| < 0.625: tanh(x) ~= x + x * z * P(z), z = x^2.
@inline const T0: f32 = -5.70498872745e-3;
@inline const T1: f32 = 2.06390887954e-2;
@inline const T2: f32 = -5.37397155531e-2;
@inline const T3: f32 = 1.33314422036e-1;
@inline const T4: f32 = -3.33332819422e-1;

// ---- small helpers -----------------------------------------------------------------------

/** Splat of an f32 constant (folded to a v128.const by the optimiser). */
@inline export function fsplat(c: f32): v128 {
  return f32x4.splat(c);
}

/** a*b + c without fusing (plain mul then add: identical on every engine). */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * min(max(x, lo), hi) per lane with NaN passed through. Uses the "pseudo" min/max
 * (pmax(a, b) = a < b ? b : a), which compile to one minps/maxps each, unlike the fully
 * IEEE f32x4.min/max (about 8 instructions on x64). With x as the first operand a NaN x
 * fails the comparison and is returned unchanged.
 */
@inline export function clamp4(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

/** 2^n for integer lanes n in [-126, 127] (biased exponent put straight into the bits). */
@inline function pow2i(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

/**
 * Loads the n (1..3) f32/i32 values at p into the low lanes of a v128, zeroing the others.
 * Used for the tails of element-wise kernels so the tail goes through the same vector code.
 */
@inline export function loadTail(p: usize, n: i32): v128 {
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p, v, 1, 4);
  if (n > 2) v = v128.load32_lane(p, v, 2, 8);
  return v;
}

/** Stores the low n (1..3) lanes of v at p. */
@inline export function storeTail(p: usize, v: v128, n: i32): void {
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p, v, 1, 4);
  if (n > 2) v128.store32_lane(p, v, 2, 8);
}

// ---- exp / expm1 -------------------------------------------------------------------------

/** expm1 on the reduced range |r| <= ln2/2: r + r^2 * P(r). */
@inline function expm1Reduced(r: v128): v128 {
  let p = madd(fsplat(E0), r, fsplat(E1));
  p = madd(p, r, fsplat(E2));
  p = madd(p, r, fsplat(E3));
  p = madd(p, r, fsplat(E4));
  p = madd(p, r, fsplat(E5));
  return madd(f32x4.mul(r, r), p, r);
}

/**
 * exp(x) per lane. Inputs are clamped to [-104, 89]: beyond these the result is already 0
 * (exp(-104) < half the smallest denormal) or +Inf (the final multiply overflows). NaN passes
 * through the clamp (see clamp4) and the arithmetic, giving NaN.
 */
@inline export function exp4(x: v128): v128 {
  x = clamp4(x, -104.0, 89.0);
  // n = round(x / ln2): t holds 1.5*2^23 + n, so its low bits are n and t - MAGIC is n as float.
  const t = f32x4.add(f32x4.mul(x, fsplat(LOG2E)), fsplat(MAGIC));
  const nf = f32x4.sub(t, fsplat(MAGIC));
  const n = i32x4.sub(t, i32x4.splat(MAGIC_BITS));
  let r = f32x4.sub(x, f32x4.mul(nf, fsplat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(nf, fsplat(LN2_LO)));
  const p = f32x4.add(expm1Reduced(r), fsplat(1.0));
  // 2^n as two factors, each a normal float for n in [-150, 128]; the first product stays
  // normal, so the second is the only rounding into the denormal range.
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  return f32x4.mul(f32x4.mul(p, pow2i(n1)), pow2i(n2));
}

/**
 * expm1(x) = exp(x) - 1 per lane, accurate near 0 (used by Elu/Selu). Clamped to [-20, 89]:
 * below -20 the f32 result is -1 anyway; above, the final doubling overflows to +Inf.
 */
@inline export function expm14(x: v128): v128 {
  x = clamp4(x, -20.0, 89.0);
  const t = f32x4.add(f32x4.mul(x, fsplat(LOG2E)), fsplat(MAGIC));
  const nf = f32x4.sub(t, fsplat(MAGIC));
  const n = i32x4.sub(t, i32x4.splat(MAGIC_BITS));
  let r = f32x4.sub(x, f32x4.mul(nf, fsplat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(nf, fsplat(LN2_LO)));
  const q = expm1Reduced(r);
  // expm1(x) = 2^n*(q+1) - 1 = 2*(h*q + (h - 0.5)), h = 2^(n-1), n in [-29, 128].
  // For n = 0 this is exactly q (h = 0.5); doubling is exact, so no extra rounding.
  const h = pow2i(i32x4.sub(n, i32x4.splat(1)));
  const s = madd(h, q, f32x4.sub(h, fsplat(0.5)));
  // |x| < 2^-30: expm1(x) rounds to x; returning x also avoids the h*q product going
  // denormal for |x| near FLT_MIN, and keeps expm1(-0) = -0.
  return v128.bitselect(x, f32x4.add(s, s), f32x4.lt(f32x4.abs(x), fsplat(9.31322574615e-10)));
}

// ---- log ---------------------------------------------------------------------------------

/** log(1+f) - f for the reduced f in [sqrt(.5)-1, sqrt(2)-1], without the k*ln2 part. */
@inline function log1pReducedTail(f: v128): v128 {
  const z = f32x4.mul(f, f);
  let p = madd(fsplat(L0), f, fsplat(L1));
  p = madd(p, f, fsplat(L2));
  p = madd(p, f, fsplat(L3));
  p = madd(p, f, fsplat(L4));
  p = madd(p, f, fsplat(L5));
  p = madd(p, f, fsplat(L6));
  p = madd(p, f, fsplat(L7));
  p = madd(p, f, fsplat(L8));
  // f^3 * P(f) - f^2/2
  return f32x4.sub(f32x4.mul(f32x4.mul(f, z), p), f32x4.mul(z, fsplat(0.5)));
}

/**
 * Natural log per lane of 2^-kbias * x for normal positive finite x (no specials):
 * f + (tail + k*LN2_LO) + k*LN2_HI, in Cephes order. kbias (i32 lanes) is only applied when
 * `biased` (a constant at each call site), for the pre-scaled denormals.
 */
@inline function logNormal(x: v128, kbias: v128, biased: bool): v128 {
  // ix - bits(sqrt(1/2)) moves the split point of the mantissa to sqrt(1/2): k is the
  // exponent of x/sqrt(1/2) and m = x / 2^k lies in [sqrt(1/2), sqrt(2)).
  const ix = i32x4.add(x, i32x4.splat(0x3f800000 - 0x3f3504f3));
  let k = i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(0x7f));
  if (biased) k = i32x4.sub(k, kbias);
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  const f = f32x4.sub(m, fsplat(1.0));
  const kf = f32x4.convert_i32x4_s(k);
  const y = madd(kf, fsplat(LN2_LO), log1pReducedTail(f));
  return madd(kf, fsplat(LN2_HI), f32x4.add(f, y));
}

/**
 * log for vectors with at least one lane that is not a normal positive finite number:
 * denormals are scaled by 2^23 first (exact) and 23 taken off the exponent; zero, negative,
 * +Inf and NaN lanes are patched.
 */
@inline function logSpecial(x: v128): v128 {
  const den = f32x4.lt(x, fsplat(1.17549435e-38)); // also zero/negative lanes: patched below
  const xs = v128.bitselect(f32x4.mul(x, fsplat(8388608.0)), x, den);
  let r = logNormal(xs, v128.and(den, i32x4.splat(23)), true);
  r = v128.bitselect(x, r, f32x4.eq(x, fsplat(Infinity)));
  r = v128.bitselect(fsplat(-Infinity), r, f32x4.eq(x, fsplat(0.0)));
  // !(x >= 0) covers negatives and NaN
  return v128.bitselect(r, fsplat(NaN), f32x4.ge(x, fsplat(0.0)));
}

/**
 * log(x) per lane: log(+-0) = -Inf, log(x < 0) = NaN, log(+Inf) = +Inf, log(NaN) = NaN.
 * The common case (all four lanes normal, positive, finite) skips the special handling; the
 * branch is per vector and does not change any lane's value.
 */
@inline export function log4(x: v128): v128 {
  const normal = v128.and(f32x4.ge(x, fsplat(1.17549435e-38)), f32x4.lt(x, fsplat(Infinity)));
  return i32x4.all_true(normal) ? logNormal(x, x, false) : logSpecial(x);
}

/**
 * log1p(u) for u in [0, +1] (what softplus needs; no specials). w = 1 + u is rounded; the
 * rounding error u - (w - 1) is exact and adds its first-order effect (u - (w-1)) / w.
 */
@inline function log1pUnit(u: v128): v128 {
  const w = f32x4.add(u, fsplat(1.0));
  const c = f32x4.div(f32x4.sub(u, f32x4.sub(w, fsplat(1.0))), w);
  return f32x4.add(logNormal(w, w, false), c); // w in [1, 2]: always normal
}

// ---- activations -------------------------------------------------------------------------

/** Logistic sigmoid 1/(1+exp(-x)), computed as (x >= 0 ? 1 : e)/(1 + e) with e = exp(-|x|). */
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(fsplat(1.0), e, f32x4.ge(x, fsplat(0.0)));
  return f32x4.div(num, f32x4.add(fsplat(1.0), e));
}

/** tanh per lane; saturates to exactly +-1 for large |x| (|x| > ~9), -0 for -0, NaN for NaN. */
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  // small branch: x + x*z*P(z)
  const z = f32x4.mul(x, x);
  let p = madd(fsplat(T0), z, fsplat(T1));
  p = madd(p, z, fsplat(T2));
  p = madd(p, z, fsplat(T3));
  p = madd(p, z, fsplat(T4));
  const small = madd(f32x4.mul(x, z), p, x);
  // large branch: 1 - 2/(exp(2|x|) + 1), sign copied from x (NaN stays NaN)
  const e = exp4(f32x4.add(ax, ax));
  const big = f32x4.sub(fsplat(1.0), f32x4.div(fsplat(2.0), f32x4.add(e, fsplat(1.0))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(small, signed, f32x4.lt(ax, fsplat(0.625)));
}

/** softplus(x) = max(x, 0) + log1p(exp(-|x|)); +Inf -> +Inf, -Inf -> 0, NaN -> NaN. */
@inline export function softplus4(x: v128): v128 {
  const u = exp4(f32x4.neg(f32x4.abs(x)));
  return f32x4.add(f32x4.pmax(x, fsplat(0.0)), log1pUnit(u)); // pmax keeps a NaN x
}
