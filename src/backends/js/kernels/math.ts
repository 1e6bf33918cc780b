// Element-wise math beyond the SIMD set (trig, hyperbolic, predicates, atan2, mod,
// logical ops) in plain loops; both CPU backends run these over typed-array views. One kernel
// per arity, selected by the op's name (an attr), so adding a function is one table entry.
import type { CpuKernelDef } from '../../host.js';
import type { DataType } from '../../../engine/dtype.js';
import { broadcastShapes } from '../../../engine/shape.js';
import { forEachBroadcast } from './binary.js';

/** Unary functions by name; float32 in, float32 out unless listed in UNARY_BOOL. */
export const MATH_UNARY: Record<string, (x: number) => number> = {
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  expm1: Math.expm1,
  isNaN: (x) => (Number.isNaN(x) ? 1 : 0),
  isInf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  logicalNot: (x) => (x ? 0 : 1),
};
const UNARY_BOOL = new Set(['isNaN', 'isInf', 'isFinite', 'logicalNot']);

/** Binary functions by name (with broadcasting); int32 variants where integer semantics differ. */
export const MATH_BINARY: Record<string, (a: number, b: number) => number> = {
  atan2: Math.atan2,
  // mod takes the sign of the divisor, as tfjs (and Python's %).
  mod: (a, b) => {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  },
  floorDiv: (a, b) => Math.floor(a / b),
  logicalAnd: (a, b) => (a && b ? 1 : 0),
  logicalOr: (a, b) => (a || b ? 1 : 0),
  logicalXor: (a, b) => (a ? 1 : 0) ^ (b ? 1 : 0),
};
const BINARY_BOOL = new Set(['logicalAnd', 'logicalOr', 'logicalXor']);

export const mathDefs: CpuKernelDef[] = [
  {
    name: 'MathUnary', // attrs.fn names the function
    outShape: ([x], attrs) => ({
      shape: x.shape,
      dtype: (UNARY_BOOL.has(attrs.fn as string) ? 'bool' : x.dtype) as DataType,
    }),
    run: ([x], out, _infos, attrs) => {
      const f = MATH_UNARY[attrs.fn as string];
      for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
    },
  },
  {
    name: 'MathBinary',
    outShape: ([a, b], attrs) => ({
      shape: broadcastShapes(attrs.fn as string, a.shape, b.shape),
      dtype: (BINARY_BOOL.has(attrs.fn as string) ? 'bool' : a.dtype) as DataType,
    }),
    run: ([a, b], out, infos, attrs, outShape) => {
      const f = MATH_BINARY[attrs.fn as string];
      forEachBroadcast(outShape, [infos[0].shape, infos[1].shape], (i, [ia, ib]) => {
        out[i] = f(a[ia], b[ib]);
      });
    },
  },
];
