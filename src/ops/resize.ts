// resizeNearestNeighbor and resizeBilinear (tfjs-core signatures, tf.image conventions for
// alignCorners and halfPixelCenters) with their gradients; UpSampling layers are built on them.
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { reshape } from './reshape.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import { checkRank } from './conv_util.js';

for (const name of ['ResizeNearest', 'ResizeBilinear']) {
  registerGradient(name, {
    grad: ([dy], { attrs, inputInfos: [x] }) => [() => run1(`${name}Grad`, [dy], Object.assign({}, attrs, { inShape: x.shape }))],
  });
}

const resize = scoped(
  (
    op: string,
    kernel: string,
    imagesIn: Tensor | TensorLike,
    size: [number, number],
    alignCorners: boolean,
    halfPixelCenters: boolean,
  ): Tensor => {
    const x0 = toTensor(imagesIn, 'images', op);
    checkFloat(op, 'images', x0);
    checkRank(op, 'images', x0.shape, [3, 4]);
    if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`${op}: size must be [newHeight, newWidth] of positive integers but is ${JSON.stringify(size)}`);
    }
    if (alignCorners && halfPixelCenters) {
      throw new Error(`${op}: if halfPixelCenters is true, alignCorners must be false`);
    }
    const unbatched = x0.rank === 3;
    const x = unbatched ? reshape(x0, [1, ...x0.shape]) : x0;
    if (x.shape[1] === 0 || x.shape[2] === 0) throw new Error(`${op}: images ${fmt(x0.shape)} have no pixels`);
    const y = run1(kernel, [x], { size: size.slice(), alignCorners: !!alignCorners, halfPixelCenters: !!halfPixelCenters });
    return unbatched ? reshape(y, y.shape.slice(1)) : y;
  },
);

/**
 * Nearest-neighbour resize of [batch, height, width, channels] (or unbatched) images.
 * @example sg.resizeNearestNeighbor(sg.ones([1, 2, 2, 1]), [4, 4]).shape; // [1, 4, 4, 1]
 * @category Neural network
 */
export function resizeNearestNeighbor(
  images: Tensor | TensorLike,
  size: [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return resize('resizeNearestNeighbor', 'ResizeNearest', images, size, alignCorners, halfPixelCenters);
}

/**
 * Bilinear resize of [batch, height, width, channels] (or unbatched) images.
 * @example sg.resizeBilinear(sg.ones([1, 2, 2, 1]), [3, 3]).shape; // [1, 3, 3, 1]
 * @category Neural network
 */
export function resizeBilinear(
  images: Tensor | TensorLike,
  size: [number, number],
  alignCorners = false,
  halfPixelCenters = false,
): Tensor {
  return resize('resizeBilinear', 'ResizeBilinear', images, size, alignCorners, halfPixelCenters);
}
