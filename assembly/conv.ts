// Convolution and pooling kernels over channels-last (NDHWC) f32 tensors; 1-d and 2-d
// convolutions and pools are the 3-d ones with unit depth (and height).
//
//   conv3dF32               (g, x, f, bias, out, act, work, col, colRows, rowStart, rowEnd)
//   conv3dBackpropInputF32  (g, dy, f, dx, work, col, colRows, imgStart, imgEnd)
//   conv3dBackpropFilterF32 (g, x, dy, df, work, col, colRows, coStart, coEnd)
//   pool3dF32               (g, isMax, x, out, start, end)
//   maxPool3dGradF32        (g, x, dy, dx, imgStart, imgEnd)
//   avgPool3dGradF32        (g, dy, dx, imgStart, imgEnd)
//
// Geometry `g`: a pointer to 21 i32s (see the G_* offsets): input N, D, H, W, C; output
// OD, OH, OW, CO; filter KD, KH, KW; strides SD, SH, SW; dilations DD, DH, DW; front pads
// PD, PH, PW. x is [N, D, H, W, C], the filter [KD, KH, KW, C, CO], the output
// [N, OD, OH, OW, CO]. For pools CO == C and the "filter" is the window.
//
// Convolutions run on the packed GEMM of gemm.ts (im2col, then gemmF32), chunk by chunk:
//   forward         out[M, CO]  = col[M, K] x f[K, CO] (+ bias, act in the GEMM epilogue)
//   input gradient  dcol[M, K]  = dy[M, CO] x f^T, then col2im scatter-adds dcol into dx
//   filter gradient df[K, CO]   = sum over row chunks of col^T x dy (beta = 1 accumulates)
// with M = N*OD*OH*OW output pixels and K = KD*KH*KW*C. Why im2col into a chunk buffer: it
// reuses the GEMM's 4x8 register tile as is, and measured (bench/conv.ts) the second mnist_cnn
// layer (K = 288) runs at ~51 GFLOP/s forward, ~49 for each gradient, i.e. the GEMM's own rate;
// the copy of a chunk (colRows rows, L2-resident) costs a few percent. A window inside the input
// is copied as KD*KH contiguous runs of KW*C floats; only border windows go tap by tap (that
// path cost ~15 ns a tap and made the C = 1 first layer 2x slower before the fast path).
// Where K = KD*KH*KW*C is small (<= 16, e.g. the 3x3x1 first layer) the copies cost more than
// the products, and other kernels take over (see smallKMax): a direct SIMD forward and filter
// gradient (no im2col, no packing) and an input gradient computed transposed. Measured on
// [128,28,28,1] * 3x3x1x32, one thread (`npm run bench -- conv --compare`), GFLOP/s im2col+GEMM
// -> small-K: forward 20.5 -> 34.5, input gradient 14.3 -> 23.8, filter gradient 18.2 -> 31.7.
// For the K = 288 second layer ([128,26,26,32] * 3x3x32x64) the same direct forward (with
// smallKMax raised) measured 51.2 GFLOP/s against 50.8 through im2col + GEMM: a tap-table splat
// costs about what the im2col copy saves, so K > 16 keeps im2col + GEMM. What does beat it there
// is fewer multiplications: 3x3 stride-1 convolutions with channel counts multiples of 4 run
// Winograd F(4x4, 3x3) (assembly/winograd.ts; the wasm backend picks it, winogradFits), 2-3x
// faster on that layer.
// A 1x1, stride-1, unpadded convolution needs no im2col at all: x is already the matrix.
//
// Ranges (for the thread pool): the forward takes output rows (pixels), the input gradient whole
// images (col2im scatter-adds overlapping windows, and windows never cross images), the filter
// gradient columns (output channels) of df. Every output element is
// computed the same way whatever the range: the GEMM's k order is fixed, chunks start at fixed
// multiples of colRows counted from the range start (the forward's rows are independent; the
// filter gradient always chunks all M rows from 0) or from the first image of the range (the
// input gradient's chunks only decide when dcol is flushed; each dx element still receives its
// adds in the same pixel-then-tap order), so results are bit-identical however a call is split.
//
// Scratch: `work` is a gemm workspace (gemmWorkspaceBytes), `col` holds colRows x K floats
// (colRows <= 512 for the filter gradient, so each chunk is one GEMM K block). Allocates nothing.
//
// Pools: SIMD across channels (4 per v128, scalar tail). Max takes the first maximum in window
// order and ignores NaN (v > best, as tfjs); average divides by the number of window taps inside
// the input (padding excluded, as TF). Their gradients scatter into dx per image.

import { actRegion, actScalar, gemmF32, gemmWorkspaceBytes } from './gemm';
import { Act } from './codes';
import {
  G_N, G_D, G_H, G_W, G_C, G_OD, G_OH, G_OW, G_CO, G_KD, G_KH, G_KW,
  G_SD, G_SH, G_SW, G_DD, G_DH, G_DW, G_PD, G_PH, G_PW, gi,
} from './geom';


/** True for a 1x1x1 filter with unit strides and no padding: x itself is the im2col matrix. */
function pointwise(g: usize): bool {
  return gi(g, G_KD) == 1 && gi(g, G_KH) == 1 && gi(g, G_KW) == 1 &&
    gi(g, G_SD) == 1 && gi(g, G_SH) == 1 && gi(g, G_SW) == 1 &&
    gi(g, G_PD) == 0 && gi(g, G_PH) == 0 && gi(g, G_PW) == 0;
}

/** Copies n floats (any alignment). Inline so C = 1 (one float per tap) costs one load/store. */
// @ts-ignore: decorator
@inline function copyF32(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
}

/** d[0:n] += s[0:n]. */
// @ts-ignore: decorator
@inline function addF32(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = d + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(s + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = d + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>i << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// im2col / col2im over rows [r0, r1) (output pixels, flat over N*OD*OH*OW) and columns [k0, k1)
// of K = KD*KH*KW*C (tap-major, channel-minor: the filter's own [KD, KH, KW, C] order).
// `col` has row stride k1 - k0. mode 0: col = x window (zero outside the input);
// mode 1: dx window += col (entries outside the input are dropped).

function cols(mode: i32, g: usize, x: usize, col: usize, r0: i32, r1: i32, k0: i32, k1: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const ldB = <usize>(k1 - k0) << 2;
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C * 4;
  const t0 = k0 / C, t1 = (k1 - 1) / C;
  // First tap's (kd, kh, kw); later taps are reached by counting.
  const kw0 = t0 % KW, kh0 = (t0 / KW) % KH, kd0 = t0 / (KW * KH);
  let ow = r0 % OW;
  let q = r0 / OW;
  let oh = q % OH;
  q /= OH;
  let od = q % OD;
  let n = q / OD;
  const KD = gi(g, G_KD);
  const full = k0 == 0 && k1 == KD * KH * KW * C && DW == 1;
  const span = KW * C; // floats of one (kd, kh) row of the window when DW == 1
  const rowB = <usize>W * <usize>C << 2, planeB = <usize>H * rowB;
  for (let r = r0; r < r1; r++) {
    const dst = col + <usize>(r - r0) * ldB;
    const xn = x + <usize>n * imgB;
    const id0 = od * SD - PD, ih0 = oh * SH - PH, iw0 = ow * SW - PW;
    if (full && id0 >= 0 && id0 + (KD - 1) * DD < D && ih0 >= 0 && ih0 + (KH - 1) * DH < H &&
      iw0 >= 0 && iw0 + KW <= W) {
      // Window inside the input with unit width dilation: each (kd, kh) row of the window is
      // KW*C contiguous floats of x, so a row of col is KD*KH block copies (the common case;
      // the tap-by-tap path below costs ~15 ns per tap and dominated small-C layers).
      let d = dst;
      // A run of span floats is copied as ceil(span/4) vectors where the three floats past it
      // may be read (more of the same x row follows) and written (a later run or col row
      // overwrites them: runs go left to right, rows in order; not after the chunk's last run).
      // For C = 1, 3x3 that is 3 vector copies a row instead of 9 scalar ones.
      const vecRead = mode == 0 && (span & 3) != 0 && (W - iw0 - KW) * C >= 3;
      let run = 0;
      const runs = KD * KH;
      for (let kd = 0; kd < KD; kd++) {
        let s = xn + <usize>(id0 + kd * DD) * planeB + <usize>ih0 * rowB + (<usize>(iw0 * C) << 2);
        for (let kh = 0; kh < KH; kh++) {
          run++;
          if (vecRead && (r + 1 < r1 || run < runs)) {
            for (let i = 0; i < span; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
          } else if (mode == 0) copyF32(d, s, span);
          else addF32(s, d, span);
          d += <usize>span << 2;
          s += <usize>DH * rowB;
        }
      }
    } else {
    let kd = kd0, kh = kh0, kw = kw0;
    for (let t = t0; t <= t1; t++) {
      const c0 = t == t0 ? k0 - t * C : 0;
      const c1 = t == t1 ? k1 - t * C : C;
      const d = dst + (<usize>(t * C + c0 - k0) << 2);
      const id = id0 + kd * DD, ih = ih0 + kh * DH, iw = iw0 + kw * DW;
      const inside = <u32>id < <u32>D && <u32>ih < <u32>H && <u32>iw < <u32>W;
      const s = xn + ((<usize>((id * H + ih) * W + iw) * <usize>C + <usize>c0) << 2);
      if (mode == 0) {
        if (inside) copyF32(d, s, c1 - c0);
        else memory.fill(d, 0, <usize>(c1 - c0) << 2);
      } else if (inside) {
        addF32(s, d, c1 - c0);
      }
      if (++kw == KW) {
        kw = 0;
        if (++kh == KH) {
          kh = 0;
          kd++;
        }
      }
    }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        if (++od == OD) {
          od = 0;
          n++;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Convolutions.

/** out = act(conv(x, f) + bias) for output rows (pixels) [rowStart, rowEnd). bias may be 0. */
export function conv3dF32(g: usize, x: usize, f: usize, bias: usize, out: usize, act: i32,
  work: usize, col: usize, colRows: i32, rowStart: i32, rowEnd: i32): void {
  const K = gi(g, G_KD) * gi(g, G_KH) * gi(g, G_KW) * gi(g, G_C);
  const CO = gi(g, G_CO);
  if (rowStart >= rowEnd || CO == 0) return;
  if (pointwise(g)) {
    gemmF32(0, 0, rowEnd, CO, K, x, K, f, CO, out, CO, bias, act, 0, work, rowStart, rowEnd, 0, CO);
    return;
  }
  if (K <= smallKMax && colRows >= 1 && <usize>(K * (CO & ~7)) * 4 <= <usize>gemmWorkspaceBytes()) {
    forwardDirect(g, x, f, bias, out, act, col, work, rowStart, rowEnd);
    return;
  }
  for (let r = rowStart; r < rowEnd; r += colRows) {
    const rows = min(colRows, rowEnd - r);
    cols(0, g, x, col, r, r + rows, 0, K);
    gemmF32(0, 0, rows, CO, K, col, K, f, CO, out + (<usize>r * <usize>CO << 2), CO, bias, act, 0,
      work, 0, rows, 0, CO);
  }
}

// Forward for a small K (e.g. the 3x3x1 first layer), direct: through im2col + GEMM, K = 9 made
// every 4 x 8 tile a 9-step k loop behind an im2col copy and an A packing of the same 9 floats
// (profile: the copies took ~35% of the time). Here a 4-pixel x 8-channel register tile reads A
// straight from x (splat loads at a table of the K tap offsets, kept in `col`) and B straight from
// the filter's rows, then takes the epilogue (bias, Relu/Relu6 in registers; Sigmoid/Tanh per
// element) and stores once. Pixels whose window leaves the input, and a row's last < 4 pixels,
// go one at a time, with zeros for the outside taps (the arithmetic of the zero-filled im2col).
// Every output element is ((0 + x0*f0) + x1*f1) + ... in tap order on every path, so any
// split of the pixel range gives the same bits. Channels go 8, 4, then 1 at a time.

/** One pixel (any position), channels [co0, CO): the reference path, taps outside read 0. */
function pixelDirect(g: usize, xn: usize, f: usize, bias: usize, o: usize, act: i32,
  id0: i32, ih0: i32, iw0: i32, co0: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C), CO = gi(g, G_CO);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const coB = <usize>CO << 2;
  let co = co0;
  while (co < CO) {
    const w = CO - co >= 8 ? 8 : CO - co >= 4 ? 4 : 1;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let fp = f + (<usize>co << 2);
    for (let kd = 0; kd < KD; kd++) {
      const id = id0 + kd * DD;
      for (let kh = 0; kh < KH; kh++) {
        const ih = ih0 + kh * DH;
        for (let kw = 0; kw < KW; kw++) {
          const iw = iw0 + kw * DW;
          const inside = <u32>id < <u32>D && <u32>ih < <u32>H && <u32>iw < <u32>W;
          const xp = xn + (<usize>(((id * H + ih) * W + iw) * C) << 2);
          for (let c = 0; c < C; c++) {
            const a = f32x4.splat(inside ? load<f32>(xp + (<usize>c << 2)) : 0);
            if (w == 1) {
              s0 = f32x4.add(s0, f32x4.mul(a, f32x4.splat(load<f32>(fp))));
            } else {
              s0 = f32x4.add(s0, f32x4.mul(a, v128.load(fp)));
              if (w == 8) s1 = f32x4.add(s1, f32x4.mul(a, v128.load(fp, 16)));
            }
            fp += coB;
          }
        }
      }
    }
    const op = o + (<usize>co << 2);
    if (w == 1) {
      let v = f32x4.extract_lane(s0, 0);
      if (bias != 0) v = v + load<f32>(bias + (<usize>co << 2));
      store<f32>(op, actScalar(v, act));
    } else {
      if (bias != 0) {
        s0 = f32x4.add(s0, v128.load(bias + (<usize>co << 2)));
        if (w == 8) s1 = f32x4.add(s1, v128.load(bias + (<usize>co << 2), 16));
      }
      if (act == Act.Relu || act == Act.Relu6) {
        s0 = f32x4.max(s0, f32x4.splat(0));
        s1 = f32x4.max(s1, f32x4.splat(0));
        if (act == Act.Relu6) {
          s0 = f32x4.min(s0, f32x4.splat(6));
          s1 = f32x4.min(s1, f32x4.splat(6));
        }
      }
      v128.store(op, s0);
      if (w == 8) v128.store(op, s1, 16);
      if (act == Act.Sigmoid || act == Act.Tanh) {
        for (let j = 0; j < w; j++) store<f32>(op + (<usize>j << 2), actScalar(load<f32>(op + (<usize>j << 2)), act));
      }
    }
    co += w;
  }
}

function forwardDirect(g: usize, x: usize, f: usize, bias: usize, out: usize, act: i32,
  tab: usize, pf: usize, rowStart: i32, rowEnd: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const K = KD * KH * KW * C;
  // Byte offsets of the K taps from a window's origin (interior windows only).
  let k = 0;
  for (let kd = 0; kd < KD; kd++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++)
        for (let c = 0; c < C; c++) store<i32>(tab + (<usize>(k++) << 2), (((kd * DD * H + kh * DH) * W + kw * DW) * C + c) << 2);
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C << 2;
  const stepX = <usize>(SW * C) << 2;
  const coB = <usize>CO << 2;
  const relu = act == Act.Relu || act == Act.Relu6, six = act == Act.Relu6;
  const slow = act == Act.Sigmoid || act == Act.Tanh;
  const CO8 = CO & ~7;
  // The filter's channels in 8-wide panels, K x 8 floats each, contiguous (as the GEMM packs B):
  // a panel (9 KiB for K = 288) stays in L1 while a row's tiles run over it.
  const panelB = <usize>K << 5;
  for (let co = 0; co < CO8; co += 8) {
    const d = pf + <usize>(co >> 3) * panelB;
    for (let kk = 0; kk < K; kk++) {
      const s = f + ((<usize>kk * <usize>CO + <usize>co) << 2);
      v128.store(d + (<usize>kk << 5), v128.load(s));
      v128.store(d + (<usize>kk << 5), v128.load(s, 16), 16);
    }
  }
  // Output columns whose window lies inside the input's width.
  const owLo = ceilDiv(PW, SW);
  const owHi = max(owLo, min(OW, (W - 1 - (KW - 1) * DW + PW) / SW + 1));
  let r = rowStart;
  while (r < rowEnd) {
    const owA = r % OW;
    let q = r / OW;
    const oh = q % OH;
    q /= OH;
    const od = q % OD;
    const n = q / OD;
    const owB = min(OW, owA + (rowEnd - r));
    const id0 = od * SD - PD, ih0 = oh * SH - PH;
    const rowIn = id0 >= 0 && id0 + (KD - 1) * DD < D && ih0 >= 0 && ih0 + (KH - 1) * DH < H &&
      W - 1 - (KW - 1) * DW + PW >= 0;
    const xn = x + <usize>n * imgB;
    const rowO = out + (<usize>(r - owA) * coB); // output of (n, od, oh, 0)
    // Tiles of 4 pixels cover [t0, t1) (the last one shifted back over pixels already done,
    // recomputed to the same bits, when the count is not a multiple of 4); the rest of the
    // segment goes pixel by pixel.
    let t0 = max(owLo, owA), t1 = min(owHi, owB);
    if (!rowIn || t1 - t0 < 4) {
      t0 = owA;
      t1 = owA;
    }
    const xr = xn + (<usize>((id0 * H + ih0) * W) * <usize>C << 2); // (id0, ih0, 0) when rowIn
    for (let co = 0; co < CO8; co += 8) {
      const pb0 = pf + <usize>(co >> 3) * panelB;
      const bv0 = bias != 0 ? v128.load(bias + (<usize>co << 2)) : f32x4.splat(0);
      const bv1 = bias != 0 ? v128.load(bias + (<usize>co << 2), 16) : f32x4.splat(0);
      let ow = t0;
      while (ow < t1) {
        if (ow + 4 > t1) ow = t1 - 4;
        const p0 = xr + (<usize>((ow * SW - PW) * C) << 2);
        const p1 = p0 + stepX, p2 = p1 + stepX, p3 = p2 + stepX;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let pb = pb0;
        const tEnd = tab + (<usize>K << 2);
        for (let t = tab; t < tEnd; t += 4) {
          const off = <usize>load<i32>(t);
          const b0 = v128.load(pb), b1 = v128.load(pb, 16);
          let a = v128.load32_splat(p0 + off);
          c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
          a = v128.load32_splat(p1 + off);
          c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
          a = v128.load32_splat(p2 + off);
          c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
          a = v128.load32_splat(p3 + off);
          c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
          pb += 32;
        }
        if (bias != 0) {
          c00 = f32x4.add(c00, bv0); c01 = f32x4.add(c01, bv1); c10 = f32x4.add(c10, bv0); c11 = f32x4.add(c11, bv1);
          c20 = f32x4.add(c20, bv0); c21 = f32x4.add(c21, bv1); c30 = f32x4.add(c30, bv0); c31 = f32x4.add(c31, bv1);
        }
        if (relu) {
          const z = f32x4.splat(0);
          c00 = f32x4.max(c00, z); c01 = f32x4.max(c01, z); c10 = f32x4.max(c10, z); c11 = f32x4.max(c11, z);
          c20 = f32x4.max(c20, z); c21 = f32x4.max(c21, z); c30 = f32x4.max(c30, z); c31 = f32x4.max(c31, z);
          if (six) {
            const m = f32x4.splat(6);
            c00 = f32x4.min(c00, m); c01 = f32x4.min(c01, m); c10 = f32x4.min(c10, m); c11 = f32x4.min(c11, m);
            c20 = f32x4.min(c20, m); c21 = f32x4.min(c21, m); c30 = f32x4.min(c30, m); c31 = f32x4.min(c31, m);
          }
        }
        const o0 = rowO + <usize>ow * coB + (<usize>co << 2);
        let op = o0;
        v128.store(op, c00); v128.store(op, c01, 16); op += coB;
        v128.store(op, c10); v128.store(op, c11, 16); op += coB;
        v128.store(op, c20); v128.store(op, c21, 16); op += coB;
        v128.store(op, c30); v128.store(op, c31, 16);
        if (slow) actRegion(o0, coB, 4, 8, act);
        ow += 4;
      }
    }
    // The tiles' last CO % 8 channels, and the pixels outside the tiles (all channels).
    if (CO8 < CO) {
      for (let ow = t0; ow < t1; ow++) pixelDirect(g, xn, f, bias, rowO + <usize>ow * coB, act, id0, ih0, ow * SW - PW, CO8);
    }
    for (let ow = owA; ow < owB; ow++) {
      if (ow >= t0 && ow < t1) continue;
      pixelDirect(g, xn, f, bias, rowO + <usize>ow * coB, act, id0, ih0, ow * SW - PW, 0);
    }
    r += owB - owA;
  }
}

/** dx = d conv / d x for images [imgStart, imgEnd): dy [N, OD, OH, OW, CO] -> dx [N, D, H, W, C]. */
export function conv3dBackpropInputF32(g: usize, dy: usize, f: usize, dx: usize, work: usize,
  col: usize, colRows: i32, imgStart: i32, imgEnd: i32): void {
  const C = gi(g, G_C), CO = gi(g, G_CO);
  const K = gi(g, G_KD) * gi(g, G_KH) * gi(g, G_KW) * C;
  const pixOut = gi(g, G_OD) * gi(g, G_OH) * gi(g, G_OW);
  const pixIn = gi(g, G_D) * gi(g, G_H) * gi(g, G_W);
  if (imgStart >= imgEnd) return;
  const dx0 = dx + (<usize>imgStart * <usize>pixIn * <usize>C << 2);
  if (pointwise(g)) {
    // dx[M, C] = dy[M, CO] x f^T (f is [C, CO]); an empty CO sum gives zeros.
    const rows = (imgEnd - imgStart) * pixIn;
    gemmF32(0, 1, rows, C, CO, dy + (<usize>imgStart * <usize>pixOut * <usize>CO << 2), CO, f, CO,
      dx0, C, 0, Act.Linear, 0, work, 0, rows, 0, C);
    return;
  }
  memory.fill(dx0, 0, <usize>(imgEnd - imgStart) * <usize>pixIn * <usize>C << 2);
  if (K <= smallKMax) {
    backpropInputT(g, dy, f, dx, work, col, colRows, imgStart, imgEnd);
    return;
  }
  const end = imgEnd * pixOut;
  for (let r = imgStart * pixOut; r < end; r += colRows) {
    const rows = min(colRows, end - r);
    gemmF32(0, 1, rows, K, CO, dy + (<usize>r * <usize>CO << 2), CO, f, CO, col, K, 0, Act.Linear, 0,
      work, 0, rows, 0, K);
    cols(1, g, dx, col, r, r + rows, 0, K);
  }
}

// Input gradient for a small K (taps x channels, e.g. the 3x3x1 first layer of a CNN). The
// orientation above, dcol[M, K] = dy x f^T, gives the GEMM a K-wide result: K = 9 fills one and
// one-eighth 8-wide panels (56% of the work is padding) and col2im adds 3-float runs one by one.
// Here the GEMM computes the transpose, dcolT[K, rows] = f[K, CO] x dy^T (K rows in 4-row panels:
// 75% for K = 9; the GEMM's B packing transposes dy), and col2imT adds each tap's run of output
// pixels into dx: for C = 1 and unit width stride a contiguous SIMD add per tap and output row.
// Measured on [128,28,28,1] * 3x3x1x32: 14.3 GFLOP/s the GEMM orientation above, 23.8 this one.
// Chunks are whole images (or, for an image larger than a chunk, fixed pieces of one image
// counted from its start), so the order in which a dx element receives its adds (output row,
// then tap, then pixel) does not depend on the image range: splits stay bit-identical.
//
// smallKMax: the largest K that takes the small-K kernels (input gradient above, the direct
// filter gradient and forward below). 16 by default; convSmallKMax(0) sends every K through
// im2col + GEMM, which is how `npm run bench -- conv --compare` measures both on one thread
// (a module global: each worker instance keeps its own, so the bench sets it on one thread only).
let smallKMax: i32 = 16;

/** Sets smallKMax when k >= 0; returns the previous value. */
export function convSmallKMax(k: i32): i32 {
  const old = smallKMax;
  if (k >= 0) smallKMax = k;
  return old;
}

/** ceil(a / b) for b > 0 and any sign of a. */
// @ts-ignore: decorator
@inline function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/** dx += col2im of colT[K, r1 - r0] (tap-major rows) over output pixels [r0, r1). */
function col2imT(g: usize, dx: usize, colT: usize, r0: i32, r1: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const rowsT = r1 - r0;
  const planeF = <usize>rowsT << 2; // bytes of one colT row
  let r = r0;
  while (r < r1) {
    // One output row segment: pixels [r, r + len) share (n, od, oh).
    const owA = r % OW;
    let q = r / OW;
    const oh = q % OH;
    q /= OH;
    const od = q % OD;
    const n = q / OD;
    const len = min(OW - owA, r1 - r);
    const owB = owA + len;
    let t = 0;
    for (let kd = 0; kd < KD; kd++) {
      const id = od * SD + kd * DD - PD;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH + kh * DH - PH;
        const inRow = <u32>id < <u32>D && <u32>ih < <u32>H;
        for (let kw = 0; kw < KW; kw++, t++) {
          if (!inRow) continue;
          const off = kw * DW - PW; // iw = ow * SW + off
          // (Two divisions per tap and row cost more than the adds for C = 1: skip them at SW = 1.)
          const lo = max(owA, SW == 1 ? -off : ceilDiv(-off, SW));
          const hi = min(owB, SW == 1 ? W - off : ceilDiv(W - off, SW));
          if (lo >= hi) continue;
          const rowBase = dx + (<usize>(((n * D + id) * H + ih) * W) * <usize>C << 2);
          for (let c = 0; c < C; c++) {
            const src = colT + <usize>(t * C + c) * planeF + (<usize>(r - r0 + lo - owA) << 2);
            let dst = rowBase + ((<usize>((lo * SW + off) * C + c)) << 2);
            if (C == 1 && SW == 1) {
              addF32(dst, src, hi - lo);
            } else {
              const stepB = <usize>(SW * C) << 2;
              for (let i = 0; i < hi - lo; i++) {
                store<f32>(dst, load<f32>(dst) + load<f32>(src + (<usize>i << 2)));
                dst += stepB;
              }
            }
          }
        }
      }
    }
    r += len;
  }
}

/** The small-K input gradient (see col2imT); dx of the range is already zeroed. */
function backpropInputT(g: usize, dy: usize, f: usize, dx: usize, work: usize, col: usize,
  colRows: i32, imgStart: i32, imgEnd: i32): void {
  const C = gi(g, G_C), CO = gi(g, G_CO);
  const K = gi(g, G_KD) * gi(g, G_KH) * gi(g, G_KW) * C;
  const pixOut = gi(g, G_OD) * gi(g, G_OH) * gi(g, G_OW);
  if (pixOut == 0) return;
  if (pixOut <= colRows) {
    const per = colRows / pixOut; // whole images per chunk
    for (let n = imgStart; n < imgEnd; n += per) {
      const r = n * pixOut, rows = min(per, imgEnd - n) * pixOut;
      gemmF32(0, 1, K, rows, CO, f, CO, dy + (<usize>r * <usize>CO << 2), CO, col, rows, 0,
        Act.Linear, 0, work, 0, K, 0, rows);
      col2imT(g, dx, col, r, r + rows);
    }
  } else {
    for (let n = imgStart; n < imgEnd; n++) {
      for (let p = 0; p < pixOut; p += colRows) {
        const r = n * pixOut + p, rows = min(colRows, pixOut - p);
        gemmF32(0, 1, K, rows, CO, f, CO, dy + (<usize>r * <usize>CO << 2), CO, col, rows, 0,
          Act.Linear, 0, work, 0, K, 0, rows);
        col2imT(g, dx, col, r, r + rows);
      }
    }
  }
}

/** The input row ih of the plane at `base`, or the zero row where ih (or the depth) is outside. */
// @ts-ignore: decorator
@inline function tapRow(base: usize, zero: usize, rowB: usize, inD: bool, ih: i32, H: i32): usize {
  return inD && <u32>ih < <u32>H ? base + <usize>ih * rowB : zero;
}

// Filter gradient for a small K, direct: no im2col and no packing. For the 3x3x1 first layer
// the im2col and the GEMM's packing of A (col) and B (dy) took ~60% of the time (profile of
// `npm run bench -- conv`): each pixel's 9 floats were copied twice to feed 9 x 32 products.
// Here a 4 x 8 register tile holds df[k0..k0+3, co..co+7] for up to four taps that differ only
// in kh (same kd, kw, c: one valid ow range per output row), and sums over the pixels of an
// output row with A = four splat loads straight from x and B = two loads straight from dy's row.
// Taps whose input row is outside the input (padding) read a row of zeros; a row's pixels whose
// input column is outside are skipped. Pixels go in blocks of whole output rows (~512 pixels, dy
// stays in L2 across the tap groups); the tile is parked in df between blocks, which does not
// change the roundings: each df element is ((0 + p0) + p1) + ... over the pixels in order, as in
// the GEMM path, on any column range. Output channels go 8, then 4, then 1 at a time.
// Returns false (nothing done) where the zero row does not fit in `col`.
function filterDirect(g: usize, x: usize, dy: usize, df: usize, col: usize, colRows: i32,
  coStart: i32, coEnd: i32): bool {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW), CO = gi(g, G_CO);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const N = gi(g, G_N);
  const K = KD * KH * KW * C;
  if (<i64>W * C > <i64>K * colRows) return false;
  const zero = col;
  memory.fill(zero, 0, <usize>(W * C) << 2);
  const rowB = <usize>(W * C) << 2;
  const imgB = <usize>D * <usize>H * rowB;
  const stepX = <usize>(SW * C) << 2; // bytes between the inputs of neighbouring output pixels
  const coB = <usize>CO << 2;
  const rowsOut = N * OD * OH;
  const blockRows = max(1, 512 / max(1, OW));
  for (let b0 = 0; b0 < rowsOut; b0 += blockRows) {
    const b1 = min(rowsOut, b0 + blockRows);
    const first = b0 == 0;
    for (let kd = 0; kd < KD; kd++) {
      for (let kw = 0; kw < KW; kw++) {
        const off = kw * DW - PW; // iw = ow * SW + off
        const lo = max(0, SW == 1 ? -off : ceilDiv(-off, SW));
        const hi = min(OW, SW == 1 ? W - off : ceilDiv(W - off, SW));
        for (let c = 0; c < C; c++) {
          for (let kh0 = 0; kh0 < KH; kh0 += 4) {
            const nt = min(4, KH - kh0);
            // df rows of the group's taps (the 4th repeats the last when nt < 4; not stored).
            const dfRowB = <usize>(KW * C * CO) << 2; // bytes between kh and kh + 1
            const dk0 = df + ((<usize>(((kd * KH + kh0) * KW + kw) * C + c) * <usize>CO) << 2);
            let co = coStart;
            while (co < coEnd) {
              const w = coEnd - co >= 8 ? 8 : coEnd - co >= 4 ? 4 : 1;
              let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
              let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
              const d0 = dk0 + (<usize>co << 2);
              // Rows of taps past nt repeat the last tap (same sums, stored to the same row).
              const d1 = d0 + <usize>min(1, nt - 1) * dfRowB;
              const d2 = d0 + <usize>min(2, nt - 1) * dfRowB;
              const d3 = d0 + <usize>min(3, nt - 1) * dfRowB;
              if (!first) {
                if (w == 1) {
                  c00 = f32x4.replace_lane(c00, 0, load<f32>(d0)); c10 = f32x4.replace_lane(c10, 0, load<f32>(d1));
                  c20 = f32x4.replace_lane(c20, 0, load<f32>(d2)); c30 = f32x4.replace_lane(c30, 0, load<f32>(d3));
                } else {
                  c00 = v128.load(d0); c10 = v128.load(d1); c20 = v128.load(d2); c30 = v128.load(d3);
                  if (w == 8) { c01 = v128.load(d0, 16); c11 = v128.load(d1, 16); c21 = v128.load(d2, 16); c31 = v128.load(d3, 16); }
                }
              }
              if (lo < hi) {
                for (let rr = b0; rr < b1; rr++) {
                  const oh = rr % OH, q = rr / OH, od = q % OD, n = q / OD;
                  const id = od * SD + kd * DD - PD;
                  const inD = <u32>id < <u32>D;
                  const base = x + <usize>n * imgB + <usize>id * <usize>H * rowB;
                  const ih0 = oh * SH + kh0 * DH - PH;
                  // Row pointers of the group's taps, at ow = lo (zero row where outside).
                  const colOff = (<usize>((lo * SW + off) * C + c)) << 2;
                  const a0 = tapRow(base, zero, rowB, inD, ih0, H) + colOff;
                  const a1 = tapRow(base, zero, rowB, inD, ih0 + min(1, nt - 1) * DH, H) + colOff;
                  const a2 = tapRow(base, zero, rowB, inD, ih0 + min(2, nt - 1) * DH, H) + colOff;
                  const a3 = tapRow(base, zero, rowB, inD, ih0 + min(3, nt - 1) * DH, H) + colOff;
                  let pd = dy + ((<usize>(rr * OW + lo) * <usize>CO + <usize>co) << 2);
                  const pend = pd + <usize>(hi - lo) * coB;
                  let o: usize = 0;
                  if (w == 8) {
                    while (pd < pend) {
                      const b0v = v128.load(pd), b1v = v128.load(pd, 16);
                      let a = v128.load32_splat(a0 + o);
                      c00 = f32x4.add(c00, f32x4.mul(a, b0v)); c01 = f32x4.add(c01, f32x4.mul(a, b1v));
                      a = v128.load32_splat(a1 + o);
                      c10 = f32x4.add(c10, f32x4.mul(a, b0v)); c11 = f32x4.add(c11, f32x4.mul(a, b1v));
                      a = v128.load32_splat(a2 + o);
                      c20 = f32x4.add(c20, f32x4.mul(a, b0v)); c21 = f32x4.add(c21, f32x4.mul(a, b1v));
                      a = v128.load32_splat(a3 + o);
                      c30 = f32x4.add(c30, f32x4.mul(a, b0v)); c31 = f32x4.add(c31, f32x4.mul(a, b1v));
                      o += stepX;
                      pd += coB;
                    }
                  } else if (w == 4) {
                    while (pd < pend) {
                      const b0v = v128.load(pd);
                      c00 = f32x4.add(c00, f32x4.mul(v128.load32_splat(a0 + o), b0v));
                      c10 = f32x4.add(c10, f32x4.mul(v128.load32_splat(a1 + o), b0v));
                      c20 = f32x4.add(c20, f32x4.mul(v128.load32_splat(a2 + o), b0v));
                      c30 = f32x4.add(c30, f32x4.mul(v128.load32_splat(a3 + o), b0v));
                      o += stepX;
                      pd += coB;
                    }
                  } else {
                    while (pd < pend) {
                      const b0v = f32x4.splat(load<f32>(pd));
                      c00 = f32x4.add(c00, f32x4.mul(v128.load32_splat(a0 + o), b0v));
                      c10 = f32x4.add(c10, f32x4.mul(v128.load32_splat(a1 + o), b0v));
                      c20 = f32x4.add(c20, f32x4.mul(v128.load32_splat(a2 + o), b0v));
                      c30 = f32x4.add(c30, f32x4.mul(v128.load32_splat(a3 + o), b0v));
                      o += stepX;
                      pd += coB;
                    }
                  }
                }
              }
              // Store the group's rows (in reverse, so a repeated row gets its own tap's sums).
              if (w == 1) {
                store<f32>(d3, f32x4.extract_lane(c30, 0)); store<f32>(d2, f32x4.extract_lane(c20, 0));
                store<f32>(d1, f32x4.extract_lane(c10, 0)); store<f32>(d0, f32x4.extract_lane(c00, 0));
              } else {
                v128.store(d3, c30); v128.store(d2, c20); v128.store(d1, c10); v128.store(d0, c00);
                if (w == 8) { v128.store(d3, c31, 16); v128.store(d2, c21, 16); v128.store(d1, c11, 16); v128.store(d0, c01, 16); }
              }
              co += w;
            }
          }
        }
      }
    }
  }
  return true;
}

/** Columns [coStart, coEnd) of d conv / d f: df[K, CO] = sum over all output pixels of col^T dy. */
export function conv3dBackpropFilterF32(g: usize, x: usize, dy: usize, df: usize, work: usize,
  col: usize, colRows: i32, coStart: i32, coEnd: i32): void {
  const CO = gi(g, G_CO), C = gi(g, G_C);
  const K = gi(g, G_KD) * gi(g, G_KH) * gi(g, G_KW) * C;
  const M = gi(g, G_N) * gi(g, G_OD) * gi(g, G_OH) * gi(g, G_OW);
  if (coStart >= coEnd || K == 0) return;
  if (pointwise(g)) {
    // df[C, CO] = x^T [C, M] x dy [M, CO]; the GEMM's K blocks run over the M pixels.
    gemmF32(1, 0, C, CO, M, x, C, dy, CO, df, CO, 0, Act.Linear, 0, work, 0, C, coStart, coEnd);
    return;
  }
  if (M == 0) {
    for (let k = 0; k < K; k++) {
      memory.fill(df + ((<usize>k * <usize>CO + <usize>coStart) << 2), 0, <usize>(coEnd - coStart) << 2);
    }
    return;
  }
  if (K <= smallKMax && filterDirect(g, x, dy, df, col, colRows, coStart, coEnd)) return;
  // Why a column (output channel) range rather than rows of df: a thread then im2cols whole
  // rows, the block-copy fast path of `cols`; splitting K would cut rows into tap windows.
  for (let r = 0; r < M; r += colRows) {
    const rows = min(colRows, M - r);
    cols(0, g, x, col, r, r + rows, 0, K);
    // Why beta = 1 per chunk (not one GEMM over all M): the im2col of all M rows would be
    // M x K floats (85 MB for the second mnist_cnn layer); chunks stay in L2.
    gemmF32(1, 0, K, CO, rows, col, K, dy + (<usize>r * <usize>CO << 2), CO, df, CO, 0,
      Act.Linear, r == 0 ? 0 : 1, work, 0, K, coStart, coEnd);
  }
}

// ---------------------------------------------------------------------------------------------
// Pooling. The window of output (od, oh, ow) starts at (od*SD - PD, ...); taps outside the
// input are skipped. Ranges: output pixels (forward), images (gradients).

/** out[p, :] = max (or mean) over the window of output pixel p, for p in [start, end). */
export function pool3dF32(g: usize, isMax: i32, x: usize, out: usize, start: i32, end: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C * 4;
  const Cv = C & ~3;
  let ow = start % OW;
  let q = start / OW;
  let oh = q % OH;
  q /= OH;
  let od = q % OD;
  let n = q / OD;
  for (let p = start; p < end; p++) {
    const o = out + (<usize>p * <usize>C << 2);
    const xn = x + <usize>n * imgB;
    const id0 = od * SD - PD, ih0 = oh * SH - PH, iw0 = ow * SW - PW;
    const d0 = max(0, id0), d1 = min(D, id0 + KD);
    const h0 = max(0, ih0), h1 = min(H, ih0 + KH);
    const w0 = max(0, iw0), w1 = min(W, iw0 + KW);
    const cnt = <f32>(max(0, d1 - d0) * max(0, h1 - h0) * max(0, w1 - w0));
    if (isMax && d1 - d0 == 1 && h1 - h0 == 2 && w1 - w0 == 2) {
      // A 2x2 window: the four taps in registers, one store (the same v > best sequence in the
      // same tap order as the general loop below, so the same result).
      const t0 = xn + (<usize>(((d0 * H + h0) * W + w0) * C) << 2);
      const t1 = t0 + (<usize>C << 2), t2 = t0 + (<usize>(W * C) << 2), t3 = t2 + (<usize>C << 2);
      for (let c = 0; c < Cv; c += 4) {
        const cb = <usize>c << 2;
        let b = f32x4.splat(-Infinity);
        let v = v128.load(t0 + cb);
        b = v128.bitselect(v, b, f32x4.gt(v, b));
        v = v128.load(t1 + cb);
        b = v128.bitselect(v, b, f32x4.gt(v, b));
        v = v128.load(t2 + cb);
        b = v128.bitselect(v, b, f32x4.gt(v, b));
        v = v128.load(t3 + cb);
        v128.store(o + cb, v128.bitselect(v, b, f32x4.gt(v, b)));
      }
      for (let c = Cv; c < C; c++) {
        const cb = <usize>c << 2;
        let b: f32 = -Infinity;
        let v = load<f32>(t0 + cb);
        if (v > b) b = v;
        v = load<f32>(t1 + cb);
        if (v > b) b = v;
        v = load<f32>(t2 + cb);
        if (v > b) b = v;
        v = load<f32>(t3 + cb);
        if (v > b) b = v;
        store<f32>(o + cb, b);
      }
    } else {
    // Accumulate in the output row (L1), taps outer so each tap's channels stream contiguously.
    if (isMax) {
      for (let c = 0; c < Cv; c += 4) v128.store(o + (<usize>c << 2), f32x4.splat(-Infinity));
      for (let c = Cv; c < C; c++) store<f32>(o + (<usize>c << 2), -Infinity);
    } else {
      memory.fill(o, 0, <usize>C << 2);
    }
    for (let id = d0; id < d1; id++) {
      for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) {
          const s = xn + (<usize>((id * H + ih) * W + iw) * <usize>C << 2);
          if (isMax) {
            for (let c = 0; c < Cv; c += 4) {
              const a = o + (<usize>c << 2);
              const v = v128.load(s + (<usize>c << 2));
              const b = v128.load(a);
              v128.store(a, v128.bitselect(v, b, f32x4.gt(v, b)));
            }
            for (let c = Cv; c < C; c++) {
              const a = o + (<usize>c << 2);
              const v = load<f32>(s + (<usize>c << 2));
              if (v > load<f32>(a)) store<f32>(a, v);
            }
          } else {
            addF32(o, s, C);
          }
        }
      }
    }
    if (!isMax) {
      const vc = f32x4.splat(cnt);
      for (let c = 0; c < Cv; c += 4) {
        const a = o + (<usize>c << 2);
        v128.store(a, f32x4.div(v128.load(a), vc));
      }
      for (let c = Cv; c < C; c++) {
        const a = o + (<usize>c << 2);
        store<f32>(a, load<f32>(a) / cnt);
      }
    }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        if (++od == OD) {
          od = 0;
          n++;
        }
      }
    }
  }
}

/** Shared driver of the two pool gradients over the output pixels of images [n0, n1). */
// @ts-ignore: decorator
@inline function poolGrad(g: usize, isMax: bool, x: usize, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  if (n0 >= n1) return;
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C * 4;
  const Cv = C & ~3;
  // 2x2 max windows that tile the input exactly (stride 2, no padding, even sizes: the common
  // max pool) write every dx element once: no zero fill, stores instead of adds (the fill of
  // dx was ~40% of this kernel on mnist_cnn's [128,24,24,64]).
  const tiles2 = isMax && KD == 1 && SD == 1 && PD == 0 && OD == D && KH == 2 && KW == 2 &&
    SH == 2 && SW == 2 && PH == 0 && PW == 0 && OH * 2 == H && OW * 2 == W;
  if (!tiles2) memory.fill(dx + <usize>n0 * imgB, 0, <usize>(n1 - n0) * imgB);
  for (let n = n0; n < n1; n++) {
    const xn = x + <usize>n * imgB;
    const dxn = dx + <usize>n * imgB;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const p = ((n * OD + od) * OH + oh) * OW + ow;
          const dyp = dy + (<usize>p * <usize>C << 2);
          const id0 = od * SD - PD, ih0 = oh * SH - PH, iw0 = ow * SW - PW;
          const d0 = max(0, id0), d1 = min(D, id0 + KD);
          const h0 = max(0, ih0), h1 = min(H, ih0 + KH);
          const w0 = max(0, iw0), w1 = min(W, iw0 + KW);
          if (d0 >= d1 || h0 >= h1 || w0 >= w1) continue;
          if (isMax && d1 - d0 == 1 && h1 - h0 == 2 && w1 - w0 == 2) {
            // A 2x2 window (the common max pool): its four taps' addresses once, then per
            // channel vector the first maximum by three compares (the same v > best sequence in
            // the same tap order as below) and four masked adds.
            const t0 = (<usize>(((d0 * H + h0) * W + w0) * C) << 2);
            const t1 = t0 + (<usize>C << 2), t2 = t0 + (<usize>(W * C) << 2), t3 = t2 + (<usize>C << 2);
            for (let c = 0; c < Cv; c += 4) {
              const cb = <usize>c << 2;
              const v0 = v128.load(xn + t0 + cb), v1 = v128.load(xn + t1 + cb);
              const v2 = v128.load(xn + t2 + cb), v3 = v128.load(xn + t3 + cb);
              // best starts at -Infinity: tap 0 wins its lanes unless it is NaN (v > best false).
              let best = f32x4.splat(-Infinity);
              let idx = i32x4.splat(-1);
              let gt = f32x4.gt(v0, best);
              best = v128.bitselect(v0, best, gt); idx = v128.bitselect(i32x4.splat(0), idx, gt);
              gt = f32x4.gt(v1, best);
              best = v128.bitselect(v1, best, gt); idx = v128.bitselect(i32x4.splat(1), idx, gt);
              gt = f32x4.gt(v2, best);
              best = v128.bitselect(v2, best, gt); idx = v128.bitselect(i32x4.splat(2), idx, gt);
              gt = f32x4.gt(v3, best);
              idx = v128.bitselect(i32x4.splat(3), idx, gt);
              const gv = v128.load(dyp + cb);
              const g0 = v128.and(gv, i32x4.eq(idx, i32x4.splat(0))), g1 = v128.and(gv, i32x4.eq(idx, i32x4.splat(1)));
              const g2 = v128.and(gv, i32x4.eq(idx, i32x4.splat(2))), g3 = v128.and(gv, i32x4.eq(idx, i32x4.splat(3)));
              if (tiles2) {
                // (0 + g: the bits the add into the zero-filled dx gave, -0 included.)
                v128.store(dxn + t0 + cb, f32x4.add(f32x4.splat(0), g0));
                v128.store(dxn + t1 + cb, f32x4.add(f32x4.splat(0), g1));
                v128.store(dxn + t2 + cb, f32x4.add(f32x4.splat(0), g2));
                v128.store(dxn + t3 + cb, f32x4.add(f32x4.splat(0), g3));
              } else {
                let a = dxn + t0 + cb;
                v128.store(a, f32x4.add(v128.load(a), g0));
                a = dxn + t1 + cb;
                v128.store(a, f32x4.add(v128.load(a), g1));
                a = dxn + t2 + cb;
                v128.store(a, f32x4.add(v128.load(a), g2));
                a = dxn + t3 + cb;
                v128.store(a, f32x4.add(v128.load(a), g3));
              }
            }
            for (let c = Cv; c < C; c++) {
              const cb = <usize>c << 2;
              let best: f32 = -Infinity;
              let bt: usize = 1; // 1: none; else the tap's byte offset
              let v = load<f32>(xn + t0 + cb);
              if (v > best) { best = v; bt = t0; }
              v = load<f32>(xn + t1 + cb);
              if (v > best) { best = v; bt = t1; }
              v = load<f32>(xn + t2 + cb);
              if (v > best) { best = v; bt = t2; }
              v = load<f32>(xn + t3 + cb);
              if (v > best) { best = v; bt = t3; }
              if (tiles2) {
                // Every tap written: 0 where not the maximum, 0 + dy where it is.
                store<f32>(dxn + t0 + cb, 0); store<f32>(dxn + t1 + cb, 0);
                store<f32>(dxn + t2 + cb, 0); store<f32>(dxn + t3 + cb, 0);
                if (bt != 1) store<f32>(dxn + bt + cb, <f32>0 + load<f32>(dyp + cb));
              } else if (bt != 1) {
                const a = dxn + bt + cb;
                store<f32>(a, load<f32>(a) + load<f32>(dyp + cb));
              }
            }
          } else if (isMax) {
            // Per channel vector: the flat tap index of the first maximum, then a masked add of
            // dy into each tap's dx (all SIMD; a tap gets dy in the lanes whose argmax it is).
            for (let c = 0; c < Cv; c += 4) {
              let best = f32x4.splat(-Infinity);
              let idx = i32x4.splat(-1);
              for (let id = d0; id < d1; id++) {
                for (let ih = h0; ih < h1; ih++) {
                  for (let iw = w0; iw < w1; iw++) {
                    const off = (id * H + ih) * W + iw;
                    const v = v128.load(xn + (<usize>(off * C + c) << 2));
                    const gt = f32x4.gt(v, best);
                    best = v128.bitselect(v, best, gt);
                    idx = v128.bitselect(i32x4.splat(off), idx, gt);
                  }
                }
              }
              const gv = v128.load(dyp + (<usize>c << 2));
              for (let id = d0; id < d1; id++) {
                for (let ih = h0; ih < h1; ih++) {
                  for (let iw = w0; iw < w1; iw++) {
                    const off = (id * H + ih) * W + iw;
                    const a = dxn + (<usize>(off * C + c) << 2);
                    v128.store(a, f32x4.add(v128.load(a), v128.and(gv, i32x4.eq(idx, i32x4.splat(off)))));
                  }
                }
              }
            }
            for (let c = Cv; c < C; c++) {
              let best: f32 = -Infinity;
              let bi = -1;
              for (let id = d0; id < d1; id++) {
                for (let ih = h0; ih < h1; ih++) {
                  for (let iw = w0; iw < w1; iw++) {
                    const off = (id * H + ih) * W + iw;
                    const v = load<f32>(xn + (<usize>(off * C + c) << 2));
                    if (v > best) {
                      best = v;
                      bi = off;
                    }
                  }
                }
              }
              if (bi >= 0) {
                const a = dxn + (<usize>(bi * C + c) << 2);
                store<f32>(a, load<f32>(a) + load<f32>(dyp + (<usize>c << 2)));
              }
            }
          } else {
            const cnt = <f32>((d1 - d0) * (h1 - h0) * (w1 - w0));
            const vc = f32x4.splat(cnt);
            for (let id = d0; id < d1; id++) {
              for (let ih = h0; ih < h1; ih++) {
                for (let iw = w0; iw < w1; iw++) {
                  const a0 = dxn + (<usize>((id * H + ih) * W + iw) * <usize>C << 2);
                  for (let c = 0; c < Cv; c += 4) {
                    const a = a0 + (<usize>c << 2);
                    const gv = f32x4.div(v128.load(dyp + (<usize>c << 2)), vc);
                    v128.store(a, f32x4.add(v128.load(a), gv));
                  }
                  for (let c = Cv; c < C; c++) {
                    const a = a0 + (<usize>c << 2);
                    store<f32>(a, load<f32>(a) + load<f32>(dyp + (<usize>c << 2)) / cnt);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

/** dx for a max pool, images [imgStart, imgEnd): dy goes to the first maximum of each window. */
export function maxPool3dGradF32(g: usize, x: usize, dy: usize, dx: usize, imgStart: i32, imgEnd: i32): void {
  poolGrad(g, true, x, dy, dx, imgStart, imgEnd);
}

/** dx for an average pool, images [imgStart, imgEnd): dy / (taps inside the input) to each tap. */
export function avgPool3dGradF32(g: usize, dy: usize, dx: usize, imgStart: i32, imgEnd: i32): void {
  poolGrad(g, false, 0, dy, dx, imgStart, imgEnd);
}

// ---------------------------------------------------------------------------------------------
// Depthwise 2-d convolution (as 3-d with unit depth): output channel o = c * mult + m sees only
// input channel c = o / mult; the filter [KD, KH, KW, C, mult] is, per tap, a row of CO = C*mult
// values in output-channel order. SIMD across channels where mult == 1 (each lane its own
// channel; MobileNet's case); mult > 1 runs the same loops one channel at a time. Taps outside
// the input are skipped (they add 0 in the js oracle too). Sums run tap by tap in window order
// (forward, input gradient) or pixel by pixel (filter gradient), whatever the range, so any
// split gives the same bits. Ranges: output pixels (forward), images (input gradient, which
// scatter-adds into overlapping windows), taps (filter gradient: rows of df).

/** out[p, :] for output pixels p in [start, end). */
export function depthwiseF32(g: usize, mult: i32, x: usize, f: usize, out: usize, start: i32, end: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const CO = C * mult;
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C << 2;
  const COv = mult == 1 ? CO & ~3 : 0;
  let ow = start % OW;
  let q = start / OW;
  let oh = q % OH;
  q /= OH;
  let od = q % OD;
  let n = q / OD;
  const inW = KD == 1; // (depthwise is 2-d; the register path walks kh, kw only)
  for (let p = start; p < end; p++) {
    const o = out + (<usize>p * <usize>CO << 2);
    const xn = x + <usize>n * imgB;
    const ih0 = oh * SH - PH, iw0 = ow * SW - PW, id0 = od * SD - PD;
    if (mult == 1 && inW && id0 >= 0 && id0 < D && ih0 >= 0 && ih0 + (KH - 1) * DH < H && iw0 >= 0 && iw0 + (KW - 1) * DW < W) {
      // Window inside the input: per 4 channels, all taps into one register, one store
      // (the same tap order, so the same bits as the accumulate-in-memory loop below).
      const xw = xn + (<usize>((id0 * H + ih0) * W + iw0) * <usize>C << 2);
      const rowB = <usize>(DH * W * C) << 2, colB = <usize>(DW * C) << 2, tapB = <usize>CO << 2;
      const pair = p + 1 < end && ow + 1 < OW && iw0 + SW + (KW - 1) * DW < W;
      if (pair) {
        // Two neighbouring pixels share each filter load (the same sums, two at a time).
        const xw1 = xw + (<usize>(SW * C) << 2), o1 = o + tapB;
        for (let c = 0; c < COv; c += 4) {
          const cb = <usize>c << 2;
          let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0);
          let fk = f + cb;
          let xr0 = xw + cb, xr1 = xw1 + cb;
          for (let kh = 0; kh < KH; kh++) {
            let xp0 = xr0, xp1 = xr1;
            for (let kw = 0; kw < KW; kw++) {
              const fv = v128.load(fk);
              acc0 = f32x4.add(acc0, f32x4.mul(v128.load(xp0), fv));
              acc1 = f32x4.add(acc1, f32x4.mul(v128.load(xp1), fv));
              xp0 += colB;
              xp1 += colB;
              fk += tapB;
            }
            xr0 += rowB;
            xr1 += rowB;
          }
          v128.store(o + cb, acc0);
          v128.store(o1 + cb, acc1);
        }
        for (let oc = COv; oc < CO; oc++) {
          for (let i = 0; i < 2; i++) {
            let acc: f32 = 0;
            let fk = f + (<usize>oc << 2);
            let xr = (i == 0 ? xw : xw1) + (<usize>oc << 2);
            for (let kh = 0; kh < KH; kh++) {
              let xp = xr;
              for (let kw = 0; kw < KW; kw++) {
                acc = acc + load<f32>(xp) * load<f32>(fk);
                xp += colB;
                fk += tapB;
              }
              xr += rowB;
            }
            store<f32>((i == 0 ? o : o1) + (<usize>oc << 2), acc);
          }
        }
        p++;
        ow++; // (ow + 1 < OW: no wrap; the common step below moves past the second pixel)
      } else {
      for (let c = 0; c < COv; c += 4) {
        const cb = <usize>c << 2;
        let acc = f32x4.splat(0);
        let fk = f + cb;
        let xr = xw + cb;
        for (let kh = 0; kh < KH; kh++) {
          let xp = xr;
          for (let kw = 0; kw < KW; kw++) {
            acc = f32x4.add(acc, f32x4.mul(v128.load(xp), v128.load(fk)));
            xp += colB;
            fk += tapB;
          }
          xr += rowB;
        }
        v128.store(o + cb, acc);
      }
      for (let oc = COv; oc < CO; oc++) {
        let acc: f32 = 0;
        let fk = f + (<usize>oc << 2);
        let xr = xw + (<usize>oc << 2);
        for (let kh = 0; kh < KH; kh++) {
          let xp = xr;
          for (let kw = 0; kw < KW; kw++) {
            acc = acc + load<f32>(xp) * load<f32>(fk);
            xp += colB;
            fk += tapB;
          }
          xr += rowB;
        }
        store<f32>(o + (<usize>oc << 2), acc);
      }
      }
    } else {
    memory.fill(o, 0, <usize>CO << 2);
    let fk = f;
    for (let kd = 0; kd < KD; kd++) {
      const id = od * SD + kd * DD - PD;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * SH + kh * DH - PH;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * SW + kw * DW - PW;
          if (<u32>id < <u32>D && <u32>ih < <u32>H && <u32>iw < <u32>W) {
            const xs = xn + (<usize>((id * H + ih) * W + iw) * <usize>C << 2);
            for (let c = 0; c < COv; c += 4) {
              const a = o + (<usize>c << 2);
              v128.store(a, f32x4.add(v128.load(a), f32x4.mul(v128.load(xs + (<usize>c << 2)), v128.load(fk + (<usize>c << 2)))));
            }
            for (let oc = COv; oc < CO; oc++) {
              const a = o + (<usize>oc << 2);
              store<f32>(a, load<f32>(a) + load<f32>(xs + (<usize>(oc / mult) << 2)) * load<f32>(fk + (<usize>oc << 2)));
            }
          }
          fk += <usize>CO << 2;
        }
      }
    }
    }
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        if (++od == OD) {
          od = 0;
          n++;
        }
      }
    }
  }
}

/** dx for images [imgStart, imgEnd): dx[window tap, c] += sum over m of dy[p, c*mult+m] * f[tap, c*mult+m]. */
export function depthwiseBackpropInputF32(g: usize, mult: i32, dy: usize, f: usize, dx: usize, imgStart: i32, imgEnd: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KD = gi(g, G_KD), KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  if (imgStart >= imgEnd) return;
  const CO = C * mult;
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C << 2;
  const COv = mult == 1 ? CO & ~3 : 0;
  memory.fill(dx + <usize>imgStart * imgB, 0, <usize>(imgEnd - imgStart) * imgB);
  for (let n = imgStart; n < imgEnd; n++) {
    const dxn = dx + <usize>n * imgB;
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const gp = dy + (<usize>(((n * OD + od) * OH + oh) * OW + ow) * <usize>CO << 2);
          let fk = f;
          for (let kd = 0; kd < KD; kd++) {
            const id = od * SD + kd * DD - PD;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * SH + kh * DH - PH;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * SW + kw * DW - PW;
                if (<u32>id < <u32>D && <u32>ih < <u32>H && <u32>iw < <u32>W) {
                  const xs = dxn + (<usize>((id * H + ih) * W + iw) * <usize>C << 2);
                  for (let c = 0; c < COv; c += 4) {
                    const a = xs + (<usize>c << 2);
                    v128.store(a, f32x4.add(v128.load(a), f32x4.mul(v128.load(gp + (<usize>c << 2)), v128.load(fk + (<usize>c << 2)))));
                  }
                  for (let oc = COv; oc < CO; oc++) {
                    const a = xs + (<usize>(oc / mult) << 2);
                    store<f32>(a, load<f32>(a) + load<f32>(gp + (<usize>oc << 2)) * load<f32>(fk + (<usize>oc << 2)));
                  }
                }
                fk += <usize>CO << 2;
              }
            }
          }
        }
      }
    }
  }
}

/** Rows [tapStart, tapEnd) of df [KD*KH*KW, CO]: df[tap, o] = sum over pixels of x[window tap, o/mult] * dy[p, o]. */
export function depthwiseBackpropFilterF32(g: usize, mult: i32, x: usize, dy: usize, df: usize, tapStart: i32, tapEnd: i32): void {
  const D = gi(g, G_D), H = gi(g, G_H), W = gi(g, G_W), C = gi(g, G_C);
  const N = gi(g, G_N), OD = gi(g, G_OD), OH = gi(g, G_OH), OW = gi(g, G_OW);
  const KH = gi(g, G_KH), KW = gi(g, G_KW);
  const SD = gi(g, G_SD), SH = gi(g, G_SH), SW = gi(g, G_SW);
  const DD = gi(g, G_DD), DH = gi(g, G_DH), DW = gi(g, G_DW);
  const PD = gi(g, G_PD), PH = gi(g, G_PH), PW = gi(g, G_PW);
  const CO = C * mult;
  const imgB = <usize>D * <usize>H * <usize>W * <usize>C << 2;
  const COv = mult == 1 ? CO & ~3 : 0;
  for (let t = tapStart; t < tapEnd; t++) {
    const kw = t % KW, kh = (t / KW) % KH, kd = t / (KW * KH);
    const o = df + (<usize>t * <usize>CO << 2);
    memory.fill(o, 0, <usize>CO << 2);
    let gp = dy;
    for (let n = 0; n < N; n++) {
      const xn = x + <usize>n * imgB;
      for (let od = 0; od < OD; od++) {
        const id = od * SD + kd * DD - PD;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH + kh * DH - PH;
          const rowIn = <u32>id < <u32>D && <u32>ih < <u32>H;
          for (let ow = 0; ow < OW; ow++, gp += <usize>CO << 2) {
            const iw = ow * SW + kw * DW - PW;
            if (!rowIn || <u32>iw >= <u32>W) continue;
            const xs = xn + (<usize>((id * H + ih) * W + iw) * <usize>C << 2);
            for (let c = 0; c < COv; c += 4) {
              const a = o + (<usize>c << 2);
              v128.store(a, f32x4.add(v128.load(a), f32x4.mul(v128.load(xs + (<usize>c << 2)), v128.load(gp + (<usize>c << 2)))));
            }
            for (let oc = COv; oc < CO; oc++) {
              const a = o + (<usize>oc << 2);
              store<f32>(a, load<f32>(a) + load<f32>(xs + (<usize>(oc / mult) << 2)) * load<f32>(gp + (<usize>oc << 2)));
            }
          }
        }
      }
    }
  }
}
