// Linear algebra from matMul and element-wise ops (tfjs-core names): dot, outerProduct and the
// linalg namespace (bandPart, gramSchmidt, qr); einsum is in einsum.ts. Gradients come from the ops.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { div, mul, sub } from './binary.js';
import { concat, stack, unstack } from './concat.js';
import { eye } from './creation.js';
import { matMul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { sqrt } from './unary.js';
import { checkFloat, checkInt, scoped, toTensor } from './util.js';

/** @inline */
type Arg = Tensor | TensorLike;

/**
 * The dot product of vectors or matrices (rank 1 or 2 each), as tfjs.
 * @example sg.dot(sg.tensor([1, 2]), sg.tensor([3, 4])); // 11
 * @category Linear algebra
 * @function
 */
export const dot = scoped((aIn: Arg, bIn: Arg): Tensor => {
  const a = toTensor(aIn, 'a', 'dot');
  const b = toTensor(bIn, 'b', 'dot');
  if (a.rank < 1 || a.rank > 2 || b.rank < 1 || b.rank > 2)
    throw new Error(`dot: both arguments must have rank 1 or 2 but got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const ka = a.shape[a.rank - 1];
  const kb = b.shape[0];
  if (ka !== kb)
    throw new Error(`dot: inner dimensions of ${fmt(a.shape)} and ${fmt(b.shape)} do not match (${ka} vs ${kb})`);
  const a2 = a.rank === 1 ? reshape(a, [1, ka]) : a;
  const b2 = b.rank === 1 ? reshape(b, [kb, 1]) : b;
  const y = matMul(a2, b2);
  if (a.rank === 1 && b.rank === 1) return reshape(y, []);
  if (a.rank === 1) return reshape(y, [b.shape[1]]);
  if (b.rank === 1) return reshape(y, [a.shape[0]]);
  return y;
});

/**
 * The outer product of two vectors.
 * @example sg.outerProduct(sg.tensor([1, 2]), sg.tensor([3, 4])); // [[3, 4], [6, 8]]
 * @category Linear algebra
 * @function
 */
export const outerProduct = scoped((v1In: Arg, v2In: Arg): Tensor => {
  const v1 = toTensor(v1In, 'v1', 'outerProduct');
  const v2 = toTensor(v2In, 'v2', 'outerProduct');
  if (v1.rank !== 1 || v2.rank !== 1)
    throw new Error(`outerProduct: both arguments must be vectors but got ${fmt(v1.shape)} and ${fmt(v2.shape)}`);
  return matMul(reshape(v1, [-1, 1]), reshape(v2, [1, -1]));
});

// einsum lives in einsum.ts ('...', repeated labels, implicit output); re-exported here.
export { einsum } from './einsum.js';

/**
 * Keeps the band of each innermost matrix: entries with i - j <= numLower and j - i <= numUpper
 * (negative: keep all of that triangle), as tfjs.
 * @example sg.linalg.bandPart(sg.ones([3, 3]), 0, -1); // upper triangle
 */
const bandPart = scoped((aIn: Arg, numLower: number, numUpper: number): Tensor => {
  const a = toTensor(aIn, 'a', 'linalg.bandPart');
  if (a.rank < 2) throw new Error(`linalg.bandPart: a must have rank >= 2 but has shape ${fmt(a.shape)}`);
  checkInt('linalg.bandPart', 'numLower', numLower, -Infinity);
  checkInt('linalg.bandPart', 'numUpper', numUpper, -Infinity);
  const [M, N] = a.shape.slice(-2);
  const mask = new Int32Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++)
      mask[i * N + j] = (numLower < 0 || i - j <= numLower) && (numUpper < 0 || j - i <= numUpper) ? 1 : 0;
  const m =
    a.dtype === 'float32'
      ? toTensor(Float32Array.from(mask), 'mask', 'linalg.bandPart')
      : toTensor(mask, 'mask', 'linalg.bandPart');
  return mul(a, reshape(m, [M, N]));
});

/**
 * Orthonormalises the rows of a matrix (or a list of vectors) by Gram-Schmidt, as tfjs.
 * @example sg.linalg.gramSchmidt(sg.tensor([[1, 1], [1, 0]]));
 */
function gramSchmidt(xs: Tensor[] | Tensor): Tensor[] | Tensor {
  const isList = Array.isArray(xs);
  return ENGINE.tidy(() => {
    const rows = isList
      ? (xs as Tensor[]).map((t, i) => toTensor(t, `xs[${i}]`, 'linalg.gramSchmidt'))
      : unstack(toTensor(xs, 'xs', 'linalg.gramSchmidt'));
    if (rows.length === 0 || rows.some((r) => r.rank !== 1))
      throw new Error('linalg.gramSchmidt: xs must be a non-empty list of vectors or a matrix');
    const ys: Tensor[] = [];
    for (const x of rows) {
      checkFloat('linalg.gramSchmidt', 'xs', x);
      let v = x;
      for (const y of ys) v = sub(v, mul(sum(mul(y, v)), y));
      ys.push(div(v, sqrt(sum(mul(v, v)))));
    }
    return isList ? ys : stack(ys);
  });
}

/**
 * QR decomposition of each innermost matrix by Householder reflections (composed from ops),
 * as tfjs: [q, r] with q orthogonal and r upper triangular; fullMatrices false gives the
 * reduced form.
 * @example const [q, r] = sg.linalg.qr(sg.tensor([[1, 2], [3, 4]]));
 */
function qr(xIn: Arg, fullMatrices = false): [Tensor, Tensor] {
  return ENGINE.tidy(() => {
    const x = toTensor(xIn, 'x', 'linalg.qr');
    checkFloat('linalg.qr', 'x', x);
    if (x.rank < 2) throw new Error(`linalg.qr: x must have rank >= 2 but has shape ${fmt(x.shape)}`);
    const [M, N] = x.shape.slice(-2);
    // Each Householder step reads a norm and a sign it computed: a backend that may refuse
    // synchronous reads (webgpu: results live on the GPU) is refused here, before any kernel runs.
    if (Math.min(M, N) > 0 && x.size > 0 && ENGINE.backend.canReadSync !== undefined) throw qrNoSyncRead();
    if (x.rank > 2) {
      const mats = unstack(reshape(x, [-1, M, N]));
      const res = mats.map((m) => qr2d(m, fullMatrices));
      const lead = x.shape.slice(0, -2);
      const q = stack(res.map((r) => r[0]));
      const r = stack(res.map((r) => r[1]));
      return [reshape(q, [...lead, ...q.shape.slice(1)]), reshape(r, [...lead, ...r.shape.slice(1)])] as [
        Tensor,
        Tensor,
      ];
    }
    return qr2d(x, fullMatrices);
  });
}

function qrNoSyncRead(): Error {
  return new Error(
    `linalg.qr: reads the norm and sign of each Householder column synchronously, which the ${ENGINE.backend.name} ` +
      `backend cannot do (its results live on the GPU; WebGPU has no blocking readback); run linalg.qr on the wasm backend`,
  );
}

/**
 * Householder QR of one M x N matrix. Every quantity is an op of x (only the reflection's sign
 * is read back), so gradients flow through q and r.
 */
function qr2d(x: Tensor, fullMatrices: boolean): [Tensor, Tensor] {
  const [M, N] = x.shape;
  let q = eye(M);
  let r = x;
  for (let j = 0; j < Math.min(M, N); j++) {
    const col = slice(r, [j, j], [M - j, 1]);
    const normX = sqrt(sum(mul(col, col)));
    if (!ENGINE.canReadSync(normX)) throw qrNoSyncRead();
    if (normX.dataSync()[0] === 0) continue;
    const head = slice(col, [0, 0], [1, 1]);
    const s = head.dataSync()[0] > 0 ? -1 : 1;
    const u1 = sub(head, mul(s, normX)); // [1, 1]
    const tail = div(slice(col, [1, 0], [M - j - 1, 1]), u1);
    const parts = [toTensor(new Float32Array(j + 1).fill(1, j), 'w', 'linalg.qr'), reshape(tail, [-1])];
    const w = concat(parts.filter((t) => t.size > 0)); // [M]: zeros above j, 1 at j, tail below
    const tau = div(mul(-s, u1), normX); // [1, 1]
    const wc = reshape(w, [M, 1]);
    const wr = reshape(w, [1, M]);
    // r -= tau w (w^T r);  q -= tau (q w) w^T
    r = sub(r, mul(tau, matMul(wc, matMul(wr, r))));
    q = sub(q, mul(tau, matMul(matMul(q, wc), wr)));
  }
  if (!fullMatrices && M > N) {
    q = slice(q, [0, 0], [M, N]);
    r = slice(r, [0, 0], [N, N]);
  }
  return [q, r];
}

/**
 * tfjs-core's `linalg` namespace.
 * @namespace
 * @example sg.linalg.bandPart(sg.ones([3, 3]), 0, 0); // [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
 */
export const linalg = { bandPart, gramSchmidt, qr };
