// The wasm backend's ConvLSTM2D recurrence: 'ConvLstmSequence' and 'ConvLstmSequenceGrad', the
// whole sequence of Keras' ConvLSTM2D in one kernel call each. Same names, inputs, attributes
// and outputs as the js oracle (src/backends/js/kernels/conv_lstm.ts); layouts in the header of
// assembly/conv_lstm.ts.
//
// Per step, the recurrent convolution runs on this backend's own 'Conv' kernel (and backward on
// 'ConvBackpropInput'): Winograd F(2x2, 3x3) for the usual 3x3 kernel, im2col + GEMM otherwise,
// both over the thread pool. Everything element-wise in between (bias-added input projection +
// recurrent product, gates, cell and hidden update; forward and backward) is one fused SIMD
// kernel per step (assembly/conv_lstm.ts) split over pixel rows. The input projection of every
// step is one 'Conv' over the B*T frames before the forward kernel (the caller's,
// src/layers/recurrent/conv_lstm_op.ts). Backward makes every gradient (x, both kernels, bias,
// initial states) step by step from that step's gate gradients with the backend's
// 'ConvBackpropFilter' / 'ConvBackpropInput', so it holds nothing of the sequence's length
// besides its outputs.
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WasmBackend } from '../index.js';
import { valLayout } from '../../js/kernels/conv_lstm.js';

/** The exports of assembly/conv_lstm.ts (pointers are byte offsets into the heap; 0 = absent). */
export interface ConvLstmExports {
  convLstmStepF32(...args: number[]): void;
  convLstmBackStepF32(...args: number[]): void;
  convLstmMulF32(...args: number[]): void;
  convLstmAccF32(...args: number[]): void;
  convLstmColSumF32(...args: number[]): void;
}

/** Registers the wasm backend's ConvLSTM2D kernels. */
export function registerWasmConvLstmKernels(backend: WasmBackend): void {
  const out = (shape: number[]) => backend.allocOutput(shape, 'float32');
  const p = (t: TensorInfo | undefined) => (t ? backend.ptr(t.dataId) : 0);
  const kernel = (name: string) => {
    const k = backend.kernels.get(name);
    if (!k) throw new Error(`wasm backend: ConvLstmSequence needs the '${name}' kernel`);
    return (ins: TensorInfo[], attrs: Attrs) => k(ins, attrs, backend) as TensorInfo;
  };
  const heap = () => new Float32Array(backend.wasm.memory.buffer);
  /** Element-wise work per pixel row is ~20 flops per channel: split only sizeable steps. */
  const rows = (fn: string, args: number[], n: number, F: number) =>
    backend.dispatch(fn, args, n, args.length, { work: n * F * 32, minWork: 1 << 17 });

  backend.kernels.set('ConvLstmSequence', (ins, attrs) => {
    const [xz, rk, h0, c0, recMask] = ins;
    const [B, T, R, Q, G] = xz.shape;
    const F = G / 4;
    const P = R * Q;
    const v = valLayout(T, attrs);
    const val = out([B, v.K, R, Q, F]);
    const cs = out([B, T, R, Q, F]);
    const gates = out([B, T, R, Q, G]);
    // With returnSequences val holds every step's h; otherwise they go to a reserve of their own.
    const hsRes = v.nH === T ? null : out([B, T, R, Q, F]);
    const hs = hsRes ?? val;
    const conv = kernel('Conv');
    const rk5: TensorInfo = { dataId: rk.dataId, shape: [1, ...rk.shape], dtype: 'float32' };
    const convAttrs = attrs.rec as Attrs;
    // hin: h_{t-1} (times the recurrent dropout mask), the recurrent convolution's input.
    const hin = out([B, 1, R, Q, F]);
    try {
      rows('convLstmMulF32', [p(h0), p(recMask), p(hin), F], B * P, F);
      for (let s = 0; s < T; s++) {
        const tin = attrs.goBackwards ? T - 1 - s : s;
        const zr = conv([hin, rk5], convAttrs);
        try {
          const args = [p(xz), p(zr), p(c0), p(recMask), p(hs), hs.shape[1], p(val), v.K, v.nH, v.cSlot];
          const rest = [p(cs), p(gates), p(hin), T, P, F, s, tin, attrs.act as number, attrs.recAct as number];
          rows('convLstmStepF32', [...args, ...rest], B * P, F);
        } finally {
          backend.disposeData(zr.dataId);
        }
      }
    } finally {
      backend.disposeData(hin.dataId);
    }
    return hsRes ? [val, cs, gates, hsRes] : [val, cs, gates];
  });

  backend.kernels.set('ConvLstmSequenceGrad', (ins, attrs) => {
    const [x, k, rk, h0, c0, hs, cs, gates, dy, recMask] = ins;
    const [B, T, H, W, C] = x.shape;
    const [, , R, Q, F] = cs.shape;
    const [KH, KW, , G] = k.shape;
    const P = R * Q;
    const v = valLayout(T, attrs);
    const dx = out(x.shape.slice());
    const dk = out(k.shape.slice());
    const drk = out(rk.shape.slice());
    const db = out([G]);
    const dh0 = out([B, R, Q, F]);
    const dc0 = out([B, R, Q, F]);
    const backInput = kernel('ConvBackpropInput');
    const backFilter = kernel('ConvBackpropFilter');
    const as5 = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: 'float32' });
    const k5 = as5(k, [1, ...k.shape]);
    const rk5 = as5(rk, [1, ...rk.shape]);
    const rec = attrs.rec as Attrs;
    const inp = attrs.inConv as Attrs;
    // Per step: dh (the carried gradient of h_t, times recMask) and dc (that of c_t, dc0 at the
    // end, seeded with the gradient of the final c); dzCur, this step's gate gradients, which
    // the convolution gradients read; hpCur = h_{t-1} * recMask and xCur = x[tin], their left
    // operands. The weight gradients are summed step by step, so nothing of size T is made here.
    let dh = out([B, R, Q, F]);
    const dzCur = out([B, 1, R, Q, G]);
    const hpCur = out([B, 1, R, Q, F]);
    const xCur = out([B, 1, H, W, C]);
    const frame = H * W * C;
    const w = backend.wasm as unknown as ConvLstmExports;
    try {
      const mem = heap();
      mem.fill(0, p(dh) >> 2, (p(dh) >> 2) + B * P * F);
      for (let b = 0; b < B; b++) {
        const at = (p(dc0) >> 2) + b * P * F;
        if (v.cSlot < 0) mem.fill(0, at, at + P * F);
        else {
          const src = (p(dy) >> 2) + (b * v.K + v.cSlot) * P * F;
          mem.copyWithin(at, src, src + P * F);
        }
      }
      for (let s = T - 1; s >= 0; s--) {
        const first = s === T - 1 ? 1 : 0;
        const tin = attrs.goBackwards ? T - 1 - s : s;
        const args = [p(hs), hs.shape[1], p(cs), p(gates), p(h0), p(c0), p(recMask), p(dy), v.K, v.nH];
        const rest = [p(dh), p(dc0), p(dzCur), p(hpCur), T, P, F, s, tin, attrs.act as number, attrs.recAct as number];
        rows('convLstmBackStepF32', [...args, ...rest], B * P, F);
        const gRk = backFilter([hpCur, dzCur], Object.assign({}, rec, { filterShape: rk5.shape }));
        w.convLstmAccF32(p(drk), p(gRk), KH * KW * F * G, first);
        backend.disposeData(gRk.dataId);
        const dhRec = backInput([dzCur, rk5], Object.assign({}, rec, { inShape: [B, 1, R, Q, F] }));
        backend.disposeData(dh.dataId);
        dh = dhRec;
        if (recMask) rows('convLstmMulF32', [p(dh), p(recMask), p(dh), F], B * P, F);
        // The input convolution's gradients for this step's frames.
        let m = heap();
        for (let b = 0; b < B; b++) {
          const src = (p(x) >> 2) + (b * T + tin) * frame;
          m.copyWithin((p(xCur) >> 2) + b * frame, src, src + frame);
        }
        const gK = backFilter([xCur, dzCur], Object.assign({}, inp, { filterShape: k5.shape }));
        w.convLstmAccF32(p(dk), p(gK), KH * KW * C * G, first);
        backend.disposeData(gK.dataId);
        const dxt = backInput([dzCur, k5], Object.assign({}, inp, { inShape: [B, 1, H, W, C] }));
        m = heap();
        for (let b = 0; b < B; b++) {
          const src = (p(dxt) >> 2) + b * frame;
          m.copyWithin((p(dx) >> 2) + (b * T + tin) * frame, src, src + frame);
        }
        backend.disposeData(dxt.dataId);
        w.convLstmColSumF32(p(dzCur), p(db), B * P, G, first);
      }
      heap().copyWithin(p(dh0) >> 2, p(dh) >> 2, (p(dh) >> 2) + B * P * F);
    } finally {
      for (const t of [dh, dzCur, hpCur, xCur]) backend.disposeData(t.dataId);
    }
    return [dx, dk, drk, db, dh0, dc0];
  });
}
