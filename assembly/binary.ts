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

/** Math.pow in f64, rounded once to f32. */
@inline function powF32(a: f32, b: f32): f32 {
  return <f32>Math.pow(<f64>a, <f64>b);
}

// ---- the ops -----------------------------------------------------------------------------
// Each op is an @unmanaged class that is never instantiated: the walk is generic over it and
// calls its @inline methods on changetype<T>(0), so each op gets its own specialised loops.
//   v(a, b): one vector of results (f32, or i32 lanes);
//   s(pa, pb, po): one element, loaded from / stored to the given addresses (strided path).

@inline function ltrue(mask: v128): v128 {
  return v128.and(mask, i32x4.splat(1)); // lane mask -> i32 0/1
}

@final @unmanaged class FAdd {
  @inline v(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, load<f32>(pa) + load<f32>(pb)); }
}
@final @unmanaged class FSub {
  @inline v(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, load<f32>(pa) - load<f32>(pb)); }
}
@final @unmanaged class FMul {
  @inline v(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, load<f32>(pa) * load<f32>(pb)); }
}
@final @unmanaged class FDiv {
  @inline v(a: v128, b: v128): v128 { return f32x4.div(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, load<f32>(pa) / load<f32>(pb)); }
}
@final @unmanaged class FMax {
  @inline v(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, max<f32>(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FMin {
  @inline v(a: v128, b: v128): v128 { return f32x4.min(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, min<f32>(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FPow {
  @inline v(a: v128, b: v128): v128 {
    // exponent 2 in every lane: a*a is exactly what f64 pow rounded to f32 gives
    if (i32x4.all_true(f32x4.eq(b, f32x4.splat(2.0)))) return f32x4.mul(a, a);
    let r = f32x4.splat(powF32(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
    r = f32x4.replace_lane(r, 1, powF32(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
    r = f32x4.replace_lane(r, 2, powF32(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
    return f32x4.replace_lane(r, 3, powF32(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
  }
  @inline s(pa: usize, pb: usize, po: usize): void { store<f32>(po, powF32(load<f32>(pa), load<f32>(pb))); }
}
@final @unmanaged class FSqDiff {
  @inline v(a: v128, b: v128): v128 { const d = f32x4.sub(a, b); return f32x4.mul(d, d); }
  @inline s(pa: usize, pb: usize, po: usize): void { const d = load<f32>(pa) - load<f32>(pb); store<f32>(po, d * d); }
}

@final @unmanaged class IAdd {
  @inline v(a: v128, b: v128): v128 { return i32x4.add(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, load<i32>(pa) + load<i32>(pb)); }
}
@final @unmanaged class ISub {
  @inline v(a: v128, b: v128): v128 { return i32x4.sub(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, load<i32>(pa) - load<i32>(pb)); }
}
@final @unmanaged class IMul {
  @inline v(a: v128, b: v128): v128 { return i32x4.mul(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, load<i32>(pa) * load<i32>(pb)); }
}
@final @unmanaged class IDiv {
  @inline v(a: v128, b: v128): v128 {
    let r = i32x4.splat(floorDivI32(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
    r = i32x4.replace_lane(r, 1, floorDivI32(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
    r = i32x4.replace_lane(r, 2, floorDivI32(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
    return i32x4.replace_lane(r, 3, floorDivI32(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
  }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, floorDivI32(load<i32>(pa), load<i32>(pb))); }
}
@final @unmanaged class IMax {
  @inline v(a: v128, b: v128): v128 { return i32x4.max_s(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, max<i32>(load<i32>(pa), load<i32>(pb))); }
}
@final @unmanaged class IMin {
  @inline v(a: v128, b: v128): v128 { return i32x4.min_s(a, b); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, min<i32>(load<i32>(pa), load<i32>(pb))); }
}
@final @unmanaged class IPow {
  @inline v(a: v128, b: v128): v128 {
    let r = i32x4.splat(powI32(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
    r = i32x4.replace_lane(r, 1, powI32(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
    r = i32x4.replace_lane(r, 2, powI32(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
    return i32x4.replace_lane(r, 3, powI32(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
  }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, powI32(load<i32>(pa), load<i32>(pb))); }
}
@final @unmanaged class ISqDiff {
  @inline v(a: v128, b: v128): v128 { const d = i32x4.sub(a, b); return i32x4.mul(d, d); }
  @inline s(pa: usize, pb: usize, po: usize): void { const d = load<i32>(pa) - load<i32>(pb); store<i32>(po, d * d); }
}

@final @unmanaged class FGt {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.gt(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) > load<f32>(pb))); }
}
@final @unmanaged class FGe {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.ge(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) >= load<f32>(pb))); }
}
@final @unmanaged class FLt {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.lt(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) < load<f32>(pb))); }
}
@final @unmanaged class FLe {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.le(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) <= load<f32>(pb))); }
}
@final @unmanaged class FEq {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.eq(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) == load<f32>(pb))); }
}
@final @unmanaged class FNe {
  @inline v(a: v128, b: v128): v128 { return ltrue(f32x4.ne(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<f32>(pa) != load<f32>(pb))); }
}

@final @unmanaged class IGt {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.gt_s(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) > load<i32>(pb))); }
}
@final @unmanaged class IGe {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.ge_s(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) >= load<i32>(pb))); }
}
@final @unmanaged class ILt {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.lt_s(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) < load<i32>(pb))); }
}
@final @unmanaged class ILe {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.le_s(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) <= load<i32>(pb))); }
}
@final @unmanaged class IEq {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.eq(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) == load<i32>(pb))); }
}
@final @unmanaged class INe {
  @inline v(a: v128, b: v128): v128 { return ltrue(i32x4.ne(a, b)); }
  @inline s(pa: usize, pb: usize, po: usize): void { store<i32>(po, <i32>(load<i32>(pa) != load<i32>(pb))); }
}

// ---- runs --------------------------------------------------------------------------------
// A run is `len` consecutive outputs at po; a advances by sa elements per output, b by sb.
// All elements are 4 bytes (f32 or i32), so one set of loops serves every element type.

@inline function run<T>(pa: usize, sa: i32, pb: usize, sb: i32, po: usize, len: i32): void {
  const op = changetype<T>(0);
  let k = 0;
  if (sa == 1 && sb == 1) {
    // both contiguous: two vectors per iteration
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(v128.load(pa + o), v128.load(pb + o));
      const r1 = op.v(v128.load(pa + o, 16), v128.load(pb + o, 16));
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(v128.load(pa + o), v128.load(pb + o)));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(loadTail(pa + o, n), loadTail(pb + o, n)), n);
    }
  } else if (sa == 1 && sb == 0) {
    // b constant over the run
    const vb = v128.load32_splat(pb);
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(v128.load(pa + o), vb);
      const r1 = op.v(v128.load(pa + o, 16), vb);
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(v128.load(pa + o), vb));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(loadTail(pa + o, n), vb), n);
    }
  } else if (sa == 0 && sb == 1) {
    // a constant over the run
    const va = v128.load32_splat(pa);
    for (; k + 8 <= len; k += 8) {
      const o = <usize>k << 2;
      const r0 = op.v(va, v128.load(pb + o));
      const r1 = op.v(va, v128.load(pb + o, 16));
      v128.store(po + o, r0);
      v128.store(po + o, r1, 16);
    }
    if (k + 4 <= len) {
      const o = <usize>k << 2;
      v128.store(po + o, op.v(va, v128.load(pb + o)));
      k += 4;
    }
    const n = len - k;
    if (n > 0) {
      const o = <usize>k << 2;
      storeTail(po + o, op.v(va, loadTail(pb + o, n)), n);
    }
  } else {
    // any other strides (both broadcast, or a transposed-style view): scalar
    const ba = <usize>sa << 2;
    const bb = <usize>sb << 2;
    for (; k < len; k++) {
      op.s(pa, pb, po + (<usize>k << 2));
      pa += ba;
      pb += bb;
    }
  }
}

// ---- the broadcast walk ------------------------------------------------------------------

function walk<T>(a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
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
        out + (<usize>idx << 2), len,
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
    case Binary.Add: walk<FAdd>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Sub: walk<FSub>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Mul: walk<FMul>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Div: walk<FDiv>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Max: walk<FMax>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Min: walk<FMin>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Pow: walk<FPow>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.SquaredDifference: walk<FSqDiff>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    default: unreachable(); // unknown op code: a bug on the TS side
  }
}

/** f32 broadcast comparison (Compare codes) writing i32 0/1. */
export function compareF32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  switch (op) {
    case Compare.Greater: walk<FGt>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.GreaterEqual: walk<FGe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.Less: walk<FLt>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.LessEqual: walk<FLe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.Equal: walk<FEq>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.NotEqual: walk<FNe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    default: unreachable();
  }
}

/** i32 broadcast arithmetic (Binary codes); see the header for Div and Pow. */
export function binaryI32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  switch (op) {
    case Binary.Add: walk<IAdd>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Sub: walk<ISub>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Mul: walk<IMul>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Div: walk<IDiv>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Max: walk<IMax>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Min: walk<IMin>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.Pow: walk<IPow>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Binary.SquaredDifference: walk<ISqDiff>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    default: unreachable();
  }
}

/** i32 broadcast comparison (Compare codes) writing i32 0/1. */
export function compareI32(op: i32, a: usize, b: usize, out: usize, rank: i32, shape: usize, aStrides: usize, bStrides: usize, start: i32, end: i32): void {
  switch (op) {
    case Compare.Greater: walk<IGt>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.GreaterEqual: walk<IGe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.Less: walk<ILt>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.LessEqual: walk<ILe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.Equal: walk<IEq>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    case Compare.NotEqual: walk<INe>(a, b, out, rank, shape, aStrides, bStrides, start, end); break;
    default: unreachable();
  }
}
