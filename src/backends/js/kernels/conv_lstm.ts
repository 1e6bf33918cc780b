// The js backend's ConvLSTM2D recurrence ('ConvLstmSequence', 'ConvLstmSequenceGrad'): the
// correctness oracle for the wasm kernels (src/backends/wasm/kernels/conv_lstm.ts and
// assembly/conv_lstm.ts), as plain loops in float64 arithmetic over the float32 buffers, with
// its own direct recurrent convolution (no im2col, no Winograd). Same inputs, attributes,
// outputs and layouts (see the header of assembly/conv_lstm.ts):
//   forward  [xz [B,T,R,Q,4F], rk [kh,kw,F,4F], h0, c0 [B,R,Q,F], recMask?] ->
//            [val [B,K,R,Q,F] (see valLayout), cs [B,T,R,Q,F], gates [B,T,R,Q,4F], and, unless
//            val holds every step's h, hs [B,T,R,Q,F]]
//   backward [x [B,T,H,W,C], k [kh,kw,C,4F], rk, h0, c0, hs (val or the reserve hs), cs, gates,
//            dy [B,K,R,Q,F], recMask?] -> [dx, dk, drk, db [4F], dh0, dc0]
// attrs: goBackwards, act, recAct (src/ops/rnn.ts RNN_ACT codes), returnSequences, returnState
// (val's layout), rec (the recurrent convolution's attrs: stride 1, 'same' pads), inConv (the
// input convolution's attrs: strides, dilations, pads, as the 'Conv' kernel's).
import type { Attrs, TensorInfo } from '../../backend.js';
import type { HostBackend } from '../../host.js';
import { rnnAct, rnnActGrad } from './rnn.js';

interface Geom {
  B: number;
  T: number;
  R: number;
  Q: number;
  F: number;
  KH: number;
  KW: number;
  PH: number;
  PW: number;
}

/** Calls fn(n, m, k) for every output pixel n, input pixel m (same batch) and tap k of the recurrent 'same' conv. */
function forEachTap(g: Geom, fn: (n: number, m: number, k: number) => void): void {
  for (let b = 0; b < g.B; b++)
    for (let r = 0; r < g.R; r++)
      for (let q = 0; q < g.Q; q++)
        for (let kh = 0; kh < g.KH; kh++) {
          const ir = r - g.PH + kh;
          if (ir < 0 || ir >= g.R) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iq = q - g.PW + kw;
            if (iq < 0 || iq >= g.Q) continue;
            fn((b * g.R + r) * g.Q + q, (b * g.R + ir) * g.Q + iq, kh * g.KW + kw);
          }
        }
}

/**
 * The layout of the sequence kernel's first output `val` (the layer's one tape-node value):
 * nH steps' h (every step with returnSequences, else the last), then the final c when the
 * states are returned (slot cSlot; -1: none); K slots in all.
 */
export function valLayout(T: number, attrs: Attrs): { K: number; nH: number; cSlot: number } {
  const nH = attrs.returnSequences ? T : 1;
  return attrs.returnState ? { K: nH + 1, nH, cSlot: nH } : { K: nH, nH, cSlot: -1 };
}

function geom(rk: TensorInfo, cs: readonly number[], attrs: Attrs): Geom {
  const [B, T, R, Q, F] = cs;
  const pads = (attrs.rec as { pads: number[] }).pads;
  return { B, T, R, Q, F, KH: rk.shape[0], KW: rk.shape[1], PH: pads[1], PW: pads[2] };
}

/** Registers the js backend's ConvLSTM2D kernels. */
export function registerJsConvLstmKernels(backend: HostBackend): void {
  const v = (t: TensorInfo) => backend.view(t.dataId, 'float32');
  const out = (shape: number[]) => backend.allocOutput(shape, 'float32');

  backend.kernels.set('ConvLstmSequence', (ins, attrs) => {
    const [xzI, rkI, h0I, c0I, rmI] = ins;
    const [B, T, R, Q, G] = xzI.shape;
    const F = G / 4;
    const g = geom(rkI, [B, T, R, Q, F], attrs);
    const P = R * Q;
    const lay = valLayout(T, attrs);
    const valI = out([B, lay.K, R, Q, F]);
    const csI = out([B, T, R, Q, F]);
    const gI = out([B, T, R, Q, G]);
    const hsI = lay.nH === T ? null : out([B, T, R, Q, F]);
    const [xz, rk, h0, c0, val, cs, gates] = [xzI, rkI, h0I, c0I, valI, csI, gI].map(v);
    const hs = hsI ? v(hsI) : val;
    const Ks = hsI ? T : lay.K;
    const rm = rmI ? v(rmI) : null;
    const act = attrs.act as number;
    const recAct = attrs.recAct as number;
    const hm = new Float64Array(B * P * F);
    const cPrev = new Float64Array(B * P * F);
    for (let i = 0; i < hm.length; i++) {
      hm[i] = h0[i] * (rm ? rm[i] : 1);
      cPrev[i] = c0[i];
    }
    for (let s = 0; s < T; s++) {
      const tin = attrs.goBackwards ? T - 1 - s : s;
      const z = new Float64Array(B * P * G);
      forEachTap(g, (n, m, k) => {
        for (let f = 0; f < F; f++) {
          const hv = hm[m * F + f];
          const w = (k * F + f) * G;
          for (let j = 0; j < G; j++) z[n * G + j] += hv * rk[w + j];
        }
      });
      for (let n = 0; n < B * P; n++) {
        const b = Math.floor(n / P);
        const p = n % P;
        const xo = ((b * T + tin) * P + p) * G;
        const so = ((b * T + s) * P + p) * F;
        const ho = ((b * Ks + s) * P + p) * F;
        const vSlot = s - (T - lay.nH);
        for (let f = 0; f < F; f++) {
          const zz = (k: number) => xz[xo + k * F + f] + z[n * G + k * F + f];
          const i = rnnAct(zz(0), recAct);
          const fg = rnnAct(zz(1), recAct);
          const gg = rnnAct(zz(2), act);
          const o = rnnAct(zz(3), recAct);
          const c = fg * cPrev[n * F + f] + i * gg;
          const h = o * rnnAct(c, act);
          gates[xo + f] = i;
          gates[xo + F + f] = fg;
          gates[xo + 2 * F + f] = gg;
          gates[xo + 3 * F + f] = o;
          cs[so + f] = c;
          hs[ho + f] = h;
          if (vSlot >= 0) val[((b * lay.K + vSlot) * P + p) * F + f] = h;
          if (lay.cSlot >= 0 && s === T - 1) val[((b * lay.K + lay.cSlot) * P + p) * F + f] = c;
          // The next step reads the float32 states, as the outputs hold them.
          cPrev[n * F + f] = cs[so + f];
          hm[n * F + f] = hs[ho + f] * (rm ? rm[n * F + f] : 1);
        }
      }
    }
    return hsI ? [valI, csI, gI, hsI] : [valI, csI, gI];
  });

  backend.kernels.set('ConvLstmSequenceGrad', (ins, attrs) => {
    const [xI, kI, rkI, h0I, c0I, hsI, csI, gI, dyI, rmI] = ins;
    const [B, T, H, W, C] = xI.shape;
    const [, , R, Q, F] = csI.shape;
    const G = 4 * F;
    const g = geom(rkI, csI.shape, attrs);
    const P = R * Q;
    const lay = valLayout(T, attrs);
    const Ks = hsI.shape[1];
    const outs = [xI.shape, kI.shape, rkI.shape, [G], [B, R, Q, F], [B, R, Q, F]].map((sh) => out(sh.slice()));
    const [x, k, rk, h0, c0, hs, cs, gates, dy] = [xI, kI, rkI, h0I, c0I, hsI, csI, gI, dyI].map(v);
    const rm = rmI ? v(rmI) : null;
    const act = attrs.act as number;
    const recAct = attrs.recAct as number;
    const inc = attrs.inConv as { strides: number[]; dilations: number[]; pads: number[] };
    const dx = new Float64Array(x.length);
    const dk = new Float64Array(k.length);
    const drk = new Float64Array(rk.length);
    const db = new Float64Array(G);
    let dh = new Float64Array(B * P * F);
    const dc = new Float64Array(B * P * F);
    for (let n = 0; n < B * P; n++) {
      const b = Math.floor(n / P);
      const p = n % P;
      if (lay.cSlot >= 0) for (let f = 0; f < F; f++) dc[n * F + f] = dy[((b * lay.K + lay.cSlot) * P + p) * F + f];
    }
    for (let s = T - 1; s >= 0; s--) {
      const tin = attrs.goBackwards ? T - 1 - s : s;
      const dz = new Float64Array(B * P * G);
      const hp = new Float64Array(B * P * F);
      for (let n = 0; n < B * P; n++) {
        const b = Math.floor(n / P);
        const p = n % P;
        const go = ((b * T + tin) * P + p) * G;
        const so = ((b * T + s) * P + p) * F;
        const po = ((b * T + s - 1) * P + p) * F;
        const hpo = ((b * Ks + s - 1) * P + p) * F;
        const vSlot = s - (T - lay.nH);
        const dyo = ((b * lay.K + vSlot) * P + p) * F;
        for (let f = 0; f < F; f++) {
          const [i, fg, gg, o] = [0, 1, 2, 3].map((j) => gates[go + j * F + f]);
          const tc = rnnAct(cs[so + f], act);
          const cp = s === 0 ? c0[n * F + f] : cs[po + f];
          hp[n * F + f] = (s === 0 ? h0[n * F + f] : hs[hpo + f]) * (rm ? rm[n * F + f] : 1);
          const dhv = dh[n * F + f] + (vSlot >= 0 ? dy[dyo + f] : 0);
          const dcv = dc[n * F + f] + dhv * o * rnnActGrad(tc, act);
          dz[n * G + f] = dcv * gg * rnnActGrad(i, recAct);
          dz[n * G + F + f] = dcv * cp * rnnActGrad(fg, recAct);
          dz[n * G + 2 * F + f] = dcv * i * rnnActGrad(gg, act);
          dz[n * G + 3 * F + f] = dhv * tc * rnnActGrad(o, recAct);
          dc[n * F + f] = dcv * fg;
        }
      }
      // The recurrent convolution: dh_{t-1} (times the recurrent dropout mask) and the kernel's gradient.
      const next = new Float64Array(B * P * F);
      forEachTap(g, (n, m, t) => {
        for (let f = 0; f < F; f++) {
          const w = (t * F + f) * G;
          let acc = 0;
          for (let j = 0; j < G; j++) {
            acc += dz[n * G + j] * rk[w + j];
            drk[w + j] += hp[m * F + f] * dz[n * G + j];
          }
          next[m * F + f] += acc;
        }
      });
      if (rm) for (let i = 0; i < next.length; i++) next[i] *= rm[i];
      dh = next;
      // The input convolution of frame tin: dx, the kernel's gradient, the bias's.
      for (let b = 0; b < B; b++)
        for (let r = 0; r < R; r++)
          for (let q = 0; q < Q; q++) {
            const n = (b * R + r) * Q + q;
            for (let j = 0; j < G; j++) db[j] += dz[n * G + j];
            for (let kh = 0; kh < g.KH; kh++) {
              const ih = r * inc.strides[1] - inc.pads[1] + kh * inc.dilations[1];
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < g.KW; kw++) {
                const iw = q * inc.strides[2] - inc.pads[2] + kw * inc.dilations[2];
                if (iw < 0 || iw >= W) continue;
                const xo = (((b * T + tin) * H + ih) * W + iw) * C;
                for (let c = 0; c < C; c++) {
                  const w = ((kh * g.KW + kw) * C + c) * G;
                  let acc = 0;
                  for (let j = 0; j < G; j++) {
                    acc += dz[n * G + j] * k[w + j];
                    dk[w + j] += x[xo + c] * dz[n * G + j];
                  }
                  dx[xo + c] += acc;
                }
              }
            }
          }
    }
    [dx, dk, drk, db, dh, dc].forEach((a, i) => v(outs[i]).set(a));
    return outs;
  });
}
