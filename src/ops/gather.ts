// gather (rows by index along an axis), its adjoint unsortedSegmentSum, and oneHot.
import { checkDtype, type DataType, type TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { reshape } from './reshape.js';
import { checkFinite, checkInt, run1, scoped, toTensor } from './util.js';
import { hostValues } from './host_read.js';

registerGradient('Gather', {
  saveInputs: [1],
  grad: ([dy], { inputs: [, idx], inputInfos: [x] }) => [
    () => run1('UnsortedSegmentSum', [dy, idx], { numSegments: x.shape[1] }),
    null,
  ],
});

registerGradient('UnsortedSegmentSum', {
  saveInputs: [1],
  // Each row of x went to segment ids[j]: its gradient is that segment's row of dy.
  grad: ([dy], { inputs: [, ids] }) => [() => run1('Gather', [dy, ids]), null],
});

/**
 * Picks slices of `x` along `axis` at `indices` (int32); out-of-range indices throw (on webgpu,
 * indices that live only on the GPU are checked by the kernel and the error is thrown by the next
 * read, `await t.data()` or fit's end-of-step reads; see README, WebGPU). With
 * `batchDims` b, the first b dimensions of x and indices are batch dimensions, as tfjs.
 * @example sg.gather(sg.tensor([10, 20, 30]), sg.tensor([2, 0], undefined, 'int32')); // [30, 10]
 * @category Slicing and shapes
 * @function
 */
export const gather = scoped(
  (x: Tensor | TensorLike, indices: Tensor | TensorLike, axis = 0, batchDims = 0): Tensor => {
    const t = toTensor(x, 'x', 'gather');
    const idx = toTensor(indices, 'indices', 'gather', 'int32');
    if (idx.dtype !== 'int32') throw new Error(`gather: argument 'indices' must be int32 but has dtype ${idx.dtype}`);
    const a = normAxis('gather', axis, t.rank);
    if (batchDims !== 0) return gatherBatched(t, idx, a, batchDims);
    const outer = sizeFromShape(t.shape.slice(0, a));
    const inner = sizeFromShape(t.shape.slice(a + 1));
    const y = run1('Gather', [reshape(t, [outer, t.shape[a], inner]), reshape(idx, [idx.size])]);
    return reshape(y, [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)]);
  },
);

/**
 * gather with batch dimensions: x [B..., O..., N, I...], indices [B..., M...] ->
 * [B..., O..., M..., I...]. Composed as one flat gather over rows (b * O + o) * N + idx, so the
 * gradient is gather's. Indices are checked against N first: a flat gather would otherwise
 * read another batch's row without an error.
 */
function gatherBatched(t: Tensor, idx: Tensor, a: number, batchDims: number): Tensor {
  const b = batchDims < 0 ? batchDims + idx.rank : batchDims;
  if (!Number.isInteger(b) || b < 0 || b > idx.rank || b > a) {
    throw new Error(
      `gather: batchDims ${batchDims} must be an integer in [-${idx.rank}, ${idx.rank}] and <= axis ${a} (x ${fmt(t.shape)}, indices ${fmt(idx.shape)})`,
    );
  }
  for (let i = 0; i < b; i++) {
    if (t.shape[i] !== idx.shape[i])
      throw new Error(
        `gather: with batchDims ${b}, x ${fmt(t.shape)} and indices ${fmt(idx.shape)} must agree on dimension ${i}`,
      );
  }
  const N = t.shape[a];
  const iv = hostValues('gather', 'indices', idx);
  for (let i = 0; i < iv.length; i++) {
    if (!(iv[i] >= 0 && iv[i] < N))
      throw new Error(`gather: index ${iv[i]} is out of range [0, ${N}) along axis ${a} of x ${fmt(t.shape)}`);
  }
  const B = sizeFromShape(t.shape.slice(0, b));
  const O = sizeFromShape(t.shape.slice(b, a));
  const M = sizeFromShape(idx.shape.slice(b));
  const I = sizeFromShape(t.shape.slice(a + 1));
  const rows = new Int32Array(B * O * M);
  for (let bi = 0; bi < B; bi++)
    for (let o = 0; o < O; o++)
      for (let m = 0; m < M; m++) rows[(bi * O + o) * M + m] = (bi * O + o) * N + iv[bi * M + m];
  const flat = run1('Gather', [reshape(t, [1, B * O * N, I]), toTensor(rows, 'indices', 'gather')]);
  return reshape(flat, [...t.shape.slice(0, a), ...idx.shape.slice(b), ...t.shape.slice(a + 1)]);
}

/**
 * Sums the rows of `x` into `numSegments` segments by `segmentIds` (int32), as tfjs.
 * @example sg.unsortedSegmentSum([1, 2, 3, 4], [0, 1, 0, 1], 2); // [4, 6]
 * @category Slicing and shapes
 * @function
 */
export const unsortedSegmentSum = scoped(
  (x: Tensor | TensorLike, segmentIdsIn: Tensor | TensorLike, numSegments: number): Tensor => {
    const t = toTensor(x, 'x', 'unsortedSegmentSum');
    const segmentIds = toTensor(segmentIdsIn, 'segmentIds', 'unsortedSegmentSum', 'int32');
    checkInt('unsortedSegmentSum', 'numSegments', numSegments, 1);
    if (segmentIds.dtype !== 'int32' || segmentIds.rank !== 1 || segmentIds.shape[0] !== t.shape[0]) {
      throw new Error(
        `unsortedSegmentSum: segmentIds must be int32 of shape [${t.shape[0]}] but is ${segmentIds.dtype} ${fmt(segmentIds.shape)}`,
      );
    }
    const inner = sizeFromShape(t.shape.slice(1));
    const y = run1('UnsortedSegmentSum', [reshape(t, [1, t.shape[0], inner]), segmentIds], { numSegments });
    return reshape(y, [numSegments, ...t.shape.slice(1)]);
  },
);

/**
 * One-hot rows of length `depth` for int32 `indices`; out-of-range indices give all-`offValue` rows.
 * @example sg.oneHot(sg.tensor([0, 2], undefined, 'int32'), 3); // [[1,0,0],[0,0,1]]
 * @category Slicing and shapes
 */
export function oneHot(
  indices: Tensor | TensorLike,
  depth: number,
  onValue = 1,
  offValue = 0,
  dtype: DataType = 'int32',
): Tensor {
  checkInt('oneHot', 'depth', depth, 1);
  checkDtype('oneHot', dtype);
  checkFinite('oneHot', 'onValue', onValue);
  checkFinite('oneHot', 'offValue', offValue);
  const owned = !(indices as Tensor).dtype;
  const idx = toTensor(indices, 'indices', 'oneHot', 'int32');
  try {
    if (idx.dtype !== 'int32') throw new Error(`oneHot: argument 'indices' must be int32 but has dtype ${idx.dtype}`);
    return run1('OneHot', [idx], { depth, onValue, offValue, dtype });
  } finally {
    if (owned) idx.dispose();
  }
}
