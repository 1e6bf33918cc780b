// N-d indexing and block rearrangements (tfjs-core names): gatherND, scatterND,
// tensorScatterUpdate, spaceToBatchND, batchToSpaceND, depthToSpace. Built on gather,
// unsortedSegmentSum, pad, reshape and transpose, so gradients come from those ops.
import type { TensorLike } from '../engine/dtype.js';
import { fmt, sizeFromShape, stridesOf, type Shape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { cast } from './cast.js';
import { ones } from './creation.js';
import { gather, unsortedSegmentSum } from './gather.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { transpose } from './transpose.js';
import { checkInt, scoped, toTensor } from './util.js';
import { greater } from './binary.js';
import { where } from './where.js';
import { hostValues } from './host_read.js';

/** @inline */
type Arg = Tensor | TensorLike;

/** Flat row numbers of int32 indices [..., K] into a tensor of `shape` (its first K dims), checked. */
function flatRows(op: string, indices: Tensor, shape: Shape): { rows: Tensor; K: number; lead: number[] } {
  if (indices.dtype !== 'int32') throw new Error(`${op}: indices must be int32 but have dtype ${indices.dtype}`);
  if (indices.rank < 1) throw new Error(`${op}: indices must have rank >= 1 but are a scalar`);
  const K = indices.shape[indices.rank - 1];
  if (K > shape.length)
    throw new Error(`${op}: indices ${fmt(indices.shape)} index ${K} dimensions of a tensor of shape ${fmt(shape)}`);
  const st = stridesOf(shape.slice(0, K));
  const iv = hostValues(op, 'indices', indices);
  const n = iv.length / Math.max(K, 1);
  const rows = new Int32Array(K === 0 ? 0 : n);
  for (let r = 0; r < n && K > 0; r++) {
    let flat = 0;
    for (let k = 0; k < K; k++) {
      const v = iv[r * K + k];
      if (!(v >= 0 && v < shape[k]))
        throw new Error(
          `${op}: index ${fmt(Array.from(iv.subarray(r * K, r * K + K)))} is out of bounds for shape ${fmt(shape)}`,
        );
      flat += v * st[k];
    }
    rows[r] = flat;
  }
  return { rows: toTensor(rows, 'indices', op), K, lead: indices.shape.slice(0, -1) };
}

/**
 * Gathers slices of x at N-d indices: indices [..., K] pick x[i0, ..., iK-1, ...].
 * @example sg.gatherND(sg.tensor([[1, 2], [3, 4]]), sg.tensor([[1, 0]], undefined, 'int32')); // [3]
 * @category Slicing and shapes
 * @function
 */
export const gatherND = scoped((xIn: Arg, indicesIn: Arg): Tensor => {
  const x = toTensor(xIn, 'x', 'gatherND');
  const idx = toTensor(indicesIn, 'indices', 'gatherND', 'int32');
  const { rows, K, lead } = flatRows('gatherND', idx, x.shape);
  const rest = x.shape.slice(K);
  const flat = reshape(x, [sizeFromShape(x.shape.slice(0, K)), sizeFromShape(rest)]);
  return reshape(gather(flat, rows, 0), [...lead, ...rest]);
});

/**
 * A zero tensor of `shape` with `updates` added at N-d `indices` (duplicates add up, as tfjs).
 * @example sg.scatterND(sg.tensor([[1], [3]], undefined, 'int32'), sg.tensor([9, 10]), [4]); // [0, 9, 0, 10]
 * @category Slicing and shapes
 * @function
 */
export const scatterND = scoped((indicesIn: Arg, updatesIn: Arg, shape: Shape): Tensor => {
  const idx = toTensor(indicesIn, 'indices', 'scatterND', 'int32');
  const upd = toTensor(updatesIn, 'updates', 'scatterND');
  if (!Array.isArray(shape)) throw new Error(`scatterND: shape must be an array but is ${JSON.stringify(shape)}`);
  shape.forEach((d, i) => checkInt('scatterND', `shape[${i}]`, d, 0));
  const { rows, K, lead } = flatRows('scatterND', idx, shape);
  const rest = shape.slice(K);
  const want = [...lead, ...rest];
  if (fmt(upd.shape) !== fmt(want))
    throw new Error(
      `scatterND: updates must have shape ${fmt(want)} for indices ${fmt(idx.shape)} and shape ${fmt(shape)} but have ${fmt(upd.shape)}`,
    );
  const n = sizeFromShape(lead);
  const segs = sizeFromShape(shape.slice(0, K));
  const u = reshape(upd, [n, sizeFromShape(rest)]);
  const isInt = upd.dtype !== 'float32';
  const y = unsortedSegmentSum(isInt ? cast(u, 'float32') : u, rows, Math.max(segs, 1));
  const out = reshape(segs === 0 ? slice(y, [0, 0], [0, -1]) : y, shape);
  return isInt ? cast(out, upd.dtype === 'bool' ? 'int32' : upd.dtype) : out;
});

/**
 * `tensor` with the slices at N-d `indices` replaced by `updates`.
 * @example sg.tensorScatterUpdate(sg.zeros([3]), sg.tensor([[1]], undefined, 'int32'), sg.tensor([5])); // [0, 5, 0]
 * @category Slicing and shapes
 * @function
 */
export const tensorScatterUpdate = scoped((tensorIn: Arg, indicesIn: Arg, updatesIn: Arg): Tensor => {
  const t = toTensor(tensorIn, 'tensor', 'tensorScatterUpdate');
  const idx = toTensor(indicesIn, 'indices', 'tensorScatterUpdate', 'int32');
  const upd = toTensor(updatesIn, 'updates', 'tensorScatterUpdate');
  if (upd.dtype !== t.dtype)
    throw new Error(`tensorScatterUpdate: updates (${upd.dtype}) must have tensor's dtype ${t.dtype}`);
  const hit = greater(scatterND(idx, ones(upd.shape), t.shape), 0);
  const scattered = scatterND(idx, upd, t.shape);
  return where(hit, scattered, t);
});

/**
 * Pads spatial dims by `paddings`, then moves blocks of `blockShape` into the batch, as tfjs.
 * @example sg.spaceToBatchND(sg.ones([1, 4, 4, 1]), [2, 2], [[0, 0], [0, 0]]).shape; // [4, 2, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const spaceToBatchND = scoped((xIn: Arg, blockShape: number[], paddings: number[][]): Tensor => {
  const op = 'spaceToBatchND';
  const x = toTensor(xIn, 'x', op);
  const M = blockShape.length;
  if (x.rank < 1 + M || paddings.length !== M)
    throw new Error(
      `${op}: x ${fmt(x.shape)}, blockShape ${fmt(blockShape)} and paddings ${JSON.stringify(paddings)} do not fit`,
    );
  blockShape.forEach((b, i) => checkInt(op, `blockShape[${i}]`, b, 1));
  const padded = pad(x, [
    [0, 0],
    ...paddings.map((p) => [p[0], p[1]] as [number, number]),
    ...x.shape.slice(1 + M).map(() => [0, 0] as [number, number]),
  ]);
  const B = x.shape[0];
  const sp = padded.shape.slice(1, 1 + M);
  sp.forEach((d, i) => {
    if (d % blockShape[i] !== 0)
      throw new Error(
        `${op}: padded dimension ${i + 1} (${d}) is not divisible by blockShape[${i}] = ${blockShape[i]}`,
      );
  });
  const rest = padded.shape.slice(1 + M);
  // [B, s0/b0, b0, s1/b1, b1, ..., rest] -> [b0, b1, ..., B, s0/b0, s1/b1, ..., rest]
  const split = [B, ...sp.flatMap((d, i) => [d / blockShape[i], blockShape[i]]), ...rest];
  const r = reshape(padded, split);
  const perm = [
    ...blockShape.map((_, i) => 2 + 2 * i),
    0,
    ...blockShape.map((_, i) => 1 + 2 * i),
    ...rest.map((_, i) => 1 + 2 * M + i),
  ];
  const t = transpose(r, perm);
  return reshape(t, [B * sizeFromShape(blockShape), ...sp.map((d, i) => d / blockShape[i]), ...rest]);
});

/**
 * The inverse of spaceToBatchND: moves batch blocks back into space, then crops.
 * @example sg.batchToSpaceND(sg.ones([4, 1, 1, 1]), [2, 2], [[0, 0], [0, 0]]).shape; // [1, 2, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const batchToSpaceND = scoped((xIn: Arg, blockShape: number[], crops: number[][]): Tensor => {
  const op = 'batchToSpaceND';
  const x = toTensor(xIn, 'x', op);
  const M = blockShape.length;
  const prodB = sizeFromShape(blockShape);
  if (x.rank < 1 + M || crops.length !== M || x.shape[0] % prodB !== 0)
    throw new Error(
      `${op}: x ${fmt(x.shape)}, blockShape ${fmt(blockShape)} and crops ${JSON.stringify(crops)} do not fit (batch must divide by ${prodB})`,
    );
  const B = x.shape[0] / prodB;
  const sp = x.shape.slice(1, 1 + M);
  const rest = x.shape.slice(1 + M);
  const r = reshape(x, [...blockShape, B, ...sp, ...rest]);
  // -> [B, s0, b0, s1, b1, ..., rest]
  const perm = [M, ...sp.flatMap((_, i) => [M + 1 + i, i]), ...rest.map((_, i) => 1 + 2 * M + i)];
  const t = reshape(transpose(r, perm), [B, ...sp.map((d, i) => d * blockShape[i]), ...rest]);
  const begin = [0, ...crops.map((c) => c[0]), ...rest.map(() => 0)];
  const size = [B, ...sp.map((d, i) => d * blockShape[i] - crops[i][0] - crops[i][1]), ...rest];
  if (size.some((s) => s < 0)) throw new Error(`${op}: crops ${JSON.stringify(crops)} exceed the output size`);
  return slice(t, begin, size);
});

/**
 * Moves depth blocks into space: [b, h, w, c] -> [b, h*bs, w*bs, c/(bs*bs)] (NHWC), as tfjs.
 * @example sg.depthToSpace(sg.ones([1, 1, 1, 4]), 2).shape; // [1, 2, 2, 1]
 * @category Slicing and shapes
 * @function
 */
export const depthToSpace = scoped((xIn: Arg, blockSize: number, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor => {
  const op = 'depthToSpace';
  let x = toTensor(xIn, 'x', op);
  checkInt(op, 'blockSize', blockSize, 2);
  if (x.rank !== 4) throw new Error(`${op}: x must have rank 4 but has shape ${fmt(x.shape)}`);
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW')
    throw new Error(`${op}: dataFormat must be 'NHWC' or 'NCHW' but is '${dataFormat}'`);
  if (dataFormat === 'NCHW') x = transpose(x, [0, 2, 3, 1]);
  const [b, h, w, c] = x.shape;
  if (c % (blockSize * blockSize) !== 0)
    throw new Error(
      `${op}: the depth ${c} must be divisible by blockSize^2 = ${blockSize * blockSize} (x ${fmt(x.shape)})`,
    );
  const oc = c / (blockSize * blockSize);
  const r = reshape(x, [b, h, w, blockSize, blockSize, oc]);
  let y = reshape(transpose(r, [0, 1, 3, 2, 4, 5]), [b, h * blockSize, w * blockSize, oc]);
  if (dataFormat === 'NCHW') y = transpose(y, [0, 3, 1, 2]);
  return y;
});
