// Fused categorical cross-entropy on probabilities (Keras' formula, one kernel each way):
//   'CategoricalCrossentropy'     [t, p] (same shape, classes last) -> per-row loss
//       s = sum_j p_j;  q_j = clip(p_j / s, lo, hi);  loss = -sum_j t_j log q_j
//   'CategoricalCrossentropyGrad' [t, p, dy (one per row)] -> dL/dp, the exact derivative of the
//       above: dq_j = -dy t_j / q_j where lo <= p_j / s <= hi (else 0, clip's gradient), then
//       through the renormalisation: dp_j = dq_j / s - (sum_k dq_k p_k) / s^2.
// Each row is computed in float64 and rounded once. Why host loops on the wasm backend too: a
// classifier's output is small (a [128, 10] batch is 1,280 values, ~10 us here), where the
// composite it replaces ran ~30 kernels and tape nodes per step; wasm runs these same loops over
// its heap, so both backends give identical bits.
//   'CategoricalAccuracy'         [t, p] -> per row 1 where argMax(t) == argMax(p), else 0: the
//       argMax op's rule (NaN counts as -Infinity, the first of equal maxima wins) in one pass
//       instead of the ~8 kernels of two argMax ops, equal and cast (fit computes it every batch).
import type { TypedArray } from '../../../engine/dtype.js';
import type { CpuKernelDef } from '../../host.js';

/** argMax of x[o, o + C) as the argMax op computes it: NaN counts as -Infinity, ties go to the first. */
function rowArgMax(x: TypedArray, o: number, C: number): number {
  let best = 0;
  let bv = -Infinity;
  for (let j = 0; j < C; j++) {
    const v = x[o + j];
    if (v > bv) ((best = j), (bv = v));
  }
  return best;
}

/** The fused loss and metric kernels of both CPU backends (the wasm backend runs them on its heap). */
export const lossDefs: CpuKernelDef[] = [
  {
    name: 'CategoricalAccuracy',
    outShape: ([, p]) => ({ shape: p.shape.slice(0, -1), dtype: 'float32' }),
    run: ([t, p], out, infos) => {
      const C = infos[1].shape[infos[1].shape.length - 1];
      for (let r = 0; r < out.length; r++) out[r] = rowArgMax(t, r * C, C) === rowArgMax(p, r * C, C) ? 1 : 0;
    },
  },
  {
    name: 'CategoricalCrossentropy',
    outShape: ([, p]) => ({ shape: p.shape.slice(0, -1), dtype: 'float32' }),
    run: ([t, p], out, infos, attrs) => {
      const C = infos[1].shape[infos[1].shape.length - 1];
      const lo = attrs.lo as number;
      const hi = attrs.hi as number;
      for (let r = 0; r < out.length; r++) {
        const o = r * C;
        let s = 0;
        for (let j = 0; j < C; j++) s += p[o + j];
        let loss = 0;
        for (let j = 0; j < C; j++) {
          const q = p[o + j] / s;
          const tj = t[o + j];
          // t = 0 (all but one class of a one-hot row) and q not NaN: 0 * log(clip(q)) is +-0,
          // which leaves `loss` as it is (never -0: it starts at +0); no log to take.
          if (tj === 0 && q === q) continue;
          // NaN compares false both ways and stays NaN, as clip would keep it.
          loss -= tj * Math.log(q < lo ? lo : q > hi ? hi : q);
        }
        out[r] = loss;
      }
    },
  },
  {
    name: 'CategoricalCrossentropyGrad',
    outShape: ([, p]) => ({ shape: p.shape, dtype: 'float32' }),
    run: ([t, p, dy], out, infos, attrs) => {
      const C = infos[1].shape[infos[1].shape.length - 1];
      const lo = attrs.lo as number;
      const hi = attrs.hi as number;
      const rows = C === 0 ? 0 : out.length / C;
      const dq = new Float64Array(C);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        const g = dy[r];
        let s = 0;
        for (let j = 0; j < C; j++) s += p[o + j];
        let a = 0;
        for (let j = 0; j < C; j++) {
          const q = p[o + j] / s;
          const d = q >= lo && q <= hi ? (-g * t[o + j]) / q : 0;
          dq[j] = d;
          a += d * p[o + j];
        }
        const s2 = s * s;
        for (let j = 0; j < C; j++) out[o + j] = dq[j] / s - a / s2;
      }
    },
  },
];
