// Element-wise unary kernels on f32 and their fused backward passes.
//
//   unaryF32(op, x, out, start, end, alpha, beta):          out[i] = f(x[i])
//   unaryGradF32(op, x, y, dy, dx, start, end, alpha, beta): dx[i] = dy[i] * f'(x[i], y[i])
//
// Layout: x, y, dy, out, dx are byte addresses of contiguous f32 arrays in linear memory; only
// elements [start, end) are touched, so a thread pool may split one call into ranges. The
// arrays are 16-byte aligned at their base, but a range may start anywhere: all vector accesses
// are unaligned-tolerant v128 loads/stores.
//
// Aliasing: out may equal x, dx may equal dy (each element is read before it is written, and
// no element is read after another element's write). Partial overlaps are not supported.
//
// Structure: each op is a tiny @unmanaged class (never instantiated) with an @inline forward
// method `f` and backward method `d`. The loops are generic over that class and call the
// methods on `changetype<T>(0)`, so the compiler emits one specialised loop per op: a switch on
// an op argument inside an @inline loop is not folded by AssemblyScript (every case would be
// inlined everywhere), and a runtime switch per vector would cost a dispatch per 4 elements.
// Each specialised loop is its own (non-inlined) wasm function: V8 register-allocates small
// functions much better than one function holding every op's loop. `unaryF32` and
// `unaryGradF32` switch once per call. The last 1..3 elements go through the same vector
// code on a partly-filled v128 (loadTail/storeTail), so every element's value is independent
// of its position: results are bit-identical however [start, end) is split.
//
// Semantics follow TensorFlow.js (cpu backend) except where noted:
//   Relu/Relu6/Clip propagate NaN (x < 0 ? 0 : x style selects, as tfjs's clip); Relu(-0) = -0.
//   Sign: -1/0/+1, Sign(NaN) = 0 and Sign(-0) = 0 (as tfjs). Step(NaN) = NaN (as tfjs).
//   Round: round half to even (f32x4.nearest), as tfjs.
//   Elu/Selu use an accurate expm1 rather than exp(x) - 1 (tfjs computes exp in float64, so
//   this is the closer match).
//   Sin, Cos, Log1p are scalar (float64 Math, then rounded) applied lane by lane.
// Gradients (dy times the factor below; ops whose derivative is 0 a.e. write exact zeros):
//   Abs: sign(x), i.e. 0 at x = 0 (TF convention; tfjs uses step(x, -1) which gives -1 there).
//   Relu/Relu6/LeakyRelu/Elu/Selu: the x > 0 branch; Relu6 (0 < x < 6); Clip (alpha <= x <= beta).
//   Gated factors multiply (dy * 0), as TF/tfjs do, so a NaN/Inf dy still yields NaN there.
//   Sqrt: dy / (2y); Rsqrt: -0.5 * dy * y / x; Reciprocal: -(dy / x) / x; Log: dy / x;
//   Log1p: dy / (1 + x); Sigmoid: dy * e/(1+e)^2, e = exp(-|x|); Tanh: dy * 4e/(1+e)^2, e = exp(-2|x|); Softplus: dy * sigmoid(x).
// Accuracy (max relative error vs float64, see simdmath.ts): exact/correctly rounded for Neg,
// Abs, Square, Sqrt, Relu*, Clip, Reciprocal, Floor, Ceil, Round, Sign, Step, Sin, Cos, Log1p;
// Rsqrt 9e-8; Exp 8e-8; Log 8e-8; Elu 8e-8; Selu 1.4e-7; Sigmoid 1.7e-7; Tanh 1.4e-7;
// Softplus 1.7e-7. Gradients: <= 2.1e-7 relative to dy * f'(x) computed in float64.

import { Unary } from './codes';
import { exp4, expm14, log4, sigmoid4, tanh4, softplus4, clamp4, loadTail, storeTail, fsplat } from './simdmath';

// SELU constants (Klambauer et al.), rounded to f32; SCALE_ALPHA = scale * alpha in float64, then rounded.
@inline const SELU_SCALE: f32 = 1.0507009873554804934193349852946;
@inline const SELU_SCALE_ALPHA: f32 = 1.7580993408473768599402175208123;

// ---- helpers -----------------------------------------------------------------------------

/** Loads 4 lanes (n == 4, a constant in the main loops) or a 1..3 lane tail. */
@inline function ld(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadTail(p, n);
}

/** 1.0 where mask is set, 0.0 elsewhere. */
@inline function ones(mask: v128): v128 {
  return v128.and(mask, fsplat(1.0));
}

/** sign(x) as -1/0/+1 floats (0 for +-0 and NaN). */
@inline function sign4(x: v128): v128 {
  const pos = v128.and(f32x4.gt(x, fsplat(0.0)), fsplat(1.0));
  const neg = v128.and(f32x4.lt(x, fsplat(0.0)), fsplat(-1.0));
  return v128.or(pos, neg);
}

/** x > 0 lane mask. */
@inline function gtz(x: v128): v128 {
  return f32x4.gt(x, fsplat(0.0));
}

// Scalar-only functions applied lane by lane, in f64 (AssemblyScript's Math, musl ports) and
// rounded once. Not Mathf: in AssemblyScript 0.28 Mathf.sin/cos are wrong for about 3% of
// inputs with |x| > ~1e9 (e.g. Mathf.sin(-1.1319512e27) = 0.904, true value 0.00291: a
// large-argument reduction bug); the f64 versions are right.
@inline function sinLanes(v: v128): v128 {
  let r = f32x4.splat(<f32>Math.sin(<f64>f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, <f32>Math.sin(<f64>f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, <f32>Math.sin(<f64>f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, <f32>Math.sin(<f64>f32x4.extract_lane(v, 3)));
}
@inline function cosLanes(v: v128): v128 {
  let r = f32x4.splat(<f32>Math.cos(<f64>f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, <f32>Math.cos(<f64>f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, <f32>Math.cos(<f64>f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, <f32>Math.cos(<f64>f32x4.extract_lane(v, 3)));
}
@inline function log1pLanes(v: v128): v128 {
  let r = f32x4.splat(<f32>Math.log1p(<f64>f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, <f32>Math.log1p(<f64>f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, <f32>Math.log1p(<f64>f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, <f32>Math.log1p(<f64>f32x4.extract_lane(v, 3)));
}

// ---- the ops -----------------------------------------------------------------------------
// f(x, a, b): forward on one vector (a = splat(alpha), b = splat(beta)).
// d(x, y, dy, n, a, b): dx for the n (4, or 1..3 in a tail) elements at addresses x, y, dy;
//   each op loads only the arrays it needs, so an unused x or y may be 0.

@final @unmanaged class OpNeg {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.neg(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return f32x4.neg(ld(dy, n)); }
}
@final @unmanaged class OpAbs {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.abs(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), sign4(ld(x, n)));
  }
}
@final @unmanaged class OpSquare {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.mul(x, x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const g = f32x4.mul(ld(dy, n), ld(x, n));
    return f32x4.add(g, g); // (dy*x)*2: exact doubling, overflows only if the result does
  }
}
@final @unmanaged class OpSqrt {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.sqrt(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const yv = ld(y, n);
    return f32x4.div(ld(dy, n), f32x4.add(yv, yv)); // dy / (2 sqrt(x))
  }
}
@final @unmanaged class OpExp {
  @inline f(x: v128, a: v128, b: v128): v128 { return exp4(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), ld(y, n));
  }
}
@final @unmanaged class OpLog {
  @inline f(x: v128, a: v128, b: v128): v128 { return log4(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.div(ld(dy, n), ld(x, n));
  }
}
@final @unmanaged class OpRelu {
  // pmax(x, 0) = x < 0 ? 0 : x: one maxps, NaN passes through (see simdmath clamp4)
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.pmax(x, fsplat(0.0)); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), ones(gtz(ld(x, n))));
  }
}
@final @unmanaged class OpRelu6 {
  @inline f(x: v128, a: v128, b: v128): v128 { return clamp4(x, 0.0, 6.0); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const xv = ld(x, n);
    return f32x4.mul(ld(dy, n), ones(v128.and(gtz(xv), f32x4.lt(xv, fsplat(6.0)))));
  }
}
@final @unmanaged class OpElu {
  @inline f(x: v128, a: v128, b: v128): v128 {
    return v128.bitselect(x, f32x4.mul(a, expm14(x)), gtz(x));
  }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const g = v128.bitselect(fsplat(1.0), f32x4.add(ld(y, n), a), gtz(ld(x, n)));
    return f32x4.mul(ld(dy, n), g);
  }
}
@final @unmanaged class OpSelu {
  @inline f(x: v128, a: v128, b: v128): v128 {
    return v128.bitselect(
      f32x4.mul(x, fsplat(SELU_SCALE)),
      f32x4.mul(expm14(x), fsplat(SELU_SCALE_ALPHA)),
      gtz(x),
    );
  }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const g = v128.bitselect(fsplat(SELU_SCALE), f32x4.add(ld(y, n), fsplat(SELU_SCALE_ALPHA)), gtz(ld(x, n)));
    return f32x4.mul(ld(dy, n), g);
  }
}
@final @unmanaged class OpLeakyRelu {
  @inline f(x: v128, a: v128, b: v128): v128 { return v128.bitselect(x, f32x4.mul(x, a), gtz(x)); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), v128.bitselect(fsplat(1.0), a, gtz(ld(x, n))));
  }
}
@final @unmanaged export class OpSigmoid {
  @inline f(x: v128, a: v128, b: v128): v128 { return sigmoid4(x); }
  // From x, not y: y(1-y) loses every digit where y rounds to 1 in float32 (x > ~9), while
  // sigmoid(x) sigmoid(-x) = e / (1+e)^2 with e = exp(-|x|) keeps full relative precision.
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const e = exp4(f32x4.neg(f32x4.abs(ld(x, n))));
    const q = f32x4.add(fsplat(1.0), e);
    return f32x4.mul(ld(dy, n), f32x4.div(e, f32x4.mul(q, q)));
  }
}
@final @unmanaged export class OpTanh {
  @inline f(x: v128, a: v128, b: v128): v128 { return tanh4(x); }
  // sech^2(x) = 4e / (1+e)^2 with e = exp(-2|x|), from x: 1 - y^2 is quantised to the float32
  // spacing of y near 1 and loses all relative precision where tanh saturates.
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const ax = f32x4.abs(ld(x, n));
    const e = exp4(f32x4.neg(f32x4.add(ax, ax)));
    const q = f32x4.add(fsplat(1.0), e);
    return f32x4.mul(ld(dy, n), f32x4.div(f32x4.mul(fsplat(4.0), e), f32x4.mul(q, q)));
  }
}
@final @unmanaged class OpSoftplus {
  @inline f(x: v128, a: v128, b: v128): v128 { return softplus4(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), sigmoid4(ld(x, n)));
  }
}
@final @unmanaged class OpClip {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.pmin(f32x4.pmax(x, a), b); } // NaN passes
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    const xv = ld(x, n);
    return f32x4.mul(ld(dy, n), ones(v128.and(f32x4.ge(xv, a), f32x4.le(xv, b))));
  }
}
@final @unmanaged class OpReciprocal {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.div(fsplat(1.0), x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    // -(dy/x)/x: no overflow of x*x for |x| > 1.8e19 (nor underflow for tiny x)
    const xv = ld(x, n);
    return f32x4.neg(f32x4.div(f32x4.div(ld(dy, n), xv), xv));
  }
}
@final @unmanaged class OpRsqrt {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.div(fsplat(1.0), f32x4.sqrt(x)); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    // d/dx x^-1/2 = -0.5 x^-3/2 = -0.5 * y / x, as (dy*y*-0.5)/x so y/x cannot overflow alone
    return f32x4.div(f32x4.mul(f32x4.mul(ld(dy, n), ld(y, n)), fsplat(-0.5)), ld(x, n));
  }
}
@final @unmanaged class OpSign {
  @inline f(x: v128, a: v128, b: v128): v128 { return sign4(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return fsplat(0.0); }
}
@final @unmanaged class OpFloor {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.floor(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return fsplat(0.0); }
}
@final @unmanaged class OpCeil {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.ceil(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return fsplat(0.0); }
}
@final @unmanaged class OpRound {
  @inline f(x: v128, a: v128, b: v128): v128 { return f32x4.nearest(x); } // half to even
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return fsplat(0.0); }
}
@final @unmanaged class OpSin {
  @inline f(x: v128, a: v128, b: v128): v128 { return sinLanes(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.mul(ld(dy, n), cosLanes(ld(x, n)));
  }
}
@final @unmanaged class OpCos {
  @inline f(x: v128, a: v128, b: v128): v128 { return cosLanes(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.neg(f32x4.mul(ld(dy, n), sinLanes(ld(x, n))));
  }
}
@final @unmanaged class OpLog1p {
  @inline f(x: v128, a: v128, b: v128): v128 { return log1pLanes(x); }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 {
    return f32x4.div(ld(dy, n), f32x4.add(ld(x, n), fsplat(1.0)));
  }
}
@final @unmanaged class OpStep {
  @inline f(x: v128, a: v128, b: v128): v128 {
    // x > 0 ? 1 : alpha, NaN stays NaN (as tfjs)
    return v128.bitselect(x, v128.bitselect(fsplat(1.0), a, gtz(x)), f32x4.ne(x, x));
  }
  @inline d(x: usize, y: usize, dy: usize, n: i32, a: v128, b: v128): v128 { return fsplat(0.0); }
}

// ---- loops -------------------------------------------------------------------------------

/**
 * out = f(x) over [start, end): 8 elements per iteration, then vectors of 4 with the 1..3 tail
 * as a partly-filled vector, through one more copy of the op's code.
 */
export function mapLoop<T>(x: usize, out: usize, start: i32, end: i32, alpha: f32, beta: f32): void {
  const op = changetype<T>(0);
  const a = f32x4.splat(alpha);
  const b = f32x4.splat(beta);
  let off = <usize>start << 2;
  let n = end - start;
  // Two independent vectors per iteration: the cheap ops get closer to memory bandwidth.
  while (n >= 8) {
    const v0 = v128.load(x + off);
    const v1 = v128.load(x + off, 16);
    v128.store(out + off, op.f(v0, a, b));
    v128.store(out + off, op.f(v1, a, b), 16);
    off += 32;
    n -= 8;
  }
  mapTail<T>(x, out, off, n, a, b);
}

/** out = f(x) for the n elements at byte offset off: vectors of 4, the 1..3 tail partly filled. */
// @ts-ignore: decorator
@inline function mapTail<T>(x: usize, out: usize, off: usize, n: i32, a: v128, b: v128): void {
  const op = changetype<T>(0);
  while (n > 0) {
    const r = op.f(n >= 4 ? v128.load(x + off) : loadTail(x + off, n), a, b);
    if (n >= 4) v128.store(out + off, r);
    else storeTail(out + off, r, n);
    off += 16;
    n -= 4;
  }
}

/** dx = op.d(...) over [start, end): vectors of 4, then a 1..3 tail through the same code. */
function gradLoop<T>(x: usize, y: usize, dy: usize, dx: usize, start: i32, end: i32, alpha: f32, beta: f32): void {
  const op = changetype<T>(0);
  const a = f32x4.splat(alpha);
  const b = f32x4.splat(beta);
  let off = <usize>start << 2;
  let n = end - start;
  while (n >= 4) {
    v128.store(dx + off, op.d(x + off, y + off, dy + off, 4, a, b));
    off += 16;
    n -= 4;
  }
  if (n > 0) storeTail(dx + off, op.d(x + off, y + off, dy + off, n, a, b), n);
}

// ---- exports -----------------------------------------------------------------------------

/** out[i] = f(x[i]) for i in [start, end); out may equal x. See the file header for semantics. */
export function unaryF32(op: i32, x: usize, out: usize, start: i32, end: i32, alpha: f32, beta: f32): void {
  if (end <= start) return;
  switch (op) {
    case Unary.Neg: mapLoop<OpNeg>(x, out, start, end, alpha, beta); break;
    case Unary.Abs: mapLoop<OpAbs>(x, out, start, end, alpha, beta); break;
    case Unary.Square: mapLoop<OpSquare>(x, out, start, end, alpha, beta); break;
    case Unary.Sqrt: mapLoop<OpSqrt>(x, out, start, end, alpha, beta); break;
    case Unary.Exp: mapLoop<OpExp>(x, out, start, end, alpha, beta); break;
    case Unary.Log: mapLoop<OpLog>(x, out, start, end, alpha, beta); break;
    case Unary.Relu: mapLoop<OpRelu>(x, out, start, end, alpha, beta); break;
    case Unary.Relu6: mapLoop<OpRelu6>(x, out, start, end, alpha, beta); break;
    case Unary.Elu: mapLoop<OpElu>(x, out, start, end, alpha, beta); break;
    case Unary.Selu: mapLoop<OpSelu>(x, out, start, end, alpha, beta); break;
    case Unary.LeakyRelu: mapLoop<OpLeakyRelu>(x, out, start, end, alpha, beta); break;
    case Unary.Sigmoid: mapLoop<OpSigmoid>(x, out, start, end, alpha, beta); break;
    case Unary.Tanh: mapLoop<OpTanh>(x, out, start, end, alpha, beta); break;
    case Unary.Softplus: mapLoop<OpSoftplus>(x, out, start, end, alpha, beta); break;
    case Unary.Clip: mapLoop<OpClip>(x, out, start, end, alpha, beta); break;
    case Unary.Reciprocal: mapLoop<OpReciprocal>(x, out, start, end, alpha, beta); break;
    case Unary.Rsqrt: mapLoop<OpRsqrt>(x, out, start, end, alpha, beta); break;
    case Unary.Sign: mapLoop<OpSign>(x, out, start, end, alpha, beta); break;
    case Unary.Floor: mapLoop<OpFloor>(x, out, start, end, alpha, beta); break;
    case Unary.Ceil: mapLoop<OpCeil>(x, out, start, end, alpha, beta); break;
    case Unary.Round: mapLoop<OpRound>(x, out, start, end, alpha, beta); break;
    case Unary.Sin: mapLoop<OpSin>(x, out, start, end, alpha, beta); break;
    case Unary.Cos: mapLoop<OpCos>(x, out, start, end, alpha, beta); break;
    case Unary.Log1p: mapLoop<OpLog1p>(x, out, start, end, alpha, beta); break;
    case Unary.Step: mapLoop<OpStep>(x, out, start, end, alpha, beta); break;
    default: unreachable(); // unknown op code: a bug on the TS side
  }
}

/**
 * dx[i] = dy[i] * f'(x[i]) for i in [start, end), from the forward input x and/or output y.
 * dx may equal dy. See the file header for each op's derivative.
 */
export function unaryGradF32(op: i32, x: usize, y: usize, dy: usize, dx: usize, start: i32, end: i32, alpha: f32, beta: f32): void {
  if (end <= start) return;
  switch (op) {
    case Unary.Neg: gradLoop<OpNeg>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Abs: gradLoop<OpAbs>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Square: gradLoop<OpSquare>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Sqrt: gradLoop<OpSqrt>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Exp: gradLoop<OpExp>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Log: gradLoop<OpLog>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Relu: gradLoop<OpRelu>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Relu6: gradLoop<OpRelu6>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Elu: gradLoop<OpElu>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Selu: gradLoop<OpSelu>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.LeakyRelu: gradLoop<OpLeakyRelu>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Sigmoid: gradLoop<OpSigmoid>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Tanh: gradLoop<OpTanh>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Softplus: gradLoop<OpSoftplus>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Clip: gradLoop<OpClip>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Reciprocal: gradLoop<OpReciprocal>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Rsqrt: gradLoop<OpRsqrt>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Sin: gradLoop<OpSin>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Cos: gradLoop<OpCos>(x, y, dy, dx, start, end, alpha, beta); break;
    case Unary.Log1p: gradLoop<OpLog1p>(x, y, dy, dx, start, end, alpha, beta); break;
    // derivative 0 almost everywhere: exact zeros, nothing read
    case Unary.Sign:
    case Unary.Floor:
    case Unary.Ceil:
    case Unary.Round:
    case Unary.Step: gradLoop<OpStep>(x, y, dy, dx, start, end, alpha, beta); break;
    default: unreachable();
  }
}
