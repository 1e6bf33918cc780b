// Cross-check against TensorFlow.js (tfjs-core on its cpu backend): the same random inputs through
// both libraries give the same values and the same gradients, op by op, on every simdgrad backend.
import { beforeAll, describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as sg from '../src/index.js';
import { BACKENDS, checkNoLeaks, expectClose, randArray } from './helpers.js';

const MASK = randArray(12, 5);

type Pair = [
  string,
  number[][],
  (...xs: sg.Tensor[]) => sg.Tensor,
  (...xs: tf.Tensor[]) => tf.Tensor,
  [number, number]?,
];

// name, input shapes, simdgrad fn, tfjs fn, optional input range
const OPS: Pair[] = [
  ['add', [[3, 4], [4]], (a, b) => sg.add(a, b), (a, b) => tf.add(a, b)],
  ['sub', [[3, 1], [4]], (a, b) => sg.sub(a, b), (a, b) => tf.sub(a, b)],
  [
    'mul',
    [
      [2, 3, 4],
      [3, 1],
    ],
    (a, b) => sg.mul(a, b),
    (a, b) => tf.mul(a, b),
  ],
  [
    'div',
    [
      [3, 4],
      [3, 4],
    ],
    (a, b) => sg.div(a, b),
    (a, b) => tf.div(a, b),
    [0.5, 2],
  ],
  // Same shapes only for maximum, minimum and squaredDifference: tfjs 4.22's gradients of these
  // do not sum over broadcast dimensions (it throws "The gradient of input 'b' has shape ...").
  // simdgrad's broadcast gradients for them are checked against finite differences instead.
  [
    'maximum',
    [
      [5, 3],
      [5, 3],
    ],
    (a, b) => sg.maximum(a, b),
    (a, b) => tf.maximum(a, b),
  ],
  [
    'minimum',
    [
      [5, 3],
      [5, 3],
    ],
    (a, b) => sg.minimum(a, b),
    (a, b) => tf.minimum(a, b),
  ],
  ['pow', [[6], [6]], (a, b) => sg.pow(a, b), (a, b) => tf.pow(a, b), [0.5, 2]],
  [
    'squaredDifference',
    [
      [4, 3],
      [4, 3],
    ],
    (a, b) => sg.squaredDifference(a, b),
    (a, b) => tf.squaredDifference(a, b),
  ],
  ['neg', [[7]], sg.neg, tf.neg],
  ['square', [[7]], sg.square, tf.square],
  ['sqrt', [[7]], sg.sqrt, tf.sqrt, [0.5, 3]],
  ['exp', [[7]], sg.exp, tf.exp],
  ['log', [[7]], sg.log, tf.log, [0.5, 3]],
  ['abs', [[7]], sg.abs, tf.abs],
  ['relu', [[17]], sg.relu, tf.relu],
  ['relu6', [[17]], sg.relu6, tf.relu6, [-3, 9]],
  ['elu', [[17]], (x) => sg.elu(x), tf.elu],
  ['selu', [[17]], sg.selu, tf.selu],
  ['leakyRelu', [[17]], (x) => sg.leakyRelu(x, 0.3), (x) => tf.leakyRelu(x, 0.3)],
  ['sigmoid', [[17]], sg.sigmoid, tf.sigmoid, [-6, 6]],
  ['tanh', [[17]], sg.tanh, tf.tanh, [-3, 3]],
  ['softplus', [[17]], sg.softplus, tf.softplus, [-6, 6]],
  ['clipByValue', [[17]], (x) => sg.clipByValue(x, -0.5, 0.5), (x) => tf.clipByValue(x, -0.5, 0.5)],
  ['softmax', [[3, 5]], (x) => sg.softmax(x), (x) => tf.softmax(x), [-3, 3]],
  ['logSoftmax', [[3, 5]], (x) => sg.logSoftmax(x), (x) => tf.logSoftmax(x), [-3, 3]],
  [
    'matMul',
    [
      [3, 5],
      [5, 4],
    ],
    (a, b) => sg.matMul(a, b),
    (a, b) => tf.matMul(a, b),
  ],
  [
    'matMul tA tB',
    [
      [5, 3],
      [4, 5],
    ],
    (a, b) => sg.matMul(a, b, true, true),
    (a, b) => tf.matMul(a, b, true, true),
  ],
  [
    'matMul batched',
    [
      [2, 3, 5],
      [2, 5, 4],
    ],
    (a, b) => sg.matMul(a, b),
    (a, b) => tf.matMul(a, b),
  ],
  ['sum', [[3, 4, 5]], (x) => sg.sum(x, [0, 2]), (x) => tf.sum(x, [0, 2])],
  ['mean', [[3, 4, 5]], (x) => sg.mean(x, 1, true), (x) => tf.mean(x, 1, true)],
  ['max', [[3, 4, 5]], (x) => sg.max(x, -1), (x) => tf.max(x, -1)],
  ['min', [[3, 4, 5]], (x) => sg.min(x, 0), (x) => tf.min(x, 0)],
  ['transpose', [[2, 3, 4]], (x) => sg.transpose(x, [2, 0, 1]), (x) => tf.transpose(x, [2, 0, 1])],
  ['reshape', [[2, 3, 4]], (x) => sg.reshape(x, [6, 4]), (x) => tf.reshape(x, [6, 4])],
  [
    'concat',
    [
      [2, 3],
      [2, 5],
    ],
    (a, b) => sg.concat([a, b], 1),
    (a, b) => tf.concat([a, b], 1),
  ],
  [
    'stack',
    [
      [2, 3],
      [2, 3],
    ],
    (a, b) => sg.stack([a, b], 1),
    (a, b) => tf.stack([a, b], 1),
  ],
  ['slice', [[4, 5]], (x) => sg.slice(x, [1, 2], [2, 3]), (x) => tf.slice(x, [1, 2], [2, 3])],
  [
    'pad',
    [[2, 3]],
    (x) =>
      sg.pad(
        x,
        [
          [1, 2],
          [0, 1],
        ],
        0.5,
      ),
    (x) =>
      tf.pad(
        x,
        [
          [1, 2],
          [0, 1],
        ],
        0.5,
      ),
  ],
  ['tile', [[2, 3]], (x) => sg.tile(x, [2, 3]), (x) => tf.tile(x, [2, 3])],
  [
    'gather',
    [[5, 3]],
    (x) => sg.gather(x, [4, 0, 4, 2], 0),
    (x) => tf.gather(x, tf.tensor1d([4, 0, 4, 2], 'int32'), 0),
  ],
  ['expandDims', [[2, 3]], (x) => sg.expandDims(x, 1), (x) => tf.expandDims(x, 1)],
  // A fixed condition: tfjs has no gradient registered for Greater inside a grads call.
  [
    'where',
    [[3, 4]],
    (x) =>
      sg.where(
        sg.tidy(() => sg.greater(sg.tensor(MASK, [3, 4]), 0)),
        x,
        sg.mul(x, 2),
      ),
    (x) =>
      tf.where(
        tf.tidy(() => tf.greater(tf.tensor(MASK, [3, 4]), 0)),
        x,
        tf.mul(x, 2),
      ),
  ],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BACKENDS)('simdgrad on %s against tfjs-core cpu', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(OPS)('%s: values and gradients', (_name, shapes, sgf, tff, range = [-2, 2]) => {
    const inputs = shapes.map((s, k) =>
      randArray(
        s.reduce((a, c) => a * c, 1),
        100 + k,
        range[0],
        range[1],
      ),
    );
    const sx = inputs.map((v, k) => sg.tensor(v, shapes[k]));
    const tx = inputs.map((v, k) => tf.tensor(v, shapes[k]));
    // values
    const sy = sg.tidy(() => sgf(...sx));
    const ty = tf.tidy(() => tff(...tx));
    expectClose(sy.dataSync(), ty.dataSync() as Float32Array, 1e-5, 1e-5);
    // gradients of sum(f(x) * w) with the same random w
    const w = randArray(sy.size, 7, 0.5, 1.5);
    const sw = sg.tensor(w, sy.shape);
    const tw = tf.tensor(w, ty.shape);
    const sg_ = sg.grads((...xs) => sg.sum(sg.mul(sgf(...xs), sw)))(sx);
    const tg = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(tff(...xs), tw)))(tx);
    sg_.forEach((g, k) => expectClose(g.dataSync(), tg[k].dataSync() as Float32Array, 1e-4, 1e-5));
    sg.dispose([sy, sw, sx, sg_]);
    tf.dispose([ty, tw, tx, tg]);
  });
});
