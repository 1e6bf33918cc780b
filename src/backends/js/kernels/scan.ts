// Scans (cumulative sum and product) in plain loops; shared by both CPU backends over views.
import type { CpuKernelDef } from '../../host.js';

export const scanDefs: CpuKernelDef[] = [
  {
    // x: [outer, n, inner] -> same shape; attrs: prod (else sum), exclusive, reverse.
    name: 'Cumulative',
    outShape: ([x]) => ({ shape: x.shape, dtype: x.dtype }),
    run: ([x], out, infos, attrs) => {
      const [outer, n, inner] = infos[0].shape;
      const prod = !!attrs.prod;
      const exclusive = !!attrs.exclusive;
      const reverse = !!attrs.reverse;
      const int = infos[0].dtype !== 'float32';
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          let acc = prod ? 1 : 0;
          for (let k = 0; k < n; k++) {
            const r = reverse ? n - 1 - k : k;
            const at = (o * n + r) * inner + j;
            const v = x[at];
            if (exclusive) out[at] = acc;
            acc = prod ? (int ? Math.imul(acc, v) : acc * v) : acc + v;
            if (!int) acc = Math.fround(acc); // float32 accumulation, as tfjs
            if (!exclusive) out[at] = acc;
          }
        }
      }
    },
  },
  {
    // The gradient of cumprod without division (exact where x holds zeros). x, dy: [outer, n, inner].
    // Inclusive y_k = prod_{m<=k} x_m: dx_i = prod_{m<i} x_m * sum_{k>=i} dy_k prod_{i<m<=k} x_m;
    // exclusive y_k = prod_{m<k} x_m: dx_i = prod_{m<i} x_m * sum_{k>i} dy_k prod_{i<m<k} x_m.
    // O(n^2) per row; scans are short in practice.
    name: 'CumprodGrad',
    outShape: ([x]) => ({ shape: x.shape, dtype: 'float32' }),
    run: ([x, dy], out, infos, attrs) => {
      const [outer, n, inner] = infos[0].shape;
      const exclusive = !!attrs.exclusive;
      const reverse = !!attrs.reverse;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const at = (k: number) => (o * n + (reverse ? n - 1 - k : k)) * inner + j;
          let before = 1;
          for (let i = 0; i < n; i++) {
            let acc = 0;
            let after = 1;
            const first = exclusive ? i + 1 : i;
            for (let k = first; k < n; k++) {
              if (k > first) after *= x[at(exclusive ? k - 1 : k)];
              acc += dy[at(k)] * after;
            }
            out[at(i)] = before * acc;
            before *= x[at(i)];
          }
        }
      }
    },
  },
];
