// tfjs-core's optimizer classes constructed positionally (new tf.AdamOptimizer(lr, b1, b2)...):
// five minimize() steps on the same quadratic give tfjs-core's weights, and the class is the
// simdgrad optimizer tf.train.* would make (same steps as sg.train.*). AdadeltaOptimizer is
// compared with sg.train.adadelta instead: simdgrad's Adadelta uses Keras' update, tfjs divides by
// the previous gradient accumulator (a documented difference, test/optimizers.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose } from '../helpers.js';

type Ctor = new (...a: never[]) => unknown;
const CASES: Array<[string, unknown[]]> = [
  ['SGDOptimizer', [0.1]],
  ['MomentumOptimizer', [0.05, 0.9]],
  ['MomentumOptimizer', [0.05, 0.9, true]],
  ['RMSPropOptimizer', [0.01, 0.9, 0.5, null, true]],
  ['AdamOptimizer', [0.05, 0.8, 0.99]],
  ['AdamaxOptimizer', [0.05, 0.9, 0.999]],
  ['AdagradOptimizer', [0.2]],
  ['AdadeltaOptimizer', [1, 0.9]],
];

const W0 = [0.5, -1, 2, 0.25];
const TARGET = [1, 2, -1, 0];
const SCALE = [1, 0.5, 2, 3];

describe.each(BACKENDS)('tfjs optimizer classes on %s', (backend) => {
  beforeAll(async () => {
    await sg.setBackend(backend);
    await tf.setBackend('cpu');
  });
  checkNoLeaks();

  it.each(CASES.map(([n, a]) => [`${n}(${a.join(', ')})`, n, a] as const))('%s: five steps equal tfjs', (_t, name, args) => {
    const S = (sg as unknown as Record<string, Ctor>)[name];
    const T = (tf as unknown as Record<string, Ctor>)[name];
    const so = new S(...(args as never[])) as sg.Optimizer;
    const to = new T(...(args as never[])) as tf.Optimizer;
    const ref = name === 'AdadeltaOptimizer' ? sg.train.adadelta(...(args as [number, number])) : null;
    const rinit = sg.tensor(W0);
    const rw = sg.variable(rinit);
    const init = sg.tensor(W0);
    const sw = sg.variable(init);
    const tw = tf.variable(tf.tensor(W0));
    const st = sg.tensor(TARGET);
    const sc = sg.tensor(SCALE);
    for (let i = 0; i < 5; i++) {
      so.minimize(() => sg.sum(sg.mul(sg.square(sg.sub(sw, st)), sc)));
      to.minimize(() => tf.sum(tf.mul(tf.square(tf.sub(tw, TARGET)), SCALE)) as tf.Scalar);
      ref?.minimize(() => sg.sum(sg.mul(sg.square(sg.sub(rw, st)), sc)));
    }
    expect(sw.dataSync()[0]).not.toBe(W0[0]); // it moved
    if (ref) expect(Array.from(sw.dataSync())).toEqual(Array.from(rw.dataSync()));
    else expectClose(sw.dataSync(), tw.dataSync() as Float32Array, 1e-4, 1e-5);
    ref?.dispose();
    sg.dispose([init, sw, st, sc, rinit, rw]);
    so.dispose();
    tw.dispose();
    to.dispose();
  });

  it('bad arguments name the class', () => {
    expect(() => new (sg.MomentumOptimizer as unknown as new (lr: number) => unknown)(0.1)).toThrow(
      /MomentumOptimizer: argument 'momentum' is required/,
    );
  });
});
