// The fused recurrent kernels' activations beyond tanh/sigmoid: Keras 2's (and tfjs-layers')
// hard sigmoid clip(0.2x + 0.5, 0, 1), Keras 3's relu6(x + 3) / 6, elu, softsign, relu6, selu,
// softplus, exponential, relu and linear, as activation and as recurrentActivation of
// lstmSequence, gruSequence (both reset forms) and simpleRnnSequence. Each is checked, forward and
// backward (input, weight, state gradients), against the same recurrence composed from ops (the
// layers' step functions and tape gradients) on every backend, wasm against the js oracle, and by
// finite differences; the layers pick the composed path for activations the kernels lack
// (gelu, swish, mish, leaky_relu) with the same results as a plain loop.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { getActivation } from '../src/activations/index.js';
import { gruStep, lstmStep, simpleRnnStep } from '../src/layers/recurrent/cells.js';
import { runCellSequence } from '../src/layers/recurrent/rnn.js';
import type { RnnActivation } from '../src/ops/rnn.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, rand, take, withBackend } from './helpers.js';

const B = 3;
const T = 4;
const I = 3;
const U = 5;

/** fused name -> Keras name of the activation function. */
const ACTS: [RnnActivation, string][] = [
  ['hardSigmoidKeras2', 'hard_sigmoid_keras2'],
  ['hardSigmoid', 'hard_sigmoid'],
  ['elu', 'elu'],
  ['softsign', 'softsign'],
  ['relu6', 'relu6'],
  ['selu', 'selu'],
  ['softplus', 'softplus'],
  ['exponential', 'exponential'],
  ['relu', 'relu'],
  ['linear', 'linear'],
  ['sigmoid', 'sigmoid'],
  ['tanh', 'tanh'],
];

type Kind = 'lstm' | 'gru' | 'gruBefore' | 'simple';

/** The inputs of one case: x, kernel, recurrent kernel, bias, h0 (and c0), a mask. */
function inputs(kind: Kind, seed: number, s = 1): sg.Tensor[] {
  const G = kind === 'lstm' ? 4 : kind === 'simple' ? 1 : 3;
  const bias = kind === 'gru' ? rand([2, G * U], seed + 3, -0.3 * s, 0.3 * s) : rand([G * U], seed + 3, -0.3 * s, 0.3 * s);
  const list = [rand([B, T, I], seed, -1.5 * s, 1.5 * s), rand([I, G * U], seed + 1, -0.6 * s, 0.6 * s), rand([U, G * U], seed + 2, -0.5 * s, 0.5 * s), bias, rand([B, U], seed + 4, -0.5 * s, 0.5 * s)];
  if (kind === 'lstm') list.push(rand([B, U], seed + 5, -0.5 * s, 0.5 * s));
  return list;
}

const MASK = [1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1];

/** The fused op: the output sequence and the final states, concatenated into one tensor. */
function fused(kind: Kind, act: RnnActivation, recAct: RnnActivation, goBackwards: boolean) {
  return (...t: sg.Tensor[]): sg.Tensor =>
    sg.tidy(() => {
    const mask = sg.tensor(MASK, [B, T]);
    const o = { goBackwards, returnSequences: true, mask, activation: act, recurrentActivation: recAct };
    let parts: sg.Tensor[];
    if (kind === 'lstm') {
      const r = sg.lstmSequence(t[0], t[1], t[2], t[3], t[4], t[5], o);
      parts = [r.output, r.h, r.c];
    } else if (kind === 'simple') {
      const r = sg.simpleRnnSequence(t[0], t[1], t[2], t[3], t[4], o);
      parts = [r.output, r.h];
    } else {
      const r = sg.gruSequence(t[0], t[1], t[2], t[3], t[4], { ...o, resetAfter: kind === 'gru' });
      parts = [r.output, r.h];
    }
    return sg.concat(parts.map((p) => sg.reshape(p, [-1])), 0);
    });
}

/** The same recurrence composed from ops (the layers' step functions), tape-differentiated. */
function composed(kind: Kind, act: string, recAct: string, goBackwards: boolean) {
  const a = getActivation(act);
  const ra = getActivation(recAct);
  return (...t: sg.Tensor[]): sg.Tensor =>
    sg.tidy(() => {
      const mask = sg.tensor(MASK, [B, T]);
      const w = { kernel: t[1], recurrentKernel: t[2], bias: t[3] };
      const step = (xt: sg.Tensor, s: sg.Tensor[]): [sg.Tensor, sg.Tensor[]] => {
        if (kind === 'lstm') {
          const [h, c] = lstmStep(xt, s[0], s[1], w, a, ra);
          return [h, [h, c]];
        }
        const h = kind === 'simple' ? simpleRnnStep(xt, s[0], w, a) : gruStep(xt, s[0], w, a, ra, kind === 'gru');
        return [h, [h]];
      };
      const r = runCellSequence(t[0], kind === 'lstm' ? [t[4], t[5]] : [t[4]], step, { goBackwards, returnSequences: true, mask });
      return sg.concat([r.output, ...r.states].map((p) => sg.reshape(p, [-1])), 0);
    });
}

function valuesAndGrads(f: (...t: sg.Tensor[]) => sg.Tensor, t: sg.Tensor[], w: sg.Tensor): number[][] {
  const out = take(sg.tidy(() => f(...t)));
  const g = sg.grads((...xs: sg.Tensor[]) => sg.sum(sg.mul(f(...xs), w)))(t);
  return [out, ...g.map(take)];
}

describe('fused recurrent kernels: every activation, forward and backward', () => {
  checkNoLeaks();

  const kinds: Kind[] = ['lstm', 'gru', 'gruBefore', 'simple'];
  for (const kind of kinds) {
    it(`${kind}: each activation (and recurrentActivation) equals the composed recurrence on every backend, and wasm equals the js oracle`, async () => {
      let checked = 0;
      for (const [fusedName, kerasName] of ACTS) {
        // As activation (recurrent: sigmoid), and as recurrentActivation (activation: tanh).
        const pairs: [RnnActivation, RnnActivation, string, string][] = [[fusedName, 'sigmoid', kerasName, 'sigmoid']];
        if (kind !== 'simple') pairs.push(['tanh', fusedName, 'tanh', kerasName]);
        for (const [act, recAct, ka, kra] of pairs) {
          const goBack = checked % 2 === 1;
          const perBackend: number[][][] = [];
          for (const backend of BACKENDS) {
            await withBackend(backend, () => {
              // exp(exp(...)) overflows a recurrence over unit-sized values: exponential gets small ones.
              const t = inputs(kind, 10 + checked, fusedName === 'exponential' ? 0.2 : 1);
              const n = take(fused(kind, act, recAct, goBack)(...t)).length;
              const w = rand([n], 77, 0.5, 1.5);
              const a = valuesAndGrads(fused(kind, act, recAct, goBack), t, w);
              const b = valuesAndGrads(composed(kind, ka, kra, goBack), t, w);
              a.forEach((v, i) => {
                try {
                  expectClose(v, b[i], 2e-4, 2e-5);
                } catch (e) {
                  throw new Error(`${kind} act ${act} recAct ${recAct} on ${backend}, ${i === 0 ? 'values' : `gradient ${i - 1}`}: ${(e as Error).message}`);
                }
              });
              perBackend.push(a);
              sg.dispose([...t, w]);
            });
          }
          for (let k = 1; k < perBackend.length; k++) {
            perBackend[k].forEach((v, i) => expectClose(v, perBackend[0][i], 2e-4, 2e-5));
          }
          checked++;
        }
      }
      expect(checked).toBe(kind === 'simple' ? ACTS.length : 2 * ACTS.length);
    });
  }

  it("the fused kernels' gradients equal finite differences (Keras 2 hard sigmoid, elu, softsign, selu, softplus)", async () => {
    for (const backend of BACKENDS) {
      await withBackend(backend, () => {
        const cases: [Kind, RnnActivation, RnnActivation][] = [
          ['lstm', 'tanh', 'hardSigmoidKeras2'],
          ['gru', 'elu', 'hardSigmoidKeras2'],
          ['gruBefore', 'softsign', 'sigmoid'],
          ['simple', 'selu', 'sigmoid'],
          ['lstm', 'softplus', 'sigmoid'],
        ];
        cases.forEach(([kind, act, recAct], i) => {
          const t = inputs(kind, 40 + i);
          try {
            // Differentiate with respect to x, the kernels and h0 (the bias rides along).
            gradCheck((x, k, r, h0) => fused(kind, act, recAct, false)(x, k, r, t[3], h0, ...t.slice(5)), [t[0], t[1], t[2], t[4]], { eps: 1e-2, rtol: 3e-2, atol: 3e-3 });
          } catch (e) {
            throw new Error(`${kind} ${act}/${recAct} on ${backend}: ${(e as Error).message}`);
          }
          sg.dispose(t);
        });
      });
    }
  }, 120_000);

  it('LSTM, GRU and SimpleRNN layers with activations the kernels lack (gelu, swish, mish, leaky_relu) run the composed loop and equal a plain loop of the step', () => {
    const x = rand([B, T, I], 5, -1, 1);
    const layers: [sg.Layer & { fusable: boolean }, Kind, string, string][] = [
      [sg.layers.lstm({ units: U, activation: 'gelu', returnSequences: true }) as never, 'lstm', 'gelu', 'sigmoid'],
      [sg.layers.gru({ units: U, recurrentActivation: 'swish', returnSequences: true }) as never, 'gru', 'tanh', 'swish'],
      [sg.layers.simpleRNN({ units: U, activation: 'mish', returnSequences: true }) as never, 'simple', 'mish', 'sigmoid'],
      [sg.layers.gru({ units: U, activation: 'leaky_relu', resetAfter: false, returnSequences: true }) as never, 'gruBefore', 'leaky_relu', 'sigmoid'],
    ];
    for (const [layer, kind, act, recAct] of layers) {
      const y = layer.apply(x) as sg.Tensor;
      expect(layer.fusable).toBe(false);
      const [k, r, b] = layer.getWeights();
      const h0 = sg.zeros([B, U]);
      const ref = sg.tidy(() => {
        const w = { kernel: k, recurrentKernel: r, bias: b };
        const a = getActivation(act);
        const ra = getActivation(recAct);
        let h = h0;
        let c = h0;
        const outs: sg.Tensor[] = [];
        for (const xt of sg.unstack(x, 1)) {
          if (kind === 'lstm') [h, c] = lstmStep(xt, h, c, w, a, ra);
          else if (kind === 'simple') h = simpleRnnStep(xt, h, w, a);
          else h = gruStep(xt, h, w, a, ra, kind === 'gru');
          outs.push(h);
        }
        return sg.stack(outs, 1);
      });
      expectClose(take(y), take(ref), 1e-6, 1e-7);
      sg.dispose([k, r, b, h0]);
      layer.dispose();
    }
    // A fusable configuration takes the kernel.
    const l = sg.layers.lstm({ units: 2, recurrentActivation: 'hardSigmoidKeras2' }) as unknown as { fusable: boolean; dispose(): void };
    expect(l.fusable).toBe(true);
    l.dispose();
    x.dispose();
  });
});
