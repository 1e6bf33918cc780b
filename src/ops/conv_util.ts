// Argument checking and output geometry shared by the convolution and pooling ops (TF's
// padding rules), so every op reports bad input the same way before any kernel runs.
import { fmt } from '../engine/shape.js';

/** tfjs' padding argument: a mode, one number for every side, or explicit [before, after] per dimension. @inline */
export type PadArg = 'valid' | 'same' | number | number[][];
/** @inline */
export type RoundingMode = 'floor' | 'round' | 'ceil';

/** Normalises a number-or-tuple argument (strides, dilations, filterSize) to `n` positive integers. */
export function tupleArg(op: string, name: string, v: number | number[] | undefined | null, n: number, dflt = 1): number[] {
  const arr = v == null ? new Array<number>(n).fill(dflt) : typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (!Array.isArray(arr) || arr.length !== n || arr.some((d) => !Number.isInteger(d) || d < 1)) {
    const shown = Array.isArray(v) ? `[${v.map(String).join(',')}]` : String(v); // NaN stays NaN (JSON says null)
    throw new Error(`${op}: '${name}' must be a positive integer or ${n} positive integers but is ${shown}`);
  }
  return arr;
}

/** Spatial geometry of a window op along each dimension. */
export interface SpatialGeom {
  /** Output sizes. */
  out: number[];
  /** Padding before each dimension (the kernels' front pads). */
  pads: number[];
}

/**
 * Output sizes and front pads (TF rules) for spatial input sizes `inS`, window sizes `k`,
 * strides `s`, dilations `d`. `explicitDims` tells which dims of a tfjs explicit-padding array
 * (which includes batch and channel entries) are spatial.
 * Throws, naming the op and the shapes, when the window is larger than the padded input.
 */
export function spatialGeom(
  op: string,
  inS: number[],
  k: number[],
  s: number[],
  d: number[],
  pad: PadArg,
  explicitDims: number[],
  rounding: RoundingMode | undefined,
  shapes: string,
): SpatialGeom {
  const out: number[] = [];
  const pads: number[] = [];
  if (typeof pad === 'number' && (!Number.isInteger(pad) || pad < 0)) {
    if (!(pad >= 0) || rounding === undefined)
      throw new Error(`${op}: pad must be 'valid', 'same', an integer >= 0 or explicit pairs but is ${pad}`);
  }
  if (rounding !== undefined && !['floor', 'round', 'ceil'].includes(rounding))
    throw new Error(`${op}: dimRoundingMode must be 'floor', 'round' or 'ceil' but is ${rounding}`);
  if (Array.isArray(pad)) {
    const ok =
      pad.length === explicitDims.length + 2 &&
      pad.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok)
      throw new Error(
        `${op}: explicit padding must be ${explicitDims.length + 2} pairs of integers >= 0 but is ${JSON.stringify(pad)}`,
      );
  } else if (typeof pad !== 'number' && pad !== 'valid' && pad !== 'same') {
    throw new Error(`${op}: pad must be 'valid', 'same', a number or explicit pairs but is ${JSON.stringify(pad)}`);
  }
  const round = rounding === 'ceil' ? Math.ceil : rounding === 'round' ? Math.round : Math.floor;
  for (let i = 0; i < inS.length; i++) {
    const eff = (k[i] - 1) * d[i] + 1;
    let o: number;
    let front: number;
    let padded: number;
    if (pad === 'valid') {
      o = Math.ceil((inS[i] - eff + 1) / s[i]);
      front = 0;
      padded = inS[i];
    } else if (pad === 'same') {
      o = Math.ceil(inS[i] / s[i]);
      const total = Math.max(0, (o - 1) * s[i] + eff - inS[i]);
      front = Math.floor(total / 2);
      padded = inS[i] + total;
    } else if (typeof pad === 'number') {
      o = round((inS[i] - eff + 2 * pad) / s[i] + 1);
      front = Math.floor(pad);
      padded = inS[i] + 2 * pad;
    } else {
      const [b, a] = pad[explicitDims[i]];
      o = Math.floor((inS[i] + b + a - eff) / s[i] + 1);
      front = b;
      padded = inS[i] + b + a;
    }
    if (!(o >= 1) || padded < eff) {
      throw new Error(
        `${op}: the window (size ${k[i]}${d[i] > 1 ? `, dilation ${d[i]}, effective ${eff}` : ''}) is larger than ` +
          `the padded input (${inS[i]} + padding = ${padded}) along spatial dimension ${i}; ${shapes}`,
      );
    }
    out.push(o);
    pads.push(front);
  }
  return { out, pads };
}

/** tfjs' rule: strides and dilations cannot both exceed 1. */
export function checkStridesDilations(op: string, strides: number[], dilations: number[]): void {
  if (strides.some((v) => v > 1) && dilations.some((v) => v > 1)) {
    throw new Error(
      `${op}: either strides or dilations must be 1, but strides are ${fmt(strides)} and dilations ${fmt(dilations)}`,
    );
  }
}

export function checkRank(op: string, arg: string, shape: readonly number[], ranks: number[]): void {
  if (!ranks.includes(shape.length)) {
    throw new Error(`${op}: '${arg}' must have rank ${ranks.join(' or ')} but has shape ${fmt(shape)}`);
  }
}
