// tfjs-core's `signal` namespace: hannWindow, hammingWindow, frame, stft (frames, windowed, through
// spectral.rfft: complex64).
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { mul } from './binary.js';
import { concat } from './concat.js';
import { fill } from './creation.js';
import { gather } from './gather.js';
import { reshape } from './reshape.js';
import { rfft } from './spectral.js';
import { checkFinite, checkInt, scoped, toTensor } from './util.js';

function cosineWindow(op: string, n: number, a: number, b: number): Tensor {
  checkInt(op, 'windowLength', n, 1);
  const even = 1 - (n % 2);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = a - b * Math.cos((2 * Math.PI * i) / (n + even - 1));
  return toTensor(v, 'window', op);
}

/** A Hann window of `windowLength` (periodic for even lengths, as tfjs). */
const hannWindow = (windowLength: number): Tensor => cosineWindow('signal.hannWindow', windowLength, 0.5, 0.5);
/** A Hamming window of `windowLength`. */
const hammingWindow = (windowLength: number): Tensor => cosineWindow('signal.hammingWindow', windowLength, 0.54, 0.46);

/**
 * Slices a 1-d signal into frames of frameLength every frameStep; padEnd pads the last frames
 * with padValue, as tfjs.
 * @example sg.signal.frame(sg.range(0, 5), 2, 2); // [[0, 1], [2, 3]]
 */
const frame = scoped(
  (signalIn: Tensor | TensorLike, frameLength: number, frameStep: number, padEnd = false, padValue = 0): Tensor => {
    const op = 'signal.frame';
    let x = toTensor(signalIn, 'signal', op);
    if (x.rank !== 1) throw new Error(`${op}: signal must be a vector but has shape ${fmt(x.shape)}`);
    checkInt(op, 'frameLength', frameLength, 1);
    checkInt(op, 'frameStep', frameStep, 1);
    checkFinite(op, 'padValue', padValue);
    const n = x.shape[0];
    let count: number;
    if (padEnd) {
      count = Math.ceil(n / frameStep);
      const need = (count - 1) * frameStep + frameLength - n;
      if (need > 0) x = concat([x, fill([need], padValue, x.dtype)]);
    } else {
      count = n < frameLength ? 0 : Math.floor((n - frameLength) / frameStep) + 1;
    }
    const idx = new Int32Array(count * frameLength);
    for (let f = 0; f < count; f++) for (let i = 0; i < frameLength; i++) idx[f * frameLength + i] = f * frameStep + i;
    return reshape(gather(x, idx), [count, frameLength]);
  },
);

/**
 * The short-time Fourier transform of a 1-d float32 signal, as tfjs' `signal.stft`: frames of frameLength
 * every frameStep (no end padding), each multiplied by `windowFn(frameLength)` (default: the Hann window)
 * and given to rfft with `fftLength` (default: the smallest power of two >= frameLength). Returns
 * complex64 [frames, floor(fftLength / 2) + 1].
 * @example sg.signal.stft(sg.range(0, 8), 4, 2).shape; // [3, 3]
 */
const stft = scoped(
  (
    signalIn: Tensor | TensorLike,
    frameLength: number,
    frameStep: number,
    fftLength?: number,
    windowFn: (length: number) => Tensor = hannWindow,
  ): Tensor => {
    const op = 'signal.stft';
    checkInt(op, 'frameLength', frameLength, 1);
    checkInt(op, 'frameStep', frameStep, 1);
    if (fftLength != null) checkInt(op, 'fftLength', fftLength, 1);
    if (typeof windowFn !== 'function') throw new Error(`${op}: windowFn must be a function (length) => Tensor`);
    const x = toTensor(signalIn, 'signal', op);
    if (x.dtype !== 'float32')
      throw new Error(`${op}: signal must be float32 but has dtype ${x.dtype} (shape ${fmt(x.shape)})`);
    const framed = frame(x, frameLength, frameStep);
    const window = windowFn(frameLength);
    if (!(window instanceof Tensor))
      throw new Error(`${op}: windowFn(${frameLength}) must return a Tensor but returned ${typeof window}`);
    if (window.rank !== 1 || window.shape[0] !== frameLength)
      throw new Error(`${op}: windowFn(${frameLength}) returned shape ${fmt(window.shape)}; expected [${frameLength}]`);
    const n = fftLength ?? 2 ** Math.ceil(Math.log2(frameLength));
    return rfft(mul(framed, window), n);
  },
);

/**
 * tfjs-core's `signal` namespace: `hannWindow(n)`, `hammingWindow(n)`, `frame(x, frameLength, frameStep)`,
 * `stft(signal, frameLength, frameStep, fftLength?, windowFn?)`.
 * @namespace
 * @example sg.signal.frame([1, 2, 3, 4, 5], 2, 2); // [[1, 2], [3, 4]]
 */
export const signal = { hannWindow, hammingWindow, frame, stft };
