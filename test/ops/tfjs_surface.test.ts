// The ops added for issue 13, against tfjs-core's cpu backend on every simdgrad backend: values,
// gradients (where tfjs has them), int32/bool inputs, and no leaks. The harness: tfjs_harness.ts.
// (gradients 'fd' only: mirrorPad's tfjs gradient ignores the mirrored parts,
// softmaxCrossEntropy's gradient with respect to the labels is not -logSoftmax, gather with
// batchDims and resizeBilinear on non-square images throw in tfjs.)
import { expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { gradCheck } from '../helpers.js';
import { b, i32, L, runCases, type AnyT, type Case } from './tfjs_harness.js';

const CASES: Case[] = [
  { name: 'tan', shapes: [[7]], run: (l, x) => L(l).tan(x), range: [-1, 1], grad: true },
  { name: 'asin', shapes: [[7]], run: (l, x) => L(l).asin(x), range: [-0.9, 0.9], grad: true },
  { name: 'acos', shapes: [[7]], run: (l, x) => L(l).acos(x), range: [-0.9, 0.9], grad: true },
  { name: 'atan', shapes: [[7]], run: (l, x) => L(l).atan(x), grad: true },
  { name: 'sinh', shapes: [[7]], run: (l, x) => L(l).sinh(x), grad: true },
  { name: 'cosh', shapes: [[7]], run: (l, x) => L(l).cosh(x), grad: true },
  { name: 'asinh', shapes: [[7]], run: (l, x) => L(l).asinh(x), grad: true },
  { name: 'acosh', shapes: [[7]], run: (l, x) => L(l).acosh(x), range: [1.2, 3], grad: true },
  { name: 'atanh', shapes: [[7]], run: (l, x) => L(l).atanh(x), range: [-0.9, 0.9], grad: true },
  { name: 'expm1', shapes: [[7]], run: (l, x) => L(l).expm1(x), grad: true },
  { name: 'logSigmoid', shapes: [[7]], run: (l, x) => L(l).logSigmoid(x), grad: true },
  { name: 'atan2', shapes: [[3, 4], [4]], run: (l, a, c) => L(l).atan2(a, c), grad: true },
  {
    name: 'mod',
    shapes: [[3, 4], [4]],
    run: (l, a, c) => L(l).mod(a, L(l).add(L(l).abs(c), 0.5)),
    range: [-3, 3],
    grad: true,
  },
  { name: 'mod int32', shapes: [], run: (l) => L(l).mod(i32(l, [-7, 7, -7, 7]), i32(l, [3, 3, -3, -3])) },
  {
    name: 'floorDiv',
    shapes: [[6], [6]],
    run: (l, a, c) => L(l).floorDiv(a, L(l).add(L(l).abs(c), 0.5)),
    range: [-3, 3],
  },
  { name: 'floorDiv int32', shapes: [], run: (l) => L(l).floorDiv(i32(l, [-7, 7, -7, 7]), i32(l, [2, 2, -2, -2])) },
  {
    name: 'isNaN/isInf/isFinite',
    shapes: [],
    run: (l) => {
      const x = L(l).tensor([NaN, Infinity, -Infinity, 1]);
      return L(l).concat([L(l).isNaN(x), L(l).isInf(x), L(l).isFinite(x)]);
    },
  },
  {
    name: 'logical ops',
    shapes: [],
    run: (l) => {
      const p = b(l, [true, true, false, false]);
      const q = b(l, [true, false, true, false]);
      return L(l).concat([L(l).logicalAnd(p, q), L(l).logicalOr(p, q), L(l).logicalXor(p, q), L(l).logicalNot(p)]);
    },
  },
  {
    name: 'addN',
    shapes: [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    run: (l, a, c, d) => L(l).addN([a, c, d]),
    grad: true,
  },
  { name: 'divNoNan', shapes: [], run: (l) => L(l).divNoNan(L(l).tensor([1, 2, 3]), L(l).tensor([0, 4, 0])) },
  { name: 'cumsum', shapes: [[3, 4]], run: (l, x) => L(l).cumsum(x, 1), grad: true },
  { name: 'cumsum exclusive reverse', shapes: [[3, 4]], run: (l, x) => L(l).cumsum(x, 0, true, true), grad: 'fd' },
  { name: 'cumsum int32', shapes: [], run: (l) => L(l).cumsum(i32(l, [1, 2, 3, 4])) },
  { name: 'cumprod', shapes: [[3, 4]], run: (l, x) => L(l).cumprod(x, 1), grad: 'fd' },
  { name: 'cumprod exclusive reverse', shapes: [[4, 3]], run: (l, x) => L(l).cumprod(x, 0, true, true), grad: 'fd' },
  { name: 'logSumExp', shapes: [[3, 4]], run: (l, x) => L(l).logSumExp(x, 1), grad: true },
  { name: 'logSumExp all keepDims', shapes: [[3, 4]], run: (l, x) => L(l).logSumExp(x, null, true), grad: true },
  { name: 'norm euclidean', shapes: [[3, 4]], run: (l, x) => L(l).norm(x), grad: true },
  { name: 'norm 1 axis', shapes: [[3, 4]], run: (l, x) => L(l).norm(x, 1, 1), grad: true },
  { name: 'norm inf axis keepDims', shapes: [[3, 4]], run: (l, x) => L(l).norm(x, Infinity, 0, true), grad: true },
  { name: 'norm fro matrix', shapes: [[2, 3, 4]], run: (l, x) => L(l).norm(x, 'fro', [1, 2]), grad: true },
  { name: 'norm 1 matrix', shapes: [[3, 4]], run: (l, x) => L(l).norm(x, 1, [0, 1]) },
  { name: 'euclideanNorm', shapes: [[3, 4]], run: (l, x) => L(l).euclideanNorm(x, 0), grad: true },
  {
    name: 'all/any',
    shapes: [],
    run: (l) => {
      const x = b(l, [true, false, true, true], [2, 2]);
      return L(l).concat([
        L(l).all(x, 1),
        L(l).any(x, 0),
        L(l).reshape(L(l).all(x), [1]),
        L(l).reshape(L(l).any(x), [1]),
      ]);
    },
  },
  {
    name: 'split',
    shapes: [[6, 2]],
    run: (l, x) =>
      L(l).concat(
        L(l)
          .split(x, [1, -1, 2])
          .map((t: AnyT) => L(l).sum(t, 0, true)),
        0,
      ),
    grad: true,
  },
  { name: 'split equal axis 1', shapes: [[2, 6]], run: (l, x) => L(l).mul(L(l).split(x, 3, 1)[1], 2), grad: true },
  { name: 'reverse', shapes: [[2, 3, 4]], run: (l, x) => L(l).reverse(x, [0, 2]), grad: true },
  { name: 'reverse all', shapes: [[2, 3]], run: (l, x) => L(l).reverse(x), grad: true },
  { name: 'broadcastTo', shapes: [[3, 1]], run: (l, x) => L(l).broadcastTo(x, [2, 3, 4]), grad: true },
  { name: 'stridedSlice', shapes: [[5, 6]], run: (l, x) => L(l).stridedSlice(x, [1, 5], [4, 0], [2, -2]), grad: 'fd' },
  {
    name: 'stridedSlice masks',
    shapes: [[5, 6]],
    run: (l, x) => L(l).stridedSlice(x, [1, 2], [0, -1], [1, 1], 2, 1),
    grad: 'fd',
  },
  {
    name: 'mirrorPad reflect',
    shapes: [[3, 4]],
    run: (l, x) =>
      L(l).mirrorPad(
        x,
        [
          [2, 1],
          [1, 3],
        ],
        'reflect',
      ),
    grad: 'fd',
  },
  {
    name: 'mirrorPad symmetric',
    shapes: [[3, 4]],
    run: (l, x) =>
      L(l).mirrorPad(
        x,
        [
          [3, 0],
          [2, 4],
        ],
        'symmetric',
      ),
    grad: 'fd',
  },
  { name: 'diag', shapes: [[2, 3]], run: (l, x) => L(l).diag(x), grad: 'fd' },
  { name: 'dot vv', shapes: [[5], [5]], run: (l, a, c) => L(l).dot(a, c), grad: true },
  { name: 'dot mv', shapes: [[3, 5], [5]], run: (l, a, c) => L(l).dot(a, c), grad: true },
  { name: 'dot vm', shapes: [[3], [3, 5]], run: (l, a, c) => L(l).dot(a, c), grad: true },
  { name: 'outerProduct', shapes: [[3], [4]], run: (l, a, c) => L(l).outerProduct(a, c), grad: true },
  {
    name: 'einsum matmul',
    shapes: [
      [3, 4],
      [4, 5],
    ],
    run: (l, a, c) => L(l).einsum('ij,jk->ik', a, c),
    grad: 'fd',
  },
  {
    name: 'einsum batched',
    shapes: [
      [2, 3, 4],
      [2, 4, 5],
    ],
    run: (l, a, c) => L(l).einsum('bij,bjk->bik', a, c),
    grad: 'fd',
  },
  {
    name: 'einsum inner/transpose',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    run: (l, a, c) => L(l).einsum('ij,ij->ji', a, c),
    grad: 'fd',
  },
  { name: 'einsum sum', shapes: [[3, 4]], run: (l, a) => L(l).einsum('ij->j', a), grad: 'fd' },
  { name: 'bandPart', shapes: [[2, 4, 4]], run: (l, x) => L(l).linalg.bandPart(x, 1, 0), grad: true },
  { name: 'gramSchmidt', shapes: [[3, 4]], run: (l, x) => L(l).linalg.gramSchmidt(x), tol: 1e-4 },
  {
    name: 'qr',
    shapes: [[4, 3]],
    run: (l, x) =>
      L(l).concat(
        L(l)
          .linalg.qr(x)
          .map((t: AnyT) => L(l).reshape(t, [-1])),
      ),
    tol: 1e-4,
  },
  {
    name: 'qr full',
    shapes: [[4, 3]],
    run: (l, x) =>
      L(l).concat(
        L(l)
          .linalg.qr(x, true)
          .map((t: AnyT) => L(l).reshape(t, [-1])),
      ),
    tol: 1e-4,
  },
  {
    name: 'gatherND',
    shapes: [[3, 4, 2]],
    run: (l, x) => L(l).gatherND(x, i32(l, [2, 1, 0, 3, 2, 1], [3, 2])),
    grad: 'fd',
  },
  {
    name: 'scatterND',
    shapes: [[3, 2]],
    run: (l, u) => L(l).scatterND(i32(l, [2, 0, 2], [3, 1]), u, [4, 2]),
    grad: 'fd',
  },
  {
    name: 'tensorScatterUpdate',
    shapes: [
      [4, 2],
      [2, 2],
    ],
    run: (l, t, u) => L(l).tensorScatterUpdate(t, i32(l, [3, 1], [2, 1]), u),
    grad: 'fd',
  },
  {
    name: 'spaceToBatchND',
    shapes: [[2, 4, 6, 3]],
    run: (l, x) =>
      L(l).spaceToBatchND(
        x,
        [2, 3],
        [
          [0, 2],
          [3, 0],
        ],
      ),
    grad: true,
  },
  {
    name: 'batchToSpaceND',
    shapes: [[8, 2, 3, 2]],
    run: (l, x) =>
      L(l).batchToSpaceND(
        x,
        [2, 4],
        [
          [1, 0],
          [2, 3],
        ],
      ),
    grad: true,
  },
  { name: 'depthToSpace', shapes: [[2, 2, 3, 8]], run: (l, x) => L(l).depthToSpace(x, 2), grad: 'fd' },
  {
    name: 'localResponseNormalization',
    shapes: [[1, 2, 2, 7]],
    run: (l, x) => L(l).localResponseNormalization(x, 2, 1.5, 0.5, 0.75),
    grad: true,
  },
  {
    name: 'pool dilated',
    shapes: [[1, 7, 7, 2]],
    run: (l, x) => L(l).pool(x, [2, 2], 'avg', 'same', [2, 2], 1),
    grad: true,
  },
  { name: 'pool max', shapes: [[1, 6, 6, 2]], run: (l, x) => L(l).pool(x, [3, 3], 'max', 'valid', 1, 2), grad: true },
  { name: 'topk values', shapes: [[3, 6]], run: (l, x) => L(l).topk(x, 3).values, grad: 'fd' },
  { name: 'topk indices', shapes: [[3, 6]], run: (l, x) => L(l).topk(x, 4).indices },
  { name: 'prelu', shapes: [[3, 4], [4]], run: (l, x, a) => L(l).prelu(x, a), grad: true },
  { name: 'flipLeftRight', shapes: [[2, 3, 4, 2]], run: (l, x) => L(l).image.flipLeftRight(x), grad: 'fd' },
  {
    name: 'cropAndResize bilinear',
    shapes: [[2, 5, 6, 2]],
    range: [0, 1],
    run: (l, x) =>
      L(l).image.cropAndResize(
        x,
        L(l).tensor([
          [0.1, 0.2, 0.8, 0.9],
          [0, 0, 1, 1],
          [0.5, -0.2, 1.2, 0.7],
        ]),
        i32(l, [1, 0, 1]),
        [3, 4],
      ),
  },
  {
    name: 'cropAndResize nearest',
    shapes: [[2, 5, 6, 2]],
    range: [0, 1],
    run: (l, x) =>
      L(l).image.cropAndResize(
        x,
        L(l).tensor([
          [0.1, 0.2, 0.8, 0.9],
          [0.2, 0.1, 0.3, 0.5],
        ]),
        i32(l, [1, 0]),
        [4, 3],
        'nearest',
        0.5,
      ),
  },
  {
    name: 'rotateWithOffset',
    shapes: [[2, 5, 6, 3]],
    run: (l, x) => L(l).image.rotateWithOffset(x, 0.7, 0.25, [0.4, 0.6]),
  },
  {
    name: 'image.resizeBilinear',
    shapes: [[1, 3, 4, 2]],
    run: (l, x) => L(l).image.resizeBilinear(x, [5, 7]),
    grad: 'fd',
  },
  { name: 'rgbToGrayscale', shapes: [[2, 3, 3]], run: (l, x) => L(l).image.rgbToGrayscale(x), grad: 'fd' },
  { name: 'grayscaleToRGB', shapes: [[2, 3, 1]], run: (l, x) => L(l).image.grayscaleToRGB(x), grad: true },
  { name: 'hannWindow', shapes: [], run: (l) => L(l).concat([L(l).signal.hannWindow(6), L(l).signal.hannWindow(7)]) },
  { name: 'hammingWindow', shapes: [], run: (l) => L(l).signal.hammingWindow(5) },
  { name: 'frame', shapes: [[11]], run: (l, x) => L(l).signal.frame(x, 4, 3), grad: true },
  { name: 'frame padEnd', shapes: [[11]], run: (l, x) => L(l).signal.frame(x, 4, 3, true, 7), grad: true },
  { name: 'linspace', shapes: [], run: (l) => L(l).linspace(-1, 2, 7) },
  { name: 'eye batch', shapes: [], run: (l) => L(l).eye(2, 3, [2], 'int32') },
  { name: 'range down', shapes: [], run: (l) => L(l).range(5, -2) },
  {
    name: 'bincount',
    shapes: [],
    run: (l) => L(l).bincount(i32(l, [1, 1, 3, 7, 0]), L(l).tensor([0.5, 1, 2, 3, 4]), 5),
  },
  {
    name: 'denseBincount binary',
    shapes: [],
    run: (l) => L(l).denseBincount(i32(l, [1, 1, 3, 0, 2, 2], [2, 3]), L(l).tensor([], [0]), 4, true),
  },
  {
    name: 'unique',
    shapes: [],
    run: (l) => {
      const { values, indices } = L(l).unique(L(l).tensor([4, 1, 4, 2, 1, 9]));
      return L(l).concat([values, L(l).cast(indices, 'float32')]);
    },
  },
  {
    name: 'unique axis 1',
    shapes: [],
    run: (l) =>
      L(l).unique(
        L(l).tensor([
          [1, 2, 1],
          [3, 4, 3],
        ]),
        1,
      ).values,
  },
  {
    name: 'rank variants',
    shapes: [[4, 3]],
    run: (l, x) =>
      L(l).concat1d([
        L(l).reshape(L(l).slice2d(L(l).reverse2d(x, 1), [1, 0], [2, 3]), [-1]),
        L(l).pad1d(L(l).tensor1d([1, 2]), [1, 2], 5),
      ]),
    grad: true,
  },
  {
    name: 'batchNorm4d',
    shapes: [[2, 2, 2, 3], [3], [3]],
    run: (l, x, m, v) =>
      L(l).batchNorm4d(x, m, L(l).add(L(l).abs(v), 0.5), L(l).tensor([0.1, 0.2, 0.3]), L(l).tensor([1, 2, 3])),
    grad: true,
  },
  {
    name: 'losses.meanSquaredError (scalar)',
    shapes: [
      [4, 3],
      [4, 3],
    ],
    run: (l, a, c) => L(l).losses.meanSquaredError(a, c),
    grad: true,
  },
  {
    name: 'losses.meanSquaredError weighted MEAN',
    shapes: [
      [4, 3],
      [4, 3],
    ],
    run: (l, a, c) =>
      L(l).losses.meanSquaredError(a, c, L(l).tensor([[1], [0], [2], [0.5]]), L(l).Reduction?.MEAN ?? 1),
    grad: true,
  },
  {
    name: 'losses.absoluteDifference SUM',
    shapes: [
      [4, 3],
      [4, 3],
    ],
    run: (l, a, c) => L(l).losses.absoluteDifference(a, c, null, 2),
    grad: true,
  },
  {
    name: 'losses.huberLoss NONE',
    shapes: [
      [4, 3],
      [4, 3],
    ],
    run: (l, a, c) => L(l).losses.huberLoss(a, c, undefined, 0.7, 0),
    grad: true,
  },
  {
    name: 'losses.hingeLoss',
    shapes: [[6], [6]],
    run: (l, a, c) => L(l).losses.hingeLoss(L(l).step(a), c),
    grad: true,
  },
  {
    name: 'losses.logLoss',
    shapes: [[6], [6]],
    range: [0.1, 0.9],
    run: (l, a, c) => L(l).losses.logLoss(a, c, L(l).tensor([1, 0, 1, 1, 0, 2])),
    grad: true,
  },
  {
    name: 'losses.cosineDistance',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    run: (l, a, c) => L(l).losses.cosineDistance(a, c, 1),
    grad: true,
  },
  {
    name: 'losses.sigmoidCrossEntropy',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    range: [0, 1],
    run: (l, a, c) => L(l).losses.sigmoidCrossEntropy(a, c, undefined, 0.1),
    grad: true,
  },
  {
    name: 'losses.softmaxCrossEntropy',
    shapes: [
      [3, 4],
      [3, 4],
    ],
    range: [0, 1],
    run: (l, a, c) => L(l).losses.softmaxCrossEntropy(a, c, L(l).tensor([1, 2, 0]), 0.2),
    grad: 'fd',
  },
  {
    name: 'losses.computeWeightedLoss',
    shapes: [[3, 4]],
    run: (l, a) => L(l).losses.computeWeightedLoss(a, L(l).tensor([[1], [0], [3]])),
    grad: true,
  },
  {
    name: 'gather batchDims',
    shapes: [[2, 3, 4]],
    run: (l, x) => L(l).gather(x, i32(l, [0, 3, 1, 2, 2, 0], [2, 3]), 2, 1),
    grad: 'fd',
  },
];

runCases('tfjs-core ops added for issue 13', CASES, () => {
  it('stridedSlice with shrinkAxisMask follows TensorFlow (tfjs 4.22 returns row 0: [2, 3, 4])', () => {
    const x = sg.tidy(() => sg.reshape(sg.range(0, 30), [5, 6]));
    const y = sg.stridedSlice(x, [2, 0], [3, 6], [1, 2], 0, 0, 0, 0, 1); // x[2, 0:6:2]
    expect(y.shape).toEqual([3]);
    expect(Array.from(y.dataSync())).toEqual([12, 14, 16]);
    gradCheck((t) => sg.stridedSlice(t, [2, 0], [3, 6], [1, 2], 0, 0, 0, 0, 1), [x]);
    sg.dispose([x, y]);
  });
});
