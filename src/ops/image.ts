// tfjs-core's `image` namespace: the resize ops, flipLeftRight, cropAndResize, rotateWithOffset,
// nonMaxSuppression (sync and async), grayscale/RGB conversions, and `transform` (from
// image_transform.ts). The resize ops stay at the top level too (simdgrad has had them there).
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { cast } from './cast.js';
import { sum } from './reduce.js';
import { resizeBilinear, resizeNearestNeighbor } from './resize.js';
import { reverse } from './shape_extra.js';
import { tile } from './tile.js';
import { transform } from './image_transform.js';
import { imageExtra, nmsImpl } from './image_extra.js';
import { checkFinite, checkFloat, checkInt, run1, scoped, toTensor } from './util.js';
import { hostValues } from './host_read.js';

type Arg = Tensor | TensorLike;

/** Mirrors each image of a [batch, height, width, channels] batch left to right. */
const flipLeftRight = scoped((image: Arg): Tensor => {
  const x = toTensor(image, 'image', 'image.flipLeftRight');
  if (x.rank !== 4) throw new Error(`image.flipLeftRight: image must have rank 4 but has shape ${fmt(x.shape)}`);
  return reverse(x, 2);
});

/**
 * Crops boxes ([n, 4] of normalised y1, x1, y2, x2) from images by boxInd and resizes each to
 * cropSize, bilinear or nearest, as tfjs. Not differentiable (tfjs has no gradient either).
 */
const cropAndResize = scoped(
  (
    image: Arg,
    boxes: Arg,
    boxInd: Arg,
    cropSize: [number, number],
    method: 'bilinear' | 'nearest' = 'bilinear',
    extrapolationValue = 0,
  ): Tensor => {
    const op = 'image.cropAndResize';
    const x0 = toTensor(image, 'image', op);
    const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
    const b = toTensor(boxes, 'boxes', op, 'float32');
    const bi = toTensor(boxInd, 'boxInd', op, 'int32');
    checkFloat(op, 'boxes', b);
    if (x.rank !== 4) throw new Error(`${op}: image must have rank 4 but has shape ${fmt(x.shape)}`);
    if (b.rank !== 2 || b.shape[1] !== 4)
      throw new Error(`${op}: boxes must have shape [numBoxes, 4] but have ${fmt(b.shape)}`);
    if (bi.rank !== 1 || bi.shape[0] !== b.shape[0] || bi.dtype !== 'int32')
      throw new Error(`${op}: boxInd must be int32 of shape [${b.shape[0]}] but is ${bi.dtype} ${fmt(bi.shape)}`);
    if (!Array.isArray(cropSize) || cropSize.length !== 2) throw new Error(`${op}: cropSize must be [height, width]`);
    checkInt(op, 'cropSize[0]', cropSize[0], 1);
    checkInt(op, 'cropSize[1]', cropSize[1], 1);
    if (method !== 'bilinear' && method !== 'nearest')
      throw new Error(`${op}: method must be 'bilinear' or 'nearest' but is '${method}'`);
    checkFinite(op, 'extrapolationValue', extrapolationValue);
    const iv = hostValues(op, 'boxInd', bi);
    for (const v of iv)
      if (!(v >= 0 && v < x.shape[0])) throw new Error(`${op}: boxInd ${v} is out of range [0, ${x.shape[0]})`);
    return run1('CropAndResize', [x, b, bi], { cropSize: cropSize.slice(), method, extrapolationValue });
  },
);

/**
 * Rotates each image by `radians` around its centre shifted by `center` (a fraction, or
 * [x, y] fractions), filling uncovered pixels with `fillValue`; nearest sampling, as tfjs.
 * Built on image.transform, so differentiable with respect to the image.
 */
const rotateWithOffset = scoped(
  (image: Arg, radians: number, fillValue: number = 0, center: number | [number, number] = 0.5): Tensor => {
    const op = 'image.rotateWithOffset';
    const x = toTensor(image, 'image', op);
    if (x.rank !== 4) throw new Error(`${op}: image must have rank 4 but has shape ${fmt(x.shape)}`);
    checkFinite(op, 'radians', radians);
    if (typeof fillValue !== 'number')
      throw new Error(`${op}: fillValue must be a number (per-channel fill values are not supported)`);
    const [H, W] = [x.shape[1], x.shape[2]];
    const [fx, fy] = typeof center === 'number' ? [center, center] : center;
    const cx = W * fx;
    const cy = H * fy;
    const c = Math.cos(radians);
    const s = Math.sin(radians);
    // output (x, y) reads input (c (x - cx) - s (y - cy) + cx, s (x - cx) + c (y - cy) + cy)
    const t = [c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0];
    return transform(x, toTensor([t], 'transforms', op), 'nearest', 'constant', fillValue);
  },
);

function nmsArgs(
  op: string,
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
) {
  const b = toTensor(boxes, 'boxes', op, 'float32');
  const s = toTensor(scores, 'scores', op, 'float32');
  if (b.rank !== 2 || b.shape[1] !== 4)
    throw new Error(`${op}: boxes must have shape [numBoxes, 4] but have ${fmt(b.shape)}`);
  if (s.rank !== 1 || s.shape[0] !== b.shape[0])
    throw new Error(`${op}: scores must have shape [${b.shape[0]}] but have ${fmt(s.shape)}`);
  checkInt(op, 'maxOutputSize', maxOutputSize, 0);
  if (!(iouThreshold >= 0 && iouThreshold <= 1))
    throw new Error(`${op}: iouThreshold must be in [0, 1] but is ${iouThreshold}`);
  if (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold))
    throw new Error(`${op}: scoreThreshold must be a number`);
  return { b, s };
}

/** Greedy non-maximum suppression on host arrays: indices by decreasing score. */
function nms(
  bv: ArrayLike<number>,
  sv: ArrayLike<number>,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
): Int32Array {
  return Int32Array.from(nmsImpl(bv, sv, Math.min(maxOutputSize, sv.length), iouThreshold, scoreThreshold).indices);
}

/**
 * Indices (int32) of the boxes kept by greedy non-maximum suppression, highest score first.
 * @example sg.image.nonMaxSuppression(boxes, scores, 10, 0.5);
 */
function nonMaxSuppression(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = -Infinity,
): Tensor {
  return ENGINE.tidy(() => {
    const { b, s } = nmsArgs('image.nonMaxSuppression', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
    return toTensor(
      nms(hostValues('image.nonMaxSuppression', 'boxes', b), hostValues('image.nonMaxSuppression', 'scores', s), maxOutputSize, iouThreshold, scoreThreshold),
      'indices',
      'image.nonMaxSuppression',
    );
  });
}

/** nonMaxSuppression reading the boxes asynchronously. */
async function nonMaxSuppressionAsync(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = -Infinity,
): Promise<Tensor> {
  const { b, s } = nmsArgs('image.nonMaxSuppressionAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  try {
    const picked = nms(await b.data(), await s.data(), maxOutputSize, iouThreshold, scoreThreshold);
    return toTensor(picked, 'indices', 'image.nonMaxSuppressionAsync');
  } finally {
    if (b !== boxes) b.dispose();
    if (s !== scores) s.dispose();
  }
}

/** [..., 1] grayscale to [..., 3] RGB. */
const grayscaleToRGB = scoped((image: Arg): Tensor => {
  const x = toTensor(image, 'image', 'image.grayscaleToRGB');
  if (x.rank < 2 || x.shape[x.rank - 1] !== 1)
    throw new Error(`image.grayscaleToRGB: the last dimension must be 1 but image has shape ${fmt(x.shape)}`);
  return tile(x, [...x.shape.slice(0, -1).map(() => 1), 3]);
});

/** [..., 3] RGB to [..., 1] grayscale (ITU-R 601 weights, as tfjs). */
const rgbToGrayscale = scoped((image: Arg): Tensor => {
  const x = toTensor(image, 'image', 'image.rgbToGrayscale');
  if (x.rank < 2 || x.shape[x.rank - 1] !== 3)
    throw new Error(`image.rgbToGrayscale: the last dimension must be 3 but image has shape ${fmt(x.shape)}`);
  return sum(mul(x, [0.2989, 0.587, 0.114]), -1, true);
});

/**
 * tfjs-core's `image` namespace.
 * @namespace
 */
export const image = {
  resizeBilinear,
  resizeNearestNeighbor,
  flipLeftRight,
  cropAndResize,
  rotateWithOffset,
  nonMaxSuppression,
  nonMaxSuppressionAsync,
  grayscaleToRGB,
  rgbToGrayscale,
  transform,
  ...imageExtra, // nonMaxSuppressionWithScore/Padded (+Async), threshold: image_extra.ts
};
