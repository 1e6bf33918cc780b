// The rest of tfjs-core's op surface (issue 13, second part), against tfjs-core's cpu backend on
// every simdgrad backend: stridedSlice with ellipsis / new-axis masks, einsum with '...' and
// repeated labels (against tfjs programs computing the same thing: tfjs' einsum has neither),
// searchSorted, dilation2d, basicLSTMCell, movingAverage, image.threshold, soft / padded NMS,
// fused.depthwiseConv2d and the small helpers. Values, shapes, dtypes; gradients against tfjs and
// finite differences; no leaks.
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as sg from '../../src/index.js';
import { expectClose, gradCheck, randArray } from '../helpers.js';
import { i32, L, runCases, type AnyT, type Case, type Lib } from './tfjs_harness.js';

const isSg = (l: Lib) => l === (sg as unknown as Lib);

/** stridedSlice(x, ...args) on a [2, 3, 4] input. */
// tfjs 4.22 registers no gradient for StridedSlice or Einsum: those are checked against finite differences.
const ss = (args: unknown[], grad: boolean | 'fd' = 'fd'): Pick<Case, 'shapes' | 'run' | 'grad'> => ({
  shapes: [[2, 3, 4]],
  run: (l, x) => L(l).stridedSlice(x, ...args),
  grad,
});

/** Boxes for the NMS cases: overlapping clusters, corners in either order. */
const BOXES = [
  [0, 0, 1, 1],
  [0, 0.1, 1, 1.1],
  [0, -0.1, 1, 0.9],
  [0, 10, 1, 11],
  [1, 10.1, 0, 11.1],
  [0, 100, 1, 101],
  [0.5, 0.5, 1.5, 1.5],
];
const SCORES = [0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.8];

const CASES: Case[] = [
  // stridedSlice: ellipsis, new axes and shrink together (TensorFlow's sparse -> dense spec)
  { name: 'stridedSlice x[...]', ...ss([[1], [2], [1], 0, 0, 1]) },
  { name: 'stridedSlice x[..., 1:3]', ...ss([[0, 1], [0, 3], [1, 1], 0, 0, 1]) },
  { name: 'stridedSlice x[..., 2] (shrink)', ...ss([[0, 2], [0, 3], [1, 1], 0, 0, 1, 0, 2]) },
  // tfjs 4.22 throws 'Requested out of range element' here: compared with x[1] gathered at [3, 1]
  {
    name: 'stridedSlice x[1, ..., ::-2] = gather(x[1], [3, 1], 1)',
    shapes: [[2, 3, 4]],
    run: (l, x) =>
      isSg(l)
        ? sg.stridedSlice(x as sg.Tensor, [1, 0, -1], [2, 0, -5], [1, 1, -2], 0, 0, 2, 0, 1)
        : tf.gather(tf.reshape(tf.slice(x as tf.Tensor, [1, 0, 0], [1, 3, 4]), [3, 4]), [3, 1], 1),
    grad: true,
  },
  { name: 'stridedSlice x[None, 1:]', ...ss([[0, 1], [0, 2], [1, 1], 0, 0, 0, 1]) },
  { name: 'stridedSlice x[:, None, ::2, None]', ...ss([[0, 0, 0, 0], [2, 0, 3, 0], [1, 1, 2, 1], 1, 1, 0, 10]) },
  { name: 'stridedSlice x[1, None, ..., None, 0] ', ...ss([[1, 0, 0, 0, 0], [2, 0, 0, 0, 1], [1, 1, 1, 1, 1], 0, 0, 4, 10, 17]) },
  { name: 'stridedSlice x[..., None] (ellipsis then new axis)', ...ss([[0, 0], [0, 0], [1, 1], 0, 0, 1, 2]) },
  { name: 'stridedSlice x[0, None] (shrink and new axis)', ...ss([[0, 0], [1, 0], [1, 1], 0, 0, 0, 2, 1]) },
  // einsum: tfjs-supported equations directly; '...' and repeated labels against tfjs programs
  {
    name: 'einsum bij,bjk->bik',
    shapes: [
      [2, 3, 4],
      [2, 4, 5],
    ],
    run: (l, a, c) => L(l).einsum('bij,bjk->bik', a, c),
    grad: 'fd',
  },
  { name: 'einsum ij->ji', shapes: [[3, 4]], run: (l, a) => L(l).einsum('ij->ji', a), grad: 'fd' },
  {
    name: 'einsum ...ij,...jk->...ik (broadcast batch) = matMul',
    shapes: [
      [2, 1, 3, 4],
      [5, 4, 2],
    ],
    // both operands broadcast explicitly on the tfjs side: tfjs 4.22's matMul gets batch
    // shapes [2,1] x [2,5] wrong (max error 0.8 against a plain loop; simdgrad's matMul is right)
    run: (l, a, c) =>
      isSg(l)
        ? sg.einsum('...ij,...jk->...ik', a as sg.Tensor, c as sg.Tensor)
        : tf.matMul(tf.broadcastTo(a as tf.Tensor, [2, 5, 3, 4]), tf.broadcastTo(c as tf.Tensor, [2, 5, 4, 2])),
    grad: true,
  },
  {
    name: 'einsum i...->... = sum(axis 0)',
    shapes: [[3, 2, 4]],
    run: (l, a) => (isSg(l) ? sg.einsum('i...->...', a as sg.Tensor) : tf.sum(a as tf.Tensor, 0)),
    grad: true,
  },
  {
    name: 'einsum ...j,j (implicit output) = matVec',
    shapes: [[2, 3, 4], [4]],
    run: (l, a, v) =>
      isSg(l) ? sg.einsum('...j,j', a as sg.Tensor, v as sg.Tensor) : tf.sum(tf.mul(a as tf.Tensor, v as tf.Tensor), -1),
    grad: true,
  },
  {
    name: 'einsum ii-> (trace) and ii->i (diagonal)',
    shapes: [[4, 4]],
    run: (l, a) =>
      isSg(l)
        ? sg.concat([sg.reshape(sg.einsum('ii->', a as sg.Tensor), [1]), sg.einsum('ii->i', a as sg.Tensor)])
        : tf.tidy(() => {
            const d = tf.sum(tf.mul(a as tf.Tensor, tf.eye(4)), 1);
            return tf.concat([tf.reshape(tf.sum(d), [1]), d]);
          }),
    grad: true,
  },
  {
    name: 'einsum ij,jk,kl->il (three operands)',
    shapes: [
      [2, 3],
      [3, 4],
      [4, 2],
    ],
    run: (l, a, c, d) =>
      isSg(l)
        ? sg.einsum('ij,jk,kl->il', a as sg.Tensor, c as sg.Tensor, d as sg.Tensor)
        : tf.matMul(tf.matMul(a as tf.Tensor, c as tf.Tensor), d as tf.Tensor),
    grad: true,
  },
  // sorted search
  {
    name: 'searchSorted left/right, lowerBound, upperBound',
    shapes: [],
    run: (l) => {
      const seq = L(l).tensor([
        [1, 3, 3, 5, 7],
        [-2, 0, 0, 0, 9],
      ]);
      const v = L(l).tensor([
        [3, 0, 8, 7],
        [0, -5, 10, 1],
      ]);
      return L(l).concat([
        L(l).searchSorted(seq, v),
        L(l).searchSorted(seq, v, 'right'),
        L(l).lowerBound(seq, v),
        L(l).upperBound(seq, v),
      ]);
    },
  },
  // tfjs returns the 2-d [rows, N] shape it computes in (TensorFlow keeps values' shape): followed
  { name: 'searchSorted 1-d', shapes: [], run: (l) => L(l).searchSorted([1, 2, 2, 4], [0, 2, 3, 9], 'right') },
  {
    name: 'searchSorted rank 3',
    shapes: [],
    run: (l) => L(l).upperBound(L(l).tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), L(l).tensor([2, 9, 0, 4, 7, 6, 1, 8], [2, 2, 2])),
  },
  // nn
  {
    name: 'dilation2d valid',
    shapes: [
      [2, 5, 6, 3],
      [2, 3, 3],
    ],
    run: (l, x, f) => L(l).dilation2d(x, f, 1, 'valid'),
    grad: true,
  },
  {
    name: 'dilation2d same strides 2',
    shapes: [
      [1, 5, 6, 2],
      [3, 2, 2],
    ],
    run: (l, x, f) => L(l).dilation2d(x, f, [2, 2], 'same'),
    grad: true,
  },
  {
    name: 'dilation2d same dilations 2, unbatched',
    shapes: [
      [6, 5, 2],
      [2, 2, 2],
    ],
    run: (l, x, f) => L(l).dilation2d(x, f, 1, 'same', 2),
    grad: true,
  },
  {
    name: 'basicLSTMCell',
    shapes: [[2, 3], [5, 8], [8], [2, 2], [2, 2]],
    run: (l, x, k, bias, c, h) => L(l).concat(L(l).basicLSTMCell(L(l).scalar(1), k, bias, x, c, h), 1),
    grad: true,
  },
  {
    name: 'multiRNNCell of two basicLSTMCells',
    shapes: [[2, 3], [5, 8], [4, 8], [8]],
    run: (l, x, k1, k2, bias) => {
      const cell = (k: AnyT) => (d: AnyT, c: AnyT, h: AnyT) => L(l).basicLSTMCell(1, k, bias, d, c, h);
      const z = L(l).zeros([2, 2]);
      const [cs, hs] = L(l).multiRNNCell([cell(k1), cell(k2)], x, [z, z], [z, z]);
      return L(l).concat([...cs, ...hs], 1);
    },
    grad: true,
  },
  {
    name: 'movingAverage zeroDebias',
    shapes: [[3, 2], [3, 2]],
    run: (l, v, x) => L(l).movingAverage(v, x, 0.9, 3),
    grad: true,
  },
  {
    name: 'movingAverage no debias, tensor decay',
    shapes: [[4], [4]],
    run: (l, v, x) => L(l).movingAverage(v, x, L(l).scalar(0.7), undefined, false),
    grad: true,
  },
  {
    name: 'fused.depthwiseConv2d relu6 + bias',
    shapes: [[1, 5, 5, 2], [3, 3, 2, 2], [4]],
    run: (l, x, f, bias) => L(l).fused.depthwiseConv2d({ x, filter: f, strides: 1, pad: 'same', bias, activation: 'relu6' }),
    grad: 'fd',
  },
  {
    name: 'fused.depthwiseConv2d leakyrelu alpha 0.1, strides 2',
    shapes: [[2, 6, 6, 3], [2, 2, 3, 1], [3]],
    run: (l, x, f, bias) =>
      L(l).fused.depthwiseConv2d({ x, filter: f, strides: 2, pad: 'valid', bias, activation: 'leakyrelu', leakyreluAlpha: 0.1 }),
  },
  {
    name: 'fused.depthwiseConv2d linear, no bias',
    shapes: [[1, 4, 4, 2], [2, 2, 2, 1]],
    run: (l, x, f) => L(l).fused.depthwiseConv2d({ x, filter: f, strides: 1, pad: 'valid' }),
    grad: true,
  },
  // images
  {
    name: 'image.threshold binary / inverted / otsu (RGB and grey)',
    shapes: [[6, 7, 3]],
    range: [0, 255],
    run: (l, x) => {
      const grey = L(l).slice(x, [0, 0, 0], [6, 7, 1]);
      return L(l).concat(
        [
          L(l).image.threshold(x),
          L(l).image.threshold(x, 'binary', true, 0.3),
          L(l).image.threshold(x, 'otsu'),
          L(l).image.threshold(grey, 'otsu', true),
          L(l).image.threshold(L(l).cast(grey, 'int32'), 'binary', false, 0.6),
        ],
        2,
      );
    },
  },
  {
    name: 'image.nonMaxSuppressionWithScore soft-NMS sigma 0.5',
    shapes: [],
    run: (l) => {
      const r = L(l).image.nonMaxSuppressionWithScore(BOXES, SCORES, 6, 0.6, 0.1, 0.5);
      return L(l).concat([L(l).cast(r.selectedIndices, 'float32'), r.selectedScores]);
    },
  },
  {
    name: 'image.nonMaxSuppressionWithScore sigma 0 (plain)',
    shapes: [],
    run: (l) => {
      const r = L(l).image.nonMaxSuppressionWithScore(BOXES, SCORES, 10, 0.5);
      return L(l).concat([L(l).cast(r.selectedIndices, 'float32'), r.selectedScores]);
    },
  },
  {
    name: 'image.nonMaxSuppressionPadded padded and not',
    shapes: [],
    run: (l) => {
      const a = L(l).image.nonMaxSuppressionPadded(BOXES, SCORES, 6, 0.5, 0.4, true);
      const c = L(l).image.nonMaxSuppressionPadded(BOXES, SCORES, 6, 0.5, 0.4);
      return L(l).concat([a.selectedIndices, L(l).reshape(a.validOutputs, [1]), c.selectedIndices, L(l).reshape(c.validOutputs, [1])]);
    },
  },
  {
    name: 'image.nonMaxSuppression at iou == threshold (suppressed, as tfjs)',
    shapes: [],
    run: (l) =>
      L(l).image.nonMaxSuppression(
        [
          [0, 0, 1, 2],
          [0, 1, 1, 3],
        ],
        [0.9, 0.8],
        2,
        1 / 3,
      ),
  },
  // sparse
  {
    name: 'sparse.sparseSegmentSum / Mean (empty segment in the middle)',
    shapes: [[4, 3]],
    run: (l, x) =>
      L(l).concat([
        L(l).sparse.sparseSegmentSum(x, i32(l, [0, 2, 3, 1]), i32(l, [0, 0, 2, 2])),
        L(l).sparse.sparseSegmentMean(x, i32(l, [3, 2, 3, 1]), i32(l, [0, 0, 2, 3])),
      ]),
    grad: 'fd',
  },
  {
    name: 'sparse.sparseFillEmptyRows (unordered, empty rows)',
    shapes: [],
    run: (l) => {
      const r = L(l).sparse.sparseFillEmptyRows(i32(l, [3, 1, 0, 2, 3, 0], [3, 2]), L(l).tensor([5, 6, 7]), i32(l, [5, 3]), -1);
      return L(l).concat([
        L(l).reshape(L(l).cast(r.outputIndices, 'float32'), [-1]),
        r.outputValues,
        L(l).cast(r.emptyRowIndicator, 'float32'),
        L(l).cast(r.reverseIndexMap, 'float32'),
      ]);
    },
  },
  {
    name: 'sparse.sparseReshape with -1',
    shapes: [],
    run: (l) => {
      const r = L(l).sparse.sparseReshape(i32(l, [0, 1, 1, 2, 2, 3], [3, 2]), i32(l, [3, 4]), i32(l, [2, -1, 2]));
      return L(l).concat([L(l).reshape(r.outputIndices, [-1]), r.outputShape]);
    },
  },
  // int32 inputs where tfjs takes them
  { name: 'searchSorted int32', shapes: [], run: (l) => L(l).searchSorted(i32(l, [[1, 4, 4, 9]]), i32(l, [[4, 0, 10]]), 'left') },
  {
    name: 'sparseSegmentSum int32 data',
    shapes: [],
    run: (l) => L(l).sparse.sparseSegmentSum(i32(l, [1, 2, 3, 4, 5, 6], [3, 2]), i32(l, [2, 0, 1]), i32(l, [0, 1, 1])),
  },
  { name: 'sparseToDense int32 values', shapes: [], run: (l) => L(l).sparseToDense(i32(l, [1, 3]), i32(l, [7, 8]), [5], 2) },
  {
    name: 'meshgrid int32',
    shapes: [],
    run: (l) => L(l).concat(L(l).meshgrid(i32(l, [1, 2]), i32(l, [3, 4, 5])).map((t: AnyT) => L(l).reshape(t, [-1]))),
  },
  { name: 'movingAverage int32 step tensor', shapes: [[3], [3]], run: (l, v, x) => L(l).movingAverage(v, x, 0.5, L(l).scalar(2, 'int32')) },
  // helpers
  {
    name: 'meshgrid xy and ij',
    shapes: [[3], [2]],
    run: (l, x, y) => L(l).concat([...L(l).meshgrid(x, y).map((t: AnyT) => L(l).reshape(t, [-1])), ...L(l).meshgrid(x, y, { indexing: 'ij' }).map((t: AnyT) => L(l).reshape(t, [-1]))]),
    grad: true,
  },
  { name: 'broadcastArgs', shapes: [], run: (l) => L(l).broadcastArgs(i32(l, [2, 1, 3]), i32(l, [4, 1])) },
  { name: 'bitwiseAnd', shapes: [], run: (l) => L(l).bitwiseAnd(i32(l, [6, 5, -1, 12]), i32(l, [3, 4, 7, 10])) },
  {
    name: 'sparseToDense 2-d and scalar value',
    shapes: [],
    run: (l) =>
      L(l).concat([
        L(l).reshape(L(l).sparseToDense(i32(l, [0, 1, 2, 0], [2, 2]), L(l).tensor([5, 6]), [3, 2], -1), [-1]),
        L(l).sparseToDense(i32(l, [0, 3]), L(l).scalar(7), [4]),
      ]),
  },
  { name: 'math.confusionMatrix', shapes: [], run: (l) => L(l).math.confusionMatrix(i32(l, [0, 1, 2, 1, 0]), i32(l, [0, 2, 2, 1, 1]), 3) },
  { name: 'cosineWindow', shapes: [], run: (l) => L(l).concat([L(l).cosineWindow(5, 0.5, 0.5), L(l).cosineWindow(6, 0.54, 0.46)]) },
  {
    name: 'randomUniformInt dtype/shape (values: see the range test)',
    shapes: [],
    run: (l) => L(l).zerosLike(L(l).randomUniformInt([2, 3], 0, 5, 1)),
  },
  { name: 'ensureShape', shapes: [[2, 3]], run: (l, x) => L(l).ensureShape(L(l).mul(x, 2), [2, null]), grad: true },
];

runCases('tfjs-core ops added for issue 13 (part 2)', CASES, () => {
  it('inTopKAsync against tfjs (ties by index)', async () => {
    const p = [
      [0.1, 0.5, 0.5, 0.2],
      [0.9, 0.05, 0.03, 0.02],
      [0.3, 0.3, 0.3, 0.1],
    ];
    const t = [2, 1, 1];
    for (const k of [1, 2, 3]) {
      const s = await sg.inTopKAsync(p, t, k);
      const r = await tf.inTopKAsync(p, t, k);
      expect(s.dtype).toBe('bool');
      expect(Array.from(s.dataSync())).toEqual(Array.from(r.dataSync()));
      s.dispose();
      r.dispose();
    }
  });

  it('randomStandardNormal and randomUniformInt: seeded, distributed as tfjs documents', () => {
    const n = sg.randomStandardNormal([20000], 'float32', 5);
    const v = n.dataSync();
    const mean = v.reduce((a, c) => a + c, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, c) => a + (c - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const again = sg.randomStandardNormal([20000], 'float32', 5);
    expect(Array.from(again.dataSync())).toEqual(Array.from(v));
    const u = sg.randomUniformInt([20000], -3, 4, 9);
    expect(u.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const x of u.dataSync()) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / 20000 - 1 / 7)).toBeLessThan(0.015);
    const r = sg.rand([3, 2], () => 4, 'int32');
    expect(Array.from(r.dataSync())).toEqual([4, 4, 4, 4, 4, 4]);
    expect(r.shape).toEqual([3, 2]);
    sg.dispose([n, again, u, r]);
  });

  it('dtype helpers, enclosingPowerOfTwo, op() and print() as tfjs', () => {
    for (const a of ['float32', 'int32', 'bool'] as const) {
      expect(sg.sumOutType(a)).toBe(tf.sumOutType(a));
      for (const c of ['float32', 'int32', 'bool'] as const) expect(sg.upcastType(a, c)).toBe(tf.upcastType(a, c));
    }
    for (const v of [1, 2, 3, 100, 1024, 1025]) expect(sg.enclosingPowerOfTwo(v)).toBe(tf.enclosingPowerOfTwo(v));
    const sq = sg.op({ square2_: (x: sg.Tensor) => sg.add(sg.mul(x, x), sg.zerosLike(x)) });
    const x = sg.tensor([1, 2, 3]);
    const before = sg.memory().numTensors;
    const y = sq(x);
    expect(sg.memory().numTensors).toBe(before + 1); // intermediates freed
    expect(Array.from(y.dataSync())).toEqual([1, 4, 9]);
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(String(s));
    try {
      sg.print(y, true);
      y.print();
    } finally {
      console.log = log;
    }
    expect(lines[0]).toContain('dtype: float32');
    expect(lines[0]).toContain('shape: [3]');
    expect(lines[1]).toContain('[1,4,9]');
    sg.dispose([x, y]);
  });

  it('async NMS forms give the sync results', async () => {
    const a = await sg.image.nonMaxSuppressionWithScoreAsync(BOXES, SCORES, 6, 0.6, 0.1, 0.5);
    const b = sg.image.nonMaxSuppressionWithScore(BOXES, SCORES, 6, 0.6, 0.1, 0.5);
    expect(Array.from(a.selectedIndices.dataSync())).toEqual(Array.from(b.selectedIndices.dataSync()));
    expect(Array.from(a.selectedScores.dataSync())).toEqual(Array.from(b.selectedScores.dataSync()));
    const c = await sg.image.nonMaxSuppressionPaddedAsync(BOXES, SCORES, 9, 0.5, 0, true);
    const d = await tf.image.nonMaxSuppressionPaddedAsync(BOXES, SCORES, 9, 0.5, 0, true);
    expect(Array.from(c.selectedIndices.dataSync())).toEqual(Array.from(d.selectedIndices.dataSync()));
    expect(c.validOutputs.dataSync()[0]).toBe(d.validOutputs.dataSync()[0]);
    const e = await tf.image.nonMaxSuppressionWithScoreAsync(BOXES, SCORES, 6, 0.6, 0.1, 0.5);
    expectClose(a.selectedScores.dataSync(), e.selectedScores.dataSync() as Float32Array);
    sg.dispose([a.selectedIndices, a.selectedScores, b.selectedIndices, b.selectedScores, c.selectedIndices, c.validOutputs]);
    tf.dispose([d.selectedIndices, d.validOutputs, e.selectedIndices, e.selectedScores]);
  });

  it('stridedSlice gradient with masks against finite differences (x[1:, None, ..., ::-1])', () => {
    const x = sg.tensor(randArray(24, 3), [2, 3, 4]);
    gradCheck((t) => sg.stridedSlice(t, [1, 0, 0, -1], [2, 0, 0, -5], [1, 1, 1, -1], 0, 0, 4, 2), [x]);
    sg.dispose(x);
  });

  it('bad arguments: clear errors naming the op, the argument and the shape', () => {
    const x = sg.zeros([2, 3, 4]);
    // argument tensors made inside a case are counted, so the check sees only what the op leaks
    const made: sg.Tensor[] = [];
    const zeros = (shape: number[]) => {
      const t = sg.zeros(shape);
      made.push(t);
      return t;
    };
    const cases: Array<[() => unknown, RegExp]> = [
      [() => sg.stridedSlice(x, [0, 0], [1, 1], [1, 1], 0, 0, 3), /stridedSlice: ellipsisMask 3 sets more than one bit/],
      [() => sg.stridedSlice(x, [0, 0, 0, 0], [1, 1, 1, 1]), /stridedSlice: .*more dimensions than x \[2,3,4\]/],
      [() => sg.stridedSlice(x, [5], [6], [1], 0, 0, 0, 0, 1), /stridedSlice: index 5 is out of range for dimension 0 of size 2/],
      [() => sg.stridedSlice(x, [0], [1], [0]), /stridedSlice: strides\[0\] must be a non-zero integer but is 0 \(x \[2,3,4\]\)/],
      [() => sg.einsum('ij,jk->ik', zeros([2, 3]), zeros([4, 2])), /einsum: label 'j' is 3 in one operand and 4 in operand 1 \(shape \[4,2\]\)/],
      [() => sg.einsum('...ij->...', x, x), /einsum: equation '...ij->...' names 1 operands but 2 tensors/],
      [() => sg.einsum('ijkl->i', x), /einsum: operand 0 has subscripts 'ijkl' \(4 labels\) but rank 3/],
      [() => sg.einsum('...i,...i->...i', zeros([2, 3]), zeros([4, 3])), /einsum: a '...' dimension is 2 in one operand and 4 in operand 1/],
      [() => sg.searchSorted([[1, 2]], [[1], [2]]), /searchSorted: sortedSequence \[1,2\] and values \[2,1\] must have the same number of rows/],
      [() => sg.dilation2d(x, zeros([2, 2, 5]), 1, 'same'), /dilation2d: the filter has depth 5 but x has 4 channels; x \[2,3,4\]/],
      [() => sg.dilation2d(zeros([1, 3, 3, 1]), zeros([2, 2, 1]), 2, 'valid', 2), /dilation2d: either strides or dilations must be 1/],
      [() => sg.basicLSTMCell(1, zeros([5, 7]), zeros([8]), zeros([2, 3]), zeros([2, 2]), zeros([2, 2])), /basicLSTMCell: lstmKernel must have shape \[5, 8\].*has \[5,7\]/],
      [() => sg.movingAverage(zeros([2]), zeros([3]), 0.9, 1), /movingAverage: v \[2\] and x \[3\] must have the same shape/],
      [() => sg.movingAverage(zeros([2]), zeros([2]), 0.9), /movingAverage: step is required/],
      [() => sg.image.threshold(zeros([3, 3, 2])), /image.threshold: image must have 1 or 3 channels but has shape \[3,3,2\]/],
      [() => sg.image.threshold(zeros([3, 3, 1]), 'mean' as 'otsu'), /image.threshold: method must be 'binary' or 'otsu'/],
      [() => sg.image.nonMaxSuppressionWithScore(BOXES, [1, 2], 3), /image.nonMaxSuppressionWithScore: scores must have shape \[7\] \(one per box\) but have \[2\]/],
      [() => sg.image.nonMaxSuppressionWithScore(BOXES, SCORES, 3, 0.5, 0, -1), /softNmsSigma must be a number >= 0 but is -1/],
      [() => sg.image.nonMaxSuppressionPadded([[0, 0, 1]], [1], 3), /image.nonMaxSuppressionPadded: boxes must have shape \[numBoxes, 4\] but have \[1,3\]/],
      [() => sg.bitwiseAnd(zeros([2]), zeros([2])), /bitwiseAnd: x and y must be int32 but are float32 and float32/],
      [() => sg.broadcastArgs([2, 3], [4]), /broadcastArgs: shapes \[2,3\] and \[4\] are incompatible \(3 vs 4\)/],
      [() => sg.sparseToDense([[0], [0]], [1, 2], [3]), /sparseToDense: sparseIndices\[1\] repeats an index/],
      [() => sg.sparseToDense([[4]], [1], [3]), /sparseToDense: sparseIndices\[0\] = 4 is out of range \[0, 3\)/],
      [() => sg.ensureShape(x, [2, 3]), /ensureShape: x has shape \[2,3,4\], not compatible with \[2,3\]/],
      [() => sg.randomUniformInt([2], 5, 5), /randomUniformInt: maxval \(5\) must be greater than minval \(5\)/],
      [() => sg.randomStandardNormal([2], 'bool' as 'int32'), /randomStandardNormal: dtype bool is not supported/],
      [() => sg.math.confusionMatrix([0, 1], [1], 2), /math.confusionMatrix: labels \[2\] and predictions \[1\] must be vectors of the same length/],
      [() => sg.fused.depthwiseConv2d({ x: zeros([1, 3, 3, 2]), filter: zeros([2, 2, 2, 1]), strides: 1, pad: 'same', activation: 'gelu' as 'relu' }), /fused.depthwiseConv2d: unknown activation 'gelu'/],
      [() => sg.fused.depthwiseConv2d({ x: zeros([1, 3, 3, 2]), filter: zeros([2, 2, 2, 1]), strides: 1, pad: 'same', bias: zeros([3]) }), /fused.depthwiseConv2d: bias must have 2 elements/],
      [() => sg.sparse.sparseSegmentSum(zeros([3, 2]), [0, 1], [1, 0]), /sparse.sparseSegmentSum: segmentIds must be sorted and >= 0 but segmentIds\[1\] = 0/],
      [() => sg.sparse.sparseSegmentMean(zeros([3, 2]), [0, 3], [0, 0]), /sparse.sparseSegmentMean: indices\[1\] = 3 is out of range \[0, 3\) \(data \[3,2\]\)/],
      [() => sg.sparse.sparseReshape([[0, 1]], [2, 3], [4, -1]), /sparse.sparseReshape: newShape \[4,-1\] cannot hold the 6 elements of inputShape \[2,3\]/],
      [() => sg.sparse.sparseFillEmptyRows([[5, 0]], [1], [3, 2], 0), /sparse.sparseFillEmptyRows: indices\[0, 0\] = 5 is out of range \[0, 3\)/],
      [() => sg.multiRNNCell([], zeros([1, 1]), [zeros([1])], []), /multiRNNCell: c and h must be lists with one state per cell \(0\) but have 1 and 0/],
    ];
    for (const [f, re] of cases) {
      const before = sg.memory().numTensors;
      const n = made.length;
      expect(f).toThrow(re);
      expect(sg.memory().numTensors - before).toBe(made.length - n);
    }
    sg.dispose([x, ...made]);
  });
});
