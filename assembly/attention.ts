// Fused scaled dot-product attention: for each (batch, head), scores = Q K^T * scale (+ bias),
// masked, softmax row by row (numerically stable), out = P V; and its backward. Keras'
// ops.dot_product_attention, in Keras' layout:
//
//   q [B, T, N, H]   k [B, S, K, H]   v [B, S, K, Hv]   out [B, T, N, Hv]    (f32, row-major)
//
// so the projections of MultiHeadAttention feed it and read its output with no transpose. K key/
// value heads, K dividing N (grouped-query attention; K = N is plain multi-head): query head h
// reads key/value head h / (N / K), as Keras' GroupedQueryAttention after its ops.repeat.
// Optional (pointer 0 = absent) mask and bias are [Bm, Nm, Tm, S] arrays addressed by element
// strides (mb, mh, mt) for batch, head and query row (0 where that axis broadcasts) and 1 along
// the keys: mask != 0 keeps a key, bias is added to the scaled scores. flags: bit 0 causal (keys
// j > i masked, Keras' top-left aligned tril), bit 1 "zero empty rows": a query row with every
// key masked gets weights 0 and output 0 (Keras' Softmax layer with a mask, used when scores are
// returned); without it such a row is uniform over all S keys (jax's where(mask, s, -big)).
//
// Forward (attentionForwardF32): range over query rows r = (b*N + h)*T + t in [start, end).
// For each key head met, K is packed once into 4-key panels [S/4][H][4] and V into 8-column
// panels [Hv/8][S][8] (the caller's scratch); query rows go in blocks of 8 (QB), whose Q^T [H][8]
// is packed per block. The logits are computed transposed, lt[j] = key j's logits for the 8 rows
// (two v128, one lane per query row), by a 4-key x 8-row register tile (8 accumulators; per
// feature 2 Q^T loads and 4 splats of K), so the row-wise softmax runs lane-wise with no
// horizontal operation: max over keys by pmax, e = expNeg4(l - max) (fastmath.ts, 18 operations
// against exp4's 32), the sums per lane; then out = (E V) * (1 / sum) by a 4-row x 8-column tile
// over the keys (E^T's rows are the packed A operand: 4 splats and 2 V loads per key). The
// normalisation is applied to the [rows, Hv] output instead of the [rows, S] weights. Only an
// [S, 8] block of one head is ever materialised. Masks and biases per query row are gathered
// across the lanes (load32_lane), per key only (row stride 0) splat.
// Backward (attentionBackwardF32): range over key/value heads bk = b*K + hk in [start, end): the
// dQ of its N / K query heads and its dK, dV (summed over those query heads in head order) are
// computed by one call, so nothing is accumulated across calls. Q rows go in
// blocks of RB: P is recomputed in 4-row groups (row-major logits by a 4x8 tile against K^T,
// softmaxRow: exp4 and the weights normalised), dP = dO V^T, dS = P (dP - rowsum(P dP)) * scale, dQ = dS K, dK += dS^T Q, dV += P^T dO.
// A block's columns stop at its longest row's last key unless a NaN/Inf value lies past it
// (lastNonFinite): then all S, so that it reaches dP as in the js kernel.
// Scratch per thread: K^T [H, S], V^T [Hv, S], P and dS blocks [RB, S].
//
// Determinism: every product element is ((c0 + a0*b0) + a1*b1) + ... in k order with mul then
// add (no FMA), c0 = 0 or the accumulated value; the 4-row tile, the 1-row path, the 8-, 4- and
// tail-column paths all compute that sequence, and each softmax row depends only on its own
// logits. In the forward, each lane (query row) of a block is computed from its own q row only
// (lanes past a short block's rows hold zeros and are never stored); its max, sum and output sum
// run over the keys in order. Output elements therefore have the same bits however a call's range
// is cut (the thread pool's contract). In a causal block the rows share one key count (the last
// row's); the extra keys have weight exactly 0 (logit -Inf), which adds +-0 to a sum (never
// changing it) while their values are finite; when a value past the block's keys is NaN or
// infinite (packVPanels finds the last such key), P V runs over all S keys, so that 0 * NaN gives
// NaN in every row whatever the cut (Keras: softmax, then the product with V). The backward recomputes P with the row-major path (softmaxRow, exp4, P
// normalised before the products), so its P may differ from the forward's weights in the last
// bits (both within 3e-7 relative of the exact softmax).
// Allocates nothing; out, dq, dk, dv must not alias the inputs.

import { exp4, fsplat, loadTail, storeTail } from './simdmath';
import { EXP_NEG_CONSTS, expNeg4k } from './fastmath';

// @ts-ignore: decorator
@inline const CAUSAL: i32 = 1;
// @ts-ignore: decorator
@inline const ZERO_EMPTY: i32 = 2;
/** Query rows per block of the forward pass (the lanes of two v128). */
// @ts-ignore: decorator
@inline const QB: i32 = 8;
/** Query rows per block of the backward pass. */
// @ts-ignore: decorator
@inline const RB: i32 = 32;

// @ts-ignore: decorator
@inline function ld(p: usize, n: i32): v128 {
  return n >= 4 ? v128.load(p) : loadTail(p, n);
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else storeTail(p, v, n);
}

// ---------------------------------------------------------------------------------------------
// C[r, 0:nc] (= or +=) sum_k A[r, k] * B[k, 0:nc] for r in [0, M).
// A element (r, k) at a + (r*ars + k*aks)*4 (any strides: rows of Q, P, or a transposed dS/P);
// B rows at b + k*ldb*4 (contiguous along the columns); C rows at c + r*ldc*4.
// acc != 0 starts each sum from C's value, else from 0.

function mm(a: usize, ars: i32, aks: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  M: i32, nc: i32, K: i32, acc: i32): void {
  const arB = <usize>ars << 2, akB = <usize>aks << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  let r = 0;
  for (; r + 4 <= M; r += 4) {
    const a0 = a + <usize>r * arB;
    const c0 = c + <usize>r * ldcB;
    let j = 0;
    for (; j + 8 <= nc; j += 8) {
      const pc = c0 + (<usize>j << 2);
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      if (acc != 0) {
        s00 = v128.load(pc); s01 = v128.load(pc, 16);
        s10 = v128.load(pc + ldcB); s11 = v128.load(pc + ldcB, 16);
        s20 = v128.load(pc + 2 * ldcB); s21 = v128.load(pc + 2 * ldcB, 16);
        s30 = v128.load(pc + 3 * ldcB); s31 = v128.load(pc + 3 * ldcB, 16);
      }
      let pb = b + (<usize>j << 2);
      let pa = a0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(pa);
        const x1 = v128.load32_splat(pa + arB);
        const x2 = v128.load32_splat(pa + 2 * arB);
        const x3 = v128.load32_splat(pa + 3 * arB);
        s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        pa += akB;
        pb += ldbB;
      }
      v128.store(pc, s00); v128.store(pc, s01, 16);
      v128.store(pc + ldcB, s10); v128.store(pc + ldcB, s11, 16);
      v128.store(pc + 2 * ldcB, s20); v128.store(pc + 2 * ldcB, s21, 16);
      v128.store(pc + 3 * ldcB, s30); v128.store(pc + 3 * ldcB, s31, 16);
    }
    if (j < nc) mmRowCols(a0, arB, akB, b, ldbB, c0, ldcB, j, nc, K, 4, acc);
  }
  if (r < M) mmRowCols(a + <usize>r * arB, arB, akB, b, ldbB, c + <usize>r * ldcB, ldcB, 0, nc, K, M - r, acc);
}

/** Columns [j0, nc) of `rows` rows, one row at a time (the same arithmetic as the 4x8 tile). */
function mmRowCols(a: usize, arB: usize, akB: usize, b: usize, ldbB: usize, c: usize, ldcB: usize,
  j0: i32, nc: i32, K: i32, rows: i32, acc: i32): void {
  for (let i = 0; i < rows; i++) {
    const ai = a + <usize>i * arB;
    const ci = c + <usize>i * ldcB;
    let j = j0;
    for (; j + 8 <= nc; j += 8) {
      const pc = ci + (<usize>j << 2);
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      if (acc != 0) {
        s0 = v128.load(pc);
        s1 = v128.load(pc, 16);
      }
      let pb = b + (<usize>j << 2);
      let pa = ai;
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(pa);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
        pa += akB;
        pb += ldbB;
      }
      v128.store(pc, s0);
      v128.store(pc, s1, 16);
    }
    for (; j < nc; j += 4) {
      const n = min(4, nc - j);
      const pc = ci + (<usize>j << 2);
      let s0 = f32x4.splat(0);
      if (acc != 0) s0 = ld(pc, n);
      let pb = b + (<usize>j << 2);
      let pa = ai;
      for (let k = 0; k < K; k++) {
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(pa), ld(pb, n)));
        pa += akB;
        pb += ldbB;
      }
      st(pc, s0, n);
    }
  }
}

/** dst [cols, rows] = src^T, src rows at src + r*lds*4 (rows x cols), dst contiguous. */
function packT(src: usize, lds: i32, rows: i32, cols: i32, dst: usize): void {
  const ldsB = <usize>lds << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * ldsB;
    for (let c = 0; c < cols; c++) store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(s + (<usize>c << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// One softmax row in place. row[0:nc] holds raw products q.k; on return row[0:S) is fully
// defined: the weights P, zeros elsewhere. Logit: l = s * scale (+ bias[j]); masked (mask[j] == 0,
// or j >= kc, the causal limit) -> -Inf. Returns the row's length, the keys its output sums over:
// kc, or 0 for a zeroed empty row, or -S for a uniform empty row (every key masked, weights 1/S).

function softmaxRow(row: usize, kc: i32, maskRow: usize, biasRow: usize, scale: f32, S: i32, flags: i32): i32 {
  // Full vectors in loops without branches, then the 1..3 tail elements as one partly filled
  // vector through the same operations (so every element gets the same arithmetic).
  const sc = f32x4.splat(scale);
  const ninf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  const full = kc & ~3;
  const tail = kc - full;
  const tailKeep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail));
  let mx = ninf;
  if (biasRow == 0 && maskRow == 0) {
    for (let j = 0; j < full; j += 4) {
      const p = row + (<usize>j << 2);
      const l = f32x4.mul(v128.load(p), sc);
      v128.store(p, l);
      mx = f32x4.pmax(mx, l);
    }
  } else {
    for (let j = 0; j < full; j += 4) {
      const p = row + (<usize>j << 2);
      let l = f32x4.mul(v128.load(p), sc);
      if (biasRow != 0) l = f32x4.add(l, v128.load(biasRow + (<usize>j << 2)));
      if (maskRow != 0) l = v128.bitselect(l, ninf, f32x4.ne(v128.load(maskRow + (<usize>j << 2)), zero));
      v128.store(p, l);
      mx = f32x4.pmax(mx, l);
    }
  }
  if (tail > 0) {
    const p = row + (<usize>full << 2);
    let l = f32x4.mul(loadTail(p, tail), sc);
    if (biasRow != 0) l = f32x4.add(l, loadTail(biasRow + (<usize>full << 2), tail));
    if (maskRow != 0) l = v128.bitselect(l, ninf, f32x4.ne(loadTail(maskRow + (<usize>full << 2), tail), zero));
    // lanes past the row: -Inf so that they drop out of the max
    l = v128.bitselect(l, ninf, tailKeep);
    storeTail(p, l, tail);
    mx = f32x4.pmax(mx, l);
  }
  const m = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)),
    max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
  let nanRow = false;
  if (kc > 0 && m == -Infinity) {
    // max drops NaN: kept logits all NaN make a NaN row (Keras' softmax), not an empty one
    for (let j = 0; j < kc; j++) {
      const l = load<f32>(row + (<usize>j << 2));
      if (l != l) nanRow = true;
    }
  }
  if (nanRow) {
    for (let j = 0; j < S; j++) store<f32>(row + (<usize>j << 2), NaN);
    return S;
  }
  if (kc <= 0 || m == -Infinity) {
    // every key masked
    if ((flags & ZERO_EMPTY) != 0) {
      memory.fill(row, 0, <usize>S << 2);
      return 0;
    }
    const u = <f32>1.0 / <f32>S;
    for (let j = 0; j < S; j++) store<f32>(row + (<usize>j << 2), u);
    return -S;
  }
  const mv = f32x4.splat(m);
  let s0 = zero;
  for (let j = 0; j < full; j += 4) {
    const p = row + (<usize>j << 2);
    const e = exp4(f32x4.sub(v128.load(p), mv));
    v128.store(p, e);
    s0 = f32x4.add(s0, e);
  }
  if (tail > 0) {
    const p = row + (<usize>full << 2);
    const e = v128.and(exp4(f32x4.sub(loadTail(p, tail), mv)), tailKeep);
    storeTail(p, e, tail);
    s0 = f32x4.add(s0, e);
  }
  const sum = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1)) +
    (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3));
  if (sum != sum) {
    // a NaN logit (or +Inf): Keras' softmax gives NaN for every weight, masked keys included
    for (let j = 0; j < S; j++) store<f32>(row + (<usize>j << 2), NaN);
    return S;
  }
  const inv = f32x4.splat(<f32>1.0 / sum);
  for (let j = 0; j < full; j += 4) {
    const p = row + (<usize>j << 2);
    v128.store(p, f32x4.mul(v128.load(p), inv));
  }
  if (tail > 0) {
    const p = row + (<usize>full << 2);
    storeTail(p, f32x4.mul(loadTail(p, tail), inv), tail);
  }
  if (S > kc) memory.fill(row + (<usize>kc << 2), 0, <usize>(S - kc) << 2);
  return kc;
}

/**
 * Weights of query rows [t0, t0+rows) (rows <= 4) of head (b, h) into blk [rows, S]: the
 * products q.k for the columns any of the rows can see, then softmaxRow per row. Each row's
 * length code (softmaxRow's return) goes to lens[i]; returns the block's column count for the
 * P V product (the longest row).
 */
function probsBlock(q: usize, kt: usize, mask: usize, bias: usize, blk: usize, lens: usize,
  b: i32, h: i32, t0: i32, rows: i32, T: i32, S: i32, N: i32, H: i32,
  mb: i32, mh: i32, mt: i32, bb: i32, bh: i32, bt: i32, scale: f32, flags: i32): i32 {
  const causal = (flags & CAUSAL) != 0;
  const nc = causal ? min(S, t0 + rows) : S;
  const qRow = N * H;
  const qp = q + ((<usize>(b * T + t0) * <usize>qRow + <usize>(h * H)) << 2);
  if (nc > 0) mm(qp, qRow, 1, kt, S, blk, S, rows, nc, H, 0);
  let len = 0;
  for (let i = 0; i < rows; i++) {
    const t = t0 + i;
    const kc = causal ? min(S, t + 1) : S;
    const mr = mask != 0 ? mask + (<usize>(b * mb + h * mh + t * mt) << 2) : 0;
    const br = bias != 0 ? bias + (<usize>(b * bb + h * bh + t * bt) << 2) : 0;
    const code = softmaxRow(blk + (<usize>(i * S) << 2), kc, mr, br, scale, S, flags);
    store<i32>(lens + (<usize>i << 2), code);
    len = max(len, code < 0 ? -code : code);
  }
  return len;
}

// ---------------------------------------------------------------------------------------------

/** Scratch bytes per thread of attentionForwardF32. */
export function attentionForwardWorkBytes(S: i32, H: i32, Hv: i32): i32 {
  const S4 = (S + 3) & ~3, Hv8 = (Hv + 7) & ~7;
  return (S4 * H + Hv8 * S + H * QB + S4 * QB + 8) << 2;
}

/** Packs K rows [0, S) (row stride kRow floats, H wide) into 4-key panels [S4/4][H][4], zero keys past S. */
function packKPanels(src: usize, kRow: i32, S: i32, H: i32, dst: usize): void {
  const S4 = (S + 3) & ~3;
  const H4 = H & ~3;
  const rB = <usize>kRow << 2;
  let j = 0;
  // whole groups of 4 keys: 4x4 transposes (keys x 4 features -> 4 features x keys)
  for (; j + 4 <= S; j += 4) {
    const s = src + <usize>j * rB;
    const d = dst + (<usize>(j >> 2) * <usize>H << 4);
    for (let h = 0; h < H4; h += 4) {
      const o = <usize>h << 2;
      transpose4Store(v128.load(s + o), v128.load(s + rB + o), v128.load(s + 2 * rB + o), v128.load(s + 3 * rB + o),
        d + (<usize>h << 4));
    }
    for (let h = H4; h < H; h++) {
      for (let i = 0; i < 4; i++) store<f32>(d + (<usize>h << 4) + (<usize>i << 2), load<f32>(s + <usize>i * rB + (<usize>h << 2)));
    }
  }
  for (; j < S4; j++) {
    const d = dst + ((<usize>(j >> 2) * <usize>(H * 4) + <usize>(j & 3)) << 2);
    const s = src + <usize>j * rB;
    for (let h = 0; h < H; h++) store<f32>(d + (<usize>h << 4), j < S ? load<f32>(s + (<usize>h << 2)) : 0);
  }
}

/** Stores the 4x4 transpose of rows a, b, c, d as 4 consecutive vectors at d0. */
// @ts-ignore: decorator
@inline function transpose4Store(a: v128, b: v128, c: v128, d: v128, d0: usize): void {
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(d0, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(d0, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(d0, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(d0, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
}

/** Stores the 4x4 transpose of rows a, b, c, d as 4 vectors 32 bytes apart at d0 (half of a Q^T row each). */
// @ts-ignore: decorator
@inline function transpose4Store32(a: v128, b: v128, c: v128, d: v128, d0: usize): void {
  const t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(d0, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(d0, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(d0, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(d0, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 96);
}

/**
 * Packs V rows [0, S) (row stride vRow floats, Hv wide) into 8-column panels [Hv8/8][S][8], zero
 * columns past Hv. Returns the last key whose value row holds a NaN or an infinity (-1: none).
 */
function packVPanels(src: usize, vRow: i32, S: i32, Hv: i32, dst: usize): i32 {
  const panels = (Hv + 7) >> 3;
  const zero = f32x4.splat(0);
  let bad = -1;
  for (let p = 0; p < panels; p++) {
    const c0 = p << 3;
    const n = min(8, Hv - c0);
    const d0 = dst + (<usize>p * <usize>S << 5);
    for (let j = 0; j < S; j++) {
      const s = src + ((<usize>j * <usize>vRow + <usize>c0) << 2);
      const d = d0 + (<usize>j << 5);
      let x0: v128, x1: v128;
      if (n == 8) {
        x0 = v128.load(s);
        x1 = v128.load(s, 16);
      } else {
        x0 = n >= 4 ? v128.load(s) : loadTail(s, n);
        x1 = n > 4 ? loadTail(s + 16, n - 4) : zero;
      }
      v128.store(d, x0);
      v128.store(d, x1, 16);
      // x - x is 0 for a finite x, NaN for NaN and +-Inf
      if (j > bad && v128.any_true(v128.or(f32x4.ne(f32x4.sub(x0, x0), zero), f32x4.ne(f32x4.sub(x1, x1), zero)))) bad = j;
    }
  }
  return bad;
}

/**
 * Forward over query rows [start, end) of r = (b*N + h)*T + t. work: attentionForwardWorkBytes
 * (K and V of the current key head in panels, the block's Q^T [H][8] and logits/weights [S4][8]).
 */
export function attentionForwardF32(q: usize, k: usize, v: usize, mask: usize, bias: usize, out: usize,
  work: usize, B: i32, T: i32, S: i32, N: i32, K: i32, H: i32, Hv: i32,
  mb: i32, mh: i32, mt: i32, bb: i32, bh: i32, bt: i32, scale: f32, flags: i32, start: i32, end: i32): void {
  const total = B * N * T;
  if (end > total) end = total;
  if (start >= end || S <= 0) return;
  const S4 = (S + 3) & ~3, Hv8 = (Hv + 7) & ~7;
  const kp = work;
  const vpk = kp + (<usize>(S4 * H) << 2);
  const qp = vpk + (<usize>(Hv8 * S) << 2);
  const lt = qp + (<usize>(H * QB) << 2);
  const G = N / K;
  const kRow = K * H, vRow = K * Hv, qRow = N * H, oRow = N * Hv;
  let packed = -1; // the (b*K + hk) whose K and V are in kp, vpk
  let vBad = -1; // the last key of the packed V with a non-finite value (-1: none)
  let r = start;
  while (r < end) {
    const bhI = r / T;
    const b = bhI / N, h = bhI % N;
    const hk = h / G;
    const headEnd = min(end, (bhI + 1) * T);
    if (packed != b * K + hk) {
      packKPanels(k + ((<usize>(b * S) * <usize>kRow + <usize>(hk * H)) << 2), kRow, S, H, kp);
      vBad = packVPanels(v + ((<usize>(b * S) * <usize>vRow + <usize>(hk * Hv)) << 2), vRow, S, Hv, vpk);
      packed = b * K + hk;
    }
    while (r < headEnd) {
      const t0 = r - bhI * T;
      const rows = min(QB, headEnd - r);
      r += rows;
      // Q^T of the block: qp[hh*8 + i] = q[t0 + i, hh], zero lanes past `rows`
      const qb = q + ((<usize>(b * T + t0) * <usize>qRow + <usize>(h * H)) << 2);
      const qrB = <usize>qRow << 2;
      let h0 = 0;
      if (rows == QB) {
        for (; h0 + 4 <= H; h0 += 4) {
          const s0 = qb + (<usize>h0 << 2);
          const d0 = qp + (<usize>h0 << 5);
          transpose4Store32(v128.load(s0), v128.load(s0 + qrB), v128.load(s0 + 2 * qrB), v128.load(s0 + 3 * qrB), d0);
          const s4 = s0 + 4 * qrB;
          transpose4Store32(v128.load(s4), v128.load(s4 + qrB), v128.load(s4 + 2 * qrB), v128.load(s4 + 3 * qrB), d0 + 16);
        }
      }
      for (let hh = h0; hh < H; hh++) {
        const d = qp + (<usize>hh << 5);
        for (let i = 0; i < QB; i++)
          store<f32>(d + (<usize>i << 2), i < rows ? load<f32>(qb + <usize>i * qrB + (<usize>hh << 2)) : 0);
      }
      const mr = mask != 0 ? mask + (<usize>(b * mb + h * mh + t0 * mt) << 2) : 0;
      const br = bias != 0 ? bias + (<usize>(b * bb + h * bh + t0 * bt) << 2) : 0;
      const op = out + ((<usize>(b * T + t0) * <usize>oRow + <usize>(h * Hv)) << 2);
      forwardBlock(qp, kp, vpk, vBad, lt, mr, mt, br, bt, op, oRow, t0, rows, S, H, Hv, scale, flags);
    }
  }
}

/**
 * One block of up to 8 query rows t0.. of one head: logits transposed (lt[j] = key j's logits
 * for the 8 rows, two v128), masked/biased, max and exp per lane, then out = (E V) / rowsum(E).
 * mr/br: the block's first mask/bias row (0 = none), row strides mt/bt elements (0 = one row
 * for all).
 */
function forwardBlock(qp: usize, kp: usize, vp: usize, vBad: i32, lt: usize, mr: usize, mt: i32, br: usize, bt: i32,
  op: usize, oRow: i32, t0: i32, rows: i32, S: i32, H: i32, Hv: i32, scale: f32, flags: i32): void {
  const causal = (flags & CAUSAL) != 0;
  const nc = causal ? min(S, t0 + rows) : S;
  const sc = f32x4.splat(scale);
  const ninf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  // logits: 4 keys x 8 rows per tile, acc[key][half] += k[key, hh] * q^T[hh]
  for (let j = 0; j < nc; j += 4) {
    let a00 = zero, a01 = zero, a10 = zero, a11 = zero, a20 = zero, a21 = zero, a30 = zero, a31 = zero;
    let pa = qp;
    let pb = kp + (<usize>j * <usize>H << 2);
    for (let hh = 0; hh < H; hh++) {
      const x0 = v128.load(pa), x1 = v128.load(pa, 16);
      const k0 = v128.load32_splat(pb), k1 = v128.load32_splat(pb, 4);
      const k2 = v128.load32_splat(pb, 8), k3 = v128.load32_splat(pb, 12);
      a00 = f32x4.add(a00, f32x4.mul(k0, x0)); a01 = f32x4.add(a01, f32x4.mul(k0, x1));
      a10 = f32x4.add(a10, f32x4.mul(k1, x0)); a11 = f32x4.add(a11, f32x4.mul(k1, x1));
      a20 = f32x4.add(a20, f32x4.mul(k2, x0)); a21 = f32x4.add(a21, f32x4.mul(k2, x1));
      a30 = f32x4.add(a30, f32x4.mul(k3, x0)); a31 = f32x4.add(a31, f32x4.mul(k3, x1));
      pa += 32;
      pb += 16;
    }
    const d = lt + (<usize>j << 5);
    v128.store(d, f32x4.mul(a00, sc)); v128.store(d, f32x4.mul(a01, sc), 16);
    v128.store(d, f32x4.mul(a10, sc), 32); v128.store(d, f32x4.mul(a11, sc), 48);
    v128.store(d, f32x4.mul(a20, sc), 64); v128.store(d, f32x4.mul(a21, sc), 80);
    v128.store(d, f32x4.mul(a30, sc), 96); v128.store(d, f32x4.mul(a31, sc), 112);
  }
  // bias, mask, causal limit; the maximum per lane
  let m0 = ninf, m1 = ninf;
  if (mr == 0 && br == 0 && !causal) {
    for (let j = 0; j < nc; j++) {
      const d = lt + (<usize>j << 5);
      m0 = f32x4.pmax(m0, v128.load(d));
      m1 = f32x4.pmax(m1, v128.load(d, 16));
    }
  } else {
    // row pointers per lane (lanes past `rows` repeat the last row: in bounds, results unused)
    const last = rows - 1;
    const mtB = <usize>mt << 2, btB = <usize>bt << 2;
    const m_0 = mr, m_1 = mr + <usize>min(1, last) * mtB, m_2 = mr + <usize>min(2, last) * mtB;
    const m_3 = mr + <usize>min(3, last) * mtB, m_4 = mr + <usize>min(4, last) * mtB;
    const m_5 = mr + <usize>min(5, last) * mtB, m_6 = mr + <usize>min(6, last) * mtB;
    const m_7 = mr + <usize>min(7, last) * mtB;
    const b_0 = br, b_1 = br + <usize>min(1, last) * btB, b_2 = br + <usize>min(2, last) * btB;
    const b_3 = br + <usize>min(3, last) * btB, b_4 = br + <usize>min(4, last) * btB;
    const b_5 = br + <usize>min(5, last) * btB, b_6 = br + <usize>min(6, last) * btB;
    const b_7 = br + <usize>min(7, last) * btB;
    const iota0 = i32x4(0, 1, 2, 3), iota1 = i32x4(4, 5, 6, 7);
    for (let j = 0; j < nc; j++) {
      const d = lt + (<usize>j << 5);
      const o = <usize>j << 2;
      let l0 = v128.load(d), l1 = v128.load(d, 16);
      if (br != 0) {
        let c0: v128, c1: v128;
        if (bt == 0) {
          c0 = v128.load32_splat(br + o);
          c1 = c0;
        } else {
          c0 = v128.load32_lane(b_3 + o, v128.load32_lane(b_2 + o, v128.load32_lane(b_1 + o,
            v128.load32_zero(b_0 + o), 1), 2), 3);
          c1 = v128.load32_lane(b_7 + o, v128.load32_lane(b_6 + o, v128.load32_lane(b_5 + o,
            v128.load32_zero(b_4 + o), 1), 2), 3);
        }
        l0 = f32x4.add(l0, c0);
        l1 = f32x4.add(l1, c1);
      }
      if (mr != 0) {
        let c0: v128, c1: v128;
        if (mt == 0) {
          c0 = v128.load32_splat(mr + o);
          c1 = c0;
        } else {
          c0 = v128.load32_lane(m_3 + o, v128.load32_lane(m_2 + o, v128.load32_lane(m_1 + o,
            v128.load32_zero(m_0 + o), 1), 2), 3);
          c1 = v128.load32_lane(m_7 + o, v128.load32_lane(m_6 + o, v128.load32_lane(m_5 + o,
            v128.load32_zero(m_4 + o), 1), 2), 3);
        }
        l0 = v128.bitselect(l0, ninf, f32x4.ne(c0, zero));
        l1 = v128.bitselect(l1, ninf, f32x4.ne(c1, zero));
      }
      if (causal && j > t0) {
        // lane i (row t0 + i) sees key j when j <= t0 + i
        const jj = i32x4.splat(j - t0);
        l0 = v128.bitselect(l0, ninf, i32x4.le_s(jj, iota0));
        l1 = v128.bitselect(l1, ninf, i32x4.le_s(jj, iota1));
      }
      v128.store(d, l0);
      v128.store(d, l1, 16);
      m0 = f32x4.pmax(m0, l0);
      m1 = f32x4.pmax(m1, l1);
    }
  }
  // rows with every key masked: max 0 there, so that their weights all come out 0 (fixed below).
  // pmax drops NaN, so a row whose kept logits are all NaN also has max -Inf: with max 0 its
  // weights come out NaN (NaN - 0 passes expNeg4k), as Keras' softmax gives; it is not empty.
  let empty0 = f32x4.eq(m0, ninf), empty1 = f32x4.eq(m1, ninf);
  let anyEmpty = v128.any_true(v128.or(empty0, empty1));
  if (anyEmpty) {
    m0 = v128.bitselect(zero, m0, empty0);
    m1 = v128.bitselect(zero, m1, empty1);
    let n0 = zero, n1 = zero;
    for (let j = 0; j < nc; j++) {
      const d = lt + (<usize>j << 5);
      const l0 = v128.load(d), l1 = v128.load(d, 16);
      n0 = v128.or(n0, f32x4.ne(l0, l0));
      n1 = v128.or(n1, f32x4.ne(l1, l1));
    }
    empty0 = v128.andnot(empty0, n0);
    empty1 = v128.andnot(empty1, n1);
    anyEmpty = v128.any_true(v128.or(empty0, empty1));
  }
  // weights e = exp(l - max), in place, and their sums per lane (keys in order)
  // (constants loaded once: see EXP_NEG_CONSTS; one half of the lanes at a time keeps them in registers)
  const k = EXP_NEG_CONSTS;
  const c0 = v128.load(k), c1 = v128.load(k, 16), c2 = v128.load(k, 32), c3 = v128.load(k, 48);
  const c4 = v128.load(k, 64), c5 = v128.load(k, 80), c6 = v128.load(k, 96), c7 = v128.load(k, 112);
  const c8 = v128.load(k, 128), c9 = v128.load(k, 144);
  let s0 = zero, s1 = zero;
  for (let j = 0; j < nc; j++) {
    const d = lt + (<usize>j << 5);
    const e0 = expNeg4k(f32x4.sub(v128.load(d), m0), c0, c1, c2, c3, c4, c5, c6, c7, c8, c9);
    v128.store(d, e0);
    s0 = f32x4.add(s0, e0);
  }
  for (let j = 0; j < nc; j++) {
    const d = lt + (<usize>j << 5) + 16;
    const e1 = expNeg4k(f32x4.sub(v128.load(d), m1), c0, c1, c2, c3, c4, c5, c6, c7, c8, c9);
    v128.store(d, e1);
    s1 = f32x4.add(s1, e1);
  }
  const inv0 = f32x4.div(f32x4.splat(1), s0), inv1 = f32x4.div(f32x4.splat(1), s1);
  // Keys past nc (causal) have weight 0 in every row. 0 * v adds +-0 (nothing) for a finite v
  // but NaN for NaN or +-Inf, as in the js kernel and Keras (softmax, then the product with V):
  // when such a value lies past nc, the product runs over all S keys with weights 0 there, so
  // each row's output is the same however its block is cut.
  let nv = nc;
  if (vBad >= nc) {
    memory.fill(lt + (<usize>nc << 5), 0, <usize>(S - nc) << 5);
    nv = S;
  }
  // out rows = (E V) * inv: 4 rows x 8 columns per tile
  const ldoB = <usize>oRow << 2;
  for (let c = 0; c < Hv; c += 8) {
    const n = min(8, Hv - c);
    const pv = vp + (<usize>c * <usize>S << 2); // panel c/8: [S][8]
    for (let half = 0; half < rows; half += 4) {
      let r00 = zero, r01 = zero, r10 = zero, r11 = zero, r20 = zero, r21 = zero, r30 = zero, r31 = zero;
      let pa = lt + (<usize>half << 2);
      let pb = pv;
      for (let j = 0; j < nv; j++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa, 4);
        const x2 = v128.load32_splat(pa, 8), x3 = v128.load32_splat(pa, 12);
        r00 = f32x4.add(r00, f32x4.mul(x0, b0)); r01 = f32x4.add(r01, f32x4.mul(x0, b1));
        r10 = f32x4.add(r10, f32x4.mul(x1, b0)); r11 = f32x4.add(r11, f32x4.mul(x1, b1));
        r20 = f32x4.add(r20, f32x4.mul(x2, b0)); r21 = f32x4.add(r21, f32x4.mul(x2, b1));
        r30 = f32x4.add(r30, f32x4.mul(x3, b0)); r31 = f32x4.add(r31, f32x4.mul(x3, b1));
        pa += 32;
        pb += 32;
      }
      const inv = half == 0 ? inv0 : inv1;
      const o = op + <usize>half * ldoB + (<usize>c << 2);
      const nr = rows - half;
      storeRow(o, r00, r01, f32x4.splat(f32x4.extract_lane(inv, 0)), n);
      if (nr > 1) storeRow(o + ldoB, r10, r11, f32x4.splat(f32x4.extract_lane(inv, 1)), n);
      if (nr > 2) storeRow(o + 2 * ldoB, r20, r21, f32x4.splat(f32x4.extract_lane(inv, 2)), n);
      if (nr > 3) storeRow(o + 3 * ldoB, r30, r31, f32x4.splat(f32x4.extract_lane(inv, 3)), n);
    }
  }
  if (anyEmpty) {
    const emptyBits = i32x4.bitmask(empty0) | (i32x4.bitmask(empty1) << 4);
    // every key masked: zeros (Keras' masked Softmax) or uniform weights 1/S over all S keys
    for (let i = 0; i < rows; i++) {
      if (((emptyBits >> i) & 1) == 0) continue;
      emptyRow(vp, op + <usize>i * ldoB, S, Hv, (flags & ZERO_EMPTY) != 0);
    }
  }
}

/** Stores the first n (1..8) columns of one output row (a0, a1) * s at o. */
// @ts-ignore: decorator
@inline function storeRow(o: usize, a0: v128, a1: v128, s: v128, n: i32): void {
  const y0 = f32x4.mul(a0, s), y1 = f32x4.mul(a1, s);
  if (n == 8) {
    v128.store(o, y0);
    v128.store(o, y1, 16);
  } else if (n > 4) {
    v128.store(o, y0);
    storeTail(o + 16, y1, n - 4);
  } else {
    st(o, y0, n);
  }
}

/** An output row whose keys are all masked: weights 0 (zeros), or the mean of the S value rows (weights 1/S). */
function emptyRow(vp: usize, o: usize, S: i32, Hv: i32, zeros: bool): void {
  // zeros: the sum of 0 * v, so that a NaN or infinite value gives NaN (as the js kernel, Keras)
  const u = f32x4.splat(zeros ? <f32>0 : <f32>1.0 / <f32>S);
  for (let c = 0; c < Hv; c += 8) {
    let pb = vp + (<usize>c * <usize>S << 2);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    for (let j = 0; j < S; j++) {
      a0 = f32x4.add(a0, f32x4.mul(u, v128.load(pb)));
      a1 = f32x4.add(a1, f32x4.mul(u, v128.load(pb, 16)));
      pb += 32;
    }
    storeRow(o + (<usize>c << 2), a0, a1, f32x4.splat(1), min(8, Hv - c));
  }
}

/** The last of rows [0, S) (row stride ld floats, n wide) holding a NaN or an infinity; -1: none. */
function lastNonFinite(src: usize, ld: i32, S: i32, n: i32): i32 {
  for (let j = S - 1; j >= 0; j--) {
    const r = src + (<usize>j * <usize>ld << 2);
    for (let d = 0; d < n; d++) {
      const x = load<f32>(r + (<usize>d << 2));
      if (x - x != 0) return j;
    }
  }
  return -1;
}

/** Scratch bytes per thread of attentionBackwardF32. */
export function attentionBackwardWorkBytes(S: i32, H: i32, Hv: i32): i32 {
  return ((H + Hv + 2 * RB) * S + RB) << 2;
}

/**
 * Backward over key/value heads [start, end) of bk = b*K + hk: dq [B, T, N, H], dk [B, S, K, H]
 * and dv [B, S, K, Hv] from dout [B, T, N, Hv]. work: attentionBackwardWorkBytes (K^T, V^T, the
 * P and dS blocks [RB, S], RB row lengths).
 */
export function attentionBackwardF32(q: usize, k: usize, v: usize, mask: usize, bias: usize, dout: usize,
  dq: usize, dk: usize, dv: usize, work: usize, B: i32, T: i32, S: i32, N: i32, K: i32, H: i32, Hv: i32,
  mb: i32, mh: i32, mt: i32, bb: i32, bh: i32, bt: i32, scale: f32, flags: i32, start: i32, end: i32): void {
  const total = B * K;
  if (end > total) end = total;
  if (S <= 0) return;
  const kt = work;
  const vt = kt + (<usize>(H * S) << 2);
  const pb = vt + (<usize>(Hv * S) << 2);
  const ds = pb + (<usize>(RB * S) << 2);
  const lens = ds + (<usize>(RB * S) << 2);
  const G = N / K;
  const qRow = N * H, oRow = N * Hv, kRow = K * H, vRow = K * Hv;
  const sc = f32x4.splat(scale);
  for (let bkI = start; bkI < end; bkI++) {
    const b = bkI / K, hk = bkI % K;
    const kp = k + ((<usize>(b * S) * <usize>kRow + <usize>(hk * H)) << 2);
    const vp = v + ((<usize>(b * S) * <usize>vRow + <usize>(hk * Hv)) << 2);
    const dkp = dk + ((<usize>(b * S) * <usize>kRow + <usize>(hk * H)) << 2);
    const dvp = dv + ((<usize>(b * S) * <usize>vRow + <usize>(hk * Hv)) << 2);
    packT(kp, kRow, S, H, kt);
    packT(vp, vRow, S, Hv, vt);
    const vBad = lastNonFinite(vp, vRow, S, Hv);
    for (let j = 0; j < S; j++) {
      memory.fill(dkp + (<usize>(j * kRow) << 2), 0, <usize>H << 2);
      memory.fill(dvp + (<usize>(j * vRow) << 2), 0, <usize>Hv << 2);
    }
    for (let h = hk * G; h < (hk + 1) * G; h++) {
      for (let t0 = 0; t0 < T; t0 += RB) {
        const rows = min(RB, T - t0);
        // P in 4-row groups, exactly as the forward computes it (same bits)
        let len = 0;
        for (let i = 0; i < rows; i += 4) {
          const l = probsBlock(q, kt, mask, bias, pb + (<usize>(i * S) << 2), lens + (<usize>i << 2), b, h, t0 + i,
            min(4, rows - i), T, S, N, H, mb, mh, mt, bb, bh, bt, scale, flags);
          len = max(len, l);
        }
        const dqp = dq + ((<usize>(b * T + t0) * <usize>qRow + <usize>(h * H)) << 2);
        if (len == 0) {
          // every row zeroed: dQ rows 0, nothing for dK/dV
          for (let i = 0; i < rows; i++) memory.fill(dqp + (<usize>(i * qRow) << 2), 0, <usize>H << 2);
          continue;
        }
        // a NaN or infinite value past the block's columns still reaches dP (and through
        // rowsum(P dP) every dS of its rows), as in the js kernel: then all S columns (P is 0 there)
        if (vBad >= len) len = S;
        const dop = dout + ((<usize>(b * T + t0) * <usize>oRow + <usize>(h * Hv)) << 2);
        // dP = dO V^T over the block's columns [0, len)
        mm(dop, oRow, 1, vt, S, ds, S, rows, len, Hv, 0);
        // dS = P (dP - sum_j P dP) * scale; a row without any unmasked key has no logit gradient
        for (let i = 0; i < rows; i++) {
          const p = pb + (<usize>(i * S) << 2);
          const d = ds + (<usize>(i * S) << 2);
          if (load<i32>(lens + (<usize>i << 2)) <= 0) {
            memory.fill(d, 0, <usize>len << 2);
            continue;
          }
          let acc = f32x4.splat(0);
          for (let j = 0; j < len; j += 4) {
            const n = min(4, len - j);
            acc = f32x4.add(acc, f32x4.mul(ld(p + (<usize>j << 2), n), ld(d + (<usize>j << 2), n)));
          }
          const delta = f32x4.splat((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
            (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3)));
          for (let j = 0; j < len; j += 4) {
            const n = min(4, len - j);
            const pj = ld(p + (<usize>j << 2), n);
            st(d + (<usize>j << 2), f32x4.mul(f32x4.mul(pj, f32x4.sub(ld(d + (<usize>j << 2), n), delta)), sc), n);
          }
        }
        // dQ rows = dS K;  dK[0:len] += dS^T Q_block;  dV[0:len] += P^T dO_block
        mm(ds, S, 1, kp, kRow, dqp, qRow, rows, H, len, 0);
        const qp = q + ((<usize>(b * T + t0) * <usize>qRow + <usize>(h * H)) << 2);
        mm(ds, 1, S, qp, qRow, dkp, kRow, len, H, rows, 1);
        mm(pb, 1, S, dop, oRow, dvp, vRow, len, Hv, rows, 1);
      }
    }
  }
}
