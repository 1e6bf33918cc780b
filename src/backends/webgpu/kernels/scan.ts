// WebGPU 'CumprodGrad': the gradient of cumprod over axis 1 of an [outer, n, inner] view, one
// invocation per element (O(n) each): dx_i = prod_{m<i} x_m * sum_{k>=i} dy_k prod_{i<m<=k} x_m
// (exclusive: sum over k > i of dy_k prod_{i<m<k} x_m), positions counted from the end with
// reverse. Only the other elements are multiplied, so a zero in x gives exact values, not NaN.
// Contract: src/backends/js/kernels/scan.ts.
import type { WebGPUBackend } from '../backend.js';
import type { TensorInfo } from '../../backend.js';
import { registerWebGPUKernel } from '../registry.js';
import { FLAT_MAIN, flatGroups } from './conv.js';
import { cachedCode, dispatch, inputDecl, outputDecl, withParams } from './matmul.js';

const PARAMS = ['total', 'n', 'inner', 'exclusive', 'reverse'];

function cumprodGradWgsl(): string {
  const body = `${inputDecl('X', 0)}${inputDecl('DY', 1)}${outputDecl('Out', 2)}
fn at(o: i32, j: i32, k: i32) -> i32 {
  return (o * P.n + select(k, P.n - 1 - k, P.reverse != 0)) * P.inner + j;
}
${FLAT_MAIN}
  let j = i % P.inner; let p = (i / P.inner) % P.n; let o = i / (P.inner * P.n);
  // p is the memory position; its position in the scan order:
  let pos = select(p, P.n - 1 - p, P.reverse != 0);
  var before = 1.0;
  for (var m = 0; m < pos; m++) { before *= X[at(o, j, m)]; }
  let first = select(pos, pos + 1, P.exclusive != 0);
  var acc = 0.0;
  var after = 1.0;
  for (var k = first; k < P.n; k++) {
    if (k > first) { after *= X[at(o, j, select(k, k - 1, P.exclusive != 0))]; }
    acc += DY[at(o, j, k)] * after;
  }
  Out[i] = before * acc;
}
`;
  return withParams(body, PARAMS, 3);
}

registerWebGPUKernel('CumprodGrad', (inputs, attrs, gpu: WebGPUBackend): TensorInfo => {
  const [x] = inputs;
  const [outer, n, inner] = x.shape;
  const y = gpu.makeOutput(x.shape, 'float32');
  const total = outer * n * inner;
  if (total === 0) return y;
  dispatch(
    gpu,
    {
      key: 'CumprodGrad',
      code: cachedCode('CumprodGrad', cumprodGradWgsl),
      workgroups: flatGroups(total),
      params: [total, n, inner, attrs.exclusive ? 1 : 0, attrs.reverse ? 1 : 0],
    },
    inputs,
    [y],
  );
  return y;
});
