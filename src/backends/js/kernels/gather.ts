// Index kernels over typed arrays: gather, its adjoint unsortedSegmentSum, oneHot, cast.
// Shared by both CPU backends (see shape.ts for why).
import type { CpuKernelDef } from '../../host.js';
import type { DataType } from '../../../engine/dtype.js';

function checkIndex(op: string, v: number, n: number): void {
  if (!(v >= 0 && v < n)) throw new Error(`${op}: index ${v} is out of range [0, ${n})`);
}

export const gatherDefs: CpuKernelDef[] = [
  {
    name: 'Gather', // x: [outer, n, inner], indices: int32 [m] -> [outer, m, inner]
    outShape: ([x, idx]) => ({ shape: [x.shape[0], idx.shape[0], x.shape[2]], dtype: x.dtype }),
    run: ([x, idx], out, infos) => {
      const [outer, n, inner] = infos[0].shape;
      const m = idx.length;
      for (let j = 0; j < m; j++) checkIndex('gather', idx[j], n);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < m; j++) {
          const src = (o * n + idx[j]) * inner;
          out.set(x.subarray(src, src + inner), (o * m + j) * inner);
        }
      }
    },
  },
  {
    name: 'UnsortedSegmentSum', // x: [outer, m, inner], ids: int32 [m] -> [outer, numSegments, inner]
    outShape: ([x], attrs) => ({ shape: [x.shape[0], attrs.numSegments as number, x.shape[2]], dtype: x.dtype }),
    run: ([x, ids], out, infos, attrs) => {
      const [outer, m, inner] = infos[0].shape;
      const ns = attrs.numSegments as number;
      for (let j = 0; j < m; j++) checkIndex('unsortedSegmentSum', ids[j], ns);
      out.fill(0);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < m; j++) {
          const src = (o * m + j) * inner;
          const dst = (o * ns + ids[j]) * inner;
          for (let k = 0; k < inner; k++) out[dst + k] += x[src + k];
        }
      }
    },
  },
  {
    name: 'OneHot', // indices: int32 [...] -> [..., depth]; out-of-range indices give an all-off row, as tfjs
    outShape: ([idx], attrs) => ({ shape: [...idx.shape, attrs.depth as number], dtype: attrs.dtype as DataType }),
    run: ([idx], out, _infos, attrs) => {
      const depth = attrs.depth as number;
      out.fill(attrs.offValue as number);
      for (let i = 0; i < idx.length; i++) {
        const v = idx[i];
        if (v >= 0 && v < depth) out[i * depth + v] = attrs.onValue as number;
      }
    },
  },
  {
    name: 'Cast',
    outShape: ([x], attrs) => ({ shape: x.shape, dtype: attrs.dtype as DataType }),
    run: ([x], out, _infos, attrs) => {
      const to = attrs.dtype as DataType;
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        out[i] = to === 'bool' ? (v !== 0 ? 1 : 0) : to === 'int32' ? Math.trunc(v) : v;
      }
    },
  },
];
