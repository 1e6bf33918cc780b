// Dropout in one pass: the mask is drawn and applied by the same SIMD loop, nothing is stored.
//
//   dropoutF32(x, out, k0, k1, thr, scale, start, end)
//     out[i] = x[i] * (h(i) >= thr ? scale : 0)   for i in [start, end)
//
// h(i) is a counter-based hash of the flat element index i under two 32-bit keys (the caller
// draws k0, k1 from the layer's seeded Rng once per call):
//
//   h(i) = mix(mix(i * 0x9e3779b9 + k0) ^ k1)     (all arithmetic mod 2^32)
//   mix(h): h ^= h >>> 16; h *= 0x21f0aaad; h ^= h >>> 15; h *= 0x735a2d97; h ^= h >>> 15
//
// mix is a bijection of u32 with low bias (hash-prospector's two-multiply triple). An element is
// dropped when h(i) < thr (unsigned), so P(drop) = thr / 2^32: the caller passes
// thr = round(rate * 2^32). Why a hash of the index and not a stream generator: every element's
// draw depends on i and the keys alone, so any split of [start, end) over threads gives the same
// bits, and the backward pass regenerates the mask (the gradient is this kernel applied to dy with
// the same keys) instead of keeping it. The js oracle (src/backends/js/kernels/dropout.ts) computes
// the same h with Math.imul, bit for bit.
//
// The kept value is x * scale (scale = f32(1 / (1 - rate))), the dropped one x * 0 (so NaN and
// infinities propagate as with a mask multiply). The 1..3 element tail goes through the same
// vector body on a partly filled v128, so results do not depend on where a range starts.

import { loadTail, storeTail } from './simdmath';

const GOLDEN: i32 = 0x9e3779b9;

// The multipliers are splatted once per call and passed in: V8 rebuilds a v128 constant written
// inside the loop from immediates on every iteration.
@inline function mix(h: v128, m1: v128, m2: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, m1);
  h = v128.xor(h, i32x4.shr_u(h, 15));
  h = i32x4.mul(h, m2);
  return v128.xor(h, i32x4.shr_u(h, 15));
}

/** x * (h >= thr ? scale : 0) for the 4 lanes whose counters times GOLDEN are `c`. */
@inline function apply(xv: v128, c: v128, k0: v128, k1: v128, thr: v128, scale: v128, m1: v128, m2: v128): v128 {
  const h = mix(v128.xor(mix(i32x4.add(c, k0), m1, m2), k1), m1, m2);
  return f32x4.mul(xv, v128.and(i32x4.ge_u(h, thr), scale));
}

export function dropoutF32(x: usize, out: usize, k0: i32, k1: i32, thr: i32, scale: f32, start: i32, end: i32): void {
  const vk0 = i32x4.splat(k0);
  const vk1 = i32x4.splat(k1);
  const vthr = i32x4.splat(thr);
  const vscale = f32x4.splat(scale);
  const m1 = i32x4.splat(0x21f0aaad);
  const m2 = i32x4.splat(0x735a2d97);
  // c = i * GOLDEN for the lanes i, i+1, i+2, i+3, advanced by 4 * GOLDEN (mod 2^32, as a multiply).
  let c = i32x4.mul(i32x4.add(i32x4.splat(start), i32x4(0, 1, 2, 3)), i32x4.splat(GOLDEN));
  const step = i32x4.splat(GOLDEN * 4);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const off = (<usize>i) << 2;
    v128.store(out + off, apply(v128.load(x + off), c, vk0, vk1, vthr, vscale, m1, m2));
    c = i32x4.add(c, step);
  }
  const n = end - i;
  if (n > 0) {
    const off = (<usize>i) << 2;
    storeTail(out + off, apply(loadTail(x + off, n), c, vk0, vk1, vthr, vscale, m1, m2), n);
  }
}
