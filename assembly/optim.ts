// Fused in-place optimizer updates on f32: one call updates a variable and its slot variables
// (momentum, first/second moments, accumulators) for the element range [start, end).
//
//   sgdUpdateF32      p, g, m                 (m = 0: plain SGD, no slot)
//   rmspropUpdateF32  p, g, v, mom, mg        (mom = 0: no momentum; mg = 0: not centered)
//   adamUpdateF32     p, g, m, v, vhat        (vhat = 0: not amsgrad); AdamW is Adam with wdlr > 0
//   adagradUpdateF32  p, g, acc
//   adadeltaUpdateF32 p, g, accGrad, accDelta
//   adamaxUpdateF32   p, g, m, u
//   nadamUpdateF32    p, g, m, v
//
// Every pointer is the byte address of a contiguous f32 array in linear memory; a slot pointer
// of 0 means "this slot does not exist" (it is checked once per call, never per element: the
// flags are uniform, so the branch inside the inlined body is perfectly predicted).
//
// The per-step scalars (learning rate after schedules and decay, bias corrections, Nadam's
// momentum-schedule products) are computed by the caller in float64 once per step: they are the
// same for every element, and computing them here in f32 would only lose precision.
//
// Gradient pre-processing shared by every kernel (in this order, per element):
//   g = clamp(g * gscale, -clip, clip)   gscale: clipnorm / global-clipnorm factor (1 if none);
//                                        clip: clipvalue (+Infinity if none: then an identity)
//   p = p - p * wdlr                     decoupled weight decay, skipped when wdlr == 0 (so an
//                                        infinite weight does not become inf - inf*0 = NaN)
//
// Structure: each kernel has an @inline body `xxxStep(off, ..., n)` that processes the 4 lanes at
// byte offset `off`; the loop calls it with n = 4 (a constant, so ld/st fold to plain v128
// loads/stores), and the 1..3 element tail calls the *same* vector body on a partly filled v128
// (loadTail/storeTail). So every element goes through identical f32 arithmetic wherever it sits,
// and the results are bit-identical however [start, end) is split across threads. All loads and
// stores tolerate any alignment (a range may start anywhere). Nothing is allocated.
//
// Arithmetic follows Keras 3's update_step expressions operation by operation (e.g. Adam's
// m += (g - m) * (1 - beta1), not beta1*m + (1-beta1)*g), so float32 results track Keras'.
// The js backend's kernels (src/backends/js/kernels/optim.ts) are the readable oracle.

import { loadTail, storeTail } from './simdmath';

// ---- helpers -----------------------------------------------------------------------------

/** Loads 4 lanes (n == 4, constant in the main loop) or a 1..3 lane tail. */
@inline function ld(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadTail(p, n);
}

/** Stores 4 lanes (n == 4) or the low 1..3 lanes. */
@inline function st(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storeTail(p, v, n);
}

/**
 * The pre-processed gradient: clamp(g * gscale, lo, hi) with lo = -clip, hi = clip splatted once
 * per call. pmin/pmax with g as the first operand pass a NaN gradient through (as clamp4 in
 * simdmath.ts, whose f32 bounds would be re-splatted inside the loop).
 */
@inline function grad4(g: usize, gscale: v128, lo: v128, hi: v128, n: i32): v128 {
  return f32x4.pmin(f32x4.pmax(f32x4.mul(ld(g, n), gscale), lo), hi);
}

/** Decoupled weight decay p - p * wdlr, or p itself when wdlr is 0. */
@inline function decay4(p: v128, wdlr: v128, hasWd: bool): v128 {
  return hasWd ? f32x4.sub(p, f32x4.mul(p, wdlr)) : p;
}

// ---- SGD ---------------------------------------------------------------------------------
// m = momentum * m - lr * g;  p += m                      (momentum, Keras' velocity form)
// p += momentum * m - lr * g                              (nesterov, with the new m)
// p -= lr * g                                             (no momentum slot)

@inline function sgdStep(
  off: usize, p: usize, g: usize, m: usize, lr: v128, mom: v128, nesterov: bool,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  let pv = decay4(ld(p + off, n), wdlr, hasWd);
  const lrg = f32x4.mul(gv, lr);
  if (m == 0) {
    pv = f32x4.sub(pv, lrg);
  } else {
    const mv = f32x4.sub(f32x4.mul(ld(m + off, n), mom), lrg);
    st(m + off, mv, n);
    pv = f32x4.add(pv, nesterov ? f32x4.sub(f32x4.mul(mv, mom), lrg) : mv);
  }
  st(p + off, pv, n);
}

/** SGD (optionally with momentum / Nesterov momentum) on elements [start, end). */
export function sgdUpdateF32(
  p: usize, g: usize, m: usize, lr: f32, momentum: f32, nesterov: i32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vmom = f32x4.splat(momentum);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  const nest = nesterov != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) sgdStep(<usize>i << 2, p, g, m, vlr, vmom, nest, vgs, lo, hi, vwd, hasWd, 4);
  if (i < end) sgdStep(<usize>i << 2, p, g, m, vlr, vmom, nest, vgs, lo, hi, vwd, hasWd, end - i);
}

// ---- RMSprop -----------------------------------------------------------------------------
// v = rho * v + (1 - rho) * g^2
// centered: mg = rho * mg + (1 - rho) * g;  den = v - mg^2 + eps;  else den = v + eps
// inc = lr * g / sqrt(den);  momentum: mom = momentum * mom + inc; p -= mom;  else p -= inc

@inline function rmspropStep(
  off: usize, p: usize, g: usize, v: usize, mom: usize, mg: usize,
  lr: v128, rho: v128, omr: v128, momentum: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  let pv = decay4(ld(p + off, n), wdlr, hasWd);
  const vv = f32x4.add(f32x4.mul(rho, ld(v + off, n)), f32x4.mul(omr, f32x4.mul(gv, gv)));
  st(v + off, vv, n);
  let den: v128;
  if (mg != 0) {
    const mgv = f32x4.add(f32x4.mul(rho, ld(mg + off, n)), f32x4.mul(omr, gv));
    st(mg + off, mgv, n);
    den = f32x4.add(f32x4.sub(vv, f32x4.mul(mgv, mgv)), eps);
  } else {
    den = f32x4.add(vv, eps);
  }
  const inc = f32x4.div(f32x4.mul(lr, gv), f32x4.sqrt(den));
  if (mom != 0) {
    const mv = f32x4.add(f32x4.mul(momentum, ld(mom + off, n)), inc);
    st(mom + off, mv, n);
    pv = f32x4.sub(pv, mv);
  } else {
    pv = f32x4.sub(pv, inc);
  }
  st(p + off, pv, n);
}

/** RMSprop (optionally centered, optionally with momentum) on elements [start, end). */
export function rmspropUpdateF32(
  p: usize, g: usize, v: usize, mom: usize, mg: usize,
  lr: f32, rho: f32, oneMinusRho: f32, momentum: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho);
  const vomr = f32x4.splat(oneMinusRho);
  const vmom = f32x4.splat(momentum);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    rmspropStep(<usize>i << 2, p, g, v, mom, mg, vlr, vrho, vomr, vmom, veps, vgs, lo, hi, vwd, hasWd, 4);
  }
  if (i < end) {
    rmspropStep(<usize>i << 2, p, g, v, mom, mg, vlr, vrho, vomr, vmom, veps, vgs, lo, hi, vwd, hasWd, end - i);
  }
}

// ---- Adam / AdamW ------------------------------------------------------------------------
// m += (g - m) * (1 - beta1);  v += (g^2 - v) * (1 - beta2)
// amsgrad: vhat = max(vhat, v), used in place of v
// p -= m * alpha / (sqrt(v) + eps),  alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t) (caller)

@inline function adamStep(
  off: usize, p: usize, g: usize, m: usize, v: usize, vhat: usize,
  alpha: v128, omb1: v128, omb2: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  const pv = decay4(ld(p + off, n), wdlr, hasWd);
  const m0 = ld(m + off, n);
  const mv = f32x4.add(m0, f32x4.mul(f32x4.sub(gv, m0), omb1));
  st(m + off, mv, n);
  const v0 = ld(v + off, n);
  let vv = f32x4.add(v0, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), v0), omb2));
  st(v + off, vv, n);
  if (vhat != 0) {
    vv = f32x4.max(ld(vhat + off, n), vv);
    st(vhat + off, vv, n);
  }
  const upd = f32x4.div(f32x4.mul(mv, alpha), f32x4.add(f32x4.sqrt(vv), eps));
  st(p + off, f32x4.sub(pv, upd), n);
}

/** Adam (optionally AMSGrad; AdamW when wdlr > 0) on elements [start, end). */
export function adamUpdateF32(
  p: usize, g: usize, m: usize, v: usize, vhat: usize,
  alpha: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const va = f32x4.splat(alpha);
  const vb1 = f32x4.splat(oneMinusBeta1);
  const vb2 = f32x4.splat(oneMinusBeta2);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) adamStep(<usize>i << 2, p, g, m, v, vhat, va, vb1, vb2, veps, vgs, lo, hi, vwd, hasWd, 4);
  if (i < end) adamStep(<usize>i << 2, p, g, m, v, vhat, va, vb1, vb2, veps, vgs, lo, hi, vwd, hasWd, end - i);
}

// ---- Adagrad -----------------------------------------------------------------------------
// acc += g^2;  p -= lr * g / sqrt(acc + eps)

@inline function adagradStep(
  off: usize, p: usize, g: usize, acc: usize, lr: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  const pv = decay4(ld(p + off, n), wdlr, hasWd);
  const av = f32x4.add(ld(acc + off, n), f32x4.mul(gv, gv));
  st(acc + off, av, n);
  const upd = f32x4.div(f32x4.mul(lr, gv), f32x4.sqrt(f32x4.add(av, eps)));
  st(p + off, f32x4.sub(pv, upd), n);
}

/** Adagrad on elements [start, end). */
export function adagradUpdateF32(
  p: usize, g: usize, acc: usize, lr: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) adagradStep(<usize>i << 2, p, g, acc, vlr, veps, vgs, lo, hi, vwd, hasWd, 4);
  if (i < end) adagradStep(<usize>i << 2, p, g, acc, vlr, veps, vgs, lo, hi, vwd, hasWd, end - i);
}

// ---- Adadelta ----------------------------------------------------------------------------
// ag = rho * ag + (1 - rho) * g^2
// delta = -(sqrt(ad + eps) * g) / sqrt(ag + eps)
// ad = rho * ad + (1 - rho) * delta^2;  p += lr * delta

@inline function adadeltaStep(
  off: usize, p: usize, g: usize, ag: usize, ad: usize, lr: v128, rho: v128, omr: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  const pv = decay4(ld(p + off, n), wdlr, hasWd);
  const agv = f32x4.add(f32x4.mul(rho, ld(ag + off, n)), f32x4.mul(omr, f32x4.mul(gv, gv)));
  st(ag + off, agv, n);
  const ad0 = ld(ad + off, n);
  const delta = f32x4.neg(
    f32x4.div(f32x4.mul(f32x4.sqrt(f32x4.add(ad0, eps)), gv), f32x4.sqrt(f32x4.add(agv, eps))),
  );
  st(ad + off, f32x4.add(f32x4.mul(rho, ad0), f32x4.mul(omr, f32x4.mul(delta, delta))), n);
  st(p + off, f32x4.add(pv, f32x4.mul(lr, delta)), n);
}

/** Adadelta on elements [start, end). */
export function adadeltaUpdateF32(
  p: usize, g: usize, accGrad: usize, accDelta: usize, lr: f32, rho: f32, oneMinusRho: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vrho = f32x4.splat(rho);
  const vomr = f32x4.splat(oneMinusRho);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    adadeltaStep(<usize>i << 2, p, g, accGrad, accDelta, vlr, vrho, vomr, veps, vgs, lo, hi, vwd, hasWd, 4);
  }
  if (i < end) {
    adadeltaStep(<usize>i << 2, p, g, accGrad, accDelta, vlr, vrho, vomr, veps, vgs, lo, hi, vwd, hasWd, end - i);
  }
}

// ---- Adamax ------------------------------------------------------------------------------
// m += (g - m) * (1 - beta1);  u = max(beta2 * u, |g|)
// p -= lr * m / ((1 - beta1^t) * (u + eps))

@inline function adamaxStep(
  off: usize, p: usize, g: usize, m: usize, u: usize, lr: v128, omb1: v128, b2: v128, bc1: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  const pv = decay4(ld(p + off, n), wdlr, hasWd);
  const m0 = ld(m + off, n);
  const mv = f32x4.add(m0, f32x4.mul(f32x4.sub(gv, m0), omb1));
  st(m + off, mv, n);
  const uv = f32x4.max(f32x4.mul(b2, ld(u + off, n)), f32x4.abs(gv));
  st(u + off, uv, n);
  const upd = f32x4.div(f32x4.mul(lr, mv), f32x4.mul(bc1, f32x4.add(uv, eps)));
  st(p + off, f32x4.sub(pv, upd), n);
}

/** Adamax on elements [start, end); biasCorrection1 = 1 - beta1^t. */
export function adamaxUpdateF32(
  p: usize, g: usize, m: usize, u: usize, lr: f32, oneMinusBeta1: f32, beta2: f32, biasCorrection1: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(oneMinusBeta1);
  const vb2 = f32x4.splat(beta2);
  const vbc = f32x4.splat(biasCorrection1);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) adamaxStep(<usize>i << 2, p, g, m, u, vlr, vb1, vb2, vbc, veps, vgs, lo, hi, vwd, hasWd, 4);
  if (i < end) adamaxStep(<usize>i << 2, p, g, m, u, vlr, vb1, vb2, vbc, veps, vgs, lo, hi, vwd, hasWd, end - i);
}

// ---- Nadam -------------------------------------------------------------------------------
// m += (g - m) * (1 - beta1);  v += (g^2 - v) * (1 - beta2)
// mhat = c1 * m + c2 * g   (c1 = mu_{t+1} / (1 - prod_{t+1}), c2 = (1 - mu_t) / (1 - prod_t): caller)
// vhat = v / (1 - beta2^t);  p -= mhat * lr / (sqrt(vhat) + eps)

@inline function nadamStep(
  off: usize, p: usize, g: usize, m: usize, v: usize,
  lr: v128, omb1: v128, omb2: v128, c1: v128, c2: v128, bc2: v128, eps: v128,
  gscale: v128, lo: v128, hi: v128, wdlr: v128, hasWd: bool, n: i32,
): void {
  const gv = grad4(g + off, gscale, lo, hi, n);
  const pv = decay4(ld(p + off, n), wdlr, hasWd);
  const m0 = ld(m + off, n);
  const mv = f32x4.add(m0, f32x4.mul(f32x4.sub(gv, m0), omb1));
  st(m + off, mv, n);
  const v0 = ld(v + off, n);
  const vv = f32x4.add(v0, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), v0), omb2));
  st(v + off, vv, n);
  const mhat = f32x4.add(f32x4.mul(c1, mv), f32x4.mul(c2, gv));
  const vhat = f32x4.div(vv, bc2);
  const upd = f32x4.div(f32x4.mul(mhat, lr), f32x4.add(f32x4.sqrt(vhat), eps));
  st(p + off, f32x4.sub(pv, upd), n);
}

/** Nadam on elements [start, end); biasCorrection2 = 1 - beta2^t. */
export function nadamUpdateF32(
  p: usize, g: usize, m: usize, v: usize,
  lr: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, c1: f32, c2: f32, biasCorrection2: f32, eps: f32,
  gscale: f32, clip: f32, wdlr: f32, start: i32, end: i32,
): void {
  const vlr = f32x4.splat(lr);
  const vb1 = f32x4.splat(oneMinusBeta1);
  const vb2 = f32x4.splat(oneMinusBeta2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const vbc = f32x4.splat(biasCorrection2);
  const veps = f32x4.splat(eps);
  const vgs = f32x4.splat(gscale);
  const lo = f32x4.splat(-clip);
  const hi = f32x4.splat(clip);
  const vwd = f32x4.splat(wdlr);
  const hasWd = wdlr != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    nadamStep(<usize>i << 2, p, g, m, v, vlr, vb1, vb2, vc1, vc2, vbc, veps, vgs, lo, hi, vwd, hasWd, 4);
  }
  if (i < end) {
    nadamStep(<usize>i << 2, p, g, m, v, vlr, vb1, vb2, vc1, vc2, vbc, veps, vgs, lo, hi, vwd, hasWd, end - i);
  }
}
