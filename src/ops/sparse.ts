// tfjs-core's `sparse` namespace on the coordinate-list form (indices [nnz, rank], values [nnz],
// dense shape): sparseFillEmptyRows, sparseReshape, sparseSegmentSum, sparseSegmentMean.
// Index bookkeeping runs on the host as tfjs' cpu kernels do (same outputs, same order); the
// segment reductions are composed from gather and unsortedSegmentSum, so they are
// differentiable with respect to data.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { div } from './binary.js';
import { gather, unsortedSegmentSum } from './gather.js';
import { reshape } from './reshape.js';
import { toTensor } from './util.js';
import { hostValues } from './host_read.js';

type Arg = Tensor | TensorLike;

function int1d(op: string, name: string, x: Arg, rank: number): Tensor {
  const t = toTensor(x, name, op, 'int32');
  if (t.dtype !== 'int32' || t.rank !== rank)
    throw new Error(`${op}: ${name} must be an int32 tensor of rank ${rank} but is ${t.dtype} ${fmt(t.shape)}`);
  return t;
}

/** The result of sparse.sparseFillEmptyRows. */
export interface SparseFillEmptyRowsResult {
  /** int32 [nnz + empty rows, rank], grouped by row. */
  outputIndices: Tensor;
  /** The values, defaultValue for each filled row. */
  outputValues: Tensor;
  /** bool [denseRows]: which rows were empty (and got defaultValue). */
  emptyRowIndicator: Tensor;
  /** int32 [nnz]: where each input entry went. */
  reverseIndexMap: Tensor;
}

/**
 * Gives every empty row of a sparse tensor one entry, `defaultValue` at column 0, as tfjs'
 * `sparse.sparseFillEmptyRows` (TensorFlow's SparseFillEmptyRows): entries are grouped by row.
 * @param indices int32 [nnz, rank]; values [nnz]; denseShape int32 [rank].
 * @example sg.sparse.sparseFillEmptyRows([[0, 0], [2, 1]], [5, 6], [3, 2], -1);
 */
function sparseFillEmptyRows(indices: Arg, values: Arg, denseShape: Arg, defaultValue: number | Tensor): SparseFillEmptyRowsResult {
  const op = 'sparse.sparseFillEmptyRows';
  return ENGINE.tidy(() => {
    const idx = int1d(op, 'indices', indices, 2);
    const val = toTensor(values, 'values', op);
    const shp = int1d(op, 'denseShape', denseShape, 1);
    const dv = toTensor(defaultValue, 'defaultValue', op, val.dtype);
    if (val.rank !== 1 || val.shape[0] !== idx.shape[0])
      throw new Error(`${op}: values must have shape [${idx.shape[0]}] (one per index row) but has ${fmt(val.shape)}`);
    if (dv.rank !== 0) throw new Error(`${op}: defaultValue must be a scalar but has shape ${fmt(dv.shape)}`);
    const rank = idx.shape[1];
    const dense = Array.from(hostValues(op, 'denseShape', shp));
    if (dense.length !== rank)
      throw new Error(`${op}: denseShape ${fmt(dense)} must have ${rank} entries (the columns of indices ${fmt(idx.shape)})`);
    const n = idx.shape[0];
    const rows = dense[0] ?? 0;
    const iv = hostValues(op, 'indices', idx);
    const vv = hostValues(op, 'values', val);
    if (rows === 0 && n !== 0) throw new Error(`${op}: denseShape ${fmt(dense)} has no rows but indices has ${n}`);
    const count = new Array<number>(rows).fill(0);
    let ordered = true;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const r = iv[i * rank];
      if (!(r >= 0 && r < rows)) throw new Error(`${op}: indices[${i}, 0] = ${r} is out of range [0, ${rows})`);
      count[r]++;
      ordered = ordered && r >= last;
      last = r;
    }
    const empty = new Int32Array(rows);
    const offset = new Array<number>(rows).fill(0);
    for (let r = 0; r < rows; r++) {
      empty[r] = count[r] === 0 ? 1 : 0;
      offset[r] = Math.max(count[r], 1) + (r > 0 ? offset[r - 1] : 0);
    }
    const total = rows ? offset[rows - 1] : 0;
    const outIdx = new Int32Array(total * rank);
    const outVal = val.dtype === 'float32' ? new Float32Array(total) : new Int32Array(total);
    const reverse = new Int32Array(n);
    if (ordered && !empty.includes(1)) {
      outIdx.set(iv);
      outVal.set(vv);
      for (let i = 0; i < n; i++) reverse[i] = i;
    } else {
      const filled = new Array<number>(rows).fill(0);
      for (let i = 0; i < n; i++) {
        const r = iv[i * rank];
        const o = (r === 0 ? 0 : offset[r - 1]) + filled[r]++;
        for (let j = 0; j < rank; j++) outIdx[o * rank + j] = iv[i * rank + j];
        outVal[o] = vv[i];
        reverse[i] = o;
      }
      const d = hostValues(op, 'defaultValue', dv)[0];
      for (let r = 0; r < rows; r++)
        if (filled[r] === 0) {
          const s = r === 0 ? 0 : offset[r - 1];
          outIdx[s * rank] = r;
          outVal[s] = d;
        }
    }
    return {
      outputIndices: ENGINE.makeTensor(outIdx, [total, rank], 'int32'),
      outputValues: ENGINE.makeTensor(outVal, [total], val.dtype),
      emptyRowIndicator: ENGINE.makeTensor(empty, [rows], 'bool'),
      reverseIndexMap: ENGINE.makeTensor(reverse, [n], 'int32'),
    };
  });
}

/** The result of sparse.sparseReshape. */
export interface SparseReshapeResult {
  /** int32 [nnz, newRank]. */
  outputIndices: Tensor;
  /** int32 [newRank]: the new dense shape (-1 resolved). */
  outputShape: Tensor;
}

/**
 * Re-indexes a sparse tensor for a new dense shape (one entry may be -1), as tfjs'
 * `sparse.sparseReshape`.
 * @example sg.sparse.sparseReshape([[0, 1], [1, 2]], [2, 3], [3, -1]);
 */
function sparseReshape(inputIndices: Arg, inputShape: Arg, newShape: Arg): SparseReshapeResult {
  const op = 'sparse.sparseReshape';
  return ENGINE.tidy(() => {
    const idx = int1d(op, 'inputIndices', inputIndices, 2);
    const inS = Array.from(hostValues(op, 'inputShape', int1d(op, 'inputShape', inputShape, 1)));
    const target = Array.from(hostValues(op, 'newShape', int1d(op, 'newShape', newShape, 1)));
    if (inS.length !== idx.shape[1])
      throw new Error(`${op}: inputShape ${fmt(inS)} must have ${idx.shape[1]} entries (the columns of inputIndices ${fmt(idx.shape)})`);
    const size = sizeFromShape(inS);
    const out = target.slice();
    const free = target.flatMap((d, i) => (d === -1 ? [i] : []));
    if (free.length > 1 || target.some((d) => d < -1))
      throw new Error(`${op}: newShape ${fmt(target)} must hold sizes >= 0 and at most one -1`);
    const known = target.filter((d) => d !== -1).reduce((a, c) => a * c, 1);
    if (free.length) {
      if (known <= 0 || size % known !== 0)
        throw new Error(`${op}: newShape ${fmt(target)} cannot hold the ${size} elements of inputShape ${fmt(inS)}`);
      out[free[0]] = size / known;
    }
    if (sizeFromShape(out) !== size)
      throw new Error(`${op}: newShape ${fmt(out)} has ${sizeFromShape(out)} elements but inputShape ${fmt(inS)} has ${size}`);
    const n = idx.shape[0];
    const inStr = inS.map((_, i) => sizeFromShape(inS.slice(i + 1)));
    const outStr = out.map((_, i) => sizeFromShape(out.slice(i + 1)));
    const iv = hostValues(op, 'inputIndices', idx);
    const res = new Int32Array(n * out.length);
    for (let i = 0; i < n; i++) {
      let id = 0;
      for (let j = 0; j < inS.length; j++) {
        const c = iv[i * inS.length + j];
        if (!(c >= 0 && c < inS[j])) throw new Error(`${op}: inputIndices[${i}, ${j}] = ${c} is out of range [0, ${inS[j]})`);
        id += c * inStr[j];
      }
      for (let j = 0; j < out.length; j++) {
        res[i * out.length + j] = Math.trunc(id / outStr[j]);
        id %= outStr[j];
      }
    }
    return {
      outputIndices: ENGINE.makeTensor(res, [n, out.length], 'int32'),
      outputShape: ENGINE.makeTensor(Int32Array.from(out), [out.length], 'int32'),
    };
  });
}

function segment(op: string, data: Arg, indices: Arg, segmentIds: Arg, mean: boolean): Tensor {
  return ENGINE.tidy(() => {
    const x = toTensor(data, 'data', op);
    const idx = int1d(op, 'indices', indices, 1);
    const seg = int1d(op, 'segmentIds', segmentIds, 1);
    if (x.rank < 1) throw new Error(`${op}: data must have rank >= 1 but is a scalar`);
    if (idx.shape[0] !== seg.shape[0])
      throw new Error(`${op}: indices ${fmt(idx.shape)} and segmentIds ${fmt(seg.shape)} must have the same length`);
    const iv = hostValues(op, 'indices', idx);
    const sv = hostValues(op, 'segmentIds', seg);
    for (let i = 0; i < iv.length; i++) {
      if (!(iv[i] >= 0 && iv[i] < x.shape[0]))
        throw new Error(`${op}: indices[${i}] = ${iv[i]} is out of range [0, ${x.shape[0]}) (data ${fmt(x.shape)})`);
      if (sv[i] < 0 || (i > 0 && sv[i] < sv[i - 1]))
        throw new Error(`${op}: segmentIds must be sorted and >= 0 but segmentIds[${i}] = ${sv[i]}`);
    }
    const rows = sv.length ? sv[sv.length - 1] + 1 : 0;
    const picked = gather(x, idx, 0);
    const summed = unsortedSegmentSum(picked, seg, rows);
    if (!mean) return summed;
    const counts = new Float32Array(rows);
    for (const s of sv) counts[s]++;
    for (let r = 0; r < rows; r++) counts[r] = Math.max(counts[r], 1);
    return div(summed, reshape(ENGINE.makeTensor(counts, [rows], 'float32'), [rows, ...x.shape.slice(1).map(() => 1)]));
  });
}

/**
 * Sums rows of `data` picked by `indices` into the segments `segmentIds` (sorted), as tfjs'
 * `sparse.sparseSegmentSum`: output row s = sum of data[indices[i]] over i with segmentIds[i] = s;
 * [lastSegmentId + 1, ...data.shape.slice(1)]. Differentiable in data.
 * @example sg.sparse.sparseSegmentSum(data, [0, 1, 2], [0, 0, 1]);
 */
function sparseSegmentSum(data: Arg, indices: Arg, segmentIds: Arg): Tensor {
  return segment('sparse.sparseSegmentSum', data, indices, segmentIds, false);
}

/**
 * sparseSegmentSum divided by each segment's size (empty segments give 0), as tfjs'
 * `sparse.sparseSegmentMean`. Differentiable in data.
 * @example sg.sparse.sparseSegmentMean(data, [0, 1, 2], [0, 0, 1]);
 */
function sparseSegmentMean(data: Arg, indices: Arg, segmentIds: Arg): Tensor {
  return segment('sparse.sparseSegmentMean', data, indices, segmentIds, true);
}

/** tfjs-core's `sparse` namespace. */
export const sparse = { sparseFillEmptyRows, sparseReshape, sparseSegmentMean, sparseSegmentSum };
