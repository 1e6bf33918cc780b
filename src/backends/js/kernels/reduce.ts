// Reductions, arg-reductions and softmax in plain loops (the oracle).
// The ops reshape their input so that kernels see only [outer, R, inner] (Reduce),
// [rows, n] (ArgReduce, Softmax): any axis choice maps onto these by transposing first.
import { Reduce } from '../../wasm/codes.generated.js';
import type { CpuKernelDef } from '../../host.js';

const INIT: Record<number, number> = {
  [Reduce.Sum]: 0,
  [Reduce.Max]: -Infinity,
  [Reduce.Min]: Infinity,
  [Reduce.Prod]: 1,
};
const STEP: Record<number, (acc: number, v: number) => number> = {
  [Reduce.Sum]: (acc, v) => acc + v,
  [Reduce.Prod]: (acc, v) => acc * v,
  [Reduce.Max]: (acc, v) => (v > acc || v !== v ? v : acc),
  [Reduce.Min]: (acc, v) => (v < acc || v !== v ? v : acc),
};

export const reduceDefs: CpuKernelDef[] = [
  {
    name: 'Reduce', // x: [outer, R, inner] -> [outer, inner]
    outShape: ([x]) => ({ shape: [x.shape[0], x.shape[2]], dtype: x.dtype }),
    run: ([x], out, infos, attrs) => {
      const [outer, R, inner] = infos[0].shape;
      const op = attrs.op as number;
      const step = STEP[op];

      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          let acc = INIT[op];
          for (let r = 0; r < R; r++) {
            const v = x[(o * R + r) * inner + j];
            acc = acc !== acc ? acc : step(acc, v);
          }
          out[o * inner + j] = acc;
        }
      }
    },
  },
  {
    name: 'ArgReduce', // x: [rows, n] -> int32 [rows]; first index of the max (isMax) or min
    outShape: ([x]) => ({ shape: [x.shape[0]], dtype: 'int32' }),
    run: ([x], out, infos, attrs) => {
      const [rows, n] = infos[0].shape;
      const isMax = attrs.isMax as boolean;
      for (let r = 0; r < rows; r++) {
        let best = 0;
        let bv = x[r * n];
        for (let i = 1; i < n; i++) {
          const v = x[r * n + i];
          if (bv !== bv) break; // the first NaN wins
          if (v !== v || (isMax ? v > bv : v < bv)) ((best = i), (bv = v));
        }
        out[r] = best;
      }
    },
  },
  {
    name: 'Softmax', // x: [rows, n], softmax or log-softmax over each row
    outShape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
    run: ([x], out, infos, attrs) => {
      const n = infos[0].shape[infos[0].shape.length - 1];
      const rows = n === 0 ? 0 : x.length / n;
      for (let r = 0; r < rows; r++) {
        const o = r * n;
        let m = -Infinity;
        for (let i = 0; i < n; i++) m = Math.max(m, x[o + i]);
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.exp(x[o + i] - m);
        for (let i = 0; i < n; i++) out[o + i] = attrs.log ? x[o + i] - m - Math.log(s) : Math.exp(x[o + i] - m) / s;
      }
    },
  },
];
