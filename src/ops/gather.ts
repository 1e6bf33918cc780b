// gather (rows by index along an axis), its adjoint unsortedSegmentSum, and oneHot.
import type { DataType } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, normAxis, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { reshape } from './reshape.js';
import { checkFinite, checkInt, run1, scoped, toTensor } from './util.js';

registerGradient('Gather', {
  saveInputs: [1],
  grad: ([dy], { inputs: [, idx], inputInfos: [x] }) => [
    () => run1('UnsortedSegmentSum', [dy, idx], { numSegments: x.shape[1] }),
    null,
  ],
});

/**
 * Picks slices of `x` along `axis` at `indices` (int32); out-of-range indices throw.
 * @example sg.gather(sg.tensor([10, 20, 30]), sg.tensor([2, 0], undefined, 'int32')); // [30, 10]
 */
export const gather = scoped((x: Tensor, indices: Tensor | number[], axis = 0): Tensor => {
  const t = toTensor(x, 'x', 'gather');
  const idx = toTensor(indices, 'indices', 'gather', 'int32');
  if (idx.dtype !== 'int32') throw new Error(`gather: argument 'indices' must be int32 but has dtype ${idx.dtype}`);
  const a = normAxis('gather', axis, t.rank);
  const outer = sizeFromShape(t.shape.slice(0, a));
  const inner = sizeFromShape(t.shape.slice(a + 1));
  const y = run1('Gather', [reshape(t, [outer, t.shape[a], inner]), reshape(idx, [idx.size])]);
  return reshape(y, [...t.shape.slice(0, a), ...idx.shape, ...t.shape.slice(a + 1)]);
});

/** Sums the rows of `x` into `numSegments` segments by `segmentIds` (int32), as tfjs. */
export const unsortedSegmentSum = scoped((x: Tensor, segmentIds: Tensor, numSegments: number): Tensor => {
  const t = toTensor(x, 'x', 'unsortedSegmentSum');
  checkInt('unsortedSegmentSum', 'numSegments', numSegments, 1);
  if (segmentIds.dtype !== 'int32' || segmentIds.rank !== 1 || segmentIds.shape[0] !== t.shape[0]) {
    throw new Error(
      `unsortedSegmentSum: segmentIds must be int32 of shape [${t.shape[0]}] but is ${segmentIds.dtype} ${fmt(segmentIds.shape)}`,
    );
  }
  const inner = sizeFromShape(t.shape.slice(1));
  const y = run1('UnsortedSegmentSum', [reshape(t, [1, t.shape[0], inner]), segmentIds], { numSegments });
  return reshape(y, [numSegments, ...t.shape.slice(1)]);
});

/**
 * One-hot rows of length `depth` for int32 `indices`; out-of-range indices give all-`offValue` rows.
 * @example sg.oneHot(sg.tensor([0, 2], undefined, 'int32'), 3); // [[1,0,0],[0,0,1]]
 */
export function oneHot(
  indices: Tensor | number[],
  depth: number,
  onValue = 1,
  offValue = 0,
  dtype: DataType = 'int32',
): Tensor {
  checkInt('oneHot', 'depth', depth, 1);
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
