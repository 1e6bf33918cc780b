// ConvLSTM2D's fused kernels (src/layers/recurrent/conv_lstm_op.ts; wasm: assembly/conv_lstm.ts
// + src/backends/wasm/kernels/conv_lstm.ts; js oracle: src/backends/js/kernels/conv_lstm.ts):
//   - wasm against the js oracle, values and every gradient, over all fused activations, both
//     recurrent-conv paths (3x3: Winograd; other windows: im2col + GEMM), channel counts that are
//     and are not multiples of 4, goBackwards, recurrent dropout masks, no bias, strides/dilation;
//   - the layer's fused path against the previous implementation (the same recurrence composed
//     of ops, still the path for activations the kernels lack) with the same weights: outputs,
//     states, and gradients of the weights, the input and the initial states, with dropout and
//     recurrent dropout drawn from the same seeds;
//   - gradients of the initial states and through recurrent masks against finite differences;
//   - bit-identical results on one thread and on the pool with every call split.
// Values against tfjs-layers and finite differences of the weights: test/layers/conv_lstm.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import type { RnnActivation } from '../../src/ops/rnn.js';
import { convLstm2dSequence, type ConvLstmSequenceSpec } from '../../src/layers/recurrent/conv_lstm_op.js';
import type { WasmBackend } from '../../src/backends/wasm/index.js';
import { setThreads } from '../../src/threads.js';
import { checkNoLeaks, expectClose, randArray, take, withBackend } from '../helpers.js';

interface OpCase {
  name: string;
  shape: number[]; // [B, T, H, W, C]
  F: number;
  kernel: number[];
  spec: Partial<ConvLstmSequenceSpec>;
  bias?: boolean;
  recMask?: boolean;
}

const ACTS: [RnnActivation, RnnActivation][] = [
  ['tanh', 'sigmoid'],
  ['relu', 'hardSigmoid'],
  ['elu', 'hardSigmoidKeras2'],
  ['softsign', 'sigmoid'],
  ['relu6', 'hardSigmoid'],
  ['selu', 'sigmoid'],
  ['softplus', 'hardSigmoidKeras2'],
  ['linear', 'sigmoid'],
  ['exponential', 'sigmoid'],
];

const CASES: OpCase[] = [
  {
    name: '3x3 same, 3 filters, goBackwards, recurrent mask',
    shape: [2, 3, 6, 5, 2],
    F: 3,
    kernel: [3, 3],
    spec: { padding: 'same', goBackwards: true, returnState: false },
    recMask: true,
  },
  {
    name: '[2, 3] window, valid, strides 2, 8 filters, last output and states',
    shape: [2, 3, 7, 8, 3],
    F: 8,
    kernel: [2, 3],
    spec: { strides: [2, 2], returnSequences: false },
  },
  {
    name: '3x3 dilation 2, 5 filters, no bias, mask, last output only',
    shape: [1, 4, 7, 7, 1],
    F: 5,
    kernel: [3, 3],
    spec: { dilationRate: [2, 2], padding: 'same', returnSequences: false, returnState: false },
    bias: false,
    recMask: true,
  },
  ...ACTS.map(([a, r]): OpCase => ({
    name: `${a} / ${r}`,
    shape: [1, 2, 4, 4, 2],
    F: 4,
    kernel: [3, 3],
    spec: { padding: 'same', activation: a, recurrentActivation: r },
  })),
];

/** Output and the gradients of x, kernel, recurrent kernel, (bias,) h0, c0 for one case, on the active backend. */
function runOp(c: OpCase, seed: number): number[][] {
  const [B, T, H, W, C] = c.shape;
  const [kh, kw] = c.kernel;
  const F = c.F;
  const spec: ConvLstmSequenceSpec = {
    strides: [1, 1],
    dilationRate: [1, 1],
    padding: 'valid',
    goBackwards: false,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    recurrentMask: null,
    returnSequences: true,
    returnState: true,
    ...c.spec,
  };
  const K = (spec.returnSequences ? T : 1) + (spec.returnState ? 1 : 0);
  const eff = (k: number, i: number) => (k - 1) * spec.dilationRate[i] + 1;
  const R = spec.padding === 'same' ? Math.ceil(H / spec.strides[0]) : Math.ceil((H - eff(kh, 0) + 1) / spec.strides[0]);
  const Q = spec.padding === 'same' ? Math.ceil(W / spec.strides[1]) : Math.ceil((W - eff(kw, 1) + 1) / spec.strides[1]);
  const t = (shape: number[], s: number, lo = -1, hi = 1) => sg.tensor(randArray(shape.reduce((a, v) => a * v, 1), s, lo, hi), shape);
  const ins = [
    t([B, T, H, W, C], seed),
    t([kh, kw, C, 4 * F], seed + 1, -0.5, 0.5),
    t([kh, kw, F, 4 * F], seed + 2, -0.5, 0.5),
    ...(c.bias === false ? [] : [t([4 * F], seed + 3, -0.5, 0.5)]),
    t([B, R, Q, F], seed + 4, -0.5, 0.5),
    t([B, R, Q, F], seed + 5, -0.5, 0.5),
  ];
  const mask = c.recMask ? sg.tensor(randArray(B * R * Q * F, seed + 6).map((v) => (v > -0.3 ? 1.5 : 0)), [B, R, Q, F]) : null;
  const w = t([B, K, R, Q, F], seed + 7, 0.5, 1.5);
  const f = (...a: sg.Tensor[]) => {
    const [x, k, rk] = a;
    const [b, h0, c0] = c.bias === false ? [null, a[3], a[4]] : [a[3], a[4], a[5]];
    return convLstm2dSequence(x, k, rk, b, h0, c0, { ...spec, recurrentMask: mask });
  };
  const y = sg.tidy(() => f(...ins));
  const g = sg.grads((...a: sg.Tensor[]) => sg.sum(sg.mul(f(...a), w)))(ins);
  const res = [take(y), ...g.map(take)];
  sg.dispose([...ins, w, ...(mask ? [mask] : [])]);
  return res;
}

describe('ConvLSTM2D fused kernels: wasm against the js oracle', () => {
  checkNoLeaks();

  for (const c of CASES) {
    it(`values and gradients: ${c.name}`, async () => {
      const oracle = await withBackend('js', () => runOp(c, 3));
      const wasm = await withBackend('wasm', () => runOp(c, 3));
      expect(wasm.length).toBe(oracle.length);
      // exponential makes large values; everything else stays near 1
      wasm.forEach((v, i) => expectClose(v, oracle[i], 2e-4, 2e-5));
      // the output's h and final c differ from 0 and from step to step (a real recurrence ran)
      expect(oracle[0].some((v) => Math.abs(v) > 1e-3)).toBe(true);
    });
  }
});

/** A named function the fused kernels do not know: the layer runs its composed path. */
function tanhComposed(x: sg.Tensor): sg.Tensor {
  return sg.tanh(x);
}
function sigmoidComposed(x: sg.Tensor): sg.Tensor {
  return sg.sigmoid(x);
}
function hardSigmoidComposed(x: sg.Tensor): sg.Tensor {
  return sg.div(sg.relu6(sg.add(x, 3)), 6); // Keras 3's hard_sigmoid
}
function reluComposed(x: sg.Tensor): sg.Tensor {
  return sg.relu(x);
}

describe.each(['js', 'wasm'])('ConvLSTM2D layer on %s: the fused path equals the previous implementation', (backend) => {
  checkNoLeaks();

  const LAYER_CASES: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'sequences + states, goBackwards, initial state, dropout and recurrent dropout',
      { kernelSize: 3, padding: 'same', returnSequences: true, returnState: true, goBackwards: true, dropout: 0.3, recurrentDropout: 0.4, seed: 9 },
      { activation: tanhComposed, recurrentActivation: sigmoidComposed },
    ],
    [
      'last output, [3, 2] window, strides 2, relu / hardSigmoid',
      { kernelSize: [3, 2], strides: 2, activation: 'relu', recurrentActivation: 'hardSigmoid' },
      { activation: reluComposed, recurrentActivation: hardSigmoidComposed },
    ],
  ];

  for (const [name, args, composedActs] of LAYER_CASES) {
    it(name, async () => {
      await withBackend(backend, () => {
        const [B, T, H, W, C, F] = [2, 3, 6, 5, 2, 3];
        const fused = sg.layers.convLstm2d({ filters: F, ...args } as never) as sg.ConvLSTM2D;
        const old = sg.layers.convLstm2d({ filters: F, ...args, ...composedActs } as never) as sg.ConvLSTM2D;
        const x = sg.tensor(randArray(B * T * H * W * C, 41), [B, T, H, W, C]);
        const withState = !!args.returnState;
        const first = fused.apply(x) as sg.Tensor | sg.Tensor[];
        const outs = Array.isArray(first) ? first : [first];
        const stateShape = outs[outs.length - 1].shape;
        sg.dispose([...outs, ...[old.apply(x)].flat()]);
        expect(fused.fusable).toBe(true);
        expect(old.fusable).toBe(false);
        const wv = fused.weights.map((wt, i) => sg.tensor(randArray(wt.shape.reduce((a, v) => a * v, 1), 60 + i, -0.5, 0.5), wt.shape));
        fused.setWeights(wv);
        old.setWeights(wv);
        sg.dispose(wv);
        const h0 = sg.tensor(randArray(stateShape.reduce((a, v) => a * v, 1), 70, -0.5, 0.5), stateShape);
        const c0 = sg.tensor(randArray(h0.size, 71, -0.5, 0.5), stateShape);
        const run = (layer: sg.Layer) => {
          const call = (xi: sg.Tensor, hi: sg.Tensor, ci: sg.Tensor) => {
            const y = layer.apply(xi, { training: true, initialState: withState ? [hi, ci] : undefined }) as sg.Tensor | sg.Tensor[];
            return Array.isArray(y) ? y : [y];
          };
          const ys = call(x, h0, c0);
          const ws = ys.map((o, i) => sg.tensor(randArray(o.size, 80 + i, 0.5, 1.5), o.shape));
          const values = ys.map(take);
          // The layer draws its dropout masks per call: both layers make the same calls in the same order.
          const vars = layer.trainableWeights.map((wt) => wt.variable);
          const loss = (xi: sg.Tensor, hi: sg.Tensor, ci: sg.Tensor) =>
            call(xi, hi, ci)
              .map((o, i) => sg.sum(sg.mul(o, ws[i])))
              .reduce((a, b) => sg.add(a, b));
          const { value, grads } = sg.variableGrads(() => loss(x, h0, c0), vars);
          value.dispose();
          const wg = vars.map((v) => take(grads[v.name]));
          const ig = withState ? sg.grads(loss)([x, h0, c0]).map(take) : [take(sg.grad((xi: sg.Tensor) => loss(xi, h0, c0))(x))];
          sg.dispose(ws);
          return [...values, ...wg, ...ig];
        };
        const a = run(fused);
        const b = run(old);
        expect(a.length).toBe(b.length);
        a.forEach((v, i) => expectClose(v, b[i], 1e-4, 1e-5));
        sg.dispose([x, h0, c0]);
        fused.dispose();
        old.dispose();
      });
    });
  }
});

describe('ConvLSTM2D fused kernels: gradients against finite differences', () => {
  checkNoLeaks();

  it('initial states and the recurrent kernel through a recurrent mask, goBackwards (wasm)', async () => {
    await withBackend('wasm', () => {
      const [B, T, H, W, C, F] = [1, 3, 3, 3, 1, 2];
      const x = sg.tensor(randArray(B * T * H * W * C, 91), [B, T, H, W, C]);
      const k = sg.tensor(randArray(9 * C * 4 * F, 92, -0.5, 0.5), [3, 3, C, 4 * F]);
      const rk = sg.tensor(randArray(9 * F * 4 * F, 93, -0.5, 0.5), [3, 3, F, 4 * F]);
      const h0 = sg.tensor(randArray(B * H * W * F, 94, -0.5, 0.5), [B, H, W, F]);
      const c0 = sg.tensor(randArray(B * H * W * F, 95, -0.5, 0.5), [B, H, W, F]);
      const m = sg.tensor(randArray(B * H * W * F, 96).map((v) => (v > -0.3 ? 1.25 : 0)), [B, H, W, F]);
      const w = sg.tensor(randArray(B * (T + 1) * H * W * F, 97, 0.5, 1.5), [B, T + 1, H, W, F]);
      const spec: ConvLstmSequenceSpec = {
        strides: [1, 1],
        dilationRate: [1, 1],
        padding: 'same',
        goBackwards: true,
        activation: 'tanh',
        recurrentActivation: 'sigmoid',
        recurrentMask: m,
        returnSequences: true,
        returnState: true,
      };
      const loss = (r: sg.Tensor, h: sg.Tensor, c: sg.Tensor) => sg.sum(sg.mul(convLstm2dSequence(x, k, r, null, h, c, spec), w));
      const analytic = sg.grads(loss)([rk, h0, c0]).map(take);
      const eps = 1e-2;
      [rk, h0, c0].forEach((t, which) => {
        const base = Float32Array.from(t.dataSync());
        const numeric = Array.from(base, (_, i) => {
          const at = (d: number) =>
            sg.tidy(() => {
              const p = base.slice();
              p[i] += d;
              const args = [rk, h0, c0];
              args[which] = sg.tensor(p, t.shape);
              return loss(args[0], args[1], args[2]).dataSync()[0];
            });
          return (at(eps) - at(-eps)) / (2 * eps);
        });
        expectClose(analytic[which], numeric, 2e-2, 2e-3);
        // masked channels of h0 get no gradient; the others do
        if (which === 1) expect(analytic[1].some((v, i) => m.dataSync()[i] === 0 && v !== 0)).toBe(false);
      });
      sg.dispose([x, k, rk, h0, c0, m, w]);
    });
  });
});

describe('ConvLSTM2D fused kernels on wasm: bit-identical however the work is cut', () => {
  checkNoLeaks();
  afterAll(() => setThreads(2));

  const bits = (v: number[]) => Array.from(new Uint32Array(Float32Array.from(v).buffer));

  it('one thread and the pool (every call split) give the same bits', async () => {
    await withBackend('wasm', () => {
      const backend = ENGINE.backend as unknown as WasmBackend;
      const c: OpCase = { ...CASES[0], shape: [2, 3, 9, 7, 2], F: 5 };
      setThreads(1);
      const one = runOp(c, 11).map(bits);
      setThreads(2);
      backend.cutoffOverride = 0;
      const before = { ...backend.threadsInfo().splits };
      try {
        const two = runOp(c, 11).map(bits);
        const after = backend.threadsInfo();
        expect(two).toEqual(one);
        expect(after.shared).toBe(true);
        for (const fn of ['convLstmStepF32', 'convLstmBackStepF32', 'convLstmMulF32'])
          expect(after.splits[fn] ?? 0).toBeGreaterThan(before[fn] ?? 0);
      } finally {
        backend.cutoffOverride = undefined;
      }
    });
  });
});

describe('ConvLSTM2D: inputs the kernels cannot take fail clearly', () => {
  checkNoLeaks();

  it('int32 inputs and initial states', () => {
    const l = sg.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'clstm' });
    const xi = sg.zeros([1, 2, 4, 4, 1], 'int32');
    expect(() => l.apply(xi)).toThrow("clstm (ConvLSTM2D): argument 'inputs' must be float32 but has dtype int32 (shape [1,2,4,4,1])");
    const x = sg.zeros([1, 2, 4, 4, 1]);
    const [h, c] = [sg.zeros([1, 4, 4, 2], 'int32'), sg.zeros([1, 4, 4, 2])];
    expect(() => l.apply(x, { initialState: [h, c] })).toThrow("clstm (ConvLSTM2D): argument 'initialState[0]' must be float32 but has dtype int32");
    sg.dispose([xi, x, h, c]);
    l.dispose();
  });
});
