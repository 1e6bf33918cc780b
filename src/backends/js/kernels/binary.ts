// Broadcasting binary math, comparisons and `where` in plain loops (the oracle).
import { Binary, Compare } from '../../wasm/codes.generated.js';
import type { CpuKernelDef } from '../../host.js';
import type { TensorInfo } from '../../backend.js';
import { broadcastShapes, broadcastStrides, type Shape } from '../../../engine/shape.js';

/** Calls fn(outIndex, offsets...) for every element of `outShape`, with each input's offset. */
export function forEachBroadcast(outShape: Shape, inShapes: Shape[], fn: (i: number, offs: number[]) => void): void {
  const rank = outShape.length;
  const strides = inShapes.map((s) => broadcastStrides(s, outShape));
  const idx = new Array<number>(rank).fill(0);
  const offs = inShapes.map(() => 0);
  const size = outShape.reduce((a, c) => a * c, 1);
  for (let i = 0; i < size; i++) {
    fn(i, offs);
    // Advance the multi-index like an odometer, updating each input's offset.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < offs.length; k++) offs[k] += strides[k][d];
      if (idx[d] < outShape[d]) break;
      for (let k = 0; k < offs.length; k++) offs[k] -= strides[k][d] * outShape[d];
      idx[d] = 0;
    }
  }
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

export const BINARY_FNS: Record<number, (a: number, b: number) => number> = {
  [Binary.Add]: (a, b) => a + b,
  [Binary.Sub]: (a, b) => a - b,
  [Binary.Mul]: (a, b) => a * b,
  [Binary.Div]: (a, b) => a / b,
  [Binary.Max]: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
  [Binary.Min]: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
  [Binary.Pow]: (a, b) => Math.pow(a, b),
  [Binary.SquaredDifference]: (a, b) => (a - b) * (a - b),
};

export const COMPARE_FNS: Record<number, (a: number, b: number) => boolean> = {
  [Compare.Greater]: (a, b) => a > b,
  [Compare.GreaterEqual]: (a, b) => a >= b,
  [Compare.Less]: (a, b) => a < b,
  [Compare.LessEqual]: (a, b) => a <= b,
  [Compare.Equal]: (a, b) => a === b,
  [Compare.NotEqual]: (a, b) => a !== b,
};

function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let r = 1;
  for (let i = 0; i < b; i++) r = Math.imul(r, a);
  return r;
}

const outOf2 = ([a, b]: TensorInfo[]) => broadcastShapes('binary', a.shape, b.shape);

export const binaryDefs: CpuKernelDef[] = [
  {
    name: 'Binary',
    outShape: (ins) => ({ shape: outOf2(ins), dtype: ins[0].dtype }),
    run: ([a, b], out, infos, attrs, outShape) => {
      const op = attrs.op as number;
      let f = BINARY_FNS[op];
      if (infos[0].dtype !== 'float32') {
        // Integer semantics, as tfjs: floor division, integer power, wrapping multiply.
        if (op === Binary.Div) f = floorDiv;
        else if (op === Binary.Pow) f = intPow;
        else if (op === Binary.Mul) f = Math.imul;
      }
      forEachBroadcast(outShape, [infos[0].shape, infos[1].shape], (i, [ia, ib]) => {
        out[i] = f(a[ia], b[ib]);
      });
    },
  },
  {
    name: 'Compare',
    outShape: (ins) => ({ shape: outOf2(ins), dtype: 'bool' }),
    run: ([a, b], out, infos, attrs, outShape) => {
      const f = COMPARE_FNS[attrs.op as number];
      forEachBroadcast(outShape, [infos[0].shape, infos[1].shape], (i, [ia, ib]) => {
        out[i] = f(a[ia], b[ib]) ? 1 : 0;
      });
    },
  },
  {
    name: 'Where', // inputs: condition, a, b
    outShape: ([c, a, b]) => ({
      shape: broadcastShapes('where', c.shape, broadcastShapes('where', a.shape, b.shape)),
      dtype: a.dtype,
    }),
    run: ([c, a, b], out, infos, _attrs, outShape) => {
      const n = out.length;
      if (c.length === n && (a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
        // Nothing broadcast but a scalar branch (the loss's clip of [batch, classes]): a plain
        // loop, far cheaper than the per-element callback (~100 ns an element).
        const sa = a.length === n ? 1 : 0;
        const sb = b.length === n ? 1 : 0;
        for (let i = 0; i < n; i++) out[i] = c[i] ? a[i * sa] : b[i * sb];
        return;
      }
      forEachBroadcast(
        outShape,
        infos.map((t) => t.shape),
        (i, [ic, ia, ib]) => {
          out[i] = c[ic] ? a[ia] : b[ib];
        },
      );
    },
  },
];
