// WebGPU image kernels: 'ResizeNearest', 'ResizeBilinear' and their gradients (UpSampling2D,
// sg.resizeBilinear / resizeNearestNeighbor), 'CropAndResize' (sg.image.cropAndResize), and
// 'ImageTransform' with its adjoint 'ImageTransformGrad' (sg.image.transform and the augmentation
// layers built on it). Contracts: src/backends/js/kernels/{conv (resize), image,
// image_transform}.ts.
//
// Resize: one invocation per output element (forward) or per input element (gradient: it
// gathers from the few output rows and columns whose taps read it, so no atomics). Nearest reads
// its source rows and columns from index tables made on the host by the CPU kernels'
// nearestIndex (float64 `scale * i`, as tfjs), uploaded per call ([OH + OW] int32): WGSL has no
// f64, and the exact ratio differs from the float64 product where that falls just below an
// integer (26 -> 46 rows: output row 23 reads row 12, not 23 * 26 / 46 = 13). Bilinear computes
// its taps in integers (src = num / den exactly); where the float64 product lands within 1e-15 of
// an integer the CPU kernels give that much weight to the neighbouring pixel and this gives it
// none (a difference of ~1e-15 times a pixel value).
// CropAndResize and ImageTransform with nearest sampling read their source pixels from index
// tables computed on the host in float64 with the CPU kernels' arithmetic (a half-way point in
// float32 can round to the other pixel) where the boxes / transforms have a host copy (made on
// the host, or read once): per box [ch + cw] rows and columns (-1: extrapolation), per transform
// [OH * OW] source pixels (-1: fill). Boxes / transforms that live only on the GPU have no host
// copy to build tables from without a readback: their coordinates are computed in float32 on the
// GPU, where nearest sampling can pick the other pixel within float32 rounding of a half-way point.
// ImageTransformGrad scatters: a projective map has no cheap inverse, so each output pixel adds
// its weighted taps to the input gradient with a compare-and-swap float add (summation order
// varies between runs, within float32 rounding).
import type { Attrs, TensorInfo } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { f32Bits } from './attention.js';
import { nearestIndex } from '../../js/kernels/conv.js';
import { mapCoord, type FillMode } from '../../js/kernels/image_transform.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

// ---- resize ----

const RESIZE_PARAMS = ['total', 'N', 'H', 'W', 'C', 'OH', 'OW', 'ac', 'hp'];

/**
 * WGSL per-axis bilinear taps of output index i (input size inS, output size outS), as
 * bilinearTaps in src/backends/js/kernels/conv.ts: scale = (in - 1) / (out - 1) with
 * alignCorners (out > 1), else in / out, as an integer ratio. (Nearest: index tables, below.)
 */
const AXIS_WGSL = `
struct Tap { lo: i32, hi: i32, f: f32 }
fn ratio(inS: i32, outS: i32) -> vec2<i32> {
  if (P.ac != 0 && outS > 1) { return vec2<i32>(inS - 1, outS - 1); }
  return vec2<i32>(inS, outS);
}
fn bilTap(i: i32, inS: i32, outS: i32) -> Tap {
  let r = ratio(inS, outS);
  var num = r.x * i;
  var den = r.y;
  if (P.hp != 0) { num = max(0, r.x * (2 * i + 1) - r.y); den = 2 * r.y; }
  let fl = num / den;
  let rem = num - fl * den;
  return Tap(min(inS - 1, fl), min(inS - 1, fl + select(0, 1, rem > 0)), f32(rem) / f32(den));
}
// The weight output index i gives input index y along an axis (bilinear).
fn axisWeight(i: i32, y: i32, inS: i32, outS: i32) -> f32 {
  let t = bilTap(i, inS, outS);
  return select(0.0, 1.0 - t.f, t.lo == y) + select(0.0, t.f, t.hi == y);
}
// The output indices whose taps may read input index y (a superset with two input pixels of
// margin, so also for the nearest tables, which are within one pixel of the exact ratio; the
// weight decides).
fn axisRange(y: i32, inS: i32, outS: i32) -> vec2<i32> {
  let r = ratio(inS, outS);
  var lo = 0;
  var hi = outS - 1;
  if (r.x > 0) {
    let s = f32(r.y) / f32(r.x);
    if (y > 0) { lo = max(0, i32(floor((f32(y) - 2.0) * s)) - 1); }
    if (y < inS - 1) { hi = min(outS - 1, i32(ceil((f32(y) + 2.0) * s)) + 1); }
  }
  return vec2<i32>(lo, hi);
}
`;

function resizeWgsl(bilinear: boolean, grad: boolean): string {
  // nearest: Tab[oy] is output row oy's source row, Tab[P.OH + ox] output column ox's source column
  const tab = '@group(0) @binding(1) var<storage, read> Tab: array<i32>;\n';
  let body: string;
  if (!grad) {
    const read = bilinear
      ? `let ty = bilTap(oy, P.H, P.OH); let tx = bilTap(ox, P.W, P.OW);
  let v00 = X[px(n, ty.lo, tx.lo, c)]; let v01 = X[px(n, ty.lo, tx.hi, c)];
  let v10 = X[px(n, ty.hi, tx.lo, c)]; let v11 = X[px(n, ty.hi, tx.hi, c)];
  Out[i] = (1.0 - ty.f) * (1.0 - tx.f) * v00 + (1.0 - ty.f) * tx.f * v01 + ty.f * (1.0 - tx.f) * v10 + ty.f * tx.f * v11;`
      : `Out[i] = X[px(n, Tab[oy], Tab[P.OH + ox], c)];`;
    body = `${inputDecl('X', 0)}${bilinear ? '' : tab}${outputDecl('Out', bilinear ? 1 : 2)}${AXIS_WGSL}
fn px(n: i32, y: i32, x: i32, c: i32) -> i32 { return ((n * P.H + y) * P.W + x) * P.C + c; }
${FLAT_MAIN}
  let c = i % P.C; let ox = (i / P.C) % P.OW; let oy = (i / (P.C * P.OW)) % P.OH; let n = i / (P.C * P.OW * P.OH);
  ${read}
}
`;
  } else {
    // the weight of output row oy (column ox) for input row y (column x)
    const wy = bilinear ? 'axisWeight(oy, y, P.H, P.OH)' : 'select(0.0, 1.0, Tab[oy] == y)';
    const wx = bilinear ? 'axisWeight(ox, x, P.W, P.OW)' : 'select(0.0, 1.0, Tab[P.OH + ox] == x)';
    body = `${inputDecl('DY', 0)}${bilinear ? '' : tab}${outputDecl('Out', bilinear ? 1 : 2)}${AXIS_WGSL}${FLAT_MAIN}
  let c = i % P.C; let x = (i / P.C) % P.W; let y = (i / (P.C * P.W)) % P.H; let n = i / (P.C * P.W * P.H);
  let ri = axisRange(y, P.H, P.OH);
  let rj = axisRange(x, P.W, P.OW);
  var s = 0.0;
  for (var oy = ri.x; oy <= ri.y; oy++) {
    let wy = ${wy};
    if (wy == 0.0) { continue; }
    var row = 0.0;
    for (var ox = rj.x; ox <= rj.y; ox++) {
      let wx = ${wx};
      if (wx != 0.0) { row += wx * DY[((n * P.OH + oy) * P.OW + ox) * P.C + c]; }
    }
    s += wy * row;
  }
  Out[i] = s;
}
`;
  }
  return withParams(body, RESIZE_PARAMS, bilinear ? 2 : 3);
}

function resizeKernel(bilinear: boolean, grad: boolean) {
  const name = `${bilinear ? 'ResizeBilinear' : 'ResizeNearest'}${grad ? 'Grad' : ''}`;
  return (inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo => {
    const [OH, OW] = attrs.size as number[];
    const inShape = grad ? (attrs.inShape as number[]) : inputs[0].shape;
    const [N, H, W, C] = inShape;
    const outShape = grad ? inShape.slice() : [N, OH, OW, C];
    const y = gpu.makeOutput(outShape, 'float32');
    const total = outShape.reduce((a, b) => a * b, 1);
    if (total === 0) return y;
    const ac = !!attrs.alignCorners;
    const hp = !!attrs.halfPixelCenters;
    let table: TensorInfo | null = null;
    if (!bilinear) {
      const t = new Int32Array(OH + OW);
      t.set(nearestIndex(H, OH, ac, hp));
      t.set(nearestIndex(W, OW, ac, hp), OH);
      table = { dataId: gpu.write(t, t.length, 'int32'), shape: [t.length], dtype: 'int32' };
    }
    try {
      dispatch(
        gpu,
        {
          key: name,
          code: cachedCode(name, () => resizeWgsl(bilinear, grad)),
          workgroups: flatGroups(total),
          params: [total, N, H, W, C, OH, OW, ac ? 1 : 0, hp ? 1 : 0],
        },
        table ? [inputs[0], table] : inputs,
        [y],
      );
    } finally {
      // recorded dispatches keep the buffer until they ran; a reuse from the pool writes in stream order
      if (table) gpu.disposeData(table.dataId);
    }
    return y;
  };
}

for (const bilinear of [false, true]) for (const grad of [false, true]) {
  registerWebGPUKernel(`${bilinear ? 'ResizeBilinear' : 'ResizeNearest'}${grad ? 'Grad' : ''}`, resizeKernel(bilinear, grad));
}

// ---- cropAndResize ----

const CROP_PARAMS = ['total', 'B', 'H', 'W', 'C', 'ch', 'cw', 'bilinear', 'ext'];

/** As the js kernel: box i's crop of image boxInd[i], sampled at ch x cw points, extrapolationValue outside. */
function cropWgsl(): string {
  const body = `${inputDecl('X', 0)}${inputDecl('Bx', 1)}@group(0) @binding(2) var<storage, read> Bi: array<i32>;
${outputDecl('Out', 3)}
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
${FLAT_MAIN}
  let c = i % P.C; let x = (i / P.C) % P.cw; let y = (i / (P.C * P.cw)) % P.ch; let bx = i / (P.C * P.cw * P.ch);
  let y1 = Bx[bx * 4]; let x1 = Bx[bx * 4 + 1]; let y2 = Bx[bx * 4 + 2]; let x2 = Bx[bx * 4 + 3];
  let b = Bi[bx];
  let Hm = f32(P.H - 1); let Wm = f32(P.W - 1);
  var inY = 0.5 * (y1 + y2) * Hm;
  if (P.ch > 1) { inY = y1 * Hm + f32(y) * (((y2 - y1) * Hm) / f32(P.ch - 1)); }
  var inX = 0.5 * (x1 + x2) * Wm;
  if (P.cw > 1) { inX = x1 * Wm + f32(x) * (((x2 - x1) * Wm) / f32(P.cw - 1)); }
  if (b < 0 || b >= P.B || inY < 0.0 || inY > Hm || inX < 0.0 || inX > Wm) { Out[i] = bitcast<f32>(P.ext); return; }
  // a NaN coordinate passes the test above and reads NaN on the CPU (img[NaN]); a NaN made at run
  // time (a constant NaN does not compile)
  if (isNan(inY) || isNan(inX)) { Out[i] = bitcast<f32>(P.ext | 0x7fc00000); return; }
  let base = b * P.H;
  if (P.bilinear != 0) {
    let top = i32(floor(inY)); let bottom = i32(ceil(inY)); let yl = inY - floor(inY);
    let left = i32(floor(inX)); let right = i32(ceil(inX)); let xl = inX - floor(inX);
    let tl = X[((base + top) * P.W + left) * P.C + c]; let tr = X[((base + top) * P.W + right) * P.C + c];
    let bl = X[((base + bottom) * P.W + left) * P.C + c]; let br = X[((base + bottom) * P.W + right) * P.C + c];
    let t = tl + (tr - tl) * xl;
    let bt = bl + (br - bl) * xl;
    Out[i] = t + (bt - t) * yl;
  } else {
    // Math.round: half-way rounds up (WGSL's round() goes to even)
    let cy = i32(floor(inY + 0.5)); let cx = i32(floor(inX + 0.5));
    Out[i] = X[((base + cy) * P.W + cx) * P.C + c];
  }
}
`;
  return withParams(body, CROP_PARAMS, 4);
}

/** Nearest cropAndResize from a host table: Tab[bx * (ch + cw) + y] the row, [.. + ch + x] the column (-1: outside, -2: NaN). */
function cropTableWgsl(): string {
  const body = `${inputDecl('X', 0)}@group(0) @binding(1) var<storage, read> Bi: array<i32>;
@group(0) @binding(2) var<storage, read> Tab: array<i32>;
${outputDecl('Out', 3)}${FLAT_MAIN}
  let c = i % P.C; let x = (i / P.C) % P.cw; let y = (i / (P.C * P.cw)) % P.ch; let bx = i / (P.C * P.cw * P.ch);
  let b = Bi[bx];
  let cy = Tab[bx * (P.ch + P.cw) + y]; let cx = Tab[bx * (P.ch + P.cw) + P.ch + x];
  if (b < 0 || b >= P.B || cy == -1 || cx == -1) { Out[i] = bitcast<f32>(P.ext); return; }
  if (cy < 0 || cx < 0) { Out[i] = bitcast<f32>(P.ext | 0x7fc00000); return; } // -2: a NaN coordinate, NaN as on the CPU
  Out[i] = X[((b * P.H + cy) * P.W + cx) * P.C + c];
}
`;
  return withParams(body, CROP_PARAMS, 4);
}

/**
 * The nearest rows and columns of each box, as the CPU kernel computes them (float64): -1 outside
 * (extrapolationValue), -2 for a NaN coordinate, which the CPU kernel's range test lets through to
 * read NaN (unless the other coordinate is outside).
 */
function cropTable(boxes: ArrayLike<number>, n: number, H: number, W: number, ch: number, cw: number): Int32Array {
  const t = new Int32Array(n * (ch + cw));
  for (let i = 0; i < n; i++) {
    const [y1, x1, y2, x2] = [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
    const hScale = ch > 1 ? ((y2 - y1) * (H - 1)) / (ch - 1) : 0;
    const wScale = cw > 1 ? ((x2 - x1) * (W - 1)) / (cw - 1) : 0;
    const o = i * (ch + cw);
    for (let y = 0; y < ch; y++) {
      const inY = ch > 1 ? y1 * (H - 1) + y * hScale : 0.5 * (y1 + y2) * (H - 1);
      t[o + y] = inY < 0 || inY > H - 1 ? -1 : Number.isNaN(inY) ? -2 : Math.round(inY);
    }
    for (let x = 0; x < cw; x++) {
      const inX = cw > 1 ? x1 * (W - 1) + x * wScale : 0.5 * (x1 + x2) * (W - 1);
      t[o + ch + x] = inX < 0 || inX > W - 1 ? -1 : Number.isNaN(inX) ? -2 : Math.round(inX);
    }
  }
  return t;
}

registerWebGPUKernel('CropAndResize', (inputs, attrs, gpu) => {
  const [img, boxes] = inputs;
  const [B, H, W, C] = img.shape;
  const [ch, cw] = attrs.cropSize as number[];
  const n = boxes.shape[0];
  const y = gpu.makeOutput([n, ch, cw, C], 'float32');
  const total = n * ch * cw * C;
  if (total === 0) return y;
  const params = [total, B, H, W, C, ch, cw, attrs.method === 'bilinear' ? 1 : 0, f32Bits(attrs.extrapolationValue as number)];
  const hostBoxes = attrs.method === 'bilinear' ? null : gpu.hostValues(boxes.dataId);
  if (hostBoxes) {
    const t = cropTable(hostBoxes, n, H, W, ch, cw);
    const table: TensorInfo = { dataId: gpu.write(t, t.length, 'int32'), shape: [t.length], dtype: 'int32' };
    try {
      const key = 'CropAndResizeNearestTable';
      dispatch(gpu, { key, code: cachedCode(key, cropTableWgsl), workgroups: flatGroups(total), params }, [img, inputs[2], table], [y]);
    } finally {
      gpu.disposeData(table.dataId);
    }
    return y;
  }
  dispatch(
    gpu,
    {
      key: 'CropAndResize',
      code: cachedCode('CropAndResize', cropWgsl),
      workgroups: flatGroups(total),
      params,
    },
    inputs,
    [y],
  );
  return y;
});

// ---- image.transform ----

const TRANSFORM_PARAMS = ['total', 'H', 'W', 'C', 'OH', 'OW', 'perImage', 'mode', 'nearest', 'fill'];
const FILL_MODES: Record<string, number> = { constant: 0, reflect: 1, wrap: 2, nearest: 3 };

/** mapCoord of src/backends/js/kernels/image_transform.ts (TF's image_ops.h), in f32. */
const MAP_COORD_WGSL = `
fn truncf(v: f32) -> f32 { return trunc(v); }
fn mapCoord(cIn: f32, len: i32, mode: i32) -> f32 {
  var c = cIn;
  let lenf = f32(len);
  if (mode == 0) { return c; }
  if (mode == 3) { return clamp(c, 0.0, lenf - 1.0); }
  if (mode == 1) {
    if (c < 0.0) {
      if (len <= 1) { c = 0.0; } else {
        let sz2 = 2.0 * lenf;
        if (c < sz2) { c = sz2 * truncf(-c / sz2) + c; }
        c = select(-c - 1.0, c + sz2, c < -lenf);
      }
    } else if (c > lenf - 1.0) {
      if (len <= 1) { c = 0.0; } else {
        let sz2 = 2.0 * lenf;
        c -= sz2 * truncf(c / sz2);
        if (c >= lenf) { c = sz2 - c - 1.0; }
      }
    }
  } else {
    if (c < 0.0) {
      if (len <= 1) { c = 0.0; } else { c += lenf * (truncf(-c / (lenf - 1.0)) + 1.0); }
    } else if (c > lenf - 1.0) {
      if (len <= 1) { c = 0.0; } else { c -= lenf * truncf(c / (lenf - 1.0)); }
    }
  }
  return clamp(c, 0.0, lenf - 1.0);
}
// The input point output pixel (ox, oy) of image b reads; z = 0 when the projection's k is 0 (fill).
fn source(b: i32, ox: i32, oy: i32) -> vec3<f32> {
  let o = select(0, b * 8, P.perImage != 0);
  let fx = f32(ox); let fy = f32(oy);
  let k = T[o + 6] * fx + T[o + 7] * fy + 1.0;
  if (k == 0.0) { return vec3<f32>(0.0, 0.0, 0.0); }
  let x = mapCoord((T[o] * fx + T[o + 1] * fy + T[o + 2]) / k, P.W, P.mode);
  let y = mapCoord((T[o + 3] * fx + T[o + 4] * fy + T[o + 5]) / k, P.H, P.mode);
  return vec3<f32>(x, y, 1.0);
}
`;

function transformWgsl(grad: boolean): string {
  const head = `let c = i % P.C; let ox = (i / P.C) % P.OW; let oy = (i / (P.C * P.OW)) % P.OH; let b = i / (P.C * P.OW * P.OH);
  let s = source(b, ox, oy);
  let base = b * P.H * P.W * P.C;`;
  let body: string;
  if (!grad) {
    body = `${inputDecl('X', 0)}${inputDecl('T', 1)}${outputDecl('Out', 2)}${MAP_COORD_WGSL}
fn at(base: i32, y: i32, x: i32, c: i32) -> f32 {
  if (y < 0 || y >= P.H || x < 0 || x >= P.W) { return bitcast<f32>(P.fill); }
  return X[base + (y * P.W + x) * P.C + c];
}
${FLAT_MAIN}
  ${head}
  if (s.z == 0.0) { Out[i] = bitcast<f32>(P.fill); return; }
  if (P.nearest != 0) {
    Out[i] = at(base, i32(floor(s.y + 0.5)), i32(floor(s.x + 0.5)), c);
    return;
  }
  let y0 = floor(s.y); let x0 = floor(s.x);
  let wy = s.y - y0; let wx = s.x - x0;
  let r = i32(y0); let q = i32(x0);
  Out[i] = (1.0 - wy) * (1.0 - wx) * at(base, r, q, c) + (1.0 - wy) * wx * at(base, r, q + 1, c)
    + wy * (1.0 - wx) * at(base, r + 1, q, c) + wy * wx * at(base, r + 1, q + 1, c);
}
`;
    return withParams(body, TRANSFORM_PARAMS, 3);
  }
  // Adjoint: invocation i is dy's element; its taps add into DX (zeroed) atomically.
  body = `${inputDecl('DY', 0)}${inputDecl('T', 1)}@group(0) @binding(2) var<storage, read_write> DX: array<atomic<u32>>;
${MAP_COORD_WGSL}
fn addTo(base: i32, y: i32, x: i32, c: i32, v: f32) {
  if (y < 0 || y >= P.H || x < 0 || x >= P.W || v == 0.0) { return; }
  let k = base + (y * P.W + x) * P.C + c;
  var old = atomicLoad(&DX[k]);
  loop {
    let r = atomicCompareExchangeWeak(&DX[k], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
${FLAT_MAIN}
  ${head}
  if (s.z == 0.0) { return; }
  let g = DY[i];
  if (P.nearest != 0) {
    addTo(base, i32(floor(s.y + 0.5)), i32(floor(s.x + 0.5)), c, g);
    return;
  }
  let y0 = floor(s.y); let x0 = floor(s.x);
  let wy = s.y - y0; let wx = s.x - x0;
  let r = i32(y0); let q = i32(x0);
  addTo(base, r, q, c, (1.0 - wy) * (1.0 - wx) * g);
  addTo(base, r, q + 1, c, (1.0 - wy) * wx * g);
  addTo(base, r + 1, q, c, wy * (1.0 - wx) * g);
  addTo(base, r + 1, q + 1, c, wy * wx * g);
}
`;
  return withParams(body, TRANSFORM_PARAMS, 3);
}

/**
 * Nearest ImageTransform / its adjoint from a host table: Tab[tb * OH * OW + oy * OW + ox] is the
 * source pixel y * W + x of output pixel (oy, ox) under transform tb, or -1 (fill / no tap).
 */
function transformTableWgsl(grad: boolean): string {
  const head = `let c = i % P.C; let ox = (i / P.C) % P.OW; let oy = (i / (P.C * P.OW)) % P.OH; let b = i / (P.C * P.OW * P.OH);
  let src = Tab[(select(0, b, P.perImage != 0) * P.OH + oy) * P.OW + ox];`;
  const body = grad
    ? `${inputDecl('DY', 0)}@group(0) @binding(1) var<storage, read> Tab: array<i32>;
@group(0) @binding(2) var<storage, read_write> DX: array<atomic<u32>>;
${FLAT_MAIN}
  ${head}
  let g = DY[i];
  if (src < 0 || g == 0.0) { return; }
  let k = (b * P.H * P.W + src) * P.C + c;
  var old = atomicLoad(&DX[k]);
  loop {
    let r = atomicCompareExchangeWeak(&DX[k], old, bitcast<u32>(bitcast<f32>(old) + g));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
`
    : `${inputDecl('X', 0)}@group(0) @binding(1) var<storage, read> Tab: array<i32>;
${outputDecl('Out', 2)}${FLAT_MAIN}
  ${head}
  if (src < 0) { Out[i] = bitcast<f32>(P.fill); return; }
  Out[i] = X[(b * P.H * P.W + src) * P.C + c];
}
`;
  return withParams(body, TRANSFORM_PARAMS, 3);
}

/** Source pixels of nearest sampling per transform and output pixel, as the CPU kernels compute them (float64). */
function transformTable(t: ArrayLike<number>, nT: number, H: number, W: number, OH: number, OW: number, mode: FillMode): Int32Array {
  const tab = new Int32Array(nT * OH * OW);
  for (let b = 0; b < nT; b++) {
    const o = b * 8;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const k = t[o + 6] * ox + t[o + 7] * oy + 1;
        let src = -1;
        if (k !== 0) {
          const r = Math.round(mapCoord((t[o + 3] * ox + t[o + 4] * oy + t[o + 5]) / k, H, mode));
          const q = Math.round(mapCoord((t[o] * ox + t[o + 1] * oy + t[o + 2]) / k, W, mode));
          if (r >= 0 && r < H && q >= 0 && q < W) src = r * W + q;
        }
        tab[(b * OH + oy) * OW + ox] = src;
      }
    }
  }
  return tab;
}

function transformKernel(grad: boolean) {
  const name = grad ? 'ImageTransformGrad' : 'ImageTransform';
  return (inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo => {
    const [x, t] = inputs;
    let H: number, W: number, OH: number, OW: number;
    const [batch, , , C] = x.shape;
    if (grad) {
      [H, W] = attrs.inShape as number[];
      [OH, OW] = [x.shape[1], x.shape[2]];
    } else {
      [H, W] = [x.shape[1], x.shape[2]];
      [OH, OW] = attrs.outputShape as number[];
    }
    const y = grad ? gpu.makeZeros([batch, H, W, C], 'float32') : gpu.makeOutput([batch, OH, OW, C], 'float32');
    const total = batch * OH * OW * C;
    if (total === 0) return y;
    const params = [
      total,
      H,
      W,
      C,
      OH,
      OW,
      t.shape[0] !== 1 ? 1 : 0,
      FILL_MODES[attrs.fillMode as string],
      attrs.interpolation === 'nearest' ? 1 : 0,
      f32Bits(grad ? 0 : (attrs.fillValue as number)),
    ];
    const hostT = attrs.interpolation === 'nearest' ? gpu.hostValues(t.dataId) : null;
    if (hostT) {
      const tab = transformTable(hostT, t.shape[0], H, W, OH, OW, attrs.fillMode as FillMode);
      const table: TensorInfo = { dataId: gpu.write(tab, tab.length, 'int32'), shape: [tab.length], dtype: 'int32' };
      try {
        const key = `${name}NearestTable`;
        dispatch(gpu, { key, code: cachedCode(key, () => transformTableWgsl(grad)), workgroups: flatGroups(total), params }, [x, table], [y]);
      } finally {
        gpu.disposeData(table.dataId);
      }
      return y;
    }
    dispatch(gpu, { key: name, code: cachedCode(name, () => transformWgsl(grad)), workgroups: flatGroups(total), params }, inputs, [y]);
    return y;
  };
}

registerWebGPUKernel('ImageTransform', transformKernel(false));
registerWebGPUKernel('ImageTransformGrad', transformKernel(true));
