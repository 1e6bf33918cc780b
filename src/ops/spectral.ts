// tfjs-core's spectral ops: fft, ifft (complex64 -> complex64 over the innermost axis, any length),
// rfft (float32 -> the floor(n/2) + 1 non-negative frequencies) and irfft (their inverse). The
// transform is the 'FFT' kernel (src/backends/js/kernels/fft.ts: radix-2, Bluestein for other
// lengths, float64 inside) over the float32 [..., n, 2] view of the complex tensor; rfft and irfft are
// composed around it. Gradients: FFT's is the opposite transform (n * ifft for fft, fft / n for ifft,
// as TensorFlow); rfft/irfft differentiate by composition (tfjs registers none of them).
import type { TensorLike } from '../engine/dtype.js';
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { complex, complexArg, complexParts, fromParts } from './complex.js';
import { concat } from './concat.js';
import { tensor, zeros, zerosLike } from './creation.js';
import { reshape } from './reshape.js';
import { reverse } from './shape_extra.js';
import { slice } from './slice.js';
import { checkInt, run1, scoped, toTensor } from './util.js';

registerGradient('FFT', {
  grad: ([dy], { attrs }) => [() => run1('FFT', [dy], { inverse: !attrs.inverse, normalize: attrs.normalize })],
});

function transform(op: string, input: Tensor, inverse: boolean): Tensor {
  const z = complexArg(input, 'input', op);
  if (z.rank < 1) throw new Error(`${op}: input must have at least one dimension but is a scalar`);
  return fromParts(run1('FFT', [complexParts(z)], { inverse, normalize: inverse }));
}

/**
 * The discrete Fourier transform over the innermost axis of a complex64 tensor (any length; radix-2 for
 * powers of two, Bluestein otherwise), as tfjs' `spectral.fft`.
 * @example sg.real(sg.fft(sg.complex([1, 2, 3], [0, 0, 0]))); // [6, -1.5, -1.5]
 * @category Spectral
 * @function
 */
export const fft = scoped((input: Tensor): Tensor => transform('fft', input, false));

/**
 * The inverse discrete Fourier transform (divided by n) over the innermost axis of a complex64 tensor, as
 * tfjs' `spectral.ifft`.
 * @example sg.real(sg.ifft(sg.complex([6, -1.5, -1.5], [0, 0.8660254, -0.8660254]))); // [1, 2, 3]
 * @category Spectral
 * @function
 */
export const ifft = scoped((input: Tensor): Tensor => transform('ifft', input, true));

/**
 * The Fourier transform of a real float32 tensor over its innermost axis: complex64 with the
 * floor(fftLength / 2) + 1 non-negative frequencies. `fftLength` (default: the innermost size) crops or
 * zero-pads the signal first, as tfjs' `spectral.rfft`.
 * @example sg.imag(sg.rfft([1, 2, 3, 4])); // [0, 2, 0]
 * @category Spectral
 * @function
 */
export const rfft = scoped((input: Tensor | TensorLike, fftLength?: number): Tensor => {
  const op = 'rfft';
  const x = toTensor(input, 'input', op);
  if (x.dtype !== 'float32')
    throw new Error(`${op}: input must be float32 (real values) but has dtype ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank < 1) throw new Error(`${op}: input must have at least one dimension but is a scalar`);
  const inner = x.shape[x.rank - 1];
  if (fftLength == null && inner === 0)
    throw new Error(`${op}: the innermost dimension is 0 (shape ${fmt(x.shape)}); give fftLength >= 1 or a signal`);
  const n = fftLength ?? inner;
  checkInt(op, 'fftLength', n, 1);
  let adj = x;
  if (n < inner) adj = slice(x, x.shape.map(() => 0), [...x.shape.slice(0, -1), n]);
  else if (n > inner) adj = concat([x, zeros([...x.shape.slice(0, -1), n - inner])], -1);
  const spectrum = complexParts(transform(op, complex(adj, zerosLike(adj)), false));
  const half = Math.floor(n / 2) + 1;
  return fromParts(slice(spectrum, spectrum.shape.map(() => 0), [...adj.shape.slice(0, -1), half, 2]));
});

/**
 * The inverse of rfft: a complex64 tensor of m non-negative frequencies gives the float32 signal of length
 * 2 * (m - 1), the negative frequencies taken as the conjugates (m <= 2: the plain inverse of length m, as
 * tfjs). Porting note: the leading dimensions are kept ([m] gives [n]; tfjs gives [1, n] for rank 1 and
 * flattens ranks above 3).
 * @example sg.irfft(sg.rfft([1, 2, 3, 4])); // [1, 2, 3, 4]
 * @category Spectral
 * @function
 */
export const irfft = scoped((input: Tensor): Tensor => {
  const op = 'irfft';
  const z = complexArg(input, 'input', op);
  if (z.rank < 1) throw new Error(`${op}: input must have at least one dimension but is a scalar`);
  const m = z.shape[z.rank - 1];
  if (m === 0) throw new Error(`${op}: the innermost dimension is 0 (shape ${fmt(z.shape)}); it needs at least 1 frequency`);
  const lead = z.shape.slice(0, -1);
  let v = complexParts(z); // [..., m, 2]
  if (m > 2) {
    // The conjugates of frequencies m - 2 .. 1: reversed, imaginary parts negated.
    const inner = slice(v, v.shape.map((_, i) => (i === v.rank - 2 ? 1 : 0)), [...lead, m - 2, 2]);
    const conj = mul(reverse(inner, -2), tensor([1, -1]));
    v = concat([v, conj], -2);
  }
  const n = v.shape[v.rank - 2];
  const signal = run1('FFT', [v], { inverse: true, normalize: true });
  return reshape(slice(signal, signal.shape.map(() => 0), [...lead, n, 1]), [...lead, n]);
});

/**
 * tfjs-core's `spectral` namespace: `fft`, `ifft`, `rfft`, `irfft` (also at the top level).
 * @namespace
 * @example sg.spectral.rfft([1, 0, 0, 0]).shape; // [3]
 */
export const spectral = { fft, ifft, rfft, irfft };
