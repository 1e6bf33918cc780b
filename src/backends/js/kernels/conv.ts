// The js backend's convolution, pooling and resize kernels: plain loops, the oracle the wasm
// kernels are tested against. Every convolution and pool is 3-d over channels-last tensors
// ([N, D, H, W, C], filter [KD, KH, KW, C, CO]); the ops reshape 1-d and 2-d inputs to unit
// depth (a view, no copy), so one oracle per kernel covers conv1d, conv2d and conv3d.
//
// Kernels and attributes (set by the ops in src/ops/conv*.ts, pool.ts, resize.ts):
//   Conv                     (x, f[, bias])  strides, dilations, pads (front), out [OD,OH,OW], act
//   ConvBackpropInput        (dy, f)         same + inShape [N,D,H,W,C]
//   ConvBackpropFilter       (x, dy)         same + filterShape [KD,KH,KW,C,CO]
//   DepthwiseConv            (x, f)          2-d: x [N,H,W,C], f [KH,KW,C,mult]; out [OH,OW]
//   DepthwiseConvBackpropInput / DepthwiseConvBackpropFilter (as above, 2-d)
//   Pool                     (x)             type 'max'|'avg', window [KD,KH,KW], strides, pads, out
//   MaxPoolGrad (x, dy), AvgPoolGrad (dy)   same + inShape
//   ResizeNearest / ResizeBilinear (x)      size [H', W'], alignCorners, halfPixelCenters
//   ResizeNearestGrad / ResizeBilinearGrad (dy)  same + inShape
import type { Attrs, TensorInfo } from '../../backend.js';
import type { CpuKernelDef, HostBackend } from '../../host.js';
import { Act } from '../../wasm/codes.generated.js';
import { applyAct } from './matmul.js';

/** The full geometry of one 3-d convolution or pool (also the wasm kernels' argument block). */
export interface ConvGeom {
  N: number;
  D: number;
  H: number;
  W: number;
  C: number;
  OD: number;
  OH: number;
  OW: number;
  CO: number;
  KD: number;
  KH: number;
  KW: number;
  SD: number;
  SH: number;
  SW: number;
  DD: number;
  DH: number;
  DW: number;
  PD: number;
  PH: number;
  PW: number;
}

/** Field order of the geometry block passed to assembly/conv.ts (21 i32s). */
export const GEOM_FIELDS: (keyof ConvGeom)[] = [
  'N', 'D', 'H', 'W', 'C', 'OD', 'OH', 'OW', 'CO', 'KD', 'KH', 'KW',
  'SD', 'SH', 'SW', 'DD', 'DH', 'DW', 'PD', 'PH', 'PW',
];

/**
 * The geometry from the input shape [N, D, H, W, C], the window [KD, KH, KW], the output
 * channels and the attrs (strides, dilations, pads, out).
 */
export function convGeom(x: readonly number[], window: readonly number[], CO: number, attrs: Attrs): ConvGeom {
  const s = attrs.strides as number[];
  const d = (attrs.dilations as number[] | undefined) ?? [1, 1, 1];
  const p = attrs.pads as number[];
  const o = attrs.out as number[];
  return {
    N: x[0], D: x[1], H: x[2], W: x[3], C: x[4],
    OD: o[0], OH: o[1], OW: o[2], CO,
    KD: window[0], KH: window[1], KW: window[2],
    SD: s[0], SH: s[1], SW: s[2],
    DD: d[0], DH: d[1], DW: d[2],
    PD: p[0], PH: p[1], PW: p[2],
  };
}

/** Calls fn for every window tap of every output pixel that lies inside the input (output-pixel order). */
function forEachTap(
  g: ConvGeom,
  fn: (o: number, xi: number, k: number) => void,
): void {
  // o: flat output pixel, xi: flat input pixel, k: flat tap (kd, kh, kw).
  for (let n = 0; n < g.N; n++)
    for (let od = 0; od < g.OD; od++)
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++) {
          const o = ((n * g.OD + od) * g.OH + oh) * g.OW + ow;
          for (let kd = 0; kd < g.KD; kd++) {
            const id = od * g.SD - g.PD + kd * g.DD;
            if (id < 0 || id >= g.D) continue;
            for (let kh = 0; kh < g.KH; kh++) {
              const ih = oh * g.SH - g.PH + kh * g.DH;
              if (ih < 0 || ih >= g.H) continue;
              for (let kw = 0; kw < g.KW; kw++) {
                const iw = ow * g.SW - g.PW + kw * g.DW;
                if (iw < 0 || iw >= g.W) continue;
                const xi = ((n * g.D + id) * g.H + ih) * g.W + iw;
                fn(o, xi, (kd * g.KH + kh) * g.KW + kw);
              }
            }
          }
        }
}

const shape5 = (g: ConvGeom, out: boolean) => (out ? [g.N, g.OD, g.OH, g.OW, g.CO] : [g.N, g.D, g.H, g.W, g.C]);

/** Geometry of Conv / ConvBackpropInput / ConvBackpropFilter from their inputs and attrs. */
export function convKernelGeom(name: string, ins: TensorInfo[], attrs: Attrs): ConvGeom {
  if (name === 'Conv') return convGeom(ins[0].shape, ins[1].shape, ins[1].shape[4], attrs);
  if (name === 'ConvBackpropInput') return convGeom(attrs.inShape as number[], ins[1].shape, ins[1].shape[4], attrs);
  const f = attrs.filterShape as number[];
  return convGeom(ins[0].shape, f, f[4], attrs);
}

const convDef: CpuKernelDef = {
  name: 'Conv',
  outShape: (ins, attrs) => ({ shape: shape5(convKernelGeom('Conv', ins, attrs), true), dtype: 'float32' }),
  run: ([x, f, bias], out, infos, attrs) => {
    const g = convKernelGeom('Conv', infos, attrs);
    const { C, CO } = g;
    const acc = new Float64Array(out.length);
    forEachTap(g, (o, xi, k) => {
      for (let c = 0; c < C; c++) {
        const xv = x[xi * C + c];
        const fb = (k * C + c) * CO;
        for (let co = 0; co < CO; co++) acc[o * CO + co] += xv * f[fb + co];
      }
    });
    const act = (attrs.act as number) ?? Act.Linear;
    for (let i = 0; i < out.length; i++) {
      out[i] = applyAct(act, Math.fround(acc[i]) + (bias ? bias[i % CO] : 0));
    }
  },
};

const convBackpropInputDef: CpuKernelDef = {
  name: 'ConvBackpropInput',
  outShape: (ins, attrs) => ({ shape: (attrs.inShape as number[]).slice(), dtype: 'float32' }),
  run: ([dy, f], out, infos, attrs) => {
    const g = convKernelGeom('ConvBackpropInput', infos, attrs);
    const { C, CO } = g;
    const acc = new Float64Array(out.length);
    forEachTap(g, (o, xi, k) => {
      for (let c = 0; c < C; c++) {
        const fb = (k * C + c) * CO;
        let s = 0;
        for (let co = 0; co < CO; co++) s += dy[o * CO + co] * f[fb + co];
        acc[xi * C + c] += s;
      }
    });
    out.set(acc);
  },
};

const convBackpropFilterDef: CpuKernelDef = {
  name: 'ConvBackpropFilter',
  outShape: (ins, attrs) => ({ shape: (attrs.filterShape as number[]).slice(), dtype: 'float32' }),
  run: ([x, dy], out, infos, attrs) => {
    const g = convKernelGeom('ConvBackpropFilter', infos, attrs);
    const { C, CO } = g;
    const acc = new Float64Array(out.length);
    forEachTap(g, (o, xi, k) => {
      for (let c = 0; c < C; c++) {
        const xv = x[xi * C + c];
        const fb = (k * C + c) * CO;
        for (let co = 0; co < CO; co++) acc[fb + co] += xv * dy[o * CO + co];
      }
    });
    out.set(acc);
  },
};

// ---- depthwise (2-d): output channel c*mult + m sees only input channel c ----

/** Geometry of a depthwise conv as a 3-d one with unit depth (CO = C * mult). */
export function depthwiseGeom(x: readonly number[], f: readonly number[], attrs: Attrs): ConvGeom & { mult: number } {
  const s = attrs.strides as number[];
  const d = (attrs.dilations as number[] | undefined) ?? [1, 1];
  const p = attrs.pads as number[];
  const o = attrs.out as number[];
  const g = convGeom([x[0], 1, x[1], x[2], x[3]], [1, f[0], f[1]], x[3] * f[3], {
    strides: [1, s[0], s[1]],
    dilations: [1, d[0], d[1]],
    pads: [0, p[0], p[1]],
    out: [1, o[0], o[1]],
  });
  return Object.assign(g, { mult: f[3] });
}

function depthwiseLoop(
  g: ConvGeom & { mult: number },
  fn: (oIdx: number, xIdx: number, fIdx: number) => void,
): void {
  const { C, mult } = g;
  forEachTap(g, (o, xi, k) => {
    for (let c = 0; c < C; c++)
      for (let m = 0; m < mult; m++) fn(o * C * mult + c * mult + m, xi * C + c, (k * C + c) * mult + m);
  });
}

const depthwiseDefs: CpuKernelDef[] = [
  {
    name: 'DepthwiseConv',
    outShape: ([x, f], attrs) => {
      const o = attrs.out as number[];
      return { shape: [x.shape[0], o[0], o[1], x.shape[3] * f.shape[3]], dtype: 'float32' };
    },
    run: ([x, f], out, infos, attrs) => {
      const acc = new Float64Array(out.length);
      depthwiseLoop(depthwiseGeom(infos[0].shape, infos[1].shape, attrs), (o, xi, fi) => (acc[o] += x[xi] * f[fi]));
      out.set(acc);
    },
  },
  {
    name: 'DepthwiseConvBackpropInput',
    outShape: (_ins, attrs) => ({ shape: (attrs.inShape as number[]).slice(), dtype: 'float32' }),
    run: ([dy, f], out, infos, attrs) => {
      const acc = new Float64Array(out.length);
      const g = depthwiseGeom(attrs.inShape as number[], infos[1].shape, attrs);
      depthwiseLoop(g, (o, xi, fi) => (acc[xi] += dy[o] * f[fi]));
      out.set(acc);
    },
  },
  {
    name: 'DepthwiseConvBackpropFilter',
    outShape: (_ins, attrs) => ({ shape: (attrs.filterShape as number[]).slice(), dtype: 'float32' }),
    run: ([x, dy], out, infos, attrs) => {
      const acc = new Float64Array(out.length);
      const g = depthwiseGeom(infos[0].shape, attrs.filterShape as number[], attrs);
      depthwiseLoop(g, (o, xi, fi) => (acc[fi] += x[xi] * dy[o]));
      out.set(acc);
    },
  },
];

// ---- pooling ----

export function poolGeom(x: readonly number[], attrs: Attrs): ConvGeom {
  return convGeom(x, attrs.window as number[], x[4], attrs);
}

/** For each output pixel and channel: the input indices of its window taps inside the input. */
function windows(g: ConvGeom, fn: (o: number, taps: number[]) => void): void {
  let taps: number[] = [];
  let cur = -1;
  forEachTap(g, (o, xi) => {
    if (o !== cur) {
      if (cur >= 0) fn(cur, taps);
      // Output pixels whose window lies entirely in padding never reach here; report them empty.
      for (let e = cur + 1; e < o; e++) fn(e, []);
      cur = o;
      taps = [];
    }
    taps.push(xi);
  });
  if (cur >= 0) fn(cur, taps);
  for (let e = cur + 1; e < g.N * g.OD * g.OH * g.OW; e++) fn(e, []);
}

const poolDefs: CpuKernelDef[] = [
  {
    name: 'Pool',
    outShape: ([x], attrs) => ({ shape: shape5(poolGeom(x.shape, attrs), true), dtype: 'float32' }),
    run: ([x], out, infos, attrs) => {
      const g = poolGeom(infos[0].shape, attrs);
      const isMax = attrs.type === 'max';
      windows(g, (o, taps) => {
        for (let c = 0; c < g.C; c++) {
          let v = isMax ? -Infinity : 0;
          for (const xi of taps) {
            const e = x[xi * g.C + c];
            if (isMax) {
              if (e > v) v = e; // first maximum; NaN never wins (as tfjs)
            } else v += e;
          }
          out[o * g.C + c] = isMax ? v : v / taps.length;
        }
      });
    },
  },
  {
    name: 'MaxPoolGrad',
    outShape: ([x]) => ({ shape: x.shape.slice(), dtype: 'float32' }),
    run: ([x, dy], out, infos, attrs) => {
      const g = poolGeom(infos[0].shape, attrs);
      out.fill(0);
      windows(g, (o, taps) => {
        for (let c = 0; c < g.C; c++) {
          let best = -Infinity;
          let at = -1;
          for (const xi of taps) {
            if (x[xi * g.C + c] > best) {
              best = x[xi * g.C + c];
              at = xi;
            }
          }
          if (at >= 0) out[at * g.C + c] += dy[o * g.C + c];
        }
      });
    },
  },
  {
    name: 'AvgPoolGrad',
    outShape: (_ins, attrs) => ({ shape: (attrs.inShape as number[]).slice(), dtype: 'float32' }),
    run: ([dy], out, _infos, attrs) => {
      const g = poolGeom(attrs.inShape as number[], attrs);
      out.fill(0);
      windows(g, (o, taps) => {
        for (let c = 0; c < g.C; c++) {
          for (const xi of taps) out[xi * g.C + c] += dy[o * g.C + c] / taps.length;
        }
      });
    },
  },
];

// ---- resize (2-d, [N, H, W, C]) ----

/** Source coordinate of output index i along an axis of `inSize` -> `outSize` (tf.image conventions). */
function sourceScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** Per output index: the nearest source index. */
export function nearestIndex(inSize: number, outSize: number, alignCorners: boolean, halfPixel: boolean): Int32Array {
  const scale = sourceScale(inSize, outSize, alignCorners);
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixel ? scale * (i + 0.5) : scale * i;
    let j = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
    if (halfPixel) j = Math.max(0, j);
    idx[i] = j;
  }
  return idx;
}

/** Per output index: the two source indices and the weight of the second. */
export function bilinearTaps(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixel: boolean,
): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const scale = sourceScale(inSize, outSize, alignCorners);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixel ? Math.max(0, scale * (i + 0.5) - 0.5) : scale * i;
    lo[i] = Math.min(inSize - 1, Math.floor(src));
    hi[i] = Math.min(inSize - 1, Math.ceil(src));
    frac[i] = src - Math.floor(src);
  }
  return { lo, hi, frac };
}

/** Visits every (output element, source element, weight) of a resize. */
function resizeTaps(
  inShape: readonly number[],
  attrs: Attrs,
  bilinear: boolean,
  fn: (o: number, s: number, w: number) => void,
): void {
  const [N, H, W, C] = inShape;
  const [OH, OW] = attrs.size as number[];
  const ac = !!attrs.alignCorners;
  const hp = !!attrs.halfPixelCenters;
  const at = (n: number, h: number, w: number) => ((n * H + h) * W + w) * C;
  if (!bilinear) {
    const ri = nearestIndex(H, OH, ac, hp);
    const ci = nearestIndex(W, OW, ac, hp);
    for (let n = 0; n < N; n++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++)
          for (let c = 0; c < C; c++) fn(((n * OH + i) * OW + j) * C + c, at(n, ri[i], ci[j]) + c, 1);
    return;
  }
  const r = bilinearTaps(H, OH, ac, hp);
  const q = bilinearTaps(W, OW, ac, hp);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++)
        for (let c = 0; c < C; c++) {
          const o = ((n * OH + i) * OW + j) * C + c;
          const fy = r.frac[i];
          const fx = q.frac[j];
          fn(o, at(n, r.lo[i], q.lo[j]) + c, (1 - fy) * (1 - fx));
          fn(o, at(n, r.lo[i], q.hi[j]) + c, (1 - fy) * fx);
          fn(o, at(n, r.hi[i], q.lo[j]) + c, fy * (1 - fx));
          fn(o, at(n, r.hi[i], q.hi[j]) + c, fy * fx);
        }
}

function resizeDefs(): CpuKernelDef[] {
  const defs: CpuKernelDef[] = [];
  for (const [name, bilinear] of [
    ['ResizeNearest', false],
    ['ResizeBilinear', true],
  ] as const) {
    defs.push({
      name,
      outShape: ([x], attrs) => {
        const [oh, ow] = attrs.size as number[];
        return { shape: [x.shape[0], oh, ow, x.shape[3]], dtype: 'float32' };
      },
      run: ([x], out, infos, attrs) => {
        const acc = new Float64Array(out.length);
        resizeTaps(infos[0].shape, attrs, bilinear, (o, s, w) => (acc[o] += w * x[s]));
        out.set(acc);
      },
    });
    defs.push({
      name: `${name}Grad`,
      outShape: (_ins, attrs) => ({ shape: (attrs.inShape as number[]).slice(), dtype: 'float32' }),
      run: ([dy], out, _infos, attrs) => {
        const acc = new Float64Array(out.length);
        resizeTaps(attrs.inShape as number[], attrs, bilinear, (o, s, w) => (acc[s] += w * dy[o]));
        out.set(acc);
      },
    });
  }
  return defs;
}

/** Every conv/pool/resize kernel as plain loops (the wasm backend reuses the depthwise and resize ones). */
export const convDefs: CpuKernelDef[] = [
  convDef,
  convBackpropInputDef,
  convBackpropFilterDef,
  ...depthwiseDefs,
  ...poolDefs,
  ...resizeDefs(),
];

/** Registers the js backend's conv kernels. */
export function registerJsConvKernels(backend: HostBackend): void {
  for (const def of convDefs) backend.registerView(def);
}
