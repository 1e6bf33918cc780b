// ConvLSTM2D's fused recurrence: the whole sequence, forward and backward, in a few big kernel
// calls instead of ~20 ops per step.
//
// Forward: the input convolution of every step is one 'Conv' over the B*T frames (bias fused
// in its epilogue), then one 'ConvLstmSequence' kernel runs the recurrence: per step the
// backend's own recurrent convolution and one fused kernel for input projection + recurrent
// product + gates + cell and hidden update (src/backends/wasm/kernels/conv_lstm.ts,
// assembly/conv_lstm.ts; js oracle src/backends/js/kernels/conv_lstm.ts).
// Backward: one 'ConvLstmSequenceGrad' walks the steps newest first: per step the fused
// gate-gradient kernel, then from that step's gate gradients the recurrent convolution's input
// gradient (dh_{t-1}) and the gradients of both kernels, the bias and the step's input frames,
// summed step by step.
//
// Memory: the whole recurrence is one tape node (customGrad). It keeps h and c of every step
// and the activated gates (the "reserve", as cuDNN and the fused LSTM); the input projection
// is freed right after forward, and backward holds one step's gradients besides its outputs,
// so nothing grows with the number of ops per step (the composed layer before kept ~20
// tensors per step) and backward adds no sequence-sized buffers.
import { Act } from '../../backends/wasm/codes.generated.js';
import { ENGINE } from '../../engine/engine.js';
import { fmt } from '../../engine/shape.js';
import type { Tensor } from '../../engine/tensor.js';
import { customGrad } from '../../ops/env.js';
import { spatialGeom } from '../../ops/conv_util.js';
import { reshape } from '../../ops/reshape.js';
import { RNN_ACT, type RnnActivation } from '../../ops/rnn.js';
import { run1 } from '../../ops/util.js';

/** What {@link convLstm2dSequence} needs besides the tensors. */
export interface ConvLstmSequenceSpec {
  /** Strides of the input convolution [rows, cols]. */
  strides: number[];
  /** Dilation of the input convolution [rows, cols]. */
  dilationRate: number[];
  /** Padding of the input convolution (the recurrent one is always 'same'). */
  padding: 'valid' | 'same';
  /** Process the sequence backwards (outputs in processing order). */
  goBackwards: boolean;
  /** The cell activation (a fused-kernel name). */
  activation: RnnActivation;
  /** The gates' activation (a fused-kernel name). */
  recurrentActivation: RnnActivation;
  /** [B, R, Q, F] multiplied into h_{t-1} before the recurrent convolution (recurrent dropout), or null. */
  recurrentMask: Tensor | null;
  /** Return h of every step (else only the last). */
  returnSequences: boolean;
  /** Return the final c too. */
  returnState: boolean;
}

/**
 * Whether the active backend has the fused ConvLSTM2D kernels (the js and wasm backends do). A
 * backend that lists its own kernels (`native`: webgpu) must have them natively: there they
 * would fall back to the CPU, which cannot read GPU-only inputs, so the composed path runs.
 */
export function hasFusedConvLstm(): boolean {
  const k = ENGINE.backend.kernels;
  const native = (ENGINE.backend as { native?: ReadonlySet<string> }).native;
  const has = (n: string) => k.has(n) && (!native || native.has(n));
  return has('ConvLstmSequence') && has('ConvLstmSequenceGrad');
}

/**
 * ConvLSTM2D over the whole sequence in fused kernels. x [B, T, H, W, C]; kernel
 * [kh, kw, C, 4F], recurrentKernel [kh, kw, F, 4F], bias [4F] or null (Keras layout, gates i,
 * f, c, o); h0, c0 [B, R, Q, F]. Returns one tensor (so the recurrence is one tape node)
 * [B, K, R, Q, F]: h of every step in processing order (returnSequences) or of the last step,
 * then, with returnState, the final c: K = T, T+1, 1 or 2.
 * Differentiable with respect to x, the weights and the initial states. The caller validates.
 */
export function convLstm2dSequence(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  h0: Tensor,
  c0: Tensor,
  spec: ConvLstmSequenceSpec,
): Tensor {
  const [B, T, H, W, C] = x.shape;
  const [KH, KW, , G] = kernel.shape;
  const F = G / 4;
  const [R, Q] = h0.shape.slice(1, 3);
  const g = spatialGeom(
    'ConvLSTM2D',
    [H, W],
    [KH, KW],
    spec.strides,
    spec.dilationRate,
    spec.padding,
    [1, 2],
    undefined,
    `x ${fmt(x.shape)} and kernel ${fmt(kernel.shape)}`,
  );
  const inAttrs = {
    strides: [1, ...spec.strides],
    dilations: [1, ...spec.dilationRate],
    pads: [0, ...g.pads],
    out: [1, ...g.out],
    act: Act.Linear,
    gradOp: null,
  };
  // The recurrent convolution: stride 1, 'same' (Keras pads the odd cell at the end).
  const recAttrs = {
    strides: [1, 1, 1],
    dilations: [1, 1, 1],
    pads: [0, Math.floor((KH - 1) / 2), Math.floor((KW - 1) / 2)],
    out: [1, R, Q],
  };
  const attrs = {
    goBackwards: spec.goBackwards ? 1 : 0,
    act: RNN_ACT[spec.activation],
    recAct: RNN_ACT[spec.recurrentActivation],
    returnSequences: spec.returnSequences ? 1 : 0,
    returnState: spec.returnState ? 1 : 0,
    rec: recAttrs,
    inConv: inAttrs,
  };
  const rm = spec.recurrentMask ? [spec.recurrentMask] : [];
  const frames = [B * T, 1, H, W, C];
  const k5 = (k: Tensor) => reshape(k, [1, KH, KW, C, G]);
  const inputs = bias ? [x, kernel, recurrentKernel, bias, h0, c0] : [x, kernel, recurrentKernel, h0, c0];
  const op = customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as (t: Tensor[]) => void;
    const xz = run1('Conv', bias ? [reshape(x, frames), k5(kernel), bias] : [reshape(x, frames), k5(kernel)], inAttrs);
    const [val, cs, gates, hsRes] = ENGINE.runKernel(
      'ConvLstmSequence',
      [reshape(xz, [B, T, R, Q, G]), recurrentKernel, h0, c0, ...rm],
      attrs,
    );
    // Every step's h: in val itself with returnSequences, else in a reserve of its own.
    save([hsRes ?? val, cs, gates, x, kernel, recurrentKernel, h0, c0, ...rm]);
    return {
      value: val,
      gradFunc: (dy: Tensor, [hs, cAll, gAll, xs, k, rk, h0s, c0s, m]: Tensor[]) => {
        const [dx, dk, drk, db, dh0, dc0] = ENGINE.runKernel(
          'ConvLstmSequenceGrad',
          [xs, k, rk, h0s, c0s, hs, cAll, gAll, dy, ...(m ? [m] : [])],
          attrs,
        );
        if (bias) return [dx, dk, drk, db, dh0, dc0];
        db.dispose();
        return [dx, dk, drk, dh0, dc0];
      },
    };
  });
  return (op as (...t: Tensor[]) => Tensor)(...inputs);
}
