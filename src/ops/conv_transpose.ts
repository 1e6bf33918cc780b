// conv2dTranspose and conv3dTranspose (tfjs-core signatures): the input
// gradient of a convolution run forward, i.e. kernel 'ConvBackpropInput' (whose own gradient,
// registered in conv2d.ts, makes the transposed convolution trainable).
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { reshape } from './reshape.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import { checkRank, spatialGeom, tupleArg, type PadArg, type RoundingMode } from './conv_util.js';

/**
 * The n-d transposed convolution on channels-last input; filter [...window, outC, inC].
 * @category Neural network
 */
export const convTransposeNd = scoped(
  (
    op: string,
    nd: number,
    xIn: Tensor | TensorLike,
    filterIn: Tensor | TensorLike,
    outputShape: number[],
    stridesArg: number | number[],
    pad: PadArg,
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const x0 = toTensor(xIn, 'x', op);
    const f = toTensor(filterIn, 'filter', op);
    checkFloat(op, 'x', x0);
    checkFloat(op, 'filter', f);
    checkRank(op, 'x', x0.shape, [nd + 1, nd + 2]);
    checkRank(op, 'filter', f.shape, [nd + 2]);
    const unbatched = x0.rank === nd + 1;
    const x = unbatched ? reshape(x0, [1, ...x0.shape]) : x0;
    const out = outputShape.length === nd + 1 ? [x.shape[0], ...outputShape] : outputShape.slice();
    const shapes = `x ${fmt(x0.shape)}, filter ${fmt(f.shape)}, outputShape ${fmt(outputShape)}`;
    if (out.length !== nd + 2 || out.some((d) => !Number.isInteger(d) || d < 1) || out[0] !== x.shape[0]) {
      throw new Error(`${op}: outputShape must be [batch, ...spatial, channels] (rank ${nd + 2}) matching x's batch; ${shapes}`);
    }
    const inC = x.shape[nd + 1];
    if (f.shape[nd + 1] !== inC) {
      throw new Error(`${op}: the input has ${inC} channels but the filter expects ${f.shape[nd + 1]} (its last dimension); ${shapes}`);
    }
    if (f.shape[nd] !== out[nd + 1]) {
      throw new Error(`${op}: outputShape has ${out[nd + 1]} channels but the filter makes ${f.shape[nd]}; ${shapes}`);
    }
    const strides = tupleArg(op, 'strides', stridesArg, nd);
    const window = f.shape.slice(0, nd);
    const ones = new Array<number>(nd).fill(1);
    const explicit = Array.from({ length: nd }, (_, i) => i + 1);
    // The geometry is that of the forward convolution from outputShape to x.
    const g = spatialGeom(op, out.slice(1, nd + 1), window, strides, ones, pad, explicit, dimRoundingMode, shapes);
    const xs = x.shape.slice(1, nd + 1);
    if (g.out.some((o, i) => o !== xs[i])) {
      throw new Error(`${op}: a convolution of outputShape with this filter, strides and pad gives spatial size ${fmt(g.out)}, not x's ${fmt(xs)}; ${shapes}`);
    }
    const lift = (v: number[], fill: number) => [...new Array<number>(3 - nd).fill(fill), ...v];
    const dy5 = reshape(x, [x.shape[0], ...lift(xs, 1), inC]);
    const f5 = reshape(f, [...lift(window, 1), out[nd + 1], inC]);
    const y = run1('ConvBackpropInput', [dy5, f5], {
      strides: lift(strides, 1),
      dilations: [1, 1, 1],
      pads: lift(g.pads, 0),
      out: lift(g.out, 1),
      inShape: [out[0], ...lift(out.slice(1, nd + 1), 1), out[nd + 1]],
    });
    const r = reshape(y, out);
    return unbatched ? reshape(r, out.slice(1)) : r;
  },
);

/**
 * The transpose (input gradient) of conv2d. x: [batch, height, width, inDepth], filter:
 * [filterHeight, filterWidth, outDepth, inDepth], outputShape: [batch, height, width, outDepth].
 * @example sg.conv2dTranspose(sg.ones([1, 3, 3, 2]), sg.ones([2, 2, 4, 2]), [1, 6, 6, 4], 2, 'same').shape; // [1, 6, 6, 4]
 * @category Neural network
 */
export function conv2dTranspose(
  x: Tensor | TensorLike,
  filter: Tensor | TensorLike,
  outputShape: [number, number, number, number] | [number, number, number],
  strides: number | [number, number],
  pad: PadArg,
  dimRoundingMode?: RoundingMode,
): Tensor {
  return convTransposeNd('conv2dTranspose', 2, x, filter, outputShape, strides, pad, dimRoundingMode);
}

/**
 * The transpose of conv3d. filter: [fd, fh, fw, outDepth, inDepth].
 * @example sg.conv3dTranspose(x, filter, [1, 8, 8, 8, 4], 2, 'same');
 * @category Neural network
 */
export function conv3dTranspose(
  x: Tensor | TensorLike,
  filter: Tensor | TensorLike,
  outputShape: number[],
  strides: number | [number, number, number],
  pad: 'valid' | 'same',
): Tensor {
  return convTransposeNd('conv3dTranspose', 3, x, filter, outputShape, strides, pad);
}
