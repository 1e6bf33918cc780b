// Fused ConvLSTM2D step kernels: the gate math of one time step of Keras' ConvLSTM2D, forward
// and backward, over a range of pixel rows. The convolutions are not here: the wasm backend's
// ConvLstmSequence kernels (src/backends/wasm/kernels/conv_lstm.ts) run the input convolution
// of every step as one 'Conv' call and, per step, the recurrent convolution with the backend's
// own 'Conv' / 'ConvBackpropInput' kernels (Winograd or im2col + GEMM), and call these for
// everything element-wise in between.
//
// A "pixel row" n = b * P + p (P = rows * cols of the state) holds F channels of a state or 4F
// gate channels (Keras' order i, f, c, o, each a block of F). Layouts (f32, row-major):
//   xz, gates       [B, T, P, 4F] by input time tin (tin = T-1-s with goBackwards)
//   hs              [B, Ks, P, F] h by step s in slots 0..T-1 (Ks = T, or T+1 when hs is val)
//   val             [B, K, P, F] what the layer returns (one tensor: one tape node): the last nH
//                   steps' h (nH = T with returnSequences, else 1) in slots 0..nH-1, then the
//                   final c in slot cSlot = nH when the states are returned (cSlot -1: none).
//                   With returnSequences val is hs itself; otherwise hs is a separate reserve.
//   dy              [B, K, P, F] the gradient of val
//   cs              [B, T, P, F] c by step s
//   zr, dzCur       [B, P, 4F] this step's recurrent product / gate gradient
//   h0, c0, recMask, hin, hpCur, dh, dc   [B, P, F]
// Rows never interact, so any split of [r0, r1) over threads computes every element with the
// same arithmetic: results are bit-identical for any thread count.

import { actK, actRow, addRow, dactK, ld, st } from './rnn_act';

/**
 * Forward step s: z = xz[tin] + zr; i, f, o = recAct(z_i, z_f, z_o); g = act(z_c);
 * c = f * c_{t-1} + i * g; h = o * act(c). Writes h to hs (and to val's slot when val is not
 * hs), the final c to val's slot cSlot at the last step, c to cs, the activated gates to
 * `gates`, and h * recMask (or h) to `hin`, the next step's recurrent-convolution input.
 */
export function convLstmStepF32(xz: usize, zr: usize, c0: usize, recMask: usize,
  hs: usize, Ks: i32, val: usize, K: i32, nH: i32, cSlot: i32, cs: usize, gates: usize, hin: usize,
  T: i32, P: i32, F: i32, s: i32, tin: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  const fB = <usize>F << 2;
  const gB = fB << 2;
  const vSlot = s - (T - nH); // val's slot of this step's h (< 0: none)
  const toVal = val != hs && vSlot >= 0;
  const cOut = cSlot >= 0 && s == T - 1;
  for (let n = r0; n < r1; n++) {
    const b = n / P;
    const p = n - b * P;
    const cp = s == 0 ? c0 + <usize>n * fB : cs + <usize>((b * T + s - 1) * P + p) * fB;
    const ho = hs + <usize>((b * Ks + s) * P + p) * fB;
    const vo = val + <usize>((b * K + vSlot) * P + p) * fB;
    const cT = val + <usize>((b * K + cSlot) * P + p) * fB;
    const co = cs + <usize>((b * T + s) * P + p) * fB;
    const gr = gates + <usize>((b * T + tin) * P + p) * gB;
    const hn = hin + <usize>n * fB;
    const rm = recMask + <usize>n * fB;
    // Row by row (rnn_act.ts): the gate pre-activations into `gates`, activated in place (i and
    // f adjacent), then c, act(c) into h, and h = o * act(c) with its copies.
    addRow(xz + <usize>((b * T + tin) * P + p) * gB, zr + <usize>n * gB, gr, 4 * F);
    actRow(gr, gr, 2 * F, recAct);
    actRow(gr + 2 * fB, gr + 2 * fB, F, act);
    actRow(gr + 3 * fB, gr + 3 * fB, F, recAct);
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = <usize>j << 2;
      const c = f32x4.add(f32x4.mul(ld(gr + fB + q, k), ld(cp + q, k)), f32x4.mul(ld(gr + q, k), ld(gr + 2 * fB + q, k)));
      st(co + q, c, k);
      if (cOut) st(cT + q, c, k);
    }
    actRow(co, ho, F, act);
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = <usize>j << 2;
      const h = f32x4.mul(ld(gr + 3 * fB + q, k), ld(ho + q, k));
      st(ho + q, h, k);
      if (toVal) st(vo + q, h, k);
      st(hn + q, recMask != 0 ? f32x4.mul(h, ld(rm + q, k)) : h, k);
    }
  }
}

/**
 * Backward step s (newest first). dy [B, K, P, F] is the gradient of val: this step's h slot
 * (if val has one) joins the carried dh; the caller seeds dc with the final c's slot. Writes
 * the gate gradient dz to dzCur (the caller's convolution gradients read it), dc_{t-1} to dc,
 * and h_{t-1} * recMask to hpCur (the left operand of the recurrent kernel's gradient). dh is
 * the carried gradient of h_t, already times recMask (convLstmMulF32).
 */
export function convLstmBackStepF32(hs: usize, Ks: i32, cs: usize, gates: usize, h0: usize, c0: usize, recMask: usize,
  dy: usize, K: i32, nH: i32, dh: usize, dc: usize, dzCur: usize, hpCur: usize,
  T: i32, P: i32, F: i32, s: i32, tin: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  if (act == 1 && recAct == 2) backRows(hs, Ks, cs, gates, h0, c0, recMask, dy, K, nH, dh, dc, dzCur, hpCur, T, P, F, s, tin, 1, 2, r0, r1, true);
  else backRows(hs, Ks, cs, gates, h0, c0, recMask, dy, K, nH, dh, dc, dzCur, hpCur, T, P, F, s, tin, act, recAct, r0, r1, false);
}

// @ts-ignore: decorator
@inline function backRows(hs: usize, Ks: i32, cs: usize, gates: usize, h0: usize, c0: usize, recMask: usize,
  dy: usize, K: i32, nH: i32, dh: usize, dc: usize, dzCur: usize, hpCur: usize,
  T: i32, P: i32, F: i32, s: i32, tin: i32, act: i32, recAct: i32, r0: i32, r1: i32, known: bool): void {
  const fB = <usize>F << 2;
  const gB = fB << 2;
  const vSlot = s - (T - nH);
  for (let n = r0; n < r1; n++) {
    const b = n / P;
    const p = n - b * P;
    const gr = gates + <usize>((b * T + tin) * P + p) * gB;
    const ct = cs + <usize>((b * T + s) * P + p) * fB;
    const cp = s == 0 ? c0 + <usize>n * fB : cs + <usize>((b * T + s - 1) * P + p) * fB;
    const hp = s == 0 ? h0 + <usize>n * fB : hs + <usize>((b * Ks + s - 1) * P + p) * fB;
    const dys = dy + <usize>((b * K + vSlot) * P + p) * fB;
    const dhb = dh + <usize>n * fB;
    const dcb = dc + <usize>n * fB;
    const dzc = dzCur + <usize>n * gB;
    const hpo = hpCur + <usize>n * fB;
    const rm = recMask + <usize>n * fB;
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = <usize>j << 2;
      const i = ld(gr + q, k), f = ld(gr + fB + q, k), g = ld(gr + 2 * fB + q, k), o = ld(gr + 3 * fB + q, k);
      const tc = actK(ld(ct + q, k), act, known);
      const dhv = vSlot >= 0 ? f32x4.add(ld(dhb + q, k), ld(dys + q, k)) : ld(dhb + q, k);
      const dcv = f32x4.add(ld(dcb + q, k), f32x4.mul(f32x4.mul(dhv, o), dactK(tc, act, known)));
      const dzi = f32x4.mul(f32x4.mul(dcv, g), dactK(i, recAct, known));
      const dzf = f32x4.mul(f32x4.mul(dcv, ld(cp + q, k)), dactK(f, recAct, known));
      const dzg = f32x4.mul(f32x4.mul(dcv, i), dactK(g, act, known));
      const dzo = f32x4.mul(f32x4.mul(dhv, tc), dactK(o, recAct, known));
      st(dzc + q, dzi, k);
      st(dzc + fB + q, dzf, k);
      st(dzc + 2 * fB + q, dzg, k);
      st(dzc + 3 * fB + q, dzo, k);
      st(dcb + q, f32x4.mul(dcv, f), k);
      const hv = ld(hp + q, k);
      st(hpo + q, recMask != 0 ? f32x4.mul(hv, ld(rm + q, k)) : hv, k);
    }
  }
}

/** out = a * m (or a copy of a when m is 0) for pixel rows [r0, r1) of F channels; out may be a. */
export function convLstmMulF32(a: usize, m: usize, out: usize, F: i32, r0: i32, r1: i32): void {
  const fB = <usize>F << 2;
  for (let n = r0; n < r1; n++) {
    const o = <usize>n * fB;
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = o + (<usize>j << 2);
      st(out + q, m != 0 ? f32x4.mul(ld(a + q, k), ld(m + q, k)) : ld(a + q, k), k);
    }
  }
}

/**
 * acc[0:n] = a (first != 0) or acc + a: the per-step weight gradients summed over the steps,
 * newest first. One thread, fixed order: the same bits for any thread count.
 */
export function convLstmAccF32(acc: usize, a: usize, n: i32, first: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = min(4, n - i);
    const q = <usize>i << 2;
    st(acc + q, first != 0 ? ld(a + q, k) : f32x4.add(ld(acc + q, k), ld(a + q, k)), k);
  }
}

/**
 * db[0:G] (+)= the column sums of dz [N, G], rows in order (first != 0 starts from 0): the bias
 * gradient of one step. One thread, fixed order.
 */
export function convLstmColSumF32(dz: usize, db: usize, N: i32, G: i32, first: i32): void {
  if (first != 0) memory.fill(db, 0, <usize>G << 2);
  const gB = <usize>G << 2;
  for (let j = 0; j < G; j += 4) {
    const k = min(4, G - j);
    const q = <usize>j << 2;
    let sum = ld(db + q, k);
    for (let n = 0; n < N; n++) sum = f32x4.add(sum, ld(dz + <usize>n * gB + q, k));
    st(db + q, sum, k);
  }
}
