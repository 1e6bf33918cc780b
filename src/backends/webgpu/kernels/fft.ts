// WebGPU 'FFT' and 'ComplexAbs' over float32 views of complex64 tensors ([..., n, 2]: interleaved
// real and imaginary parts; src/ops/complex.ts makes the views). Contract: src/backends/js/kernels/fft.ts.
//
// FFT: one invocation per output element computes its DFT sum directly, O(n) each (O(n^2) per row:
// no butterflies, so every length works alike, as Bluestein gives the CPU kernel). The twiddles
// cos / sin(2 pi m / n) come from a table made on the host in float64 (WGSL's f32 sin/cos lose
// accuracy for large arguments), indexed by m = j k mod n kept exact in integers. Sums in float32
// (the CPU kernel works in float64): errors grow like sqrt(n) ulps of the row's magnitude.
// ComplexAbs: hypot(re, im) scaled by the larger part, so no square overflows (as Math.hypot).
import type { TensorInfo } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
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

registerWebGPUKernel('FFT', ([x], attrs, gpu: WebGPUBackend): TensorInfo => {
  const y = gpu.makeOutput(x.shape, 'float32');
  const n = x.shape[x.shape.length - 2];
  const total = x.shape.reduce((a, b) => a * b, 1) / 2;
  if (total === 0) return y;
  const tw = twiddles(n);
  const table: TensorInfo = { dataId: gpu.write(tw, tw.length, 'float32'), shape: [tw.length], dtype: 'float32' };
  try {
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
