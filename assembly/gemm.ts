// GEMM: the matrix-multiply kernel behind Dense, Conv (im2col) and their gradients.
//
//   C[i, j] = act( sum_k opA(A)[i, k] * opB(B)[k, j] + beta * C[i, j] + bias[j] )
//
// for i in [rowStart, rowEnd) and j in [colStart, colEnd) only, opA/opB optionally transposing.
// All matrices are f32, row-major, addressed by byte pointers into linear memory, with element
// row strides lda/ldb/ldc that may exceed the logical width; rows need not be 16-byte aligned
// (all vector accesses are v128.load/store, which allow any alignment).
//
// Layout and loop nest (GotoBLAS/BLIS style, one thread per call):
//   for jc over the column range in steps of NC
//     for pc over 0..K in steps of KC
//       pack opB(B)[pc:pc+kc, jc:jc+nc] into NR-column panels: k-major, NR floats per k
//       for ic over the row range in steps of MC
//         pack opA(A)[ic:ic+mc, pc:pc+kc] into MR-row panels: k-major, MR floats per k
//         for each NR panel of B, for each MR panel of A: the MR x NR micro-kernel
// Packing zero-pads ragged panels and absorbs the four transpose modes (a 4x4 register
// transpose where the source is contiguous along the wrong axis), so one micro-kernel serves
// every case. Ragged tiles run the same micro-kernel into a small tile buffer T, then copy out.
// A range of fewer than MR rows with transB == 0 (batch-1 inference) skips packing entirely:
// rowsDirect streams B's rows through axpy sweeps into a scratch row (see there).
//
// Micro-kernel: MR x NR = 4 x 8. Per k: two B vectors (v128.load), four A values
// (v128.load32_splat), 8 f32x4.mul + 8 f32x4.add into eight accumulators. Live registers:
// 8 accumulators + 2 B + 1 A + 1 product temp + the splats V8 hoists = at most 15, which is what
// V8 allocates on x86-64 (16 xmm, one reserved as scratch); 5x8, 3x12 or 6x8 spill and run at
// half speed. The micro-kernel is @inline so that its k loop sits five loops deep inside
// `blocked`: V8 (Node 20) unrolls a wasm loop only if the loop is small relative to its nesting
// depth, and the unrolled form (loads with folded offsets, one stack check per 4-5 steps) was
// measured ~15% faster than the same loop alone in a function of its own. (Unrolling by hand
// does not work: TurboFan then hoists all the loads and spills.) Finished tiles get their
// epilogue (beta*C, bias, Relu/Relu6) in registers before the single store.
//
// Blocking (tuned on AMD Zen 5: 48 KiB L1d, 1 MiB L2; most choices measured within noise):
//   KC = 512: one B micro-panel (KC x NR x 4 B = 16 KiB) stays in L1 while every A panel of the
//             MC block streams past it; a long K block also amortises the per-tile cost of
//             loading/storing the 4 x 8 C tile, and K <= 512 needs no partial sums at all.
//   MC = 64:  the packed A block (MC x KC x 4 B = 128 KiB) stays in L2.
//   NC = 1024: the packed B block (KC x NC x 4 B = 2 MiB) lives in L3; its 16 KiB micro-panels
//             are pulled into L1 once per MC block. A wide NC means A is packed only once per
//             K block for N <= 1024 (packing A again for every 256 columns cost ~2% at n = 1024).
// Workspace (gemmWorkspaceBytes per calling thread, ~2.6 MiB): packed A block (128 KiB), packed
// B block (2 MiB), the MR x NR tile T, and a SAVE_ROWS x NC area (512 KiB) for C_old, used
// only when beta != 0 and K > KC.
//
// Determinism (a later issue splits one call by rows or columns across threads): the value of
// every element is, in every path (full tile, ragged tile, few-row path, any range or K block),
//   s = ((0 + a0*b0) + a1*b1) + ... + a(K-1)*b(K-1)     k strictly increasing, each step madd
//                                                        (mul + add; fused in the relaxed build)
//   v = act((s + beta*C_old) + bias[j])                 beta term only when beta != 0
// so results are bit-identical however the ranges are cut. Partial sums between K blocks are
// parked in C (or T) as f32 and reloaded, which does not change the sequence of roundings. When
// beta != 0 and K > KC the partial sums would overwrite C_old, so the range is processed in
// SAVE_ROWS x NC chunks whose C_old is copied into the workspace first. Relu/Relu6 use
// f32x4.max/min (lane-wise identical to scalar f32.max/min, NaN and -0 included); Sigmoid and
// Tanh are computed per element in f64 (1/(1+exp(-x)); expm1(2x)/(expm1(2x)+2), +-1 for
// |x| > 20) and rounded once to f32.
//
// Aliasing: C must not alias A, B or bias (C is written while A/B blocks are still being read).
// bias may be 0 (none). With beta == 0, C is never read (it may hold NaN). Allocates nothing.

import { Act } from './codes';

// ---------------------------------------------------------------------------------------------
// The multiply-add of every k step. The plain build rounds twice (mul, then add); the relaxed-SIMD
// build (scripts/build-wasm.mjs compiles this file a second time with --enable relaxed-simd, and
// the loader swaps in the changed function bodies where the engine validates relaxed SIMD) uses
// f32x4.relaxed_madd, a fused multiply-add where the CPU has one (x86-64 FMA3, arm64), else the
// same mul + add. Either way one build does the same per element on every path (full tile,
// ragged tile, rowsDirect's vector and scalar columns), so the cut of a range across threads
// never changes a result; the two builds differ from each other by the FMA's single rounding.

/** c + a * b lane-wise, fused in the relaxed-SIMD build. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** c + a * b for one f32, rounded exactly as madd's lanes. */
// @ts-ignore: decorator
@inline function madd1(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  }
  return c + a * b;
}

// @ts-ignore: decorator
@inline const MR: i32 = 4;
// @ts-ignore: decorator
@inline const NR: i32 = 8;
// @ts-ignore: decorator
@inline const KC: i32 = 512;
// @ts-ignore: decorator
@inline const MC: i32 = 64;
// @ts-ignore: decorator
@inline const NC: i32 = 1024;
// @ts-ignore: decorator
@inline const ROW_CHUNK: i32 = 2048; // columns per scratch row in rowsDirect (8 KiB, in PB area)
// @ts-ignore: decorator
@inline const SAVE_ROWS: i32 = 128; // rows per chunk on the beta != 0, K > KC path

// Workspace layout (byte offsets from `work`).
// @ts-ignore: decorator
@inline const PA_OFF: usize = 0;
// @ts-ignore: decorator
@inline const PB_OFF: usize = PA_OFF + <usize>(MC * KC * 4);
// @ts-ignore: decorator
@inline const T_OFF: usize = PB_OFF + <usize>(KC * NC * 4);
// @ts-ignore: decorator
@inline const SAVE_OFF: usize = T_OFF + <usize>(MR * NR * 4);
// @ts-ignore: decorator
@inline const WORK_BYTES: usize = SAVE_OFF + <usize>(SAVE_ROWS * NC * 4);

/** Bytes of scratch one calling thread needs (packing buffers). Constant. */
export function gemmWorkspaceBytes(): i32 {
  return <i32>WORK_BYTES;
}

// ---------------------------------------------------------------------------------------------
// Scalar epilogue pieces (also the reference semantics for the SIMD epilogue: f32.max/f32.min
// behave exactly like f32x4.max/f32x4.min lane-wise, including NaN and -0).

// @ts-ignore: decorator
@inline function sigmoid(v: f32): f32 {
  return <f32>(1.0 / (1.0 + Math.exp(-<f64>v)));
}

// @ts-ignore: decorator
@inline function tanhAcc(v: f32): f32 {
  const x = <f64>v;
  if (Math.abs(x) > 20.0) return x > 0 ? 1.0 : -1.0; // tanh rounds to +-1 long before this
  const e = Math.expm1(2.0 * x); // expm1 keeps full relative precision near 0
  return <f32>(e / (e + 2.0));
}

export function actScalar(v: f32, act: i32): f32 {
  if (act == Act.Relu) return max<f32>(v, 0);
  if (act == Act.Relu6) return min<f32>(max<f32>(v, 0), 6);
  if (act == Act.Sigmoid) return sigmoid(v);
  if (act == Act.Tanh) return tanhAcc(v);
  return v;
}

/** C[r, j] = act((s + beta*C[r, j]) + bias[j]) for one element; s is the finished k sum. */
// @ts-ignore: decorator
@inline function epiOne(s: f32, cp: usize, bp: usize, act: i32, beta: f32): void {
  let v = s;
  if (beta != 0) v = v + beta * load<f32>(cp);
  if (bp != 0) v = v + load<f32>(bp);
  store<f32>(cp, actScalar(v, act));
}

/** Sigmoid/Tanh over a rows x cols region of C in place (these are not the hot path). */
export function actRegion(c: usize, ldcB: usize, rows: i32, cols: i32, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldcB;
    for (let j = 0; j < cols; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, actScalar(load<f32>(p), act));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: 4 x 8 tile. acc = load ? src tile : 0; acc += sum over kc of pa (x) pb;
// if epi: acc = relu?((acc + beta*dst) + bias); dst = acc.
// pa: kc x MR floats (k-major), pb: kc x NR floats (k-major). Strides lds/ldd in bytes.
// epi with beta != 0 reads C_old from dst, so it is only used with load == false (one K block).

// @ts-ignore: decorator
@inline function kernel4x8(kc: i32, pa: usize, pb: usize, src: usize, lds: usize,
  dst: usize, ldd: usize, load: bool, epi: bool, bp: usize, act: i32, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (load) {
    c00 = v128.load(src); c01 = v128.load(src, 16); src += lds;
    c10 = v128.load(src); c11 = v128.load(src, 16); src += lds;
    c20 = v128.load(src); c21 = v128.load(src, 16); src += lds;
    c30 = v128.load(src); c31 = v128.load(src, 16);
  }
  const end = pa + (<usize>kc << 4);
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  if (epi) {
    // Finished sums: v = (s + beta*C_old) + bias, then Relu/Relu6 (dst is C itself here).
    if (beta != 0) {
      const vb = f32x4.splat(beta);
      let q = dst;
      c00 = f32x4.add(c00, f32x4.mul(vb, v128.load(q)));
      c01 = f32x4.add(c01, f32x4.mul(vb, v128.load(q, 16)));
      q += ldd;
      c10 = f32x4.add(c10, f32x4.mul(vb, v128.load(q)));
      c11 = f32x4.add(c11, f32x4.mul(vb, v128.load(q, 16)));
      q += ldd;
      c20 = f32x4.add(c20, f32x4.mul(vb, v128.load(q)));
      c21 = f32x4.add(c21, f32x4.mul(vb, v128.load(q, 16)));
      q += ldd;
      c30 = f32x4.add(c30, f32x4.mul(vb, v128.load(q)));
      c31 = f32x4.add(c31, f32x4.mul(vb, v128.load(q, 16)));
    }
    if (bp != 0) {
      const v0 = v128.load(bp), v1 = v128.load(bp, 16);
      c00 = f32x4.add(c00, v0); c01 = f32x4.add(c01, v1);
      c10 = f32x4.add(c10, v0); c11 = f32x4.add(c11, v1);
      c20 = f32x4.add(c20, v0); c21 = f32x4.add(c21, v1);
      c30 = f32x4.add(c30, v0); c31 = f32x4.add(c31, v1);
    }
    if (act == Act.Relu || act == Act.Relu6) {
      const z = f32x4.splat(0);
      c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z);
      c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
      c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z);
      c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
      if (act == Act.Relu6) {
        const six = f32x4.splat(6);
        c00 = f32x4.min(c00, six); c01 = f32x4.min(c01, six);
        c10 = f32x4.min(c10, six); c11 = f32x4.min(c11, six);
        c20 = f32x4.min(c20, six); c21 = f32x4.min(c21, six);
        c30 = f32x4.min(c30, six); c31 = f32x4.min(c31, six);
      }
    }
  }
  v128.store(dst, c00); v128.store(dst, c01, 16); dst += ldd;
  v128.store(dst, c10); v128.store(dst, c11, 16); dst += ldd;
  v128.store(dst, c20); v128.store(dst, c21, 16); dst += ldd;
  v128.store(dst, c30); v128.store(dst, c31, 16);
}

// ---------------------------------------------------------------------------------------------
// Packing. Panels are k-major: panel p holds, for k = 0..kc-1, MR (or NR) consecutive floats.
// Rows/columns past the edge are zero so the micro-kernel never needs a ragged variant.

/** Packs opA(A)[i0:i0+mc, k0:k0+kc] into ceil(mc/MR) panels of kc x MR at dst. */
function packA(transA: i32, a: usize, lda: i32, i0: i32, mc: i32, k0: i32, kc: i32,
  dst: usize): void {
  const ldaB = <usize>lda << 2;
  let ir0 = 0;
  if (transA != 0) {
    // A stored K x M (the weight gradient x^T dy): four whole panels per row, one 64-byte line,
    // so each line of A is read once. Panel by panel, a row's line was fetched four times, from
    // L2 when the row stride is a multiple of 4 KiB (M = 9216: all kc rows fall in one L1 set).
    const pStride = <usize>(MR * kc) << 2; // bytes between consecutive panels
    for (; ir0 + 4 * MR <= mc; ir0 += 4 * MR) {
      let s = a + <usize>k0 * ldaB + (<usize>(i0 + ir0) << 2);
      const d0 = dst + <usize>(ir0 * kc) * 4;
      for (let k = 0; k < kc; k++) {
        const dk = d0 + (<usize>k << 4);
        v128.store(dk, v128.load(s));
        v128.store(dk + pStride, v128.load(s, 16));
        v128.store(dk + 2 * pStride, v128.load(s, 32));
        v128.store(dk + 3 * pStride, v128.load(s, 48));
        s += ldaB;
      }
    }
  }
  for (let ir = ir0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const d = dst + <usize>(ir * kc) * 4;
    if (transA == 0) {
      // A is M x K: row i is contiguous in k. 4 rows x 4 k per step, transposed in registers.
      const r0 = a + <usize>(i0 + ir) * ldaB + (<usize>k0 << 2);
      if (mr == MR) {
        const r1 = r0 + ldaB, r2 = r1 + ldaB, r3 = r2 + ldaB;
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o);
          const x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
          const t0 = f32x4.shuffle(x0, x1, 0, 4, 1, 5);
          const t1 = f32x4.shuffle(x0, x1, 2, 6, 3, 7);
          const t2 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
          const t3 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
          const dk = d + (<usize>k << 4);
          v128.store(dk, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(dk, f32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
          v128.store(dk, f32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
          v128.store(dk, f32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          const dk = d + (<usize>k << 4);
          store<f32>(dk, load<f32>(r0 + o));
          store<f32>(dk, load<f32>(r1 + o), 4);
          store<f32>(dk, load<f32>(r2 + o), 8);
          store<f32>(dk, load<f32>(r3 + o), 12);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + (<usize>k << 4);
          v128.store(dk, f32x4.splat(0));
          for (let r = 0; r < mr; r++) {
            store<f32>(dk + (<usize>r << 2), load<f32>(r0 + <usize>r * ldaB + (<usize>k << 2)));
          }
        }
      }
    } else {
      // A is stored K x M: for each k the MR values of the panel are contiguous.
      let s = a + <usize>k0 * ldaB + (<usize>(i0 + ir) << 2);
      if (mr == MR) {
        for (let k = 0; k < kc; k++) {
          v128.store(d + (<usize>k << 4), v128.load(s));
          s += ldaB;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + (<usize>k << 4);
          v128.store(dk, f32x4.splat(0));
          for (let r = 0; r < mr; r++) {
            store<f32>(dk + (<usize>r << 2), load<f32>(s + (<usize>r << 2)));
          }
          s += ldaB;
        }
      }
    }
  }
}

/** Packs opB(B)[k0:k0+kc, j0:j0+nc] into ceil(nc/NR) panels of kc x NR at dst. */
function packB(transB: i32, b: usize, ldb: i32, k0: i32, kc: i32, j0: i32, nc: i32,
  dst: usize): void {
  const ldbB = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const d = dst + <usize>(jr * kc) * 4;
    if (transB == 0) {
      // B is K x N: for each k the NR values of the panel are contiguous.
      let s = b + <usize>k0 * ldbB + (<usize>(j0 + jr) << 2);
      if (nr == NR) {
        for (let k = 0; k < kc; k++) {
          const dk = d + (<usize>k << 5);
          v128.store(dk, v128.load(s));
          v128.store(dk, v128.load(s, 16), 16);
          s += ldbB;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + (<usize>k << 5);
          v128.store(dk, f32x4.splat(0));
          v128.store(dk, f32x4.splat(0), 16);
          for (let j = 0; j < nr; j++) {
            store<f32>(dk + (<usize>j << 2), load<f32>(s + (<usize>j << 2)));
          }
          s += ldbB;
        }
      }
    } else {
      // B is stored N x K: column j of opB(B) is row j of storage, contiguous in k.
      const s0 = b + <usize>(j0 + jr) * ldbB + (<usize>k0 << 2);
      if (nr == NR) {
        const s1 = s0 + ldbB, s2 = s1 + ldbB, s3 = s2 + ldbB;
        const s4 = s3 + ldbB, s5 = s4 + ldbB, s6 = s5 + ldbB, s7 = s6 + ldbB;
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          const dk = d + (<usize>k << 5);
          let x0 = v128.load(s0 + o), x1 = v128.load(s1 + o);
          let x2 = v128.load(s2 + o), x3 = v128.load(s3 + o);
          let t0 = f32x4.shuffle(x0, x1, 0, 4, 1, 5);
          let t1 = f32x4.shuffle(x0, x1, 2, 6, 3, 7);
          let t2 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
          let t3 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
          v128.store(dk, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(dk, f32x4.shuffle(t0, t2, 2, 3, 6, 7), 32);
          v128.store(dk, f32x4.shuffle(t1, t3, 0, 1, 4, 5), 64);
          v128.store(dk, f32x4.shuffle(t1, t3, 2, 3, 6, 7), 96);
          x0 = v128.load(s4 + o); x1 = v128.load(s5 + o);
          x2 = v128.load(s6 + o); x3 = v128.load(s7 + o);
          t0 = f32x4.shuffle(x0, x1, 0, 4, 1, 5);
          t1 = f32x4.shuffle(x0, x1, 2, 6, 3, 7);
          t2 = f32x4.shuffle(x2, x3, 0, 4, 1, 5);
          t3 = f32x4.shuffle(x2, x3, 2, 6, 3, 7);
          v128.store(dk, f32x4.shuffle(t0, t2, 0, 1, 4, 5), 16);
          v128.store(dk, f32x4.shuffle(t0, t2, 2, 3, 6, 7), 48);
          v128.store(dk, f32x4.shuffle(t1, t3, 0, 1, 4, 5), 80);
          v128.store(dk, f32x4.shuffle(t1, t3, 2, 3, 6, 7), 112);
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          const dk = d + (<usize>k << 5);
          store<f32>(dk, load<f32>(s0 + o));
          store<f32>(dk, load<f32>(s1 + o), 4);
          store<f32>(dk, load<f32>(s2 + o), 8);
          store<f32>(dk, load<f32>(s3 + o), 12);
          store<f32>(dk, load<f32>(s4 + o), 16);
          store<f32>(dk, load<f32>(s5 + o), 20);
          store<f32>(dk, load<f32>(s6 + o), 24);
          store<f32>(dk, load<f32>(s7 + o), 28);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + (<usize>k << 5);
          v128.store(dk, f32x4.splat(0));
          v128.store(dk, f32x4.splat(0), 16);
          for (let j = 0; j < nr; j++) {
            store<f32>(dk + (<usize>j << 2), load<f32>(s0 + <usize>j * ldbB + (<usize>k << 2)));
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
/** Copies a rows x cols block of f32 (row strides in bytes). */
function copyTile(dst: usize, lddB: usize, src: usize, ldsB: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + <usize>r * lddB, src + <usize>r * ldsB, <usize>cols << 2);
  }
}

/** Epilogue of a ragged tile: C = act((T + beta*C) + bias) for the mr x nr valid elements of the
 *  finished sums in T (row stride NR floats); scalar, same arithmetic as the kernel's epilogue. */
function epiEdge(t: usize, cp: usize, ldcB: usize, mr: i32, nr: i32, bp: usize, act: i32,
  beta: f32): void {
  for (let r = 0; r < mr; r++) {
    const tr = t + (<usize>r << 5);
    const cr = cp + <usize>r * ldcB;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      epiOne(load<f32>(tr + o), cr + o, bp != 0 ? bp + o : 0, act, beta);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The blocked driver for rows [r0, r1) x cols [c0, c1). beta != 0 only when K <= KC (a single
// K block), so C_old is read in the same pass that writes the result.

function blocked(transA: i32, transB: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32,
  c: usize, ldc: i32, bias: usize, act: i32, beta: f32, work: usize,
  r0: i32, r1: i32, c0: i32, c1: i32): void {
  const pA = work + PA_OFF;
  const pB = work + PB_OFF;
  const t = work + T_OFF;
  const ldcB = <usize>ldc << 2;
  for (let jc = c0; jc < c1; jc += NC) {
    const nc = min(NC, c1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const first = pc == 0;
      const last = pc + kc >= K;
      packB(transB, b, ldb, pc, kc, jc, nc, pB);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        packA(transA, a, lda, ic, mc, pc, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = pB + <usize>(jr * kc) * 4;
          const bp = bias != 0 ? bias + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const pa = pA + <usize>(ir * kc) * 4;
            const cp = c + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2);
            const full = mr == MR && nr == NR;
            let src = cp, lds = ldcB, dst = cp, ldd = ldcB;
            if (!full) {
              src = t; lds = NR * 4; dst = t; ldd = NR * 4;
              if (!first) copyTile(t, NR * 4, cp, ldcB, mr, nr);
            }
            // A tile short of rows but of full width (M % 4 != 0, e.g. the 9 taps of a 3x3x1
            // input gradient, or of the filter gradient's beta = 1 chunks) takes the epilogue
            // in registers too, into T (all NR bias values exist; C_old's mr rows are copied
            // into T first, as beta != 0 comes with a single K block, so T holds no partial
            // sums), and copies its mr rows out as vectors: the scalar epiEdge cost as much as
            // a K = 32 tile itself. Same arithmetic per lane.
            const rowsOnly = last && mr < MR && nr == NR;
            if (rowsOnly && beta != 0) copyTile(t, NR * 4, cp, ldcB, mr, NR);
            kernel4x8(kc, pa, pb, src, lds, dst, ldd, !first, (last && full) || rowsOnly, bp, act, beta);
            if (rowsOnly) {
              for (let r = 0; r < mr; r++) {
                const tr = t + (<usize>r << 5), cr = cp + <usize>r * ldcB;
                v128.store(cr, v128.load(tr));
                v128.store(cr, v128.load(tr, 16), 16);
              }
              if (act == Act.Sigmoid || act == Act.Tanh) actRegion(cp, ldcB, mr, NR, act);
            } else if (last) {
              if (!full) epiEdge(t, cp, ldcB, mr, nr, bp, act, beta);
              else if (act == Act.Sigmoid || act == Act.Tanh) actRegion(cp, ldcB, MR, NR, act);
            } else if (!full) {
              copyTile(cp, ldcB, t, NR * 4, mr, nr);
            }
          }
        }
      }
    }
  }
}

/** Rows [r0, r1) straight from unpacked B, for transB == 0 and fewer rows than one A panel
 *  (e.g. batch-1 inference), where packing B would cost more than the product itself.
 *  Each row is built in a scratch row `tmp` (ROW_CHUNK columns at a time, L1-resident) by
 *  axpy sweeps over B, four k at a time: tmp += a[k]*B[k] + a[k+1]*B[k+1] + ... added in
 *  k order, so B is streamed row by row with no packing and per element the arithmetic is
 *  exactly the blocked path's: sequential k from 0, then the same epilogue. */
function rowsDirect(transA: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  bias: usize, act: i32, beta: f32, r0: i32, r1: i32, c0: i32, c1: i32, tmp: usize): void {
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  const aStep: usize = transA == 0 ? 4 : ldaB; // bytes between A[i, k] and A[i, k+1]
  for (let i = r0; i < r1; i++) {
    const ai = transA == 0 ? a + <usize>i * ldaB : a + (<usize>i << 2);
    const ci = c + <usize>i * ldcB;
    for (let jc = c0; jc < c1; jc += ROW_CHUNK) {
      const w = min(ROW_CHUNK, c1 - jc);
      const wv = <usize>(w & ~3) << 2; // bytes covered by whole f32x4s
      memory.fill(tmp, 0, <usize>w << 2);
      let pa = ai;
      let p0 = b + (<usize>jc << 2);
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa + aStep);
        const x2 = v128.load32_splat(pa + 2 * aStep), x3 = v128.load32_splat(pa + 3 * aStep);
        const p1 = p0 + ldbB, p2 = p1 + ldbB, p3 = p2 + ldbB;
        for (let o: usize = 0; o < wv; o += 16) {
          let v = v128.load(tmp + o);
          v = madd(x0, v128.load(p0 + o), v);
          v = madd(x1, v128.load(p1 + o), v);
          v = madd(x2, v128.load(p2 + o), v);
          v = madd(x3, v128.load(p3 + o), v);
          v128.store(tmp + o, v);
        }
        for (let o = wv; o < (<usize>w << 2); o += 4) {
          let v = load<f32>(tmp + o);
          v = madd1(load<f32>(pa), load<f32>(p0 + o), v);
          v = madd1(load<f32>(pa + aStep), load<f32>(p1 + o), v);
          v = madd1(load<f32>(pa + 2 * aStep), load<f32>(p2 + o), v);
          v = madd1(load<f32>(pa + 3 * aStep), load<f32>(p3 + o), v);
          store<f32>(tmp + o, v);
        }
        pa += aStep << 2;
        p0 += ldbB << 2;
      }
      for (; k < K; k++) {
        const x = v128.load32_splat(pa);
        for (let o: usize = 0; o < wv; o += 16) {
          v128.store(tmp + o, madd(x, v128.load(p0 + o), v128.load(tmp + o)));
        }
        const xs = load<f32>(pa);
        for (let o = wv; o < (<usize>w << 2); o += 4) {
          store<f32>(tmp + o, madd1(xs, load<f32>(p0 + o), load<f32>(tmp + o)));
        }
        pa += aStep;
        p0 += ldbB;
      }
      epiRegion(tmp, 0, ci, 0, 1, jc, w, bias, act, beta);
    }
  }
}

/** C = act((s + beta*C) + bias) over a region with sums s read from `src` (0 means s = 0). */
function epiRegion(src: usize, ldsB: usize, c: usize, ldcB: usize, rows: i32, c0: i32, cols: i32,
  bias: usize, act: i32, beta: f32): void {
  for (let r = 0; r < rows; r++) {
    const sr = src + <usize>r * ldsB;
    const cr = c + <usize>r * ldcB + (<usize>c0 << 2);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const s: f32 = src != 0 ? load<f32>(sr + o) : 0;
      epiOne(s, cr + o, bias != 0 ? bias + (<usize>(c0 + j) << 2) : 0, act, beta);
    }
  }
}

/** C[i, j] = act( sum_k opA(A)[i,k] * opB(B)[k,j] + beta * C[i,j] + bias[j] ) over the given
 *  row/column range. See the header for layout, determinism and aliasing rules. */
export function gemmF32(transA: i32, transB: i32, M: i32, N: i32, K: i32,
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  bias: usize, act: i32, beta: f32, work: usize,
  rowStart: i32, rowEnd: i32, colStart: i32, colEnd: i32): void {
  if (rowStart < 0) rowStart = 0;
  if (colStart < 0) colStart = 0;
  if (rowEnd > M) rowEnd = M;
  if (colEnd > N) colEnd = N;
  if (rowStart >= rowEnd || colStart >= colEnd) return;
  const ldcB = <usize>ldc << 2;
  if (K <= 0) {
    // Empty sum: C = act((0 + beta*C) + bias).
    epiRegion(0, 0, c + <usize>rowStart * ldcB, ldcB, rowEnd - rowStart, colStart,
      colEnd - colStart, bias, act, beta);
    return;
  }
  if (transB == 0 && rowEnd - rowStart < MR) {
    rowsDirect(transA, K, a, lda, b, ldb, c, ldc, bias, act, beta,
      rowStart, rowEnd, colStart, colEnd, work + PB_OFF);
    return;
  }
  if (beta == 0 || K <= KC) {
    blocked(transA, transB, K, a, lda, b, ldb, c, ldc, bias, act, beta, work,
      rowStart, rowEnd, colStart, colEnd);
    return;
  }
  // beta != 0 with several K blocks: partial sums are parked in C, so save C_old per chunk,
  // compute the plain sums into C, then apply the epilogue from the saved copy.
  const save = work + SAVE_OFF;
  const ldsB = <usize>NC << 2;
  for (let ic = rowStart; ic < rowEnd; ic += SAVE_ROWS) {
    const mc = min(SAVE_ROWS, rowEnd - ic);
    for (let jc = colStart; jc < colEnd; jc += NC) {
      const nc = min(NC, colEnd - jc);
      const cb = c + <usize>ic * ldcB + (<usize>jc << 2);
      copyTile(save, ldsB, cb, ldcB, mc, nc);
      blocked(transA, transB, K, a, lda, b, ldb, c, ldc, 0, Act.Linear, 0, work,
        ic, ic + mc, jc, jc + nc);
      // C now holds s; v = (s + beta*C_old) + bias, then act.
      for (let r = 0; r < mc; r++) {
        const sr = save + <usize>r * ldsB;
        const cr = cb + <usize>r * ldcB;
        for (let j = 0; j < nc; j++) {
          const o = <usize>j << 2;
          let v = load<f32>(cr + o) + beta * load<f32>(sr + o);
          if (bias != 0) v = v + load<f32>(bias + (<usize>(jc + j) << 2));
          store<f32>(cr + o, actScalar(v, act));
        }
      }
    }
  }
}
