// The activation layers ELU, ReLU, Softmax and ThresholdedReLU: values and input gradients
// against tfjs-layers 4.22 (where it has the option) on every backend; Keras 3.15's options
// (ReLU's negative_slope/threshold/max_value, ELU's alpha, Softmax over several axes and with a
// mask) against Keras itself, and a .keras file Keras writes with them loaded and predicting the
// same; gradients by finite differences; tfjs-layers files both ways; configs and errors.
// The Keras part needs the Python venv (scripts/setup-venv.sh) and FAILS without it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, gradCheck, randArray, take, withBackend } from '../helpers.js';
import { runPython } from '../io/hdf5_python.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 3, 4];
/** Inputs in [-2, 2] kept 0.05 away from the kinks at 0, 0.3, 0.5, 0.7, 1 and -0.5. */
function data(seed: number): Float32Array {
  const a = randArray(24, seed, -2, 2);
  const kinks = [0, 0.3, 0.5, 0.7, 1, -0.5, 4];
  return a.map((v) => {
    for (const k of kinks) if (Math.abs(v - k) < 0.05) return k + (v < k ? -0.05 : 0.05);
    return v;
  });
}

// tfjs' softmax runs only along the last axis of a rank-3 input (its kernel says so), and its
// Greater has no gradient: thresholdedReLU's reference gradient is w * (x > theta), written out.
type TfjsCase = { name: string; ours: () => sg.Layer; theirs: () => tfl.layers.Layer; mask?: number[]; theta?: number };
const TFJS_CASES: TfjsCase[] = [
  { name: 'elu', ours: () => sg.layers.elu(), theirs: () => tfl.layers.elu({}) },
  { name: 'reLU maxValue 0.7', ours: () => sg.layers.reLU({ maxValue: 0.7 }), theirs: () => tfl.layers.reLU({ maxValue: 0.7 }) },
  { name: 'reLU', ours: () => sg.layers.reLU(), theirs: () => tfl.layers.reLU({}) },
  { name: 'thresholdedReLU theta 0.3', ours: () => sg.layers.thresholdedReLU({ theta: 0.3 }), theirs: () => tfl.layers.thresholdedReLU({ theta: 0.3 }), theta: 0.3 },
  { name: 'softmax axis -1', ours: () => sg.layers.softmax({ axis: -1 }), theirs: () => tfl.layers.softmax({ axis: -1 }) },
  { name: 'softmax axes [1, 2]', ours: () => sg.layers.softmax({ axis: [1, 2] }), theirs: () => tfl.layers.softmax({ axis: [1, 2] }) },
  {
    name: 'softmax with a mask',
    ours: () => sg.layers.softmax({ axis: -1 }),
    theirs: () => tfl.layers.softmax({ axis: -1 }),
    mask: Array.from({ length: 24 }, (_, i) => (i % 4 === 1 || i % 7 === 3 ? 0 : 1)),
  },
];

function tfjsRef(c: TfjsCase, x: Float32Array, w: Float32Array): { out: number[]; grad: number[] } {
  const layer = c.theirs();
  const xt = tf.tensor(x, SHAPE);
  const wt = tf.tensor(w, SHAPE);
  const kw = c.mask ? { mask: tf.tensor(c.mask, SHAPE) } : {};
  const out = layer.apply(xt, kw) as tf.Tensor;
  const g =
    c.theta === undefined
      ? tf.grad((v: tf.Tensor) => tf.sum(tf.mul(layer.apply(v, kw) as tf.Tensor, wt)))(xt)
      : tf.tensor(w.map((wi, i) => (x[i] > c.theta! ? wi : 0)), SHAPE);
  const r = { out: Array.from(out.dataSync()), grad: Array.from(g.dataSync()) };
  tf.dispose([xt, wt, out, g, ...(kw.mask ? [kw.mask] : [])]);
  return r;
}

describe('activation layers', () => {
  checkNoLeaks();

  for (const backend of BACKENDS) {
    for (const c of TFJS_CASES) {
      it(`${c.name} equals tfjs-layers, values and input gradients, on ${backend}`, async () => {
        const x = data(3);
        const w = randArray(24, 9, 0.5, 1.5);
        const ref = tfjsRef(c, x, w);
        await withBackend(backend, () => {
          const layer = c.ours();
          const xt = sg.tensor(x, SHAPE);
          const wt = sg.tensor(w, SHAPE);
          const mask = c.mask ? sg.tensor(c.mask, SHAPE) : null;
          const args = mask ? { mask } : {};
          expectClose(take(layer.apply(xt, args)), ref.out, 1e-5, 1e-7);
          const g = sg.grad((v: sg.Tensor) => sg.sum(sg.mul(layer.apply(v, args), wt)))(xt);
          expectClose(take(g), ref.grad, 1e-4, 1e-6);
          sg.dispose([xt, wt, ...(mask ? [mask] : [])]);
          layer.dispose();
        });
      });
    }
  }

  it('gradients equal finite differences (ELU alpha, ReLU options, Softmax over two axes)', () => {
    const x = sg.tensor(data(5), SHAPE);
    const fns: [string, sg.Layer][] = [
      ['elu 0.5', sg.layers.elu({ alpha: 0.5 })],
      ['relu all options', sg.layers.reLU({ maxValue: 1, negativeSlope: 0.1, threshold: 0.5 })],
      ['relu threshold and slope', sg.layers.reLU({ threshold: 0.5, negativeSlope: 0.2 })],
      ['relu slope only', sg.layers.reLU({ negativeSlope: 0.3 })],
      ['relu6', sg.layers.reLU({ maxValue: 6 })],
      ['thresholded', sg.layers.thresholdedReLU({ theta: 0.3 })],
      ['softmax [1, 2]', sg.layers.softmax({ axis: [1, 2] })],
      ['softmax 0', sg.layers.softmax({ axis: 0 })],
    ];
    for (const [name, l] of fns) {
      try {
        gradCheck((v) => l.apply(v) as sg.Tensor, [x], { eps: 1e-2, rtol: 2e-2, atol: 2e-3 });
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      l.dispose();
    }
    x.dispose();
  });

  it("Keras 3's options give Keras' values, and a .keras file Keras writes loads and predicts the same", async () => {
    const x = data(11);
    const dir = mkdtempSync(join(tmpdir(), 'sg-act-'));
    const spec = join(dir, 'spec.json');
    const file = join(dir, 'acts.keras');
    const cases: [string, string, () => sg.Layer][] = [
      ['relu_all', 'keras.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)', () => sg.layers.reLU({ maxValue: 1, negativeSlope: 0.1, threshold: 0.5 })],
      ['relu_threshold_slope', 'keras.layers.ReLU(negative_slope=0.2, threshold=0.5)', () => sg.layers.reLU({ negativeSlope: 0.2, threshold: 0.5 })],
      ['relu_threshold_clip', 'keras.layers.ReLU(max_value=0.7, threshold=0.3)', () => sg.layers.reLU({ maxValue: 0.7, threshold: 0.3 })],
      ['relu_slope', 'keras.layers.ReLU(negative_slope=0.3)', () => sg.layers.reLU({ negativeSlope: 0.3 })],
      ['relu6', 'keras.layers.ReLU(max_value=6.0)', () => sg.layers.reLU({ maxValue: 6 })],
      ['elu', 'keras.layers.ELU(alpha=0.5)', () => sg.layers.elu({ alpha: 0.5 })],
      ['softmax_axes', 'keras.layers.Softmax(axis=[1, 2])', () => sg.layers.softmax({ axis: [1, 2] })],
      ['softmax_1', 'keras.layers.Softmax(axis=1)', () => sg.layers.softmax({ axis: 1 })],
    ];
    const mask = Array.from({ length: 24 }, (_, i) => (i % 5 === 2 ? 0 : 1));
    mask.fill(0, 4, 8); // one fully masked row: Keras 3 zeroes it
    writeFileSync(spec, JSON.stringify({ x: Array.from(x), shape: SHAPE, cases: cases.map(([n, c]) => [n, c]), mask, file }));
    const PY = `
import json, sys
import numpy as np
import keras
spec = json.loads(open(sys.argv[1]).read())
x = np.array(spec['x'], 'float32').reshape(spec['shape'])
out = {}
for name, ctor in spec['cases']:
    out[name] = np.asarray(eval(ctor)(x)).ravel().tolist()
m = np.array(spec['mask'], 'float32').reshape(spec['shape'])
out['softmax_mask'] = np.asarray(keras.layers.Softmax()(x, mask=m)).ravel().tolist()
inp = keras.Input(spec['shape'][1:])
h = keras.layers.Dense(4, name='d')(inp)
h = keras.layers.ELU(alpha=0.7)(h)
h = keras.layers.ReLU(max_value=0.9, negative_slope=0.05, threshold=0.1)(h)
h = keras.layers.Dense(4, name='e')(h)
h = keras.layers.Softmax(axis=1)(h)
model = keras.Model(inp, h)
rng = np.random.default_rng(1)
model.set_weights([rng.uniform(-1, 1, w.shape).astype('float32') for w in model.get_weights()])
model.save(spec['file'])
out['model'] = model.predict(x, verbose=0).ravel().tolist()
print(json.dumps(out))
`;
    const keras = JSON.parse(runPython(PY, [spec], 240_000).trim().split('\n').pop()!) as Record<string, number[]>;
    const xt = sg.tensor(x, SHAPE);
    for (const [name, , make] of cases) {
      const l = make();
      try {
        expectClose(take(l.apply(xt)), keras[name], 1e-5, 1e-7);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
      l.dispose();
    }
    const mt = sg.tensor(mask, SHAPE);
    const sm = sg.layers.softmax();
    expectClose(take(sm.apply(xt, { mask: mt })), keras.softmax_mask, 1e-5, 1e-7);
    const model = await sg.loadModel(new Uint8Array(readFileSync(file)));
    expect(model.layers.map((l) => l.className).filter((n) => n !== 'InputLayer')).toEqual(['Dense', 'ELU', 'ReLU', 'Dense', 'Softmax']);
    const p = model.predict(xt) as sg.Tensor;
    expectClose(take(p), keras.model, 1e-5, 1e-6);
    model.dispose();
    sg.dispose([xt, mt]);
  }, 300_000);

  it('tfjs-layers files both ways: a model with elu, reLU, thresholdedReLU and softmax', async () => {
    const build = () =>
      tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 5, inputShape: [4], name: 'a' }),
          tfl.layers.elu({}),
          tfl.layers.reLU({ maxValue: 0.8 }),
          tfl.layers.dense({ units: 5, name: 'b' }),
          tfl.layers.thresholdedReLU({ theta: 0.2 }),
          tfl.layers.softmax({ axis: 1 }),
        ],
      });
    const theirs = build();
    theirs.setWeights(theirs.weights.map((w, i) => tf.tensor(randArray(w.shape.reduce((a, b) => a! * b!, 1)!, 20 + i), w.shape as number[])));
    let art: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const x = randArray(12, 31, -2, 2);
    const xt = tf.tensor(x, [3, 4]);
    const ref = Array.from((theirs.predict(xt) as tf.Tensor).dataSync());
    const ours = await sg.loadLayersModel(sg.io.fromMemory(art as sg.io.ModelArtifacts));
    expect(ours.layers.map((l) => l.className).filter((n) => n !== 'InputLayer')).toEqual(['Dense', 'ELU', 'ReLU', 'Dense', 'ThresholdedReLU', 'Softmax']);
    const sx = sg.tensor(x, [3, 4]);
    expectClose(take(ours.predict(sx) as sg.Tensor), ref, 1e-5, 1e-7);
    // simdgrad saves, tfjs-layers loads.
    const sink = sg.io.memorySink();
    await ours.save(sink);
    const back = await tfl.loadLayersModel(tf.io.fromMemory(sink.artifacts as tf.io.ModelArtifacts));
    expectClose(Array.from((back.predict(xt) as tf.Tensor).dataSync()), ref, 1e-6, 1e-7);
    tf.dispose([xt]);
    back.dispose();
    theirs.dispose();
    ours.dispose();
    sx.dispose();
  });

  it('configs round-trip; bad arguments are clear errors', () => {
    const layers = [
      sg.layers.elu({ alpha: 0.4 }),
      sg.layers.reLU({ maxValue: 2, negativeSlope: 0.1, threshold: 0.2 }),
      sg.layers.softmax({ axis: [1, 2] }),
      sg.layers.thresholdedReLU({ theta: 0.6 }),
    ];
    const ctors = [sg.ELU, sg.ReLU, sg.Softmax, sg.ThresholdedReLU] as unknown as (new (c: Record<string, unknown>) => sg.Layer)[];
    layers.forEach((l, i) => {
      const c = l.getConfig();
      const again = new ctors[i]({ ...c, name: `${l.name}_copy` });
      expect({ ...again.getConfig(), name: l.name }).toEqual(c);
    });
    expect(layers[1].getConfig()).toMatchObject({ maxValue: 2, negativeSlope: 0.1, threshold: 0.2 });
    expect(() => sg.layers.elu({ alpha: NaN })).toThrow(/ELU: 'alpha' must be a finite number/);
    expect(() => sg.layers.reLU({ maxValue: -1 })).toThrow(/ReLU: 'maxValue' must be a finite number >= 0/);
    expect(() => sg.layers.reLU({ negativeSlope: -0.1 })).toThrow(/ReLU: 'negativeSlope'/);
    expect(() => sg.layers.reLU({ threshold: -0.5 })).toThrow(/ReLU: 'threshold' must be a finite number >= 0/);
    expect(() => sg.layers.softmax({ axis: 1.5 })).toThrow(/Softmax: 'axis' must be an integer/);
    expect(() => sg.layers.thresholdedReLU({ theta: Infinity })).toThrow(/ThresholdedReLU: 'theta'/);
    const x = sg.zeros([2, 3]);
    const s = sg.layers.softmax({ axis: 2 });
    expect(() => s.apply(x)).toThrow(/softmax.*axis 2 is out of range for an input of shape \[2,3\]/);
    const m = sg.ones([3, 3]);
    const s2 = sg.layers.softmax();
    expect(() => s2.apply(x, { mask: m })).toThrow(/mask of shape \[3,3\] does not broadcast to the input of shape \[2,3\]/);
    sg.dispose([x, m]);
    for (const l of [...layers, s, s2]) l.dispose();
  });
});
