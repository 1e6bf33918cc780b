// Projective image transform (TensorFlow's ImageProjectiveTransformV3, tf.image.transform in
// tfjs-core) and its adjoint with respect to the image, over typed arrays. Shared by both CPU
// backends: the wasm backend runs these loops over heap views.
import type { CpuKernelDef } from '../../host.js';
import type { TypedArray } from '../../../engine/dtype.js';

export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';
export type Interpolation = 'nearest' | 'bilinear';

/** Maps an input coordinate outside [0, len - 1] back inside, as TF's image_ops.h does. */
export function mapCoord(c: number, len: number, mode: FillMode): number {
  if (mode === 'constant') return c;
  if (mode === 'nearest') return Math.min(Math.max(c, 0), len - 1);
  if (mode === 'reflect') {
    // [abcd] -> [dcba|abcd|dcba]
    if (c < 0) {
      if (len <= 1) c = 0;
      else {
        const sz2 = 2 * len;
        if (c < sz2) c = sz2 * Math.trunc(-c / sz2) + c;
        c = c < -len ? c + sz2 : -c - 1;
      }
    } else if (c > len - 1) {
      if (len <= 1) c = 0;
      else {
        const sz2 = 2 * len;
        c -= sz2 * Math.trunc(c / sz2);
        if (c >= len) c = sz2 - c - 1;
      }
    }
  } else {
    // wrap: [abcd] -> [abcd|abcd|abcd]
    if (c < 0) {
      if (len <= 1) c = 0;
      else c += len * (Math.trunc(-c / (len - 1)) + 1);
    } else if (c > len - 1) {
      if (len <= 1) c = 0;
      else c -= len * Math.trunc(c / (len - 1));
    }
  }
  // The clamp matters: reflect of 3.5 with len 4 stays 3.5 and would round to 4.
  return Math.min(Math.max(c, 0), len - 1);
}

/**
 * Calls `tap(srcIndexOrMinus1, weight)` for every input pixel (channel 0) that output pixel
 * (b, oy, ox) reads, or returns false when the pixel is the fill value (projection 0).
 * Why one walker for forward and adjoint: they must agree tap for tap.
 */
function taps(
  t: TypedArray,
  tOff: number,
  h: number,
  w: number,
  ox: number,
  oy: number,
  mode: FillMode,
  interp: Interpolation,
  tap: (row: number, col: number, weight: number) => void,
): boolean {
  const k = t[tOff + 6] * ox + t[tOff + 7] * oy + 1;
  if (k === 0) return false;
  const x = mapCoord((t[tOff] * ox + t[tOff + 1] * oy + t[tOff + 2]) / k, w, mode);
  const y = mapCoord((t[tOff + 3] * ox + t[tOff + 4] * oy + t[tOff + 5]) / k, h, mode);
  if (interp === 'nearest') {
    tap(Math.round(y), Math.round(x), 1);
    return true;
  }
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const wy1 = y - y0;
  const wx1 = x - x0;
  tap(y0, x0, (1 - wy1) * (1 - wx1));
  tap(y0, x0 + 1, (1 - wy1) * wx1);
  tap(y0 + 1, x0, wy1 * (1 - wx1));
  tap(y0 + 1, x0 + 1, wy1 * wx1);
  return true;
}

export const imageTransformDefs: CpuKernelDef[] = [
  {
    // image [b, h, w, c], transforms [b or 1, 8] -> [b, outH, outW, c]
    name: 'ImageTransform',
    outShape: ([img], attrs) => {
      const [oh, ow] = attrs.outputShape as [number, number];
      return { shape: [img.shape[0], oh, ow, img.shape[3]], dtype: img.dtype };
    },
    run: ([img, t], out, infos, attrs) => {
      const [batch, h, w, c] = infos[0].shape;
      const [oh, ow] = attrs.outputShape as [number, number];
      const mode = attrs.fillMode as FillMode;
      const nearest = (attrs.interpolation as Interpolation) === 'nearest';
      const fill = attrs.fillValue as number;
      const perImage = infos[1].shape[0] !== 1;
      // Why inlined rather than through taps(): this loop runs for every augmented batch, and the
      // closure per tap made it ~5x slower. The arithmetic is the same as taps() (the adjoint's).
      for (let b = 0; b < batch; b++) {
        const tOff = perImage ? b * 8 : 0;
        const [a0, a1, a2, b0, b1, b2, c0, c1] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => t[tOff + i]);
        const base = b * h * w * c;
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const o = ((b * oh + oy) * ow + ox) * c;
            const k = c0 * ox + c1 * oy + 1;
            if (k === 0) {
              for (let ch = 0; ch < c; ch++) out[o + ch] = fill;
              continue;
            }
            const x = mapCoord((a0 * ox + a1 * oy + a2) / k, w, mode);
            const y = mapCoord((b0 * ox + b1 * oy + b2) / k, h, mode);
            if (nearest) {
              const r = Math.round(y);
              const q = Math.round(x);
              if (r >= 0 && r < h && q >= 0 && q < w) {
                const s = base + (r * w + q) * c;
                for (let ch = 0; ch < c; ch++) out[o + ch] = img[s + ch];
              } else for (let ch = 0; ch < c; ch++) out[o + ch] = fill;
              continue;
            }
            const y0 = Math.floor(y);
            const x0 = Math.floor(x);
            const wy = y - y0;
            const wx = x - x0;
            const w00 = (1 - wy) * (1 - wx),
              w01 = (1 - wy) * wx,
              w10 = wy * (1 - wx),
              w11 = wy * wx;
            const inY0 = y0 >= 0 && y0 < h,
              inY1 = y0 + 1 >= 0 && y0 + 1 < h;
            const inX0 = x0 >= 0 && x0 < w,
              inX1 = x0 + 1 >= 0 && x0 + 1 < w;
            const s00 = base + (y0 * w + x0) * c;
            const s01 = s00 + c,
              s10 = s00 + w * c,
              s11 = s10 + c;
            for (let ch = 0; ch < c; ch++) {
              out[o + ch] =
                w00 * (inY0 && inX0 ? img[s00 + ch] : fill) +
                w01 * (inY0 && inX1 ? img[s01 + ch] : fill) +
                w10 * (inY1 && inX0 ? img[s10 + ch] : fill) +
                w11 * (inY1 && inX1 ? img[s11 + ch] : fill);
            }
          }
        }
      }
    },
  },
  {
    // The adjoint with respect to the image: dy [b, outH, outW, c] -> dx [b, h, w, c].
    // Inputs: dy, transforms. The fill value is a constant, so it has no gradient.
    name: 'ImageTransformGrad',
    outShape: ([dy], attrs) => {
      const [h, w] = attrs.inShape as [number, number];
      return { shape: [dy.shape[0], h, w, dy.shape[3]], dtype: dy.dtype };
    },
    run: ([dy, t], out, infos, attrs) => {
      const [batch, oh, ow, c] = infos[0].shape;
      const [h, w] = attrs.inShape as [number, number];
      const mode = attrs.fillMode as FillMode;
      const interp = attrs.interpolation as Interpolation;
      const perImage = infos[1].shape[0] !== 1;
      out.fill(0);
      for (let b = 0; b < batch; b++) {
        const tOff = perImage ? b * 8 : 0;
        const base = b * h * w * c;
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const o = ((b * oh + oy) * ow + ox) * c;
            taps(t, tOff, h, w, ox, oy, mode, interp, (r, q, wt) => {
              if (r < 0 || r >= h || q < 0 || q >= w || wt === 0) return;
              const s = base + (r * w + q) * c;
              for (let ch = 0; ch < c; ch++) out[s + ch] += wt * dy[o + ch];
            });
          }
        }
      }
    },
  },
];
