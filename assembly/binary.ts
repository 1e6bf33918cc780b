// Element-wise binary kernels with broadcasting: f32 and i32 arithmetic, f32 and i32 comparisons.
//
//   binaryF32 (op, a, b, out, rank, shape, aStrides, bStrides, start, end)   f32 x f32 -> f32
//   compareF32(op, a, b, out, ...)                                            f32 x f32 -> i32 0/1
//   binaryI32 (op, a, b, out, ...)                                            i32 x i32 -> i32
//   compareI32(op, a, b, out, ...)                                            i32 x i32 -> i32 0/1
//
// Layout: `out` is the contiguous (row-major) output of shape shape[0..rank). shape, aStrides and
// bStrides are byte addresses of i32[rank]: the output dims, and for each output dim the element
// stride of a / b along it (0 where that input is broadcast). rank is 1..8; the TS side collapses
// dims, so a same-shape op arrives as rank 1 with strides 1/1. Only flat output elements
// [start, end) are computed (a thread split may cut anywhere, even inside a row).
// Aliasing: out may equal a or b when that input has the output's layout (element-wise
// read-before-write); otherwise out must not overlap the inputs.
//
// Walk: the innermost dim is processed as a "run" of consecutive outputs. Each run picks a
// loop by its inner strides: (1,1) vector loads of both; (1,0) / (0,1) one input is constant
// over the run and is splatted once; anything else a scalar strided loop. The second-innermost
// dim is stepped by adding its strides, so the per-row cost stays small even for short rows
// (inner dim 3, say); the outer dims (rank > 2) are decomposed with divisions once per 2-D slab.
// Run tails (1..3 elements) go through the same vector code on partly-filled v128s, and which
// loop handles an element depends only on the strides, never on [start, end): results are
// bit-identical however a call is split.
//
// Semantics (TensorFlow.js):
//   f32 Max/Min propagate NaN from either side (wasm f32x4.max/min; max(-0, +0) = +0).
//   f32 Pow: float64 Math.pow rounded to f32 (what tfjs computes); b == 2 takes an exact a*a
//     vector fast path (bit-identical to the scalar result).
//   i32 Add/Sub/Mul/SquaredDifference wrap modulo 2^32. Div is floor division (tfjs int32 div
//     is floorDiv); x / 0 = 0 and INT_MIN / -1 = INT_MIN (what tfjs's Int32Array store of
//     Math.floor(a / b) gives). Pow: repeated multiplication wrapping modulo 2^32, b = 0 -> 1;
//     b < 0 -> 0 except a = 1 (-> 1) and a = -1 (-> +-1 by the parity of b).
//   Compare: NaN compares false for all ops except NotEqual (true).

import { Binary, Compare } from './codes';
import { loadTail, storeTail } from './simdmath';
import { powF64 } from './pow';

// ---- scalar helpers ----------------------------------------------------------------------

/** Floor division on i32 without traps (see the file header for /0 and INT_MIN / -1). */
@inline function floorDivI32(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  if (b == -1) return -a; // wraps for INT_MIN; i32.div_s would trap
  const q = a / b;
  return (a % b != 0 && (a ^ b) < 0) ? q - 1 : q;
}

/** a^b on i32 by squaring (same value as repeated wrapping multiplication). */
function powI32(a: i32, b: i32): i32 {
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b & 1) ? -1 : 1;
    return 0;
  }
  let r = 1;
  while (b != 0) {
    if (b & 1) r *= a;
    a *= a;
    b >>>= 1;
  }
  return r;
}

/** Math.pow in f64 (fdlibm's algorithm, assembly/pow.ts), rounded once to f32. */
@inline function powF32(a: f32, b: f32): f32 {
  return <f32>powF64(<f64>a, <f64>b);
}

// ---- the ops -----------------------------------------------------------------------------
// Each op is an @unmanaged class that is never instantiated: the walk is generic over it and
// calls its @inline methods on changetype<T>(0), so each f32 arithmetic op gets its own
// specialised loops (the i32 ops and the comparisons share one walk per group, below).
//   v(a, b, op): one vector of results (f32, or i32 lanes); op: the op code (group classes only);
//   s(pa, pb, po, op): one element, loaded from / stored to the given addresses (strided path).

@inline function ltrue(mask: v128): v128 {
  return v128.and(mask, i32x4.splat(1)); // lane mask -> i32 0/1
}

@final @unmanaged class FAdd {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.add(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, load<f32>(pa) + load<f32>(pb)); }
}
@final @unmanaged class FSub {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.sub(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, load<f32>(pa) - load<f32>(pb)); }
}
@final @unmanaged class FMul {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.mul(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, load<f32>(pa) * load<f32>(pb)); }
}
@final @unmanaged class FDiv {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.div(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, load<f32>(pa) / load<f32>(pb)); }
}
@final @unmanaged class FMax {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.max(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, max<f32>(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FMin {
  @inline v(a: v128, b: v128, op: i32): v128 { return f32x4.min(a, b); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, min<f32>(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FPow {
  @inline v(a: v128, b: v128, op: i32): v128 {
    // exponent 2 in every lane: a*a is exactly what f64 pow rounded to f32 gives
    if (i32x4.all_true(f32x4.eq(b, f32x4.splat(2.0)))) return f32x4.mul(a, a);
    let r = f32x4.splat(powF32(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
    r = f32x4.replace_lane(r, 1, powF32(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
    r = f32x4.replace_lane(r, 2, powF32(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
    return f32x4.replace_lane(r, 3, powF32(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
  }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<f32>(po, powF32(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FSqDiff {
  @inline v(a: v128, b: v128, op: i32): v128 { const d = f32x4.sub(a, b); return f32x4.mul(d, d); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { const d = load<f32>(pa) - load<f32>(pb); store<f32>(po, d * d); }
}

// The i32 arithmetic and all comparisons are cold (indices, masks, metrics): rather than one
// specialised walk per op (~1.4 KB of wasm each, issue 17's module size), each group has one
// walk whose vector and scalar steps pick the op by its code (a well-predicted branch per
// vector). Same values as a walk per op.

/** f32 comparison of a and b by Compare code, as a lane mask. */
@inline function fcmp4(a: v128, b: v128, op: i32): v128 {
  if (op == Compare.Greater) return f32x4.gt(a, b);
  if (op == Compare.GreaterEqual) return f32x4.ge(a, b);
  if (op == Compare.Less) return f32x4.lt(a, b);
  if (op == Compare.LessEqual) return f32x4.le(a, b);
  if (op == Compare.Equal) return f32x4.eq(a, b);
  return f32x4.ne(a, b);
}
@inline function fcmp1(a: f32, b: f32, op: i32): bool {
  if (op == Compare.Greater) return a > b;
  if (op == Compare.GreaterEqual) return a >= b;
  if (op == Compare.Less) return a < b;
  if (op == Compare.LessEqual) return a <= b;
  if (op == Compare.Equal) return a == b;
  return a != b;
}
@inline function icmp4(a: v128, b: v128, op: i32): v128 {
  if (op == Compare.Greater) return i32x4.gt_s(a, b);
  if (op == Compare.GreaterEqual) return i32x4.ge_s(a, b);
  if (op == Compare.Less) return i32x4.lt_s(a, b);
  if (op == Compare.LessEqual) return i32x4.le_s(a, b);
  if (op == Compare.Equal) return i32x4.eq(a, b);
  return i32x4.ne(a, b);
}
@inline function icmp1(a: i32, b: i32, op: i32): bool {
  if (op == Compare.Greater) return a > b;
  if (op == Compare.GreaterEqual) return a >= b;
  if (op == Compare.Less) return a < b;
  if (op == Compare.LessEqual) return a <= b;
  if (op == Compare.Equal) return a == b;
  return a != b;
}

/** i32 arithmetic by Binary code on scalars (wrapping; Div and Pow as in the file header). */
function iarith1(a: i32, b: i32, op: i32): i32 {
  switch (op) {
    case Binary.Add: return a + b;
    case Binary.Sub: return a - b;
    case Binary.Mul: return a * b;
    case Binary.Div: return floorDivI32(a, b);
    case Binary.Max: return max<i32>(a, b);
    case Binary.Min: return min<i32>(a, b);
    case Binary.Pow: return powI32(a, b);
    default: { const d = a - b; return d * d; } // SquaredDifference
  }
}

/** i32 arithmetic on vectors: lane-wise ops in SIMD, Div and Pow lane by lane. */
@inline function iarith4(a: v128, b: v128, op: i32): v128 {
  if (op == Binary.Add) return i32x4.add(a, b);
  if (op == Binary.Sub) return i32x4.sub(a, b);
  if (op == Binary.Mul) return i32x4.mul(a, b);
  if (op == Binary.Max) return i32x4.max_s(a, b);
  if (op == Binary.Min) return i32x4.min_s(a, b);
  if (op == Binary.SquaredDifference) { const d = i32x4.sub(a, b); return i32x4.mul(d, d); }
  return iarithLanes(a, b, op);
}
function iarithLanes(a: v128, b: v128, op: i32): v128 {
  let r = i32x4.splat(iarith1(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0), op));
  r = i32x4.replace_lane(r, 1, iarith1(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1), op));
  r = i32x4.replace_lane(r, 2, iarith1(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2), op));
  return i32x4.replace_lane(r, 3, iarith1(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3), op));
}

@final @unmanaged class IArith {
  @inline v(a: v128, b: v128, op: i32): v128 { return iarith4(a, b, op); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void {
    const a = load<i32>(pa), b = load<i32>(pb);
    store<i32>(po, op == Binary.Add ? a + b : op == Binary.Sub ? a - b : op == Binary.Mul ? a * b : iarith1(a, b, op));
  }
}
@final @unmanaged class FCmp {
  @inline v(a: v128, b: v128, op: i32): v128 { return ltrue(fcmp4(a, b, op)); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<i32>(po, <i32>fcmp1(load<f32>(pa), load<f32>(pb), op)); }
}
@final @unmanaged class ICmp {
  @inline v(a: v128, b: v128, op: i32): v128 { return ltrue(icmp4(a, b, op)); }
  @inline s(pa: usize, pb: usize, po: usize, op: i32): void { store<i32>(po, <i32>icmp1(load<i32>(pa), load<i32>(pb), op)); }
}

// ---- runs --------------------------------------------------------------------------------
// A run is `len` consecutive outputs at po; a advances by sa elements per output, b by sb.
// All elements are 4 bytes (f32 or i32), so one set of loops serves every element type.

@inline function run<T>(pa: usize, sa: i32, pb: usize, sb: i32, po: usize, len: i32, code: i32): void {
  const op = changetype<T>(0);
  let k = 0;
  if (sa == 1 && sb == 1) {
    // both contiguous: two vectors per iteration
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(v128.load(pa + o), v128.load(pb + o), code);
      const r1 = op.v(v128.load(pa + o, 16), v128.load(pb + o, 16), code);
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(v128.load(pa + o), v128.load(pb + o), code));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(loadTail(pa + o, n), loadTail(pb + o, n), code), n);
    }
  } else if (sa == 1 && sb == 0) {
    // b constant over the run
    const vb = v128.load32_splat(pb);
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(v128.load(pa + o), vb, code);
      const r1 = op.v(v128.load(pa + o, 16), vb, code);
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(v128.load(pa + o), vb, code));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(loadTail(pa + o, n), vb, code), n);
    }
  } else if (sa == 0 && sb == 1) {
    // a constant over the run
    const va = v128.load32_splat(pa);
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(va, v128.load(pb + o), code);
      const r1 = op.v(va, v128.load(pb + o, 16), code);
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(va, v128.load(pb + o), code));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(va, loadTail(pb + o, n), code), n);
    }
  } else {
    // any other strides (both broadcast, or a transposed-style view): scalar
    const ba = <usize>sa << 2;
    const bb = <usize>sb << 2;
    for (; k < len; k++) {
      op.s(pa, pb, po + (<usize>k << 2), code);
      pa += ba;
      pb += bb;
    }
  }
}

// ---- the broadcast walk ------------------------------------------------------------------

function walk<T>(a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32, code: i32): void {
  if (end <= start || rank < 1) return;
  // innermost dim (d0) and the one above it (d1; size 1 when rank == 1)
  const r0 = <usize>(rank - 1) << 2;
  const n0 = load<i32>(shape + r0);
  const sa0 = load<i32>(aStrides + r0);
  const sb0 = load<i32>(bStrides + r0);
  let n1 = 1, sa1 = 0, sb1 = 0;
  if (rank >= 2) {
    const r1 = <usize>(rank - 2) << 2;
    n1 = load<i32>(shape + r1);
    sa1 = load<i32>(aStrides + r1);
    sb1 = load<i32>(bStrides + r1);
  }
  if (n0 <= 0 || n1 <= 0) return; // empty output
  let idx = start;
  while (idx < end) {
    // Decompose the flat index once per slab: idx = ((outer * n1) + i) * n0 + j.
    const t = idx / n0;
    let j = idx - t * n0;
    let i = t % n1;
    let outer = t / n1;
    let aRow = i * sa1, bRow = i * sb1; // element offsets of the row start (j = 0)
    for (let d = rank - 3; d >= 0; d--) {
      const dd = <usize>d << 2;
      const nd = load<i32>(shape + dd);
      const c = outer % nd;
      outer /= nd;
      aRow += c * load<i32>(aStrides + dd);
      bRow += c * load<i32>(bStrides + dd);
    }
    // Walk the rows of this slab, stepping the row offsets by the d1 strides.
    while (true) {
      const len = min(n0 - j, end - idx);
      run<T>(
        a + (<usize>(aRow + j * sa0) << 2), sa0,
        b + (<usize>(bRow + j * sb0) << 2), sb0,
        out + (<usize>idx << 2), len, code,
      );
      idx += len;
      if (idx >= end) return;
      if (++i == n1) break; // slab done: next outer index (re-decomposed above)
      j = 0;
      aRow += sa1;
      bRow += sb1;
    }
  }
}

// ---- exports -----------------------------------------------------------------------------

/** f32 broadcast arithmetic (Binary codes). See the file header for layout and semantics. */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  switch (op) {
    case Binary.Add: walk<FAdd>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Sub: walk<FSub>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Mul: walk<FMul>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Div: walk<FDiv>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Max: walk<FMax>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Min: walk<FMin>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.Pow: walk<FPow>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    case Binary.SquaredDifference: walk<FSqDiff>(a, b, out, rank, shape, aStrides, bStrides, start, end, 0); break;
    default: unreachable(); // unknown op code: a bug on the TS side
  }
}

/** f32 broadcast comparison (Compare codes) writing i32 0/1. */
export function compareF32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  if (<u32>op > <u32>Compare.NotEqual) unreachable(); // unknown op code: a bug on the TS side
  walk<FCmp>(a, b, out, rank, shape, aStrides, bStrides, start, end, op);
}

/** i32 broadcast arithmetic (Binary codes); see the header for Div and Pow. */
export function binaryI32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  if (<u32>op > <u32>Binary.SquaredDifference) unreachable();
  walk<IArith>(a, b, out, rank, shape, aStrides, bStrides, start, end, op);
}

/** i32 broadcast comparison (Compare codes) writing i32 0/1. */
export function compareI32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  if (<u32>op > <u32>Compare.NotEqual) unreachable();
  walk<ICmp>(a, b, out, rank, shape, aStrides, bStrides, start, end, op);
}
