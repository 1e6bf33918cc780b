// Keyed dropout: the mask is a hash of each element's flat index under two 32-bit keys (see
// src/backends/js/kernels/dropout.ts), drawn and applied by one kernel ('Dropout') on the CPU
// backends. Nothing is saved for backward: the gradient runs the same kernel on dy with the same
// keys, which multiplies by the same mask. The Dropout layer draws the keys from its seeded Rng,
// so `sg.utils.setRandomSeed` and layer seeds keep the masks reproducible, and the masks are the
// same on every backend and thread count.
import type { Backend } from '../backends/backend.js';
import { dropoutMask, type DropoutAttrs } from '../backends/js/kernels/dropout.js';
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { checkFloat } from './util.js';

registerGradient('Dropout', {
  grad: ([dy], { attrs }) => [() => ENGINE.runKernel('Dropout', [dy], attrs)[0]],
});

/**
 * The kernel attributes of a dropout mask of rate `rate` under keys `k0`, `k1` (any numbers; their
 * low 32 bits count): an element is dropped when its hash is below round(rate * 2^32), and kept
 * elements are scaled by f32(1 / (1 - rate)).
 */
export function dropoutAttrs(rate: number, k0: number, k1: number): DropoutAttrs {
  return {
    k0: k0 | 0,
    k1: k1 | 0,
    thr: Math.min(Math.round(rate * 4294967296), 4294967295),
    scale: Math.fround(1 / (1 - rate)),
  };
}

/** True where the active backend runs 'Dropout' itself (not webgpu, which would copy to the CPU for it). */
function hasOwnKernel(b: Backend): boolean {
  const native = (b as { native?: ReadonlySet<string> }).native;
  return b.kernels.has('Dropout') && (native === undefined || native.has('Dropout'));
}

/**
 * Inverted dropout of `x` with the mask of keys `k0`, `k1`: x * (kept ? 1 / (1 - rate) : 0), one
 * fused kernel where the backend has it, else the same mask uploaded and multiplied. `noiseShape`
 * (each dimension equal to x's or 1, aligned from the right) draws one mask of that shape and
 * broadcasts it over x.
 * `rate` must be in [0, 1) (the callers check it and name themselves).
 * @example
 * const y = dropoutWithKeys(x, 0.4, rng.uint32(), rng.uint32()); // as the Dropout layer does
 */
export function dropoutWithKeys(x: Tensor, rate: number, k0: number, k1: number, noiseShape?: readonly number[]): Tensor {
  checkFloat('dropout', 'x', x);
  const attrs = dropoutAttrs(rate, k0, k1);
  const full = !noiseShape || (noiseShape.length === x.rank && noiseShape.every((d, i) => d === x.shape[i]));
  if (!full) {
    // Broadcast from the right, as Keras multiplies x by a mask of noise_shape.
    const off = x.rank - noiseShape.length;
    if (off < 0 || noiseShape.some((d, i) => d !== 1 && d !== x.shape[off + i])) {
      throw new Error(
        `dropout: noiseShape ${fmt(noiseShape as number[])} does not broadcast to x's shape ${fmt(x.shape)} (each dimension must equal x's or be 1, aligned from the right)`,
      );
    }
  }
  if (full && hasOwnKernel(ENGINE.backend)) return ENGINE.runKernel('Dropout', [x], attrs as unknown as Record<string, unknown>)[0];
  const shape = full ? x.shape : [...noiseShape];
  const mask = ENGINE.makeTensor(dropoutMask(new Float32Array(sizeFromShape(shape)), attrs), shape, 'float32');
  try {
    return mul(x, mask);
  } finally {
    mask.dispose();
  }
}
