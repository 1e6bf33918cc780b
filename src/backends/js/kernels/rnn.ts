// The js backend's recurrent kernels: the correctness oracle for assembly/rnn.ts, as plain loops
// in float64 arithmetic over the float32 buffers. Same inputs, attributes, outputs and layouts
// as the wasm kernels (see the header of assembly/rnn.ts): x-side arrays [B, T, n] are indexed
// by input time tin, per-step outputs [B, T, U] by step s (tin = T-1-s with goBackwards).
import type { TypedArray } from '../../../engine/dtype.js';
import type { Attrs, TensorInfo } from '../../backend.js';
import type { HostBackend } from '../../host.js';

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/**
 * act(x) by code (src/ops/rnn.ts RNN_ACT): 0 linear, 1 tanh, 2 sigmoid, 3 hardSigmoid (Keras 3),
 * 4 relu, 5 hardSigmoidKeras2, 6 elu, 7 softsign, 8 relu6, 9 selu, 10 softplus, 11 exponential.
 */
export function rnnAct(x: number, code: number): number {
  switch (code) {
    case 1:
      return Math.tanh(x);
    case 2:
      return 1 / (1 + Math.exp(-x));
    case 3:
      return Math.min(Math.max(x + 3, 0), 6) / 6;
    case 4:
      return Math.max(x, 0);
    case 5:
      return Math.min(Math.max(0.2 * x + 0.5, 0), 1);
    case 6:
      return x > 0 ? x : Math.expm1(x);
    case 7:
      return x / (1 + Math.abs(x));
    case 8:
      return Math.min(Math.max(x, 0), 6);
    case 9:
      return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
    case 10:
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 11:
      return Math.exp(x);
    default:
      return x;
  }
}

/** act'(x) from y = act(x). */
export function rnnActGrad(y: number, code: number): number {
  switch (code) {
    case 1:
      return 1 - y * y;
    case 2:
      return y * (1 - y);
    case 3:
      return y > 0 && y < 1 ? 1 / 6 : 0;
    case 4:
      return y > 0 ? 1 : 0;
    case 5:
      return y > 0 && y < 1 ? 0.2 : 0;
    case 6:
      return y > 0 ? 1 : y + 1;
    case 7:
      return (1 - Math.abs(y)) * (1 - Math.abs(y));
    case 8:
      return y > 0 && y < 6 ? 1 : 0;
    case 9:
      return y > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA;
    case 10:
      return -Math.expm1(-y); // sigmoid(x) = 1 - exp(-softplus(x))
    case 11:
      return y;
    default:
      return 1;
  }
}

interface Common {
  B: number;
  T: number;
  U: number;
  goBack: boolean;
  act: number;
  recAct: number;
  mask: TypedArray | null;
  recMask: TypedArray | null;
}

/** Splits the optional mask inputs off the front of `rest`. */
function common(backend: HostBackend, attrs: Attrs, B: number, T: number, U: number, rest: TensorInfo[]): Common {
  let k = 0;
  const mask = attrs.hasMask ? backend.view(rest[k++].dataId, 'float32') : null;
  const recMask = attrs.hasRecMask ? backend.view(rest[k++].dataId, 'float32') : null;
  return {
    B,
    T,
    U,
    goBack: !!attrs.goBackwards,
    act: attrs.act as number,
    recAct: attrs.recAct as number,
    mask,
    recMask,
  };
}

const nMasks = (attrs: Attrs) => (attrs.hasMask ? 1 : 0) + (attrs.hasRecMask ? 1 : 0);

/** h_{t-1}[b, j] (times the recurrent mask when `masked`) before step s. */
function prev(c: Common, init: TypedArray, seq: TypedArray, b: number, s: number, j: number): number {
  return s === 0 ? init[b * c.U + j] : seq[(b * c.T + s - 1) * c.U + j];
}

/** hm[k] = h_{t-1}[b, k] * recMask[b, k] for the recurrent product. */
function hmRow(c: Common, h0: TypedArray, hs: TypedArray, b: number, s: number): Float64Array {
  const hm = new Float64Array(c.U);
  for (let k = 0; k < c.U; k++) hm[k] = prev(c, h0, hs, b, s, k) * (c.recMask ? c.recMask[b * c.U + k] : 1);
  return hm;
}

const skipped = (c: Common, b: number, tin: number) => c.mask !== null && c.mask[b * c.T + tin] === 0;

/** Registers the js backend's rnn kernels. */
export function registerJsRnnKernels(backend: HostBackend): void {
  const v = (t: TensorInfo) => backend.view(t.dataId, 'float32');
  const out = (shape: number[]) => backend.allocOutput(shape, 'float32');

  // ---- LSTM ----
  backend.kernels.set('LstmSequence', (ins, attrs) => {
    const [xpI, rkI, h0I, c0I, ...rest] = ins;
    const [B, T, G] = xpI.shape;
    const U = G / 4;
    const c = common(backend, attrs, B, T, U, rest);
    const hsI = out([B, T, U]);
    const csI = out([B, T, U]);
    const gI = out([B, T, G]);
    const [xp, rk, h0, c0, hs, cs, gates] = [xpI, rkI, h0I, c0I, hsI, csI, gI].map(v);
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < T; s++) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        const g0 = (b * T + tin) * G;
        if (skipped(c, b, tin)) {
          for (let j = 0; j < U; j++) {
            hs[o + j] = prev(c, h0, hs, b, s, j);
            cs[o + j] = prev(c, c0, cs, b, s, j);
          }
          for (let j = 0; j < G; j++) gates[g0 + j] = 0;
          continue;
        }
        const hm = hmRow(c, h0, hs, b, s);
        const z = new Float64Array(G);
        for (let j = 0; j < G; j++) {
          let acc = 0;
          for (let k = 0; k < U; k++) acc += hm[k] * rk[k * G + j];
          z[j] = xp[g0 + j] + acc;
        }
        for (let j = 0; j < U; j++) {
          const i = rnnAct(z[j], c.recAct);
          const f = rnnAct(z[U + j], c.recAct);
          const g = rnnAct(z[2 * U + j], c.act);
          const og = rnnAct(z[3 * U + j], c.recAct);
          const cell = f * prev(c, c0, cs, b, s, j) + i * g;
          cs[o + j] = cell;
          hs[o + j] = og * rnnAct(cell, c.act);
          gates[g0 + j] = i;
          gates[g0 + U + j] = f;
          gates[g0 + 2 * U + j] = g;
          gates[g0 + 3 * U + j] = og;
        }
      }
    }
    return [hsI, csI, gI];
  });

  backend.kernels.set('LstmSequenceGrad', (ins, attrs) => {
    const [rkI, h0I, c0I] = ins;
    const rest = ins.slice(3);
    const [hsI, csI, gI, dhsI, dcsI] = rest.slice(nMasks(attrs));
    const [B, T, U] = hsI.shape;
    const G = 4 * U;
    const c = common(backend, attrs, B, T, U, rest);
    const dGI = out([B, T, G]);
    const hpI = out([B, T, U]);
    const dhI = out([B, U]);
    const dcI = out([B, U]);
    // attrs.biasRows: a fifth output [B, 4U], each row's dG summed over its steps (newest first)
    const dbI = attrs.biasRows ? out([B, G]) : undefined;
    const db = dbI ? v(dbI) : undefined;
    const [rk, h0, c0, hs, cs, gates, dhs, dcs, dG, hprev, dh, dc] = [
      rkI,
      h0I,
      c0I,
      hsI,
      csI,
      gI,
      dhsI,
      dcsI,
      dGI,
      hpI,
      dhI,
      dcI,
    ].map(v);
    for (let b = 0; b < B; b++) {
      const dhc = new Float64Array(U);
      const dcc = new Float64Array(U);
      const dbc = new Float64Array(G);
      for (let s = T - 1; s >= 0; s--) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        const g0 = (b * T + tin) * G;
        const p0 = (b * T + tin) * U;
        // attrs.lastOnly: dhs, dcs are [B, 1, U], the gradients of the last step's outputs only
        if (!attrs.lastOnly || s === T - 1) {
          const od = attrs.lastOnly ? b * U : o;
          for (let j = 0; j < U; j++) {
            dhc[j] += dhs[od + j];
            dcc[j] += dcs[od + j];
          }
        }
        if (skipped(c, b, tin)) {
          for (let j = 0; j < G; j++) dG[g0 + j] = 0;
          for (let j = 0; j < U; j++) hprev[p0 + j] = 0;
          continue;
        }
        for (let j = 0; j < U; j++) {
          const i = gates[g0 + j];
          const f = gates[g0 + U + j];
          const g = gates[g0 + 2 * U + j];
          const og = gates[g0 + 3 * U + j];
          const tc = rnnAct(cs[o + j], c.act);
          const dcv = dcc[j] + dhc[j] * og * rnnActGrad(tc, c.act);
          dG[g0 + j] = dcv * g * rnnActGrad(i, c.recAct);
          dG[g0 + U + j] = dcv * prev(c, c0, cs, b, s, j) * rnnActGrad(f, c.recAct);
          dG[g0 + 2 * U + j] = dcv * i * rnnActGrad(g, c.act);
          dG[g0 + 3 * U + j] = dhc[j] * tc * rnnActGrad(og, c.recAct);
          dcc[j] = dcv * f;
          hprev[p0 + j] = prev(c, h0, hs, b, s, j) * (c.recMask ? c.recMask[b * U + j] : 1);
        }
        for (let j = 0; j < G; j++) dbc[j] += dG[g0 + j];
        for (let k = 0; k < U; k++) {
          let acc = 0;
          for (let j = 0; j < G; j++) acc += dG[g0 + j] * rk[k * G + j];
          dhc[k] = acc * (c.recMask ? c.recMask[b * U + k] : 1);
        }
      }
      for (let j = 0; j < U; j++) {
        dh[b * U + j] = dhc[j];
        dc[b * U + j] = dcc[j];
      }
      if (db) for (let j = 0; j < G; j++) db[b * G + j] = dbc[j];
    }
    return dbI ? [dGI, hpI, dhI, dcI, dbI] : [dGI, hpI, dhI, dcI];
  });

  // ---- GRU ----
  backend.kernels.set('GruSequence', (ins, attrs) => {
    const [xpI, rkI, rbI, h0I, ...rest] = ins;
    const [B, T, G] = xpI.shape;
    const U = G / 3;
    const resetAfter = !!attrs.resetAfter;
    const c = common(backend, attrs, B, T, U, rest);
    const hsI = out([B, T, U]);
    const gI = out([B, T, G]);
    const rhI = out([B, T, U]);
    const [xp, rk, rb, h0, hs, gates, recH] = [xpI, rkI, rbI, h0I, hsI, gI, rhI].map(v);
    const dot = (a: ArrayLike<number>, col: number) => {
      let acc = 0;
      for (let k = 0; k < U; k++) acc += a[k] * rk[k * G + col];
      return acc;
    };
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < T; s++) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        const g0 = (b * T + tin) * G;
        const p0 = (b * T + tin) * U;
        if (skipped(c, b, tin)) {
          for (let j = 0; j < U; j++) hs[o + j] = prev(c, h0, hs, b, s, j);
          for (let j = 0; j < G; j++) gates[g0 + j] = 0;
          for (let j = 0; j < U; j++) recH[p0 + j] = 0;
          continue;
        }
        const hm = hmRow(c, h0, hs, b, s);
        const z = new Float64Array(U);
        const r = new Float64Array(U);
        for (let j = 0; j < U; j++) {
          z[j] = rnnAct(xp[g0 + j] + dot(hm, j) + (resetAfter ? rb[j] : 0), c.recAct);
          r[j] = rnnAct(xp[g0 + U + j] + dot(hm, U + j) + (resetAfter ? rb[U + j] : 0), c.recAct);
        }
        const rhm = Float64Array.from(hm, (h, k) => r[k] * h);
        for (let j = 0; j < U; j++) {
          let pre: number;
          if (resetAfter) {
            const rph = dot(hm, 2 * U + j) + rb[2 * U + j];
            recH[p0 + j] = rph;
            pre = xp[g0 + 2 * U + j] + r[j] * rph;
          } else {
            recH[p0 + j] = rhm[j];
            pre = xp[g0 + 2 * U + j] + dot(rhm, 2 * U + j);
          }
          const hh = rnnAct(pre, c.act);
          gates[g0 + j] = z[j];
          gates[g0 + U + j] = r[j];
          gates[g0 + 2 * U + j] = hh;
          hs[o + j] = z[j] * prev(c, h0, hs, b, s, j) + (1 - z[j]) * hh;
        }
      }
    }
    return [hsI, gI, rhI];
  });

  backend.kernels.set('GruSequenceGrad', (ins, attrs) => {
    const [rkI, h0I] = ins;
    const rest = ins.slice(2);
    const [hsI, gI, rhI, dhsI] = rest.slice(nMasks(attrs));
    const [B, T, U] = hsI.shape;
    const G = 3 * U;
    const resetAfter = !!attrs.resetAfter;
    const c = common(backend, attrs, B, T, U, rest);
    const dGxI = out([B, T, G]);
    const dGrI = out([B, T, G]);
    const hpI = out([B, T, U]);
    const dhI = out([B, U]);
    const [rk, h0, hs, gates, recH, dhs, dGx, dGr, hprev, dh] = [
      rkI,
      h0I,
      hsI,
      gI,
      rhI,
      dhsI,
      dGxI,
      dGrI,
      hpI,
      dhI,
    ].map(v);
    // rk is R [U, G]: the recurrent kernel itself.
    for (let b = 0; b < B; b++) {
      const dhc = new Float64Array(U);
      for (let s = T - 1; s >= 0; s--) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        const g0 = (b * T + tin) * G;
        const p0 = (b * T + tin) * U;
        for (let j = 0; j < U; j++) dhc[j] += dhs[o + j];
        if (skipped(c, b, tin)) {
          for (let j = 0; j < G; j++) dGx[g0 + j] = dGr[g0 + j] = 0;
          for (let j = 0; j < U; j++) hprev[p0 + j] = 0;
          continue;
        }
        const rmk = (k: number) => (c.recMask ? c.recMask[b * U + k] : 1);
        const dhm = new Float64Array(U);
        const direct = new Float64Array(U);
        for (let j = 0; j < U; j++) {
          const z = gates[g0 + j];
          const hh = gates[g0 + 2 * U + j];
          const hp = prev(c, h0, hs, b, s, j);
          dGx[g0 + j] = dhc[j] * (hp - hh) * rnnActGrad(z, c.recAct);
          dGx[g0 + 2 * U + j] = dhc[j] * (1 - z) * rnnActGrad(hh, c.act);
          hprev[p0 + j] = hp * rmk(j);
          direct[j] = dhc[j] * z;
        }
        if (resetAfter) {
          for (let j = 0; j < U; j++) {
            const r = gates[g0 + U + j];
            const dzh = dGx[g0 + 2 * U + j];
            dGx[g0 + U + j] = dzh * recH[p0 + j] * rnnActGrad(r, c.recAct);
            dGr[g0 + j] = dGx[g0 + j];
            dGr[g0 + U + j] = dGx[g0 + U + j];
            dGr[g0 + 2 * U + j] = dzh * r;
          }
          for (let k = 0; k < U; k++) {
            let acc = 0;
            for (let j = 0; j < G; j++) acc += dGr[g0 + j] * rk[k * G + j];
            dhm[k] = acc;
          }
        } else {
          // d(r * hm) = dzh R_h^T
          const drh = new Float64Array(U);
          for (let k = 0; k < U; k++) {
            let acc = 0;
            for (let j = 0; j < U; j++) acc += dGx[g0 + 2 * U + j] * rk[k * G + 2 * U + j];
            drh[k] = acc;
          }
          for (let j = 0; j < U; j++) {
            const r = gates[g0 + U + j];
            dGx[g0 + U + j] = drh[j] * hprev[p0 + j] * rnnActGrad(r, c.recAct);
          }
          for (let j = 0; j < G; j++) dGr[g0 + j] = dGx[g0 + j];
          for (let k = 0; k < U; k++) {
            let acc = 0;
            for (let j = 0; j < 2 * U; j++) acc += dGx[g0 + j] * rk[k * G + j];
            dhm[k] = acc + drh[k] * gates[g0 + U + k];
          }
        }
        for (let k = 0; k < U; k++) dhc[k] = dhm[k] * rmk(k) + direct[k];
      }
      for (let j = 0; j < U; j++) dh[b * U + j] = dhc[j];
    }
    return [dGxI, dGrI, hpI, dhI];
  });

  // ---- SimpleRNN ----
  backend.kernels.set('SimpleRnnSequence', (ins, attrs) => {
    const [xpI, rkI, h0I, ...rest] = ins;
    const [B, T, U] = xpI.shape;
    const c = common(backend, attrs, B, T, U, rest);
    const hsI = out([B, T, U]);
    const [xp, rk, h0, hs] = [xpI, rkI, h0I, hsI].map(v);
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < T; s++) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        if (skipped(c, b, tin)) {
          for (let j = 0; j < U; j++) hs[o + j] = prev(c, h0, hs, b, s, j);
          continue;
        }
        const hm = hmRow(c, h0, hs, b, s);
        for (let j = 0; j < U; j++) {
          let acc = 0;
          for (let k = 0; k < U; k++) acc += hm[k] * rk[k * U + j];
          hs[o + j] = rnnAct(xp[(b * T + tin) * U + j] + acc, c.act);
        }
      }
    }
    return [hsI];
  });

  backend.kernels.set('SimpleRnnSequenceGrad', (ins, attrs) => {
    const [rkI, h0I] = ins;
    const rest = ins.slice(2);
    const [hsI, dhsI] = rest.slice(nMasks(attrs));
    const [B, T, U] = hsI.shape;
    const c = common(backend, attrs, B, T, U, rest);
    const dGI = out([B, T, U]);
    const hpI = out([B, T, U]);
    const dhI = out([B, U]);
    const [rk, h0, hs, dhs, dG, hprev, dh] = [rkI, h0I, hsI, dhsI, dGI, hpI, dhI].map(v);
    for (let b = 0; b < B; b++) {
      const dhc = new Float64Array(U);
      for (let s = T - 1; s >= 0; s--) {
        const tin = c.goBack ? T - 1 - s : s;
        const o = (b * T + s) * U;
        const p0 = (b * T + tin) * U;
        for (let j = 0; j < U; j++) dhc[j] += dhs[o + j];
        if (skipped(c, b, tin)) {
          for (let j = 0; j < U; j++) dG[p0 + j] = hprev[p0 + j] = 0;
          continue;
        }
        for (let j = 0; j < U; j++) {
          dG[p0 + j] = dhc[j] * rnnActGrad(hs[o + j], c.act);
          hprev[p0 + j] = prev(c, h0, hs, b, s, j) * (c.recMask ? c.recMask[b * U + j] : 1);
        }
        for (let k = 0; k < U; k++) {
          let acc = 0;
          for (let j = 0; j < U; j++) acc += dG[p0 + j] * rk[k * U + j];
          dhc[k] = acc * (c.recMask ? c.recMask[b * U + k] : 1);
        }
      }
      for (let j = 0; j < U; j++) dh[b * U + j] = dhc[j];
    }
    return [dGI, hpI, dhI];
  });
}
