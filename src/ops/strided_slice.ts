// stridedSlice (tfjs-core name, TensorFlow semantics): numpy-style slicing with begin/end/
// strides and the five masks, including ellipsisMask and newAxisMask. The sparse spec (one
// entry per begin element) is expanded to one range per dimension of x as TensorFlow's
// BuildDenseSpec does, then each dimension is gathered; the gradient comes from gather/reshape.
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { gather } from './gather.js';
import { reshape } from './reshape.js';
import { scoped, toTensor } from './util.js';

type Arg = Tensor | TensorLike;

const NEW_AXIS = -1;
const SHRINK = -2;

/** One dimension of x after the sparse spec is expanded. */
interface DenseDim {
  begin: number;
  end: number;
  stride: number;
  beginMasked: boolean;
  endMasked: boolean;
  shrink: boolean;
}

function checkMask(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be an integer bit mask >= 0 but is ${v}`);
}

function checkList(op: string, name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.some((e) => !Number.isInteger(e)))
    throw new Error(`${op}: ${name} must be a list of integers but is ${JSON.stringify(v)}`);
  return v as number[];
}

/**
 * numpy-style strided slicing, as TensorFlow's `tf.strided_slice` and tfjs' `stridedSlice`:
 * `begin`, `end` and `strides` hold one entry per slice-spec position; bit i of a mask applies
 * to position i:
 * - `beginMask` / `endMask`: ignore begin[i] / end[i] and take the widest range;
 * - `ellipsisMask`: position i stands for as many full dimensions as needed (`x[..., 1]`);
 *   at most one bit may be set;
 * - `newAxisMask`: insert a dimension of size 1 (`x[:, null]`); begin/end/stride are ignored;
 * - `shrinkAxisMask`: take the single index begin[i] and drop the dimension (`x[2]`).
 * Dimensions past the spec are taken whole. Negative begin/end count from the end.
 * Porting note: with shrinkAxisMask and a stride other than 1, tfjs 4.22 returns the wrong
 * element; simdgrad follows TensorFlow.
 * @param xIn the tensor to slice.
 * @param begin start index per spec position.
 * @param end end index (exclusive) per spec position.
 * @param strides step per spec position (default all 1; negative steps walk backwards).
 * @example sg.stridedSlice(sg.tensor([0, 1, 2, 3, 4]), [4], [0], [-2]); // [4, 2]
 * @example sg.stridedSlice(x, [0, 1], [0, 2], [1, 1], 0, 0, 1); // x[..., 1:2]
 */
export const stridedSlice = scoped(
  (
    xIn: Arg,
    begin: number[],
    end: number[],
    strides?: number[],
    beginMask = 0,
    endMask = 0,
    ellipsisMask = 0,
    newAxisMask = 0,
    shrinkAxisMask = 0,
  ): Tensor => {
    const op = 'stridedSlice';
    const x = toTensor(xIn, 'x', op);
    checkList(op, 'begin', begin);
    checkList(op, 'end', end);
    const st = strides == null ? begin.map(() => 1) : checkList(op, 'strides', strides);
    checkMask(op, 'beginMask', beginMask);
    checkMask(op, 'endMask', endMask);
    checkMask(op, 'ellipsisMask', ellipsisMask);
    checkMask(op, 'newAxisMask', newAxisMask);
    checkMask(op, 'shrinkAxisMask', shrinkAxisMask);
    if (end.length !== begin.length || st.length !== begin.length)
      throw new Error(
        `${op}: begin ${fmt(begin)}, end ${fmt(end)} and strides ${fmt(st)} must have the same length (x ${fmt(x.shape)})`,
      );
    st.forEach((v, i) => {
      if (v === 0) throw new Error(`${op}: strides[${i}] must be a non-zero integer but is 0 (x ${fmt(x.shape)})`);
    });
    if (ellipsisMask & (ellipsisMask - 1))
      throw new Error(`${op}: ellipsisMask ${ellipsisMask} sets more than one bit (at most one ellipsis)`);

    // Sparse spec -> dense spec (TensorFlow's BuildDenseSpec). Without an ellipsis there is an
    // implicit one after the last position.
    let n = begin.length;
    let ell = ellipsisMask;
    if (!ell) {
      ell = 2 ** n;
      n += 1;
    }
    const bit = (mask: number, i: number) => Math.floor(mask / 2 ** i) % 2 === 1;
    const ellPos = Math.log2(ell);
    let newAfter = 0;
    for (let i = ellPos + 1; i < n; i++) if (bit(newAxisMask, i)) newAfter++;
    const dense: DenseDim[] = [];
    const gatherIdx: number[] = []; // per output position: dense dim, NEW_AXIS or SHRINK
    for (let i = 0; i < n; i++) {
      if (bit(ell, i)) {
        const next = Math.min(x.rank - (n - i) + 1 + newAfter, x.rank);
        while (dense.length < next) {
          gatherIdx.push(dense.length);
          dense.push({ begin: 0, end: 0, stride: 1, beginMasked: true, endMasked: true, shrink: false });
        }
      } else if (bit(newAxisMask, i)) {
        gatherIdx.push(NEW_AXIS);
      } else {
        if (dense.length === x.rank)
          throw new Error(
            `${op}: the slice spec (begin ${fmt(begin)}) names more dimensions than x ${fmt(x.shape)} has`,
          );
        const shrink = bit(shrinkAxisMask, i);
        gatherIdx.push(shrink ? SHRINK : dense.length);
        dense.push({
          begin: begin[i],
          end: end[i],
          stride: st[i],
          beginMasked: bit(beginMask, i),
          endMasked: bit(endMask, i),
          shrink,
        });
      }
    }

    let y = x;
    const sizes: number[] = [];
    dense.forEach((dd, d) => {
      const size = x.shape[d];
      const s = dd.stride;
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
      let b: number;
      let e: number;
      let step = s;
      if (dd.shrink) {
        b = dd.begin < 0 ? dd.begin + size : dd.begin;
        if (!(b >= 0 && b < size))
          throw new Error(`${op}: index ${dd.begin} is out of range for dimension ${d} of size ${size} (x ${fmt(x.shape)})`);
        e = b + 1;
        step = 1;
      } else if (s > 0) {
        b = dd.beginMasked ? 0 : clamp(dd.begin, 0, size);
        e = dd.endMasked ? size : clamp(dd.end, 0, size);
      } else {
        b = dd.beginMasked ? size - 1 : clamp(dd.begin, -1, size - 1);
        e = dd.endMasked ? -1 : clamp(dd.end, -1, size - 1);
      }
      const idx: number[] = [];
      for (let i = b; step > 0 ? i < e : i > e; i += step) idx.push(i);
      const identity = idx.length === size && idx.every((v, i) => v === i);
      if (!identity) y = gather(y, Int32Array.from(idx), d);
      sizes.push(idx.length);
    });
    const outShape: number[] = [];
    for (const g of gatherIdx) {
      if (g === NEW_AXIS) outShape.push(1);
      else if (g !== SHRINK) outShape.push(sizes[g]);
    }
    return reshape(y, outShape);
  },
);
