// ConvLSTM2D's recurrence is one tape node (fused kernels: forward keeps h, c and the gates of
// each step; backward makes every gradient step by step; the composed path for other
// activations keeps h and c and recomputes one step at a time). Its peak memory for forward +
// backward therefore grows with the sequence like the states do, not like a composed per-step
// graph (which kept ~20 tensors per step plus a zero-padded whole-sequence gradient per step,
// T^2). The values and gradients themselves are checked against tfjs-layers, Keras and finite
// differences in test/layers/conv_lstm*.test.ts; here: the memory bound, and bit-equal results
// with and without a tape (the forward is the same code).
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { BACKENDS, checkNoLeaks, rand, take, withBackend } from '../helpers.js';

/** Peak bytes above the start of forward + backward (all weight gradients) for a sequence of T steps. */
function peakOf(layer: sg.Layer, x: sg.Tensor): number {
  const vars = layer.trainableWeights.map((w) => w.variable);
  const base = sg.memory().numBytes;
  ENGINE.resetPeak();
  const { value, grads } = sg.variableGrads(() => sg.mean(sg.square(layer.apply(x) as sg.Tensor)), vars);
  const peak = sg.memory().peakBytes - base;
  sg.dispose([value, ...Object.values(grads)]);
  return peak;
}

describe('ConvLSTM2D memory', () => {
  checkNoLeaks();

  for (const backend of BACKENDS) {
    it(`forward + backward peaks at a few sequences' worth of states, growing linearly with T, on ${backend}`, async () => {
      await withBackend(backend, () => {
        const [B, S, F] = [2, 12, 4];
        const layer = sg.layers.convLstm2d({ filters: F, kernelSize: 3, padding: 'same', returnSequences: true });
        const x0 = rand([1, 2, S, S, 2], 1);
        sg.tidy(() => void layer.apply(x0)); // builds the weights
        x0.dispose();
        const peaks: number[] = [];
        for (const T of [8, 16]) {
          const x = rand([B, T, S, S, 2], T);
          peaks.push(peakOf(layer, x));
          // One output sequence [B, T, S, S, F] in bytes: h and c of every step are 2 of these.
          const seqBytes = B * T * S * S * F * 4;
          // Measured here (fused kernels, js and wasm): 11.25 sequences' worth at T = 8, 11.13 at
          // T = 16 (h, c, the gates (4), the output's gradient and the loss's temporaries). The
          // checkpointed composed layer before: 19 and 13; the per-step composed one: 141 and 205.
          expect(peaks[peaks.length - 1]).toBeLessThan(14 * seqBytes);
          x.dispose();
        }
        expect(peaks[1] / peaks[0]).toBeLessThan(2.2); // linear: measured 1.98 (the per-step composed layer: 2.9)
        // The same forward with and without a tape.
        const x = rand([B, 5, S, S, 2], 3);
        const a = take(layer.apply(x) as sg.Tensor);
        const { value, grads } = sg.variableGrads(() => sg.sum(layer.apply(x) as sg.Tensor), layer.trainableWeights.map((w) => w.variable));
        expect(take(sg.tidy(() => sg.sum(sg.tensor(a))))).toEqual([value.dataSync()[0]]);
        sg.dispose([x, value, ...Object.values(grads)]);
        layer.dispose();
      });
    });
  }
});
