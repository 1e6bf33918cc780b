// Reductions over f32: inner-axis and middle-axis Sum/Max/Min/Prod, arg-max/min, and
// (log-)softmax over rows.
//
//   reduceF32   (op, x, out, inner, start, end)          x [rows, inner]     -> out [rows]
//   reduceMidF32(op, x, out, R, inner, start, end)       x [outer, R, inner] -> out [outer, inner]
//   argReduceF32(isMax, x, out, inner, start, end)       x [rows, inner]     -> out i32 [rows]
//   softmaxF32  (x, out, inner, start, end, log)         x [rows, inner]     -> out [rows, inner]
//
// Layout: x and out are byte addresses of contiguous row-major arrays. start/end select rows
// (reduceF32, argReduceF32, softmaxF32) or outer indices (reduceMidF32), so a thread pool can
// split a call; one output element is always computed entirely by one call, in an order that
// depends only on the row length, so results are bit-identical however a call is split.
// Rows may start at any 4-byte boundary (unaligned v128 loads). Kernels allocate nothing.
// Aliasing: softmaxF32's out may equal x; the reductions' out must not overlap x.
//
// Semantics:
//   Empty reductions (inner == 0, or R == 0): Sum 0, Prod 1, Max -Inf, Min +Inf.
//   Max/Min propagate NaN; the sign of a zero result is unspecified (see the op classes).
//   Sum/Prod order (inner reductions): 16 partial sums in 4 vector accumulators over blocks of
//   16, then one accumulator over blocks of 4, lanes combined pairwise, then the 0..3 leftover
//   elements in order. Different from a plain left-to-right loop (and usually more accurate),
//   but fixed for a given inner.
//   Middle reductions accumulate r = 0..R-1 in order for every output element (SIMD across j).
//   argReduce: index of the first maximum (minimum); a NaN counts as larger (smaller) than
//   every number, so the first NaN wins (numpy's rule; tfjs's cpu kernel instead skips NaNs
//   unless x[0] is NaN). Ties, including +0 / -0, keep the lower index. inner == 0 writes -1.
//   softmax: y = exp(x - max) / sum exp(x - max) (multiplying by the reciprocal of the sum, as
//   TF does); log-softmax: y = (x - max) - log(sum exp(x - max)). A row containing NaN or +Inf,
//   or a row of only -Inf, gives NaN (as TF/tfjs); exp uses simdmath's exp4 (~1 ulp).

import { Reduce } from './codes';
import { exp4, log4, loadTail, storeTail, fsplat } from './simdmath';

// ---- reduction ops -----------------------------------------------------------------------
// @unmanaged classes, never instantiated: generic loops call their @inline methods on
// changetype<T>(0), giving one specialised loop per op.
//   id(): the identity element; v(a, b): vector combine; s(a, b): the same combine on scalars
//   (lane-wise identical, so vector and scalar paths agree bit for bit).
//   nan(): whether the combine drops a NaN in b, so callers must track NaN themselves.
// Max/Min combine with the "pseudo" pmax/pmin (a < b ? b : a), one maxps/minps each, instead
// of the IEEE f32x4.max/min (about 8 instructions on x64): a NaN accumulator a sticks, and a NaN
// element b is caught by a separate `b != b` mask (rows) or select (middle reductions). The sign
// of a zero maximum/minimum (+0 vs -0) is therefore whichever the combine order meets first.

@final @unmanaged class RSum {
  @inline id(): f32 { return 0.0; }
  @inline v(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline s(a: f32, b: f32): f32 { return a + b; }
  @inline nan(): bool { return false; }
}
@final @unmanaged class RMax {
  @inline id(): f32 { return -Infinity; }
  @inline v(a: v128, b: v128): v128 { return f32x4.pmax(a, b); }
  @inline s(a: f32, b: f32): f32 { return a < b ? b : a; }
  @inline nan(): bool { return true; }
}
@final @unmanaged class RMin {
  @inline id(): f32 { return Infinity; }
  @inline v(a: v128, b: v128): v128 { return f32x4.pmin(a, b); }
  @inline s(a: f32, b: f32): f32 { return b < a ? b : a; }
  @inline nan(): bool { return true; }
}
@final @unmanaged class RProd {
  @inline id(): f32 { return 1.0; }
  @inline v(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
  @inline s(a: f32, b: f32): f32 { return a * b; }
  @inline nan(): bool { return false; }
}

/** NaN lanes of x as a mask. */
@inline function isNaN4(x: v128): v128 {
  return f32x4.ne(x, x);
}

/** Combines the 4 lanes of v pairwise: (l0 . l2) . (l1 . l3). */
@inline function horizontal<T>(v: v128): f32 {
  const op = changetype<T>(0);
  const t = op.v(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(op.v(t, i32x4.shuffle(t, t, 1, 0, 3, 2)), 0);
}

/** Reduces the n contiguous f32 at p (see the header for the order). */
@inline function reduceRow<T>(p: usize, n: i32): f32 {
  const op = changetype<T>(0);
  let k = 0;
  let acc: f32 = op.id();
  let nans = i32x4.splat(0); // NaN lanes seen (Max/Min only; folded away for Sum/Prod)
  if (n >= 4) {
    let a0 = f32x4.splat(op.id());
    if (n >= 16) {
      // four independent accumulators hide the add latency
      let a1 = a0, a2 = a0, a3 = a0;
      for (; k + 16 <= n; k += 16) {
        const q = p + (<usize>k << 2);
        const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
        a0 = op.v(a0, x0);
        a1 = op.v(a1, x1);
        a2 = op.v(a2, x2);
        a3 = op.v(a3, x3);
        if (op.nan()) nans = v128.or(nans, v128.or(v128.or(isNaN4(x0), isNaN4(x1)), v128.or(isNaN4(x2), isNaN4(x3))));
      }
      a0 = op.v(op.v(a0, a1), op.v(a2, a3));
    }
    for (; k + 4 <= n; k += 4) {
      const x0 = v128.load(p + (<usize>k << 2));
      a0 = op.v(a0, x0);
      if (op.nan()) nans = v128.or(nans, isNaN4(x0));
    }
    acc = horizontal<T>(a0);
  }
  for (; k < n; k++) {
    const x0 = load<f32>(p + (<usize>k << 2));
    acc = op.s(acc, x0);
    if (op.nan() && x0 != x0) nans = i32x4.splat(-1);
  }
  if (op.nan() && v128.any_true(nans)) return NaN;
  return acc;
}

function reduceRows<T>(x: usize, out: usize, inner: i32, start: i32, end: i32): void {
  const rowBytes = <usize>inner << 2;
  let p = x + <usize>start * rowBytes;
  for (let r = start; r < end; r++) {
    store<f32>(out + (<usize>r << 2), reduceRow<T>(p, inner));
    p += rowBytes;
  }
}

/** out[r] = reduce(x[r, 0..inner)) for rows r in [start, end). */
export function reduceF32(op: i32, x: usize, out: usize, inner: i32, start: i32, end: i32): void {
  if (end <= start) return;
  switch (op) {
    case Reduce.Sum: reduceRows<RSum>(x, out, inner, start, end); break;
    case Reduce.Max: reduceRows<RMax>(x, out, inner, start, end); break;
    case Reduce.Min: reduceRows<RMin>(x, out, inner, start, end); break;
    case Reduce.Prod: reduceRows<RProd>(x, out, inner, start, end); break;
    default: unreachable(); // unknown op code: a bug on the TS side
  }
}

// ---- middle-axis reduction ---------------------------------------------------------------

/** Combine for the middle reduction: op.v, plus "a NaN element wins" for Max/Min. */
@inline function midStep<T>(acc: v128, x: v128): v128 {
  const op = changetype<T>(0);
  const r = op.v(acc, x);
  return op.nan() ? v128.bitselect(x, r, isNaN4(x)) : r;
}

/** Columns per chunk of the middle reduction: 4 KiB of partial results stay in L1. */
@inline const MID_CHUNK: i32 = 1024;
/** Up to this many columns, partial results are kept in registers (blocks of 32). */
@inline const MID_REG_MAX: i32 = 128;

/**
 * out[j] = reduce_r x[r * inner + j] for one outer index: x points at a [R, inner] block.
 * Narrow blocks (inner <= MID_REG_MAX) keep the partial results in registers while r walks down the
 * rows. Wider blocks stream the rows in order, folding each into out (chunks of MID_CHUNK
 * columns, so the partials stay in L1): x is read sequentially, which the prefetchers like,
 * while walking down a column with a large power-of-two row stride thrashes L1 sets.
 * Both orders accumulate r = 0..R-1 in sequence for every column, so they agree bitwise.
 */
@inline function reduceMid<T>(x: usize, out: usize, R: i32, inner: i32): void {
  const idv = f32x4.splat(changetype<T>(0).id());
  const rowBytes = <usize>inner << 2;
  let j = 0;
  if (inner <= MID_REG_MAX) {
    for (; j + 32 <= inner; j += 32) {
      let a0 = idv, a1 = idv, a2 = idv, a3 = idv, a4 = idv, a5 = idv, a6 = idv, a7 = idv;
      let q = x + (<usize>j << 2);
      for (let r = 0; r < R; r++) {
        a0 = midStep<T>(a0, v128.load(q));
        a1 = midStep<T>(a1, v128.load(q, 16));
        a2 = midStep<T>(a2, v128.load(q, 32));
        a3 = midStep<T>(a3, v128.load(q, 48));
        a4 = midStep<T>(a4, v128.load(q, 64));
        a5 = midStep<T>(a5, v128.load(q, 80));
        a6 = midStep<T>(a6, v128.load(q, 96));
        a7 = midStep<T>(a7, v128.load(q, 112));
        q += rowBytes;
      }
      const o = out + (<usize>j << 2);
      v128.store(o, a0);
      v128.store(o, a1, 16);
      v128.store(o, a2, 32);
      v128.store(o, a3, 48);
      v128.store(o, a4, 64);
      v128.store(o, a5, 80);
      v128.store(o, a6, 96);
      v128.store(o, a7, 112);
    }
  } else {
    for (; j + 8 <= inner; j += MID_CHUNK) {
      const w = min(MID_CHUNK, inner - j) & ~7; // whole 8-column groups of this chunk
      const o = out + (<usize>j << 2);
      for (let c = 0; c < w; c += 8) {
        v128.store(o + (<usize>c << 2), idv);
        v128.store(o + (<usize>c << 2), idv, 16);
      }
      let q = x + (<usize>j << 2);
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < w; c += 8) {
          const oc = o + (<usize>c << 2);
          const qc = q + (<usize>c << 2);
          v128.store(oc, midStep<T>(v128.load(oc), v128.load(qc)));
          v128.store(oc, midStep<T>(v128.load(oc, 16), v128.load(qc, 16)), 16);
        }
        q += rowBytes;
      }
      if (w < MID_CHUNK) { j += w; break; }
    }
  }
  for (; j + 4 <= inner; j += 4) {
    let a0 = idv;
    let q = x + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      a0 = midStep<T>(a0, v128.load(q));
      q += rowBytes;
    }
    v128.store(out + (<usize>j << 2), a0);
  }
  const n = inner - j;
  if (n > 0) {
    let a0 = idv;
    let q = x + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      a0 = midStep<T>(a0, loadTail(q, n));
      q += rowBytes;
    }
    storeTail(out + (<usize>j << 2), a0, n);
  }
}

function reduceMids<T>(x: usize, out: usize, R: i32, inner: i32, start: i32, end: i32): void {
  const inBytes = (<usize>R * <usize>inner) << 2;
  const outBytes = <usize>inner << 2;
  for (let o = start; o < end; o++) {
    reduceMid<T>(x + <usize>o * inBytes, out + <usize>o * outBytes, R, inner);
  }
}

/** out[o, j] = reduce over r of x[o, r, j], for o in [start, end) and all j in [0, inner). */
export function reduceMidF32(op: i32, x: usize, out: usize, R: i32, inner: i32, start: i32, end: i32): void {
  if (end <= start || inner <= 0) return;
  switch (op) {
    case Reduce.Sum: reduceMids<RSum>(x, out, R, inner, start, end); break;
    case Reduce.Max: reduceMids<RMax>(x, out, R, inner, start, end); break;
    case Reduce.Min: reduceMids<RMin>(x, out, R, inner, start, end); break;
    case Reduce.Prod: reduceMids<RProd>(x, out, R, inner, start, end); break;
    default: unreachable();
  }
}

// ---- arg max / arg min -------------------------------------------------------------------
// better(v, m): v should replace the current best m. NaN beats every number (first NaN wins).

@final @unmanaged class ArgMax {
  @inline v(v: v128, m: v128): v128 {
    return v128.or(f32x4.gt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)));
  }
  @inline s(v: f32, m: f32): bool { return v > m || (v != v && m == m); }
}
@final @unmanaged class ArgMin {
  @inline v(v: v128, m: v128): v128 {
    return v128.or(f32x4.lt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)));
  }
  @inline s(v: f32, m: f32): bool { return v < m || (v != v && m == m); }
}

/**
 * Lanes where candidate (mb, ib) should replace (ma, ia): mb is better, or neither is better
 * (equal values, or both NaN) and ib is the lower index.
 */
@inline function takeOther<T>(ma: v128, ia: v128, mb: v128, ib: v128): v128 {
  const op = changetype<T>(0);
  return v128.or(op.v(mb, ma), v128.andnot(i32x4.lt_s(ib, ia), op.v(ma, mb)));
}

/** Index of the first best element of the n (>= 1) f32 at p. */
@inline function argRow<T>(p: usize, n: i32): i32 {
  const op = changetype<T>(0);
  let bestV = load<f32>(p);
  let bestI = 0;
  let k = 1;
  if (n >= 8) {
    // Per lane: the first best of the elements in that lane (a strict `better` keeps the
    // first). Two independent (value, index) sets, for elements 8i..8i+3 and 8i+4..8i+7.
    let m0 = v128.load(p), m1 = v128.load(p, 16);
    let i0 = i32x4(0, 1, 2, 3), i1 = i32x4(4, 5, 6, 7);
    let c0 = i0, c1 = i1;
    const eight = i32x4.splat(8);
    for (k = 8; k + 8 <= n; k += 8) {
      c0 = i32x4.add(c0, eight);
      c1 = i32x4.add(c1, eight);
      const q = p + (<usize>k << 2);
      const v0 = v128.load(q), v1 = v128.load(q, 16);
      const b0 = op.v(v0, m0), b1 = op.v(v1, m1);
      m0 = v128.bitselect(v0, m0, b0);
      i0 = v128.bitselect(c0, i0, b0);
      m1 = v128.bitselect(v1, m1, b1);
      i1 = v128.bitselect(c1, i1, b1);
    }
    // Merge the two sets, then the lanes (pairs 2 apart, then 1 apart), branch-free.
    let take = takeOther<T>(m0, i0, m1, i1);
    m0 = v128.bitselect(m1, m0, take);
    i0 = v128.bitselect(i1, i0, take);
    m1 = i32x4.shuffle(m0, m0, 2, 3, 0, 1);
    i1 = i32x4.shuffle(i0, i0, 2, 3, 0, 1);
    take = takeOther<T>(m0, i0, m1, i1);
    m0 = v128.bitselect(m1, m0, take);
    i0 = v128.bitselect(i1, i0, take);
    m1 = i32x4.shuffle(m0, m0, 1, 0, 3, 2);
    i1 = i32x4.shuffle(i0, i0, 1, 0, 3, 2);
    take = takeOther<T>(m0, i0, m1, i1);
    bestV = f32x4.extract_lane(v128.bitselect(m1, m0, take), 0);
    bestI = i32x4.extract_lane(v128.bitselect(i1, i0, take), 0);
  }
  // Leftovers come after every element seen so far: only a strictly better one replaces.
  for (; k < n; k++) {
    const v = load<f32>(p + (<usize>k << 2));
    if (op.s(v, bestV)) { bestV = v; bestI = k; }
  }
  return bestI;
}

function argRows<T>(x: usize, out: usize, inner: i32, start: i32, end: i32): void {
  const rowBytes = <usize>inner << 2;
  let p = x + <usize>start * rowBytes;
  for (let r = start; r < end; r++) {
    store<i32>(out + (<usize>r << 2), inner > 0 ? argRow<T>(p, inner) : -1);
    p += rowBytes;
  }
}

/** out[r] (i32) = index of the first max (isMax != 0) or min of row r, rows in [start, end). */
export function argReduceF32(isMax: i32, x: usize, out: usize, inner: i32, start: i32, end: i32): void {
  if (end <= start) return;
  if (isMax != 0) argRows<ArgMax>(x, out, inner, start, end);
  else argRows<ArgMin>(x, out, inner, start, end);
}

// ---- softmax -----------------------------------------------------------------------------

/** Sum of the first n (1..3) lanes of v, in lane order. */
@inline function sumLanes(v: v128, n: i32): f32 {
  let s = f32x4.extract_lane(v, 0);
  if (n > 1) s += f32x4.extract_lane(v, 1);
  if (n > 2) s += f32x4.extract_lane(v, 2);
  return s;
}

/**
 * sum_k exp(x[k] - m) over the n f32 at p; when `store` is set, also writes each exp to q.
 * Two accumulators over blocks of 8, lanes combined pairwise, then the 1..3 tail in order.
 */
@inline function expSum(p: usize, q: usize, n: i32, m: f32, store: bool): f32 {
  const vm = f32x4.splat(m);
  let a0 = fsplat(0.0), a1 = fsplat(0.0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const o = <usize>k << 2;
    const e0 = exp4(f32x4.sub(v128.load(p + o), vm));
    const e1 = exp4(f32x4.sub(v128.load(p + o, 16), vm));
    if (store) {
      v128.store(q + o, e0);
      v128.store(q + o, e1, 16);
    }
    a0 = f32x4.add(a0, e0);
    a1 = f32x4.add(a1, e1);
  }
  if (k + 4 <= n) {
    const o = <usize>k << 2;
    const e0 = exp4(f32x4.sub(v128.load(p + o), vm));
    if (store) v128.store(q + o, e0);
    a0 = f32x4.add(a0, e0);
    k += 4;
  }
  let s = horizontal<RSum>(f32x4.add(a0, a1));
  const t = n - k;
  if (t > 0) {
    const o = <usize>k << 2;
    const e0 = exp4(f32x4.sub(loadTail(p + o, t), vm));
    if (store) storeTail(q + o, e0, t);
    s += sumLanes(e0, t); // only the t live lanes
  }
  return s;
}

/** q[k] = p[k] * c for k in [0, n) (softmax normalisation; q may equal p). */
@inline function scaleRow(p: usize, q: usize, n: i32, c: f32): void {
  const vc = f32x4.splat(c);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(q + o, f32x4.mul(v128.load(p + o), vc));
  }
  const t = n - k;
  if (t > 0) {
    const o = <usize>k << 2;
    storeTail(q + o, f32x4.mul(loadTail(p + o, t), vc), t);
  }
}

/**
 * Softmax (log == 0) or log-softmax (log != 0) of each row of length inner, rows [start, end).
 * out may equal x.
 */
export function softmaxF32(x: usize, out: usize, inner: i32, start: i32, end: i32, log: i32): void {
  if (end <= start || inner <= 0) return;
  const rowBytes = <usize>inner << 2;
  for (let r = start; r < end; r++) {
    const p = x + <usize>r * rowBytes;
    const q = out + <usize>r * rowBytes;
    const m = reduceRow<RMax>(p, inner);
    if (log == 0) {
      // pass 2 writes e = exp(x - m) to out and sums it; pass 3 scales out in place
      const s = expSum(p, q, inner, m, true);
      scaleRow(q, q, inner, <f32>1.0 / s);
    } else {
      // pass 2 only sums; pass 3 writes x - (m + log(sum)) computed as (x - m) - log(sum)
      const s = expSum(p, q, inner, m, false);
      const lse = f32x4.extract_lane(log4(f32x4.splat(s)), 0);
      logShift(p, q, inner, m, lse);
    }
  }
}

/** q[k] = (p[k] - m) - lse: the log-softmax output pass (same rounding as TF's two steps). */
@inline function logShift(p: usize, q: usize, n: i32, m: f32, lse: f32): void {
  const vm = f32x4.splat(m);
  const vl = f32x4.splat(lse);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(q + o, f32x4.sub(f32x4.sub(v128.load(p + o), vm), vl));
  }
  const t = n - k;
  if (t > 0) {
    const o = <usize>k << 2;
    storeTail(q + o, f32x4.sub(f32x4.sub(loadTail(p + o, t), vm), vl), t);
  }
}
