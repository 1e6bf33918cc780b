// Fused recurrent kernels: the whole sequence of an LSTM, GRU or SimpleRNN, forward and
// backward through time, runs in one call per batch-row range.
//
// Split of the work (src/ops/rnn.ts drives it):
//   - the input projection of every time step, xp = x W + b ([batch*T, in] x [in, G*units]),
//     is one big GEMM done before the call (the engine's fused.matMul), so these kernels only
//     see xp;
//   - forward (lstmForwardF32, gruForwardF32, simpleRnnForwardF32): for each step, the
//     recurrent product h_{t-1} R for the rows of the range (mmRows below) and the gate
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
// (mmRows keeps each sum in k order in every path), so any split is bit-identical. Nothing
// here accumulates over the batch: the weight gradients are the GEMMs after the call.
//
// Layouts (f32, row-major, byte pointers): x-side arrays [B, T, n] are indexed by input time
// tin; with goBackwards step s reads input time tin = T-1-s, and the per-step outputs hs/cs
// [B, T, U] are indexed by step s (Keras: the output sequence of a backwards layer is in
// processing order). Gates are Keras order: LSTM i, f, c, o; GRU z, r, h.
// mask [B, T] (0 = skip the step: state and output carried over, as Keras/tfjs) and recMask
// [B, U] (recurrent dropout, multiplied into h_{t-1} before the recurrent product) are
// optional (pointer 0). Scratch (rp, hm, dhRec, ...) comes from the caller, row-indexed so
// that ranges never share any; nothing here allocates.

import { fsplat } from './simdmath';
import { act4, actRow, addRow, dact4, ld, st } from './rnn_act';

// ---------------------------------------------------------------------------------------------
// The per-step product: C[r, 0:N] = sum_k A[r, k] * B[k, 0:N] (+ bias[0:N]) for r in [r0, r1).
// B is used unpacked (row stride ldb): it is small (units x G*units), stays in L2 across the
// steps, and packing it every step would cost as much as the product for a batch of 32.
// Register tile 4 rows x 8 columns (8 accumulators, as the GEMM micro-kernel); every path
// computes each element as ((0 + a0*b0) + a1*b1) + ... in k order, then + bias: mul then add,
// no FMA, so 4-row, 1-row, vector and scalar paths agree bit for bit.

function mmRows(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, bias: usize,
  N: i32, K: i32, r0: i32, r1: i32): void {
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const a0 = a + <usize>r * ldaB;
    const c0 = c + <usize>r * ldcB;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0), s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      let pa = a0;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(pa);
        const x1 = v128.load32_splat(pa + ldaB);
        const x2 = v128.load32_splat(pa + 2 * ldaB);
        const x3 = v128.load32_splat(pa + 3 * ldaB);
        s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        pa += 4;
        pb += ldbB;
      }
      if (bias != 0) {
        const bb0 = v128.load(bias + (<usize>j << 2)), bb1 = v128.load(bias + (<usize>j << 2), 16);
        s00 = f32x4.add(s00, bb0); s01 = f32x4.add(s01, bb1);
        s10 = f32x4.add(s10, bb0); s11 = f32x4.add(s11, bb1);
        s20 = f32x4.add(s20, bb0); s21 = f32x4.add(s21, bb1);
        s30 = f32x4.add(s30, bb0); s31 = f32x4.add(s31, bb1);
      }
      const pc = c0 + (<usize>j << 2);
      v128.store(pc, s00); v128.store(pc, s01, 16);
      v128.store(pc + ldcB, s10); v128.store(pc + ldcB, s11, 16);
      v128.store(pc + 2 * ldcB, s20); v128.store(pc + 2 * ldcB, s21, 16);
      v128.store(pc + 3 * ldcB, s30); v128.store(pc + 3 * ldcB, s31, 16);
    }
    // Column tail (< 8): one row at a time through the 1-row path.
    if (j < N) mmOneRowCols(a0, ldaB, b, ldbB, c0, ldcB, bias, j, N, K, 4);
  }
  for (; r < r1; r++) {
    mmOneRowCols(a + <usize>r * ldaB, ldaB, b, ldbB, c + <usize>r * ldcB, ldcB, bias, 0, N, K, 1);
  }
}

/** Columns [j0, N) of `rows` consecutive rows, one row at a time (same arithmetic as the tile). */
function mmOneRowCols(a: usize, ldaB: usize, b: usize, ldbB: usize, c: usize, ldcB: usize, bias: usize,
  j0: i32, N: i32, K: i32, rows: i32): void {
  for (let i = 0; i < rows; i++) {
    const ai = a + <usize>i * ldaB;
    const ci = c + <usize>i * ldcB;
    let j = j0;
    for (; j + 8 <= N; j += 8) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(ai + (<usize>k << 2));
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb, 16)));
        pb += ldbB;
      }
      if (bias != 0) {
        s0 = f32x4.add(s0, v128.load(bias + (<usize>j << 2)));
        s1 = f32x4.add(s1, v128.load(bias + (<usize>j << 2), 16));
      }
      v128.store(ci + (<usize>j << 2), s0);
      v128.store(ci + (<usize>j << 2), s1, 16);
    }
    for (; j < N; j += 4) {
      const n = min(4, N - j);
      let s0 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(ai + (<usize>k << 2));
        s0 = f32x4.add(s0, f32x4.mul(x, ld(pb, n)));
        pb += ldbB;
      }
      if (bias != 0) s0 = f32x4.add(s0, ld(bias + (<usize>j << 2), n));
      st(ci + (<usize>j << 2), s0, n);
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
// [B, T, 4U] by tin) and cs (c per step). rp: scratch [B, 4U]; hm: scratch [B, U] (recMask only).

export function lstmForwardF32(xp: usize, rk: usize, h0: usize, c0: usize, mask: usize, recMask: usize,
  hs: usize, cs: usize, gates: usize, rp: usize, hm: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 4 * U;
  const uB = <usize>U << 2;
  for (let s = 0; s < T; s++) {
    const tin = goBack != 0 ? T - 1 - s : s;
    if (recMask != 0) {
      maskRows(h0, hs, recMask, hm, s, T, U, r0, r1);
      mmRows(hm, U, rk, G, rp, G, 0, G, U, r0, r1);
    } else if (s == 0) {
      mmRows(h0, U, rk, G, rp, G, 0, G, U, r0, r1);
    } else {
      mmRows(hs + (<usize>((s - 1) * U) << 2), T * U, rk, G, rp, G, 0, G, U, r0, r1);
    }
    for (let b = r0; b < r1; b++) {
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
      // Row by row: the gate pre-activations into `gates`, activated in place (i and f are
      // adjacent), then c, act(c) into h, and h = o * act(c).
      addRow(xp + (<usize>((b * T + tin) * G) << 2), rp + (<usize>(b * G) << 2), gr, G);
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

/**
 * LSTM backward through time. dhs, dcs [B, T, U]: gradients of the per-step h and c outputs.
 * Writes dG [B, T, 4U] (gradient of xp, by tin), hprev [B, T, U] (h_{t-1} * recMask by tin, the
 * left operand of dR = hprev^T dG), dh/dc [B, U] (carried, finally dh0/dc0). rkT: R transposed
 * [4U, U]; dhRec: scratch [B, U].
 */
export function lstmBackwardF32(rkT: usize, h0: usize, c0: usize, mask: usize, recMask: usize,
  hs: usize, cs: usize, gates: usize, dhs: usize, dcs: usize,
  dG: usize, hprev: usize, dh: usize, dc: usize, dhRec: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const G = 4 * U;
  const uB = <usize>U << 2;
  memory.fill(dh + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  memory.fill(dc + <usize>r0 * uB, 0, <usize>(r1 - r0) * uB);
  for (let s = T - 1; s >= 0; s--) {
    const tin = goBack != 0 ? T - 1 - s : s;
    for (let b = r0; b < r1; b++) {
      const off = <usize>((b * T + s) * U) << 2;
      const dhb = dh + <usize>b * uB;
      const dcb = dc + <usize>b * uB;
      const dgr = dG + (<usize>((b * T + tin) * G) << 2);
      const hpo = hprev + (<usize>((b * T + tin) * U) << 2);
      // dh and dc of this step's outputs join the carried gradients.
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        st(dhb + q, f32x4.add(ld(dhb + q, n), ld(dhs + off + q, n)), n);
        st(dcb + q, f32x4.add(ld(dcb + q, n), ld(dcs + off + q, n)), n);
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
      for (let j = 0; j < U; j += 4) {
        const n = min(4, U - j);
        const q = <usize>j << 2;
        const i = ld(gr + q, n), f = ld(gr + uB + q, n), g = ld(gr + 2 * uB + q, n), o = ld(gr + 3 * uB + q, n);
        const tc = act4(ld(cs + off + q, n), act);
        const dhv = ld(dhb + q, n);
        const dcv = f32x4.add(ld(dcb + q, n), f32x4.mul(f32x4.mul(dhv, o), dact4(tc, act)));
        const dzi = f32x4.mul(f32x4.mul(dcv, g), dact4(i, recAct));
        const dzf = f32x4.mul(f32x4.mul(dcv, ld(cp + q, n)), dact4(f, recAct));
        const dzg = f32x4.mul(f32x4.mul(dcv, i), dact4(g, act));
        const dzo = f32x4.mul(f32x4.mul(dhv, tc), dact4(o, recAct));
        st(dgr + q, dzi, n);
        st(dgr + uB + q, dzf, n);
        st(dgr + 2 * uB + q, dzg, n);
        st(dgr + 3 * uB + q, dzo, n);
        st(dcb + q, f32x4.mul(dcv, f), n);
        const hv = ld(hp + q, n);
        st(hpo + q, recMask != 0 ? f32x4.mul(hv, ld(rm + q, n)) : hv, n);
      }
    }
    // dh_{t-1} = dG_t R^T (times the recurrent dropout mask) for the rows that ran the step.
    mmRows(dG + (<usize>(tin * G) << 2), T * G, rkT, U, dhRec, U, 0, U, G, r0, r1);
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

// ---------------------------------------------------------------------------------------------
// GRU. resetAfter (Keras 2/3 default, the cuDNN form):
//   rp = hm R + b_rec;  z = recAct(xz + rp_z);  r = recAct(xr + rp_r);  hh = act(xh + r * rp_h)
// resetAfter = 0 (Keras 1, tfjs-layers):
//   rp_zr = hm R_zr;  z, r as above;  hh = act(xh + (r * hm) R_h)
// and h = z * h_{t-1} + (1 - z) * hh, with hm = h_{t-1} (* recMask). Reserve: gates (z, r, hh
// activated, [B, T, 3U] by tin) and recH [B, T, U] by tin: rp_h (resetAfter) or r * hm.

export function gruForwardF32(xp: usize, rk: usize, rbias: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, gates: usize, recH: usize, rp: usize, hm: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, resetAfter: i32, r0: i32, r1: i32): void {
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
    mmRows(a, lda, rk, G, rp, G, resetAfter != 0 ? rbias : 0, Nzr, U, r0, r1);
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
      mmRows(recH + (<usize>(tin * U) << 2), T * U, rk + (<usize>(2 * U) << 2), G,
        rp + (<usize>(2 * U) << 2), G, 0, U, U, r0, r1);
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
 * otherwise), hprev [B, T, U] (hm by tin), dh [B, U] (dh0). rkT: R^T [3U, U]. Scratch [B, U]:
 * dhRec, drh (resetAfter = 0: the gradient of r * hm).
 */
export function gruBackwardF32(rkT: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, gates: usize, recH: usize, dhs: usize,
  dGx: usize, dGr: usize, hprev: usize, dh: usize, dhRec: usize, drh: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, recAct: i32, resetAfter: i32, r0: i32, r1: i32): void {
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
      mmRows(dGr + (<usize>(tin * G) << 2), T * G, rkT, U, dhRec, U, 0, U, G, r0, r1);
    } else {
      // d(r * hm) = dzh R_h^T, then dzr, then the z/r part of dhm.
      mmRows(dGx + (<usize>(tin * G + 2 * U) << 2), T * G, rkT + (<usize>(2 * U * U) << 2), U, drh, U, 0, U, U, r0, r1);
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
      mmRows(dGx + (<usize>(tin * G) << 2), T * G, rkT, U, dhRec, U, 0, U, 2 * U, r0, r1);
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

export function simpleRnnForwardF32(xp: usize, rk: usize, h0: usize, mask: usize, recMask: usize,
  hs: usize, rp: usize, hm: usize, B: i32, T: i32, U: i32, goBack: i32, act: i32, r0: i32, r1: i32): void {
  if (r1 > B) r1 = B;
  if (r0 >= r1) return;
  const uB = <usize>U << 2;
  for (let s = 0; s < T; s++) {
    const tin = goBack != 0 ? T - 1 - s : s;
    if (recMask != 0) {
      maskRows(h0, hs, recMask, hm, s, T, U, r0, r1);
      mmRows(hm, U, rk, U, rp, U, 0, U, U, r0, r1);
    } else if (s == 0) {
      mmRows(h0, U, rk, U, rp, U, 0, U, U, r0, r1);
    } else {
      mmRows(hs + (<usize>((s - 1) * U) << 2), T * U, rk, U, rp, U, 0, U, U, r0, r1);
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

/** SimpleRNN backward: dG [B, T, U] by tin, hprev [B, T, U] by tin, dh [B, U]; rkT = R^T. */
export function simpleRnnBackwardF32(rkT: usize, h0: usize, mask: usize, recMask: usize, hs: usize, dhs: usize,
  dG: usize, hprev: usize, dh: usize, dhRec: usize,
  B: i32, T: i32, U: i32, goBack: i32, act: i32, r0: i32, r1: i32): void {
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
    mmRows(dG + (<usize>(tin * U) << 2), T * U, rkT, U, dhRec, U, 0, U, U, r0, r1);
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
