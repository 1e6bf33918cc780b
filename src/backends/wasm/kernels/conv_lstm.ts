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
// step (one 'Conv' over [B*T] frames) and the weight gradients (one 'ConvBackpropFilter' over
// all steps) are the caller's (src/layers/recurrent/conv_lstm_op.ts), so they run once per
// sequence, not per step.
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WasmBackend } from '../index.js';
import { valLayout } from '../../js/kernels/conv_lstm.js';

/** The exports of assembly/conv_lstm.ts (pointers are byte offsets into the heap; 0 = absent). */
export interface ConvLstmExports {
  convLstmStepF32(...args: number[]): void;
  convLstmBackStepF32(...args: number[]): void;
  convLstmMulF32(...args: number[]): void;
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
    const [rk, h0, c0, hs, cs, gates, dy, recMask] = ins;
    const [B, T, R, Q, F] = cs.shape;
    const P = R * Q;
    const v = valLayout(T, attrs);
    const dZ = out([B, T, R, Q, 4 * F]);
    const hprev = out([B, T, R, Q, F]);
    const dh0 = out([B, R, Q, F]);
    const dc0 = out([B, R, Q, F]);
    const backInput = kernel('ConvBackpropInput');
    const rk5: TensorInfo = { dataId: rk.dataId, shape: [1, ...rk.shape], dtype: 'float32' };
    const convAttrs = { ...(attrs.rec as Attrs), inShape: [B, 1, R, Q, F] };
    // dh: the carried gradient of h_t (times recMask); dc that of c_t (dc0 at the end), seeded
    // with the gradient of the final c.
    let dh = out([B, R, Q, F]);
    const dzCur = out([B, 1, R, Q, 4 * F]);
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
        const tin = attrs.goBackwards ? T - 1 - s : s;
        const args = [p(hs), hs.shape[1], p(cs), p(gates), p(h0), p(c0), p(recMask), p(dy), v.K, v.nH];
        const rest = [p(dh), p(dc0), p(dZ), p(dzCur), p(hprev), T, P, F, s, tin, attrs.act as number, attrs.recAct as number];
        rows('convLstmBackStepF32', [...args, ...rest], B * P, F);
        const dhRec = backInput([dzCur, rk5], convAttrs);
        backend.disposeData(dh.dataId);
        dh = dhRec;
        if (recMask) rows('convLstmMulF32', [p(dh), p(recMask), p(dh), F], B * P, F);
      }
      heap().copyWithin(p(dh0) >> 2, p(dh) >> 2, (p(dh) >> 2) + B * P * F);
    } finally {
      backend.disposeData(dh.dataId);
      backend.disposeData(dzCur.dataId);
    }
    return [dZ, hprev, dh0, dc0];
  });
}
