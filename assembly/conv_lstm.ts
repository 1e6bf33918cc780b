// Fused ConvLSTM2D step kernels: the gate math of one time step of Keras' ConvLSTM2D, forward
// and backward, over a range of pixel rows. The convolutions are not here: the wasm backend's
// ConvLstmSequence kernels (src/backends/wasm/kernels/conv_lstm.ts) run the input convolution
// of every step as one 'Conv' call and, per step, the recurrent convolution with the backend's
// own 'Conv' / 'ConvBackpropInput' kernels (Winograd or im2col + GEMM), and call these for
// everything element-wise in between.
//
// A "pixel row" n = b * P + p (P = rows * cols of the state) holds F channels of a state or 4F
// gate channels (Keras' order i, f, c, o, each a block of F). Layouts (f32, row-major):
//   xz, gates, dZ   [B, T, P, 4F] by input time tin (tin = T-1-s with goBackwards)
//   hsc             [B, T+1, P, F] h by step s; slot T holds the final c
//   cs              [B, T, P, F] c by step s
//   hprev           [B, T, P, F] by tin: h_{t-1} (times recMask), the left operand of the
//                   recurrent kernel's gradient
//   zr, dzCur       [B, P, 4F] this step's recurrent product / gate gradient
//   h0, c0, recMask, hin, dh, dc   [B, P, F]
// Rows never interact, so any split of [r0, r1) over threads computes every element with the
// same arithmetic: results are bit-identical for any thread count.

import { act4, dact4, ld, st } from './rnn_act';

/**
 * Forward step s: z = xz[tin] + zr; i, f, o = recAct(z_i, z_f, z_o); g = act(z_c);
 * c = f * c_{t-1} + i * g; h = o * act(c). Writes h to hsc (and the final c to slot T at the
 * last step), c to cs, the activated gates to `gates`, and h * recMask (or h) to `hin`, the
 * next step's recurrent-convolution input.
 */
export function convLstmStepF32(xz: usize, zr: usize, c0: usize, recMask: usize,
  hsc: usize, cs: usize, gates: usize, hin: usize,
  T: i32, P: i32, F: i32, s: i32, tin: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  const fB = <usize>F << 2;
  const gB = fB << 2;
  for (let n = r0; n < r1; n++) {
    const b = n / P;
    const p = n - b * P;
    const xr = xz + <usize>((b * T + tin) * P + p) * gB;
    const pr = zr + <usize>n * gB;
    const cp = s == 0 ? c0 + <usize>n * fB : cs + <usize>((b * T + s - 1) * P + p) * fB;
    const ho = hsc + <usize>((b * (T + 1) + s) * P + p) * fB;
    const cT = hsc + <usize>((b * (T + 1) + T) * P + p) * fB;
    const co = cs + <usize>((b * T + s) * P + p) * fB;
    const gr = gates + <usize>((b * T + tin) * P + p) * gB;
    const hn = hin + <usize>n * fB;
    const rm = recMask + <usize>n * fB;
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = <usize>j << 2;
      const i = act4(f32x4.add(ld(xr + q, k), ld(pr + q, k)), recAct);
      const f = act4(f32x4.add(ld(xr + fB + q, k), ld(pr + fB + q, k)), recAct);
      const g = act4(f32x4.add(ld(xr + 2 * fB + q, k), ld(pr + 2 * fB + q, k)), act);
      const o = act4(f32x4.add(ld(xr + 3 * fB + q, k), ld(pr + 3 * fB + q, k)), recAct);
      const c = f32x4.add(f32x4.mul(f, ld(cp + q, k)), f32x4.mul(i, g));
      const h = f32x4.mul(o, act4(c, act));
      st(gr + q, i, k);
      st(gr + fB + q, f, k);
      st(gr + 2 * fB + q, g, k);
      st(gr + 3 * fB + q, o, k);
      st(co + q, c, k);
      st(ho + q, h, k);
      if (s == T - 1) st(cT + q, c, k);
      st(hn + q, recMask != 0 ? f32x4.mul(h, ld(rm + q, k)) : h, k);
    }
  }
}

/**
 * Backward step s (newest first). dy [B, T+1, P, F] is the gradient of hsc: slot s joins the
 * carried dh, and the caller seeds dc with slot T. Writes the gate gradient dz to dZ[tin] and
 * dzCur (the input of this step's ConvBackpropInput), dc_{t-1} to dc, and h_{t-1} * recMask
 * to hprev[tin]. dh here is the carried gradient of h_t, already times recMask (convLstmMulF32).
 */
export function convLstmBackStepF32(hsc: usize, cs: usize, gates: usize, h0: usize, c0: usize, recMask: usize,
  dy: usize, dh: usize, dc: usize, dZ: usize, dzCur: usize, hprev: usize,
  T: i32, P: i32, F: i32, s: i32, tin: i32, act: i32, recAct: i32, r0: i32, r1: i32): void {
  const fB = <usize>F << 2;
  const gB = fB << 2;
  for (let n = r0; n < r1; n++) {
    const b = n / P;
    const p = n - b * P;
    const gr = gates + <usize>((b * T + tin) * P + p) * gB;
    const ct = cs + <usize>((b * T + s) * P + p) * fB;
    const cp = s == 0 ? c0 + <usize>n * fB : cs + <usize>((b * T + s - 1) * P + p) * fB;
    const hp = s == 0 ? h0 + <usize>n * fB : hsc + <usize>((b * (T + 1) + s - 1) * P + p) * fB;
    const dys = dy + <usize>((b * (T + 1) + s) * P + p) * fB;
    const dhb = dh + <usize>n * fB;
    const dcb = dc + <usize>n * fB;
    const dzr = dZ + <usize>((b * T + tin) * P + p) * gB;
    const dzc = dzCur + <usize>n * gB;
    const hpo = hprev + <usize>((b * T + tin) * P + p) * fB;
    const rm = recMask + <usize>n * fB;
    for (let j = 0; j < F; j += 4) {
      const k = min(4, F - j);
      const q = <usize>j << 2;
      const i = ld(gr + q, k), f = ld(gr + fB + q, k), g = ld(gr + 2 * fB + q, k), o = ld(gr + 3 * fB + q, k);
      const tc = act4(ld(ct + q, k), act);
      const dhv = f32x4.add(ld(dhb + q, k), ld(dys + q, k));
      const dcv = f32x4.add(ld(dcb + q, k), f32x4.mul(f32x4.mul(dhv, o), dact4(tc, act)));
      const dzi = f32x4.mul(f32x4.mul(dcv, g), dact4(i, recAct));
      const dzf = f32x4.mul(f32x4.mul(dcv, ld(cp + q, k)), dact4(f, recAct));
      const dzg = f32x4.mul(f32x4.mul(dcv, i), dact4(g, act));
      const dzo = f32x4.mul(f32x4.mul(dhv, tc), dact4(o, recAct));
      st(dzr + q, dzi, k);
      st(dzr + fB + q, dzf, k);
      st(dzr + 2 * fB + q, dzg, k);
      st(dzr + 3 * fB + q, dzo, k);
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
