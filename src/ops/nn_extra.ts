// Neural-network ops composed from existing ones (tfjs-core names): localResponseNormalization,
// pool (with dilations, by the space-to-batch trick tfjs uses), maxPoolWithArgmax.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { add, div, mul, pow } from './binary.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { avgPool, maxPool } from './pool.js';
import { batchToSpaceND, spaceToBatchND } from './nd.js';
import { slice } from './slice.js';
import { square } from './unary.js';
import { checkFinite, checkFloat, checkInt, scoped, toTensor } from './util.js';
import { spatialGeom, tupleArg, type PadArg, type RoundingMode } from './conv_util.js';
import { hostValues } from './host_read.js';

/** @inline */
type Arg = Tensor | TensorLike;

/**
 * Local response normalisation over the channel axis of NHWC x, as tfjs:
 * x / (bias + alpha * sum of squares within depthRadius)^beta.
 * @example sg.localResponseNormalization(x, 2, 1, 1, 0.5);
 * @category Neural network
 * @function
 */
export const localResponseNormalization = scoped(
  (xIn: Arg, depthRadius = 5, bias = 1, alpha = 1, beta = 0.5): Tensor => {
    const op = 'localResponseNormalization';
    const x = toTensor(xIn, 'x', op);
    checkFloat(op, 'x', x);
    if (x.rank !== 3 && x.rank !== 4) throw new Error(`${op}: x must have rank 3 or 4 but has shape ${fmt(x.shape)}`);
    checkInt(op, 'depthRadius', depthRadius, 0);
    checkFinite(op, 'bias', bias);
    checkFinite(op, 'alpha', alpha);
    checkFinite(op, 'beta', beta);
    const C = x.shape[x.rank - 1];
    const sq = pad(
      square(x),
      x.shape.map((_, i) => (i === x.rank - 1 ? [depthRadius, depthRadius] : [0, 0]) as [number, number]),
    );
    let acc: Tensor | null = null;
    for (let k = 0; k <= 2 * depthRadius; k++) {
      const part = slice(
        sq,
        x.shape.map((_, i) => (i === x.rank - 1 ? k : 0)),
        [...x.shape.slice(0, -1), C],
      );
      acc = acc ? add(acc, part) : part;
    }
    return div(x, pow(add(mul(acc!, alpha), bias), beta));
  },
);

/**
 * N-d pooling with optional dilations, as tfjs's `pool` (2-d): poolingType 'max' or 'avg'.
 * Dilations > 1 run as spaceToBatchND, an undilated pool, then batchToSpaceND.
 * @example sg.pool(sg.ones([1, 4, 4, 1]), 2, 'avg', 'valid').shape; // [1, 3, 3, 1]
 * @category Neural network
 * @function
 */
export const pool = scoped(
  (
    xIn: Arg,
    windowShape: number | [number, number],
    poolingType: 'max' | 'avg',
    padArg: 'valid' | 'same' | number,
    dilationsArg?: number | [number, number],
    stridesArg?: number | [number, number],
    dimRoundingMode?: RoundingMode,
  ): Tensor => {
    const op = 'pool';
    if (poolingType !== 'max' && poolingType !== 'avg')
      throw new Error(`${op}: poolingType must be 'max' or 'avg' but is '${poolingType}'`);
    const x = toTensor(xIn, 'x', op);
    const window = tupleArg(op, 'windowShape', windowShape, 2);
    const dil = tupleArg(op, 'dilations', dilationsArg, 2);
    const strides = tupleArg(op, 'strides', stridesArg, 2);
    const run = (t: Tensor, s: number[], p: PadArg) =>
      poolingType === 'max'
        ? maxPool(t, window as [number, number], s as [number, number], p, dimRoundingMode)
        : avgPool(t, window as [number, number], s as [number, number], p, dimRoundingMode);
    if (dil.every((d) => d === 1)) return run(x, strides, padArg);
    if (strides.some((s) => s !== 1))
      throw new Error(`${op}: strides ${fmt(strides)} must be 1 when dilations ${fmt(dil)} exceed 1`);
    if (padArg !== 'valid' && padArg !== 'same')
      throw new Error(`${op}: with dilations > 1, pad must be 'valid' or 'same' but is ${JSON.stringify(padArg)}`);
    const x4 = x.rank === 3 ? reshape(x, [1, ...x.shape]) : x;
    const inS = x4.shape.slice(1, 3);
    const base = inS.map((_, i) => {
      if (padArg === 'valid') return [0, 0];
      const eff = window[i] + (window[i] - 1) * (dil[i] - 1);
      const total = eff - 1;
      return [Math.floor(total / 2), Math.ceil(total / 2)];
    });
    const paddings = base.map(([s, e], i) => [s, e + ((dil[i] - ((inS[i] + s + e) % dil[i])) % dil[i])]);
    const crops = paddings.map(([, e], i) => [0, e - base[i][1]]);
    const y = run(spaceToBatchND(x4, dil, paddings), [1, 1], 'valid');
    const z = batchToSpaceND(y, dil, crops);
    return x.rank === 3 ? reshape(z, z.shape.slice(1)) : z;
  },
);

/**
 * 2-d max pooling that also returns, per output, the flat index of the chosen input element:
 * ((b * height + y) * width + x) * channels + c with includeBatchInIndex, else without b.
 * @example const { result, indexes } = sg.maxPoolWithArgmax(x, 2, 2, 'valid');
 * @category Neural network
 */
export function maxPoolWithArgmax(
  xIn: Arg,
  filterSize: number | [number, number],
  strides: number | [number, number],
  padArg: 'valid' | 'same' | number,
  includeBatchInIndex = false,
): { result: Tensor; indexes: Tensor } {
  return ENGINE.tidy(() => {
    const op = 'maxPoolWithArgmax';
    const x = toTensor(xIn, 'x', op);
    checkFloat(op, 'x', x);
    if (x.rank !== 4) throw new Error(`${op}: x must have rank 4 but has shape ${fmt(x.shape)}`);
    const k = tupleArg(op, 'filterSize', filterSize, 2);
    const s = tupleArg(op, 'strides', strides, 2);
    const [B, H, W, C] = x.shape;
    const g = spatialGeom(op, [H, W], k, s, [1, 1], padArg, [1, 2], undefined, `x ${fmt(x.shape)}`);
    const result = maxPool(x, k as [number, number], s as [number, number], padArg);
    const v = hostValues(op, 'x', x);
    const [OH, OW] = g.out;
    const idx = new Int32Array(B * OH * OW * C);
    for (let b = 0; b < B; b++)
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let c = 0; c < C; c++) {
            let best = -Infinity;
            let at = -1;
            for (let dy = 0; dy < k[0]; dy++) {
              const y = oy * s[0] - g.pads[0] + dy;
              if (y < 0 || y >= H) continue;
              for (let dx = 0; dx < k[1]; dx++) {
                const xx = ox * s[1] - g.pads[1] + dx;
                if (xx < 0 || xx >= W) continue;
                const flat = ((b * H + y) * W + xx) * C + c;
                if (at < 0 || v[flat] > best) ((best = v[flat]), (at = flat));
              }
            }
            idx[((b * OH + oy) * OW + ox) * C + c] = includeBatchInIndex ? at : at - b * H * W * C;
          }
    return { result, indexes: reshape(toTensor(idx, 'indexes', op), [B, OH, OW, C]) };
  });
}
