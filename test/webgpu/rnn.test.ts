// WebGPU fused recurrent kernels (src/backends/webgpu/kernels/rnn.ts) against the js oracle:
// LstmSequence / GruSequence (reset after and before) / SimpleRnnSequence forward, and their
// backward-through-time kernels through sg.grads (x, weights, bias, initial states), with and
// without step masks, recurrent masks and goBackwards; every activation code; more units than
// invocations per row (U = 70 > 64); the LSTM's last-step gradient path (lastOnly, biasRows).
import { it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';

const r = (shape: number[], seed: number, s = 0.5) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, -s, s), shape);
const KERNELS = ['LstmSequence', 'LstmSequenceGrad', 'GruSequence', 'GruSequenceGrad', 'SimpleRnnSequence', 'SimpleRnnSequenceGrad'];
const B = 3;
const T = 5;
const F = 4;
const mask = () => sg.tensor([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0], [B, T]);
const recMask = (U: number) => sg.tensor(Float32Array.from(randArray(B * U, 99), (v) => (v > -0.3 ? 1.4 : 0)), [B, U]);
const loss = (ts: sg.Tensor[]) => sg.addN(ts.map((t, i) => sg.sum(sg.mul(t, sg.add(t, i + 1)))));

describeGpu('webgpu recurrent sequences vs the js oracle', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(KERNELS);

  for (const masked of [false, true]) {
    const opts = (U: number): sg.RnnSequenceOptions =>
      masked ? { returnSequences: true, mask: mask(), recurrentMask: recMask(U), goBackwards: true } : { returnSequences: true };
    it(`lstmSequence forward and gradients${masked ? ' (mask, recurrent mask, goBackwards, relu / hardSigmoid)' : ''}`, () =>
      vsJs(() => {
        const U = 5;
        const args = [r([B, T, F], 1), r([F, 4 * U], 2), r([U, 4 * U], 3), r([4 * U], 4), r([B, U], 5), r([B, U], 6)];
        const o = { ...opts(U), ...(masked ? { activation: 'relu' as const, recurrentActivation: 'hardSigmoid' as const } : {}) };
        const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor, c0: sg.Tensor) => {
          const res = sg.lstmSequence(x, k, rk, b, h0, c0, o);
          return loss([res.output, res.c]);
        };
        const res = sg.lstmSequence(args[0], args[1], args[2], args[3], args[4], args[5], o);
        return [res.output, res.h, res.c, ...sg.grads(f)(args)];
      }));

    // No returnSequences under a tape: LstmSequenceGrad takes the last step's dh, dc as [B, 1, U]
    // (attr lastOnly) and sums each row's dG for the bias (attr biasRows); src/ops/rnn.ts.
    it(`lstmSequence last-step gradients (lastOnly, biasRows)${masked ? ' (mask, recurrent mask, goBackwards)' : ''}`, () =>
      vsJs(() => {
        const U = 5;
        const args = [r([B, T, F], 21), r([F, 4 * U], 22), r([U, 4 * U], 23), r([4 * U], 24), r([B, U], 25), r([B, U], 26)];
        const o = { ...opts(U), returnSequences: false };
        const w = r([B, U], 27);
        const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor, c0: sg.Tensor) => {
          const res = sg.lstmSequence(x, k, rk, b, h0, c0, o);
          return sg.add(sg.sum(sg.mul(res.h, w)), sg.sum(sg.square(res.c)));
        };
        return sg.grads(f)(args);
      }));

    it(`gruSequence (reset after and before) forward and gradients${masked ? ' (mask, recurrent mask, goBackwards)' : ''}`, () =>
      vsJs(() => {
        const U = 5;
        const out: sg.Tensor[] = [];
        for (const resetAfter of [true, false]) {
          const args = [r([B, T, F], 7), r([F, 3 * U], 8), r([U, 3 * U], 9), resetAfter ? r([2, 3 * U], 10) : r([3 * U], 10), r([B, U], 11)];
          const o = { ...opts(U), resetAfter };
          const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor) => loss([sg.gruSequence(x, k, rk, b, h0, o).output]);
          out.push(sg.gruSequence(args[0], args[1], args[2], args[3], args[4], o).output, ...sg.grads(f)(args));
        }
        return out;
      }));

    it(`simpleRnnSequence forward and gradients, U = 70${masked ? ' (mask, recurrent mask, goBackwards)' : ''}`, () =>
      vsJs(() => {
        const U = 70;
        const args = [r([B, T, F], 12), r([F, U], 13), r([U, U], 14, 0.15), r([U], 15), r([B, U], 16)];
        const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor) =>
          loss([sg.simpleRnnSequence(x, k, rk, b, h0, opts(U)).output]);
        return [sg.simpleRnnSequence(args[0], args[1], args[2], args[3], args[4], opts(U)).output, ...sg.grads(f)(args)];
      }));
  }

  it('every activation code (forward and gradient through simpleRnnSequence)', () =>
    vsJs(() => {
      const acts: sg.RnnActivation[] = ['linear', 'tanh', 'sigmoid', 'hardSigmoid', 'relu', 'hardSigmoidKeras2', 'elu', 'softsign', 'relu6', 'selu', 'softplus', 'exponential'];
      return acts.flatMap((activation, i) => {
        const args = [r([2, 3, F], 20 + i, 2), r([F, 3], 40 + i), r([3, 3], 60 + i), r([3], 80 + i), r([2, 3], 90 + i)];
        const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor) =>
          sg.sum(sg.simpleRnnSequence(x, k, rk, b, h0, { returnSequences: true, activation }).output);
        return [sg.simpleRnnSequence(args[0], args[1], args[2], args[3], args[4], { returnSequences: true, activation }).output, ...sg.grads(f)(args)];
      });
    }));
});
