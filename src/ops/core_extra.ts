// Smaller tfjs-core ops: searchSorted / lowerBound / upperBound, randomStandardNormal,
// randomUniformInt, rand, movingAverage, meshgrid, broadcastArgs, ensureShape, bitwiseAnd,
// inTopKAsync, sparseToDense, math.confusionMatrix, cosineWindow, enclosingPowerOfTwo, print,
// op, upcastType, sumOutType. Differentiable ones are composed from differentiable ops.
import { checkDtype, type DataType, type TensorLike, type TypedArray } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt, sizeFromShape, type Shape } from '../engine/shape.js';
import { Tensor } from '../engine/tensor.js';
import { add, div, mul, pow, sub } from './binary.js';
import { cast } from './cast.js';
import { ones, randomNormal, randomUniform } from './creation.js';
import { oneHot } from './gather.js';
import { matMul } from './matmul.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { checkInt, checkShape, scoped, toTensor } from './util.js';
import { hostValues } from './host_read.js';

type Arg = Tensor | TensorLike;

// ---- sorted search ----

function search(op: string, seqIn: Arg, valIn: Arg, side: 'left' | 'right'): Tensor {
  return ENGINE.tidy(() => {
    if (side !== 'left' && side !== 'right') throw new Error(`${op}: side must be 'left' or 'right' but is '${side}'`);
    const seq = toTensor(seqIn, 'sortedSequence', op);
    const val = toTensor(valIn, 'values', op);
    if (seq.rank < 1 || val.rank < 1)
      throw new Error(
        `${op}: sortedSequence ${fmt(seq.shape)} and values ${fmt(val.shape)} must have rank >= 1`,
      );
    const m = seq.shape[seq.rank - 1];
    const n = val.shape[val.rank - 1];
    const rows = m === 0 ? 0 : seq.size / m;
    const vrows = n === 0 ? 0 : val.size / n;
    if (m === 0 || rows !== vrows)
      throw new Error(
        `${op}: sortedSequence ${fmt(seq.shape)} and values ${fmt(val.shape)} must have the same number of rows (leading dimensions) and a non-empty last dimension`,
      );
    const s = hostValues(op, 'sortedSequence', seq);
    const v = hostValues(op, 'values', val);
    const out = new Int32Array(val.size);
    for (let r = 0; r < vrows; r++) {
      const base = r * m;
      for (let j = 0; j < n; j++) {
        const x = v[r * n + j];
        let lo = 0;
        let hi = m;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (side === 'left' ? s[base + mid] < x : s[base + mid] <= x) lo = mid + 1;
          else hi = mid;
        }
        out[r * n + j] = lo;
      }
    }
    // tfjs returns the [rows, N] shape it computes in (TensorFlow keeps values' shape)
    return ENGINE.makeTensor(out, [vrows, n], 'int32');
  });
}

/**
 * For each value, the index where it would be inserted into the sorted innermost rows of
 * `sortedSequence` to keep them sorted, as tfjs and numpy's `searchsorted`. side 'left' gives
 * the first such index, 'right' the last. Porting note: the result is int32 of shape
 * [rows, N] as tfjs returns it (a vector `values` gives [1, N]; TensorFlow keeps values' shape).
 * @param sortedSequence [..., M] rows sorted ascending.
 * @param values [..., N] with the same leading dimensions (a vector for a vector sequence).
 * @example sg.searchSorted([1, 3, 5], [3, 6]); // [[1, 3]]
 */
export function searchSorted(sortedSequence: Arg, values: Arg, side: 'left' | 'right' = 'left'): Tensor {
  return search('searchSorted', sortedSequence, values, side);
}

/**
 * searchSorted with side 'left': the first index i with sortedSequence[i] >= value.
 * @example sg.lowerBound([1, 3, 3, 5], [3]); // [[1]]
 */
export function lowerBound(sortedSequence: Arg, values: Arg): Tensor {
  return search('lowerBound', sortedSequence, values, 'left');
}

/**
 * searchSorted with side 'right': the first index i with sortedSequence[i] > value.
 * @example sg.upperBound([1, 3, 3, 5], [3]); // [[3]]
 */
export function upperBound(sortedSequence: Arg, values: Arg): Tensor {
  return search('upperBound', sortedSequence, values, 'right');
}

// ---- random ----

/**
 * Samples from the standard normal distribution (mean 0, standard deviation 1), as tfjs.
 * @example sg.randomStandardNormal([2, 2], 'float32', 3);
 */
export function randomStandardNormal(shape: Shape, dtype: 'float32' | 'int32' = 'float32', seed?: number): Tensor {
  if ((dtype as string) === 'bool') throw new Error('randomStandardNormal: dtype bool is not supported');
  return randomNormal(shape, 0, 1, dtype, seed);
}

/**
 * Integers sampled uniformly from [minval, maxval) (int32), as tfjs.
 * @example sg.randomUniformInt([3], 0, 10, 1);
 */
export function randomUniformInt(shape: Shape, minval: number, maxval: number, seed?: number): Tensor {
  checkInt('randomUniformInt', 'minval', minval, -Infinity);
  checkInt('randomUniformInt', 'maxval', maxval, -Infinity);
  if (maxval <= minval)
    throw new Error(`randomUniformInt: maxval (${maxval}) must be greater than minval (${minval})`);
  return randomUniform(shape, minval, maxval, 'int32', seed);
}

/**
 * A tensor of `shape` whose values come from calling `randFunction()` once per element, as tfjs.
 * @example sg.rand([2, 3], () => Math.random());
 */
export function rand(shape: Shape, randFunction: () => number, dtype: DataType = 'float32'): Tensor {
  if (!Array.isArray(shape)) throw new Error(`rand: shape must be an array but is ${JSON.stringify(shape)}`);
  checkShape('rand', shape);
  checkDtype('rand', dtype);
  if (typeof randFunction !== 'function') throw new Error('rand: randFunction must be a function');
  const size = sizeFromShape(shape);
  ENGINE.checkSize('rand', shape, dtype);
  const out: TypedArray = dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const v = randFunction();
    out[i] = dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  return ENGINE.makeTensor(out, shape, dtype);
}

// ---- composites ----

/**
 * The exponential moving average update `v + (x - v) * (1 - decay)`; with zeroDebias (the
 * default) divided by `1 - decay^step`, as tfjs. Differentiable.
 * @param v the current average; x the new value (same shape and dtype).
 * @example sg.movingAverage(v, x, 0.9, 3);
 */
export const movingAverage = scoped(
  (v: Arg, x: Arg, decay: number | Tensor, step?: number | Tensor, zeroDebias = true): Tensor => {
    const op = 'movingAverage';
    const vt = toTensor(v, 'v', op);
    const xt = toTensor(x, 'x', op);
    const d = toTensor(decay, 'decay', op);
    if (vt.dtype !== xt.dtype) throw new Error(`${op}: v is ${vt.dtype} but x is ${xt.dtype}`);
    if (vt.shape.length !== xt.shape.length || vt.shape.some((s, i) => s !== xt.shape[i]))
      throw new Error(`${op}: v ${fmt(vt.shape)} and x ${fmt(xt.shape)} must have the same shape`);
    let update = mul(sub(xt, vt), sub(1, d));
    if (zeroDebias) {
      if (step == null) throw new Error(`${op}: step is required when zeroDebias is true`);
      update = div(update, sub(1, pow(d, toTensor(step, 'step', op))));
    }
    return add(vt, update);
  },
);

/**
 * Coordinate matrices from two coordinate vectors, as numpy's `meshgrid` and tfjs: indexing
 * 'xy' (default) gives [len(y), len(x)] grids, 'ij' gives [len(x), len(y)].
 * @example const [X, Y] = sg.meshgrid([1, 2, 3], [4, 5]);
 */
export function meshgrid(x?: Arg, y?: Arg, { indexing = 'xy' }: { indexing?: 'xy' | 'ij' } = {}): Tensor[] {
  if (indexing !== 'xy' && indexing !== 'ij')
    throw new Error(`meshgrid: indexing must be 'xy' or 'ij' but is '${indexing}'`);
  if (x === undefined) return [];
  return ENGINE.tidy(() => {
    const xt = reshape(toTensor(x, 'x', 'meshgrid'), [-1]);
    if (y === undefined) return [xt];
    const yt = reshape(toTensor(y, 'y', 'meshgrid'), [-1]);
    const w = xt.size;
    const h = yt.size;
    const o = (shape: number[], t: Tensor) => ones(shape, t.dtype === 'bool' ? 'int32' : t.dtype);
    if (indexing === 'xy') return [mul(reshape(xt, [1, w]), o([h, 1], xt)), mul(reshape(yt, [h, 1]), o([1, w], yt))];
    return [mul(reshape(xt, [w, 1]), o([1, h], xt)), mul(o([w, 1], yt), reshape(yt, [1, h]))];
  });
}

/**
 * The broadcast shape of two shapes given as int32 vectors, as tfjs' `broadcastArgs`.
 * @example sg.broadcastArgs([2, 1], [3]); // [2, 3]
 */
export function broadcastArgs(s0: Arg, s1: Arg): Tensor {
  return ENGINE.tidy(() => {
    const a = toTensor(s0, 's0', 'broadcastArgs', 'int32');
    const b = toTensor(s1, 's1', 'broadcastArgs', 'int32');
    if (a.rank !== 1 || b.rank !== 1 || a.dtype !== 'int32' || b.dtype !== 'int32')
      throw new Error(
        `broadcastArgs: s0 and s1 must be int32 vectors but are ${a.dtype} ${fmt(a.shape)} and ${b.dtype} ${fmt(b.shape)}`,
      );
    const x = Array.from(hostValues('broadcastArgs', 's0', a));
    const y = Array.from(hostValues('broadcastArgs', 's1', b));
    const n = Math.max(x.length, y.length);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = x[x.length - n + i] ?? 1;
      const q = y[y.length - n + i] ?? 1;
      if (p !== q && p !== 1 && q !== 1)
        throw new Error(`broadcastArgs: shapes ${fmt(x)} and ${fmt(y)} are incompatible (${p} vs ${q})`);
      out[i] = p === 1 ? q : p;
    }
    return ENGINE.makeTensor(out, [n], 'int32');
  });
}

/**
 * Returns `x` unchanged when its shape matches `shape` (null or undefined entries match any
 * size), else throws, as tfjs.
 * @example sg.ensureShape(x, [null, 3]);
 */
export function ensureShape(x: Tensor, shape: Array<number | null | undefined>): Tensor {
  const t = x instanceof Tensor ? x : toTensor(x, 'x', 'ensureShape');
  if (!(t instanceof Tensor)) throw new Error('ensureShape: x must be a Tensor');
  const ok = t.shape.length === shape.length && shape.every((d, i) => d == null || d === t.shape[i]);
  if (!ok) {
    if (t !== x) t.dispose();
    throw new Error(`ensureShape: x has shape ${fmt(t.shape)}, not compatible with ${JSON.stringify(shape)}`);
  }
  return t;
}

/**
 * Element-wise bitwise AND of two int32 tensors of the same shape, as tfjs.
 * @example sg.bitwiseAnd(sg.tensor([6], [1], 'int32'), sg.tensor([3], [1], 'int32')); // [2]
 */
export function bitwiseAnd(x: Arg, y: Arg): Tensor {
  return ENGINE.tidy(() => {
    const a = toTensor(x, 'x', 'bitwiseAnd');
    const b = toTensor(y, 'y', 'bitwiseAnd');
    if (a.dtype !== 'int32' || b.dtype !== 'int32')
      throw new Error(`bitwiseAnd: x and y must be int32 but are ${a.dtype} and ${b.dtype}`);
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
      throw new Error(`bitwiseAnd: x ${fmt(a.shape)} and y ${fmt(b.shape)} must have the same shape`);
    const p = hostValues('bitwiseAnd', 'x', a);
    const q = hostValues('bitwiseAnd', 'y', b);
    const out = new Int32Array(p.length);
    for (let i = 0; i < out.length; i++) out[i] = p[i] & q[i];
    return ENGINE.makeTensor(out, a.shape, 'int32');
  });
}

/**
 * Whether each target is among the top k predictions of its row (bool, the targets' shape);
 * ties rank by index, as tfjs.
 * @param predictions [..., classes] float scores; targets [...] int32 class ids.
 * @example await sg.inTopKAsync(sg.tensor([[0.1, 0.8, 0.1]]), sg.tensor([1], [1], 'int32'), 1); // [true]
 */
export async function inTopKAsync(predictions: Arg, targets: Arg, k = 1): Promise<Tensor> {
  const op = 'inTopKAsync';
  const p = toTensor(predictions, 'predictions', op);
  let t: Tensor;
  try {
    t = toTensor(targets, 'targets', op, 'int32');
  } catch (e) {
    if (p !== predictions) p.dispose();
    throw e;
  }
  try {
    if (p.rank < 2) throw new Error(`${op}: predictions must have rank >= 2 but have shape ${fmt(p.shape)}`);
    if (t.rank !== p.rank - 1 || t.shape.some((d, i) => d !== p.shape[i]))
      throw new Error(
        `${op}: targets ${fmt(t.shape)} must have the shape of predictions ${fmt(p.shape)} without its last dimension`,
      );
    const last = p.shape[p.rank - 1];
    if (!Number.isInteger(k) || k < 1 || k > last)
      throw new Error(`${op}: k must be an integer in [1, ${last}] (the last dimension of predictions) but is ${k}`);
    const pv = await p.data();
    const tv = await t.data();
    const out = new Int32Array(t.size);
    for (let r = 0; r < t.size; r++) {
      const row = Array.from(pv.subarray(r * last, (r + 1) * last), (value, index) => ({ value, index }));
      row.sort((a, b) => b.value - a.value);
      out[r] = row.slice(0, k).some((e) => e.index === tv[r]) ? 1 : 0;
    }
    return ENGINE.makeTensor(out, t.shape, 'bool');
  } finally {
    if (p !== predictions) p.dispose();
    if (t !== targets) t.dispose();
  }
}

/**
 * A dense tensor of `outputShape` filled with `defaultValue`, with `sparseValues` written at
 * `sparseIndices` ([n, rank] or [n] int32; values [n] or a scalar), as tfjs. Indices must be
 * in range and not repeat.
 * @example sg.sparseToDense([[0], [2]], [5, 6], [4]); // [5, 0, 6, 0]
 */
export function sparseToDense(
  sparseIndices: Arg,
  sparseValues: Arg,
  outputShape: Shape,
  defaultValue: number | Tensor = 0,
): Tensor {
  const op = 'sparseToDense';
  return ENGINE.tidy(() => {
    checkShape(op, outputShape);
    const idx = toTensor(sparseIndices, 'sparseIndices', op, 'int32');
    const vals = toTensor(sparseValues, 'sparseValues', op);
    const dv = toTensor(defaultValue, 'defaultValue', op, vals.dtype);
    if (idx.dtype !== 'int32') throw new Error(`${op}: sparseIndices must be int32 but is ${idx.dtype}`);
    if (idx.rank > 2) throw new Error(`${op}: sparseIndices must have rank 0, 1 or 2 but has shape ${fmt(idx.shape)}`);
    const n = idx.rank > 0 ? idx.shape[0] : 1;
    const nd = idx.rank > 1 ? idx.shape[1] : 1;
    if (nd !== outputShape.length)
      throw new Error(
        `${op}: sparseIndices ${fmt(idx.shape)} give ${nd} coordinates but outputShape ${fmt(outputShape)} has rank ${outputShape.length}`,
      );
    if (!(vals.rank === 0 || (vals.rank === 1 && vals.shape[0] === n)))
      throw new Error(`${op}: sparseValues must be a scalar or have shape [${n}] but has ${fmt(vals.shape)}`);
    if (dv.rank !== 0) throw new Error(`${op}: defaultValue must be a scalar but has shape ${fmt(dv.shape)}`);
    ENGINE.checkSize(op, outputShape, vals.dtype);
    const size = sizeFromShape(outputShape);
    const out: TypedArray = vals.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    out.fill(hostValues(op, 'defaultValue', dv)[0]);
    const iv = hostValues(op, 'sparseIndices', idx);
    const vv = hostValues(op, 'sparseValues', vals);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      let flat = 0;
      for (let d = 0; d < nd; d++) {
        const c = iv[i * nd + d];
        if (!(c >= 0 && c < outputShape[d]))
          throw new Error(`${op}: sparseIndices[${i}] = ${c} is out of range [0, ${outputShape[d]}) in dimension ${d}`);
        flat = flat * outputShape[d] + c;
      }
      if (seen.has(flat)) throw new Error(`${op}: sparseIndices[${i}] repeats an index`);
      seen.add(flat);
      out[flat] = vals.rank === 0 ? vv[0] : vv[i];
    }
    return ENGINE.makeTensor(out, outputShape, vals.dtype);
  });
}

/**
 * The confusion matrix [numClasses, numClasses] (int32) of 1-d labels and predictions, rows
 * indexed by label, as tfjs' `math.confusionMatrix`.
 * @example sg.math.confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 0], [1, 1]]
 */
const confusionMatrix = scoped((labels: Arg, predictions: Arg, numClasses: number): Tensor => {
  const op = 'math.confusionMatrix';
  const l = toTensor(labels, 'labels', op);
  const p = toTensor(predictions, 'predictions', op);
  checkInt(op, 'numClasses', numClasses, 1);
  if (l.rank !== 1 || p.rank !== 1 || l.shape[0] !== p.shape[0])
    throw new Error(`${op}: labels ${fmt(l.shape)} and predictions ${fmt(p.shape)} must be vectors of the same length`);
  const lh = oneHot(cast(l, 'int32'), numClasses);
  const ph = oneHot(cast(p, 'int32'), numClasses);
  return cast(matMul(transpose(cast(lh, 'float32')), cast(ph, 'float32')), 'int32');
});

/** tfjs-core's `math` namespace. */
export const math = { confusionMatrix };

/**
 * A raised-cosine window `a - b cos(2 pi i / (n - 1 + even))` of length n (float32), the
 * helper tfjs' hann and hamming windows use.
 * @example sg.cosineWindow(5, 0.5, 0.5); // the periodic-even Hann window
 */
export function cosineWindow(windowLength: number, a: number, b: number): Tensor {
  checkInt('cosineWindow', 'windowLength', windowLength, 1);
  const even = 1 - (windowLength % 2);
  const out = new Float32Array(windowLength);
  for (let i = 0; i < windowLength; i++) out[i] = a - b * Math.cos((2 * Math.PI * i) / (windowLength + even - 1));
  return ENGINE.makeTensor(out, [windowLength], 'float32');
}

/**
 * The smallest power of two >= value, as tfjs (used to size FFT frames).
 * @example sg.enclosingPowerOfTwo(100); // 128
 */
export function enclosingPowerOfTwo(value: number): number {
  return Math.floor(Math.pow(2, Math.ceil(Math.log(value) / Math.log(2.0))));
}

/**
 * Logs a tensor, as tfjs' `print`; verbose adds its dtype and shape.
 * @example sg.print(sg.tensor([1, 2]));
 */
export function print(x: Tensor, verbose = false): void {
  if (!(x instanceof Tensor)) throw new Error(`print: x must be a Tensor but got '${typeof x}'`);
  x.print(verbose);
}

/**
 * Wraps a function as an op, as tfjs' `op({name: fn})`: the function runs in its own scope
 * (intermediate tensors freed, the result kept).
 * @example const square2 = sg.op({ square2: (x: sg.Tensor) => sg.mul(x, x) });
 */
export function op<T extends (...args: never[]) => unknown>(f: Record<string, T>): T {
  const keys = Object.keys(f ?? {});
  if (keys.length !== 1 || typeof f[keys[0]] !== 'function')
    throw new Error(`op: expected an object with a single key (the op name) mapping to a function, got ${keys.length} keys`);
  const fn = f[keys[0]];
  return ((...args: never[]) => ENGINE.tidy(() => fn(...args) as Tensor)) as unknown as T;
}

/**
 * The dtype of an operation mixing two dtypes, as tfjs: float32 beats int32 beats bool.
 * @example sg.upcastType('int32', 'float32'); // 'float32'
 */
export function upcastType(typeA: DataType, typeB: DataType): DataType {
  checkDtype('upcastType', typeA);
  checkDtype('upcastType', typeB);
  if (typeA === 'float32' || typeB === 'float32') return 'float32';
  if (typeA === 'int32' || typeB === 'int32') return 'int32';
  return 'bool';
}

/**
 * The dtype of a sum of `type` values, as tfjs: bool sums to int32.
 * @example sg.sumOutType('bool'); // 'int32'
 */
export function sumOutType(type: DataType): DataType {
  return upcastType(type, 'int32');
}

/**
 * The engine, as tfjs' `engine()`, for the calls tfjs programs make on it: `startScope()` /
 * `endScope(result?)` (tensors made in between are freed, but `result`), `tidy`, `memory()`,
 * `keepTensor`. Its other members are simdgrad's own.
 * @example
 * sg.engine().startScope();
 * const y = sg.square(sg.tensor([1, 2]));
 * sg.engine().endScope(y); // the input tensor is freed, y kept
 */
export function engine(): typeof ENGINE {
  return ENGINE;
}
