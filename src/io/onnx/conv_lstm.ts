// ONNX converter of ConvLSTM2D. ONNX has no convolutional LSTM op, so the sequence is unrolled
// (a known number of time steps is needed), as simdgrad itself computes it: all input
// convolutions in one Conv over [batch * time], then per step z = z_x[t] + conv(h, recurrent
// kernel, 'same'), gates i f c o (Keras' order), c = f c + i act(z_c), h = o act(c). Everything
// runs channels-first; at step 0 the states are zero, so its recurrent convolution is skipped.
import type { LayerWeight } from '../../layers/layer.js';
import { activation } from './activations.js';
import { weightInit } from './core.js';
import { convWeight, padAttrs } from './conv.js';
import { Unsupported, type Converter } from './graph.js';

interface ConvLstmLike {
  name: string;
  filters: number;
  kernelSize: number[];
  strides: number[];
  padding: 'valid' | 'same';
  dilationRate: number[];
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  activationName: string;
  recurrentActivationName: string;
  kernel?: LayerWeight;
  recurrentKernel?: LayerWeight;
  bias?: LayerWeight;
}

export const convLstmConverters: Record<string, Converter> = {
  ConvLSTM2D: (g, { layer, inputs, outShapes }) => {
    const l = layer as ConvLstmLike;
    const p = l.name;
    const [x, ...init] = inputs;
    const [, T, H, W, C] = x.shape;
    if (T === null || H === null || W === null || C === null) {
      throw new Unsupported(`the unrolled sequence needs known time, rows, cols and channels; the input is ${JSON.stringify(x.shape)}`);
    }
    const F = l.filters;
    const state = (outShapes[l.returnState ? 1 : 0] as (number | null)[]).slice(-3) as number[];
    const [R, Q] = state;
    // Input convolutions of every step at once, channels-first: [B*T, 4F, R, Q] -> [B, T, 4F, R, Q].
    const flat = g.op('Reshape', [x.name, g.i64([-1, H, W, C])], {}, `${p}/merge_time`);
    const ins = [g.op('Transpose', [flat], { perm: [0, 3, 1, 2] }, `${p}/to_channels_first`), convWeight(g, l.kernel!, 2)];
    if (l.bias) ins.push(weightInit(g, l.bias));
    const zx = g.op(
      'Conv',
      ins,
      { kernel_shape: l.kernelSize, strides: l.strides, dilations: l.dilationRate, group: 1, ...padAttrs(l.padding, [H, W], l.kernelSize, l.strides, l.dilationRate) },
      `${p}/input_conv`,
    );
    const z5 = g.op('Reshape', [zx, g.i64([-1, T, 4 * F, R, Q])], {}, `${p}/split_time`);
    const RK = convWeight(g, l.recurrentKernel!, 2);
    const recAttrs = { kernel_shape: l.kernelSize, strides: [1, 1], dilations: [1, 1], group: 1, ...padAttrs('same', [R, Q], l.kernelSize, [1, 1], [1, 1]) };
    const toCF = (v: string, i: number) => g.op('Transpose', [v], { perm: [0, 3, 1, 2] }, `${p}/initial_state${i}`);
    let h: string | null = init.length ? toCF(init[0].name, 0) : null;
    let c: string | null = init.length ? toCF(init[1].name, 1) : null;
    const seq: string[] = [];
    for (let s = 0; s < T; s++) {
      const t = l.goBackwards ? T - 1 - s : s;
      const ps = `${p}/step${s}`;
      let z = g.op('Squeeze', [g.slice(z5, [t], [t + 1], [1], `${ps}/z_x`), g.i64([1])], {}, `${ps}/squeeze`);
      if (h) z = g.op('Add', [z, g.op('Conv', [h, RK], recAttrs, `${ps}/recurrent_conv`)], {}, `${ps}/z`);
      const gate = (k: number) => g.slice(z, [k * F], [(k + 1) * F], [1], `${ps}/gate${k}`);
      const rec = (k: number) => activation(g, l.recurrentActivationName, gate(k), `${ps}/gate${k}`, 1);
      const i = rec(0);
      const cand = g.op('Mul', [i, activation(g, l.activationName, gate(2), `${ps}/candidate`, 1)], {}, `${ps}/input_part`);
      c = c ? g.op('Add', [g.op('Mul', [rec(1), c], {}, `${ps}/forget_part`), cand], {}, `${ps}/c`) : cand;
      h = g.op('Mul', [rec(3), activation(g, l.activationName, c, `${ps}/c_act`, 1)], {}, `${ps}/h`);
      if (l.returnSequences) seq.push(g.op('Unsqueeze', [h, g.i64([1])], {}, `${ps}/as_step`));
    }
    const hLast = g.channelsLast(h!, 4, p);
    const out = l.returnSequences
      ? g.op('Transpose', [g.op('Concat', seq, { axis: 1 }, `${p}/sequence`)], { perm: [0, 1, 3, 4, 2] }, `${p}/to_channels_last`)
      : hLast;
    return l.returnState ? [out, hLast, g.channelsLast(c!, 4, p)] : [out];
  },
};
