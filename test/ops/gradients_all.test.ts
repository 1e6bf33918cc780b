// The defect class of issue 13 (a registered gradient that is silently zero or wrong): every kernel
// with a gradient rule is reached by at least one op in this table and checked against central
// finite differences on every backend; and every kernel a backend registers either has a gradient
// rule or is listed below as not differentiable, so a new kernel cannot silently give zeros.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ENGINE } from '../../src/engine/engine.js';
import { getGradient } from '../../src/engine/registry.js';
import { dropoutWithKeys } from '../../src/ops/dropout.js';
import { BACKENDS, checkNoLeaks, gradCheck, rand } from '../helpers.js';

type Case = [
  name: string,
  kernels: string[],
  shapes: number[][],
  f: (...xs: sg.Tensor[]) => sg.Tensor,
  range?: [number, number],
];

const U = (name: string, f: (x: sg.Tensor) => sg.Tensor, range?: [number, number]): Case => [
  name,
  ['Unary'],
  [[5]],
  f,
  range,
];
const MU = (name: string, f: (x: sg.Tensor) => sg.Tensor, range?: [number, number]): Case => [
  name,
  ['MathUnary'],
  [[5]],
  f,
  range,
];

const CASES: Case[] = [
  U('neg', sg.neg),
  U('abs', sg.abs),
  U('square', sg.square),
  U('sqrt', sg.sqrt, [0.5, 2]),
  U('rsqrt', sg.rsqrt, [0.5, 2]),
  U('exp', sg.exp),
  U('log', sg.log, [0.5, 2]),
  U('log1p', sg.log1p, [0, 2]),
  U('reciprocal', sg.reciprocal, [0.5, 2]),
  U('relu', sg.relu),
  U('relu6', (x) => sg.relu6(sg.mul(x, 4)), [-2, 2]),
  U('elu', (x) => sg.elu(x, 0.7)),
  U('selu', sg.selu),
  U('leakyRelu', (x) => sg.leakyRelu(x, 0.3)),
  U('sigmoid', sg.sigmoid),
  U('tanh', sg.tanh),
  U('softplus', sg.softplus),
  U('sin', sg.sin),
  U('cos', sg.cos),
  U('clipByValue', (x) => sg.clipByValue(x, -0.5, 0.5)),
  MU('tan', sg.tan, [-1, 1]),
  MU('asin', sg.asin, [-0.8, 0.8]),
  MU('acos', sg.acos, [-0.8, 0.8]),
  MU('atan', sg.atan),
  MU('sinh', sg.sinh),
  MU('cosh', sg.cosh),
  MU('asinh', sg.asinh),
  MU('acosh', sg.acosh, [1.2, 3]),
  MU('atanh', sg.atanh, [-0.8, 0.8]),
  MU('expm1', sg.expm1),
  U('erf', sg.erf),
  ['add', ['Binary'], [[2, 3], [3]], (a, b) => sg.add(a, b)],
  [
    'sub',
    ['Binary'],
    [
      [2, 3],
      [2, 1],
    ],
    (a, b) => sg.sub(a, b),
  ],
  ['mul', ['Binary'], [[2, 3], [3]], (a, b) => sg.mul(a, b)],
  ['div', ['Binary'], [[2, 3], [3]], (a, b) => sg.div(a, b), [0.5, 2]],
  ['maximum', ['Binary'], [[2, 3], [3]], (a, b) => sg.maximum(a, b)],
  ['minimum', ['Binary'], [[2, 3], [3]], (a, b) => sg.minimum(a, b)],
  ['pow', ['Binary'], [[2, 3], [3]], (a, b) => sg.pow(a, b), [0.5, 2]],
  ['squaredDifference', ['Binary'], [[2, 3], [3]], (a, b) => sg.squaredDifference(a, b)],
  ['atan2', ['MathBinary'], [[2, 3], [3]], (a, b) => sg.atan2(a, b)],
  ['mod', ['MathBinary'], [[2, 3], [3]], (a, b) => sg.mod(a, sg.add(sg.abs(b), 1.5)), [-3, 3]],
  [
    'where',
    ['Where'],
    [
      [2, 3],
      [2, 3],
    ],
    (a, b) => sg.where(sg.greater(a, 0), a, b),
  ],
  ['sum', ['Reduce'], [[3, 4]], (x) => sg.sum(x, 1)],
  ['prod', ['Reduce'], [[3, 4]], (x) => sg.prod(x, 0)],
  ['max', ['Reduce'], [[3, 4]], (x) => sg.max(x, 1)],
  ['min', ['Reduce'], [[3, 4]], (x) => sg.min(x, [0, 1])],
  ['softmax', ['Softmax'], [[3, 4]], (x) => sg.softmax(x)],
  ['logSoftmax', ['Softmax'], [[3, 4]], (x) => sg.logSoftmax(x)],
  [
    'matMul',
    ['MatMul'],
    [
      [3, 4],
      [4, 2],
    ],
    (a, b) => sg.matMul(a, b),
  ],
  [
    'fused.matMul relu+bias',
    ['FusedMatMul'],
    [[3, 4], [4, 2], [2]],
    (a, b, c) => sg.fused.matMul({ a, b, bias: c, activation: 'relu' }),
  ],
  ['transpose', ['Transpose'], [[2, 3, 4]], (x) => sg.transpose(x, [1, 2, 0])],
  ['slice', ['Slice'], [[4, 5]], (x) => sg.slice(x, [1, 2], [2, 2])],
  [
    'concat',
    ['Concat'],
    [
      [2, 3],
      [2, 2],
    ],
    (a, b) => sg.concat([a, b], 1),
  ],
  [
    'pad',
    ['Pad'],
    [[2, 3]],
    (x) =>
      sg.pad(x, [
        [1, 0],
        [2, 1],
      ]),
  ],
  ['tile', ['Tile'], [[2, 3]], (x) => sg.tile(x, [2, 3])],
  ['reshape/clone', ['Reshape'], [[2, 3]], (x) => sg.square(sg.reshape(x.clone(), [3, 2]))],
  ['cast', ['Cast'], [[2, 3]], (x) => sg.cast(x, 'float32').square()],
  ['gather', ['Gather'], [[4, 3]], (x) => sg.gather(x, [3, 0, 3], 0)],
  ['unsortedSegmentSum', ['UnsortedSegmentSum'], [[4, 3]], (x) => sg.unsortedSegmentSum(x, [1, 0, 1, 2], 3)],
  ['cumsum', ['Cumulative'], [[3, 4]], (x) => sg.cumsum(x, 1, true)],
  ['cumprod', ['Cumulative'], [[3, 4]], (x) => sg.cumprod(x, 1, false, true)],
  [
    'customGrad',
    ['CustomGrad'],
    [[4]],
    (x) =>
      sg.customGrad((t: sg.Tensor, save: (ts: sg.Tensor[]) => void) => {
        save([t]);
        return { value: sg.square(t), gradFunc: (dy: sg.Tensor, [s]: sg.Tensor[]) => sg.mul(dy, sg.mul(s, 2)) };
      })(x),
  ],
  [
    'conv2d',
    ['Conv'],
    [
      [1, 4, 4, 2],
      [3, 3, 2, 2],
    ],
    (x, f) => sg.conv2d(x, f, 1, 'same'),
  ],
  [
    'conv2dTranspose',
    ['ConvBackpropInput'],
    [
      [1, 3, 3, 2],
      [2, 2, 3, 2],
    ],
    (x, f) => sg.conv2dTranspose(x, f, [1, 6, 6, 3], 2, 'same'),
  ],
  [
    'depthwiseConv2d',
    ['DepthwiseConv'],
    [
      [1, 4, 4, 2],
      [2, 2, 2, 2],
    ],
    (x, f) => sg.depthwiseConv2d(x, f, 1, 'valid'),
  ],
  ['maxPool', ['Pool'], [[1, 4, 4, 2]], (x) => sg.maxPool(x, 2, 2, 'valid')],
  ['avgPool3d padded', ['Pool'], [[1, 2, 2, 2, 1]], (x) => sg.avgPool3d(x, 2, 2, 1)],
  ['resizeNearestNeighbor', ['ResizeNearest'], [[1, 3, 3, 1]], (x) => sg.resizeNearestNeighbor(x, [5, 4])],
  ['resizeBilinear', ['ResizeBilinear'], [[1, 3, 3, 1]], (x) => sg.resizeBilinear(x, [5, 4])],
  [
    'image.transform',
    ['ImageTransform'],
    [[1, 4, 4, 1]],
    (x) => sg.image.transform(x, sg.tensor2d([[1, 0.1, 0.3, 0, 1, -0.2, 0, 0]]), 'bilinear'),
  ],
  [
    'lstmSequence',
    ['LstmSequence'],
    [[2, 3, 2], [2, 8], [2, 8], [8], [2, 2], [2, 2]],
    (x, k, r, b, h, c) => sg.lstmSequence(x, k, r, b, h, c, { returnSequences: true }).output,
  ],
  [
    'gruSequence',
    ['GruSequence'],
    [
      [2, 3, 2],
      [2, 6],
      [2, 6],
      [2, 6],
      [2, 2],
    ],
    (x, k, r, b, h) => sg.gruSequence(x, k, r, b, h).output,
  ],
  [
    'simpleRnnSequence',
    ['SimpleRnnSequence'],
    [[2, 3, 2], [2, 2], [2, 2], [2], [2, 2]],
    (x, k, r, b, h) => sg.simpleRnnSequence(x, k, r, b, h, { returnSequences: true }).output,
  ],
  [
    'dotProductAttention',
    ['Attention'],
    [
      [2, 3, 2, 3],
      [2, 4, 2, 3],
      [2, 4, 2, 2],
    ],
    (q, k, v) => sg.dotProductAttention(q, k, v, { isCausal: true }),
  ],
  // complex64 (src/ops/complex.ts, spectral.ts): real inputs in, real and imaginary parts out
  [
    'fft of complex(a, b), real and imaginary parts',
    ['FFT'],
    [
      [2, 5],
      [2, 5],
    ],
    (a, b) => {
      const z = sg.fft(sg.complex(a, b));
      return sg.concat([sg.real(z), sg.imag(z)], -1);
    },
  ],
  ['abs of complex(a, b)', ['ComplexAbs'], [[5], [5]], (a, b) => sg.abs(sg.complex(a, b))],
  // the mask is fixed by the two keys, so the op is linear in x and finite differences see the same mask
  ['dropout with fixed keys', ['Dropout'], [[4, 6]], (x) => dropoutWithKeys(x, 0.4, 12345, 678)],
  [
    'categorical cross-entropy of probabilities (both arguments)',
    ['CategoricalCrossentropy'],
    [
      [3, 5],
      [3, 5],
    ],
    (t, p) => sg.losses.categoricalCrossentropy(t, p),
    [0.1, 1],
  ],
];

/**
 * Kernels with no gradient rule, and why that is right: outputs that are not differentiable
 * (comparisons, indices, one-hot, bool predicates), optimizer updates (never on the tape), and
 * the backward kernels themselves (simdgrad has no gradients of gradients: nested gradient calls
 * are refused with an error).
 */
const NOT_DIFFERENTIABLE = new Set([
  'Compare',
  'ArgReduce',
  'OneHot',
  'CropAndResize',
  'SgdUpdate',
  'RmspropUpdate',
  'AdamUpdate',
  'AdagradUpdate',
  'AdadeltaUpdate',
  'AdamaxUpdate',
  'NadamUpdate',
  'UnaryGrad',
  'CumprodGrad',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'ResizeNearestGrad',
  'ResizeBilinearGrad',
  'ImageTransformGrad',
  'LstmSequenceGrad',
  'GruSequenceGrad',
  'SimpleRnnSequenceGrad',
  'AttentionGrad',
  'CategoricalCrossentropyGrad',
  // an accuracy metric (argMax, equal, mean in one kernel): a step function, as ArgReduce and Compare
  'CategoricalAccuracy',
  // ConvLSTM2D's fused recurrence: these run only inside the customGrad of convLstm2dSequence
  // (src/layers/recurrent/conv_lstm_op.ts), whose gradient calls the backward kernel; checked
  // against finite differences, the js oracle and Keras in test/layers/conv_lstm*.test.ts.
  'ConvLstmSequence',
  'ConvLstmSequenceGrad',
]);
/** Backward kernels whose rules exist (for double backward) but are not reachable from one gradient call. */
const BACKWARD_WITH_RULES = new Set([
  'ConvBackpropFilter',
  'DepthwiseConvBackpropInput',
  'DepthwiseConvBackpropFilter',
]);

describe.each(BACKENDS)('every registered gradient against finite differences on %s', (backend) => {
  beforeAll(() => sg.setBackend(backend));
  checkNoLeaks();

  it.each(CASES.map((c) => [c[0], c] as const))('%s', (_n, [, , shapes, f, range]) => {
    const xs = shapes.map((s, k) => rand(s, 300 + k, range?.[0] ?? -1.5, range?.[1] ?? 1.5));
    gradCheck(f, xs, { rtol: 3e-2, atol: 3e-3 });
    sg.dispose(xs);
  });

  it('every kernel has a gradient rule, a case above, or a reason not to', () => {
    const names = [...ENGINE.backend.kernels.keys()];
    const covered = new Set(CASES.flatMap((c) => c[1]));
    const missing = names.filter((n) => !getGradient(n) && !NOT_DIFFERENTIABLE.has(n));
    expect(missing).toEqual([]);
    const untested = names.filter((n) => getGradient(n) && !covered.has(n) && !BACKWARD_WITH_RULES.has(n));
    expect(untested).toEqual([]);
  });
});
