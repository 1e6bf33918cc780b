// Recurrent layers against tfjs-layers with the same weights: lstm, gru (resetAfter false, the
// only form tfjs-layers has) and simpleRNN for every combination of returnSequences,
// returnState, goBackwards and masking (none, embedding maskZero, masking layer), forward
// outputs and the gradients of every weight (and of the input) through the layer; bidirectional
// in every merge mode and timeDistributed the same way. On every backend, with the leak check.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray, take } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Kind = 'lstm' | 'gru' | 'simpleRNN';
type MaskKind = 'none' | 'embedding' | 'masking';
const [B, T, F, U, VOCAB] = [3, 5, 4, 3, 7];

/** Ids with leading, middle and trailing padding (0), and one sample padded at every step but one. */
const IDS = [
  [0, 3, 5, 2, 1],
  [4, 2, 0, 6, 0],
  [0, 0, 0, 5, 0],
];

function floatInput(mask: MaskKind): Float32Array {
  const x = randArray(B * T * F, 3);
  if (mask === 'masking') {
    // zero whole steps, as padded features would be
    for (const [b, t] of [
      [0, 0],
      [1, 2],
      [1, 4],
      [2, 0],
      [2, 1],
    ]) {
      x.fill(0, (b * T + t) * F, (b * T + t + 1) * F);
    }
  }
  return x;
}

interface Built {
  ours: sg.LayersModel;
  theirs: tfl.LayersModel;
}

function buildModels(
  kind: Kind,
  mask: MaskKind,
  o: { returnSequences: boolean; returnState: boolean; goBackwards: boolean },
): Built {
  const cfg = { units: U, ...o, recurrentActivation: 'sigmoid' as const, recurrentInitializer: 'glorotUniform' };
  const make = (lib: 'sg' | 'tfl') => {
    const L =
      lib === 'sg'
        ? (sg.layers as unknown as Record<string, (a: unknown) => unknown>)
        : (tfl.layers as unknown as Record<string, (a: unknown) => unknown>);
    const input = lib === 'sg' ? sg.input : (a: unknown) => tfl.input(a as never);
    const x = mask === 'embedding' ? input({ shape: [T] }) : input({ shape: [T, F] });
    let h = x;
    if (mask === 'embedding')
      h = (L.embedding({ inputDim: VOCAB, outputDim: F, maskZero: true }) as sg.Layer).apply(h as never) as never;
    if (mask === 'masking') h = (L.masking({ maskValue: 0 }) as sg.Layer).apply(h as never) as never;
    const args = kind === 'gru' ? { ...cfg, resetAfter: false } : cfg;
    const y = (L[kind](args) as sg.Layer).apply(h as never);
    return lib === 'sg'
      ? sg.model({ inputs: x as sg.SymbolicTensor, outputs: y as sg.SymbolicTensor })
      : tfl.model({ inputs: x as never, outputs: y as never });
  };
  const ours = make('sg') as sg.LayersModel;
  const theirs = make('tfl') as unknown as tfl.LayersModel;
  const shapes = ours.weights.map((w) => w.shape);
  expect(theirs.weights.map((w) => w.shape)).toEqual(shapes);
  const values = shapes.map((s, i) =>
    randArray(
      s.reduce((a, c) => a * c, 1),
      100 + i,
      -0.7,
      0.7,
    ),
  );
  const mine = values.map((v, i) => sg.tensor(v, shapes[i]));
  ours.setWeights(mine);
  sg.dispose(mine);
  theirs.setWeights(values.map((v, i) => tf.tensor(v, shapes[i])));
  return { ours, theirs };
}

/** Outputs, and gradients of sum_i sum(out_i * w_i) for every weight (and the float input). */
function oursRun(m: sg.LayersModel, xv: Float32Array, xShape: number[], float: boolean): number[][] {
  const x = sg.tensor(xv, xShape);
  const outs = sg.tidy(() => {
    const y = m.predict(x);
    return Array.isArray(y) ? y : [y];
  });
  const ws = outs.map((o, i) => sg.tensor(randArray(o.size, 50 + i, 0.5, 1.5), o.shape));
  const vars = m.trainableWeights.map((w) => w.variable);
  const loss = (xin: sg.Tensor) => {
    const y = m.apply(xin) as sg.Tensor | sg.Tensor[];
    const ys = Array.isArray(y) ? y : [y];
    return ys.map((t, i) => sg.sum(sg.mul(t, ws[i]))).reduce((a, b) => sg.add(a, b));
  };
  const { value, grads } = sg.variableGrads(() => loss(x), vars);
  value.dispose();
  const res = [...outs.map(take), ...vars.map((v) => take(grads[v.name]))];
  if (float) res.push(take(sg.grad(loss)(x)));
  sg.dispose([x, ...ws]);
  return res;
}

function theirsRun(m: tfl.LayersModel, xv: Float32Array, xShape: number[], float: boolean): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor(xv, xShape);
    const y = m.predict(x);
    const outs = Array.isArray(y) ? y : [y];
    const ws = outs.map((o, i) => tf.tensor(randArray(o.size, 50 + i, 0.5, 1.5), o.shape));
    const loss = (xin: tf.Tensor) => {
      const yy = m.apply(xin) as tf.Tensor | tf.Tensor[];
      const ys = Array.isArray(yy) ? yy : [yy];
      return ys.map((t, i) => tf.sum(tf.mul(t, ws[i]))).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
    };
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => loss(x), vars);
    const res = [
      ...outs.map((o) => Array.from(o.dataSync())),
      ...vars.map((v) => Array.from(grads[v.name].dataSync())),
    ];
    if (float)
      res.push(
        Array.from(
          tf
            .grad((xin: tf.Tensor) => loss(xin))(x)
            .dataSync(),
        ),
      );
    return res;
  });
}

const KINDS: Kind[] = ['lstm', 'gru', 'simpleRNN'];
const MASKS: MaskKind[] = ['none', 'embedding', 'masking'];
const combos: [Kind, MaskKind, boolean, boolean, boolean][] = [];
for (const k of KINDS)
  for (const m of MASKS)
    for (const rs of [false, true])
      for (const st of [false, true]) for (const gb of [false, true]) combos.push([k, m, rs, st, gb]);

describe.each(BACKENDS)('recurrent layers on %s against tfjs-layers', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(combos)('%s, mask %s, returnSequences %s, returnState %s, goBackwards %s', (kind, mask, rs, st, gb) => {
    const { ours, theirs } = buildModels(kind, mask, { returnSequences: rs, returnState: st, goBackwards: gb });
    const float = mask !== 'embedding';
    const xv = float ? floatInput(mask) : Float32Array.from(IDS.flat());
    const shape = float ? [B, T, F] : [B, T];
    // dx only without the masking layer: tfjs has no gradient for its mask computation (Any).
    const dx = mask === 'none';
    try {
      const got = oursRun(ours, xv, shape, dx);
      const want = theirsRun(theirs, xv, shape, dx);
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expectClose(g, want[i], 2e-4, 2e-5));
    } finally {
      ours.dispose();
      theirs.dispose();
    }
  });

  it.each(['concat', 'sum', 'mul', 'ave'] as const)(
    'bidirectional lstm, mergeMode %s, both returnSequences',
    (mergeMode) => {
      for (const returnSequences of [false, true]) {
        const make = (lib: 'sg' | 'tfl') => {
          if (lib === 'sg') {
            const x = sg.input({ shape: [T] });
            const e = sg.layers.embedding({ inputDim: VOCAB, outputDim: F, maskZero: true }).apply(x);
            const rnn = sg.layers.lstm({
              units: U,
              returnSequences,
              recurrentActivation: 'sigmoid',
              recurrentInitializer: 'glorotUniform',
            });
            return sg.model({
              inputs: x,
              outputs: sg.layers.bidirectional({ layer: rnn, mergeMode }).apply(e) as sg.SymbolicTensor,
            });
          }
          const x = tfl.input({ shape: [T] });
          const e = tfl.layers.embedding({ inputDim: VOCAB, outputDim: F, maskZero: true }).apply(x);
          const rnn = tfl.layers.lstm({
            units: U,
            returnSequences,
            recurrentActivation: 'sigmoid',
            recurrentInitializer: 'glorotUniform',
          });
          return tfl.model({
            inputs: x,
            outputs: tfl.layers.bidirectional({ layer: rnn, mergeMode }).apply(e) as tfl.SymbolicTensor,
          });
        };
        const ours = make('sg') as sg.LayersModel;
        const theirs = make('tfl') as tfl.LayersModel;
        const shapes = ours.weights.map((w) => w.shape);
        expect(theirs.weights.map((w) => w.shape)).toEqual(shapes);
        const values = shapes.map((s, i) =>
          randArray(
            s.reduce((a, c) => a * c, 1),
            200 + i,
            -0.7,
            0.7,
          ),
        );
        const mine = values.map((v, i) => sg.tensor(v, shapes[i]));
        ours.setWeights(mine);
        sg.dispose(mine);
        theirs.setWeights(values.map((v, i) => tf.tensor(v, shapes[i])));
        const xv = Float32Array.from(IDS.flat());
        const got = oursRun(ours, xv, [B, T], false);
        const want = theirsRun(theirs, xv, [B, T], false);
        got.forEach((g, i) => expectClose(g, want[i], 2e-4, 2e-5));
        ours.dispose();
        theirs.dispose();
      }
    },
  );

  it('timeDistributed(dense) after an lstm sequence matches tfjs-layers', () => {
    const ours = sg.sequential();
    ours.add(
      sg.layers.lstm({
        units: U,
        returnSequences: true,
        recurrentActivation: 'sigmoid',
        recurrentInitializer: 'glorotUniform',
        inputShape: [T, F],
      }),
    );
    ours.add(sg.layers.timeDistributed({ layer: sg.layers.dense({ units: 2, activation: 'softmax' }) }));
    const theirs = tfl.sequential();
    theirs.add(
      tfl.layers.lstm({
        units: U,
        returnSequences: true,
        recurrentActivation: 'sigmoid',
        recurrentInitializer: 'glorotUniform',
        inputShape: [T, F],
      }),
    );
    theirs.add(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2, activation: 'softmax' }) }));
    const shapes = ours.weights.map((w) => w.shape);
    expect(theirs.weights.map((w) => w.shape)).toEqual(shapes);
    const values = shapes.map((s, i) =>
      randArray(
        s.reduce((a, c) => a * c, 1),
        300 + i,
        -0.7,
        0.7,
      ),
    );
    const mine = values.map((v, i) => sg.tensor(v, shapes[i]));
    ours.setWeights(mine);
    sg.dispose(mine);
    theirs.setWeights(values.map((v, i) => tf.tensor(v, shapes[i])));
    const xv = floatInput('none');
    const got = oursRun(ours, xv, [B, T, F], true);
    const want = theirsRun(theirs, xv, [B, T, F], true);
    got.forEach((g, i) => expectClose(g, want[i], 2e-4, 2e-5));
    expect(ours.layers.at(-1)!.className).toBe('TimeDistributed');
    ours.dispose();
    theirs.dispose();
  });
});
