// Batched matrix multiply in plain loops (the oracle), with the optional fused epilogue
// (bias add and activation) that the wasm GEMM also provides.
import { Act } from '../../wasm/codes.generated.js';
import type { CpuKernelDef } from '../../host.js';
import type { TensorInfo } from '../../backend.js';
import { broadcastShapes, broadcastStrides, sizeFromShape } from '../../../engine/shape.js';

export interface MatMulGeometry {
  batchShape: number[];
  M: number;
  N: number;
  K: number;
  /** Per output batch index, the element offsets of the a and b matrices. */
  aOffsets: number[];
  bOffsets: number[];
}

/** Batch broadcasting and matrix sizes of `matMul(a, b, transposeA, transposeB)`. */
export function matMulGeometry(a: TensorInfo, b: TensorInfo, tA: boolean, tB: boolean): MatMulGeometry {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = a.shape.slice(0, ra - 2);
  const batchB = b.shape.slice(0, rb - 2);
  const batchShape = broadcastShapes('matMul', batchA, batchB);
  const nb = sizeFromShape(batchShape);
  const sa = broadcastStrides(batchA, batchShape);
  const sb = broadcastStrides(batchB, batchShape);
  const aOffsets: number[] = [];
  const bOffsets: number[] = [];
  const idx = new Array<number>(batchShape.length).fill(0);
  for (let i = 0; i < nb; i++) {
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < idx.length; d++) ((oa += idx[d] * sa[d]), (ob += idx[d] * sb[d]));
    aOffsets.push(oa * M * K);
    bOffsets.push(ob * K * N);
    for (let d = idx.length - 1; d >= 0 && ++idx[d] === batchShape[d]; d--) idx[d] = 0;
  }
  return { batchShape, M, N, K, aOffsets, bOffsets };
}

export function applyAct(act: number, v: number): number {
  switch (act) {
    case Act.Relu:
      return Math.max(v, 0); // NaN stays NaN, as the unary relu and wasm's f32.max
    case Act.Relu6:
      return Math.min(Math.max(v, 0), 6);
    case Act.Sigmoid:
      return 1 / (1 + Math.exp(-v));
    case Act.Tanh:
      return Math.tanh(v);
    default:
      return v;
  }
}

const matMulDef: CpuKernelDef = {
  name: 'MatMul', // inputs: a, b[, bias]; attrs: transposeA, transposeB, act
  outShape: ([a, b], attrs) => {
    const g = matMulGeometry(a, b, !!attrs.transposeA, !!attrs.transposeB);
    return { shape: [...g.batchShape, g.M, g.N], dtype: 'float32' };
  },
  run: ([a, b, bias], out, infos, attrs) => {
    const tA = !!attrs.transposeA;
    const tB = !!attrs.transposeB;
    const act = (attrs.act as number) ?? Act.Linear;
    const { M, N, K, aOffsets, bOffsets } = matMulGeometry(infos[0], infos[1], tA, tB);
    for (let bi = 0; bi < aOffsets.length; bi++) {
      const ao = aOffsets[bi];
      const bo = bOffsets[bi];
      const co = bi * M * N;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) {
            const av = tA ? a[ao + k * M + i] : a[ao + i * K + k];
            const bv = tB ? b[bo + j * K + k] : b[bo + k * N + j];
            s += av * bv;
          }
          if (bias) s += bias[j];
          out[co + i * N + j] = applyAct(act, s);
        }
      }
    }
  },
};

/** 'FusedMatMul' is the same kernel; it differs from 'MatMul' only in its gradient rule. */
export const matMulDefs: CpuKernelDef[] = [matMulDef, { ...matMulDef, name: 'FusedMatMul' }];
