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
// A direct SIMD convolution was not built, so not measured; the small-K first layer (K = 9,
// ragged 9-wide GEMM panels) is where it could still win.
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

import { gemmF32 } from './gemm';
import { Act } from './codes';

// @ts-ignore: decorator
@inline const G_N: i32 = 0;
// @ts-ignore: decorator
@inline const G_D: i32 = 1;
// @ts-ignore: decorator
@inline const G_H: i32 = 2;
// @ts-ignore: decorator
@inline const G_W: i32 = 3;
// @ts-ignore: decorator
@inline const G_C: i32 = 4;
// @ts-ignore: decorator
@inline const G_OD: i32 = 5;
// @ts-ignore: decorator
@inline const G_OH: i32 = 6;
// @ts-ignore: decorator
@inline const G_OW: i32 = 7;
// @ts-ignore: decorator
@inline const G_CO: i32 = 8;
// @ts-ignore: decorator
@inline const G_KD: i32 = 9;
// @ts-ignore: decorator
@inline const G_KH: i32 = 10;
// @ts-ignore: decorator
@inline const G_KW: i32 = 11;
// @ts-ignore: decorator
@inline const G_SD: i32 = 12;
// @ts-ignore: decorator
@inline const G_SH: i32 = 13;
// @ts-ignore: decorator
@inline const G_SW: i32 = 14;
// @ts-ignore: decorator
@inline const G_DD: i32 = 15;
// @ts-ignore: decorator
@inline const G_DH: i32 = 16;
// @ts-ignore: decorator
@inline const G_DW: i32 = 17;
// @ts-ignore: decorator
@inline const G_PD: i32 = 18;
// @ts-ignore: decorator
@inline const G_PH: i32 = 19;
// @ts-ignore: decorator
@inline const G_PW: i32 = 20;

// @ts-ignore: decorator
@inline function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

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
      for (let kd = 0; kd < KD; kd++) {
        let s = xn + <usize>(id0 + kd * DD) * planeB + <usize>ih0 * rowB + (<usize>(iw0 * C) << 2);
        for (let kh = 0; kh < KH; kh++) {
          if (mode == 0) copyF32(d, s, span);
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
  for (let r = rowStart; r < rowEnd; r += colRows) {
    const rows = min(colRows, rowEnd - r);
    cols(0, g, x, col, r, r + rows, 0, K);
    gemmF32(0, 0, rows, CO, K, col, K, f, CO, out + (<usize>r * <usize>CO << 2), CO, bias, act, 0,
      work, 0, rows, 0, CO);
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
  const end = imgEnd * pixOut;
  for (let r = imgStart * pixOut; r < end; r += colRows) {
    const rows = min(colRows, end - r);
    gemmF32(0, 1, rows, K, CO, dy + (<usize>r * <usize>CO << 2), CO, f, CO, col, K, 0, Act.Linear, 0,
      work, 0, rows, 0, K);
    cols(1, g, dx, col, r, r + rows, 0, K);
  }
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
  memory.fill(dx + <usize>n0 * imgB, 0, <usize>(n1 - n0) * imgB);
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
          if (isMax) {
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
