// tfjs-core's remaining `image` ops: nonMaxSuppressionWithScore (soft-NMS), nonMaxSuppressionPadded,
// their async forms, and threshold (binary / Otsu). The NMS follows tfjs' reference
// implementation (nonMaxSuppressionImpl_) step by step, so the same boxes come out in the same
// order with the same scores.
import type { TensorLike } from '../engine/dtype.js';
import { ENGINE } from '../engine/engine.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { checkInt, toTensor } from './util.js';
import { hostValues } from './host_read.js';

type Arg = Tensor | TensorLike;

interface Candidate {
  score: number;
  boxIndex: number;
  suppressBeginIndex: number;
}

function iou(boxes: ArrayLike<number>, i: number, j: number): number {
  const yminI = Math.min(boxes[i * 4], boxes[i * 4 + 2]);
  const xminI = Math.min(boxes[i * 4 + 1], boxes[i * 4 + 3]);
  const ymaxI = Math.max(boxes[i * 4], boxes[i * 4 + 2]);
  const xmaxI = Math.max(boxes[i * 4 + 1], boxes[i * 4 + 3]);
  const yminJ = Math.min(boxes[j * 4], boxes[j * 4 + 2]);
  const xminJ = Math.min(boxes[j * 4 + 1], boxes[j * 4 + 3]);
  const ymaxJ = Math.max(boxes[j * 4], boxes[j * 4 + 2]);
  const xmaxJ = Math.max(boxes[j * 4 + 1], boxes[j * 4 + 3]);
  const areaI = (ymaxI - yminI) * (xmaxI - xminI);
  const areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const inter =
    Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0) *
    Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0);
  return inter / (areaI + areaJ - inter);
}

const ascending = (a: Candidate, b: Candidate) => a.score - b.score || (a.score === b.score ? b.boxIndex - a.boxIndex : 0);

function insertSorted(list: Candidate[], c: Candidate): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending(c, list[mid]) > 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, c);
}

/**
 * Greedy (soft) non-maximum suppression on host arrays, as tfjs: with softNmsSigma > 0 the
 * scores of overlapping boxes decay by exp(-0.5 iou^2 / sigma) instead of the boxes being
 * dropped (a box with iou >= iouThreshold is still dropped).
 */
export function nmsImpl(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
  softNmsSigma = 0,
): { indices: number[]; scores: number[] } {
  const candidates: Candidate[] = [];
  for (let i = 0; i < scores.length; i++)
    if (scores[i] > scoreThreshold) candidates.push({ score: scores[i], boxIndex: i, suppressBeginIndex: 0 });
  candidates.sort(ascending);
  const scale = softNmsSigma > 0 ? -0.5 / softNmsSigma : 0;
  const indices: number[] = [];
  const kept: number[] = [];
  while (indices.length < maxOutputSize && candidates.length > 0) {
    const c = candidates.pop()!;
    const original = c.score;
    if (original < scoreThreshold) break;
    let ignore = false;
    for (let j = indices.length - 1; j >= c.suppressBeginIndex; --j) {
      const o = iou(boxes, c.boxIndex, indices[j]);
      if (o >= iouThreshold) {
        ignore = true;
        break;
      }
      c.score *= o <= iouThreshold ? Math.exp(scale * o * o) : 0;
      if (c.score <= scoreThreshold) break;
    }
    c.suppressBeginIndex = indices.length;
    if (!ignore) {
      if (c.score === original) {
        indices.push(c.boxIndex);
        kept.push(c.score);
      } else if (c.score > scoreThreshold) {
        insertSorted(candidates, c);
      }
    }
  }
  return { indices, scores: kept };
}

/** Validated NMS arguments (tensors to dispose when they were made here). */
function nmsArgs(
  op: string,
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold: number,
  scoreThreshold: number,
  softNmsSigma: number,
) {
  const b = toTensor(boxes, 'boxes', op, 'float32');
  let s: Tensor;
  try {
    s = toTensor(scores, 'scores', op, 'float32');
  } catch (e) {
    if (b !== boxes) b.dispose();
    throw e;
  }
  const free = () => {
    if (b !== boxes) b.dispose();
    if (s !== scores) s.dispose();
  };
  try {
    if (b.rank !== 2 || b.shape[1] !== 4)
      throw new Error(`${op}: boxes must have shape [numBoxes, 4] but have ${fmt(b.shape)}`);
    if (s.rank !== 1 || s.shape[0] !== b.shape[0])
      throw new Error(`${op}: scores must have shape [${b.shape[0]}] (one per box) but have ${fmt(s.shape)}`);
    checkInt(op, 'maxOutputSize', maxOutputSize, 0);
    if (!(iouThreshold >= 0 && iouThreshold <= 1))
      throw new Error(`${op}: iouThreshold must be in [0, 1] but is ${iouThreshold}`);
    if (typeof scoreThreshold !== 'number' || Number.isNaN(scoreThreshold))
      throw new Error(`${op}: scoreThreshold must be a number but is ${scoreThreshold}`);
    if (typeof softNmsSigma !== 'number' || !(softNmsSigma >= 0))
      throw new Error(`${op}: softNmsSigma must be a number >= 0 but is ${softNmsSigma}`);
  } catch (e) {
    free();
    throw e;
  }
  return { b, s, free, max: Math.min(maxOutputSize, b.shape[0]) };
}

/** The result of nonMaxSuppressionWithScore: kept box indices and their (decayed) scores. */
export interface NMSWithScoreResult {
  /** int32 [k]: indices of the kept boxes, best first. */
  selectedIndices: Tensor;
  /** float32 [k]: their scores after soft-NMS decay. */
  selectedScores: Tensor;
}

/** The result of nonMaxSuppressionPadded. */
export interface NMSPaddedResult {
  /** int32 [k], or [maxOutputSize] padded with 0 when padToMaxOutputSize. */
  selectedIndices: Tensor;
  /** int32 scalar: how many entries of selectedIndices are real. */
  validOutputs: Tensor;
}

function withScore(bv: ArrayLike<number>, sv: ArrayLike<number>, a: ReturnType<typeof nmsArgs>, iouT: number, scoreT: number, sigma: number): NMSWithScoreResult {
  const r = nmsImpl(bv, sv, a.max, iouT, scoreT, sigma);
  return {
    selectedIndices: ENGINE.makeTensor(Int32Array.from(r.indices), [r.indices.length], 'int32'),
    selectedScores: ENGINE.makeTensor(Float32Array.from(r.scores), [r.scores.length], 'float32'),
  };
}

function padded(bv: ArrayLike<number>, sv: ArrayLike<number>, a: ReturnType<typeof nmsArgs>, iouT: number, scoreT: number, pad: boolean): NMSPaddedResult {
  const r = nmsImpl(bv, sv, a.max, iouT, scoreT, 0);
  const valid = r.indices.length;
  const idx = pad && a.max > valid ? [...r.indices, ...new Array<number>(a.max - valid).fill(0)] : r.indices;
  return {
    selectedIndices: ENGINE.makeTensor(Int32Array.from(idx), [idx.length], 'int32'),
    validOutputs: ENGINE.makeTensor(Int32Array.of(valid), [], 'int32'),
  };
}

/**
 * Soft non-maximum suppression, as tfjs' `image.nonMaxSuppressionWithScore`: with
 * softNmsSigma > 0 overlapping boxes are down-weighted (score x exp(-0.5 iou^2 / sigma))
 * rather than removed; sigma 0 is plain NMS.
 * @param boxes [numBoxes, 4] as [y1, x1, y2, x2] (either corner order); scores [numBoxes].
 * @example const { selectedIndices, selectedScores } = sg.image.nonMaxSuppressionWithScore(boxes, scores, 10, 0.5, 0, 0.5);
 */
function nonMaxSuppressionWithScore(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  softNmsSigma = 0,
): NMSWithScoreResult {
  const op = 'image.nonMaxSuppressionWithScore';
  const a = nmsArgs(op, boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
  try {
    return withScore(hostValues(op, 'boxes', a.b), hostValues(op, 'scores', a.s), a, iouThreshold, scoreThreshold, softNmsSigma);
  } finally {
    a.free();
  }
}

/** nonMaxSuppressionWithScore reading the boxes and scores asynchronously. */
async function nonMaxSuppressionWithScoreAsync(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  softNmsSigma = 0,
): Promise<NMSWithScoreResult> {
  const op = 'image.nonMaxSuppressionWithScoreAsync';
  const a = nmsArgs(op, boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, softNmsSigma);
  try {
    const [bv, sv] = await Promise.all([a.b.data(), a.s.data()]);
    return withScore(bv, sv, a, iouThreshold, scoreThreshold, softNmsSigma);
  } finally {
    a.free();
  }
}

/**
 * Non-maximum suppression with a fixed-size output option, as tfjs'
 * `image.nonMaxSuppressionPadded`: selectedIndices padded with 0 to maxOutputSize when
 * padToMaxOutputSize (at most numBoxes, as tfjs), and validOutputs counting the real ones.
 * @example const { selectedIndices, validOutputs } = sg.image.nonMaxSuppressionPadded(boxes, scores, 5, 0.5, 0, true);
 */
function nonMaxSuppressionPadded(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  padToMaxOutputSize = false,
): NMSPaddedResult {
  const a = nmsArgs('image.nonMaxSuppressionPadded', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, 0);
  try {
    return padded(hostValues('image.nonMaxSuppressionPadded', 'boxes', a.b), hostValues('image.nonMaxSuppressionPadded', 'scores', a.s), a, iouThreshold, scoreThreshold, padToMaxOutputSize);
  } finally {
    a.free();
  }
}

/** nonMaxSuppressionPadded reading the boxes and scores asynchronously. */
async function nonMaxSuppressionPaddedAsync(
  boxes: Arg,
  scores: Arg,
  maxOutputSize: number,
  iouThreshold = 0.5,
  scoreThreshold = Number.NEGATIVE_INFINITY,
  padToMaxOutputSize = false,
): Promise<NMSPaddedResult> {
  const a = nmsArgs('image.nonMaxSuppressionPaddedAsync', boxes, scores, maxOutputSize, iouThreshold, scoreThreshold, 0);
  try {
    const [bv, sv] = await Promise.all([a.b.data(), a.s.data()]);
    return padded(bv, sv, a, iouThreshold, scoreThreshold, padToMaxOutputSize);
  } finally {
    a.free();
  }
}

/** Otsu's threshold of a 256-bin histogram, in float32 steps as tfjs computes it. */
function otsu(hist: number[], total: number): number {
  const f = Math.fround;
  let bestThresh = -1;
  let bestVar = 0;
  for (let index = 0; index < hist.length - 1; index++) {
    let n1 = 0;
    let s1 = 0;
    for (let i = 0; i <= index; i++) {
      n1 += hist[i];
      s1 += hist[i] * i;
    }
    let n2 = 0;
    let s2 = 0;
    for (let i = index + 1; i < hist.length; i++) {
      n2 += hist[i];
      s2 += hist[i] * i;
    }
    const wF = f(f(n1) / total);
    const wB = f(f(n2) / total);
    const m1 = f(f(s1) / f(n1));
    const m2 = f(f(s2) / f(n2));
    const d = f(m1 - m2);
    const v = f(f(f(wF * wB) * d) * d);
    if (v > bestVar) {
      bestVar = v;
      bestThresh = index;
    }
  }
  return bestThresh;
}

/**
 * Binarises an image, as tfjs' `image.threshold`: pixels brighter than the threshold become
 * 255, the rest 0 (inverted: the opposite), int32 [height, width, 1]. RGB images are first
 * converted to luma (0.2989 R + 0.587 G + 0.114 B). method 'binary' uses threshValue x 255;
 * 'otsu' picks the threshold that maximises the between-class variance of the histogram.
 * @param image [height, width, 1 or 3], values in [0, 255].
 * @example sg.image.threshold(img, 'otsu');
 */
function threshold(image: Arg, method: 'binary' | 'otsu' = 'binary', inverted = false, threshValue = 0.5): Tensor {
  const op = 'image.threshold';
  return ENGINE.tidy(() => {
    const x = toTensor(image, 'image', op);
    if (x.rank !== 3) throw new Error(`${op}: image must have rank 3 ([height, width, channels]) but has shape ${fmt(x.shape)}`);
    if (x.shape[2] !== 1 && x.shape[2] !== 3)
      throw new Error(`${op}: image must have 1 or 3 channels but has shape ${fmt(x.shape)}`);
    if (x.dtype !== 'int32' && x.dtype !== 'float32') throw new Error(`${op}: image must be int32 or float32 but is ${x.dtype}`);
    if (method !== 'binary' && method !== 'otsu') throw new Error(`${op}: method must be 'binary' or 'otsu' but is '${method}'`);
    if (typeof threshValue !== 'number' || !Number.isFinite(threshValue))
      throw new Error(`${op}: threshValue must be a finite number but is ${threshValue}`);
    const v = hostValues(op, 'image', x);
    const [h, w, c] = x.shape;
    const f = Math.fround;
    const gray = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++)
      gray[i] = c === 3 ? f(f(f(v[i * 3] * f(0.2989)) + f(v[i * 3 + 1] * f(0.587))) + f(v[i * 3 + 2] * f(0.114))) : v[i];
    let t = f(threshValue * 255);
    if (method === 'otsu') {
      const hist = new Array<number>(256).fill(0);
      for (const g of gray) {
        // tf.round rounds half to even
        const fl = Math.floor(g);
        const r = g - fl < 0.5 ? fl : g - fl > 0.5 ? fl + 1 : fl % 2 === 0 ? fl : fl + 1;
        if (r >= 0 && r < 256) hist[r]++;
      }
      t = otsu(hist, h * w);
    }
    const out = new Int32Array(h * w);
    for (let i = 0; i < h * w; i++) out[i] = (inverted ? gray[i] <= t : gray[i] > t) ? 255 : 0;
    return ENGINE.makeTensor(out, [h, w, 1], 'int32');
  });
}

/** The functions image.ts adds to tfjs-core's `image` namespace. */
export const imageExtra = {
  nonMaxSuppressionWithScore,
  nonMaxSuppressionWithScoreAsync,
  nonMaxSuppressionPadded,
  nonMaxSuppressionPaddedAsync,
  threshold,
};
