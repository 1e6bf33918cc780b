// Fused recurrent kernels: the whole sequence of an LSTM, GRU or SimpleRNN, forward and
// backward through time, runs in one call per batch-row range.
//
// Split of the work (src/ops/rnn.ts drives it):
//   - the input projection of every time step, xp = x W + b ([batch*T, in] x [in, G*units]),
//     is one big GEMM done before the call (the engine's fused.matMul), so these kernels only
//     see xp;
//   - forward (lstmForwardF32, gruForwardF32, simpleRnnForwardF32): for each step, the
//     recurrent product h_{t-1} R for the rows of the range (mmP below) and the gate
//     nonlinearities and state update, all in this module; the activated gates (and what else
//     backward needs) are stored per step, the "reserve";
//   - backward (lstmBackwardF32, ...): one call walks the sequence in reverse and produces, per
//     step, the gradient of the gate pre-activations dG (the gradient of xp), the (masked)
//     previous hidden state per step and dh0/dc0. The weight gradients (dR = Hprev^T dG,
//     dW = x^T dG, db = colsum dG, dx = dG W^T) are big GEMMs over all batch*T rows that the
//     op runs afterwards with the engine's tuned GEMM.
//
// Why batch-row ranges: rows of a batch never interact in a recurrence, so a thread pool can
// give each worker a block of rows and let it run the whole sequence with no synchronisation
// between steps. Every output element is computed by the same arithmetic whatever the range
// (mmP keeps each sum in k order in every path), so any split is bit-identical. Nothing
// here accumulates over the batch: the weight gradients are the GEMMs after the call.
//
// Layouts (f32, row-major, byte pointers): x-side arrays [B, T, n] are indexed by input time
// tin; with goBackwards step s reads input time tin = T-1-s, and the per-step outputs hs/cs
// [B, T, U] are indexed by step s (Keras: the output sequence of a backwards layer is in
// processing order). Gates are Keras order: LSTM i, f, c, o; GRU z, r, h.
// mask [B, T] (0 = skip the step: state and output carried over, as Keras/tfjs) and recMask
// [B, U] (recurrent dropout, multiplied into h_{t-1} before the recurrent product) are
// optional (pointer 0). Scratch (rp, hm, dhRec, ...) comes from the caller, row-indexed so
// that ranges never share any; nothing here allocates. The recurrent matrices arrive packed
// (rnnPackF32, once per call, shared read-only by all ranges).

import { fsplat } from './simdmath';
import { actRow, addRow, dact4, dactK, ld, SIGMOID, st, TANH } from './rnn_act';

// ---------------------------------------------------------------------------------------------
// The per-step product: C[r, 0:N] = sum_k A[r, k] * B[k, 0:N] (+ bias row) for r in [r0, r1).
// B is packed once per call (rnnPackF32, run by the TypeScript side before the sequence kernel)
// into 16-column panels, k-major: for each k the panel's 16 floats are one 64-byte line, so a
// row pair reads the packed matrix (256 KiB for 128 units, in L2 across the steps) as one
// sequential stream of whole lines. Unpacked, each k step read half lines 2 KiB apart, ~17%
// slower (scratch/lstm/mb: 16 rows, 80 steps, 128 x 512 and 512 x 128, one thread).
// Register tile 2 rows x 16 columns (8 accumulators, two A splats, one B vector at a time: the
// 4 x 8 tile needs four A rows and ran ~10% slower here). Each element is
// ((0 + a0*b0) + a1*b1) + ... in k order, then + bias, mul then add (no FMA); a lone last row
// runs as both rows of a pair (same values written twice to the same place) and padded panel
// columns are computed but never stored, so any cut of the rows gives bit-identical results.

/**
 * Packs B [K, N] into the panels mmP reads: element (k, n) at b + (k * sk + n * sn) floats, so
 * B is a row-major matrix (sk = its row stride, sn = 1) or the transpose of one (sk = 1, sn = its
 * row stride: the backward kernels pack R^T from R itself, no transposed copy). Panel p holds,
 * for k = 0..K-1, the 16 floats B[k, 16p .. 16p+15], zero past column N; panels [p0, p1) of
 * ceil(N / 16), panel p at dst + p * K * 64 bytes.
 */
export function rnnPackF32(b: usize, sk: i32, sn: i32, N: i32, K: i32, dst: usize, p0: i32, p1: i32): void {
  const skB = <usize>sk << 2;
  for (let p = p0; p < p1; p++) {
    const d0 = dst + (<usize>(p * K) << 6);
    if (sn == 1) {
      // rows of B: four vectors of a panel line at a time
      let s = b + (<usize>(p << 4) << 2);
      let d = d0;
      for (let k = 0; k < K; k++) {
        for (let q = 0; q < 16; q += 4) {
          const n = N - (p << 4) - q;
          v128.store(d + (<usize>q << 2), n > 0 ? ld(s + (<usize>q << 2), n) : f32x4.splat(0));
        }
        s += skB;
        d += 64;
      }
    } else {
      // columns of B (rows of the matrix it is the transpose of): one panel column at a time
      for (let q = 0; q < 16; q++) {
        const n = (p << 4) + q;
        let s = b + (<usize>(n * sn) << 2);
        let d = d0 + (<usize>q << 2);
        for (let k = 0; k < K; k++) {
          store<f32>(d, n < N ? load<f32>(s) : 0);
          s += skB;
          d += 64;
        }
      }
    }
  }
}

/**
 * The product over packed B (bp: panels pStride floats apart, K rows each used). bias: 0, a
 * shared row (ldbias 0) or one row per A row (ldbias floats apart: the LSTM's xp). A ragged
 * last panel (N not a multiple of 16) goes through tmp, a scratch of 16 floats per row
 * ([B, 16], row-indexed like the kernels' other scratch).
 */
function mmP(a: usize, lda: i32, bp: usize, pStride: i32, K: i32, c: usize, ldc: i32,
  bias: usize, ldbias: i32, N: i32, r0: i32, r1: i32, tmp: usize): void {
  const ldaB = <usize>lda << 2, ldcB = <usize>ldc << 2, lbB = <usize>ldbias << 2;
  const kB = <usize>K << 6;
  for (let r = r0; r < r1; r += 2) {
    const r2 = r + 1 < r1 ? r + 1 : r;
    const d = <usize>(r2 - r) * ldaB; // the second row's offset from the first (0: a lone row)
    for (let j = 0; j < N; j += 16) {
      const pj = bp + (<usize>(j >> 4) * <usize>pStride << 2);
      const nB = <usize>min(16, N - j) << 2;
      const jB = <usize>j << 2;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      let pa = a + <usize>r * ldaB;
      let pb = pj;
      const end = pj + kB;
      while (pb < end) {
        const x0 = v128.load32_splat(pa), x1 = v128.load32_splat(pa + d);
        let bv = v128.load(pb);
        s00 = f32x4.add(s00, f32x4.mul(x0, bv)); s10 = f32x4.add(s10, f32x4.mul(x1, bv));
        bv = v128.load(pb, 16);
        s01 = f32x4.add(s01, f32x4.mul(x0, bv)); s11 = f32x4.add(s11, f32x4.mul(x1, bv));
        bv = v128.load(pb, 32);
        s02 = f32x4.add(s02, f32x4.mul(x0, bv)); s12 = f32x4.add(s12, f32x4.mul(x1, bv));
        bv = v128.load(pb, 48);
        s03 = f32x4.add(s03, f32x4.mul(x0, bv)); s13 = f32x4.add(s13, f32x4.mul(x1, bv));
        pa += 4;
        pb += 64;
      }
      const ragged = nB < 64;
      const t0 = tmp + (<usize>r << 6), t1 = tmp + (<usize>r2 << 6);
      let c0 = c + <usize>r * ldcB + jB, c1 = c + <usize>r2 * ldcB + jB;
      if (bias != 0) {
        let b0 = bias + <usize>r * lbB + jB, b1 = bias + <usize>r2 * lbB + jB;
        if (ragged) {
          memory.fill(t0, 0, 64); memory.copy(t0, b0, nB);
          memory.fill(t1, 0, 64); memory.copy(t1, b1, nB);
          b0 = t0; b1 = t1;
        }
        s00 = f32x4.add(s00, v128.load(b0)); s01 = f32x4.add(s01, v128.load(b0, 16));
        s02 = f32x4.add(s02, v128.load(b0, 32)); s03 = f32x4.add(s03, v128.load(b0, 48));
        s10 = f32x4.add(s10, v128.load(b1)); s11 = f32x4.add(s11, v128.load(b1, 16));
        s12 = f32x4.add(s12, v128.load(b1, 32)); s13 = f32x4.add(s13, v128.load(b1, 48));
      }
      const d0 = ragged ? t0 : c0, d1 = ragged ? t1 : c1;
      v128.store(d0, s00); v128.store(d0, s01, 16); v128.store(d0, s02, 32); v128.store(d0, s03, 48);
      v128.store(d1, s10); v128.store(d1, s11, 16); v128.store(d1, s12, 32); v128.store(d1, s13, 48);
      if (ragged) {
        memory.copy(c0, t0, nB);
        memory.copy(c1, t1, nB);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shared step plumbing.

/** Address of h_{t-1} (or c_{t-1}) of row b before step s: the initial state or step s-1. */
// @ts-ignore: decorator
@inline function prevRow(init: usize, seq: usize, b: i32, s: i32, T: i32, U: i32): usize {
  return s == 0 ? init + (<usize>(b * U) << 2) : seq + (<usize>((b * T + s - 1) * U) << 2);
}

/** hm[b] = hprev[b] * recMask[b] for rows [r0, r1) (recurrent dropout). */
function maskRows(init: usize, seq: usize, recMask: usize, hm: usize, s: i32, T: i32, U: i32, r0: i32, r1: i32): void {
  for (let b = r0; b < r1; b++) {
    const hp = prevRow(init, seq, b, s, T, U);
    const rm = recMask + (<usize>(b * U) << 2);
    const o = hm + (<usize>(b * U) << 2);
    for (let j = 0; j < U; j += 4) {
      const n = min(4, U - j);
      const q = <usize>j << 2;
      st(o + q, f32x4.mul(ld(hp + q, n), ld(rm + q, n)), n);
    }
  }
}

// @ts-ignore: decorator
@inline function isMasked(mask: usize, b: i32, tin: i32, T: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>(b * T + tin) << 2)) == 0;
}

// ---------------------------------------------------------------------------------------------
// LSTM. Forward per step:  z = xp[tin] + h_{t-1} R;  i, f, o = recAct(z_i, z_f, z_o);
// g = act(z_c);  c = f*c_{t-1} + i*g;  h = o*act(c).  Reserve: gates (i, f, g, o activated,
// [B, T, 4U] by tin) and cs (c per step). rkP: R [U, 4U] packed by rnnPackF32; hm: scratch
// [B, U] (recMask only).

export function lstmForwardF32(xp: usize, rkP: usize, h0: usize, c0: usize, mask: usize, recMask: usize,
  hs: usize, cs: usize, gates: usize, hm: usize,
  tmp: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 4 * U;
  const uB = <usize>U << 2;
  // Rows never interact, so each pair of rows runs the whole sequence on its own: its rows of
  // xp, gates, hs and cs are then read and written as long sequential streams (row-major
  // [B, T, n]), not a few hundred bytes a row per step at 160 KiB strides.
  for (let rb = r0; rb < r1; rb += 2) {
    const re = min(rb + 2, r1);
    for (let s = 0; s < T; s++) {
      const tin = goBack != 0 ? T - 1 - s : s;
      let a: usize, lda: i32;
      if (recMask != 0) {
        maskRows(h0, hs, recMask, hm, s, T, U, rb, re);
        a = hm; lda = U;
      } else if (s == 0) {
        a = h0; lda = U;
      } else {
        a = hs + (<usize>((s - 1) * U) << 2); lda = T * U;
      }
      const gt = <usize>(tin * G) << 2;
      // The gate pre-activations h_{t-1} R + xp[tin] straight into `gates` (xp as a per-row
      // bias), then the cell update while they are in L1.
      mmP(a, lda, rkP, U * 16, U, gates + gt, T * G, xp + gt, T * G, G, rb, re, tmp);
      for (let b = rb; b < re; b++) {
        const hp = prevRow(h0, hs, b, s, T, U);
        const cp = prevRow(c0, cs, b, s, T, U);
        const ho = hs + (<usize>((b * T + s) * U) << 2);
        const co = cs + (<usize>((b * T + s) * U) << 2);
        const gr = gates + (<usize>((b * T + tin) * G) << 2);
        if (isMasked(mask, b, tin, T)) {
          memory.copy(ho, hp, uB);
          memory.copy(co, cp, uB);
          memory.fill(gr, 0, uB * 4);
          continue;
        }
        // Row by row: the gates activated in place (i and f are adjacent), then c, act(c) into
        // h, and h = o * act(c).
        actRow(gr, gr, 2 * U, recAct);
        actRow(gr + 2 * uB, gr + 2 * uB, U, act);
        actRow(gr + 3 * uB, gr + 3 * uB, U, recAct);
        for (let j = 0; j < U; j += 4) {
          const n = min(4, U - j);
          const q = <usize>j << 2;
          const c = f32x4.add(f32x4.mul(ld(gr + uB + q, n), ld(cp + q, n)), f32x4.mul(ld(gr + q, n), ld(gr + 2 * uB + q, n)));
          st(co + q, c, n);
        }
        actRow(co, ho, U, act);
        for (let j = 0; j < U; j += 4) {
          const n = min(4, U - j);
          const q = <usize>j << 2;
          st(ho + q, f32x4.mul(ld(gr + 3 * uB + q, n), ld(ho + q, n)), n);
        }
      }
    }
  }
}

/**
 * dG, the carried dc and hprev of one row for units [j0, j1) (see lstmBackwardF32). `known`
 * (a constant at each call): act and recAct are constants too and j1 - j0 a multiple of 4.
 */
// @ts-ignore: decorator
@inline function lstmBackVecs(j0: i32, j1: i32, U: i32, gr: usize, tcr: usize, dhb: usize, dcb: usize,
  cp: usize, dgr: usize, hp: usize, hpo: usize, rm: usize, recMask: usize, act: i32, recAct: i32,
  known: bool): void {
  const uB = <usize>U << 2;
  for (let j = j0; j < j1; j += 4) {
    const n = known ? 4 : min(4, U - j);
    const q = <usize>j << 2;
    const i = ld(gr + q, n), f = ld(gr + uB + q, n), g = ld(gr + 2 * uB + q, n), o = ld(gr + 3 * uB + q, n);
    const tc = ld(tcr + q, n);
    const dhv = ld(dhb + q, n);
    const dcv = f32x4.add(ld(dcb + q, n), f32x4.mul(f32x4.mul(dhv, o), dactK(tc, act, known)));
    const dzi = f32x4.mul(f32x4.mul(dcv, g), dactK(i, recAct, known));
    const dzf = f32x4.mul(f32x4.mul(dcv, ld(cp + q, n)), dactK(f, recAct, known));
    const dzg = f32x4.mul(f32x4.mul(dcv, i), dactK(g, act, known));
    const dzo = f32x4.mul(f32x4.mul(dhv, tc), dactK(o, recAct, known));
    st(dgr + q, dzi, n);
    st(dgr + uB + q, dzf, n);
    st(dgr + 2 * uB + q, dzg, n);
    st(dgr + 3 * uB + q, dzo, n);
    st(dcb + q, f32x4.mul(dcv, f), n);
    const hv = ld(hp + q, n);
    st(hpo + q, recMask != 0 ? f32x4.mul(hv, ld(rm + q, n)) : hv, n);
  }
}

/**
 * LSTM backward through time. dhs, dcs [B, T, U]: gradients of the per-step h and c outputs; with
 * lastOnly [B, 1, U], the gradients of the last step's outputs (zeros at every other step: the
 * layer returned only its final h and c, and nothing pads them to [B, T, U]).
 * Writes dG [B, T, 4U] (gradient of xp, by tin), hprev [B, T, U] (h_{t-1} * recMask by tin, the
 * left operand of dR = hprev^T dG), dh/dc [B, U] (carried, finally dh0/dc0), and where dbr is not
 * 0, dbr [B, 4U]: each row's dG summed over its steps (newest first), so that the bias gradient is
 * a sum over B rows, not over B*T rows of dG read back from memory. rkTP: R^T [4U, U] packed by
 * rnnPackF32; dhRec: scratch [B, U].
 */
export function lstmBackwardF32(rkTP: usize, h0: usize, c0: usize, mask: usize, recMask: usize,
  hs: usize, cs: usize, gates: usize, dhs: usize, dcs: usize,
  dG: usize, hprev: usize, dh: usize, dc: usize, dbr: usize, dhRec: usize,
  tmp: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, lastOnly: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 4 * U;
  const uB = <usize>U << 2;
  memory.fill(dh + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  memory.fill(dc + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  if (dbr != 0) memory.fill(dbr + <usize>r0 * uB * 4, 0, <usize>(r1 - r0) * uB * 4);
  const direct = mask == 0 && recMask == 0;
  // Each pair of rows runs the whole sequence on its own (as forward): per step dG of the step,
  // then dh_{t-1} = dG_t R^T (times the recurrent dropout mask) for the rows that ran it,
  // straight into dh when every row ran it unmasked.
  for (let rb = r0; rb < r1; rb += 2) {
    const re = min(rb + 2, r1);
    for (let s = T - 1; s >= 0; s--) {
      const tin = goBack != 0 ? T - 1 - s : s;
      for (let b = rb; b < re; b++) {
        const off = <usize>((b * T + s) * U) << 2;
        const dhb = dh + <usize>b * uB;
        const dcb = dc + <usize>b * uB;
        const dgr = dG + (<usize>((b * T + tin) * G) << 2);
        const hpo = hprev + (<usize>((b * T + tin) * U) << 2);
        // dh and dc of this step's outputs join the carried gradients.
        if (lastOnly == 0 || s == T - 1) {
          const od = lastOnly != 0 ? <usize>b * uB : off;
          for (let j = 0; j < U; j += 4) {
            const n = min(4, U - j);
            const q = <usize>j << 2;
            st(dhb + q, f32x4.add(ld(dhb + q, n), ld(dhs + od + q, n)), n);
            st(dcb + q, f32x4.add(ld(dcb + q, n), ld(dcs + od + q, n)), n);
          }
        }
        if (isMasked(mask, b, tin, T)) {
          // A skipped step passed its state through: so do the gradients.
          memory.fill(dgr, 0, uB * 4);
          memory.fill(hpo, 0, uB);
          continue;
        }
        const hp = prevRow(h0, hs, b, s, T, U);
        const cp = prevRow(c0, cs, b, s, T, U);
        const gr = gates + (<usize>((b * T + tin) * G) << 2);
        const rm = recMask + <usize>b * uB;
        // act(c) of the step into this row of dhRec (free until the product below writes it).
        const tcr = dhRec + <usize>b * uB;
        actRow(cs + off, tcr, U, act);
        // Keras' defaults (tanh, sigmoid) over whole vectors with the derivatives inlined, then
        // the rest (other activations, the 1..3 tail) through calls: same arithmetic per lane.
        let j = 0;
        if (act == TANH && recAct == SIGMOID) {
          j = U & ~3;
          lstmBackVecs(0, j, U, gr, tcr, dhb, dcb, cp, dgr, hp, hpo, rm, recMask, TANH, SIGMOID, true);
        }
        lstmBackVecs(j, U, U, gr, tcr, dhb, dcb, cp, dgr, hp, hpo, rm, recMask, act, recAct, false);
        if (dbr != 0) addRow(dbr + <usize>b * uB * 4, dgr, dbr + <usize>b * uB * 4, G);
      }
      mmP(dG + (<usize>(tin * G) << 2), T * G, rkTP, G * 16, G, direct ? dh : dhRec, U, 0, 0, U, rb, re, tmp);
      if (!direct) for (let b = rb; b < re; b++) {
        if (isMasked(mask, b, tin, T)) continue;
        const src = dhRec + <usize>b * uB;
        const dst = dh + <usize>b * uB;
        if (recMask == 0) {
          memory.copy(dst, src, uB);
        } else {
          const rm = recMask + <usize>b * uB;
          for (let j = 0; j < U; j += 4) {
            const n = min(4, U - j);
            const q = <usize>j << 2;
            st(dst + q, f32x4.mul(ld(src + q, n), ld(rm + q, n)), n);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GRU. resetAfter (Keras 2/3 default, the cuDNN form):
//   rp = hm R + b_rec;  z = recAct(xz + rp_z);  r = recAct(xr + rp_r);  hh = act(xh + r * rp_h)
// resetAfter = 0 (Keras 1, tfjs-layers):
//   rp_zr = hm R_zr;  z, r as above;  hh = act(xh + (r * hm) R_h)
// and h = z * h_{t-1} + (1 - z) * hh, with hm = h_{t-1} (* recMask). Reserve: gates (z, r, hh
// activated, [B, T, 3U] by tin) and recH [B, T, U] by tin: rp_h (resetAfter) or r * hm.
// rkP: R [U, 3U] packed by rnnPackF32 (all 3U columns); rkhP (resetAfter = 0 only): R_h, its
// last U columns, packed on their own.

export function gruForwardF32(xp: usize, rkP: usize, rkhP: usize, rbias: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, gates: usize, recH: usize, rp: usize, hm: usize,
  tmp: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, resetAfter: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 3 * U;
  const uB = <usize>U << 2;
  const Nzr = resetAfter != 0 ? G : 2 * U;
  for (let s = 0; s < T; s++) {
    const tin = goBack != 0 ? T - 1 - s : s;
    let a: usize, lda: i32;
    if (recMask != 0) {
      maskRows(h0, hs, recMask, hm, s, T, U, r0, r1);
      a = hm; lda = U;
    } else if (s == 0) {
      a = h0; lda = U;
    } else {
      a = hs + (<usize>((s - 1) * U) << 2); lda = T * U;
    }
    mmP(a, lda, rkP, U * 16, U, rp, G, resetAfter != 0 ? rbias : 0, 0, Nzr, r0, r1, tmp);
    // z and r (and, without resetAfter, r * hm and its product with R_h), row by row.
    for (let b = r0; b < r1; b++) {
      if (isMasked(mask, b, tin, T)) continue;
      const gr = gates + (<usize>((b * T + tin) * G) << 2);
      addRow(xp + (<usize>((b * T + tin) * G) << 2), rp + (<usize>(b * G) << 2), gr, 2 * U);
      actRow(gr, gr, 2 * U, recAct);
      if (resetAfter == 0) {
        const hr = recH + (<usize>((b * T + tin) * U) << 2);
        const ar = a + (<usize>(b * lda) << 2);
        for (let j = 0; j < U; j += 4) {
          const n = min(4, U - j);
          const q = <usize>j << 2;
          st(hr + q, f32x4.mul(ld(gr + uB + q, n), ld(ar + q, n)), n);
        }
      }
    }
    if (resetAfter == 0) {
      // Masked rows of recH hold stale values here; their product row is never used.
      mmP(recH + (<usize>(tin * U) << 2), T * U, rkhP, U * 16, U, rp + (<usize>(2 * U) << 2), G, 0, 0, U, r0, r1, tmp);
    }
    for (let b = r0; b < r1; b++) {
      const hp = prevRow(h0, hs, b, s, T, U);
      const ho = hs + (<usize>((b * T + s) * U) << 2);
      const gr = gates + (<usize>((b * T + tin) * G) << 2);
      const hr = recH + (<usize>((b * T + tin) * U) << 2);
      if (isMasked(mask, b, tin, T)) {
        memory.copy(ho, hp, uB);
        memory.fill(gr, 0, uB * 3);
        memory.fill(hr, 0, uB);
        continue;
      }
      const xr = xp + (<usize>((b * T + tin) * G) << 2);
      const pr = rp + (<usize>(b * G) << 2);
      // the candidate's pre-activation into its gate slot, activated in place, then h
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        const rph = ld(pr + 2 * uB + q, n);
        if (resetAfter != 0) {
          st(gr + 2 * uB + q, f32x4.add(ld(xr + 2 * uB + q, n), f32x4.mul(ld(gr + uB + q, n), rph)), n);
          st(hr + q, rph, n);
        } else {
          st(gr + 2 * uB + q, f32x4.add(ld(xr + 2 * uB + q, n), rph), n);
        }
      }
      actRow(gr + 2 * uB, gr + 2 * uB, U, act);
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        const z = ld(gr + q, n);
        const hh = ld(gr + 2 * uB + q, n);
        // h = z*hp + (1 - z)*hh
        st(ho + q, f32x4.add(f32x4.mul(z, ld(hp + q, n)), f32x4.mul(f32x4.sub(fsplat(1.0), z), hh)), n);
      }
    }
  }
}

/**
 * GRU backward through time. Writes dGx [B, T, 3U] (gradient of xp), dGr [B, T, 3U] (gradient
 * of the recurrent pre-activations rp: differs from dGx in its h block when resetAfter; unused
 * otherwise), hprev [B, T, U] (hm by tin), dh [B, U] (dh0). rkTP: R^T [3U, U] packed. Scratch [B, U]:
 * dhRec, drh (resetAfter = 0: the gradient of r * hm).
 */
export function gruBackwardF32(rkTP: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, gates: usize, recH: usize, dhs: usize,
  dGx: usize, dGr: usize, hprev: usize, dh: usize, dhRec: usize, drh: usize,
  tmp: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, resetAfter: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 3 * U;
  const uB = <usize>U << 2;
  memory.fill(dh + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  for (let s = T - 1; s >= 0; s--) {
    const tin = goBack != 0 ? T - 1 - s : s;
    // Phase 1: dz, dhh -> dzz, dzh (and with resetAfter everything of the step).
    for (let b = r0; b < r1; b++) {
      const off = <usize>((b * T + s) * U) << 2;
      const dhb = dh + <usize>b * uB;
      const dxr = dGx + (<usize>((b * T + tin) * G) << 2);
      const drr = dGr + (<usize>((b * T + tin) * G) << 2);
      const hpo = hprev + (<usize>((b * T + tin) * U) << 2);
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        st(dhb + q, f32x4.add(ld(dhb + q, n), ld(dhs + off + q, n)), n);
      }
      if (isMasked(mask, b, tin, T)) {
        memory.fill(dxr, 0, uB * 3);
        memory.fill(drr, 0, uB * 3);
        memory.fill(hpo, 0, uB);
        continue;
      }
      const hp = prevRow(h0, hs, b, s, T, U);
      const gr = gates + (<usize>((b * T + tin) * G) << 2);
      const hr = recH + (<usize>((b * T + tin) * U) << 2);
      const rm = recMask + <usize>b * uB;
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        const z = ld(gr + q, n), r = ld(gr + uB + q, n), hh = ld(gr + 2 * uB + q, n);
        const dhv = ld(dhb + q, n);
        const hpv = ld(hp + q, n);
        const dzz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(hpv, hh)), dact4(z, recAct));
        const dzh = f32x4.mul(f32x4.mul(dhv, f32x4.sub(fsplat(1.0), z)), dact4(hh, act));
        st(dxr + q, dzz, n);
        st(dxr + 2 * uB + q, dzh, n);
        st(hpo + q, recMask != 0 ? f32x4.mul(hpv, ld(rm + q, n)) : hpv, n);
        if (resetAfter != 0) {
          const dzr = f32x4.mul(f32x4.mul(dzh, ld(hr + q, n)), dact4(r, recAct));
          st(dxr + uB + q, dzr, n);
          st(drr + q, dzz, n);
          st(drr + uB + q, dzr, n);
          st(drr + 2 * uB + q, f32x4.mul(dzh, r), n);
        }
      }
    }
    if (resetAfter != 0) {
      mmP(dGr + (<usize>(tin * G) << 2), T * G, rkTP, G * 16, G, dhRec, U, 0, 0, U, r0, r1, tmp);
    } else {
      // d(r * hm) = dzh R_h^T, then dzr, then the z/r part of dhm.
      mmP(dGx + (<usize>(tin * G + 2 * U) << 2), T * G, rkTP + (<usize>(2 * U * 16) << 2), G * 16, U, drh, U, 0, 0, U, r0, r1, tmp);
      for (let b = r0; b < r1; b++) {
        if (isMasked(mask, b, tin, T)) continue;
        const dxr = dGx + (<usize>((b * T + tin) * G) << 2);
        const drr = dGr + (<usize>((b * T + tin) * G) << 2);
        const gr = gates + (<usize>((b * T + tin) * G) << 2);
        const hpo = hprev + (<usize>((b * T + tin) * U) << 2);
        const dr = drh + <usize>b * uB;
        for (let j = 0; j < U; j += 4) {
          const n = min(4, U - j);
          const q = <usize>j << 2;
          const r = ld(gr + uB + q, n);
          const dzr = f32x4.mul(f32x4.mul(ld(dr + q, n), ld(hpo + q, n)), dact4(r, recAct));
          st(dxr + uB + q, dzr, n);
          // keep dGr equal to dGx (documented contract), cheap
          st(drr + q, ld(dxr + q, n), n);
          st(drr + uB + q, dzr, n);
          st(drr + 2 * uB + q, ld(dxr + 2 * uB + q, n), n);
        }
      }
      mmP(dGx + (<usize>(tin * G) << 2), T * G, rkTP, G * 16, 2 * U, dhRec, U, 0, 0, U, r0, r1, tmp);
    }
    // dh_{t-1} = dhm * recMask + dh * z  (+ d(r*hm) * r * recMask without resetAfter)
    for (let b = r0; b < r1; b++) {
      if (isMasked(mask, b, tin, T)) continue;
      const gr = gates + (<usize>((b * T + tin) * G) << 2);
      const dhb = dh + <usize>b * uB;
      const src = dhRec + <usize>b * uB;
      const dr = drh + <usize>b * uB;
      const rm = recMask + <usize>b * uB;
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        let dhm = ld(src + q, n);
        if (resetAfter == 0) dhm = f32x4.add(dhm, f32x4.mul(ld(dr + q, n), ld(gr + uB + q, n)));
        if (recMask != 0) dhm = f32x4.mul(dhm, ld(rm + q, n));
        st(dhb + q, f32x4.add(dhm, f32x4.mul(ld(dhb + q, n), ld(gr + q, n))), n);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SimpleRNN: h = act(xp[tin] + hm R). No reserve beyond hs (act' comes from h).

export function simpleRnnForwardF32(xp: usize, rkP: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, rp: usize, hm: usize, tmp: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const uB = <usize>U << 2;
  for (let s = 0; s < T; s++) {
    const tin = goBack != 0 ? T - 1 - s : s;
    if (recMask != 0) {
      maskRows(h0, hs, recMask, hm, s, T, U, r0, r1);
      mmP(hm, U, rkP, U * 16, U, rp, U, 0, 0, U, r0, r1, tmp);
    } else if (s == 0) {
      mmP(h0, U, rkP, U * 16, U, rp, U, 0, 0, U, r0, r1, tmp);
    } else {
      mmP(hs + (<usize>((s - 1) * U) << 2), T * U, rkP, U * 16, U, rp, U, 0, 0, U, r0, r1, tmp);
    }
    for (let b = r0; b < r1; b++) {
      const ho = hs + (<usize>((b * T + s) * U) << 2);
      if (isMasked(mask, b, tin, T)) {
        memory.copy(ho, prevRow(h0, hs, b, s, T, U), uB);
        continue;
      }
      addRow(xp + (<usize>((b * T + tin) * U) << 2), rp + <usize>b * uB, ho, U);
      actRow(ho, ho, U, act);
    }
  }
}

/** SimpleRNN backward: dG [B, T, U] by tin, hprev [B, T, U] by tin, dh [B, U]; rkTP = R^T packed. */
export function simpleRnnBackwardF32(rkTP: usize, h0: usize, mask: usize, recMask: usize, hs: usize, dhs: usize,
  dG: usize, hprev: usize, dh: usize, dhRec: usize,
  tmp: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const uB = <usize>U << 2;
  memory.fill(dh + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  for (let s = T - 1; s >= 0; s--) {
    const tin = goBack != 0 ? T - 1 - s : s;
    for (let b = r0; b < r1; b++) {
      const off = <usize>((b * T + s) * U) << 2;
      const dhb = dh + <usize>b * uB;
      const dgr = dG + (<usize>((b * T + tin) * U) << 2);
      const hpo = hprev + (<usize>((b * T + tin) * U) << 2);
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        st(dhb + q, f32x4.add(ld(dhb + q, n), ld(dhs + off + q, n)), n);
      }
      if (isMasked(mask, b, tin, T)) {
        memory.fill(dgr, 0, uB);
        memory.fill(hpo, 0, uB);
        continue;
      }
      const hp = prevRow(h0, hs, b, s, T, U);
      const rm = recMask + <usize>b * uB;
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        st(dgr + q, f32x4.mul(ld(dhb + q, n), dact4(ld(hs + off + q, n), act)), n);
        const hv = ld(hp + q, n);
        st(hpo + q, recMask != 0 ? f32x4.mul(hv, ld(rm + q, n)) : hv, n);
      }
    }
    mmP(dG + (<usize>(tin * U) << 2), T * U, rkTP, U * 16, U, dhRec, U, 0, 0, U, r0, r1, tmp);
    for (let b = r0; b < r1; b++) {
      if (isMasked(mask, b, tin, T)) continue;
      const src = dhRec + <usize>b * uB;
      const dst = dh + <usize>b * uB;
      if (recMask == 0) {
        memory.copy(dst, src, uB);
      } else {
        const rm = recMask + <usize>b * uB;
        for (let j = 0; j < U; j += 4) {
          const n = min(4, U - j);
          const q = <usize>j << 2;
          st(dst + q, f32x4.mul(ld(src + q, n), ld(rm + q, n)), n);
        }
      }
    }
  }
}
