// tfjs-core's `signal` namespace: hannWindow, hammingWindow, frame. Porting note: stft (and the
// spectral namespace: fft, ifft, rfft, irfft) return complex tensors, which simdgrad does not
// have; they are not provided.
import type { TensorLike } from '../engine/dtype.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { concat } from './concat.js';
import { fill } from './creation.js';
import { gather } from './gather.js';
import { reshape } from './reshape.js';
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
 * tfjs-core's `signal` namespace: `hannWindow(n)`, `hammingWindow(n)`, `frame(x, frameLength, frameStep)`.
 * @namespace
 * @example sg.signal.frame([1, 2, 3, 4, 5], 2, 2); // [[1, 2], [3, 4]]
 */
export const signal = { hannWindow, hammingWindow, frame };
