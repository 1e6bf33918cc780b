// Winograd F(4x4, 3x3) convolution: 3x3 filters, unit strides and dilations, 2-d, channels-last.
//
//   winogradFilterF32(f, C, CO, u, flip)            u[36, Cin, Cout] = G g G^T per channel pair
//   winogradF32(g, x, u, bias, out, act, work, buf, chunk, tileStart, tileEnd)
//   winogradFilterGradF32(g, x, dy, df, work, buf, chunk, coStart, coEnd)
//   allFiniteF32(p, n)                              1: no NaN or infinity among n floats at p
//
// Why: a 3x3 convolution through im2col + GEMM spends 9 multiply-adds per input channel and
// output pixel; F(4x4, 3x3) computes each 4x4 output tile from a 6x6 input tile with 36 (4x
// fewer), as 36 independent GEMMs over the transformed tiles, plus transforms of the input tiles
// (V = B^T d B) and of the products (Y = A^T M A) that are a few additions and multiplications
// by small constants, SIMD across 4 channels. The forward's GEMMs are this module's packed GEMM;
// the filter gradient's (C x CO results summed over the tiles of a chunk, a short K that the
// packed GEMM ran at ~80% of this speed) are a 4 x 8 register tile over V and Z as they lie. F(2x2,
// 3x3) (16 products per 2x2 tile, 2.25x fewer than direct) ran here before: on the second
// mnist_cnn layer the GEMMs were ~80% of its time, and F(4x4, 3x3) does 1.78x fewer products
// (measured in src/backends/wasm/kernels/conv.ts, winogradFits). Rounding differs from the
// direct sum (each output is a sum of transformed products; the constants 1/6, 1/12, 1/24 and
// 2, 4, 8 make it ~1e-6 relative of the output's scale); the engine's tests compare against the
// js oracle within 1e-4.
//
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// The input gradient of a stride-1 3x3 convolution is itself one: a convolution of dy, padded
// by 2 - pad, with the filter turned by 180 degrees and its channel axes swapped (flip = 1).
//
// Geometry `g`: the conv geometry block (geom.ts); only N, H, W, C, OH, OW, CO, PH, PW are read
// here (the caller checks the rest: D = 1, 3x3, unit strides and dilations). C and CO must be
// multiples of 4 (the caller checks). Output tile t = (n * TH + th) * TW + tw, TH = ceil(OH/4),
// TW = ceil(OW/4), covers output rows 4th .. 4th+3 and columns 4tw .. 4tw+3 (those inside OH, OW).
//
// Ranges: output tiles [tileStart, tileEnd); a tile's outputs depend only on its own input
// tile and the GEMM rows of that tile, whose values do not depend on the row range, so any
// split gives the same bits. Scratch `buf`: TMP_B bytes of transform scratch, then
// 36 * chunk * (C + CO) floats (transformed tiles V and products M of `chunk` tiles); `work`: a
// GEMM workspace. Allocates nothing.

import { actScalar, gemmF32, madd } from './gemm';
import { Act } from './codes';
import { G_N, G_H, G_W, G_C, G_OH, G_OW, G_CO, G_PH, G_PW, gi } from './geom';

/** Bytes of transform scratch at the start of `buf`: two 6 x 6 blocks of v128. */
// @ts-ignore: decorator
@inline const TMP_B: usize = 1152;

// The 1-d transforms, on 4 channels at a time: 6 (or 4) vectors at p, p + ps, ... in, results
// at o, o + os, ...

/**
 * 1 when the n floats at p are all finite, 0 when one is a NaN or an infinity. The transforms
 * subtract (Inf - Inf = NaN) and mix a tile's values, so one non-finite input would turn outputs
 * that never read it into NaN: the caller takes im2col + GEMM for such inputs (as the js oracle).
 */
export function allFiniteF32(p: usize, n: i32): i32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    acc = f32x4.add(acc, f32x4.sub(v, v)); // 0 when finite, NaN (sticky) otherwise
  }
  if (v128.any_true(f32x4.ne(acc, acc))) return 0;
  for (; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2));
    if (x - x != 0) return 0;
  }
  return 1;
}

/** B^T d: the input transform of 6 values. */
// @ts-ignore: decorator
@inline function inT(p: usize, ps: usize, o: usize, os: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + ps), d2 = v128.load(p + 2 * ps);
  const d3 = v128.load(p + 3 * ps), d4 = v128.load(p + 4 * ps), d5 = v128.load(p + 5 * ps);
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  v128.store(o, f32x4.add(f32x4.sub(f32x4.mul(d0, four), f32x4.mul(d2, five)), d4));
  const a = f32x4.add(d3, d4), b = f32x4.mul(f32x4.add(d1, d2), four);
  v128.store(o + os, f32x4.sub(a, b));
  const c = f32x4.sub(d4, d3), e = f32x4.mul(f32x4.sub(d1, d2), four);
  v128.store(o + 2 * os, f32x4.add(c, e));
  const h = f32x4.sub(d4, d2), k = f32x4.mul(f32x4.sub(d3, d1), two);
  v128.store(o + 3 * os, f32x4.add(h, k));
  v128.store(o + 4 * os, f32x4.sub(h, k));
  v128.store(o + 5 * os, f32x4.add(f32x4.sub(f32x4.mul(d1, four), f32x4.mul(d3, five)), d5));
}

/** A^T m: the output transform of 6 values into 4. */
// @ts-ignore: decorator
@inline function outT(p: usize, ps: usize, o: usize, os: usize): void {
  const m0 = v128.load(p), m1 = v128.load(p + ps), m2 = v128.load(p + 2 * ps);
  const m3 = v128.load(p + 3 * ps), m4 = v128.load(p + 4 * ps), m5 = v128.load(p + 5 * ps);
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2), s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4);
  v128.store(o, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(o + os, f32x4.add(d12, f32x4.mul(d34, f32x4.splat(2))));
  v128.store(o + 2 * os, f32x4.add(s12, f32x4.mul(s34, f32x4.splat(4))));
  v128.store(o + 3 * os, f32x4.add(f32x4.add(d12, f32x4.mul(d34, f32x4.splat(8))), m5));
}

/** A y: the output gradient's transform of 4 values into 6 (the filter gradient). */
// @ts-ignore: decorator
@inline function dyT(p: usize, ps: usize, o: usize, os: usize): void {
  const y0 = v128.load(p), y1 = v128.load(p + ps), y2 = v128.load(p + 2 * ps), y3 = v128.load(p + 3 * ps);
  const four = f32x4.splat(4);
  const s02 = f32x4.add(y0, y2), s13 = f32x4.add(y1, y3);
  const f02 = f32x4.add(y0, f32x4.mul(y2, four));
  const f13 = f32x4.mul(f32x4.add(y1, f32x4.mul(y3, four)), f32x4.splat(2));
  v128.store(o, y0);
  v128.store(o + os, f32x4.add(s02, s13));
  v128.store(o + 2 * os, f32x4.sub(s02, s13));
  v128.store(o + 3 * os, f32x4.add(f02, f13));
  v128.store(o + 4 * os, f32x4.sub(f02, f13));
  v128.store(o + 5 * os, y3);
}

/** G g: the filter transform of 3 scalars into 6. */
// @ts-ignore: decorator
@inline function gT(p: usize, ps: usize, o: usize, os: usize): void {
  const g0 = load<f32>(p), g1 = load<f32>(p + ps), g2 = load<f32>(p + 2 * ps);
  const s = g0 + g2, q = g0 * (1.0 / 24) + g2 * (1.0 / 6), r = g1 * (1.0 / 12);
  store<f32>(o, g0 * 0.25);
  store<f32>(o + os, -(s + g1) * (1.0 / 6));
  store<f32>(o + 2 * os, -(s - g1) * (1.0 / 6));
  store<f32>(o + 3 * os, q + r);
  store<f32>(o + 4 * os, q - r);
  store<f32>(o + 5 * os, g2);
}

/** G^T w: the filter gradient's transform of 6 scalars into 3. */
// @ts-ignore: decorator
@inline function gtT(p: usize, ps: usize, o: usize, os: usize): void {
  const w0 = load<f32>(p), w1 = load<f32>(p + ps), w2 = load<f32>(p + 2 * ps);
  const w3 = load<f32>(p + 3 * ps), w4 = load<f32>(p + 4 * ps), w5 = load<f32>(p + 5 * ps);
  const s12 = w1 + w2, s34 = w3 + w4;
  store<f32>(o, w0 * 0.25 - s12 * (1.0 / 6) + s34 * (1.0 / 24));
  store<f32>(o + os, (w2 - w1) * (1.0 / 6) + (w3 - w4) * (1.0 / 12));
  store<f32>(o + 2 * os, (s34 - s12) * (1.0 / 6) + w5);
}

/**
 * u[xi, a, b] (xi = 6 * row + col of the 6x6 transform) for the 3x3 filter f [3, 3, C, CO]:
 * flip = 0: a < C, b < CO, the filter itself; flip = 1: a < CO, b < C, g[kh][kw] =
 * f[2 - kh, 2 - kw, b, a] (the input gradient's filter). Uses the 72 bytes (6 x 3 floats) at
 * u + 36 * A * B * 4 as scratch (the caller's block holds 36 * A * B floats and 18 more).
 */
export function winogradFilterF32(f: usize, C: i32, CO: i32, u: usize, flip: i32): void {
  const A = flip ? CO : C, B = flip ? C : CO;
  const planeB = <usize>A * <usize>B << 2;
  const tapB = <usize>C * <usize>CO << 2;
  const t = u + 36 * planeB; // 6 x 3 floats: G g
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const c = flip ? b : a, co = flip ? a : b;
      const base = f + ((<usize>c * <usize>CO + <usize>co) << 2);
      // g[kh][kw] at p0 + kh * rs + kw * cs: the filter, or its 180-degree turn.
      const p0 = flip ? base + 8 * tapB : base;
      const cs = flip ? -tapB : tapB;
      // G g: each column kw of g.
      for (let kw = 0; kw < 3; kw++) gT(p0 + <usize>kw * cs, 3 * cs, t + (<usize>kw << 2), 12);
      // (G g) G^T: each row of G g, into the 6 planes of that row.
      const o = u + ((<usize>a * <usize>B + <usize>b) << 2);
      for (let i = 0; i < 6; i++) gT(t + <usize>i * 12, 4, o + <usize>(6 * i) * planeB, planeB);
    }
  }
}

/** V[xi][tl][c] = (B^T d B)[xi] of the 6x6 input windows of tiles [t0, t0 + T) (zero outside). */
function inputTransform(g: usize, x: usize, tmp: usize, vB: usize, t0: i32, T: i32): void {
  const H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW);
  const PH = gi(g, G_PH), PW = gi(g, G_PW);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const imgB = <usize>H * <usize>W * <usize>C << 2;
  const rowB = <usize>W * <usize>C << 2;
  const pixB = <usize>C << 2;
  const vPlane = <usize>T * <usize>C << 2;
  const rT = tmp + 576; // d B, 6 x 6 vectors
  const win = tmp + TMP_B; // a border tile's window, 36 * C floats
  let tw = t0 % TW;
  let q = t0 / TW;
  let th = q % TH;
  let n = q / TH;
  for (let tl = 0; tl < T; tl++) {
    const ih0 = 4 * th - PH, iw0 = 4 * tw - PW;
    const xn = x + <usize>n * imgB;
    const inside = ih0 >= 0 && ih0 + 6 <= H && iw0 >= 0 && iw0 + 6 <= W;
    const vt = vB + (<usize>tl * <usize>C << 2);
    // The window: straight from x, or (a border tile) copied row by row into `win` (6 x 6 x C
    // floats) with zeros outside the input.
    let src = xn + <usize>ih0 * rowB + <usize>iw0 * pixB, rs = rowB;
    if (!inside) {
      const j0 = max(0, -iw0), j1 = min(6, W - iw0);
      for (let i = 0; i < 6; i++) {
        const d = win + <usize>(6 * i) * pixB, ih = ih0 + i;
        if (<u32>ih < <u32>H && j0 < j1) {
          memory.fill(d, 0, <usize>j0 * pixB);
          memory.copy(d + <usize>j0 * pixB, xn + <usize>ih * rowB + <usize>(iw0 + j0) * pixB, <usize>(j1 - j0) * pixB);
          memory.fill(d + <usize>j1 * pixB, 0, <usize>(6 - j1) * pixB);
        } else {
          memory.fill(d, 0, 6 * pixB);
        }
      }
      src = win; rs = 6 * pixB;
    }
    for (let c = 0; c < C; c += 4) {
      const cb = <usize>c << 2;
      // Rows: (d B)[i] = B^T applied to row i; then columns: V[:, j] = B^T (d B)[:, j].
      for (let i = 0; i < 6; i++) inT(src + cb + <usize>i * rs, pixB, rT + <usize>i * 96, 16);
      const o = vt + cb;
      for (let j = 0; j < 6; j++) inT(rT + <usize>j * 16, 96, o + <usize>j * vPlane, 6 * vPlane);
    }
    if (++tw == TW) {
      tw = 0;
      if (++th == TH) {
        th = 0;
        n++;
      }
    }
  }
}

/** Output tiles [tileStart, tileEnd) of the 3x3 stride-1 convolution with transformed filter u. */
export function winogradF32(g: usize, x: usize, u: usize, bias: usize, out: usize, act: i32,
  work: usize, buf: usize, chunk: i32, tileStart: i32, tileEnd: i32): void {
  const C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const tmp = buf;
  const vB = buf + TMP_B + <usize>C * 144; // after the transform scratch and a window of C channels
  const mB = vB + (<usize>36 * <usize>chunk * <usize>C << 2);
  const relu = act == Act.Relu || act == Act.Relu6, six = act == Act.Relu6;
  const slow = act == Act.Sigmoid || act == Act.Tanh;
  const zero = f32x4.splat(0);
  const orowB = <usize>OW * <usize>CO << 2;
  const opixB = <usize>CO << 2;
  const uPlane = <usize>C * <usize>CO << 2;
  for (let t0 = tileStart; t0 < tileEnd; t0 += chunk) {
    const T = min(chunk, tileEnd - t0);
    const vPlane = <usize>T * <usize>C << 2; // bytes of one V[xi] (T x C)
    const mPlane = <usize>T * <usize>CO << 2;
    inputTransform(g, x, tmp, vB, t0, T);
    // 36 GEMMs: M[xi] (T x CO) = V[xi] (T x C) x U[xi] (C x CO).
    for (let xi = 0; xi < 36; xi++) {
      gemmF32(0, 0, T, CO, C, vB + <usize>xi * vPlane, C, u + <usize>xi * uPlane, CO,
        mB + <usize>xi * mPlane, CO, 0, Act.Linear, 0, work, 0, T, 0, CO);
    }
    // Output transform: Y = A^T M A, + bias, activation; the outputs inside OH x OW.
    let tw = t0 % TW;
    let q = t0 / TW;
    let th = q % TH;
    let n = q / TH;
    for (let tl = 0; tl < T; tl++) {
      const oh = 4 * th, ow = 4 * tw;
      const rows = min(4, OH - oh), cols = min(4, OW - ow);
      const ob = out + <usize>n * <usize>OH * orowB + <usize>oh * orowB + <usize>ow * opixB;
      const mt = mB + (<usize>tl * <usize>CO << 2);
      for (let co = 0; co < CO; co += 4) {
        const cb = <usize>co << 2;
        // Rows: S[i] = A^T applied to M's row i (6 -> 4); columns: Y[:, j] = A^T S[:, j].
        for (let i = 0; i < 6; i++) outT(mt + cb + <usize>(6 * i) * mPlane, mPlane, tmp + <usize>i * 64, 16);
        for (let j = 0; j < 4; j++) outT(tmp + <usize>j * 16, 64, tmp + 384 + <usize>j * 16, 64);
        const bv = bias != 0 ? v128.load(bias + cb) : zero;
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let y = f32x4.add(v128.load(tmp + 384 + <usize>(4 * i + j) * 16), bv);
            if (relu) {
              y = f32x4.max(y, zero);
              if (six) y = f32x4.min(y, f32x4.splat(6));
            }
            v128.store(ob + <usize>i * orowB + <usize>j * opixB + cb, y);
          }
        }
      }
      if (slow) {
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const r = ob + <usize>i * orowB + <usize>j * opixB;
            for (let co = 0; co < CO; co++) store<f32>(r + (<usize>co << 2), actScalar(load<f32>(r + (<usize>co << 2)), act));
          }
        }
      }
      if (++tw == TW) {
        tw = 0;
        if (++th == TH) {
          th = 0;
          n++;
        }
      }
    }
  }
}

/**
 * Columns [coStart, coEnd) of the filter gradient df [3, 3, C, CO] of the 3x3 stride-1
 * convolution of x with output gradient dy [N, OH, OW, CO]:
 *   df = G^T (sum over tiles of V_t (.) (A dY_t A^T)) G
 * with V_t = B^T d_t B the forward's input tiles and dY_t the tile's 4x4 output gradient (zero
 * past OH, OW). Per chunk of tiles: the input transform (all C channels), the dy transform for
 * this column range, then for each of the 36 positions W[xi] (C x CW) += V[xi]^T Z[xi] (each
 * element: its running sum, then the chunk's tiles added in order); last, G^T W G per channel
 * pair. Chunks start at tile 0 whatever the column range and columns do not depend on each
 * other, so a split by columns gives the same bits. `work` is not used (the call's shape). coStart and coEnd must be multiples of 4 (or CO).
 * buf: TMP_B bytes, then V (36 x chunk x C), Z (36 x chunk x CW) and W (36 x C x CW) floats.
 */
export function winogradFilterGradF32(g: usize, x: usize, dy: usize, df: usize, work: usize,
  buf: usize, chunk: i32, coStart: i32, coEnd: i32): void {
  const N = gi(g, G_N), C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const tiles = N * TH * TW;
  const CW = coEnd - coStart;
  if (CW <= 0) return;
  const tmp = buf;
  const vB = buf + TMP_B + <usize>C * 144; // after the transform scratch and a window of C channels
  const zB = vB + (<usize>36 * <usize>chunk * <usize>C << 2);
  const wB = zB + (<usize>36 * <usize>chunk * <usize>CW << 2);
  const wPlane = <usize>C * <usize>CW << 2;
  if (tiles == 0) memory.fill(wB, 0, 36 * wPlane);
  const orowB = <usize>OW * <usize>CO << 2;
  const opixB = <usize>CO << 2;
  const zero = f32x4.splat(0);
  for (let t0 = 0; t0 < tiles; t0 += chunk) {
    const T = min(chunk, tiles - t0);
    inputTransform(g, x, tmp, vB, t0, T);
    // Z[xi][tl][j] = (A dY A^T)[xi] for columns coStart + j.
    const zPlane = <usize>T * <usize>CW << 2;
    let tw = t0 % TW;
    let q = t0 / TW;
    let th = q % TH;
    let n = q / TH;
    for (let tl = 0; tl < T; tl++) {
      const oh = 4 * th, ow = 4 * tw;
      const rows = min(4, OH - oh), cols = min(4, OW - ow);
      const full = rows == 4 && cols == 4;
      const ob = dy + <usize>n * <usize>OH * orowB + <usize>oh * orowB + <usize>ow * opixB;
      const zt = zB + (<usize>tl * <usize>CW << 2);
      for (let j = 0; j < CW; j += 4) {
        const cb = <usize>(coStart + j) << 2;
        let src = ob + cb, rs = orowB, cs = opixB;
        if (!full) {
          // A ragged tile: dy gathered into tmp with zeros past OH, OW.
          for (let i = 0; i < 4; i++)
            for (let k = 0; k < 4; k++)
              v128.store(tmp + <usize>(4 * i + k) * 16, i < rows && k < cols ? v128.load(ob + <usize>i * orowB + <usize>k * opixB + cb) : zero);
          src = tmp; rs = 64; cs = 16;
        }
        // Rows: (dY A^T)[i] (4 -> 6); columns: Z[:, k] = A (dY A^T)[:, k].
        const r = tmp + 256;
        for (let i = 0; i < 4; i++) dyT(src + <usize>i * rs, cs, r + <usize>i * 96, 16);
        const o = zt + (<usize>j << 2);
        for (let k = 0; k < 6; k++) dyT(r + <usize>k * 16, 96, o + <usize>k * zPlane, 6 * zPlane);
      }
      if (++tw == TW) {
        tw = 0;
        if (++th == TH) {
          th = 0;
          n++;
        }
      }
    }
    // W[xi] (C x CW) (+)= V[xi]^T (C x T) x Z[xi] (T x CW), straight from V's and Z's rows: 4
    // channels x 8 columns a register tile, the tiles added in order onto W (zero at the first
    // chunk). With CW % 8 == 4 the last tile reads 4 columns past a Z row (in bounds: the next
    // row or plane, or W) into lanes that are not stored.
    const vPlane = <usize>T * <usize>C << 2;
    const lvB = <usize>C << 2, lzB = <usize>CW << 2;
    const first = t0 == 0;
    for (let xi = 0; xi < 36; xi++) {
      const vX = vB + <usize>xi * vPlane, zX = zB + <usize>xi * zPlane, wX = wB + <usize>xi * wPlane;
      for (let c = 0; c < C; c += 4) {
        for (let j = 0; j < CW; j += 8) {
          const w8 = CW - j >= 8;
          const o = wX + ((<usize>c * <usize>CW + <usize>j) << 2);
          let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
          if (!first) {
            c00 = v128.load(o); c10 = v128.load(o + lzB); c20 = v128.load(o + 2 * lzB); c30 = v128.load(o + 3 * lzB);
            if (w8) { c01 = v128.load(o, 16); c11 = v128.load(o + lzB, 16); c21 = v128.load(o + 2 * lzB, 16); c31 = v128.load(o + 3 * lzB, 16); }
          }
          let pa = vX + (<usize>c << 2), pb = zX + (<usize>j << 2);
          const end = pb + <usize>T * lzB;
          while (pb < end) {
            const b0 = v128.load(pb), b1 = v128.load(pb, 16);
            let a = v128.load32_splat(pa);
            c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
            a = v128.load32_splat(pa, 4);
            c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
            a = v128.load32_splat(pa, 8);
            c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
            a = v128.load32_splat(pa, 12);
            c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
            pa += lvB;
            pb += lzB;
          }
          v128.store(o, c00); v128.store(o + lzB, c10); v128.store(o + 2 * lzB, c20); v128.store(o + 3 * lzB, c30);
          if (w8) { v128.store(o, c01, 16); v128.store(o + lzB, c11, 16); v128.store(o + 2 * lzB, c21, 16); v128.store(o + 3 * lzB, c31, 16); }
        }
      }
    }
  }
  // df[kh][kw][c][co] = (G^T W G)[kh][kw]: P = G^T W (3 x 6, in tmp), then P G per row.
  const tapB = <usize>C * <usize>CO << 2;
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < CW; j++) {
      const w = wB + ((<usize>c * <usize>CW + <usize>j) << 2);
      for (let k = 0; k < 6; k++) gtT(w + <usize>k * wPlane, 6 * wPlane, tmp + (<usize>k << 2), 24);
      const o = df + ((<usize>c * <usize>CO + <usize>(coStart + j)) << 2);
      for (let i = 0; i < 3; i++) gtT(tmp + <usize>i * 24, 4, o + <usize>(3 * i) * tapB, tapB);
    }
  }
}
