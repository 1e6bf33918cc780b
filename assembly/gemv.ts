// GEMV: the matrix-vector product of batch-1 (and few-row) inference, a dense layer's forward
// for one sample.
//
//   C[i, j] = act( sum_k A[i, k] * B[k, j] + bias[j] )      i in [0, M), j in [colStart, colEnd)
//
// A is M x K (row stride lda), B is K x N (row-major, as a dense kernel is stored; row stride
// ldb), C is M x N (row stride ldc), all f32, byte pointers into linear memory. No transposes,
// no beta: the wasm backend's rank-2 MatMul calls this for a few rows with transposeB false
// (and transposeA false, or one row, where A^T is the same vector) and gemmF32 otherwise.
//
// Why not gemmF32's few-row path (rowsDirect): B is read in memory order, four rows of B per
// sweep across the column range with two f32x4 per step, the output row (in L1) loaded and
// stored once per four multiply-adds; K % 4 rows by one-row sweeps; the (colEnd - colStart) % 8
// columns by strided scalar dot products; then a vector epilogue (bias, Relu/Relu6 as
// f32x4.max/min) and scalar for the tail and Sigmoid/Tanh. Measured on the walk-through MLP's
// layers (Zen 1, one thread, scratch/gemv/NOTES.md): 784x256 29 us against ~40, 256x128 4.0
// against 6.7. A pure read of the 784x256 weights (802 KB, from L3) takes ~17 us on that CPU,
// so the split by columns over threads (the backend's dispatch) is what brings it lower: each
// core's part of B then stays in its own L2 from one call to the next.
//
// Determinism: every element is s = ((0 + a0*b0) + a1*b1) + ... + a(K-1)*b(K-1), k increasing,
// each step `madd` (gemm.ts: mul then add, fused in the relaxed-SIMD build; the scalar columns
// round exactly as its lanes), then v = act(s + bias[j]). That is gemmF32's arithmetic on every
// path, so a column range gives the same bits whichever thread computes it and however the
// columns are cut, and one sample's prediction is bit-identical to its row in a batch.
// C must not alias A, B or bias. bias may be 0 (none). Allocates nothing.

import { Act } from './codes';
import { actScalar, madd } from './gemm';

/** c + a * b for one f32, rounded exactly as gemm's madd lanes. */
// @ts-ignore: decorator
@inline function madd1(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  }
  return c + a * b;
}

/** C[i, j] = act(sum_k A[i, k] B[k, j] + bias[j]) for rows [0, M) and columns [colStart, colEnd),
 *  colStart < colEnd (the backend never passes an empty range). See the header for layout and
 *  determinism. */
export function gemvF32(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, colStart: i32, colEnd: i32): void {
  const ldbB = <usize>ldb << 2;
  const aEnd = <usize>K << 2;
  const b0 = b + (<usize>colStart << 2);
  const wv = <usize>((colEnd - colStart) & ~7) << 2; // bytes of the range in whole 8-float steps
  for (let i = 0; i < M; i++) {
    const ai = a + <usize>i * (<usize>lda << 2);
    const ci = c + <usize>i * (<usize>ldc << 2) + (<usize>colStart << 2);
    const end = ai + aEnd;
    memory.fill(ci, 0, wv);
    let pa = ai;
    let p0 = b0;
    for (; pa + 16 <= end; pa += 16) {
      const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa, 4);
      const x2 = v128.load32_splat(pa, 8), x3 = v128.load32_splat(pa, 12);
      const p1 = p0 + ldbB, p2 = p1 + ldbB, p3 = p2 + ldbB;
      for (let o: usize = 0; o < wv; o += 32) {
        const q = ci + o;
        let v = v128.load(q), u = v128.load(q, 16);
        v = madd(x0, v128.load(p0 + o), v); u = madd(x0, v128.load(p0 + o, 16), u);
        v = madd(x1, v128.load(p1 + o), v); u = madd(x1, v128.load(p1 + o, 16), u);
        v = madd(x2, v128.load(p2 + o), v); u = madd(x2, v128.load(p2 + o, 16), u);
        v = madd(x3, v128.load(p3 + o), v); u = madd(x3, v128.load(p3 + o, 16), u);
        v128.store(q, v); v128.store(q, u, 16);
      }
      p0 = p3 + ldbB;
    }
    for (; pa < end; pa += 4) {
      const x = v128.load32_splat(pa);
      for (let o: usize = 0; o < wv; o += 16) {
        v128.store(ci + o, madd(x, v128.load(p0 + o), v128.load(ci + o)));
      }
      p0 += ldbB;
    }
    // The last (colEnd - colStart) % 8 columns: one strided dot product each, same k order.
    for (let o = wv; o < (<usize>(colEnd - colStart) << 2); o += 4) {
      let s: f32 = 0;
      let p = b0 + o;
      for (pa = ai; pa < end; pa += 4) {
        s = madd1(load<f32>(pa), load<f32>(p), s);
        p += ldbB;
      }
      store<f32>(ci + o, s);
    }
    epilogue(c + <usize>i * (<usize>ldc << 2), bias, act, colStart, colEnd);
  }
}

/** Row `ci`'s columns [colStart, colEnd), in L1 now: v = act(s + bias[j]). Relu/Relu6 as
 *  f32x4.max/min (lane-wise identical to actScalar's f32 max/min, NaN and -0 included). */
function epilogue(ci: usize, bias: usize, act: i32, colStart: i32, colEnd: i32): void {
  let j = colStart;
  if (act <= Act.Relu6) {
    for (; j + 4 <= colEnd; j += 4) {
      const q = ci + (<usize>j << 2);
      let v = v128.load(q);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + (<usize>j << 2)));
      if (act != Act.Linear) v = f32x4.max(v, f32x4.splat(0));
      if (act == Act.Relu6) v = f32x4.min(v, f32x4.splat(6));
      v128.store(q, v);
    }
  }
  for (; j < colEnd; j++) {
    const q = ci + (<usize>j << 2);
    let v = load<f32>(q);
    if (bias != 0) v = v + load<f32>(bias + (<usize>j << 2));
    store<f32>(q, actScalar(v, act));
  }
}

/** One row, B packed in panels of 16 columns (panel p: K rows of B[k, 16p .. 16p + 15], contiguous;
 *  the wasm backend's copy of a weight used again and again): c[j] = act(sum_k a[k] B[k, j] + bias[j])
 *  for j in [colStart, colEnd), both multiples of 16. Each panel is one sequential stream (a
 *  core's share of B too, where threads split the columns), with four accumulators held over k:
 *  the same madd sequence, k increasing from 0, as gemvF32, so the same bits. */
export function gemvPackedF32(K: i32, a: usize, bp: usize, c: usize, bias: usize, act: i32,
  colStart: i32, colEnd: i32): void {
  let p = bp + <usize>colStart * (<usize>K << 2);
  for (let q = c + (<usize>colStart << 2); q < c + (<usize>colEnd << 2); q += 64) {
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (let k = 0; k < K; k++) {
      const x = v128.load32_splat(a + (<usize>k << 2));
      s0 = madd(x, v128.load(p), s0); s1 = madd(x, v128.load(p, 16), s1);
      s2 = madd(x, v128.load(p, 32), s2); s3 = madd(x, v128.load(p, 48), s3);
      p += 64;
    }
    v128.store(q, s0); v128.store(q, s1, 16); v128.store(q, s2, 32); v128.store(q, s3, 48);
  }
  epilogue(c, bias, act, colStart, colEnd);
}
