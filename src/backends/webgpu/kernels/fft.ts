// WebGPU 'FFT' and 'ComplexAbs' over float32 views of complex64 tensors ([..., n, 2]: interleaved
// real and imaginary parts; src/ops/complex.ts makes the views). Contract: src/backends/js/kernels/fft.ts.
//
// FFT: rows whose length is a power of two up to 2048 run radix-2 in workgroup memory (one
// workgroup a row, O(n log n), the CPU kernel's algorithm); other lengths up to 2048 compute each output
// element's DFT sum directly, O(n) each (O(n^2) a row, where the CPU kernel runs Bluestein); longer rows
// run the CPU kernel through the counted fallback when the input has a host copy (DIRECT_MAX). The twiddles
// cos / sin(2 pi m / n) come from a table made on the host in float64 (WGSL's f32 sin/cos lose
// accuracy for large arguments), indexed by m = j k mod n kept exact in integers. Sums in float32
// (the CPU kernel works in float64): errors grow like sqrt(n) ulps of the row's magnitude.
// ComplexAbs: hypot(re, im) scaled by the larger part, so no square overflows (as Math.hypot).
import type { TensorInfo } from '../../backend.js';
import { MAX_GROUPS, type WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

const FFT_PARAMS = ['total', 'n', 'inverse', 'normalize'];

function fftWgsl(): string {
  const body = `${inputDecl('X', 0)}${inputDecl('Tw', 1)}${outputDecl('Out', 2)}${FLAT_MAIN}
  let k = i % P.n; let o = (i / P.n) * P.n * 2;
  let sgn = select(-1.0, 1.0, P.inverse != 0);
  var re = 0.0; var im = 0.0;
  var m = 0;
  for (var j = 0; j < P.n; j++) {
    let c = Tw[2 * m]; let s = sgn * Tw[2 * m + 1];
    let a = X[o + 2 * j]; let b = X[o + 2 * j + 1];
    re += a * c - b * s;
    im += a * s + b * c;
    m += k;
    if (m >= P.n) { m -= P.n; }
  }
  let scale = select(1.0, 1.0 / f32(P.n), P.normalize != 0);
  Out[o + 2 * k] = re * scale;
  Out[o + 2 * k + 1] = im * scale;
}
`;
  return withParams(body, FFT_PARAMS, 3);
}

/** Longest power-of-two row the radix-2 kernel sorts in workgroup memory (2048 complex = 16 KiB, WebGPU's default). */
const RADIX2_MAX = 2048;
const RADIX2_WG = 256;

/**
 * Radix-2 (power-of-two n <= RADIX2_MAX): one workgroup per row loads it in bit-reversed order into
 * workgroup memory and runs the log2(n) butterfly stages there, as the CPU kernel's Radix2.
 */
function radix2Wgsl(): string {
  const body = `${inputDecl('X', 0)}${inputDecl('Tw', 1)}${outputDecl('Out', 2)}
var<workgroup> a: array<vec2<f32>, ${RADIX2_MAX}>;
@compute @workgroup_size(${RADIX2_WG})
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let row = i32(w.x + w.y * nw.x);
  if (row >= P.total) { return; }
  let n = P.n; let t = i32(l.x);
  let bits = u32(P.bits);
  let o = row * n * 2;
  for (var i = t; i < n; i += ${RADIX2_WG}) {
    let r = i32(reverseBits(u32(i)) >> (32u - bits));
    a[r] = vec2<f32>(X[o + 2 * i], X[o + 2 * i + 1]);
  }
  workgroupBarrier();
  let sgn = select(-1.0, 1.0, P.inverse != 0);
  for (var half = 1; half < n; half *= 2) {
    for (var b = t; b < n / 2; b += ${RADIX2_WG}) {
      let pos = b % half;
      let i = (b / half) * 2 * half + pos;
      let m = pos * (n / (2 * half));
      let c = Tw[2 * m]; let s = sgn * Tw[2 * m + 1];
      let u = a[i]; let v = a[i + half];
      let vw = vec2<f32>(v.x * c - v.y * s, v.x * s + v.y * c);
      a[i] = u + vw;
      a[i + half] = u - vw;
    }
    workgroupBarrier();
  }
  let scale = select(1.0, 1.0 / f32(n), P.normalize != 0);
  for (var i = t; i < n; i += ${RADIX2_WG}) {
    Out[o + 2 * i] = a[i].x * scale;
    Out[o + 2 * i + 1] = a[i].y * scale;
  }
}
`;
  return withParams(body, [...FFT_PARAMS, 'bits'], 3);
}

const twiddleCache = new Map<number, Float32Array>();

/** cos and sin of 2 pi m / n for m < n, interleaved, computed in float64. */
function twiddles(n: number): Float32Array {
  let t = twiddleCache.get(n);
  if (!t) {
    t = new Float32Array(2 * n);
    for (let m = 0; m < n; m++) {
      t[2 * m] = Math.cos((2 * Math.PI * m) / n);
      t[2 * m + 1] = Math.sin((2 * Math.PI * m) / n);
    }
    if (twiddleCache.size > 64) twiddleCache.clear();
    twiddleCache.set(n, t);
  }
  return t;
}

/**
 * Longest row the direct DFT sum takes when the input has a host copy: longer rows that are not
 * radix-2 (every length above 2048, powers of two included) run the CPU kernel (Bluestein, float64)
 * through the counted fallback, since the sum costs n^2 a row (n = 16384: 74 s on SwiftShader, 0.13 s
 * on wasm). An input that lives only on the GPU cannot be read synchronously, so it keeps the sum.
 */
const DIRECT_MAX = 2048;

registerWebGPUKernel('FFT', ([x], attrs, gpu: WebGPUBackend): TensorInfo | TensorInfo[] => {
  const n = x.shape[x.shape.length - 2];
  const radix2 = (n & (n - 1)) === 0 && n > 1 && n <= RADIX2_MAX;
  const host = gpu.fallback?.kernels.get('FFT');
  if (!radix2 && n > DIRECT_MAX && host && gpu.hostValues(x.dataId)) return gpu.runFallback('FFT', host, [x], attrs);
  const y = gpu.makeOutput(x.shape, 'float32');
  const total = x.shape.reduce((a, b) => a * b, 1) / 2;
  if (total === 0) return y;
  const tw = twiddles(n);
  const table: TensorInfo = { dataId: gpu.write(tw, tw.length, 'float32'), shape: [tw.length], dtype: 'float32' };
  try {
    const rows = total / n;
    if (radix2) {
      const groups: [number, number, number] = rows <= MAX_GROUPS ? [rows, 1, 1] : [MAX_GROUPS, Math.ceil(rows / MAX_GROUPS), 1];
      const params = [rows, n, attrs.inverse ? 1 : 0, attrs.normalize ? 1 : 0, Math.round(Math.log2(n))];
      dispatch(gpu, { key: 'FFTRadix2', code: cachedCode('FFTRadix2', radix2Wgsl), workgroups: groups, params }, [x, table], [y]);
      return y;
    }
    dispatch(
      gpu,
      {
        key: 'FFT',
        code: cachedCode('FFT', fftWgsl),
        workgroups: flatGroups(total),
        params: [total, n, attrs.inverse ? 1 : 0, attrs.normalize ? 1 : 0],
      },
      [x, table],
      [y],
    );
  } finally {
    gpu.disposeData(table.dataId);
  }
  return y;
});

function absWgsl(): string {
  const body = `${inputDecl('X', 0)}${outputDecl('Out', 1)}
fn isInf(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) == 0x7f800000u; }
${FLAT_MAIN}
  let a = X[2 * i]; let b = X[2 * i + 1];
  if (isInf(a) || isInf(b)) { Out[i] = select(abs(b), abs(a), isInf(a)); return; } // hypot(inf, NaN) = inf
  let m = max(abs(a), abs(b));
  if (m == 0.0) { Out[i] = 0.0; return; }
  let p = a / m; let q = b / m;
  Out[i] = m * sqrt(p * p + q * q); // NaN in a or b stays NaN
}
`;
  return withParams(body, ['total'], 2);
}

registerWebGPUKernel('ComplexAbs', ([x], _attrs, gpu: WebGPUBackend): TensorInfo => {
  const shape = x.shape.slice(0, -1);
  const y = gpu.makeOutput(shape, 'float32');
  const total = shape.reduce((a, b) => a * b, 1);
  if (total > 0) dispatch(gpu, { key: 'ComplexAbs', code: cachedCode('ComplexAbs', absWgsl), workgroups: flatGroups(total), params: [total] }, [x], [y]);
  return y;
});
