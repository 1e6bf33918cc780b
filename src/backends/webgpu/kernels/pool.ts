// WebGPU pooling: 'Pool' (max / avg) forward, 'MaxPoolGrad' and 'AvgPoolGrad', over the 3-d
// channels-last geometry the ops pass ([N, D, H, W, C]; 1-d and 2-d pools get unit depth). One
// invocation per output element; the gradients run one invocation per input element and gather
// from the windows that contain it (no atomics), recomputing each window's first maximum.
// Contract: src/backends/js/kernels/conv.ts (first maximum wins, NaN never does; a window wholly
// in the padding gives -Infinity for max and NaN for avg, as there).
import type { Attrs, TensorInfo } from '../../backend.js';
import { poolGeom } from '../../js/kernels/conv.js';
import type { WebGPUBackend } from '../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, GEOM_PARAMS, WINDOW_WGSL, flatGroups, geomValues } from './conv.js';
import { cachedCode, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

// negInf: the bits of -Infinity (a WGSL constant cannot be infinite, a parameter can).
const PARAMS = ['total', 'isMax', 'negInf', ...GEOM_PARAMS];
const NEG_INF_BITS = new Int32Array(new Float32Array([-Infinity]).buffer)[0];

type PoolKind = 'Pool' | 'MaxPoolGrad' | 'AvgPoolGrad';

/**
 * WGSL of one window's reduction for output pixel `o`, channel `c`: its first maximum (value
 * and input pixel) or its sum, and the number of taps inside the input.
 */
const WINDOW_REDUCE = `
struct Win { v: f32, at: i32, count: i32 }
fn reduceWindow(o: i32, c: i32, isMax: bool) -> Win {
  var w = Win(select(0.0, bitcast<f32>(P.negInf), isMax), -1, 0);
  let taps = P.KD * P.KH * P.KW;
  for (var t = 0; t < taps; t++) {
    let p = im2col(o, t);
    if (p < 0) { continue; }
    let e = X[p * P.C + c];
    w.count++;
    if (isMax) {
      if (e > w.v) { w.v = e; w.at = p; }
    } else {
      w.v += e;
    }
  }
  return w;
}
`;

/** The WGSL of a pooling kernel. */
export function poolWgsl(kind: PoolKind): string {
  let body: string;
  if (kind === 'Pool') {
    body = `${inputDecl('X', 0)}${outputDecl('Out', 1)}${WINDOW_WGSL}${WINDOW_REDUCE}${FLAT_MAIN}
  let isMax = P.isMax != 0;
  let w = reduceWindow(i / P.C, i % P.C, isMax);
  if (isMax) { Out[i] = w.v; } else { Out[i] = w.v / f32(w.count); }
}
`;
    return withParams(body, PARAMS, 2);
  }
  // Gradients: invocation i is input element (pixel q, channel c); visit every window tap that
  // reads pixel q (col2im), i.e. every output pixel whose window contains it.
  const grad =
    kind === 'MaxPoolGrad'
      ? `let w = reduceWindow(o, c, true);
      if (w.at == q) { s += DY[o * P.C + c]; }`
      : `s += DY[o * P.C + c] / f32(windowCount(o));`;
  const count =
    kind === 'AvgPoolGrad'
      ? `
fn windowCount(o: i32) -> i32 {
  var n = 0;
  for (var t = 0; t < P.KD * P.KH * P.KW; t++) { if (im2col(o, t) >= 0) { n++; } }
  return n;
}
`
      : WINDOW_REDUCE;
  const decls = kind === 'MaxPoolGrad' ? `${inputDecl('X', 0)}${inputDecl('DY', 1)}${outputDecl('Out', 2)}` : `${inputDecl('DY', 0)}${outputDecl('Out', 1)}`;
  body = `${decls}${WINDOW_WGSL}${count}${FLAT_MAIN}
  let c = i % P.C; let q = i / P.C;
  var s = 0.0;
  for (var t = 0; t < P.KD * P.KH * P.KW; t++) {
    let o = col2im(q, t);
    if (o >= 0) {
      ${grad}
    }
  }
  Out[i] = s;
}
`;
  return withParams(body, PARAMS, kind === 'MaxPoolGrad' ? 3 : 2);
}

function poolKernel(kind: PoolKind) {
  return (inputs: TensorInfo[], attrs: Attrs, gpu: WebGPUBackend): TensorInfo => {
    const inShape = kind === 'AvgPoolGrad' ? (attrs.inShape as number[]) : inputs[0].shape;
    const g = poolGeom(inShape, attrs);
    const outShape = kind === 'Pool' ? [g.N, g.OD, g.OH, g.OW, g.C] : inShape.slice();
    const y = gpu.makeOutput(outShape, 'float32');
    const total = outShape.reduce((a, b) => a * b, 1);
    if (total === 0) return y;
    const isMax = kind === 'MaxPoolGrad' || (kind === 'Pool' && attrs.type === 'max');
    dispatch(
      gpu,
      { key: kind, code: cachedCode(kind, () => poolWgsl(kind)), workgroups: flatGroups(total), params: [total, isMax ? 1 : 0, NEG_INF_BITS, ...geomValues(g)] },
      inputs,
      [y],
    );
    return y;
  };
}

for (const kind of ['Pool', 'MaxPoolGrad', 'AvgPoolGrad'] as const) registerWebGPUKernel(kind, poolKernel(kind));
