// Data-dependent selection (tfjs-core names): topk, unique, bincount, denseBincount,
// multinomial, setdiff1dAsync, booleanMaskAsync, whereAsync, dropout. The output size of most
// depends on the values, so they read the input back and build the result on the host, as
// tfjs's cpu backend does; topk's values are differentiable (a gather of the input).
import type { DataType, TensorLike } from '../engine/dtype.js';
import { Rng } from '../engine/random.js';
import { fmt, normAxis, sizeFromShape } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { ENGINE } from '../engine/engine.js';
import { div, mul } from './binary.js';
import { cast } from './cast.js';
import { randomUniform } from './creation.js';
import { gather } from './gather.js';
import { greaterEqual } from './binary.js';
import { reshape } from './reshape.js';
import { softmax } from './softmax.js';
import { transpose } from './transpose.js';
import { checkFinite, checkInt, scoped, toTensor } from './util.js';
import { hostValues } from './host_read.js';

/** @inline */
type Arg = Tensor | TensorLike;

/**
 * The k largest values along the last axis and their indices (sorted largest first; ties keep
 * the lower index first), as tfjs. `values` is differentiable.
 * @example const { values, indices } = sg.topk(sg.tensor([1, 3, 2]), 2); // [3, 2], [1, 2]
 * @category Neural network
 */
export function topk(xIn: Arg, k = 1, sorted = true): { values: Tensor; indices: Tensor } {
  return ENGINE.tidy(() => {
    const x = toTensor(xIn, 'x', 'topk');
    if (x.rank === 0) throw new Error('topk: x must have rank >= 1 but is a scalar');
    const n = x.shape[x.rank - 1];
    checkInt('topk', 'k', k, 0);
    if (k > n) throw new Error(`topk: k (${k}) must be <= the last dimension (${n}) of x ${fmt(x.shape)}`);
    void sorted; // results are always sorted, which satisfies sorted = false too
    const rows = n === 0 ? 0 : x.size / n;
    if (ENGINE.backend.kernels.has('TopK') && x.size > 0 && k > 0) {
      // webgpu: ranks computed on the GPU (no readback); the values are a gather of x
      const [indices, flat] = ENGINE.runKernel('TopK', [x], { k });
      return { values: reshape(gather(reshape(x, [rows * n]), flat), [...x.shape.slice(0, -1), k]), indices };
    }
    const v = k === 0 ? new Float32Array(0) : hostValues('topk', 'x', x);
    const idx = new Int32Array(rows * k);
    const order = new Array<number>(n);
    for (let r = 0; r < (k === 0 ? 0 : rows); r++) {
      for (let i = 0; i < n; i++) order[i] = i;
      const at = (i: number) => v[r * n + i];
      // NaN sorts as the largest, as tfjs's comparator does.
      order.sort((a, b) => {
        const va = at(a);
        const vb = at(b);
        if (va !== va) return vb !== vb ? a - b : -1;
        if (vb !== vb) return 1;
        return vb - va || a - b;
      });
      for (let j = 0; j < k; j++) idx[r * k + j] = order[j] + r * n;
    }
    const flat = reshape(x, [rows * n]);
    const values = reshape(gather(flat, idx), [...x.shape.slice(0, -1), k]);
    const local = idx.map((f, i) => f - Math.floor(i / k) * n);
    const indices = toTensor(local, 'indices', 'topk');
    return { values, indices: reshape(indices, [...x.shape.slice(0, -1), k]) };
  });
}

/**
 * The unique values (or slices along `axis`) in order of first appearance, and for each input
 * element the index of its value in `values`.
 * @example const { values, indices } = sg.unique(sg.tensor([1, 1, 2, 4, 4, 4, 7, 8, 8])); // [1, 2, 4, 7, 8]
 * @category Neural network
 */
export function unique(xIn: Arg, axis = 0): { values: Tensor; indices: Tensor } {
  return ENGINE.tidy(() => {
    const x = toTensor(xIn, 'x', 'unique');
    if (x.rank === 0) throw new Error('unique: x must have rank >= 1 but is a scalar');
    const a = normAxis('unique', axis, x.rank);
    const perm = [a, ...x.shape.map((_, i) => i).filter((i) => i !== a)];
    const t = transpose(x, perm);
    const n = x.shape[a];
    const inner = n === 0 ? 0 : t.size / n;
    // x's own values (a transposed copy would be a GPU result on webgpu): slice i of t is
    // x[p, i, q] for p over the axes before `a` and q over those after it.
    const xv = x.size === 0 ? new Float32Array(0) : hostValues('unique', 'x', x);
    const post = sizeFromShape(x.shape.slice(a + 1));
    const pre = n === 0 || post === 0 ? 0 : inner / post;
    const slice = (i: number) => {
      const out: number[] = [];
      for (let p = 0; p < pre; p++) for (let q = 0; q < post; q++) out.push(xv[(p * n + i) * post + q]);
      return out;
    };
    const seen = new Map<string, number>();
    const first: number[] = [];
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = slice(i).map((e) => (Object.is(e, -0) ? 0 : e)).join(',');
      let u = seen.get(key);
      if (u === undefined) {
        u = first.length;
        seen.set(key, u);
        first.push(i);
      }
      indices[i] = u;
    }
    const picked = gather(t, Int32Array.from(first), 0);
    const inv = perm.map((_, i) => perm.indexOf(i));
    return { values: transpose(picked, inv), indices: toTensor(indices, 'indices', 'unique') };
  });
}

/** Shared by bincount and denseBincount: counts (or summed weights) of values in [0, size). */
function countBins(
  op: string,
  xv: ArrayLike<number>,
  wv: ArrayLike<number> | null,
  size: number,
  binary: boolean,
  out: Float32Array | Int32Array,
  base: number,
): void {
  for (let i = 0; i < xv.length; i++) {
    const v = xv[i];
    if (v < 0) throw new Error(`${op}: values must be >= 0 but found ${v}`);
    if (v >= size) continue;
    if (binary) out[base + v] = 1;
    else out[base + v] += wv ? wv[i] : 1;
  }
}

function binInputs(op: string, xIn: Arg, weightsIn: Arg | null | undefined, size: number) {
  const x = toTensor(xIn, 'x', op, 'int32');
  if (x.dtype !== 'int32') throw new Error(`${op}: x must be int32 but has dtype ${x.dtype}`);
  checkInt(op, 'size', size, 0);
  const w = weightsIn == null ? null : toTensor(weightsIn, 'weights', op);
  if (w && w.size > 0 && fmt(w.shape) !== fmt(x.shape))
    throw new Error(`${op}: weights ${fmt(w.shape)} must have x's shape ${fmt(x.shape)} (or be empty)`);
  // As tfjs: the result has the weights' dtype, also when they are empty (counts then).
  const dtype: DataType = w ? w.dtype : 'int32';
  return { x, w: w && w.size > 0 ? w : null, dtype };
}

/**
 * Counts of each value of the int32 vector x in [0, size), or the sums of `weights` there.
 * @example sg.bincount(sg.tensor([1, 1, 3], undefined, 'int32'), [], 4); // [0, 2, 0, 1]
 * @category Neural network
 */
export function bincount(xIn: Arg, weights: Arg | null | undefined, size: number): Tensor {
  return ENGINE.tidy(() => {
    const { x, w, dtype } = binInputs('bincount', xIn, weights, size);
    if (x.rank !== 1) throw new Error(`bincount: x must be a vector but has shape ${fmt(x.shape)}`);
    const out = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    countBins('bincount', hostValues('bincount', 'x', x), w ? hostValues('bincount', 'weights', w) : null, size, false, out, 0);
    return toTensor(out, 'out', 'bincount');
  });
}

/**
 * bincount of a vector, or of each row of a matrix; binaryOutput gives 1 where a value occurs.
 * @example sg.denseBincount(sg.tensor([[1, 1], [0, 2]], undefined, 'int32'), [], 3); // [[0, 2, 0], [1, 0, 1]]
 * @category Neural network
 */
export function denseBincount(xIn: Arg, weights: Arg | null | undefined, size: number, binaryOutput = false): Tensor {
  return ENGINE.tidy(() => {
    const { x, w, dtype } = binInputs('denseBincount', xIn, weights, size);
    if (x.rank !== 1 && x.rank !== 2)
      throw new Error(`denseBincount: x must have rank 1 or 2 but has shape ${fmt(x.shape)}`);
    const rows = x.rank === 1 ? 1 : x.shape[0];
    const n = x.rank === 1 ? x.size : x.shape[1];
    const out = dtype === 'float32' ? new Float32Array(rows * size) : new Int32Array(rows * size);
    const xv = hostValues('denseBincount', 'x', x);
    const wv = w ? hostValues('denseBincount', 'weights', w) : null;
    for (let r = 0; r < rows; r++)
      countBins(
        'denseBincount',
        xv.subarray(r * n, (r + 1) * n),
        wv ? wv.subarray(r * n, (r + 1) * n) : null,
        size,
        binaryOutput,
        out,
        r * size,
      );
    return reshape(toTensor(out, 'out', 'denseBincount'), x.rank === 1 ? [size] : [rows, size]);
  });
}

/** Rows of probabilities from logits (softmax per row of k, in float32 steps) or the values themselves. */
function hostProbs(v: ArrayLike<number>, k: number, normalized: boolean): Float32Array {
  const p = Float32Array.from(v);
  if (normalized) return p;
  for (let o = 0; o < p.length; o += k) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, p[o + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += p[o + j] = Math.exp(p[o + j] - m);
    for (let j = 0; j < k; j++) p[o + j] /= sum;
  }
  return p;
}

/**
 * Draws `numSamples` class indices per row from logits (or probabilities with normalized true).
 * @example sg.multinomial(sg.tensor([[0, 0]]), 3, 42).shape; // [1, 3]
 * @category Neural network
 */
export function multinomial(logitsIn: Arg, numSamples: number, seed?: number, normalized = false): Tensor {
  return ENGINE.tidy(() => {
    const logits = toTensor(logitsIn, 'logits', 'multinomial');
    if (logits.rank !== 1 && logits.rank !== 2)
      throw new Error(`multinomial: logits must have rank 1 or 2 but have shape ${fmt(logits.shape)}`);
    checkInt('multinomial', 'numSamples', numSamples, 1);
    const f = logits.dtype === 'float32' ? logits : cast(logits, 'float32');
    const probs = normalized ? f : softmax(f);
    // On webgpu the softmax is a GPU result: the same softmax on the host from the logits' copy.
    const pv = ENGINE.canReadSync(probs) ? probs.dataSync() : hostProbs(hostValues('multinomial', 'logits', logits), logits.shape[logits.rank - 1], normalized);
    const k = logits.shape[logits.rank - 1];
    const rows = logits.rank === 1 ? 1 : logits.shape[0];
    const rng = new Rng(seed);
    const out = new Int32Array(rows * numSamples);
    for (let r = 0; r < rows; r++) {
      const cdf = new Float64Array(k);
      let acc = 0;
      for (let i = 0; i < k; i++) cdf[i] = acc += pv[r * k + i];
      for (let s = 0; s < numSamples; s++) {
        const u = rng.uniform() * acc;
        let i = 0;
        while (i < k - 1 && cdf[i] <= u) i++;
        out[r * numSamples + s] = i;
      }
    }
    const t = toTensor(out, 'out', 'multinomial');
    return logits.rank === 1 ? reshape(t, [numSamples]) : reshape(t, [rows, numSamples]);
  });
}

/**
 * The values of x not in y (in x's order) and their positions in x, as tfjs.
 * @example const [out, idx] = await sg.setdiff1dAsync([1, 2, 3, 4], [2, 4]); // [1, 3], [0, 2]
 * @category Neural network
 */
export async function setdiff1dAsync(xIn: Arg, yIn: Arg): Promise<[Tensor, Tensor]> {
  const x = toTensor(xIn, 'x', 'setdiff1dAsync');
  const y = toTensor(yIn, 'y', 'setdiff1dAsync');
  try {
    if (x.rank !== 1 || y.rank !== 1)
      throw new Error(`setdiff1dAsync: x and y must be vectors but have shapes ${fmt(x.shape)} and ${fmt(y.shape)}`);
    if (x.dtype !== y.dtype) throw new Error(`setdiff1dAsync: x (${x.dtype}) and y (${y.dtype}) must have one dtype`);
    const xv = await x.data();
    const ys = new Set(await y.data());
    const keep: number[] = [];
    xv.forEach((v, i) => {
      if (!ys.has(v)) keep.push(i);
    });
    const idx = Int32Array.from(keep);
    return ENGINE.tidy(() => [gather(x, idx), toTensor(idx, 'indices', 'setdiff1dAsync')] as [Tensor, Tensor]);
  } finally {
    if (x !== xIn) x.dispose();
    if (y !== yIn) y.dispose();
  }
}

/**
 * The elements (or slices, for a mask of lower rank) of `tensor` where `mask` is true, flattened
 * over the masked dims starting at `axis`.
 * @example await sg.booleanMaskAsync(sg.tensor([1, 2, 3]), sg.tensor([true, false, true])); // [1, 3]
 * @category Neural network
 */
export async function booleanMaskAsync(tensorIn: Arg, maskIn: Arg, axis = 0): Promise<Tensor> {
  const t = toTensor(tensorIn, 'tensor', 'booleanMask');
  const m = toTensor(maskIn, 'mask', 'booleanMask', 'bool');
  try {
    if (m.dtype !== 'bool') throw new Error(`booleanMask: mask must be bool but has dtype ${m.dtype}`);
    const a = normAxis('booleanMask', axis, t.rank);
    if (m.rank === 0 || a + m.rank > t.rank || m.shape.some((d, i) => d !== t.shape[a + i]))
      throw new Error(`booleanMask: mask ${fmt(m.shape)} must match dimensions ${a}.. of tensor ${fmt(t.shape)}`);
    const mv = await m.data();
    const keep: number[] = [];
    mv.forEach((v, i) => {
      if (v) keep.push(i);
    });
    return ENGINE.tidy(() => {
      const lead = t.shape.slice(0, a);
      const flat = reshape(t, [...lead, sizeFromShape(m.shape), ...t.shape.slice(a + m.rank)]);
      return gather(flat, Int32Array.from(keep), a);
    });
  } finally {
    if (t !== tensorIn) t.dispose();
    if (m !== maskIn) m.dispose();
  }
}

/**
 * The coordinates of the true elements of a bool tensor, as int32 [count, rank].
 * @example await sg.whereAsync(sg.tensor([[true, false], [false, true]])); // [[0, 0], [1, 1]]
 * @category Neural network
 */
export async function whereAsync(conditionIn: Arg): Promise<Tensor> {
  const c = toTensor(conditionIn, 'condition', 'whereAsync', 'bool');
  try {
    if (c.dtype !== 'bool') throw new Error(`whereAsync: condition must be bool but has dtype ${c.dtype}`);
    const v = await c.data();
    const coords: number[] = [];
    const st = c.shape.map((_, i) => sizeFromShape(c.shape.slice(i + 1)));
    v.forEach((e, i) => {
      if (e) st.forEach((s, d) => coords.push(Math.floor(i / s) % c.shape[d]));
    });
    const n = coords.length / Math.max(c.rank, 1);
    return ENGINE.tidy(() => reshape(toTensor(Int32Array.from(coords), 'coords', 'whereAsync'), [n, c.rank]));
  } finally {
    if (c !== conditionIn) c.dispose();
  }
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the rest by
 * 1 / (1 - rate); `noiseShape` broadcasts one mask over dims of size 1.
 * @example sg.dropout(sg.ones([4]), 0.5, undefined, 42);
 * @category Neural network
 * @function
 */
export const dropout = scoped((xIn: Arg, rate: number, noiseShape?: number[], seed?: number | string): Tensor => {
  const x = toTensor(xIn, 'x', 'dropout');
  checkFinite('dropout', 'rate', rate);
  if (x.dtype !== 'float32') throw new Error(`dropout: x must be float32 but has dtype ${x.dtype}`);
  if (rate < 0 || rate >= 1) throw new Error(`dropout: rate must be in [0, 1) but is ${rate}`);
  if (rate === 0) return mul(x, 1);
  const shape = noiseShape ?? x.shape;
  const s = typeof seed === 'string' ? [...seed].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7) : seed;
  const keep = cast(greaterEqual(randomUniform(shape, 0, 1, 'float32', s), rate), 'float32');
  return div(mul(x, keep), 1 - rate);
});
