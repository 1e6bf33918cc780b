// WebGPU's LstmSequenceGrad with lastOnly (src/ops/rnn.ts: lstmSequence without returnSequences
// under a gradient tape hands the backward kernel the last step's dh and dc as [batch, 1, units])
// against the js oracle: gradients of h and c for every input, plain and with a step mask, a
// recurrent mask and goBackwards.
import { it } from 'vitest';
import * as sg from '../../src/index.js';
import { checkNoLeaks, randArray } from '../helpers.js';
import { describeGpu, onWebGpuWithNativeKernels, vsJs } from './helpers.js';

const r = (shape: number[], seed: number, s = 0.5) => sg.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed, -s, s), shape);
const [B, T, F, U] = [3, 5, 4, 5];

describeGpu('webgpu lstmSequence: the last step gradient (lastOnly)', () => {
  checkNoLeaks();
  onWebGpuWithNativeKernels(['LstmSequence', 'LstmSequenceGrad']);

  for (const masked of [false, true]) {
    it(`gradients of h and c${masked ? ' (mask, recurrent mask, goBackwards)' : ''}`, () =>
      vsJs(() => {
        const o: sg.RnnSequenceOptions = masked
          ? {
              mask: sg.tensor([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0], [B, T]),
              recurrentMask: sg.tensor(Float32Array.from(randArray(B * U, 99), (v) => (v > -0.3 ? 1.4 : 0)), [B, U]),
              goBackwards: true,
            }
          : {};
        const args = [r([B, T, F], 1), r([F, 4 * U], 2), r([U, 4 * U], 3), r([4 * U], 4), r([B, U], 5), r([B, U], 6)];
        const w = r([B, U], 7);
        const f = (x: sg.Tensor, k: sg.Tensor, rk: sg.Tensor, b: sg.Tensor, h0: sg.Tensor, c0: sg.Tensor) => {
          const res = sg.lstmSequence(x, k, rk, b, h0, c0, o);
          return sg.add(sg.sum(sg.mul(res.h, w)), sg.sum(sg.square(res.c)));
        };
        return sg.grads(f)(args);
      }));
  }
});
