// matMul: (batched) matrix product with optional transposes; batch dims broadcast.
import { ENGINE } from '../engine/engine.js';
import { registerGradient } from '../engine/registry.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { sumToShape } from './binary.js';
import { checkFloat, run1, scoped, toTensor } from './util.js';
import type { TensorLike } from '../engine/dtype.js';
import { broadcastShapes } from '../engine/shape.js';

registerGradient('MatMul', {
  saveInputs: true,
  // C = op(A) op(B): dA and dB are again products, so they run on the same GEMM.
  grad: ([dy], { inputs: [a, b], attrs }) => {
    const tA = !!attrs.transposeA;
    const tB = !!attrs.transposeB;
    const mm = (x: Tensor, y: Tensor, ta: boolean, tb: boolean) =>
      run1('MatMul', [x, y], { transposeA: ta, transposeB: tb });
    const dA = () => sumToShape(tA ? mm(b, dy, tB, true) : mm(dy, b, false, !tB), a.shape);
    const dB = () => sumToShape(tB ? mm(dy, a, true, tA) : mm(a, dy, !tA, false), b.shape);
    return [dA, dB];
  },
});

/**
 * The matrix product of the last two dimensions of `a` and `b` (rank >= 2), batch dims broadcast.
 * @example sg.matMul(sg.ones([2, 3]), sg.ones([3, 4])).shape; // [2, 4]
 * @category Linear algebra
 * @function
 */
export const matMul = scoped(
  (a: Tensor | TensorLike, b: Tensor | TensorLike, transposeA = false, transposeB = false): Tensor => {
    const x = toTensor(a, 'a', 'matMul');
    const y = toTensor(b, 'b', 'matMul');
    checkMatMul('matMul', x, y, transposeA, transposeB);
    return run1('MatMul', [x, y], { transposeA, transposeB });
  },
);

/**
 * Validates matMul arguments (dtypes, ranks, inner and batch dims); returns the output shape.
 * @category Linear algebra
 */
export function checkMatMul(op: string, x: Tensor, y: Tensor, transposeA: boolean, transposeB: boolean): number[] {
  checkFloat(op, 'a', x);
  checkFloat(op, 'b', y);
  if (x.rank < 2 || y.rank < 2) {
    throw new Error(`${op}: both arguments must have rank >= 2 but got shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
  }
  const kA = transposeA ? x.shape[x.rank - 2] : x.shape[x.rank - 1];
  const kB = transposeB ? y.shape[y.rank - 1] : y.shape[y.rank - 2];
  if (kA !== kB) {
    throw new Error(
      `${op}: inner dimensions do not match: a ${fmt(x.shape)}${transposeA ? ' (transposed)' : ''} ` +
        `and b ${fmt(y.shape)}${transposeB ? ' (transposed)' : ''} give ${kA} vs ${kB}`,
    );
  }
  if (x.rank === 2 && y.rank === 2) {
    // No batch axes (dense layers): nothing to broadcast.
    const M2 = transposeA ? x.shape[1] : x.shape[0];
    const N2 = transposeB ? y.shape[0] : y.shape[1];
    ENGINE.checkSize(op, [M2, N2], 'float32');
    return [M2, N2];
  }
  const xb = x.shape.slice(0, -2);
  const yb = y.shape.slice(0, -2);
  const fits = xb.every((d, i) => {
    const e = yb[yb.length - xb.length + i];
    return e === undefined || d === e || d === 1 || e === 1;
  });
  if (!fits)
    throw new Error(
      `${op}: the batch dimensions of a ${fmt(x.shape)} and b ${fmt(y.shape)} do not broadcast (${fmt(xb)} vs ${fmt(yb)})`,
    );
  const batch = broadcastShapes(op, xb, yb);
  const M = transposeA ? x.shape[x.rank - 1] : x.shape[x.rank - 2];
  const N = transposeB ? y.shape[y.rank - 2] : y.shape[y.rank - 1];
  ENGINE.checkSize(op, [...batch, M, N], 'float32');
  return [...batch, M, N];
}
