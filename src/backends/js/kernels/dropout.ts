// 'Dropout': out[i] = x[i] * (h(i) >= thr ? scale : 0), the mask drawn from a counter-based hash
// of the flat index i under two 32-bit keys (attrs k0, k1; see assembly/dropout.ts, whose SIMD
// loop computes the same bits). Being a function of (i, k0, k1) alone, the mask needs no storage:
// the gradient is this kernel applied to dy with the same attrs, and hosts without the kernel
// (webgpu) upload `dropoutMask`'s values, which are the same numbers.
import type { CpuKernelDef } from '../../host.js';

/** The 32-bit mixer of assembly/dropout.ts (a bijection; int32 in, int32 out). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  h = Math.imul(h, 0x735a2d97);
  return h ^ (h >>> 15);
}

/** The dropout hash of element `i` under keys k0, k1, as an unsigned 32-bit number. */
export function dropoutHash(i: number, k0: number, k1: number): number {
  return mix(mix((Math.imul(i, 0x9e3779b9) + k0) | 0) ^ k1) >>> 0;
}

/** The kernel's attributes: the two keys, the drop threshold (h < thr: dropped) and the kept scale. */
export interface DropoutAttrs {
  k0: number;
  k1: number;
  thr: number;
  scale: number;
}

/**
 * Writes the mask of elements [0, out.length) into `out`: `scale` where kept, 0 where dropped.
 * The same values the kernel multiplies by (for backends without a 'Dropout' kernel, and for
 * masks broadcast over a noise shape).
 */
export function dropoutMask(out: Float32Array, a: DropoutAttrs): Float32Array {
  const { k0, k1, thr, scale } = a;
  for (let i = 0; i < out.length; i++) out[i] = dropoutHash(i, k0, k1) >= thr ? scale : 0;
  return out;
}

/** The js backend's 'Dropout' kernel (the wasm backend replaces it with the SIMD one). */
export const dropoutDefs: CpuKernelDef[] = [
  {
    name: 'Dropout',
    outShape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
    run: ([x], out, _infos, attrs) => {
      const { k0, k1, thr, scale } = attrs as unknown as DropoutAttrs;
      // Float32Array stores round the double product once: the f32 product, as f32x4.mul.
      for (let i = 0; i < out.length; i++) out[i] = x[i] * (dropoutHash(i, k0, k1) >= thr ? scale : 0);
    },
  },
];
