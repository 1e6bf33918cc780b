// ConvLSTM2D against tfjs-layers' convLstm2d with the same weights (outputs, states, and the
// gradients of every weight and of the input), on every backend; gradients against central
// finite differences; getConfig; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { deserializeLayer, serializeLayer } from '../../src/io/serialization.js';
import { fromSavedConfig, toSavedConfig } from '../../src/io/config_names.js';
import { Rng } from '../../src/engine/random.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray, take, withBackend } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Case {
  name: string;
  args: Record<string, unknown>;
  /** tfjs has no conv2d gradient for dilations > 1: compare outputs only (finite differences cover it below). */
  forwardOnly?: boolean;
}
const [B, T, H, W, C, F] = [2, 3, 6, 5, 2, 3];
const CASES: Case[] = [
  { name: 'same padding, last output', args: { kernelSize: 3, padding: 'same' } },
  { name: 'valid, strides 2, sequences', args: { kernelSize: [3, 2], strides: 2, returnSequences: true } },
  {
    name: 'dilation 2, goBackwards, states',
    args: { kernelSize: 2, dilationRate: 2, goBackwards: true, returnState: true },
    forwardOnly: true,
  },
  {
    name: 'sequences + states, relu, no bias',
    args: {
      kernelSize: 3,
      padding: 'same',
      returnSequences: true,
      returnState: true,
      activation: 'relu',
      useBias: false,
    },
  },
];

/** [outputs..., grads of kernel, recurrent kernel, bias..., grad of x] from simdgrad. */
function oursRun(
  args: Record<string, unknown>,
  weights: Float32Array[],
  xv: Float32Array,
): { values: number[][]; shapes: number[][] } {
  const layer = sg.layers.convLstm2d({ filters: F, recurrentActivation: 'sigmoid', ...args } as never);
  const x = sg.tensor(xv, [B, T, H, W, C]);
  const first = layer.apply(x) as sg.Tensor | sg.Tensor[];
  const outs = Array.isArray(first) ? first : [first];
  const shapes = outs.map((o) => o.shape);
  const wv = layer.weights.map((w, i) => sg.tensor(weights[i], w.shape));
  layer.setWeights(wv);
  sg.dispose([...outs, ...wv]);
  const ys = layer.apply(x) as sg.Tensor | sg.Tensor[];
  const yl = Array.isArray(ys) ? ys : [ys];
  const ws = yl.map((o, i) => sg.tensor(randArray(o.size, 50 + i, 0.5, 1.5), o.shape));
  const loss = (xin: sg.Tensor) => {
    const y = layer.apply(xin) as sg.Tensor | sg.Tensor[];
    const l = Array.isArray(y) ? y : [y];
    return l.map((t, i) => sg.sum(sg.mul(t, ws[i]))).reduce((a, b) => sg.add(a, b));
  };
  const vars = layer.trainableWeights.map((w) => w.variable);
  const { value, grads } = sg.variableGrads(() => loss(x), vars);
  value.dispose();
  const values = [...yl.map(take), ...vars.map((v) => take(grads[v.name])), take(sg.grad(loss)(x))];
  sg.dispose([x, ...ws]);
  layer.dispose();
  return { values, shapes };
}

function theirsRun(
  args: Record<string, unknown>,
  weights: Float32Array[],
  xv: Float32Array,
  withGrads: boolean,
): { values: number[][]; shapes: number[][] } {
  return tf.tidy(() => {
    // zeros initializers: tfjs' orthogonal fails on its cpu backend, and the weights are set below
    const layer = tfl.layers.convLstm2d({
      filters: F,
      recurrentActivation: 'sigmoid',
      kernelInitializer: 'zeros',
      recurrentInitializer: 'zeros',
      ...args,
    } as never);
    const x = tf.tensor(xv, [B, T, H, W, C]);
    layer.apply(x);
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
    const y = layer.apply(x) as tf.Tensor | tf.Tensor[];
    const yl = Array.isArray(y) ? y : [y];
    const ws = yl.map((o, i) => tf.tensor(randArray(o.size, 50 + i, 0.5, 1.5), o.shape));
    const loss = (xin: tf.Tensor) => {
      const yy = layer.apply(xin) as tf.Tensor | tf.Tensor[];
      const l = Array.isArray(yy) ? yy : [yy];
      return l.map((t, i) => tf.sum(tf.mul(t, ws[i]))).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
    };
    const shapes = yl.map((o) => o.shape);
    if (!withGrads) {
      const values = yl.map((o) => Array.from(o.dataSync()));
      layer.dispose();
      return { values, shapes };
    }
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => loss(x), vars);
    const values = [
      ...yl.map((o) => Array.from(o.dataSync())),
      ...vars.map((v) => Array.from(grads[v.name].dataSync())),
      Array.from(
        tf
          .grad((xin: tf.Tensor) => loss(xin))(x)
          .dataSync(),
      ),
    ];
    layer.dispose();
    return { values, shapes };
  });
}

function weightsFor(args: Record<string, unknown>): Float32Array[] {
  const ks = typeof args.kernelSize === 'number' ? [args.kernelSize, args.kernelSize] : (args.kernelSize as number[]);
  const n = ks[0] * ks[1];
  const ws = [randArray(n * C * 4 * F, 11, -0.5, 0.5), randArray(n * F * 4 * F, 12, -0.5, 0.5)];
  if (args.useBias !== false) ws.push(randArray(4 * F, 13, -0.5, 0.5));
  return ws;
}

describe.each(BACKENDS)('convLstm2d on %s', (backend) => {
  checkNoLeaks();

  for (const c of CASES) {
    it(`matches tfjs-layers (outputs and gradients): ${c.name}`, async () => {
      await withBackend(backend, () => {
        const xv = randArray(B * T * H * W * C, 7);
        const weights = weightsFor(c.args);
        const ours = oursRun(c.args, weights, xv);
        const theirs = theirsRun(c.args, weights, xv, !c.forwardOnly);
        expect(ours.shapes).toEqual(theirs.shapes);
        if (c.forwardOnly) ours.values.length = theirs.values.length;
        expect(ours.values.length).toBe(theirs.values.length);
        ours.values.forEach((v, i) => expectClose(v, theirs.values[i], 1e-4, 1e-5));
        // outputs themselves within 1e-5
        ours.shapes.forEach((_, i) => expectClose(ours.values[i], theirs.values[i], 0, 1e-5));
      });
    });
  }

  it('gradients against central finite differences (input and every weight; dilation 2)', async () => {
    await withBackend(backend, () => {
      const [b, t, h, w, ch, f] = [1, 2, 3, 3, 1, 2];
      const layer = sg.layers.convLstm2d({
        filters: f,
        kernelSize: 2,
        dilationRate: 2,
        padding: 'same',
        returnSequences: true,
      });
      const x = sg.tensor(randArray(b * t * h * w * ch, 21), [b, t, h, w, ch]);
      sg.dispose(layer.apply(x) as sg.Tensor);
      const wts = sg.tensor(randArray(b * t * h * w * f, 22, 0.5, 1.5), [b, t, h, w, f]);
      const loss = () => sg.sum(sg.mul(layer.apply(x) as sg.Tensor, wts));
      const vars = layer.trainableWeights.map((wt) => wt.variable);
      const { value, grads } = sg.variableGrads(loss, vars);
      value.dispose();
      const eps = 1e-2;
      for (const v of vars) {
        const analytic = take(grads[v.name]);
        const base = Float32Array.from(v.dataSync());
        const numeric: number[] = [];
        for (let i = 0; i < base.length; i++) {
          const at = (d: number) => {
            const p = base.slice();
            p[i] += d;
            const pt = sg.tensor(p, v.shape);
            v.assign(pt);
            pt.dispose();
            return sg.tidy(() => loss().dataSync()[0]);
          };
          numeric.push((at(eps) - at(-eps)) / (2 * eps));
        }
        const orig = sg.tensor(base, v.shape);
        v.assign(orig);
        orig.dispose();
        expectClose(analytic, numeric, 2e-2, 2e-3);
      }
      const gx = take(sg.grad((xin: sg.Tensor) => sg.sum(sg.mul(layer.apply(xin) as sg.Tensor, wts)))(x));
      const xb = Float32Array.from(x.dataSync());
      const nx = Array.from(xb, (_, i) => {
        const at = (d: number) =>
          sg.tidy(() => {
            const p = xb.slice();
            p[i] += d;
            return sg.sum(sg.mul(layer.apply(sg.tensor(p, x.shape)) as sg.Tensor, wts)).dataSync()[0];
          });
        return (at(eps) - at(-eps)) / (2 * eps);
      });
      expectClose(gx, nx, 2e-2, 2e-3);
      sg.dispose([x, wts]);
      layer.dispose();
    });
  });
});

describe('convLstm2d: shapes, config, errors', () => {
  checkNoLeaks();

  it('symbolic output shapes, unit forget bias, and a model that trains', async () => {
    const inp = sg.input({ shape: [null, 8, 8, 1] });
    const layer = sg.layers.convLstm2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      returnSequences: true,
      returnState: true,
    });
    const outs = layer.apply(inp) as sg.SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([
      [null, null, 8, 8, 4],
      [null, 8, 8, 4],
      [null, 8, 8, 4],
    ]);
    expect(Array.from(layer.bias!.variable.dataSync())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(layer.countParams()).toBe(3 * 3 * 1 * 16 + 3 * 3 * 4 * 16 + 16);
    layer.dispose();
    const m = sg.sequential({
      layers: [
        sg.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [3, 4, 4, 1] }),
        sg.layers.flatten(),
        sg.layers.dense({ units: 1 }),
      ],
    });
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = sg.tensor(randArray(4 * 3 * 16, 1), [4, 3, 4, 4, 1]);
    const y = sg.tensor(randArray(4, 2), [4, 1]);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
    expect(h.history.loss.length).toBe(3);
    expect(h.history.loss.every((v) => Number.isFinite(v as number))).toBe(true);
    sg.dispose([x, y]);
    m.dispose();
  });

  it('dropout: one seeded input mask per sample for every step; recurrent dropout on h; none at inference', () => {
    const [b, t, h, w, c] = [2, 3, 4, 4, 2];
    const xv = randArray(b * t * h * w * c, 31);
    const x = sg.tensor(xv, [b, t, h, w, c]);
    const base = { filters: 2, kernelSize: 3, padding: 'same' as const, returnSequences: true };
    const plain = sg.layers.convLstm2d(base);
    const drop = sg.layers.convLstm2d({ ...base, dropout: 0.4, seed: 5 });
    const rec = sg.layers.convLstm2d({ ...base, recurrentDropout: 0.5, seed: 6 });
    sg.dispose([plain.apply(x) as sg.Tensor, drop.apply(x) as sg.Tensor, rec.apply(x) as sg.Tensor]);
    const ws = plain.getWeights();
    drop.setWeights(ws);
    rec.setWeights(ws);
    sg.dispose(ws);
    const run = (l: sg.Layer, input: sg.Tensor, training: boolean) => take(l.apply(input, { training }) as sg.Tensor);
    const ref = run(plain, x, true);
    expect(run(drop, x, false)).toEqual(ref);
    expect(run(rec, x, false)).toEqual(ref);
    // the input mask, drawn as the layer draws it, over [b, 1, h, w, c] and broadcast over time
    const mask = new Rng(5).fillMask(new Float32Array(b * h * w * c), 0.6, 1 / 0.6);
    const masked = Float32Array.from(xv, (v, i) => {
      const bi = Math.floor(i / (t * h * w * c));
      return v * mask[bi * h * w * c + (i % (h * w * c))];
    });
    const xm = sg.tensor(masked, x.shape);
    expectClose(run(drop, x, true), run(plain, xm, true), 1e-6, 1e-7);
    // recurrent dropout acts on h only: the first step (h = 0) is unchanged, later steps are not
    const withRec = run(rec, x, true);
    const per = h * w * 2;
    for (let bi = 0; bi < b; bi++) {
      const at = (arr: number[], step: number) => arr.slice((bi * t + step) * per, (bi * t + step + 1) * per);
      expectClose(at(withRec, 0), at(ref, 0), 1e-6, 1e-7);
      expect(at(withRec, 2)).not.toEqual(at(ref, 2));
    }
    expect(drop.getConfig()).toMatchObject({ dropout: 0.4, recurrentDropout: 0, seed: 5 });
    sg.dispose([x, xm]);
    for (const l of [plain, drop, rec]) l.dispose();
  });

  it('getConfig holds every argument', () => {
    const l = sg.layers.convLstm2d({
      filters: 5,
      kernelSize: [3, 1],
      strides: 1,
      padding: 'same',
      dilationRate: 2,
      activation: 'relu',
      returnSequences: true,
      goBackwards: true,
      unitForgetBias: false,
      name: 'clstm',
    });
    expect(l.getConfig()).toMatchObject({
      name: 'clstm',
      filters: 5,
      kernelSize: [3, 1],
      strides: [1, 1],
      padding: 'same',
      dataFormat: 'channels_last',
      dilationRate: [2, 2],
      activation: 'relu',
      recurrentActivation: 'sigmoid',
      useBias: true,
      unitForgetBias: false,
      returnSequences: true,
      returnState: false,
      goBackwards: true,
      stateful: false,
      dropout: 0,
      recurrentDropout: 0,
      kernelInitializer: { className: 'GlorotUniform' },
      recurrentInitializer: { className: 'Orthogonal' },
      biasInitializer: { className: 'Zeros' },
    });
  });

  it('config round-trips through the class registry and the saved (snake_case) form', () => {
    const l = sg.layers.convLstm2d({
      filters: 3,
      kernelSize: [2, 3],
      padding: 'same',
      activation: 'relu',
      recurrentActivation: 'hardSigmoid',
      kernelInitializer: 'heNormal',
      returnState: true,
      goBackwards: true,
    });
    for (const format of ['tfjs', 'keras3'] as const) {
      const spec = serializeLayer(l);
      const saved = toSavedConfig(spec.config, format, undefined, spec.className);
      const back = deserializeLayer({
        className: 'ConvLSTM2D',
        config: fromSavedConfig(saved, format, undefined, 'ConvLSTM2D'),
      });
      expect(back).toBeInstanceOf(sg.ConvLSTM2D);
      expect(back.getConfig()).toEqual(l.getConfig());
    }
  });

  it('unsupported and bad arguments fail clearly', () => {
    expect(() => sg.layers.convLstm2d({ filters: 2, kernelSize: 3, dropout: 1 })).toThrow(
      /ConvLSTM2D: 'dropout' must be a number in \[0, 1\) but is 1/,
    );
    expect(() => sg.layers.convLstm2d({ filters: 2, kernelSize: 3, recurrentDropout: -0.1 })).toThrow(
      /'recurrentDropout'/,
    );
    expect(() => sg.layers.convLstm2d({ filters: 2, kernelSize: 3, stateful: true })).toThrow(
      /'stateful' true is not supported/,
    );
    expect(() => sg.layers.convLstm2d({ filters: 0, kernelSize: 3 })).toThrow(/'filters' must be a positive integer/);
    expect(() => sg.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding/);
    const l = sg.layers.convLstm2d({ filters: 2, kernelSize: 3 });
    const x = sg.zeros([2, 3, 4, 4]);
    expect(() => l.apply(x)).toThrow(/expects an input \[batch, time, rows, cols, channels\].*\[2,3,4,4\]/);
    const x2 = sg.zeros([1, 2, 2, 2, 1]);
    expect(() => l.apply(x2)).toThrow(/conv|window|size/i);
    sg.dispose([x, x2]);
    l.dispose();
  });
});
