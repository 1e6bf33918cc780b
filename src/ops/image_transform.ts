// image.transform: a projective transform per image (tfjs-core's tf.image.transform, TensorFlow's
// ImageProjectiveTransformV3), with its gradient with respect to the image. The augmentation
// layers (randomRotation, randomTranslation, randomZoom, randomFlip) and the image data generator
// are built on it.
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { checkFloat, checkFinite, run1, scoped, toTensor } from './util.js';
import type { FillMode, Interpolation } from '../backends/js/kernels/image_transform.js';
import { hostValues } from './host_read.js';

export type { FillMode, Interpolation };

const FILL_MODES: readonly FillMode[] = ['constant', 'reflect', 'wrap', 'nearest'];
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear'];

registerGradient('ImageTransform', {
  saveInputs: [1],
  grad: ([dy], { inputs: [, t], attrs, inputInfos: [x] }) => [
    () => run1('ImageTransformGrad', [dy, t], Object.assign({}, attrs, { inShape: [x.shape[1], x.shape[2]] })),
    null,
  ],
});

/**
 * Applies a projective transform to each image of a [batch, height, width, channels] batch.
 * Each row of `transforms` ([batch, 8], or [1, 8] for all images) is [a0, a1, a2, b0, b1, b2, c0, c1]
 * and maps an output point (x, y) to the input point ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)
 * with k = c0 x + c1 y + 1. Points outside the image are filled per `fillMode`: 'constant'
 * (fillValue), 'reflect' (dcba|abcd|dcba), 'wrap' (abcd|abcd|abcd) or 'nearest' (aaaa|abcd|dddd).
 * Differentiable with respect to the image.
 * Porting note: tfjs-core 4.22's cpu kernel returns after the first image (the rest come back as
 * the fill value); this op transforms every image, as TensorFlow does.
 * @example
 * // shift right by one pixel
 * sg.image.transform(sg.ones([1, 4, 4, 1]), sg.tensor2d([[1, 0, -1, 0, 1, 0, 0, 0]]));
 */
export const transform = scoped(
  (
    image: Tensor | TensorLike,
    transforms: Tensor | TensorLike,
    interpolation: Interpolation | string = 'nearest',
    fillMode: FillMode | string = 'constant',
    fillValue = 0,
    outputShape?: [number, number],
  ): Tensor => {
    const op = 'image.transform';
    const x = toTensor(image, 'image', op);
    const t = toTensor(transforms, 'transforms', op, 'float32');
    checkFloat(op, 'image', x);
    checkFloat(op, 'transforms', t);
    if (x.rank !== 4) {
      throw new Error(`${op}: 'image' must be rank 4 [batch, height, width, channels] but has shape ${fmt(x.shape)}`);
    }
    if (t.rank !== 2 || t.shape[1] !== 8 || (t.shape[0] !== 1 && t.shape[0] !== x.shape[0])) {
      throw new Error(
        `${op}: 'transforms' must have shape [${x.shape[0]}, 8] or [1, 8] for image ${fmt(x.shape)} ` +
          `but has shape ${fmt(t.shape)}`,
      );
    }
    if (!INTERPOLATIONS.includes(interpolation as Interpolation)) {
      throw new Error(`${op}: 'interpolation' must be one of ${INTERPOLATIONS.join(', ')} but is '${interpolation}'`);
    }
    if (!FILL_MODES.includes(fillMode as FillMode)) {
      throw new Error(`${op}: 'fillMode' must be one of ${FILL_MODES.join(', ')} but is '${fillMode}'`);
    }
    checkFinite(op, 'fillValue', fillValue);
    const tv = hostValues(op, 'transforms', t); // [n, 8]: small, and a NaN here would silently fill whole images
    for (let i = 0; i < tv.length; i++) {
      if (!Number.isFinite(tv[i]))
        throw new Error(
          `${op}: 'transforms' row ${Math.floor(i / 8)} holds ${tv[i]} at column ${i % 8}; every coefficient must be finite`,
        );
    }
    const out = outputShape ?? [x.shape[1], x.shape[2]];
    if (!Array.isArray(out) || out.length !== 2 || out.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(
        `${op}: 'outputShape' must be [height, width] of positive integers but is ${JSON.stringify(outputShape)}`,
      );
    }
    if (x.shape[1] === 0 || x.shape[2] === 0) throw new Error(`${op}: image ${fmt(x.shape)} has no pixels`);
    return run1('ImageTransform', [x, t], { interpolation, fillMode, fillValue, outputShape: out.slice() });
  },
);
