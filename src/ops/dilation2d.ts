// dilation2d (tfjs-core name): grayscale morphological dilation, the max-plus analogue of a
// depthwise convolution: out[b, y, x, c] = max over (i, j) of
// x[b, y*sh + i*rh - padTop, x*sw + j*rw - padLeft, c] + filter[i, j, c] (outside the image: -inf).
// Composed from pad, add, stridedSlice and maximum, so the gradient (to x and to the filter)
// comes from those ops: it reaches the arg-max tap of each window, as TensorFlow's.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, maximum } from './binary.js';
import { checkRank, checkStridesDilations, spatialGeom, tupleArg } from './conv_util.js';
import { pad as padOp } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { stridedSlice } from './strided_slice.js';
import { checkFloat, scoped, toTensor } from './util.js';

type Arg = Tensor | TensorLike;

/**
 * Morphological dilation of a [batch, height, width, depth] (or unbatched) image by a
 * [filterHeight, filterWidth, depth] structuring function, as tfjs' `dilation2d` and
 * TensorFlow's `tf.nn.dilation2d`. Differentiable in x and filter.
 * @param strides per spatial dimension (one number or [sh, sw]).
 * @param pad 'valid' or 'same'.
 * @param dilations the rates (one number or [rh, rw]); strides and dilations cannot both exceed 1.
 * @param dataFormat only 'NHWC'.
 * @example sg.dilation2d(img, sg.zeros([3, 3, 1]), 1, 'same'); // a 3x3 max filter
 */
export const dilation2d = scoped(
  (
    xIn: Arg,
    filterIn: Arg,
    strides: number | [number, number],
    pad: 'valid' | 'same',
    dilations: number | [number, number] = [1, 1],
    dataFormat: 'NHWC' = 'NHWC',
  ): Tensor => {
    const op = 'dilation2d';
    const x0 = toTensor(xIn, 'x', op);
    const f = toTensor(filterIn, 'filter', op);
    checkFloat(op, 'x', x0);
    checkFloat(op, 'filter', f);
    checkRank(op, 'x', x0.shape, [3, 4]);
    checkRank(op, 'filter', f.shape, [3]);
    if (dataFormat !== 'NHWC') throw new Error(`${op}: dataFormat must be 'NHWC' but is '${dataFormat}'`);
    if (pad !== 'valid' && pad !== 'same') throw new Error(`${op}: pad must be 'valid' or 'same' but is ${JSON.stringify(pad)}`);
    const x = x0.rank === 3 ? reshape(x0, [1, ...x0.shape]) : x0;
    const [n, h, w, c] = x.shape;
    const [fh, fw, fc] = f.shape;
    const shapes = `x ${fmt(x0.shape)} and filter ${fmt(f.shape)}`;
    if (fc !== c) throw new Error(`${op}: the filter has depth ${fc} but x has ${c} channels; ${shapes}`);
    const s = tupleArg(op, 'strides', strides, 2);
    const d = tupleArg(op, 'dilations', dilations, 2);
    checkStridesDilations(op, s, d);
    const g = spatialGeom(op, [h, w], [fh, fw], s, d, pad, [1, 2], undefined, shapes);
    const [oh, ow] = g.out;
    const [pt, pl] = g.pads;
    // Pad so that every tap's strided window lies inside; padding holds -inf (added as a mask,
    // since pad's constant must be finite), so it never wins the max and gets no gradient.
    const needH = (oh - 1) * s[0] + (fh - 1) * d[0] + 1;
    const needW = (ow - 1) * s[1] + (fw - 1) * d[1] + 1;
    const pb = Math.max(0, needH - h - pt);
    const pr = Math.max(0, needW - w - pl);
    let xp = x;
    if (pt || pb || pl || pr) {
      const ph = h + pt + pb;
      const pw = w + pl + pr;
      const mask = new Float32Array(ph * pw);
      for (let i = 0; i < ph; i++)
        for (let j = 0; j < pw; j++) if (i < pt || i >= pt + h || j < pl || j >= pl + w) mask[i * pw + j] = -Infinity;
      xp = add(
        padOp(x, [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ]),
        ENGINE.makeTensor(mask, [1, ph, pw, 1], 'float32'),
      );
    }
    let y: Tensor | null = null;
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++) {
        const r0 = i * d[0];
        const c0 = j * d[1];
        const win = stridedSlice(xp, [0, r0, c0, 0], [n, r0 + (oh - 1) * s[0] + 1, c0 + (ow - 1) * s[1] + 1, c], [1, s[0], s[1], 1]);
        const tap = add(win, reshape(slice(f, [i, j, 0], [1, 1, c]), [c]));
        y = y === null ? tap : maximum(y, tap);
      }
    return x0.rank === 3 ? reshape(y!, [oh, ow, c]) : y!;
  },
);
