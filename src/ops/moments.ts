// moments (mean and variance over axes) and batchNorm (tfjs-core signatures), composed from
// element-wise ops and reductions, so their gradients come from those ops' rules.
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { add, mul, squaredDifference, sub } from './binary.js';
import { mean } from './reduce.js';
import { reshape } from './reshape.js';
import { rsqrt } from './unary.js';
import { axesArg, checkFinite, checkFloat, toTensor } from './util.js';
import { broadcastShapes } from '../engine/shape.js';

/**
 * Mean and (biased) variance of x over `axes` (all when omitted).
 * @example const { mean, variance } = sg.moments(sg.tensor([1, 2, 3, 4])); // 2.5, 1.25
 * @category Neural network
 */
export function moments(
  xIn: Tensor | TensorLike,
  axes?: number | number[],
  keepDims = false,
): { mean: Tensor; variance: Tensor } {
  return ENGINE.tidy(() => {
    const x = toTensor(xIn, 'x', 'moments');
    checkFloat('moments', 'x', x);
    axesArg('moments', axes, x.rank);
    const m = mean(x, axes, true);
    const v = mean(squaredDifference(x, m), axes, keepDims);
    return { mean: keepDims ? m : mean(x, axes, false), variance: v };
  });
}

/**
 * Batch normalisation: (x - mean) * scale / sqrt(variance + varianceEpsilon) + offset, with
 * mean, variance, offset and scale broadcast against x (rank 1 = the last axis).
 * @example sg.batchNorm(x, movingMean, movingVariance, beta, gamma, 1e-3);
 * @category Neural network
 */
export function batchNorm(
  xIn: Tensor | TensorLike,
  meanIn: Tensor | TensorLike,
  varianceIn: Tensor | TensorLike,
  offset?: Tensor | TensorLike,
  scale?: Tensor | TensorLike,
  varianceEpsilon = 0.001,
): Tensor {
  return ENGINE.tidy(() => batchNormIn(xIn, meanIn, varianceIn, offset, scale, varianceEpsilon));
}

function batchNormIn(
  xIn: Tensor | TensorLike,
  meanIn: Tensor | TensorLike,
  varianceIn: Tensor | TensorLike,
  offset: Tensor | TensorLike | undefined,
  scale: Tensor | TensorLike | undefined,
  varianceEpsilon: number,
): Tensor {
  const op = 'batchNorm';
  checkFinite(op, 'varianceEpsilon', varianceEpsilon);
  const x = toTensor(xIn, 'x', op);
  const args: Array<[string, Tensor | undefined]> = [
    ['mean', toTensor(meanIn, 'mean', op)],
    ['variance', toTensor(varianceIn, 'variance', op)],
    ['offset', offset === undefined ? undefined : toTensor(offset, 'offset', op)],
    ['scale', scale === undefined ? undefined : toTensor(scale, 'scale', op)],
  ];
  checkFloat(op, 'x', x);
  for (const [name, t] of args) {
    if (!t) continue;
    checkFloat(op, name, t);
    let ok =
      t.rank === 0 || (t.rank === 1 && (t.shape[0] === x.shape[x.rank - 1] || t.shape[0] === 1)) || t.rank === x.rank;
    if (ok && t.rank === x.rank) {
      try {
        ok = broadcastShapes(op, x.shape, t.shape).join() === x.shape.join();
      } catch {
        ok = false;
      }
    }
    if (!ok)
      throw new Error(
        `${op}: '${name}' of shape ${fmt(t.shape)} must be a scalar, rank 1 over the last axis of x ${fmt(x.shape)}, or of x's rank`,
      );
  }
  const [m, v, o, s] = args.map(([, t]) => t);
  let inv = rsqrt(add(v!, varianceEpsilon));
  if (s) inv = mul(inv, s);
  const y = mul(sub(x, m!), inv);
  return o ? add(y, o) : y;
}
