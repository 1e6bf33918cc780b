// Winograd F(2x2, 3x3) convolution: 3x3 filters, unit strides and dilations, 2-d, channels-last.
//
//   winogradFilterF32(f, C, CO, u, flip)            u[16, Cin, Cout] = G g G^T per channel pair
//   winogradF32(g, x, u, bias, out, act, work, buf, chunk, tileStart, tileEnd)
//   winogradFilterGradF32(g, x, dy, df, work, buf, chunk, coStart, coEnd)
//
// Why: a 3x3 convolution through im2col + GEMM spends 9 multiply-adds per input channel and
// output pixel; F(2x2, 3x3) computes each 2x2 output tile from a 4x4 input tile with 16 (2.25x
// fewer), as 16 independent GEMMs over the transformed tiles, plus additions-only transforms
// of the input tiles (V = B^T d B) and of the products (Y = A^T M A). The GEMMs are this
// module's packed GEMM; the transforms are SIMD across 4 channels. On the second mnist_cnn layer
// it runs the forward 1.8x, the input gradient 1.5x and the filter gradient 1.9x faster than
// im2col + GEMM (numbers in
// src/backends/wasm/kernels/conv.ts, winogradFits). Rounding differs from the
// direct sum (each output is a sum of transformed products, ~1e-6 relative here); the engine's
// tests compare against the js oracle within 1e-4.
//
// The input gradient of a stride-1 3x3 convolution is itself one: a convolution of dy, padded
// by 2 - pad, with the filter turned by 180 degrees and its channel axes swapped (flip = 1).
//
// Geometry `g`: the conv geometry block (geom.ts); only N, H, W, C, OH, OW, CO, PH, PW are read
// here (the caller checks the rest: D = 1, 3x3, unit strides and dilations). C and CO must be
// multiples of 4 (the caller checks). Output tile t = (n * TH + th) * TW + tw, TH = ceil(OH/2),
// TW = ceil(OW/2), covers output rows 2th, 2th+1 and columns 2tw, 2tw+1 (those inside OH, OW).
//
// Ranges: output tiles [tileStart, tileEnd); a tile's outputs depend only on its own input
// tile and the GEMM rows of that tile, whose values do not depend on the row range, so any
// split gives the same bits. Scratch `buf`: 16 * chunk * (C + CO) floats (transformed tiles V
// and products M of `chunk` tiles); `work`: a GEMM workspace. Allocates nothing.

import { actScalar, gemmF32 } from './gemm';
import { Act } from './codes';
import { G_N, G_H, G_W, G_C, G_OH, G_OW, G_CO, G_PH, G_PW, gi } from './geom';


/**
 * u[xi, a, b] (xi = 4 * row + col of the 4x4 transform) for the 3x3 filter f [3, 3, C, CO]:
 * flip = 0: a < C, b < CO, the filter itself; flip = 1: a < CO, b < C, g[kh][kw] =
 * f[2 - kh, 2 - kw, b, a] (the input gradient's filter).
 */
export function winogradFilterF32(f: usize, C: i32, CO: i32, u: usize, flip: i32): void {
  const A = flip ? CO : C, B = flip ? C : CO;
  const planeB = <usize>A * <usize>B << 2;
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      // g[kh][kw] of this channel pair.
      let g00: f32, g01: f32, g02: f32, g10: f32, g11: f32, g12: f32, g20: f32, g21: f32, g22: f32;
      const c = flip ? b : a, co = flip ? a : b;
      const base = f + ((<usize>c * <usize>CO + <usize>co) << 2);
      const tapB = <usize>C * <usize>CO << 2;
      if (flip) {
        g00 = load<f32>(base + 8 * tapB); g01 = load<f32>(base + 7 * tapB); g02 = load<f32>(base + 6 * tapB);
        g10 = load<f32>(base + 5 * tapB); g11 = load<f32>(base + 4 * tapB); g12 = load<f32>(base + 3 * tapB);
        g20 = load<f32>(base + 2 * tapB); g21 = load<f32>(base + 1 * tapB); g22 = load<f32>(base);
      } else {
        g00 = load<f32>(base); g01 = load<f32>(base + tapB); g02 = load<f32>(base + 2 * tapB);
        g10 = load<f32>(base + 3 * tapB); g11 = load<f32>(base + 4 * tapB); g12 = load<f32>(base + 5 * tapB);
        g20 = load<f32>(base + 6 * tapB); g21 = load<f32>(base + 7 * tapB); g22 = load<f32>(base + 8 * tapB);
      }
      // Gg (4 x 3): rows g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2 (per column).
      const r00 = g00, r01 = g01, r02 = g02;
      const r10 = (g00 + g10 + g20) * 0.5, r11 = (g01 + g11 + g21) * 0.5, r12 = (g02 + g12 + g22) * 0.5;
      const r20 = (g00 - g10 + g20) * 0.5, r21 = (g01 - g11 + g21) * 0.5, r22 = (g02 - g12 + g22) * 0.5;
      const r30 = g20, r31 = g21, r32 = g22;
      // (Gg) G^T (4 x 4): each row [a0, (a0 + a1 + a2)/2, (a0 - a1 + a2)/2, a2].
      const o = u + ((<usize>a * <usize>B + <usize>b) << 2);
      store<f32>(o, r00); store<f32>(o + planeB, (r00 + r01 + r02) * 0.5);
      store<f32>(o + 2 * planeB, (r00 - r01 + r02) * 0.5); store<f32>(o + 3 * planeB, r02);
      store<f32>(o + 4 * planeB, r10); store<f32>(o + 5 * planeB, (r10 + r11 + r12) * 0.5);
      store<f32>(o + 6 * planeB, (r10 - r11 + r12) * 0.5); store<f32>(o + 7 * planeB, r12);
      store<f32>(o + 8 * planeB, r20); store<f32>(o + 9 * planeB, (r20 + r21 + r22) * 0.5);
      store<f32>(o + 10 * planeB, (r20 - r21 + r22) * 0.5); store<f32>(o + 11 * planeB, r22);
      store<f32>(o + 12 * planeB, r30); store<f32>(o + 13 * planeB, (r30 + r31 + r32) * 0.5);
      store<f32>(o + 14 * planeB, (r30 - r31 + r32) * 0.5); store<f32>(o + 15 * planeB, r32);
    }
  }
}

/** The 4 channels at input (ih, iw) of the image at xn, or zeros outside the input. */
// @ts-ignore: decorator
@inline function at(xn: usize, ih: i32, iw: i32, H: i32, W: i32, rowB: usize, pixB: usize, cb: usize): v128 {
  return <u32>ih < <u32>H && <u32>iw < <u32>W ? v128.load(xn + <usize>ih * rowB + <usize>iw * pixB + cb) : f32x4.splat(0);
}

/** V[xi][tl][c] = (B^T d B)[xi] of the 4x4 input windows of tiles [t0, t0 + T) (zero outside). */
function inputTransform(g: usize, x: usize, vB: usize, t0: i32, T: i32): void {
  const H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW);
  const PH = gi(g, G_PH), PW = gi(g, G_PW);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const imgB = <usize>H * <usize>W * <usize>C << 2;
  const rowB = <usize>W * <usize>C << 2;
  const pixB = <usize>C << 2;
  const zero = f32x4.splat(0);
  const vPlane = <usize>T * <usize>C << 2;
  let tw = t0 % TW;
  let q = t0 / TW;
  let th = q % TH;
  let n = q / TH;
    for (let tl = 0; tl < T; tl++) {
      const ih0 = 2 * th - PH, iw0 = 2 * tw - PW;
      const xn = x + <usize>n * imgB;
      const inside = ih0 >= 0 && ih0 + 4 <= H && iw0 >= 0 && iw0 + 4 <= W;
      const vt = vB + (<usize>tl * <usize>C << 2);
      for (let c = 0; c < C; c += 4) {
        let d00 = zero, d01 = zero, d02 = zero, d03 = zero;
        let d10 = zero, d11 = zero, d12 = zero, d13 = zero;
        let d20 = zero, d21 = zero, d22 = zero, d23 = zero;
        let d30 = zero, d31 = zero, d32 = zero, d33 = zero;
        const cb = <usize>c << 2;
        if (inside) {
          let p = xn + <usize>ih0 * rowB + <usize>iw0 * pixB + cb;
          d00 = v128.load(p); d01 = v128.load(p + pixB); d02 = v128.load(p + 2 * pixB); d03 = v128.load(p + 3 * pixB);
          p += rowB;
          d10 = v128.load(p); d11 = v128.load(p + pixB); d12 = v128.load(p + 2 * pixB); d13 = v128.load(p + 3 * pixB);
          p += rowB;
          d20 = v128.load(p); d21 = v128.load(p + pixB); d22 = v128.load(p + 2 * pixB); d23 = v128.load(p + 3 * pixB);
          p += rowB;
          d30 = v128.load(p); d31 = v128.load(p + pixB); d32 = v128.load(p + 2 * pixB); d33 = v128.load(p + 3 * pixB);
        } else {
          // Border tile: positions outside the input read 0.
          const r0 = ih0, r1 = ih0 + 1, r2 = ih0 + 2, r3 = ih0 + 3;
          const q0 = iw0, q1 = iw0 + 1, q2 = iw0 + 2, q3 = iw0 + 3;
          d00 = at(xn, r0, q0, H, W, rowB, pixB, cb); d01 = at(xn, r0, q1, H, W, rowB, pixB, cb);
          d02 = at(xn, r0, q2, H, W, rowB, pixB, cb); d03 = at(xn, r0, q3, H, W, rowB, pixB, cb);
          d10 = at(xn, r1, q0, H, W, rowB, pixB, cb); d11 = at(xn, r1, q1, H, W, rowB, pixB, cb);
          d12 = at(xn, r1, q2, H, W, rowB, pixB, cb); d13 = at(xn, r1, q3, H, W, rowB, pixB, cb);
          d20 = at(xn, r2, q0, H, W, rowB, pixB, cb); d21 = at(xn, r2, q1, H, W, rowB, pixB, cb);
          d22 = at(xn, r2, q2, H, W, rowB, pixB, cb); d23 = at(xn, r2, q3, H, W, rowB, pixB, cb);
          d30 = at(xn, r3, q0, H, W, rowB, pixB, cb); d31 = at(xn, r3, q1, H, W, rowB, pixB, cb);
          d32 = at(xn, r3, q2, H, W, rowB, pixB, cb); d33 = at(xn, r3, q3, H, W, rowB, pixB, cb);
        }
        // t = B^T d (rows): t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3.
        const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
        const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
        const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
        const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
        // V = t B (columns, the same pattern), stored per xi = 4i + j.
        let o = vt + cb;
        v128.store(o, f32x4.sub(t00, t02)); o += vPlane;
        v128.store(o, f32x4.add(t01, t02)); o += vPlane;
        v128.store(o, f32x4.sub(t02, t01)); o += vPlane;
        v128.store(o, f32x4.sub(t01, t03)); o += vPlane;
        v128.store(o, f32x4.sub(t10, t12)); o += vPlane;
        v128.store(o, f32x4.add(t11, t12)); o += vPlane;
        v128.store(o, f32x4.sub(t12, t11)); o += vPlane;
        v128.store(o, f32x4.sub(t11, t13)); o += vPlane;
        v128.store(o, f32x4.sub(t20, t22)); o += vPlane;
        v128.store(o, f32x4.add(t21, t22)); o += vPlane;
        v128.store(o, f32x4.sub(t22, t21)); o += vPlane;
        v128.store(o, f32x4.sub(t21, t23)); o += vPlane;
        v128.store(o, f32x4.sub(t30, t32)); o += vPlane;
        v128.store(o, f32x4.add(t31, t32)); o += vPlane;
        v128.store(o, f32x4.sub(t32, t31)); o += vPlane;
        v128.store(o, f32x4.sub(t31, t33));
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
  const H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const PH = gi(g, G_PH), PW = gi(g, G_PW);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const vB = buf;
  const mB = buf + (<usize>16 * <usize>chunk * <usize>C << 2);
  const relu = act == Act.Relu || act == Act.Relu6, six = act == Act.Relu6;
  const slow = act == Act.Sigmoid || act == Act.Tanh;
  const zero = f32x4.splat(0);
  for (let t0 = tileStart; t0 < tileEnd; t0 += chunk) {
    const T = min(chunk, tileEnd - t0);
    const vPlane = <usize>T * <usize>C << 2; // bytes of one V[xi] (T x C)
    const mPlane = <usize>T * <usize>CO << 2;
    inputTransform(g, x, vB, t0, T);
    // 16 GEMMs: M[xi] (T x CO) = V[xi] (T x C) x U[xi] (C x CO).
    const uPlane = <usize>C * <usize>CO << 2;
    for (let xi = 0; xi < 16; xi++) {
      gemmF32(0, 0, T, CO, C, vB + <usize>xi * vPlane, C, u + <usize>xi * uPlane, CO,
        mB + <usize>xi * mPlane, CO, 0, Act.Linear, 0, work, 0, T, 0, CO);
    }
    // Output transform: Y = A^T M A, + bias, activation; the 2x2 outputs inside OH x OW.
    let tw = t0 % TW;
    let q = t0 / TW;
    let th = q % TH;
    let n = q / TH;
    const orowB = <usize>OW * <usize>CO << 2;
    const opixB = <usize>CO << 2;
    for (let tl = 0; tl < T; tl++) {
      const oh = 2 * th, ow = 2 * tw;
      const has01 = ow + 1 < OW, has10 = oh + 1 < OH;
      const ob = out + <usize>n * <usize>OH * orowB + <usize>oh * orowB + <usize>ow * opixB;
      const mt = mB + (<usize>tl * <usize>CO << 2);
      for (let co = 0; co < CO; co += 4) {
        const cb = <usize>co << 2;
        let p = mt + cb;
        const m00 = v128.load(p); p += mPlane; const m01 = v128.load(p); p += mPlane;
        const m02 = v128.load(p); p += mPlane; const m03 = v128.load(p); p += mPlane;
        const m10 = v128.load(p); p += mPlane; const m11 = v128.load(p); p += mPlane;
        const m12 = v128.load(p); p += mPlane; const m13 = v128.load(p); p += mPlane;
        const m20 = v128.load(p); p += mPlane; const m21 = v128.load(p); p += mPlane;
        const m22 = v128.load(p); p += mPlane; const m23 = v128.load(p); p += mPlane;
        const m30 = v128.load(p); p += mPlane; const m31 = v128.load(p); p += mPlane;
        const m32 = v128.load(p); p += mPlane; const m33 = v128.load(p);
        // s = A^T M (rows): s0 = m0 + m1 + m2, s1 = m1 - m2 - m3.
        const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
        const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
        const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
        const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
        // Y = s A (columns).
        let y00 = f32x4.add(f32x4.add(s00, s01), s02), y01 = f32x4.sub(f32x4.sub(s01, s02), s03);
        let y10 = f32x4.add(f32x4.add(s10, s11), s12), y11 = f32x4.sub(f32x4.sub(s11, s12), s13);
        if (bias != 0) {
          const bv = v128.load(bias + cb);
          y00 = f32x4.add(y00, bv); y01 = f32x4.add(y01, bv); y10 = f32x4.add(y10, bv); y11 = f32x4.add(y11, bv);
        }
        if (relu) {
          y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
          if (six) {
            const m = f32x4.splat(6);
            y00 = f32x4.min(y00, m); y01 = f32x4.min(y01, m); y10 = f32x4.min(y10, m); y11 = f32x4.min(y11, m);
          }
        }
        v128.store(ob + cb, y00);
        if (has01) v128.store(ob + opixB + cb, y01);
        if (has10) {
          v128.store(ob + orowB + cb, y10);
          if (has01) v128.store(ob + orowB + opixB + cb, y11);
        }
      }
      if (slow) {
        for (let i = 0; i < 2; i++) {
          if (oh + i >= OH) continue;
          for (let j = 0; j < 2; j++) {
            if (ow + j >= OW) continue;
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
 * with V_t = B^T d_t B the forward's input tiles and dY_t the tile's 2x2 output gradient (zero
 * past OH, OW). Per chunk of tiles: the input transform (all C channels), the dy transform for
 * this column range, then for each of the 16 positions W[xi] (C x CW) += V[xi]^T Yt[xi] (the
 * GEMM with beta = 1 after the first chunk); last, G^T W G per channel pair. Chunks start at
 * tile 0 whatever the column range and the GEMM's columns do not depend on each other, so a
 * split by columns gives the same bits. coStart and coEnd must be multiples of 4 (or CO).
 * buf: V (16 x chunk x C), Yt (16 x chunk x CW) and W (16 x C x CW) floats.
 */
export function winogradFilterGradF32(g: usize, x: usize, dy: usize, df: usize, work: usize,
  buf: usize, chunk: i32, coStart: i32, coEnd: i32): void {
  const N = gi(g, G_N), C = gi(g, G_C);
  const OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const tiles = N * TH * TW;
  const CW = coEnd - coStart;
  if (CW <= 0) return;
  const vB = buf;
  const yB = vB + (<usize>16 * <usize>chunk * <usize>C << 2);
  const wB = yB + (<usize>16 * <usize>chunk * <usize>CW << 2);
  const wPlane = <usize>C * <usize>CW << 2;
  if (tiles == 0) memory.fill(wB, 0, 16 * wPlane);
  const orowB = <usize>OW * <usize>CO << 2;
  const opixB = <usize>CO << 2;
  const zero = f32x4.splat(0);
  for (let t0 = 0; t0 < tiles; t0 += chunk) {
    const T = min(chunk, tiles - t0);
    inputTransform(g, x, vB, t0, T);
    // Yt[xi][tl][j] = (A dY A^T)[xi] for columns coStart + j.
    const yPlane = <usize>T * <usize>CW << 2;
    let tw = t0 % TW;
    let q = t0 / TW;
    let th = q % TH;
    let n = q / TH;
    for (let tl = 0; tl < T; tl++) {
      const oh = 2 * th, ow = 2 * tw;
      const has01 = ow + 1 < OW, has10 = oh + 1 < OH;
      const ob = dy + <usize>n * <usize>OH * orowB + <usize>oh * orowB + <usize>ow * opixB;
      const yt = yB + (<usize>tl * <usize>CW << 2);
      for (let j = 0; j < CW; j += 4) {
        const cb = <usize>(coStart + j) << 2;
        const y00 = v128.load(ob + cb);
        const y01 = has01 ? v128.load(ob + opixB + cb) : zero;
        const y10 = has10 ? v128.load(ob + orowB + cb) : zero;
        const y11 = has10 && has01 ? v128.load(ob + orowB + opixB + cb) : zero;
        // z = A y (4 x 2): rows y0, y0 + y1, y0 - y1, -y1.
        const z00 = y00, z01 = y01;
        const z10 = f32x4.add(y00, y10), z11 = f32x4.add(y01, y11);
        const z20 = f32x4.sub(y00, y10), z21 = f32x4.sub(y01, y11);
        const z30 = f32x4.neg(y10), z31 = f32x4.neg(y11);
        // Yt = z A^T (4 x 4): each row [a0, a0 + a1, a0 - a1, -a1].
        let o = yt + (<usize>j << 2);
        v128.store(o, z00); o += yPlane;
        v128.store(o, f32x4.add(z00, z01)); o += yPlane;
        v128.store(o, f32x4.sub(z00, z01)); o += yPlane;
        v128.store(o, f32x4.neg(z01)); o += yPlane;
        v128.store(o, z10); o += yPlane;
        v128.store(o, f32x4.add(z10, z11)); o += yPlane;
        v128.store(o, f32x4.sub(z10, z11)); o += yPlane;
        v128.store(o, f32x4.neg(z11)); o += yPlane;
        v128.store(o, z20); o += yPlane;
        v128.store(o, f32x4.add(z20, z21)); o += yPlane;
        v128.store(o, f32x4.sub(z20, z21)); o += yPlane;
        v128.store(o, f32x4.neg(z21)); o += yPlane;
        v128.store(o, z30); o += yPlane;
        v128.store(o, f32x4.add(z30, z31)); o += yPlane;
        v128.store(o, f32x4.sub(z30, z31)); o += yPlane;
        v128.store(o, f32x4.neg(z31));
      }
      if (++tw == TW) {
        tw = 0;
        if (++th == TH) {
          th = 0;
          n++;
        }
      }
    }
    // W[xi] (C x CW) (+)= V[xi]^T (C x T) x Yt[xi] (T x CW).
    const vPlane = <usize>T * <usize>C << 2;
    for (let xi = 0; xi < 16; xi++) {
      gemmF32(1, 0, C, CW, T, vB + <usize>xi * vPlane, C, yB + <usize>xi * yPlane, CW,
        wB + <usize>xi * wPlane, CW, 0, Act.Linear, t0 == 0 ? 0 : 1, work, 0, C, 0, CW);
    }
  }
  // df[kh][kw][c][co] = (G^T W G)[kh][kw]: P = G^T W (rows W0 + (W1 + W2)/2, (W1 - W2)/2,
  // (W1 + W2)/2 + W3), then the same on the columns.
  const tapB = <usize>C * <usize>CO << 2;
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < CW; j++) {
      const w = wB + ((<usize>c * <usize>CW + <usize>j) << 2);
      const w0 = load<f32>(w), w1 = load<f32>(w + wPlane), w2 = load<f32>(w + 2 * wPlane), w3 = load<f32>(w + 3 * wPlane);
      const w4 = load<f32>(w + 4 * wPlane), w5 = load<f32>(w + 5 * wPlane), w6 = load<f32>(w + 6 * wPlane), w7 = load<f32>(w + 7 * wPlane);
      const w8 = load<f32>(w + 8 * wPlane), w9 = load<f32>(w + 9 * wPlane), w10 = load<f32>(w + 10 * wPlane), w11 = load<f32>(w + 11 * wPlane);
      const w12 = load<f32>(w + 12 * wPlane), w13 = load<f32>(w + 13 * wPlane), w14 = load<f32>(w + 14 * wPlane), w15 = load<f32>(w + 15 * wPlane);
      // rows of P (3 x 4)
      const p00 = w0 + (w4 + w8) * 0.5, p01 = w1 + (w5 + w9) * 0.5, p02 = w2 + (w6 + w10) * 0.5, p03 = w3 + (w7 + w11) * 0.5;
      const p10 = (w4 - w8) * 0.5, p11 = (w5 - w9) * 0.5, p12 = (w6 - w10) * 0.5, p13 = (w7 - w11) * 0.5;
      const p20 = (w4 + w8) * 0.5 + w12, p21 = (w5 + w9) * 0.5 + w13, p22 = (w6 + w10) * 0.5 + w14, p23 = (w7 + w11) * 0.5 + w15;
      const o = df + ((<usize>c * <usize>CO + <usize>(coStart + j)) << 2);
      store<f32>(o, p00 + (p01 + p02) * 0.5); store<f32>(o + tapB, (p01 - p02) * 0.5); store<f32>(o + 2 * tapB, (p01 + p02) * 0.5 + p03);
      store<f32>(o + 3 * tapB, p10 + (p11 + p12) * 0.5); store<f32>(o + 4 * tapB, (p11 - p12) * 0.5); store<f32>(o + 5 * tapB, (p11 + p12) * 0.5 + p13);
      store<f32>(o + 6 * tapB, p20 + (p21 + p22) * 0.5); store<f32>(o + 7 * tapB, (p21 - p22) * 0.5); store<f32>(o + 8 * tapB, (p21 + p22) * 0.5 + p23);
    }
  }
}
