// maxPool, avgPool, maxPool3d, avgPool3d (tfjs-core signatures) and their gradients. All run as
// the 3-d kernel 'Pool' on channels-last [N, D, H, W, C] views (2-d pools get unit depth).
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { checkFormat } from './conv2d.js';
import { reshape } from './reshape.js';
import { where } from './where.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import { checkRank, spatialGeom, tupleArg, type PadArg, type RoundingMode } from './conv_util.js';

registerGradient('Pool', {
  saveInputs: true,
  grad: ([dy], { inputs: [x], attrs }) => [
    () =>
      attrs.type === 'max'
        ? run1('MaxPoolGrad', [x, dy], attrs)
        : run1('AvgPoolGrad', [dy], Object.assign({}, attrs, { inShape: x.shape })),
  ],
});

/**
 * The n-d pool front end: x [N, ...spatial, C] (or unbatched), nd spatial dims.
 * @category Neural network
 */
export const poolNd = scoped(
  (
    op: string,
    type: 'max' | 'avg',
    nd: number,
    xIn: Tensor | TensorLike,
    filterSize: number | number[],
    stridesArg: number | number[] | undefined,
    pad: PadArg,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const x0 = toTensor(xIn, 'x', op);
    checkFloat(op, 'x', x0);
    checkRank(op, 'x', x0.shape, [nd + 1, nd + 2]);
    const unbatched = x0.rank === nd + 1;
    const x = unbatched ? reshape(x0, [1, ...x0.shape]) : x0;
    const window = tupleArg(op, 'filterSize', filterSize, nd);
    const strides = tupleArg(op, 'strides', stridesArg ?? filterSize, nd);
    const ones = new Array<number>(nd).fill(1);
    const shapes = `x ${fmt(x0.shape)}, filterSize ${fmt(window)}, strides ${fmt(strides)}`;
    const inS = x.shape.slice(1, nd + 1);
    const g = spatialGeom(
      op,
      inS,
      window,
      strides,
      ones,
      pad,
      Array.from({ length: nd }, (_, i) => i + 1),
      dimRoundingMode,
      shapes,
    );
    const lift = (v: number[], fill: number) => [...new Array<number>(3 - nd).fill(fill), ...v];
    const C = x.shape[nd + 1];
    const y = run1('Pool', [reshape(x, [x.shape[0], ...lift(inS, 1), C])], {
      type,
      window: lift(window, 1),
      strides: lift(strides, 1),
      pads: lift(g.pads, 0),
      out: lift(g.out, 1),
    });
    const shape = [x.shape[0], ...g.out, C];
    const empty = type === 'avg' ? paddingOnlyWindows(inS, window, strides, g.pads, g.out) : null;
    const z = reshape(y, shape);
    // A window that covers only padding averages nothing: 0 (as tfjs's avgPool3d), not 0/0.
    const r = empty ? where(reshape(toTensor(empty, 'mask', op, 'bool'), [1, ...g.out, 1]), 0, z) : z;
    return unbatched ? reshape(r, shape.slice(1)) : r;
  },
);

/** A 0/1 mask over the output positions whose window holds no input tap, or null if none does. */
function paddingOnlyWindows(
  inS: number[],
  window: number[],
  strides: number[],
  pads: number[],
  out: number[],
): Int32Array | null {
  const emptyAt = out.map((n, d) =>
    Array.from({ length: n }, (_, o) => {
      const start = o * strides[d] - pads[d];
      return start >= inS[d] || start + window[d] <= 0;
    }),
  );
  if (!emptyAt.some((e) => e.includes(true))) return null;
  const mask = new Int32Array(out.reduce((a, c) => a * c, 1));
  const idx = new Array<number>(out.length).fill(0);
  for (let i = 0; i < mask.length; i++) {
    mask[i] = idx.some((o, d) => emptyAt[d][o]) ? 1 : 0;
    for (let d = out.length - 1; d >= 0 && ++idx[d] === out[d]; d--) idx[d] = 0;
  }
  return mask;
}

/**
 * 2-d max pooling over [batch, height, width, channels] (or [height, width, channels]).
 * @example sg.maxPool(sg.ones([1, 4, 4, 3]), 2, 2, 'valid').shape; // [1, 2, 2, 3]
 * @category Neural network
 */
export function maxPool(
  x: Tensor | TensorLike,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): Tensor {
  return poolNd('maxPool', 'max', 2, x, filterSize, strides, pad, dimRoundingMode);
}

/**
 * 2-d average pooling; windows at the border average only the taps inside the input.
 * @example sg.avgPool(sg.ones([1, 4, 4, 3]), 2, 2, 'valid').shape; // [1, 2, 2, 3]
 * @category Neural network
 */
export function avgPool(
  x: Tensor | TensorLike,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): Tensor {
  return poolNd('avgPool', 'avg', 2, x, filterSize, strides, pad, dimRoundingMode);
}

/**
 * 3-d max pooling over [batch, depth, height, width, channels].
 * @example sg.maxPool3d(sg.ones([1, 4, 4, 4, 2]), 2, 2, 'valid').shape; // [1, 2, 2, 2, 2]
 * @category Neural network
 */
export function maxPool3d(
  x: Tensor | TensorLike,
  filterSize: number | [number, number, number],
  strides: number | [number, number, number],
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
  dataFormat: 'NDHWC' = 'NDHWC',
): Tensor {
  checkFormat('maxPool3d', dataFormat, ['NDHWC']);
  return poolNd('maxPool3d', 'max', 3, x, filterSize, strides, pad, dimRoundingMode);
}

/**
 * 3-d average pooling over [batch, depth, height, width, channels].
 * @example sg.avgPool3d(sg.ones([1, 4, 4, 4, 2]), 2, 2, 'valid').shape; // [1, 2, 2, 2, 2]
 * @category Neural network
 */
export function avgPool3d(
  x: Tensor | TensorLike,
  filterSize: number | [number, number, number],
  strides: number | [number, number, number],
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
  dataFormat: 'NDHWC' = 'NDHWC',
): Tensor {
  checkFormat('avgPool3d', dataFormat, ['NDHWC']);
  return poolNd('avgPool3d', 'avg', 3, x, filterSize, strides, pad, dimRoundingMode);
}
