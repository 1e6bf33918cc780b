// WebGPU convolutions. 'Conv' and its two gradients run as implicit GEMMs on the tiled GEMM of
// matmul.ts (no im2col buffer: the A/B fetch functions below index the tensors directly), over the
// channels-last 3-d geometry the ops pass (conv1d/conv2d get unit depth, so one kernel serves all):
//   Conv               out[pixel, co] = sum_{tap, c} x[im2col(pixel, tap), c] f[tap, c, co]  (+ bias, act)
//   ConvBackpropInput  dx[in pixel, c] = sum_{tap, co} dy[col2im(in pixel, tap), co] f[tap, c, co]
//   ConvBackpropFilter df[tap, c, co] = sum_{pixel} x[im2col(pixel, tap), c] dy[pixel, co]
// vec4 loads where the channel counts allow (C or CO a multiple of 4). The depthwise kernels are
// direct loops, one invocation per output element. Contract: src/backends/js/kernels/conv.ts.
import type { Attrs, TensorInfo } from '../../backend.js';
import { Act } from '../../wasm/codes.generated.js';
import { convKernelGeom, depthwiseGeom, type ConvGeom } from '../../js/kernels/conv.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import {
  MAX_GROUPS,
  cachedCode,
  dispatch,
  gemmKey,
  gemmTiles,
  gemmWgsl,
  inputDecl,
  outputDecl,
  withParams,
  type GemmSpec,
  type GpuProgram,
  type LoadMode,
} from './matmul.js';

/** Parameter names of a conv geometry, in the order of `geomValues` (NB is the batch). */
export const GEOM_PARAMS = [
  'NB', 'D', 'H', 'W', 'C', 'OD', 'OH', 'OW', 'CO', 'KD', 'KH', 'KW',
  'SD', 'SH', 'SW', 'DD', 'DH', 'DW', 'PD', 'PH', 'PW',
];

/** The geometry's values in GEOM_PARAMS order. */
export function geomValues(g: ConvGeom): number[] {
  return [g.N, g.D, g.H, g.W, g.C, g.OD, g.OH, g.OW, g.CO, g.KD, g.KH, g.KW, g.SD, g.SH, g.SW, g.DD, g.DH, g.DW, g.PD, g.PH, g.PW];
}

/**
 * WGSL index maps of a 3-d window: `im2col(p, t)`, the input pixel that tap t of output pixel p
 * reads (or -1 in the padding), and `col2im(q, t)`, the output pixel whose tap t reads input
 * pixel q (or -1 when none does: off the stride grid or outside the output).
 */
export const WINDOW_WGSL = `
fn im2col(p: i32, t: i32) -> i32 {
  let ow = p % P.OW; let p1 = p / P.OW; let oh = p1 % P.OH; let p2 = p1 / P.OH;
  let od = p2 % P.OD; let n = p2 / P.OD;
  let kw = t % P.KW; let t1 = t / P.KW; let kh = t1 % P.KH; let kd = t1 / P.KH;
  let id = od * P.SD - P.PD + kd * P.DD;
  let ih = oh * P.SH - P.PH + kh * P.DH;
  let iw = ow * P.SW - P.PW + kw * P.DW;
  if (id < 0 || id >= P.D || ih < 0 || ih >= P.H || iw < 0 || iw >= P.W) { return -1; }
  return ((n * P.D + id) * P.H + ih) * P.W + iw;
}
fn col2im(q: i32, t: i32) -> i32 {
  let iw = q % P.W; let q1 = q / P.W; let ih = q1 % P.H; let q2 = q1 / P.H;
  let id = q2 % P.D; let n = q2 / P.D;
  let kw = t % P.KW; let t1 = t / P.KW; let kh = t1 % P.KH; let kd = t1 / P.KH;
  let ad = id + P.PD - kd * P.DD;
  let ah = ih + P.PH - kh * P.DH;
  let aw = iw + P.PW - kw * P.DW;
  if (ad < 0 || ah < 0 || aw < 0 || ad % P.SD != 0 || ah % P.SH != 0 || aw % P.SW != 0) { return -1; }
  let od = ad / P.SD; let oh = ah / P.SH; let ow = aw / P.SW;
  if (od >= P.OD || oh >= P.OH || ow >= P.OW) { return -1; }
  return ((n * P.OD + od) * P.OH + oh) * P.OW + ow;
}
`;

type ConvKind = 'Conv' | 'ConvBackpropInput' | 'ConvBackpropFilter';

/** The implicit-GEMM program of one conv kernel, with its output shape. */
export function convProgram(kind: ConvKind, inputs: TensorInfo[], attrs: Attrs): { program: GpuProgram; outShape: number[] } {
  const g = convKernelGeom(kind, inputs, attrs);
  const taps = g.KD * g.KH * g.KW;
  const pixels = g.N * g.OD * g.OH * g.OW;
  const hasBias = kind === 'Conv' && inputs.length > 2;
  const act = kind === 'Conv' ? ((attrs.act as number) ?? Act.Linear) : Act.Linear;
  let M: number, N: number, K: number, aMode: LoadMode, bMode: LoadMode, body: string, outShape: number[];
  if (kind === 'Conv') {
    [M, N, K] = [pixels, g.CO, taps * g.C];
    aMode = g.C % 4 === 0 ? 'vecRow' : 'scalar';
    bMode = g.CO % 4 === 0 ? 'vecRow' : 'scalar';
    const av = aMode !== 'scalar';
    body = `${inputDecl('X', 0, av)}${inputDecl('F', 1, bMode !== 'scalar')}${WINDOW_WGSL}
${av ? 'fn mmA4(b: i32, m: i32, k: i32) -> vec4<f32> {' : 'fn mmA(b: i32, m: i32, k: i32) -> f32 {'}
  let p = im2col(m, k / P.C);
  if (p < 0) { return ${av ? 'vec4<f32>(0.0)' : '0.0'}; }
  return X[${av ? '(p * P.C + k % P.C) / 4' : 'p * P.C + k % P.C'}];
}
${bMode !== 'scalar' ? 'fn mmB4(b: i32, k: i32, n: i32) -> vec4<f32> { return F[(k * P.CO + n) / 4]; }' : 'fn mmB(b: i32, k: i32, n: i32) -> f32 { return F[k * P.CO + n]; }'}
fn mmOut(b: i32, m: i32, n: i32) -> i32 { return m * P.CO + n; }
`;
    outShape = [g.N, g.OD, g.OH, g.OW, g.CO];
  } else if (kind === 'ConvBackpropInput') {
    [M, N, K] = [g.N * g.D * g.H * g.W, g.C, taps * g.CO];
    const v = g.CO % 4 === 0;
    aMode = v ? 'vecRow' : 'scalar';
    bMode = v ? 'vecCol' : 'scalar'; // four consecutive k = four consecutive co of f
    body = `${inputDecl('DY', 0, v)}${inputDecl('F', 1, v)}${WINDOW_WGSL}
${v ? 'fn mmA4(b: i32, m: i32, k: i32) -> vec4<f32> {' : 'fn mmA(b: i32, m: i32, k: i32) -> f32 {'}
  let o = col2im(m, k / P.CO);
  if (o < 0) { return ${v ? 'vec4<f32>(0.0)' : '0.0'}; }
  return DY[${v ? '(o * P.CO + k % P.CO) / 4' : 'o * P.CO + k % P.CO'}];
}
${v ? 'fn mmB4(b: i32, k: i32, n: i32) -> vec4<f32> {' : 'fn mmB(b: i32, k: i32, n: i32) -> f32 {'}
  return F[${v ? '(((k / P.CO) * P.C + n) * P.CO + k % P.CO) / 4' : '((k / P.CO) * P.C + n) * P.CO + k % P.CO'}];
}
fn mmOut(b: i32, m: i32, n: i32) -> i32 { return m * P.C + n; }
`;
    outShape = (attrs.inShape as number[]).slice();
  } else {
    [M, N, K] = [taps * g.C, g.CO, pixels];
    aMode = g.C % 4 === 0 ? 'vecCol' : 'scalar'; // four consecutive m = four consecutive c of x
    bMode = g.CO % 4 === 0 ? 'vecRow' : 'scalar';
    const av = aMode !== 'scalar';
    body = `${inputDecl('X', 0, av)}${inputDecl('DY', 1, bMode !== 'scalar')}${WINDOW_WGSL}
${av ? 'fn mmA4(b: i32, m: i32, k: i32) -> vec4<f32> {' : 'fn mmA(b: i32, m: i32, k: i32) -> f32 {'}
  let p = im2col(k, m / P.C);
  if (p < 0) { return ${av ? 'vec4<f32>(0.0)' : '0.0'}; }
  return X[${av ? '(p * P.C + m % P.C) / 4' : 'p * P.C + m % P.C'}];
}
${bMode !== 'scalar' ? 'fn mmB4(b: i32, k: i32, n: i32) -> vec4<f32> { return DY[(k * P.CO + n) / 4]; }' : 'fn mmB(b: i32, k: i32, n: i32) -> f32 { return DY[k * P.CO + n]; }'}
fn mmOut(b: i32, m: i32, n: i32) -> i32 { return m * P.CO + n; }
`;
    outShape = (attrs.filterShape as number[]).slice();
  }
  const tiles = gemmTiles(M, N);
  const spec: GemmSpec = Object.assign(tiles, {
    aMode,
    bMode,
    outVec: N % 4 === 0,
    hasBias,
    params: ['M', 'N', 'K', 'act', ...GEOM_PARAMS],
    body,
    biasBinding: 2,
    outBinding: hasBias ? 3 : 2,
  });
  // Row tiles past 65535 fold into z (foldM).
  const gy = Math.ceil(M / tiles.tileM);
  const gz = Math.ceil(gy / MAX_GROUPS);
  if (gz > MAX_GROUPS) throw new Error(`webgpu ${kind}: ${M} GEMM rows exceed one dispatch`);
  spec.foldM = true;
  const key = gemmKey(kind, spec);
  return {
    program: {
      key,
      code: cachedCode(key, () => gemmWgsl(spec)),
      workgroups: [Math.ceil(N / tiles.tileN), Math.min(gy, MAX_GROUPS), gz],
      params: [M, N, K, act, ...geomValues(g)],
    },
    outShape,
  };
}

function convKernel(kind: ConvKind) {
  return (inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo => {
    const { program, outShape } = convProgram(kind, inputs, attrs);
    const y = gpu.makeOutput(outShape, 'float32');
    if (outShape.some((d) => d === 0)) return y;
    dispatch(gpu, program, inputs, [y]);
    return y;
  };
}

// ---- depthwise (2-d): output channel c * mult + m sees only input channel c ----

/** Workgroup counts for `n` invocations of 64, folded into y past 65535 groups. */
export function flatGroups(n: number): [number, number, number] {
  const groups = Math.ceil(n / 64);
  return groups <= MAX_GROUPS ? [groups, 1, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/** Entry point header of a flat kernel: `i` is the invocation's element, `P.total` the count. */
export const FLAT_MAIN = `@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * 64u);
  if (i >= P.total) { return; }`;

const DW_PARAMS = ['total', 'mult', ...GEOM_PARAMS];

type DwKind = 'DepthwiseConv' | 'DepthwiseConvBackpropInput' | 'DepthwiseConvBackpropFilter';

/** WGSL of a depthwise kernel (x/dy/f layouts as the js oracle: x [N,H,W,C], f [KH,KW,C,mult]). */
export function depthwiseWgsl(kind: DwKind): string {
  // Unit depth: D = OD = KD = 1, so the 3-d geometry reduces to h and w.
  const common = `
fn fIdx(kh: i32, kw: i32, c: i32, m: i32) -> i32 { return ((kh * P.KW + kw) * P.C + c) * P.mult + m; }
`;
  let body: string;
  if (kind === 'DepthwiseConv') {
    body = `${inputDecl('X', 0)}${inputDecl('F', 1)}${outputDecl('Out', 2)}${common}${FLAT_MAIN}
  let CM = P.C * P.mult;
  let q = i % CM; let p = i / CM;
  let ow = p % P.OW; let oh = (p / P.OW) % P.OH; let n = p / (P.OW * P.OH);
  let c = q / P.mult; let m = q % P.mult;
  var s = 0.0;
  for (var kh = 0; kh < P.KH; kh++) {
    let ih = oh * P.SH - P.PH + kh * P.DH;
    if (ih < 0 || ih >= P.H) { continue; }
    for (var kw = 0; kw < P.KW; kw++) {
      let iw = ow * P.SW - P.PW + kw * P.DW;
      if (iw < 0 || iw >= P.W) { continue; }
      s += X[((n * P.H + ih) * P.W + iw) * P.C + c] * F[fIdx(kh, kw, c, m)];
    }
  }
  Out[i] = s;
}
`;
  } else if (kind === 'DepthwiseConvBackpropInput') {
    body = `${inputDecl('DY', 0)}${inputDecl('F', 1)}${outputDecl('Out', 2)}${common}${FLAT_MAIN}
  let CM = P.C * P.mult;
  let c = i % P.C; let p = i / P.C;
  let iw = p % P.W; let ih = (p / P.W) % P.H; let n = p / (P.W * P.H);
  var s = 0.0;
  for (var kh = 0; kh < P.KH; kh++) {
    let ah = ih + P.PH - kh * P.DH;
    if (ah < 0 || ah % P.SH != 0 || ah / P.SH >= P.OH) { continue; }
    let oh = ah / P.SH;
    for (var kw = 0; kw < P.KW; kw++) {
      let aw = iw + P.PW - kw * P.DW;
      if (aw < 0 || aw % P.SW != 0 || aw / P.SW >= P.OW) { continue; }
      let o = ((n * P.OH + oh) * P.OW + aw / P.SW) * CM + c * P.mult;
      for (var m = 0; m < P.mult; m++) { s += DY[o + m] * F[fIdx(kh, kw, c, m)]; }
    }
  }
  Out[i] = s;
}
`;
  } else {
    body = `${inputDecl('X', 0)}${inputDecl('DY', 1)}${outputDecl('Out', 2)}${common}${FLAT_MAIN}
  let CM = P.C * P.mult;
  let m = i % P.mult; let r1 = i / P.mult; let c = r1 % P.C; let r2 = r1 / P.C;
  let kw = r2 % P.KW; let kh = r2 / P.KW;
  var s = 0.0;
  for (var n = 0; n < P.NB; n++) {
    for (var oh = 0; oh < P.OH; oh++) {
      let ih = oh * P.SH - P.PH + kh * P.DH;
      if (ih < 0 || ih >= P.H) { continue; }
      for (var ow = 0; ow < P.OW; ow++) {
        let iw = ow * P.SW - P.PW + kw * P.DW;
        if (iw < 0 || iw >= P.W) { continue; }
        s += X[((n * P.H + ih) * P.W + iw) * P.C + c] * DY[((n * P.OH + oh) * P.OW + ow) * CM + c * P.mult + m];
      }
    }
  }
  Out[i] = s;
}
`;
  }
  return withParams(body, DW_PARAMS, 3);
}

function depthwiseKernel(kind: DwKind) {
  return (inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo => {
    let outShape: number[];
    let g;
    if (kind === 'DepthwiseConv') {
      const [x, f] = inputs;
      const o = attrs.out as number[];
      outShape = [x.shape[0], o[0], o[1], x.shape[3] * f.shape[3]];
      g = depthwiseGeom(x.shape, f.shape, attrs);
    } else if (kind === 'DepthwiseConvBackpropInput') {
      outShape = (attrs.inShape as number[]).slice();
      g = depthwiseGeom(outShape, inputs[1].shape, attrs);
    } else {
      outShape = (attrs.filterShape as number[]).slice();
      g = depthwiseGeom(inputs[0].shape, outShape, attrs);
    }
    const y = gpu.makeOutput(outShape, 'float32');
    const total = outShape.reduce((a, b) => a * b, 1);
    if (total === 0) return y;
    dispatch(
      gpu,
      { key: kind, code: cachedCode(kind, () => depthwiseWgsl(kind)), workgroups: flatGroups(total), params: [total, g.mult, ...geomValues(g)] },
      inputs,
      [y],
    );
    return y;
  };
}

for (const kind of ['Conv', 'ConvBackpropInput', 'ConvBackpropFilter'] as const) registerWebGPUKernel(kind, convKernel(kind));
for (const kind of ['DepthwiseConv', 'DepthwiseConvBackpropInput', 'DepthwiseConvBackpropFilter'] as const)
  registerWebGPUKernel(kind, depthwiseKernel(kind));
