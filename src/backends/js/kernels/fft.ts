// Kernels of the complex ops, over float32 views of complex64 tensors ([..., 2]: interleaved real and
// imaginary parts; src/ops/complex.ts makes those views). Both CPU backends run them (wasm over heap
// views: there are no wasm FFT kernels). 'FFT' transforms the innermost complex axis in float64:
// iterative radix-2 for powers of two, Bluestein's chirp-z (through radix-2 of the next power of two
// >= 2n - 1) for any other length. 'ComplexAbs' is the magnitude hypot(re, im).
import type { CpuKernelDef } from '../../host.js';

/** Twiddles and bit-reversal of a radix-2 transform of length n (a power of two). */
class Radix2 {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly rev: Uint32Array;
  constructor(readonly n: number) {
    const half = n >> 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** In place: X_k = sum_j x_j exp(sign * 2 pi i j k / n), sign -1 (forward) or +1; unnormalised. */
  run(re: Float64Array, im: Float64Array, sign: number): void {
    const { n, rev } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step];
          const wi = sign * this.sin[k * step];
          const a = start + k;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }
}

/** Bluestein's algorithm for a length n that is not a power of two. */
class Bluestein {
  private readonly m: number;
  private readonly r2: Radix2;
  private readonly wr: Float64Array; // chirp exp(sign * i pi k^2 / n)
  private readonly wi: Float64Array;
  private readonly br: Float64Array; // FFT of the conjugate chirp, wrapped around
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;
  constructor(
    private readonly n: number,
    sign: number,
  ) {
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.m = m;
    this.r2 = new Radix2(m);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const k2 = (k * k) % (2 * n); // exact: keeps the angle small for long signals
      const t = (Math.PI * k2) / n;
      this.wr[k] = Math.cos(t);
      this.wi[k] = sign * Math.sin(t);
    }
    this.br = new Float64Array(m);
    this.bi = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      this.br[k] = this.wr[k];
      this.bi[k] = -this.wi[k];
      if (k > 0) {
        this.br[m - k] = this.wr[k];
        this.bi[m - k] = -this.wi[k];
      }
    }
    this.r2.run(this.br, this.bi, -1);
    this.ar = new Float64Array(m);
    this.ai = new Float64Array(m);
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, m, wr, wi, ar, ai, br, bi } = this;
    ar.fill(0);
    ai.fill(0);
    for (let k = 0; k < n; k++) {
      ar[k] = re[k] * wr[k] - im[k] * wi[k];
      ai[k] = re[k] * wi[k] + im[k] * wr[k];
    }
    this.r2.run(ar, ai, -1);
    for (let k = 0; k < m; k++) {
      const r = ar[k] * br[k] - ai[k] * bi[k];
      ai[k] = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = r;
    }
    this.r2.run(ar, ai, 1);
    for (let k = 0; k < n; k++) {
      const cr = ar[k] / m;
      const ci = ai[k] / m;
      re[k] = cr * wr[k] - ci * wi[k];
      im[k] = cr * wi[k] + ci * wr[k];
    }
  }
}

/** The transform of every innermost row of `src` (interleaved pairs, rows of n) into `dst`. */
export function fftRows(src: ArrayLike<number>, dst: Float32Array, n: number, inverse: boolean, normalize: boolean): void {
  if (n === 0) return;
  const rows = src.length / (2 * n);
  const sign = inverse ? 1 : -1;
  const pow2 = (n & (n - 1)) === 0;
  const r2 = pow2 ? new Radix2(n) : null;
  const bs = pow2 ? null : new Bluestein(n, sign);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const scale = normalize ? 1 / n : 1;
  for (let r = 0; r < rows; r++) {
    const o = r * 2 * n;
    for (let k = 0; k < n; k++) {
      re[k] = src[o + 2 * k];
      im[k] = src[o + 2 * k + 1];
    }
    if (r2) r2.run(re, im, sign);
    else bs!.run(re, im);
    for (let k = 0; k < n; k++) {
      dst[o + 2 * k] = re[k] * scale;
      dst[o + 2 * k + 1] = im[k] * scale;
    }
  }
}

export const fftDefs: CpuKernelDef[] = [
  {
    // attrs: inverse (exp(+2 pi i jk/n)), normalize (divide by n). Input and output float32 [..., n, 2].
    name: 'FFT',
    outShape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
    run: ([x], out, infos, attrs) => {
      const shape = infos[0].shape;
      fftRows(x, out as Float32Array, shape[shape.length - 2], attrs.inverse as boolean, attrs.normalize as boolean);
    },
  },
  {
    // float32 [..., 2] -> float32 [...]: sqrt(re^2 + im^2) without overflow.
    name: 'ComplexAbs',
    outShape: ([x]) => ({ shape: x.shape.slice(0, -1), dtype: 'float32' }),
    run: ([x], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.hypot(x[2 * i], x[2 * i + 1]);
    },
  },
];
