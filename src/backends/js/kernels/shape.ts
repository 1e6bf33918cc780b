// Data-movement kernels over typed arrays: transpose, slice, concat, pad, tile.
// Both CPU backends use these (on the wasm backend they run over views of the WASM heap):
// they move data and do no arithmetic, so SIMD would buy little.
import type { CpuKernelDef } from '../../host.js';
import { sizeFromShape, stridesOf, type Shape } from '../../../engine/shape.js';

/** Visits every index of `shape` in row-major order, passing the multi-index. */
function forEachIndex(shape: Shape, fn: (flat: number, idx: number[]) => void): void {
  const idx = new Array<number>(shape.length).fill(0);
  const size = sizeFromShape(shape);
  for (let i = 0; i < size; i++) {
    fn(i, idx);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
}

export const shapeDefs: CpuKernelDef[] = [
  {
    name: 'Transpose',
    outShape: ([x], attrs) => ({ shape: (attrs.perm as number[]).map((p) => x.shape[p]), dtype: x.dtype }),
    run: ([x], out, infos, attrs, outShape) => {
      const perm = attrs.perm as number[];
      if (perm.length === 2 && perm[0] === 1) {
        // A matrix transpose (the recurrent kernels' R^T on every backward pass): plain loops,
        // not the index walk (~18 ns an element: 1.5 ms for a [128, 512] matrix).
        const [rows, cols] = infos[0].shape;
        for (let j = 0, o = 0; j < cols; j++) for (let i = 0; i < rows; i++) out[o++] = x[i * cols + j];
        return;
      }
      const inStrides = stridesOf(infos[0].shape);
      const st = perm.map((p) => inStrides[p]);
      forEachIndex(outShape, (i, idx) => {
        let o = 0;
        for (let d = 0; d < idx.length; d++) o += idx[d] * st[d];
        out[i] = x[o];
      });
    },
  },
  {
    name: 'Slice',
    outShape: ([x], attrs) => ({ shape: attrs.size as number[], dtype: x.dtype }),
    run: ([x], out, infos, attrs, outShape) => {
      // Block copies: the dims after the last one the slice cuts are taken whole, so each index of
      // the dims before it is one contiguous run (fit's batch of rows is a single run). An index
      // walk per element cost ~18 ns an element: 1.9 ms for a [128, 784] batch, more than the
      // step's first-layer GEMM.
      const begin = attrs.begin as number[];
      const shape = infos[0].shape;
      const r = shape.length;
      if (out.length === 0) return;
      if (r === 0) {
        out[0] = x[0];
        return;
      }
      const st = stridesOf(shape);
      let j = r - 1;
      while (j > 0 && outShape[j] === shape[j]) j--;
      const run = outShape[j] * st[j];
      let o = 0;
      forEachIndex(outShape.slice(0, j), (_, idx) => {
        let s = begin[j] * st[j];
        for (let d = 0; d < j; d++) s += (idx[d] + begin[d]) * st[d];
        if (run >= 16) out.set(x.subarray(s, s + run), o);
        else for (let k = 0; k < run; k++) out[o + k] = x[s + k];
        o += run;
      });
    },
  },
  {
    name: 'Concat', // all inputs share every dim but `axis`
    outShape: (ins, attrs) => {
      const axis = attrs.axis as number;
      const shape = ins[0].shape.slice();
      shape[axis] = ins.reduce((s, t) => s + t.shape[axis], 0);
      return { shape, dtype: ins[0].dtype };
    },
    run: (xs, out, infos, attrs, outShape) => {
      const axis = attrs.axis as number;
      const outer = sizeFromShape(outShape.slice(0, axis));
      const rowOut = sizeFromShape(outShape.slice(axis));
      let colOff = 0;
      xs.forEach((x, k) => {
        const row = sizeFromShape(infos[k].shape.slice(axis));
        for (let o = 0; o < outer; o++) out.set(x.subarray(o * row, (o + 1) * row), o * rowOut + colOff);
        colOff += row;
      });
    },
  },
  {
    name: 'Pad',
    outShape: ([x], attrs) => ({
      shape: x.shape.map((d, i) => d + (attrs.paddings as number[][])[i][0] + (attrs.paddings as number[][])[i][1]),
      dtype: x.dtype,
    }),
    run: ([x], out, infos, attrs, outShape) => {
      const pads = attrs.paddings as number[][];
      out.fill((attrs.constantValue as number) ?? 0);
      const st = stridesOf(outShape);
      forEachIndex(infos[0].shape, (i, idx) => {
        let o = 0;
        for (let d = 0; d < idx.length; d++) o += (idx[d] + pads[d][0]) * st[d];
        out[o] = x[i];
      });
    },
  },
  {
    name: 'Tile',
    outShape: ([x], attrs) => ({ shape: x.shape.map((d, i) => d * (attrs.reps as number[])[i]), dtype: x.dtype }),
    // Block copies instead of an index walk (the gradient of sum/mean broadcasts through Tile, and
    // the walk was ~10% of a MultiHeadAttention training step): each input row is written once per
    // innermost repeat, then every finished block is replicated along its axis with copyWithin.
    run: ([x], out, infos, attrs, outShape) => {
      const inShape = infos[0].shape;
      const reps = attrs.reps as number[];
      const rank = inShape.length;
      if (rank === 0 || out.length === 0) {
        if (out.length) out[0] = x[0];
        return;
      }
      const inSt = stridesOf(inShape);
      const outSt = stridesOf(outShape);
      const fill = (d: number, inOff: number, outOff: number): void => {
        const n = inShape[d];
        if (d === rank - 1) {
          if (n * reps[d] < 32) {
            // A short row (e.g. [128, 1] repeated 10 times for a loss gradient): plain stores;
            // set/copyWithin cost ~0.4 us a call, 50 us for 128 such rows.
            for (let r = 0, o = outOff; r < reps[d]; r++) for (let i = 0; i < n; i++) out[o++] = x[inOff + i];
            return;
          }
          (out as Float32Array).set(x.subarray(inOff, inOff + n) as Float32Array, outOff);
          replicate(outOff, n, reps[d]);
          return;
        }
        for (let i = 0; i < n; i++) fill(d + 1, inOff + i * inSt[d], outOff + i * outSt[d]);
        replicate(outOff, n * outSt[d], reps[d]);
      };
      // The finished block at `at` repeated `reps` times, doubling the copied span each step (a
      // size-1 block repeated 8192 times takes 13 copies, not 8191).
      const replicate = (at: number, block: number, reps: number): void => {
        const total = block * reps;
        for (let done = block; done < total; ) {
          const n = Math.min(done, total - done);
          out.copyWithin(at + done, at, at + n);
          done += n;
        }
      };
      fill(0, 0, 0);
    },
  },
];
